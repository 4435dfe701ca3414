//! SPEC §6.1, the noise band: is a month-over-month change bigger than chance?
//!
//! Rates are judged by the pooled two-proportion z-test (Wilson score interval), means by
//! Welch's t-test (Welch–Satterthwaite degrees of freedom, Student-t interval).

use serde::Serialize;

/// Whether a metric's month-over-month change is bigger than chance (`metrics.<id>.significance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Significance {
    /// The test rejects "no change" at the configured level.
    Significant,
    /// The change is within what chance alone would produce.
    WithinNoise,
    /// The metric has no test (FRT percentiles, cost), or a month lacks the data.
    NotAssessed,
}

/// The report month's value as a two-sided confidence interval (`metrics.<id>.interval`),
/// in the metric's unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    /// 1 − α, e.g. 0.95.
    pub level: f64,
}
