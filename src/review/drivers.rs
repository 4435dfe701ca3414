//! SPEC §6.3, drivers: how much of a rate's change came from the channel mix and how much
//! from the rates within channels. The split is exact: mix + rate = delta_abs.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::exact::{self, Exact};
use super::metrics::{Counts, Formula, MetricId};
use crate::aggregates::{MonthAggregates, SegmentCounts};

pub use super::metrics::DRIVER_METRICS;

/// One rate's change, split (`drivers.<id>`; null when either month has no conversations).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Driver {
    /// value − previous (= mix + rate).
    pub delta_abs: f64,
    /// Σₖ (s₁ₖ − s₀ₖ)(r₀ₖ + r₁ₖ)/2: from the channels' shares of conversations moving.
    pub mix: f64,
    /// Σₖ (r₁ₖ − r₀ₖ)(s₀ₖ + s₁ₖ)/2: from the rates within channels moving.
    pub rate: f64,
    /// Per channel, largest |mix + rate| first (ties by name, byte order, the other
    /// channels last): the channels of `segments.channels`, the rest summed into one entry.
    pub by_channel: Vec<ChannelDriver>,
}

/// One channel's share of a [`Driver`], or the channels beyond `max_channels` together.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ChannelDriver {
    /// `null` = the channels not listed in `segments.channels`, summed.
    pub channel: Option<String>,
    pub mix: f64,
    pub rate: f64,
}

/// A [`Driver`] in exact arithmetic (mix + rate = delta_abs exactly, by channel and in total).
#[derive(Debug, Clone, PartialEq)]
pub struct ExactSplit {
    pub delta_abs: Exact,
    pub mix: Exact,
    pub rate: Exact,
    /// `(channel, mix, rate)`, in channel name order.
    pub by_channel: Vec<(String, Exact, Exact)>,
}

/// The numerator of a driver rate (a share of conversations) in a segment.
fn count(id: MetricId, s: &SegmentCounts) -> Option<i64> {
    match id.def().formula {
        Formula::ShareOfConversations(tally) => Some(s.tally(tally)),
        _ => None,
    }
}

/// SPEC §6.3's split of `id`'s change between two months' channels (`previous`, then
/// `current`); `None` when either month has no conversations or `id` is not a driver rate.
///
/// Shares and the month's rate come from the channel counts (which add up to the month's
/// counts), so the split adds up by construction.
pub fn split(
    id: MetricId,
    previous: &BTreeMap<String, SegmentCounts>,
    current: &BTreeMap<String, SegmentCounts>,
) -> Option<ExactSplit> {
    let total = |m: &BTreeMap<String, SegmentCounts>| m.values().map(|s| s.conversations).sum();
    let (n0, n1): (i64, i64) = (total(previous), total(current));
    if n0 == 0 || n1 == 0 {
        return None;
    }
    let half = exact::ratio(1, 2)?;
    let zero = SegmentCounts::default();
    let names: BTreeSet<&String> = previous.keys().chain(current.keys()).collect();
    let mut by_channel = Vec::with_capacity(names.len());
    let (mut mix, mut rate) = (exact::integer(0), exact::integer(0));
    for name in names {
        let c0 = previous.get(name).unwrap_or(&zero);
        let c1 = current.get(name).unwrap_or(&zero);
        let s0 = exact::ratio(c0.conversations, n0)?;
        let s1 = exact::ratio(c1.conversations, n1)?;
        let r0 = exact::ratio(count(id, c0)?, c0.conversations);
        let r1 = exact::ratio(count(id, c1)?, c1.conversations);
        // A channel present in one month only takes the other month's rate for the
        // missing one: its whole contribution is mix.
        let (r0, r1) = match (r0, r1) {
            (Some(r0), Some(r1)) => (r0, r1),
            (Some(r), None) | (None, Some(r)) => (r.clone(), r),
            (None, None) => continue,
        };
        let channel_mix = (&s1 - &s0) * (&r0 + &r1) * &half;
        let channel_rate = (&r1 - &r0) * (&s0 + &s1) * &half;
        mix += &channel_mix;
        rate += &channel_rate;
        by_channel.push((name.clone(), channel_mix, channel_rate));
    }
    let x = |m: &BTreeMap<String, SegmentCounts>| -> Option<i64> {
        m.values().map(|s| count(id, s)).sum()
    };
    let delta_abs = exact::ratio(x(current)?, n1)? - exact::ratio(x(previous)?, n0)?;
    Some(ExactSplit {
        delta_abs,
        mix,
        rate,
        by_channel,
    })
}

