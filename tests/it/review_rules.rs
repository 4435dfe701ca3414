//! The review's rules on hand-made aggregates: exact thresholds, ranges, missing months,
//! the three traps. No database: aggregates are the boundary.

use crate::common::dec;
use crate::common::healthy_month as healthy;

use aikpi::aggregates::{
    Aggregates, EndingAggregates, LedgerLine, MonthAggregates, SourceInfo,
    AGGREGATES_FORMAT_VERSION,
};
use aikpi::review::metrics::MetricId;
use aikpi::review::settings::ReviewSettings;
use aikpi::review::status::{Movement, Status};
use aikpi::review::traps::TrapReason;
use aikpi::review::{review, Review, ReviewContext, SettlingNote};
use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};

/// Money and sentiment sums are exact at any size (`BigDecimal`).
fn big(s: &str) -> BigDecimal {
    s.parse().expect("a decimal")
}

fn ending(
    closed: i64,
    rating_prompted: i64,
    ai_rated: i64,
    ai_rating_sum: i64,
) -> EndingAggregates {
    EndingAggregates {
        closed,
        rating_prompted,
        ai_rated,
        ai_rating_sum,
    }
}

fn line(category: &str, amount: &str) -> LedgerLine {
    LedgerLine {
        category: category.into(),
        amount: big(amount),
    }
}

fn aggregates(months: Vec<MonthAggregates>) -> Aggregates {
    let read_at = months.last().unwrap().ends_at + chrono::Duration::days(3);
    Aggregates {
        format_version: AGGREGATES_FORMAT_VERSION,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "postgres://reporter:***@db/support".into(),
            schema: "public".into(),
            note: None,
        },
        time_zone: "UTC".into(),
        read_at,
        frustrated_sentiment_min: dec("0.5"),
        months,
        absent_relations: Vec::new(),
    }
}

fn context() -> ReviewContext {
    let generated_at: DateTime<Utc> = "2026-11-03T08:00:00Z".parse().unwrap();
    ReviewContext {
        generated_at,
        sample: false,
        language: "en".to_string(),
    }
}

fn reviewed(months: Vec<MonthAggregates>) -> Review {
    review(&aggregates(months), &ReviewSettings::default(), &context()).unwrap()
}

fn two_months(edit: impl FnOnce(&mut MonthAggregates, &mut MonthAggregates)) -> Review {
    let mut prev = healthy("2026-09");
    let mut cur = healthy("2026-10");
    edit(&mut prev, &mut cur);
    reviewed(vec![prev, cur])
}

#[test]
fn a_healthy_month_meets_every_threshold_and_triggers_nothing() {
    let r = two_months(|prev, _| {
        // Make the "lower than previous" metrics fall this month.
        prev.conversations.handle_time.total_micros = dec("7000000000");
        prev.conversations.sentiment.sum = big("5.0");
        prev.llm_usage.cost = big("20.00");
    });
    for id in MetricId::ALL {
        assert_eq!(r.metrics[&id].status, Status::Met, "{id}");
    }
    assert_eq!(
        (r.summary.met, r.summary.counted),
        (12, 12),
        "FRT p50 is not among the 12"
    );
    assert!(r.summary.triggered_traps.is_empty());
    assert_eq!(r.metrics[&MetricId::AhtSeconds].value, Some(300.0));
    assert_eq!(r.metrics[&MetricId::CostPerConversation].value, Some(5.0));
    assert_eq!(r.handoff_by_initiator.ai, Some(0.15));
    assert!(!r.cost_breakdown.provisional);
}

