//! SPEC §6.2, segments: the month's metrics by channel and for the top issue keys.

use std::collections::BTreeMap;

use serde::Serialize;

use super::metrics::MetricId;

/// `segments` of `report.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Segments {
    /// One entry per channel of the report month, largest first (ties by name, byte order).
    pub channels: Vec<ChannelSegment>,
    /// The issue keys with the most conversations in the report month (config
    /// `top_issues`, default 10), largest first; ties by name, unclassified (null) last.
    pub top_issues: Vec<IssueSegment>,
}

/// One channel of the report month.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ChannelSegment {
    pub channel: String,
    pub conversations: i64,
    /// The channel's conversations / all conversations of the month.
    pub share: f64,
    /// [`SEGMENT_METRICS`] restricted to the channel.
    pub metrics: BTreeMap<MetricId, SegmentMetric>,
}

/// One issue key of the report month.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IssueSegment {
    /// `null` = unclassified.
    pub issue_key: Option<String>,
    pub conversations: i64,
    pub share: f64,
    pub metrics: BTreeMap<MetricId, SegmentMetric>,
}

/// A metric of one segment, this month and last.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SegmentMetric {
    pub value: Option<f64>,
    /// Null when the segment had no conversations the month before.
    pub previous: Option<f64>,
}

/// The metrics every segment carries (SPEC §6.2), in report order.
pub const SEGMENT_METRICS: [MetricId; 9] = [
    MetricId::AiTouchRate,
    MetricId::DeflectionRate,
    MetricId::HandoffRate,
    MetricId::ReturnRate24h,
    MetricId::CsatAi,
    MetricId::CsatHuman,
    MetricId::NegativeSentiment,
    MetricId::AhtSeconds,
    MetricId::FrtP90Seconds,
];
