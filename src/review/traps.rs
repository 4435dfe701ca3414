//! The three reporting traps (SPEC §4), each with the evidence an executive needs.
//!
//! A comparison involving a missing value is false, so a trap never fires on no data.

use num_traits::Zero;
use serde::Serialize;

use super::exact::{self, Exact};
use super::metrics::{CostComponents, MetricId};
use super::settings::ReviewSettings;
use super::status::Status;
use super::{opt_f64, MonthValues};
use crate::aggregates::MonthAggregates;

/// The three traps, in report order; serialised as their `report.json` keys.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TrapId {
    FakingDeflection,
    InflatedCsat,
    HiddenLlmCost,
}

impl TrapId {
    /// Every trap, in report order.
    pub const ALL: [TrapId; 3] = [
        TrapId::FakingDeflection,
        TrapId::InflatedCsat,
        TrapId::HiddenLlmCost,
    ];

    /// The id as in `report.json` (`faking_deflection`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TrapId::FakingDeflection => "faking_deflection",
            TrapId::InflatedCsat => "inflated_csat",
            TrapId::HiddenLlmCost => "hidden_llm_cost",
        }
    }
}

impl std::fmt::Display for TrapId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a trap fired (machine-readable; the callout text is the renderer's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrapReason {
    /// The 24h return rate missed its target.
    ReturnRateMissed,
    /// Too many deflected conversations ended in a frustrated exit.
    FrustratedExits,
    /// Deflection rose month over month while the return rate rose too.
    DeflectionRoseWithReturns,
    /// Too few closed conversations were asked for a rating.
    LowPromptCoverage,
    /// Positive endings were asked for a rating more often than the others.
    PromptsSkewedToPositive,
    /// Metered LLM spend has no `llm` line in the ledger.
    LlmLineMissing,
    /// The ledger's `llm` line is well below the metered LLM spend.
    LlmUnderBooked,
}

/// One trap's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Trap<E> {
    pub triggered: bool,
    /// False when the trap could not be judged yet (trap 3 before the ledger is booked).
    pub judged: bool,
    pub reasons: Vec<TrapReason>,
    pub evidence: E,
}

/// The three traps.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Traps {
    pub faking_deflection: Trap<FakingDeflectionEvidence>,
    pub inflated_csat: Trap<InflatedCsatEvidence>,
    pub hidden_llm_cost: Trap<HiddenLlmCostEvidence>,
}

impl Traps {
    /// Whether a trap fired.
    pub fn triggered(&self, id: TrapId) -> bool {
        match id {
            TrapId::FakingDeflection => self.faking_deflection.triggered,
            TrapId::InflatedCsat => self.inflated_csat.triggered,
            TrapId::HiddenLlmCost => self.hidden_llm_cost.triggered,
        }
    }

    /// Ids of the triggered traps, in report order.
    pub fn triggered_ids(&self) -> Vec<TrapId> {
        TrapId::ALL
            .into_iter()
            .filter(|&id| self.triggered(id))
            .collect()
    }
}

/// Trap 1 evidence: deflection next to what it may be hiding.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FakingDeflectionEvidence {
    pub deflection_rate: Option<f64>,
    /// AI participated and no handoff, whatever happened next.
    pub naive_deflection_rate: Option<f64>,
    pub return_rate_24h: Option<f64>,
    /// Share of deflected conversations that ended with the user leaving or timing out
    /// with negative sentiment at or above the frustration threshold.
    pub frustrated_exit_share: Option<f64>,
    pub deflected: i64,
    pub frustrated_exits: i64,
    /// Deflection strictly above the previous month.
    pub deflection_rose: bool,
    /// The 24h return rate strictly above the previous month.
    pub return_rate_rose: bool,
}