#[test]
fn a_ratio_exactly_on_a_threshold_is_decided_exactly() {
    let r = two_months(|_, cur| {
        cur.conversations.ai_participated = 19; // 19/20 = 0.95: "> 0.95" is missed
        cur.conversations.returned_24h = 2; // 2/20 = 0.10: "< 0.10" is missed
        cur.conversations.deflected = 9; // 9/20 = 0.45: inside the inclusive range
        cur.conversations.handoffs.total = 7; // 7/20 = 0.35: "< 0.35" is missed
    });
    assert_eq!(r.metrics[&MetricId::AiTouchRate].status, Status::Missed);
    assert_eq!(r.metrics[&MetricId::ReturnRate24h].status, Status::Missed);
    assert_eq!(r.metrics[&MetricId::DeflectionRate].status, Status::Met);
    assert_eq!(r.metrics[&MetricId::HandoffRate].status, Status::Missed);
    let trap = &r.traps.faking_deflection;
    assert!(trap.triggered);
    assert_eq!(trap.reasons, vec![TrapReason::ReturnRateMissed]);
}

#[test]
fn deflection_above_the_range_is_missed_and_moving_away_is_worse() {
    let r = two_months(|prev, cur| {
        prev.conversations.deflected = 15; // 0.75
        cur.conversations.deflected = 16; // 0.80
    });
    let m = &r.metrics[&MetricId::DeflectionRate];
    assert_eq!(m.status, Status::Missed);
    assert_eq!(m.movement, Some(Movement::Worse));
    assert!((m.delta_abs.unwrap() - 0.05).abs() < 1e-12);
}

#[test]
fn without_a_previous_month_deltas_are_null_and_lower_than_previous_has_no_data() {
    let r = reviewed(vec![healthy("2026-10")]);
    let aht = &r.metrics[&MetricId::AhtSeconds];
    assert_eq!(
        (aht.previous, aht.delta_abs, aht.delta_rel, aht.movement),
        (None, None, None, None)
    );
    assert_eq!(aht.status, Status::NoData);
    assert_eq!(
        r.metrics[&MetricId::AiTouchRate].status,
        Status::Met,
        "thresholds ignore the previous month"
    );
    assert!(!r.traps.faking_deflection.evidence.deflection_rose);
}

#[test]
fn a_month_without_kb_evals_has_no_kb_hit_rate() {
    let r = two_months(|_, cur| cur.kb_evals = Default::default());
    let kb = &r.metrics[&MetricId::KbHitRate];
    assert_eq!(kb.value, None);
    assert_eq!(kb.status, Status::NoData);
    let json = serde_json::to_value(&r).unwrap();
    assert!(
        json["metrics"]["kb_hit_rate"]["value"].is_null(),
        "no data is null, never 0"
    );
}

#[test]
fn deflection_rising_with_returns_triggers_trap_one() {
    let r = two_months(|prev, cur| {
        prev.conversations.deflected = 10;
        prev.conversations.returned_24h = 0;
        cur.conversations.deflected = 11;
        cur.conversations.returned_24h = 1; // 0.05: still on target
    });
    let trap = &r.traps.faking_deflection;
    assert_eq!(trap.reasons, vec![TrapReason::DeflectionRoseWithReturns]);
    assert!(trap.evidence.deflection_rose && trap.evidence.return_rate_rose);
}

#[test]
fn frustrated_exits_trigger_only_above_the_share() {
    // 12 deflected: 1 frustrated exit is 8.3%, 2 are 16.7%.
    let r = two_months(|_, cur| cur.conversations.deflected_frustrated_exits = 1);
    assert!(!r.traps.faking_deflection.triggered);
    let r = two_months(|_, cur| cur.conversations.deflected_frustrated_exits = 2);
    assert_eq!(
        r.traps.faking_deflection.reasons,
        vec![TrapReason::FrustratedExits]
    );
    // Exactly 15%: 3 of 20 deflected is not "more than 0.15".
    let r = two_months(|_, cur| {
        cur.conversations.deflected = 20;
        cur.conversations.deflected_frustrated_exits = 3;
    });
    assert!(!r
        .traps
        .faking_deflection
        .reasons
        .contains(&TrapReason::FrustratedExits));
}

