//! Properties of the review over arbitrary aggregates: never NaN or infinite, rates
//! within [0, 1], deltas and statuses consistent with the values.

use std::str::FromStr;

use aikpi::aggregates::{
    Aggregates, EndingAggregates, LedgerLine, MonthAggregates, SourceInfo,
    AGGREGATES_FORMAT_VERSION,
};
use aikpi::period::Month;
use aikpi::review::exact::to_f64;
use aikpi::review::metrics::{MetricId, Unit};
use aikpi::review::settings::ReviewSettings;
use aikpi::review::status::Status;
use aikpi::review::target::Target;
use aikpi::review::{review, ReviewContext};
use bigdecimal::BigDecimal;
use proptest::prelude::*;
use rust_decimal::Decimal;

/// (total, raw counts, FRT p50/p90, ledger amount, LLM cost in cents, handle µs per conversation).
type MonthSpec = (i64, Vec<i64>, Option<(f64, f64)>, i64, i64, i64);

fn month_strategy() -> impl Strategy<Value = MonthSpec> {
    (
        0i64..2000,                                 // total
        proptest::collection::vec(0i64..=1000, 16), // raw counts, clamped to total below
        proptest::option::of((0.0f64..30.0, 0.0f64..30.0)),
        0i64..500,        // ledger cents / 100
        0i64..100_000,    // llm cost cents
        0i64..10_000_000, // handle micros per conversation
    )
}