/// Trap 2 evidence: who gets asked for a rating.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct InflatedCsatEvidence {
    /// Closed conversations asked for a rating / closed conversations.
    pub prompt_coverage: Option<f64>,
    /// Prompt rate on positive endings (`resolved`).
    pub positive_ending_prompt_rate: Option<f64>,
    /// Prompt rate on every other ending (NULL `close_reason` included).
    pub other_ending_prompt_rate: Option<f64>,
    /// Positive minus other prompt rate.
    pub prompt_rate_gap: Option<f64>,
    /// The reported `csat_ai`.
    pub csat_ai: Option<f64>,
    /// What CSAT (AI) would be if every ending were rated like the ones that were.
    pub outcome_weighted_csat_ai: Option<f64>,
    pub closed: i64,
}

/// Trap 3 evidence: metered LLM spend against what finance booked.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct HiddenLlmCostEvidence {
    /// The month's ledger has at least one line.
    pub ledger_booked: bool,
    pub metered_llm_cost: f64,
    /// The ledger's `llm` line (0 when missing).
    pub booked_llm_cost: f64,
    pub llm_line_present: bool,
    /// Metered minus booked.
    pub gap: f64,
    /// The largest ledger category outside llm, infra and labor: where LLM spend is
    /// probably hiding.
    pub largest_other_category: Option<LedgerCategoryAmount>,
}

/// A ledger category and its booked amount.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LedgerCategoryAmount {
    pub category: String,
    pub amount: f64,
}

/// Judges the three traps for the report month.
pub fn judge(
    month: &MonthAggregates,
    current: &MonthValues,
    previous: Option<&MonthValues>,
    return_status: Status,
    settings: &ReviewSettings,
) -> Traps {
    Traps {
        faking_deflection: faking_deflection(month, current, previous, return_status, settings),
        inflated_csat: inflated_csat(month, current, settings),
        hidden_llm_cost: hidden_llm_cost(month, &current.costs, settings),
    }
}

/// "Rose" = strictly greater than the previous month; false when either has no value.
fn rose(id: MetricId, current: &MonthValues, previous: Option<&MonthValues>) -> bool {
    match (current.get(id), previous.and_then(|p| p.get(id))) {
        (Some(v), Some(p)) => v > p,
        _ => false,
    }
}

fn faking_deflection(
    month: &MonthAggregates,
    current: &MonthValues,
    previous: Option<&MonthValues>,
    return_status: Status,
    settings: &ReviewSettings,
) -> Trap<FakingDeflectionEvidence> {
    let c = &month.conversations;
    let frustrated_share = exact::ratio(c.deflected_frustrated_exits, c.deflected);
    let deflection_rose = rose(MetricId::DeflectionRate, current, previous);
    let return_rate_rose = rose(MetricId::ReturnRate24h, current, previous);
    let mut reasons = Vec::new();
    if return_status == Status::Missed {
        reasons.push(TrapReason::ReturnRateMissed);
    }
    if frustrated_share
        .as_ref()
        .is_some_and(|s| *s > settings.traps.frustrated_exit_share_max)
    {
        reasons.push(TrapReason::FrustratedExits);
    }
    if deflection_rose && return_rate_rose {
        reasons.push(TrapReason::DeflectionRoseWithReturns);
    }
    Trap {
        triggered: !reasons.is_empty(),
        judged: true,
        reasons,
        evidence: FakingDeflectionEvidence {
            deflection_rate: opt_f64(current.get(MetricId::DeflectionRate)),
            naive_deflection_rate: opt_f64(exact::ratio(c.naive_deflected, c.total).as_ref()),
            return_rate_24h: opt_f64(current.get(MetricId::ReturnRate24h)),
            frustrated_exit_share: opt_f64(frustrated_share.as_ref()),
            deflected: c.deflected,
            frustrated_exits: c.deflected_frustrated_exits,
            deflection_rose,
            return_rate_rose,
        },
    }
}

