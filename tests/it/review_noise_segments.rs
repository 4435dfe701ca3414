//! SPEC §6 on hand-made aggregates: the noise band as it reaches the metrics and the
//! summary, segments, drivers, workload and annotations. No database: the aggregates are
//! the boundary (the statistics themselves are unit-tested in `review::noise`).

use crate::common::dec;
use std::str::FromStr;

use aikpi::aggregates::{
    Aggregates, IssueAggregates, LedgerLine, MonthAggregates, SegmentAggregates, SegmentCounts,
    SourceInfo, AGGREGATES_FORMAT_VERSION,
};
use aikpi::period::Month;
use aikpi::review::metrics::MetricId;
use aikpi::review::settings::{EventNote, ReviewSettings};
use aikpi::review::{review, Review, ReviewContext, Savings, Significance};
use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// Money and sentiment sums are exact at any size (`BigDecimal`).
fn big(s: &str) -> BigDecimal {
    s.parse().expect("a decimal")
}

fn channel(conversations: i64, ai: i64, deflected: i64) -> SegmentCounts {
    SegmentCounts {
        conversations,
        ai_participated: ai,
        deflected,
        ..SegmentCounts::default()
    }
}

fn issue(key: Option<&str>, conversations: i64) -> IssueAggregates {
    IssueAggregates {
        issue_key: key.map(String::from),
        counts: SegmentCounts {
            conversations,
            csat_ai_rated: 2,
            csat_ai_sum: 9,
            ..SegmentCounts::default()
        },
    }
}