/// `drivers.<id>` of the report month against the month before, split over every
/// channel; the channels beyond the report month's `max_channels` largest are then summed
/// into one `by_channel` entry (SPEC §6.2).
pub fn driver(
    id: MetricId,
    current: &MonthAggregates,
    previous: Option<&MonthAggregates>,
    max_channels: usize,
) -> Option<Driver> {
    let now = current.segments.as_ref()?;
    let before = previous?.segments.as_ref()?;
    let split = split(id, &before.channels, &now.channels)?;
    let (largest, _) = now.largest_channels(max_channels);
    let listed: BTreeSet<&str> = largest.into_iter().collect();
    let mut by_channel: Vec<(Option<String>, Exact, Exact)> = Vec::new();
    let mut other: Option<(Exact, Exact)> = None;
    for (name, mix, rate) in split.by_channel {
        if listed.contains(name.as_str()) {
            by_channel.push((Some(name), mix, rate));
        } else {
            let (m, r) = other.get_or_insert_with(|| (exact::integer(0), exact::integer(0)));
            *m += &mix;
            *r += &rate;
        }
    }
    by_channel.sort_by(|a, b| {
        exact::abs(&(&b.1 + &b.2))
            .cmp(&exact::abs(&(&a.1 + &a.2)))
            .then_with(|| a.0.cmp(&b.0))
    });
    by_channel.extend(other.map(|(mix, rate)| (None, mix, rate)));
    let f = exact::to_f64;
    Some(Driver {
        delta_abs: f(&split.delta_abs),
        mix: f(&split.mix),
        rate: f(&split.rate),
        by_channel: by_channel
            .into_iter()
            .map(|(channel, mix, rate)| ChannelDriver {
                channel,
                mix: f(&mix),
                rate: f(&rate),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(conversations: i64, deflected: i64) -> SegmentCounts {
        SegmentCounts {
            conversations,
            deflected,
            ..SegmentCounts::default()
        }
    }

    fn month(channels: &[(&str, i64, i64)]) -> BTreeMap<String, SegmentCounts> {
        channels
            .iter()
            .map(|(name, n, x)| (name.to_string(), channel(*n, *x)))
            .collect()
    }

    #[test]
    fn mix_plus_rate_is_exactly_the_change() {
        let before = month(&[("web", 300, 120), ("app", 500, 260), ("email", 200, 50)]);
        let after = month(&[("web", 450, 200), ("app", 420, 230), ("email", 137, 31)]);
        let s = split(MetricId::DeflectionRate, &before, &after).unwrap();
        assert_eq!(&s.mix + &s.rate, s.delta_abs);
        assert_eq!(
            s.delta_abs,
            exact::ratio(461, 1007).unwrap() - exact::ratio(430, 1000).unwrap()
        );
        let summed = s
            .by_channel
            .iter()
            .fold(exact::integer(0), |acc, (_, m, r)| acc + m + r);
        assert_eq!(summed, s.delta_abs);
    }

    #[test]
    fn a_channel_present_in_one_month_only_contributes_only_mix() {
        let before = month(&[("web", 100, 50)]);
        let after = month(&[("web", 100, 50), ("whatsapp", 100, 80)]);
        let s = split(MetricId::DeflectionRate, &before, &after).unwrap();
        let whatsapp = s.by_channel.iter().find(|c| c.0 == "whatsapp").unwrap();
        assert_eq!(whatsapp.2, exact::integer(0), "no rate part");
        // Share 0 → 1/2 at the rate 0.8 of the month it is present in: mix = 1/2 × 0.8.
        assert_eq!(whatsapp.1, exact::ratio(2, 5).unwrap());
        assert_eq!(&s.mix + &s.rate, s.delta_abs);
        assert_eq!(s.delta_abs, exact::ratio(3, 20).unwrap());

        // And the other way round: a channel that disappeared.
        let s = split(MetricId::DeflectionRate, &after, &before).unwrap();
        let gone = s.by_channel.iter().find(|c| c.0 == "whatsapp").unwrap();
        assert_eq!(gone.2, exact::integer(0));
        assert_eq!(&s.mix + &s.rate, s.delta_abs);
    }

    #[test]
    fn an_empty_month_has_no_split() {
        let some = month(&[("web", 10, 5)]);
        assert!(split(MetricId::DeflectionRate, &month(&[]), &some).is_none());
        assert!(split(MetricId::DeflectionRate, &some, &month(&[("web", 0, 0)])).is_none());
        assert!(split(MetricId::CsatAi, &some, &some).is_none());
    }
}
