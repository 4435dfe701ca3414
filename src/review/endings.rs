//! SPEC §7.2, deflection by ending: how much of the deflection is "actually resolved"
//! and how much is "the customer gave up".

use serde::Serialize;

use super::exact;
use crate::aggregates::{DeflectedByEnding, MonthAggregates};

/// One ending's deflected conversations as a share of all conversations, this month and
/// the month before (null when that month has no conversations).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EndingShare {
    pub value: Option<f64>,
    pub previous: Option<f64>,
}

/// `deflection_by_ending`: the five shares add up to `deflection_rate` (exactly, before
/// they are turned into floats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DeflectionByEnding {
    /// Confirmed resolved by the customer.
    pub resolved: EndingShare,
    /// The customer left.
    pub user_left: EndingShare,
    pub timeout: EndingShare,
    pub agent_closed: EndingShare,
    /// `close_reason` NULL or outside the contract.
    pub unknown: EndingShare,
}

/// One ending's count from a month's deflected conversations and their endings.
type Ending = fn(i64, &DeflectedByEnding) -> i64;

/// Each ending's deflected conversations / all conversations of the month.
pub fn deflection_by_ending(
    month: &MonthAggregates,
    previous: Option<&MonthAggregates>,
) -> DeflectionByEnding {
    let share = |m: Option<&MonthAggregates>, count: Ending| {
        m.and_then(|m| {
            let c = &m.conversations;
            exact::ratio(count(c.deflected, &c.deflected_by_ending), c.total)
        })
        .map(|x| exact::to_f64(&x))
    };
    let ending = |count: Ending| EndingShare {
        value: share(Some(month), count),
        previous: share(previous, count),
    };
    DeflectionByEnding {
        resolved: ending(|_, d| d.resolved),
        user_left: ending(|_, d| d.user_left),
        timeout: ending(|_, d| d.timeout),
        agent_closed: ending(|_, d| d.agent_closed),
        // The rest of the deflected: the five add up to the deflection rate exactly.
        unknown: ending(|deflected, d| deflected - d.known()),
    }
}
