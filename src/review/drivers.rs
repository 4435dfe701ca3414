//! SPEC §6.3, drivers: how much of a rate's change came from the channel mix and how much
//! from the rates within channels. The split is exact: mix + rate = delta_abs.

use serde::Serialize;

use super::metrics::MetricId;

/// The rates whose change is split into mix and rate (`drivers.<id>`).
pub const DRIVER_METRICS: [MetricId; 4] = [
    MetricId::AiTouchRate,
    MetricId::DeflectionRate,
    MetricId::HandoffRate,
    MetricId::ReturnRate24h,
];

/// One rate's change, split (`drivers.<id>`; null when either month has no conversations).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Driver {
    /// value − previous (= mix + rate).
    pub delta_abs: f64,
    /// Σₖ (s₁ₖ − s₀ₖ)(r₀ₖ + r₁ₖ)/2: from the channels' shares of conversations moving.
    pub mix: f64,
    /// Σₖ (r₁ₖ − r₀ₖ)(s₀ₖ + s₁ₖ)/2: from the rates within channels moving.
    pub rate: f64,
    /// Per channel, largest |mix + rate| first (ties by name, byte order).
    pub by_channel: Vec<ChannelDriver>,
}

/// One channel's share of a [`Driver`].
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ChannelDriver {
    pub channel: String,
    pub mix: f64,
    pub rate: f64,
}
