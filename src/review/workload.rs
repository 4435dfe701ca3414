//! SPEC §6.4, human workload and cost per resolution: did the human workload drop, and
//! what does an AI resolution cost?

use serde::Serialize;

/// `workload` of `report.json`. Cost figures are in the report currency.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Workload {
    /// Conversations a person handled: handed off, or without the AI.
    pub human_handled: Figure,
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