#[test]
fn prompt_skew_towards_positive_endings_triggers_trap_two() {
    let r = two_months(|_, cur| {
        let c = &mut cur.conversations;
        // resolved: 15 of 15 prompted; other: 1 of 5 → coverage 16/20 = 0.80, gap 0.80.
        c.endings.get_mut("user_left").unwrap().rating_prompted = 1;
        c.closed_rating_prompted = 16;
    });
    let trap = &r.traps.inflated_csat;
    assert_eq!(
        trap.reasons,
        vec![
            TrapReason::LowPromptCoverage,
            TrapReason::PromptsSkewedToPositive
        ]
    );
    assert_eq!(trap.evidence.prompt_coverage, Some(0.8));
    assert_eq!(trap.evidence.other_ending_prompt_rate, Some(0.2));
    // Outcome-weighted: (15 × 38/8 + 5 × 7/2) / 20 = (71.25 + 17.5) / 20 = 4.4375.
    assert_eq!(trap.evidence.outcome_weighted_csat_ai, Some(4.4375));
    assert_eq!(trap.evidence.csat_ai, Some(4.5));
}

#[test]
fn prompt_coverage_and_gap_exactly_on_their_thresholds_do_not_trigger() {
    let r = two_months(|_, cur| {
        let c = &mut cur.conversations;
        // 20 resolved all prompted, 20 others with 18 prompted: gap exactly 0.10,
        // coverage 38/40 = 0.95 exactly.
        c.closed = 40;
        c.total = 40;
        c.closed_rating_prompted = 38;
        c.endings.insert("resolved".into(), ending(20, 20, 0, 0));
        c.endings.insert("user_left".into(), ending(20, 18, 0, 0));
    });
    assert!(
        !r.traps.inflated_csat.triggered,
        "{:?}",
        r.traps.inflated_csat.reasons
    );
    assert_eq!(
        r.traps.inflated_csat.evidence.outcome_weighted_csat_ai, None,
        "no ending has ratings"
    );
}

#[test]
fn a_null_ending_counts_among_the_other_endings() {
    let r = two_months(|_, cur| {
        let c = &mut cur.conversations;
        c.endings.insert("unknown".into(), ending(5, 0, 0, 0));
        c.closed = 25;
        c.total = 25;
    });
    // other endings: user_left 5 of 5 prompted + unknown 0 of 5 → 0.5.
    assert_eq!(
        r.traps.inflated_csat.evidence.other_ending_prompt_rate,
        Some(0.5)
    );
}

#[test]
fn a_ledger_without_an_llm_line_triggers_trap_three_and_names_where_it_hides() {
    let r = two_months(|_, cur| {
        cur.ledger.retain(|l| l.category != "llm");
        cur.ledger.push(line("cloud_services", "35.00"));
        cur.ledger.push(line("office", "5.00"));
        cur.ledger.sort_by(|x, y| x.category.cmp(&y.category));
    });
    let trap = &r.traps.hidden_llm_cost;
    assert!(trap.judged && trap.triggered);
    assert_eq!(trap.reasons, vec![TrapReason::LlmLineMissing]);
    assert_eq!(trap.evidence.booked_llm_cost, 0.0);
    assert_eq!(trap.evidence.gap, 10.0);
    assert_eq!(
        trap.evidence
            .largest_other_category
            .as_ref()
            .unwrap()
            .category,
        "cloud_services"
    );
    assert_eq!(
        r.cost_breakdown.llm, 10.0,
        "cost uses metered LLM spend, never the ledger line"
    );
}

#[test]
fn an_llm_line_at_exactly_ninety_percent_is_enough() {
    let at = |amount: &str| {
        two_months(|_, cur| {
            cur.ledger
                .iter_mut()
                .find(|l| l.category == "llm")
                .unwrap()
                .amount = big(amount);
        })
    };
    assert!(!at("9.00").traps.hidden_llm_cost.triggered);
    let r = at("8.99");
    assert_eq!(
        r.traps.hidden_llm_cost.reasons,
        vec![TrapReason::LlmUnderBooked]
    );
}