/// A month of 10 000 conversations on two channels; every count consistent.
fn month(label: &str, web: (i64, i64, i64), app: (i64, i64, i64)) -> MonthAggregates {
    let m: Month = label.parse().unwrap();
    let (start, end) = m.bounds(chrono_tz::UTC);
    let mut a = MonthAggregates::empty(m, start, end);
    let c = &mut a.conversations;
    c.total = web.0 + app.0;
    c.ai_participated = web.1 + app.1;
    c.deflected = web.2 + app.2;
    c.closed = c.total;
    c.naive_deflected = c.deflected;
    c.human_handled = c.total - c.deflected;
    c.channels.insert("web".into(), web.0);
    c.channels.insert("app".into(), app.0);
    // 400 ratings: mean 4.2 with a spread.
    c.csat_ai.rated = 400;
    c.csat_ai.sum = 1680;
    c.csat_ai.sum_squares = 7_300;
    c.handle_time.measured = c.total;
    c.handle_time.total_micros = Decimal::from(c.total * 300_000_000);
    c.handle_time.sum_squares_micros =
        BigDecimal::from(c.total) * BigDecimal::from_str("100000000000000000").unwrap();
    a.llm_usage.cost = big("600.00");
    a.ledger = vec![
        LedgerLine {
            category: "infra".into(),
            amount: big("400.00"),
        },
        LedgerLine {
            category: "labor".into(),
            amount: big("20000.00"),
        },
    ];
    a.segments = Some(SegmentAggregates {
        channels: [
            ("web".to_string(), channel(web.0, web.1, web.2)),
            ("app".to_string(), channel(app.0, app.1, app.2)),
        ]
        .into_iter()
        .collect(),
        issues: vec![
            issue(Some("billing"), 3000),
            issue(Some("login"), 2000),
            issue(None, 500),
        ],
        other_channels: None,
    });
    a
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

fn reviewed_with(months: Vec<MonthAggregates>, settings: &ReviewSettings) -> Review {
    let generated_at: DateTime<Utc> = "2026-11-03T08:00:00Z".parse().unwrap();
    let context = ReviewContext {
        generated_at,
        sample: false,
        language: "en".to_string(),
    };
    review(&aggregates(months), settings, &context).unwrap()
}

fn reviewed(months: Vec<MonthAggregates>) -> Review {
    reviewed_with(months, &ReviewSettings::default())
}

fn september() -> MonthAggregates {
    month("2026-09", (6000, 5880, 3000), (4000, 3880, 2000))
}

#[test]
fn the_summary_never_lists_a_change_within_noise() {
    // Touch falls by 1 conversation in 10 000 (within noise); deflection falls from 50 %
    // to 40 %, out of its range (significant). Both are worse moves.
    let october = month("2026-10", (6000, 5880, 2400), (4000, 3879, 1600));
    let r = reviewed(vec![september(), october]);
    let touch = &r.metrics[&MetricId::AiTouchRate];
    assert_eq!(touch.significance, Significance::WithinNoise);
    assert_eq!(touch.movement, Some(aikpi::review::status::Movement::Worse));
    let deflection = &r.metrics[&MetricId::DeflectionRate];
    assert_eq!(deflection.significance, Significance::Significant);
    let worse: Vec<MetricId> = r.summary.worse_moves.iter().map(|m| m.id).collect();
    assert!(worse.contains(&MetricId::DeflectionRate), "{worse:?}");
    assert!(!worse.contains(&MetricId::AiTouchRate), "{worse:?}");
    // The status rules do not change.
    assert_eq!(touch.status, aikpi::review::status::Status::Met);
}

#[test]
fn every_metric_carries_its_noise_band() {
    let october = month("2026-10", (6000, 5880, 2700), (4000, 3879, 1800));
    let r = reviewed(vec![september(), october]);
    let touch = &r.metrics[&MetricId::AiTouchRate];
    assert_eq!(touch.sample_size, Some(10_000));
    let i = touch.interval.unwrap();
    assert!(
        i.low < 0.9759 && 0.9759 < i.high && i.level == 0.95,
        "{i:?}"
    );
    let csat = &r.metrics[&MetricId::CsatAi];
    assert_eq!(csat.sample_size, Some(400));
    assert_eq!(
        csat.significance,
        Significance::WithinNoise,
        "the same ratings"
    );
    let aht = &r.metrics[&MetricId::AhtSeconds];
    let i = aht.interval.unwrap();
    // Mean 300 s, s² = (10 000·10¹¹ µs² − (3·10¹² µs)²/10 000)/9 999 → s ≈ 99.5 s.
    assert!(
        i.low < 300.0 && 300.0 < i.high && i.high - i.low < 5.0,
        "{i:?} in seconds"
    );
    for id in [
        MetricId::FrtP50Seconds,
        MetricId::FrtP90Seconds,
        MetricId::CostPerConversation,
    ] {
        let m = &r.metrics[&id];
        assert_eq!(
            (m.significance, m.interval, m.sample_size),
            (Significance::NotAssessed, None, None),
            "{id}"
        );
    }
    // No KB evaluations in either month: n = 0.
    let kb = &r.metrics[&MetricId::KbHitRate];
    assert_eq!(
        (kb.significance, kb.sample_size),
        (Significance::NotAssessed, None)
    );
}

#[test]
fn a_first_month_is_not_assessed_but_has_its_interval() {
    let r = reviewed(vec![september()]);
    let touch = &r.metrics[&MetricId::AiTouchRate];
    assert_eq!(touch.significance, Significance::NotAssessed);
    assert!(touch.interval.is_some());
    assert_eq!(touch.sample_size, Some(10_000));
    assert!(r.drivers.values().all(Option::is_none));
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["drivers"]
        .as_object()
        .unwrap()
        .get("deflection_rate")
        .unwrap()
        .is_null());
}

