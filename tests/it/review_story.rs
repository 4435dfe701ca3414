//! SPEC §7.3 on hand-made aggregates (no database): each caveat keeps its metric out of
//! the summary's biggest moves and puts it in `summary.read_with_care`, and the same
//! move without the caveat is listed (so the caveat is what removed it). Also §7.2's
//! unknown ending and the typed trap ids.

use crate::common::dec;
use std::str::FromStr;

use aikpi::aggregates::{
    Aggregates, EndingAggregates, LedgerLine, MonthAggregates, SourceInfo,
    AGGREGATES_FORMAT_VERSION,
};
use aikpi::period::Month;
use aikpi::review::exact;
use aikpi::review::metrics::MetricId;
use aikpi::review::settings::ReviewSettings;
use aikpi::review::traps::TrapId;
use aikpi::review::{review, Caveat, Review, ReviewContext};
use bigdecimal::BigDecimal;

fn big(s: &str) -> BigDecimal {
    BigDecimal::from_str(s).unwrap()
}

/// Ratings of `rated` conversations summing to `sum`, spread by a variance of 1.
fn ratings(rated: i64, sum: i64) -> (i64, i64, i64) {
    (rated, sum, sum * sum / rated + rated - 1)
}

/// Sets trap 2's prompt coverage to `per_mille` / 1000, evenly over both endings (so
/// the positive and other prompt rates stay equal).
fn coverage(m: &mut MonthAggregates, per_mille: i64) {
    let c = &mut m.conversations;
    c.closed_rating_prompted = 2 * per_mille;
    c.endings.get_mut("resolved").unwrap().rating_prompted = 3 * per_mille / 2;
    c.endings.get_mut("user_left").unwrap().rating_prompted = per_mille / 2;
}

fn set_csat_ai(m: &mut MonthAggregates, sum: i64) {
    let (rated, sum, squares) = ratings(1000, sum);
    let c = &mut m.conversations.csat_ai;
    (c.rated, c.sum, c.sum_squares) = (rated, sum, squares);
}

fn set_csat_human(m: &mut MonthAggregates, sum: i64) {
    let (rated, sum, squares) = ratings(400, sum);
    let c = &mut m.conversations.csat_human;
    (c.rated, c.sum, c.sum_squares) = (rated, sum, squares);
}

/// A month of 2 000 conversations, every metric steady and on target, no trap.
fn steady(month: &str) -> MonthAggregates {
    let m: Month = month.parse().unwrap();
    let (start, end) = m.bounds(chrono_tz::UTC);
    let mut a = MonthAggregates::empty(m, start, end);
    let c = &mut a.conversations;
    c.total = 2000;
    c.ai_participated = 2000;
    c.closed = 2000;
    c.deflected = 1100;
    c.deflected_by_ending.resolved = 900;
    c.deflected_by_ending.user_left = 150;
    c.naive_deflected = 1300;
    c.human_handled = 700;
    c.returned_24h = 100;
    c.handoffs.total = 700;
    c.handoffs.by_ai = 400;
    c.handoffs.by_user = 300;
    c.first_response.measured = 2000;
    c.first_response.p50_seconds = Some(1.2);
    c.first_response.p90_seconds = Some(2.5);
    c.handle_time.measured = 2000;
    c.handle_time.total_micros = dec("600000000000"); // 300 s each
    c.handle_time.sum_squares_micros = big("180000000000000000000");
    c.sentiment.scored = 2000;
    c.sentiment.sum = big("400.0");
    c.sentiment.sum_squares = big("99.99");
    c.endings.insert(
        "resolved".into(),
        EndingAggregates {
            closed: 1500,
            rating_prompted: 0,
            ai_rated: 800,
            ai_rating_sum: 3200,
        },
    );
    c.endings.insert(
        "user_left".into(),
        EndingAggregates {
            closed: 500,
            rating_prompted: 0,
            ai_rated: 200,
            ai_rating_sum: 800,
        },
    );
    c.channels.insert("web".into(), 2000);
    coverage(&mut a, 990);
    set_csat_ai(&mut a, 4000);
    set_csat_human(&mut a, 1840);
    a.llm_usage.calls = 600;
    a.llm_usage.cost = big("100.00");
    let line = |category: &str, amount: &str| LedgerLine {
        category: category.into(),
        amount: big(amount),
    };
    a.ledger = vec![
        line("infra", "200.00"),
        line("labor", "700.00"),
        line("llm", "100.00"),
    ];
    a.kb_evals.evaluated = 100;
    a.kb_evals.top1_hits = 90;
    a.reply_edits.edited = 40;
    a.reply_edits.fed_back = 30;
    a
}

