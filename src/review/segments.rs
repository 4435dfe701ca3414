//! SPEC §6.2, segments: the month's metrics by channel and for the top issue keys.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Serialize;

use super::exact::{self, Exact};
pub use super::metrics::SEGMENT_METRICS;
use super::metrics::{self, MetricId};
use super::opt_f64;
use crate::aggregates::{IssueAggregates, MonthAggregates, SegmentAggregates, SegmentCounts};

/// `segments` of `report.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Segments {
    /// One entry per channel of the report month, largest first (ties by name, byte
    /// order), at most `max_channels` (default 20); then, when there are more, one entry
    /// with `channel` null summing the rest.
    pub channels: Vec<ChannelSegment>,
    /// The issue keys with the most conversations in the report month (config
    /// `top_issues`, default 10), largest first; ties by name, unclassified (null) last.
    pub top_issues: Vec<IssueSegment>,
}

/// One channel of the report month, or the channels beyond `max_channels` together.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ChannelSegment {
    /// `null` = the other channels, summed.
    pub channel: Option<String>,
    /// How many channels the `channel` = null entry sums; absent on a channel's own entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_channels: Option<i64>,
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

/// The exact value of a segment metric: the month's formula ([`metrics::METRICS`])
/// over the segment's counts; `None` when its denominator is 0 or the metric is not one
/// of [`SEGMENT_METRICS`].
pub fn value(id: MetricId, s: &SegmentCounts) -> Option<Exact> {
    let def = id.def();
    if !def.in_segments {
        return None;
    }
    metrics::value_of(def.formula, s)
}

/// The segment metrics of this month's counts against last month's (`None`: the
/// segment had no conversations last month).
fn metrics(
    current: &SegmentCounts,
    previous: Option<&SegmentCounts>,
) -> BTreeMap<MetricId, SegmentMetric> {
    let previous = previous.filter(|p| p.conversations > 0);
    SEGMENT_METRICS
        .iter()
        .map(|&id| {
            let metric = SegmentMetric {
                value: opt_f64(value(id, current).as_ref()),
                previous: previous.and_then(|p| opt_f64(value(id, p).as_ref())),
            };
            (id, metric)
        })
        .collect()
}

fn share(n: i64, total: i64) -> f64 {
    opt_f64(exact::ratio(n, total).as_ref()).unwrap_or(0.0)
}

/// SPEC §6.2 for the report month `current` against `previous` (the month before, when
/// the aggregates hold it); `top_issues` keys at most.
pub fn segments(
    current: &MonthAggregates,
    previous: Option<&MonthAggregates>,
    top_issues: usize,
    max_channels: usize,
) -> Segments {
    let Some(now) = current.segments.as_ref() else {
        return Segments::default();
    };
    let before = previous.and_then(|p| p.segments.as_ref());
    let total = current.conversations.total;

    let (largest, rest) = now.largest_channels(max_channels);
    let mut channels: Vec<ChannelSegment> = largest
        .into_iter()
        .filter_map(|name| {
            let counts = now.channels.get(name)?;
            Some(ChannelSegment {
                channel: Some(name.to_string()),
                other_channels: None,
                conversations: counts.conversations,
                share: share(counts.conversations, total),
                metrics: metrics(counts, before.and_then(|b| b.channels.get(name))),
            })
        })
        .collect();
    if !rest.is_empty() {
        channels.push(other_channels(now, before, &rest, max_channels, total));
    }

    let mut issues: Vec<&IssueAggregates> = now
        .issues
        .iter()
        .filter(|i| i.counts.conversations > 0)
        .collect();
    issues.sort_by(|a, b| {
        b.counts
            .conversations
            .cmp(&a.counts.conversations)
            .then_with(|| by_key_unclassified_last(&a.issue_key, &b.issue_key))
    });
    let top_issues = issues
        .into_iter()
        .take(top_issues)
        .map(|issue| {
            let last = before.and_then(|b| {
                b.issues
                    .iter()
                    .find(|i| i.issue_key == issue.issue_key)
                    .map(|i| &i.counts)
            });
            IssueSegment {
                issue_key: issue.issue_key.clone(),
                conversations: issue.counts.conversations,
                share: share(issue.counts.conversations, total),
                metrics: metrics(&issue.counts, last),
            }
        })
        .collect();
    Segments {
        channels,
        top_issues,
    }
}

/// The channels `rest` of the report month summed into one entry, against the same
/// channels the month before. Counts and sums add up; the FRT p90 of the group is the
/// source's (read for this cap), null when it was read for another cap or not at all.
fn other_channels(
    now: &SegmentAggregates,
    before: Option<&SegmentAggregates>,
    rest: &[&str],
    max_channels: usize,
    total: i64,
) -> ChannelSegment {
    let group = |month: &SegmentAggregates| {
        let mut sum = SegmentCounts::default();
        for name in rest {
            if let Some(counts) = month.channels.get(*name) {
                sum.add_counts(counts);
            }
        }
        sum.frt_p90_seconds = month
            .other_channels
            .as_ref()
            .filter(|o| o.max_channels == max_channels)
            .and_then(|o| o.frt_p90_seconds);
        sum
    };
    let current = group(now);
    let previous = before.map(group);
    ChannelSegment {
        channel: None,
        other_channels: Some(i64::try_from(rest.len()).unwrap_or(i64::MAX)),
        conversations: current.conversations,
        share: share(current.conversations, total),
        metrics: metrics(&current, previous.as_ref()),
    }
}

/// Byte order of the keys, `None` (unclassified) after every key.
fn by_key_unclassified_last(a: &Option<String>, b: &Option<String>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.as_bytes().cmp(b.as_bytes()),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}