fn build(month: Month, spec: &MonthSpec) -> MonthAggregates {
    let (total, counts, frt, ledger, llm_cents, micros) = spec;
    let total = *total;
    let part = |i: usize| counts[i].min(total);
    let (start, end) = month.bounds(chrono_tz::UTC);
    let mut a = MonthAggregates::empty(month, start, end);
    let c = &mut a.conversations;
    c.total = total;
    c.ai_participated = part(0);
    c.closed = part(1);
    c.open = total - c.closed;
    c.naive_deflected = part(2).min(c.ai_participated);
    c.deflected = part(3).min(c.naive_deflected).min(c.closed);
    c.returned_24h = part(4);
    c.deflected_frustrated_exits = part(5).min(c.deflected);
    c.handoffs.total = part(6);
    c.handoffs.by_ai = part(7).min(c.handoffs.total);
    c.handoffs.by_user = (c.handoffs.total - c.handoffs.by_ai).min(part(8));
    c.csat_ai.rated = part(9);
    c.csat_ai.sum = c.csat_ai.rated * 3;
    c.csat_human.rated = part(10);
    c.csat_human.sum = c.csat_human.rated * 5;
    c.sentiment.scored = part(11);
    c.sentiment.sum = BigDecimal::from(c.sentiment.scored) / BigDecimal::from(4);
    c.handle_time.measured = c.closed;
    c.handle_time.total_micros = Decimal::from(c.closed) * Decimal::from(*micros);
    if let Some((p50, p90)) = frt {
        c.first_response.measured = total.max(1);
        c.first_response.p50_seconds = Some(p50.min(*p90));
        c.first_response.p90_seconds = Some(p50.max(*p90));
    }
    c.closed_rating_prompted = part(12).min(c.closed);
    let resolved = part(13).min(c.closed);
    c.endings.insert(
        "resolved".into(),
        EndingAggregates {
            closed: resolved,
            rating_prompted: resolved.min(c.closed_rating_prompted),
            ai_rated: resolved.min(c.csat_ai.rated),
            ai_rating_sum: resolved.min(c.csat_ai.rated) * 4,
        },
    );
    c.endings.insert(
        "unknown".into(),
        EndingAggregates {
            closed: c.closed - resolved,
            rating_prompted: 0,
            ai_rated: 0,
            ai_rating_sum: 0,
        },
    );
    a.llm_usage.cost = BigDecimal::new((*llm_cents).into(), 2);
    if *ledger > 0 {
        a.ledger = vec![
            LedgerLine {
                category: "infra".into(),
                amount: BigDecimal::from(*ledger),
            },
            LedgerLine {
                category: "llm".into(),
                amount: BigDecimal::new((*llm_cents / 2).into(), 2),
            },
        ];
    }
    a.kb_evals.evaluated = part(14);
    a.kb_evals.top1_hits = part(15).min(a.kb_evals.evaluated);
    a.reply_edits.edited = part(14);
    a.reply_edits.fed_back = part(2).min(part(14));
    a
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn reviews_are_finite_consistent_and_bounded(prev in month_strategy(), cur in month_strategy()) {
        let m = Month::from_str("2026-10").unwrap();
        let months = vec![build(m.previous(), &prev), build(m, &cur)];
        let aggregates = Aggregates {
            format_version: AGGREGATES_FORMAT_VERSION,
            source: SourceInfo { kind: "postgres".into(), location: "x".into(), schema: "public".into(), note: None },
            time_zone: "UTC".into(),
            read_at: months[1].ends_at,
            frustrated_sentiment_min: Decimal::new(5, 1),
            months,
            absent_relations: Vec::new(),
        };
        let context = ReviewContext { generated_at: aggregates.read_at, sample: false, language: "en".to_string() };
        let settings = ReviewSettings::default();
        let r = review(&aggregates, &settings, &context).unwrap();

        // serde_json would silently write a NaN as null, so check the numbers themselves.
        let e = &r.traps;
        let cost = &r.cost_breakdown;
        for x in [cost.llm, cost.infra, cost.labor, cost.total, e.hidden_llm_cost.evidence.gap] {
            prop_assert!(x.is_finite());
        }
        let evidence = [
            e.faking_deflection.evidence.naive_deflection_rate,
            e.inflated_csat.evidence.positive_ending_prompt_rate,
            e.inflated_csat.evidence.other_ending_prompt_rate,
            e.inflated_csat.evidence.prompt_rate_gap,
            e.inflated_csat.evidence.outcome_weighted_csat_ai,
        ];
        for x in evidence.into_iter().flatten() {
            prop_assert!(x.is_finite());
        }

        for id in MetricId::ALL {
            let m = &r.metrics[&id];
            for x in [m.value, m.previous, m.delta_abs, m.delta_rel].into_iter().flatten() {
                prop_assert!(x.is_finite(), "{id}: {x}");
            }
            if id.unit() == Unit::Ratio {
                if let Some(v) = m.value {
                    prop_assert!((0.0..=1.0).contains(&v), "{id} = {v}");
                }
            }
            if m.value.is_none() {
                prop_assert_eq!(m.status, Status::NoData);
                prop_assert!(m.delta_abs.is_none());
            }
            // The status is what the target says of the value (and the previous month's).
            if let (Some(v), Some(target)) = (m.value, settings.targets.get(&id)) {
                // None: f64 cannot judge (see below); Some(None): no previous month.
                let expected: Option<Option<bool>> = match target {
                    Target::Above(t) => Some(Some(v > to_f64(t))),
                    Target::Below(t) => Some(Some(v < to_f64(t))),
                    Target::Range { min, max } => Some(Some(to_f64(min) <= v && v <= to_f64(max))),
                    // A fall within float rounding of the tolerance is decided exactly by
                    // the review (src/review/exact.rs tests that tie); f64 cannot judge it.
                    Target::LowerThanPrevious => match m.previous {
                        None => Some(None),
                        Some(p) => {
                            let tolerance = settings.tolerances.get(&id).map_or(0.0, to_f64);
                            let fall = p - v;
                            let slack = 1e-9 * (1.0 + p.abs());
                            let tie = (fall - tolerance).abs() <= slack || fall.abs() <= slack;
                            (!tie).then_some(Some(fall > 0.0 && fall >= tolerance))
                        }
                    },
                };
                if let Some(expected) = expected {
                    let expected = match expected {
                        Some(true) => Status::Met,
                        Some(false) => Status::Missed,
                        None => Status::NoData,
                    };
                    prop_assert_eq!(m.status, expected, "{}: value {} against {:?}", id, v, target);
                }
            }
            match (m.value, m.previous, m.delta_abs) {
                (Some(v), Some(p), Some(d)) => prop_assert!((v - p - d).abs() <= 1e-9 * (1.0 + v.abs() + p.abs())),
                (Some(_), Some(_), None) => prop_assert!(false, "{id}: both months but no delta"),
                (_, _, d) => prop_assert!(d.is_none()),
            }
            if m.previous == Some(0.0) {
                prop_assert!(m.delta_rel.is_none());
            }
        }
        let s = &r.summary;
        prop_assert_eq!(s.met + s.missed + s.no_data, 12);
        for v in [r.traps.inflated_csat.evidence.prompt_coverage, r.traps.faking_deflection.evidence.frustrated_exit_share].into_iter().flatten() {
            prop_assert!((0.0..=1.0).contains(&v));
        }
    }
}