fn reviewed_with(
    settings: &ReviewSettings,
    edit: impl FnOnce(&mut MonthAggregates, &mut MonthAggregates),
) -> Review {
    let mut prev = steady("2026-09");
    let mut cur = steady("2026-10");
    edit(&mut prev, &mut cur);
    let aggregates = Aggregates {
        format_version: AGGREGATES_FORMAT_VERSION,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "postgres://reporter:***@db/support".into(),
            schema: "public".into(),
            note: None,
        },
        time_zone: "UTC".into(),
        read_at: "2026-11-05T00:00:00Z".parse().unwrap(),
        frustrated_sentiment_min: dec("0.5"),
        months: vec![prev, cur],
        absent_relations: Vec::new(),
    };
    let context = ReviewContext {
        generated_at: "2026-11-05T00:00:00Z".parse().unwrap(),
        sample: false,
        language: "en".to_string(),
    };
    review(&aggregates, settings, &context).unwrap()
}

fn reviewed(edit: impl FnOnce(&mut MonthAggregates, &mut MonthAggregates)) -> Review {
    reviewed_with(&ReviewSettings::default(), edit)
}

fn listed(r: &Review, id: MetricId) -> bool {
    let s = &r.summary;
    s.better_moves
        .iter()
        .chain(&s.worse_moves)
        .any(|m| m.id == id)
}

/// `summary.read_with_care` as (id, caveats) pairs.
fn read_with_care(r: &Review) -> Vec<(MetricId, Vec<Caveat>)> {
    r.summary
        .read_with_care
        .iter()
        .map(|c| (c.id, c.caveats.clone()))
        .collect()
}

#[test]
fn a_steady_month_has_no_caveats() {
    let r = reviewed(|_, _| {});
    for (id, m) in &r.metrics {
        assert!(m.caveats.is_empty(), "{id}: {:?}", m.caveats);
    }
    assert!(r.summary.read_with_care.is_empty());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["summary"]["read_with_care"], serde_json::json!([]));
    assert_eq!(json["metrics"]["csat_ai"]["caveats"], serde_json::json!([]));
}

#[test]
fn an_inflated_csat_rise_is_read_with_care_not_an_improvement() {
    // The same significant CSAT (AI) rise, once with trap 2 fired (90 % coverage in both
    // months: the coverage itself did not move), once without.
    let rise = |prev: &mut MonthAggregates, cur: &mut MonthAggregates, per_mille| {
        coverage(prev, per_mille);
        coverage(cur, per_mille);
        set_csat_ai(cur, 4400);
    };
    let clean = reviewed(|p, c| rise(p, c, 990));
    assert!(listed(&clean, MetricId::CsatAi), "{:?}", clean.summary);
    let r = reviewed(|p, c| rise(p, c, 900));
    assert!(r.traps.inflated_csat.triggered);
    assert_eq!(r.metrics[&MetricId::CsatAi].caveats, [Caveat::InflatedCsat]);
    assert!(!listed(&r, MetricId::CsatAi), "{:?}", r.summary);
    assert_eq!(
        read_with_care(&r),
        [(MetricId::CsatAi, vec![Caveat::InflatedCsat])]
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["summary"]["read_with_care"],
        serde_json::json!([{"id": "csat_ai", "caveats": ["inflated_csat"]}])
    );
}

#[test]
fn a_change_in_who_is_asked_to_rate_puts_both_csats_under_care() {
    // Coverage rose from 85 % to 99 %: trap 2 holds this month, but the two months' raters
    // were chosen differently, so neither CSAT rise is news.
    let rise = |prev: &mut MonthAggregates, cur: &mut MonthAggregates, before| {
        coverage(prev, before);
        set_csat_ai(cur, 4400);
        set_csat_human(cur, 1960);
    };
    let clean = reviewed(|p, c| rise(p, c, 990));
    assert!(listed(&clean, MetricId::CsatAi) && listed(&clean, MetricId::CsatHuman));
    let r = reviewed(|p, c| rise(p, c, 850));
    assert!(!r.traps.inflated_csat.triggered);
    assert!(!listed(&r, MetricId::CsatAi), "{:?}", r.summary);
    assert!(!listed(&r, MetricId::CsatHuman), "{:?}", r.summary);
    assert_eq!(
        read_with_care(&r),
        [
            (MetricId::CsatAi, vec![Caveat::PromptingChanged]),
            (MetricId::CsatHuman, vec![Caveat::PromptingChanged]),
        ]
    );
}

#[test]
fn both_csat_caveats_come_in_spec_order() {
    let r = reviewed(|prev, cur| {
        coverage(prev, 990);
        coverage(cur, 800);
    });
    assert_eq!(
        r.metrics[&MetricId::CsatAi].caveats,
        [Caveat::InflatedCsat, Caveat::PromptingChanged]
    );
    assert_eq!(
        r.metrics[&MetricId::CsatHuman].caveats,
        [Caveat::PromptingChanged]
    );
}