#[test]
fn a_channel_new_this_month_has_no_previous_and_only_mix() {
    let mut october = month("2026-10", (6000, 5880, 3000), (3000, 2900, 1500));
    let whatsapp = channel(1000, 1000, 800);
    let c = &mut october.conversations;
    c.total += 1000;
    c.ai_participated += 1000;
    c.deflected += 800;
    c.channels.insert("whatsapp".into(), 1000);
    let segments = october.segments.as_mut().unwrap();
    segments.channels.insert("whatsapp".into(), whatsapp);
    let r = reviewed(vec![september(), october]);

    let names: Vec<&str> = r
        .segments
        .channels
        .iter()
        .map(|c| c.channel.as_deref().unwrap_or("(other)"))
        .collect();
    assert_eq!(names, ["web", "app", "whatsapp"], "largest first");
    let new = &r.segments.channels[2];
    assert_eq!(new.share, 0.1);
    assert_eq!(new.metrics[&MetricId::DeflectionRate].value, Some(0.8));
    assert_eq!(new.metrics[&MetricId::DeflectionRate].previous, None);
    assert_eq!(
        r.segments.channels[0].metrics[&MetricId::DeflectionRate].previous,
        Some(0.5)
    );

    let d = r.drivers[&MetricId::DeflectionRate].as_ref().unwrap();
    let whatsapp = d
        .by_channel
        .iter()
        .find(|c| c.channel.as_deref() == Some("whatsapp"))
        .unwrap();
    assert_eq!(whatsapp.rate, 0.0);
    assert_eq!(
        d.by_channel[0].channel.as_deref(),
        Some("whatsapp"),
        "the biggest contribution first"
    );
    assert!((d.mix + d.rate - d.delta_abs).abs() < 1e-15);
    let metric = &r.metrics[&MetricId::DeflectionRate];
    assert_eq!(Some(d.delta_abs), metric.delta_abs);
}

#[test]
fn top_issues_are_the_largest_ties_by_byte_order_unclassified_last() {
    let mut october = september();
    october.month = "2026-10".parse().unwrap();
    let (start, end) = october.month.bounds(chrono_tz::UTC);
    (october.starts_at, october.ends_at) = (start, end);
    october.segments.as_mut().unwrap().issues = vec![
        issue(Some("login"), 500),
        issue(None, 500),
        issue(Some("Zebra"), 500),
        issue(Some("billing"), 900),
        issue(Some("refund"), 100),
    ];
    let settings = ReviewSettings {
        top_issues: 4,
        ..ReviewSettings::default()
    };
    let r = reviewed_with(vec![september(), october], &settings);
    let keys: Vec<Option<&str>> = r
        .segments
        .top_issues
        .iter()
        .map(|i| i.issue_key.as_deref())
        .collect();
    assert_eq!(keys, [Some("billing"), Some("Zebra"), Some("login"), None]);
    let unclassified = &r.segments.top_issues[3];
    assert_eq!(unclassified.share, 0.05);
    // Its previous comes from last month's unclassified conversations.
    assert_eq!(unclassified.metrics[&MetricId::CsatAi].previous, Some(4.5));
    let zebra = &r.segments.top_issues[1];
    assert_eq!(zebra.metrics[&MetricId::CsatAi].previous, None, "new issue");
}

#[test]
fn the_workload_prices_an_ai_resolution_and_estimates_what_it_saved() {
    let october = month("2026-10", (6000, 5880, 2700), (4000, 3879, 1800));
    let r = reviewed(vec![september(), october]);
    let w = &r.workload;
    assert_eq!(w.ai_resolutions.value, Some(4500.0));
    assert_eq!(w.ai_resolutions.previous, Some(5000.0));
    assert_eq!(w.ai_resolutions.delta_abs, Some(-500.0));
    assert_eq!(w.ai_resolutions.delta_rel, Some(-0.1));
    assert_eq!(w.human_handled.value, Some(5500.0));
    assert_eq!(w.labor_cost.value, Some(20000.0));
    assert_eq!(w.cost_per_ai_resolution.value, Some(1000.0 / 4500.0));
    assert_eq!(w.labor_cost_per_human_handled.value, Some(20000.0 / 5500.0));
    // 4500 × 20000/5500 − 1000.
    let estimate = 4500.0 * 20000.0 / 5500.0 - 1000.0;
    assert!((w.labor_cost_avoided_estimate.value.unwrap() - estimate).abs() < 1e-9);
    assert_eq!(w.savings, Savings::Saved);
    assert!(!w.provisional);
}

