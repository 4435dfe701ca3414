//! SPEC §7.4, the ledger reconciled: every line finance booked for the month or the month
//! before, with what the cost per conversation did with it, so a cost table can add up
//! and say which lines it left out.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use bigdecimal::BigDecimal;
use serde::Serialize;

use super::exact;
use super::settings::CostCategories;
use crate::aggregates::MonthAggregates;

/// How the cost per conversation treats a ledger category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CountedAs {
    /// A configured infra category: added to the cost.
    Infra,
    /// A configured labor category: added to the cost.
    Labor,
    /// The `llm` line: compared with the metered LLM cost by trap 3, never added (the
    /// metered cost is).
    LlmReconciliation,
    /// Any other category: not part of the cost per conversation.
    NotCounted,
}

/// One category of `cost_breakdown.ledger`.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LedgerEntry {
    pub category: String,
    /// Booked for the report month; null when no line was booked (not 0).
    pub amount: Option<f64>,
    /// Booked for the month before; null when no line was booked.
    pub previous: Option<f64>,
    pub counted_as: CountedAs,
}

/// How `category` is counted under the configured categories.
pub fn counted_as(category: &str, categories: &CostCategories) -> CountedAs {
    if categories.infra.iter().any(|c| c == category) {
        CountedAs::Infra
    } else if categories.labor.iter().any(|c| c == category) {
        CountedAs::Labor
    } else if categories.llm == category {
        CountedAs::LlmReconciliation
    } else {
        CountedAs::NotCounted
    }
}

/// One entry per category booked for the month or the month before: by signed amount
/// descending, categories not booked for the month last (among themselves by category),
/// ties by category in byte order.
pub fn ledger(
    month: &MonthAggregates,
    previous: Option<&MonthAggregates>,
    categories: &CostCategories,
) -> Vec<LedgerEntry> {
    let booked: BTreeSet<&str> = month
        .ledger
        .iter()
        .chain(previous.iter().flat_map(|p| p.ledger.iter()))
        .map(|l| l.category.as_str())
        .collect();
    let mut rows: Vec<(&str, Option<&BigDecimal>, Option<&BigDecimal>)> = booked
        .into_iter()
        .map(|category| {
            (
                category,
                month.ledger_amount(category),
                previous.and_then(|p| p.ledger_amount(category)),
            )
        })
        .collect();
    // Exact decimals decide the order, never their float images.
    rows.sort_by(|a, b| {
        let by_amount = match (a.1, b.1) {
            (Some(x), Some(y)) => y.cmp(x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        by_amount.then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
    });
    let f = |d: &BigDecimal| exact::to_f64(&exact::big_decimal(d));
    rows.into_iter()
        .map(|(category, amount, before)| LedgerEntry {
            category: category.to_string(),
            amount: amount.map(f),
            previous: before.map(f),
            counted_as: counted_as(category, categories),
        })
        .collect()
}

/// The sum of every amount booked for the month, all categories; `None` when nothing is.
pub fn ledger_total(month: &MonthAggregates) -> Option<f64> {
    if month.ledger.is_empty() {
        return None;
    }
    let sum = month.ledger.iter().fold(exact::integer(0), |sum, l| {
        sum + exact::big_decimal(&l.amount)
    });
    Some(exact::to_f64(&sum))
}