#[test]
fn a_month_with_no_ledger_lines_is_provisional_and_trap_three_is_not_judged() {
    let r = two_months(|_, cur| cur.ledger.clear());
    assert!(!r.traps.hidden_llm_cost.judged);
    assert!(!r.traps.hidden_llm_cost.triggered);
    assert!(r.cost_breakdown.provisional);
    assert_eq!(r.cost_breakdown.missing_categories, vec!["infra", "labor"]);
    // The missing lines count as 0: (10 + 0 + 0) / 20.
    assert_eq!(r.metrics[&MetricId::CostPerConversation].value, Some(0.5));
}

#[test]
fn open_conversations_and_an_early_read_make_the_month_provisional() {
    let mut cur = healthy("2026-10");
    cur.conversations.open = 3;
    let mut a = aggregates(vec![healthy("2026-09"), cur]);
    a.read_at = a.months[1].ends_at + chrono::Duration::hours(5);
    let r = review(&a, &ReviewSettings::default(), &context()).unwrap();
    assert!(r.settling.provisional && r.settling.within_24h_of_month_end);
    assert_eq!(
        r.settling.notes,
        vec![SettlingNote::ReadWithin24h, SettlingNote::OpenConversations]
    );
    assert_eq!(r.settling.open_conversations, 3);
}

#[test]
fn a_month_with_no_conversations_is_a_gap_in_the_trend() {
    let sep = healthy("2026-09");
    let empty = MonthAggregates::empty(sep.month, sep.starts_at, sep.ends_at);
    let r = reviewed(vec![healthy("2026-08"), empty, healthy("2026-10")]);
    assert_eq!(
        r.trend.series[&MetricId::DeflectionRate],
        vec![Some(0.6), None, Some(0.6)]
    );
    assert!(!r.trend.cost[1].has_data);
    assert_eq!(r.metrics[&MetricId::AiTouchRate].previous, None);
}

#[test]
fn the_trend_keeps_only_the_configured_months() {
    let months = [
        "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
    ];
    let r = reviewed(months.iter().map(|m| healthy(m)).collect());
    assert_eq!(r.trend.months.len(), 6);
    assert_eq!(r.trend.months[0].to_string(), "2026-06");
}

#[test]
fn moves_are_ranked_by_relative_change_in_the_better_or_worse_direction() {
    // Samples large enough that every one of these moves is significant (SPEC §6.1: the
    // summary never lists a within-noise move).
    let r = two_months(|prev, cur| {
        for m in [&mut *prev, &mut *cur] {
            m.kb_evals.evaluated = 1000;
            m.kb_evals.top1_hits = 900;
            let c = &mut m.conversations;
            c.total = 2000;
            c.ai_participated = 2000;
            c.closed = 2000;
            // Every closure asked to rate: no inflated-CSAT caveat (SPEC §7.3) hides the
            // CSAT move.
            c.closed_rating_prompted = 2000;
            c.deflected = 1200;
            c.naive_deflected = 1400;
            c.returned_24h = 100;
            c.handoffs.total = 500;
            c.channels.insert("web".into(), 2000);
            c.csat_ai.rated = 1000;
        }
        prev.kb_evals.top1_hits = 600; // 0.6 → 0.9: +50%, better
                                       // 0.20 → 0.25: +25%, worse
        prev.conversations.handoffs.total = 400;
        // 4.5 (half 4s, half 5s) → 4.0 (all 4s): −11.1%, worse
        prev.conversations.csat_ai.sum = 4500;
        prev.conversations.csat_ai.sum_squares = 500 * 16 + 500 * 25;
        cur.conversations.csat_ai.sum = 4000;
        cur.conversations.csat_ai.sum_squares = 1000 * 16;
    });
    assert_eq!(r.summary.better_moves[0].id, MetricId::KbHitRate);
    let worse: Vec<MetricId> = r.summary.worse_moves.iter().map(|m| m.id).collect();
    assert_eq!(worse, vec![MetricId::HandoffRate, MetricId::CsatAi]);
}

#[test]
fn non_consecutive_months_are_refused() {
    let a = aggregates(vec![healthy("2026-08"), healthy("2026-10")]);
    assert!(review(&a, &ReviewSettings::default(), &context()).is_err());
}