#[test]
fn no_labor_line_or_no_human_handled_conversation_leaves_the_estimate_unknown() {
    let mut october = month("2026-10", (6000, 5880, 2700), (4000, 3879, 1800));
    october.ledger.retain(|l| l.category != "labor");
    let r = reviewed(vec![september(), october]);
    let w = &r.workload;
    assert_eq!(w.labor_cost.value, Some(0.0), "a count of what is booked");
    assert_eq!(
        w.labor_cost_per_human_handled.value, None,
        "not booked is not 0"
    );
    assert_eq!(w.labor_cost_avoided_estimate.value, None);
    assert!(w.labor_cost_avoided_estimate.previous.is_some());
    assert_eq!(w.savings, Savings::Unknown);
    assert!(w.provisional);

    let mut october = month("2026-10", (6000, 6000, 6000), (4000, 4000, 4000));
    october.conversations.human_handled = 0;
    let r = reviewed(vec![september(), october]);
    assert_eq!(r.workload.human_handled.value, Some(0.0));
    assert_eq!(r.workload.labor_cost_per_human_handled.value, None);
    assert_eq!(r.workload.labor_cost_avoided_estimate.value, None);
    assert_eq!(r.workload.savings, Savings::Unknown);
}

#[test]
fn an_ai_costlier_than_the_labor_it_replaced_cost_more() {
    let mut october = month("2026-10", (6000, 5880, 2700), (4000, 3879, 1800));
    october.llm_usage.cost = big("100000.00");
    let r = reviewed(vec![september(), october]);
    assert_eq!(r.workload.savings, Savings::CostMore);
    assert!(r.workload.labor_cost_avoided_estimate.value.unwrap() < 0.0);
}

#[test]
fn an_estimate_of_exactly_zero_broke_even() {
    // 4500 × 20000/5500 − (llm + 400) = 0 ⇔ llm = 4500·20000/5500 − 400, not a decimal;
    // with 5000 human-handled: 4500 × 4 − 400 = 17 600.
    let mut october = month("2026-10", (6000, 5880, 2700), (4000, 3879, 1800));
    october.conversations.human_handled = 5000;
    october.llm_usage.cost = big("17600.00");
    let r = reviewed(vec![september(), october]);
    assert_eq!(r.workload.labor_cost_avoided_estimate.value, Some(0.0));
    assert_eq!(r.workload.savings, Savings::BrokeEven);
}

#[test]
fn annotations_are_listed_by_date_and_marked_inside_the_trend() {
    let settings = ReviewSettings {
        trend_months: 2,
        annotations: vec![
            EventNote {
                date: "2026-10-20".parse().unwrap(),
                label: "Model B".into(),
            },
            EventNote {
                date: "2026-08-31".parse().unwrap(),
                label: "KB release".into(),
            },
        ],
        ..ReviewSettings::default()
    };
    let october = month("2026-10", (6000, 5880, 2700), (4000, 3879, 1800));
    let r = reviewed_with(vec![september(), october], &settings);
    let got: Vec<(String, bool)> = r
        .annotations
        .iter()
        .map(|a| (a.label.clone(), a.in_trend))
        .collect();
    assert_eq!(
        got,
        [
            ("KB release".to_string(), false),
            ("Model B".to_string(), true)
        ]
    );
}

#[test]
fn the_shipped_sample_has_a_change_within_noise_that_its_summary_does_not_list() {
    let sample: Aggregates =
        serde_json::from_str(include_str!("../../samples/aggregates.json")).unwrap();
    let r = reviewed_with(sample.months, &ReviewSettings::default());
    // October's AI touch rate moved by −0.00002: chance, not a setback.
    let touch = &r.metrics[&MetricId::AiTouchRate];
    assert_eq!(touch.significance, Significance::WithinNoise);
    let listed: Vec<MetricId> = r
        .summary
        .better_moves
        .iter()
        .chain(&r.summary.worse_moves)
        .map(|m| m.id)
        .collect();
    for id in &listed {
        assert_ne!(
            r.metrics[id].significance,
            Significance::WithinNoise,
            "{id}"
        );
    }
    assert!(!listed.contains(&MetricId::AiTouchRate));
    // Segments and drivers come through the file.
    assert_eq!(r.segments.channels.len(), 4);
    assert_eq!(r.segments.top_issues.len(), 10);
    let d = r.drivers[&MetricId::DeflectionRate].as_ref().unwrap();
    assert!((d.mix + d.rate - d.delta_abs).abs() < 1e-15);
}

