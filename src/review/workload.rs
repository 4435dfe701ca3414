//! SPEC §6.4, human workload and cost per resolution: did the human workload drop, and
//! what does an AI resolution cost?

use num_traits::{Signed, Zero};
use serde::Serialize;

use super::exact::{self, Exact};
use super::metrics::CostComponents;
use super::status;
use super::MonthValues;
use crate::aggregates::MonthAggregates;

/// `workload` of `report.json`. Cost figures are in the report currency.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Workload {
    /// Conversations a person handled: handed off, or without the AI.
    pub human_handled: Figure,
    /// SPEC §7.1: `human_handled` / all conversations; null in a month without any.
    pub human_handled_share: Figure,
    /// The deflected conversations of `deflection_rate`.
    pub ai_resolutions: Figure,
    /// The booked labor categories.
    pub labor_cost: Figure,
    /// (metered LLM + booked infra) / AI resolutions.
    pub cost_per_ai_resolution: Figure,
    /// Booked labor / human-handled conversations; null while no labor line is booked.
    pub labor_cost_per_human_handled: Figure,
    /// AI resolutions × labor cost per human-handled conversation − (LLM + infra): an
    /// estimate, assuming an AI-resolved conversation would have cost what a
    /// human-handled one did that month.
    pub labor_cost_avoided_estimate: Figure,
    /// The month's cost is provisional (a ledger line is missing), so every cost figure is.
    pub provisional: bool,
    /// The answer to "did the AI save money?" this month, decided exactly.
    pub savings: Savings,
}

/// One workload figure with its month-over-month change (SPEC §3's MoM rules).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Figure {
    pub value: Option<f64>,
    pub previous: Option<f64>,
    pub delta_abs: Option<f64>,
    /// delta_abs / |previous|; null when previous is null or 0.
    pub delta_rel: Option<f64>,
}

/// Did the AI save money this month? (the sign of `labor_cost_avoided_estimate`)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Savings {
    /// The estimate is above 0: the AI resolutions cost less than people would have.
    Saved,
    /// The estimate is exactly 0.
    BrokeEven,
    /// The estimate is below 0: the AI cost more than the labor it replaced.
    CostMore,
    /// No estimate (no labor line booked, or no human-handled conversation to price).
    Unknown,
}

/// The six figures of one month, exact.
struct Figures {
    human_handled: Exact,
    human_handled_share: Option<Exact>,
    ai_resolutions: Exact,
    labor_cost: Exact,
    cost_per_ai_resolution: Option<Exact>,
    labor_cost_per_human_handled: Option<Exact>,
    labor_cost_avoided_estimate: Option<Exact>,
}

impl Figures {
    fn of(month: &MonthAggregates, costs: &CostComponents, labor: &[String]) -> Figures {
        let c = &month.conversations;
        let ai_cost = &costs.llm + &costs.infra;
        let ai_resolutions = exact::integer(c.deflected);
        let human_handled = exact::integer(c.human_handled);
        // Not booked yet is unknown, not 0 (and not merely provisional).
        let labor_booked = labor.iter().any(|l| month.ledger_amount(l).is_some());
        let per_human = labor_booked
            .then(|| exact::quotient(costs.labor.clone(), human_handled.clone()))
            .flatten();
        let estimate = per_human
            .as_ref()
            .map(|per| &ai_resolutions * per - &ai_cost);
        Figures {
            cost_per_ai_resolution: exact::quotient(ai_cost, ai_resolutions.clone()),
            human_handled_share: exact::ratio(c.human_handled, c.total),
            human_handled,
            ai_resolutions,
            labor_cost: costs.labor.clone(),
            labor_cost_per_human_handled: per_human,
            labor_cost_avoided_estimate: estimate,
        }
    }
}

/// SPEC §7.1: the month's conversations against the month before's (a count, 0 in a month
/// without any; null only when the aggregates do not hold the month before).
pub fn volume(month: &MonthAggregates, previous: Option<&MonthAggregates>) -> Figure {
    let total = |m: &MonthAggregates| exact::integer(m.conversations.total);
    figure(Some(&total(month)), previous.map(total).as_ref())
}

fn figure(value: Option<&Exact>, previous: Option<&Exact>) -> Figure {
    let (delta_abs, delta_rel) = status::deltas(value, previous);
    Figure {
        value: value.map(exact::to_f64),
        previous: previous.map(exact::to_f64),
        delta_abs: delta_abs.as_ref().map(exact::to_f64),
        delta_rel: delta_rel.as_ref().map(exact::to_f64),
    }
}

/// SPEC §6.4 for the report month against the month before (when the aggregates hold it).
pub fn workload(
    current: (&MonthAggregates, &MonthValues),
    previous: Option<(&MonthAggregates, &MonthValues)>,
    labor_categories: &[String],
) -> Workload {
    let now = Figures::of(current.0, &current.1.costs, labor_categories);
    let before = previous.map(|(m, v)| Figures::of(m, &v.costs, labor_categories));
    let pair = |f: fn(&Figures) -> Option<&Exact>| figure(f(&now), before.as_ref().and_then(f));
    let savings = match &now.labor_cost_avoided_estimate {
        None => Savings::Unknown,
        Some(e) if e.is_zero() => Savings::BrokeEven,
        Some(e) if e.is_positive() => Savings::Saved,
        Some(_) => Savings::CostMore,
    };
    Workload {
        human_handled: pair(|f| Some(&f.human_handled)),
        human_handled_share: pair(|f| f.human_handled_share.as_ref()),
        ai_resolutions: pair(|f| Some(&f.ai_resolutions)),
        labor_cost: pair(|f| Some(&f.labor_cost)),
        cost_per_ai_resolution: pair(|f| f.cost_per_ai_resolution.as_ref()),
        labor_cost_per_human_handled: pair(|f| f.labor_cost_per_human_handled.as_ref()),
        labor_cost_avoided_estimate: pair(|f| f.labor_cost_avoided_estimate.as_ref()),
        provisional: !current.1.costs.missing_categories.is_empty(),
        savings,
    }
}