fn inflated_csat(
    month: &MonthAggregates,
    current: &MonthValues,
    settings: &ReviewSettings,
) -> Trap<InflatedCsatEvidence> {
    let c = &month.conversations;
    let coverage = exact::ratio(c.closed_rating_prompted, c.closed);
    let (mut pos_closed, mut pos_prompted, mut other_closed, mut other_prompted) =
        (0i64, 0i64, 0i64, 0i64);
    // Outcome-weighted CSAT: Σ w_e·mean_e / Σ w_e with w_e = closed_e / closed; the
    // common denominator cancels, leaving Σ closed_e·mean_e / Σ closed_e.
    let mut weighted_sum = exact::integer(0);
    let mut weight = 0i64;
    for (ending, e) in &c.endings {
        if ending == "resolved" {
            pos_closed += e.closed;
            pos_prompted += e.rating_prompted;
        } else {
            other_closed += e.closed;
            other_prompted += e.rating_prompted;
        }
        if let Some(mean) = exact::ratio(e.ai_rating_sum, e.ai_rated) {
            weighted_sum += exact::integer(e.closed) * mean;
            weight += e.closed;
        }
    }
    let positive_rate = exact::ratio(pos_prompted, pos_closed);
    let other_rate = exact::ratio(other_prompted, other_closed);
    let gap = match (&positive_rate, &other_rate) {
        (Some(p), Some(o)) => Some(p - o),
        _ => None,
    };
    let outcome_weighted = exact::quotient(weighted_sum, exact::integer(weight));
    let mut reasons = Vec::new();
    if coverage
        .as_ref()
        .is_some_and(|cov| *cov < settings.traps.prompt_coverage_min)
    {
        reasons.push(TrapReason::LowPromptCoverage);
    }
    if gap
        .as_ref()
        .is_some_and(|g| *g > settings.traps.prompt_rate_gap_max)
    {
        reasons.push(TrapReason::PromptsSkewedToPositive);
    }
    Trap {
        triggered: !reasons.is_empty(),
        judged: true,
        reasons,
        evidence: InflatedCsatEvidence {
            prompt_coverage: opt_f64(coverage.as_ref()),
            positive_ending_prompt_rate: opt_f64(positive_rate.as_ref()),
            other_ending_prompt_rate: opt_f64(other_rate.as_ref()),
            prompt_rate_gap: opt_f64(gap.as_ref()),
            csat_ai: opt_f64(current.get(MetricId::CsatAi)),
            outcome_weighted_csat_ai: opt_f64(outcome_weighted.as_ref()),
            closed: c.closed,
        },
    }
}

fn hidden_llm_cost(
    month: &MonthAggregates,
    costs: &CostComponents,
    settings: &ReviewSettings,
) -> Trap<HiddenLlmCostEvidence> {
    let categories = &settings.costs;
    let booked_line = month.ledger_amount(&categories.llm).map(exact::big_decimal);
    let booked = booked_line.clone().unwrap_or_else(|| exact::integer(0));
    let metered = &costs.llm;
    let ledger_booked = !month.ledger.is_empty();
    let largest_other = month
        .ledger
        .iter()
        .filter(|l| {
            l.category != categories.llm
                && !categories.infra.contains(&l.category)
                && !categories.labor.contains(&l.category)
        })
        // Largest amount; on a tie the first category by name (the ledger is sorted).
        .fold(
            None::<&crate::aggregates::LedgerLine>,
            |best, l| match best {
                Some(b) if b.amount >= l.amount => Some(b),
                _ => Some(l),
            },
        )
        .map(|l| LedgerCategoryAmount {
            category: l.category.clone(),
            amount: exact::to_f64(&exact::big_decimal(&l.amount)),
        });
    let mut reasons = Vec::new();
    if ledger_booked && *metered > Exact::zero() {
        match &booked_line {
            None => reasons.push(TrapReason::LlmLineMissing),
            Some(b) if *b < metered * &settings.traps.booked_llm_share_min => {
                reasons.push(TrapReason::LlmUnderBooked)
            }
            Some(_) => {}
        }
    }
    Trap {
        triggered: !reasons.is_empty(),
        judged: ledger_booked,
        reasons,
        evidence: HiddenLlmCostEvidence {
            ledger_booked,
            metered_llm_cost: exact::to_f64(metered),
            booked_llm_cost: exact::to_f64(&booked),
            llm_line_present: booked_line.is_some(),
            gap: exact::to_f64(&(metered - &booked)),
            largest_other_category: largest_other,
        },
    }
}