/// Issue 26, item 7: beyond `max_channels` the channels are summed into one entry
/// (channel null) against the same channels last month; drivers still split over every
/// channel and list the same channels, the rest summed.
#[test]
fn channels_beyond_max_channels_are_summed_into_one_other_channels_entry() {
    let mut september = september();
    let mut october = month("2026-10", (6000, 5880, 2400), (3000, 2900, 1500));
    // Two small channels this month (whatsapp, sms, with sms also last month) and one
    // (fax) that only last month had.
    for (name, n, ai, deflected) in [("whatsapp", 600, 600, 480), ("sms", 400, 300, 100)] {
        october.conversations.total += n;
        october.conversations.ai_participated += ai;
        october.conversations.deflected += deflected;
        let counts = channel(n, ai, deflected);
        let s = october.segments.as_mut().unwrap();
        s.channels.insert(name.into(), counts);
    }
    for (name, n, ai, deflected) in [("sms", 100, 100, 20), ("fax", 300, 0, 0)] {
        september.conversations.total += n;
        september.conversations.ai_participated += ai;
        september.conversations.deflected += deflected;
        let s = september.segments.as_mut().unwrap();
        s.channels.insert(name.into(), channel(n, ai, deflected));
    }
    october.segments.as_mut().unwrap().other_channels = Some(aikpi::aggregates::OtherChannelsFrt {
        max_channels: 2,
        frt_p90_seconds: Some(4.5),
    });
    let settings = ReviewSettings {
        max_channels: 2,
        ..ReviewSettings::default()
    };
    let r = reviewed_with(vec![september, october], &settings);

    let c = &r.segments.channels;
    assert_eq!(c.len(), 3, "two channels, then the rest");
    assert_eq!(c[0].channel.as_deref(), Some("web"));
    assert_eq!(c[1].channel.as_deref(), Some("app"));
    let other = &c[2];
    assert_eq!(other.channel, None);
    assert_eq!(other.other_channels, Some(2));
    assert_eq!(other.conversations, 1000);
    assert_eq!(other.share, 0.1);
    let deflection = other.metrics[&MetricId::DeflectionRate];
    assert_eq!(deflection.value, Some(0.58), "(480 + 100) / 1000");
    // Last month: sms alone among the same channels (fax is not one of them).
    assert_eq!(deflection.previous, Some(0.2));
    assert_eq!(other.metrics[&MetricId::FrtP90Seconds].value, Some(4.5));
    assert_eq!(other.metrics[&MetricId::FrtP90Seconds].previous, None);
    let json = serde_json::to_value(&r.segments).unwrap();
    assert_eq!(json["channels"][2]["channel"], serde_json::Value::Null);
    assert_eq!(json["channels"][2]["other_channels"], 2);
    assert!(json["channels"][0].get("other_channels").is_none());

    let d = r.drivers[&MetricId::DeflectionRate].as_ref().unwrap();
    let names: Vec<Option<&str>> = d.by_channel.iter().map(|c| c.channel.as_deref()).collect();
    assert_eq!(names.len(), 3);
    assert_eq!(names[2], None, "the rest last, summed");
    assert!(names.contains(&Some("web")) && names.contains(&Some("app")));
    let summed: f64 = d.by_channel.iter().map(|c| c.mix + c.rate).sum();
    assert!(
        (summed - d.delta_abs).abs() < 1e-12,
        "every channel still counts"
    );
    assert!((d.mix + d.rate - d.delta_abs).abs() < 1e-15);
}

#[test]
fn no_other_channels_entry_up_to_max_channels() {
    let settings = ReviewSettings {
        max_channels: 2,
        ..ReviewSettings::default()
    };
    let october = month("2026-10", (6000, 5880, 2400), (3000, 2900, 1500));
    let r = reviewed_with(vec![september(), october], &settings);
    assert!(r.segments.channels.iter().all(|c| c.channel.is_some()));
    assert_eq!(r.segments.channels.len(), 2);
}
