//! The trap callouts in plain words, for executives: what the number may hide and what
//! to check — never an accusation. Shared by every format (HTML, Markdown, email).
//!
//! The review carries the verdicts and typed evidence; the words live here so that a
//! change of tone is one edit, not one per format.

use serde::Serialize;

use super::format;
use crate::review::metrics::MetricId;
use crate::review::traps::{Trap, TrapReason};
use crate::review::Review;

/// One trap, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Callout {
    /// The trap id, e.g. `faking_deflection`.
    pub id: String,
    /// The trap's short name, e.g. "Faking deflection".
    pub name: String,
    /// `triggered`, `clear` or `not_judged`.
    pub state: String,
    /// A leading emoji for Markdown quotes and email (🚨, ✅, ⏳).
    pub emoji: String,
    /// The headline: what the number may hide (or why it can be trusted).
    pub title: String,
    /// One or two sentences that explain the headline with the month's figures.
    pub body: String,
    /// Why the trap fired, one plain sentence per reason (empty unless triggered).
    pub reasons: Vec<String>,
    /// What to check next.
    pub check: String,
    /// The evidence figures, formatted.
    pub evidence: Vec<Evidence>,
}

/// One evidence figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub label: String,
    pub value: String,
}

fn ev(label: &str, value: String) -> Evidence {
    Evidence {
        label: label.to_string(),
        value,
    }
}

fn pct(x: Option<f64>) -> String {
    x.map(format::percent)
        .unwrap_or_else(|| format::NO_DATA.to_string())
}

fn rating(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}"))
        .unwrap_or_else(|| format::NO_DATA.to_string())
}

fn state<E>(trap: &Trap<E>) -> (&'static str, &'static str) {
    if !trap.judged {
        ("not_judged", "⏳")
    } else if trap.triggered {
        ("triggered", "🚨")
    } else {
        ("clear", "✅")
    }
}

/// The three callouts, in report order.
pub fn callouts(review: &Review) -> Vec<Callout> {
    vec![
        faking_deflection(review),
        inflated_csat(review),
        hidden_llm_cost(review),
    ]
}

/// The short name of a trap id, for lists ("Traps triggered: …").
pub fn trap_name(id: &str) -> &'static str {
    match id {
        "faking_deflection" => "Faking deflection",
        "inflated_csat" => "Inflated CSAT",
        "hidden_llm_cost" => "Hidden LLM cost",
        _ => "Unknown trap",
    }
}

fn target_of(review: &Review, id: MetricId) -> String {
    review
        .metrics
        .get(&id)
        .map(|m| format::target(&m.target, m.unit, &review.currency))
        .unwrap_or_default()
}

fn faking_deflection(review: &Review) -> Callout {
    let trap = &review.traps.faking_deflection;
    let e = &trap.evidence;
    let (state, emoji) = state(trap);
    let reasons = trap
        .reasons
        .iter()
        .map(|r| match r {
            TrapReason::ReturnRateMissed => format!(
                "The 24h return rate ({}) missed its target ({}).",
                pct(e.return_rate_24h),
                target_of(review, MetricId::ReturnRate24h)
            ),
            TrapReason::FrustratedExits => format!(
                "{} of deflected conversations ({} of {}) ended with the customer leaving or timing out in a negative mood.",
                pct(e.frustrated_exit_share),
                e.frustrated_exits,
                e.deflected
            ),
            TrapReason::DeflectionRoseWithReturns => {
                "Deflection rose this month, and so did the 24h return rate.".to_string()
            }
            other => format!("{other:?}"),
        })
        .collect();
    let (title, body) = if trap.triggered {
        (
            "Deflection may include customers who gave up".to_string(),
            format!(
                "Deflection is {}, but {} of conversations came back about the same issue within 24 hours. A conversation that ended without a human is not necessarily a resolved one.",
                pct(e.deflection_rate),
                pct(e.return_rate_24h)
            ),
        )
    } else {
        (
            "Deflection is backed by low returns".to_string(),
            format!(
                "Deflection is {} and the 24h return rate {}; few deflected conversations ended in a frustrated exit.",
                pct(e.deflection_rate),
                pct(e.return_rate_24h)
            ),
        )
    };
    Callout {
        id: "faking_deflection".into(),
        name: trap_name("faking_deflection").into(),
        state: state.into(),
        emoji: emoji.into(),
        title,
        body,
        reasons,
        check: "Read a sample of deflected conversations that ended with the customer leaving or timing out, and always quote deflection next to the 24h return rate.".into(),
        evidence: vec![
            ev("Deflection rate", pct(e.deflection_rate)),
            ev("Naive deflection (AI, no handoff)", pct(e.naive_deflection_rate)),
            ev("24h return rate", pct(e.return_rate_24h)),
            ev(
                "Frustrated exits among deflected",
                format!(
                    "{} ({} of {})",
                    pct(e.frustrated_exit_share),
                    e.frustrated_exits,
                    e.deflected
                ),
            ),
        ],
    }
}

