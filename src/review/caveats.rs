//! SPEC §7.3, caveats: when a metric's month-over-month comparison cannot be trusted, so
//! the summary must not call its move an improvement or a setback.
//!
//! Caveats judge the report month (its traps, whether its cost is provisional); only the
//! prompt-coverage comparison looks at the month before.

use serde::Serialize;

use super::exact::{self, Exact};
use super::metrics::MetricId;
use super::traps::Traps;
use crate::aggregates::MonthAggregates;

/// Why a metric's change should be read with care, in the order SPEC §7.3 lists them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Caveat {
    /// Trap 2 fired: the CSAT (AI) may reflect who was asked to rate.
    InflatedCsat,
    /// Prompt coverage moved by more than `prompt_change_max` since the month before: the
    /// two months' ratings come from differently chosen customers.
    PromptingChanged,
    /// Trap 1 fired: deflection may include customers who gave up.
    FakingDeflection,
    /// A configured infra or labor ledger line is missing: the cost may still rise.
    ProvisionalCost,
}

/// A metric with caveats (`summary.read_with_care`).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ReadWithCare {
    pub id: MetricId,
    pub caveats: Vec<Caveat>,
}

/// What the caveats of the report month are judged from.
#[derive(Debug, Clone, Copy)]
pub struct CaveatFacts {
    pub inflated_csat: bool,
    pub prompting_changed: bool,
    pub faking_deflection: bool,
    pub provisional_cost: bool,
}

impl CaveatFacts {
    /// The facts of the report month (and, for the prompt coverage, the month before).
    pub fn of(
        traps: &Traps,
        month: &MonthAggregates,
        previous: Option<&MonthAggregates>,
        provisional_cost: bool,
        prompt_change_max: &Exact,
    ) -> Self {
        Self {
            inflated_csat: traps.inflated_csat.triggered,
            prompting_changed: prompting_changed(month, previous, prompt_change_max),
            faking_deflection: traps.faking_deflection.triggered,
            provisional_cost,
        }
    }

    /// The caveats of one metric, in SPEC §7.3's order; empty when none applies.
    pub fn of_metric(&self, id: MetricId) -> Vec<Caveat> {
        let applies = |caveat: Caveat| match caveat {
            Caveat::InflatedCsat => self.inflated_csat && id == MetricId::CsatAi,
            Caveat::PromptingChanged => {
                self.prompting_changed && matches!(id, MetricId::CsatAi | MetricId::CsatHuman)
            }
            Caveat::FakingDeflection => self.faking_deflection && id == MetricId::DeflectionRate,
            Caveat::ProvisionalCost => self.provisional_cost && id == MetricId::CostPerConversation,
        };
        [
            Caveat::InflatedCsat,
            Caveat::PromptingChanged,
            Caveat::FakingDeflection,
            Caveat::ProvisionalCost,
        ]
        .into_iter()
        .filter(|&c| applies(c))
        .collect()
    }
}

/// Trap 2's prompt coverage (closed conversations asked to rate / closed conversations);
/// `None` without a closed conversation.
pub fn prompt_coverage(month: &MonthAggregates) -> Option<Exact> {
    let c = &month.conversations;
    exact::ratio(c.closed_rating_prompted, c.closed)
}

/// Whether the prompt coverage differs between the two months by strictly more than
/// `max`, exactly; false unless both months have a coverage.
fn prompting_changed(
    month: &MonthAggregates,
    previous: Option<&MonthAggregates>,
    max: &Exact,
) -> bool {
    match (prompt_coverage(month), previous.and_then(prompt_coverage)) {
        (Some(now), Some(before)) => exact::abs(&(now - before)) > *max,
        _ => false,
    }
}