#[test]
fn prompting_changed_needs_strictly_more_than_the_limit_exactly() {
    // 0.40 − 0.30 is 0.10000000000000003 in floats, exactly 0.10 in fact: not more.
    let r = reviewed(|prev, cur| {
        coverage(prev, 300);
        coverage(cur, 400);
    });
    assert!(!r.metrics[&MetricId::CsatHuman]
        .caveats
        .contains(&Caveat::PromptingChanged));
    let r = reviewed(|prev, cur| {
        coverage(prev, 300);
        coverage(cur, 401);
    });
    assert_eq!(
        r.metrics[&MetricId::CsatHuman].caveats,
        [Caveat::PromptingChanged]
    );
    // A tighter configured limit.
    let settings = ReviewSettings {
        traps: aikpi::review::settings::TrapThresholds {
            prompt_change_max: exact::ratio(5, 100).unwrap(),
            ..Default::default()
        },
        ..ReviewSettings::default()
    };
    let r = reviewed_with(&settings, |prev, cur| {
        coverage(prev, 990);
        coverage(cur, 930);
    });
    assert_eq!(
        r.metrics[&MetricId::CsatHuman].caveats,
        [Caveat::PromptingChanged]
    );
    // Without a closed conversation the month before there is no coverage to compare.
    let r = reviewed(|prev, cur| {
        prev.conversations.closed = 0;
        coverage(cur, 990);
    });
    assert!(r.metrics[&MetricId::CsatHuman].caveats.is_empty());
}

#[test]
fn deflection_that_may_be_faked_is_read_with_care_not_an_improvement() {
    // Deflection climbs from 30 % into its range; with returns at 12 % trap 1 fires.
    let climb = |prev: &mut MonthAggregates, cur: &mut MonthAggregates, returned| {
        prev.conversations.deflected = 600;
        prev.conversations.deflected_by_ending.resolved = 500;
        cur.conversations.returned_24h = returned;
    };
    let clean = reviewed(|p, c| climb(p, c, 100));
    assert!(!clean.traps.faking_deflection.triggered);
    assert!(
        listed(&clean, MetricId::DeflectionRate),
        "{:?}",
        clean.summary
    );
    let r = reviewed(|p, c| climb(p, c, 240));
    assert!(r.traps.faking_deflection.triggered);
    assert!(!listed(&r, MetricId::DeflectionRate), "{:?}", r.summary);
    assert_eq!(
        read_with_care(&r),
        [(MetricId::DeflectionRate, vec![Caveat::FakingDeflection])]
    );
}

#[test]
fn a_provisional_cost_drop_is_read_with_care_not_an_improvement() {
    // Cost per conversation falls: once because labor was booked lower, once because the
    // labor line is not booked yet (the cost is provisional).
    let clean = reviewed(|_, cur| {
        cur.ledger.retain(|l| l.category != "labor");
        cur.ledger.push(LedgerLine {
            category: "labor".into(),
            amount: big("100.00"),
        });
    });
    assert!(!clean.cost_breakdown.provisional);
    assert!(listed(&clean, MetricId::CostPerConversation));
    let r = reviewed(|_, cur| cur.ledger.retain(|l| l.category != "labor"));
    assert!(r.cost_breakdown.provisional);
    assert!(
        !listed(&r, MetricId::CostPerConversation),
        "{:?}",
        r.summary
    );
    assert_eq!(
        read_with_care(&r),
        [(MetricId::CostPerConversation, vec![Caveat::ProvisionalCost])]
    );
}

#[test]
fn the_unknown_ending_is_the_rest_of_the_deflected() {
    // 1 100 deflected: 900 resolved, 150 left, 50 with no contract ending.
    let r = reviewed(|_, _| {});
    let d = &r.deflection_by_ending;
    assert_eq!(d.resolved.value, Some(0.45));
    assert_eq!(d.user_left.value, Some(0.075));
    assert_eq!(d.timeout.value, Some(0.0));
    assert_eq!(d.agent_closed.value, Some(0.0));
    assert_eq!(d.unknown.value, Some(0.025));
    assert_eq!(d.unknown.previous, Some(0.025));
    assert_eq!(r.metrics[&MetricId::DeflectionRate].value, Some(0.55));
}

#[test]
fn triggered_traps_are_typed_and_serialised_as_their_ids() {
    let r = reviewed(|_, cur| {
        cur.conversations.returned_24h = 240;
        coverage(cur, 900);
    });
    assert_eq!(
        r.summary.triggered_traps,
        [TrapId::FakingDeflection, TrapId::InflatedCsat]
    );
    let json = serde_json::to_value(&r.summary.triggered_traps).unwrap();
    assert_eq!(
        json,
        serde_json::json!(["faking_deflection", "inflated_csat"])
    );
}