fn inflated_csat(review: &Review) -> Callout {
    let trap = &review.traps.inflated_csat;
    let e = &trap.evidence;
    let (state, emoji) = state(trap);
    let reasons = trap
        .reasons
        .iter()
        .map(|r| match r {
            TrapReason::LowPromptCoverage => format!(
                "Only {} of closed conversations were asked for a rating.",
                pct(e.prompt_coverage)
            ),
            TrapReason::PromptsSkewedToPositive => format!(
                "Conversations that ended well were asked for a rating {} of the time, the others {}.",
                pct(e.positive_ending_prompt_rate),
                pct(e.other_ending_prompt_rate)
            ),
            other => format!("{other:?}"),
        })
        .collect();
    let weighted = match (e.csat_ai, e.outcome_weighted_csat_ai) {
        (Some(_), Some(w)) => format!(
            " If every ending were rated like the ones that were, CSAT (AI) would be {w:.2}."
        ),
        _ => String::new(),
    };
    let (title, body) = if trap.triggered {
        (
            "CSAT may be flattered by who gets asked".to_string(),
            format!(
                "CSAT (AI) is {}, but ratings are not asked evenly: {} of closed conversations were prompted.{weighted}",
                rating(e.csat_ai),
                pct(e.prompt_coverage)
            ),
        )
    } else {
        (
            "CSAT is asked evenly".to_string(),
            format!(
                "{} of closed conversations were asked for a rating, good and bad endings alike.{weighted}",
                pct(e.prompt_coverage)
            ),
        )
    };
    Callout {
        id: "inflated_csat".into(),
        name: trap_name("inflated_csat").into(),
        state: state.into(),
        emoji: emoji.into(),
        title,
        body,
        reasons,
        check: "Make sure the rating prompt goes out on every closure — handoffs, timeouts and customers who left included — not only on happy endings.".into(),
        evidence: vec![
            ev("Prompt coverage (closed)", pct(e.prompt_coverage)),
            ev("Prompt rate, resolved endings", pct(e.positive_ending_prompt_rate)),
            ev("Prompt rate, other endings", pct(e.other_ending_prompt_rate)),
            ev("Reported CSAT (AI)", rating(e.csat_ai)),
            ev("Outcome-weighted CSAT (AI)", rating(e.outcome_weighted_csat_ai)),
        ],
    }
}

fn hidden_llm_cost(review: &Review) -> Callout {
    let trap = &review.traps.hidden_llm_cost;
    let e = &trap.evidence;
    let (state, emoji) = state(trap);
    let money = |x: f64| format::money(x, &review.currency);
    let reasons = trap
        .reasons
        .iter()
        .map(|r| match r {
            TrapReason::LlmLineMissing => {
                "The ledger has no “llm” line this month, although LLM calls were metered."
                    .to_string()
            }
            TrapReason::LlmUnderBooked => format!(
                "The ledger's “llm” line ({}) is well below the metered LLM cost ({}).",
                money(e.booked_llm_cost),
                money(e.metered_llm_cost)
            ),
            other => format!("{other:?}"),
        })
        .collect();
    let hiding = e
        .largest_other_category
        .as_ref()
        .map(|c| {
            format!(
                " The largest other ledger line is “{}” ({}): it may be there.",
                c.category,
                money(c.amount)
            )
        })
        .unwrap_or_default();
    let (title, body) = if !trap.judged {
        (
            "LLM cost not reconciled yet: ledger not yet booked".to_string(),
            format!(
                "The LLM gateway metered {} this month, but finance has not booked the month yet, so it cannot be compared. Cost is provisional.",
                money(e.metered_llm_cost)
            ),
        )
    } else if trap.triggered {
        (
            "LLM spend may be hiding in another budget line".to_string(),
            format!(
                "The LLM gateway metered {} this month; finance booked {} as LLM. The {} difference is probably booked elsewhere and nobody reviews it as LLM cost.{hiding}",
                money(e.metered_llm_cost),
                money(e.booked_llm_cost),
                money(e.gap)
            ),
        )
    } else {
        (
            "LLM cost is booked as its own line".to_string(),
            format!(
                "Finance booked {} as LLM against {} metered by the gateway.",
                money(e.booked_llm_cost),
                money(e.metered_llm_cost)
            ),
        )
    };
    let mut evidence = vec![
        ev("Metered LLM cost", money(e.metered_llm_cost)),
        ev(
            "Booked as LLM",
            if e.llm_line_present {
                money(e.booked_llm_cost)
            } else {
                format!("{} (no llm line)", money(0.0))
            },
        ),
        ev("Gap", money(e.gap)),
    ];
    if let Some(c) = &e.largest_other_category {
        evidence.push(ev(
            "Largest other ledger line",
            format!("{} ({})", c.category, money(c.amount)),
        ));
    }
    Callout {
        id: "hidden_llm_cost".into(),
        name: trap_name("hidden_llm_cost").into(),
        state: state.into(),
        emoji: emoji.into(),
        title,
        body,
        reasons,
        check: "Ask finance to book LLM tokens as their own “llm” line, and reconcile it with the gateway's metered cost every month.".into(),
        evidence,
    }
}
