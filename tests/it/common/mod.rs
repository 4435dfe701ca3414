//! A fixed, hand-made review for rendering tests: six months (one with no data at all),
//! a trap that fires and one that does not, a metric with no data, provisional cost,
//! data-quality notes, and database strings full of HTML and Markdown specials.
//!
//! Everything is fixed, the clock included, so snapshots never move with the date.

use std::collections::BTreeMap;

use aikpi::aggregates::{
    Aggregates, ConversationAggregates, ConversationQuality, DeflectedByEnding, EndingAggregates,
    FirstResponseAggregates, HandleTimeAggregates, HandoffCounts, IssueAggregates,
    KbEvalAggregates, LedgerLine, LlmUsageAggregates, ModelUsage, MonthAggregates,
    RatingAggregates, ReplyEditAggregates, SegmentAggregates, SegmentCounts, SentimentAggregates,
    SourceInfo, AGGREGATES_FORMAT_VERSION,
};
use aikpi::outputs::email_body::{EmailHtml, EmailText, InlineChart};
use aikpi::outputs::{render_text, Templates};
use aikpi::period::Month;
use aikpi::presentation::Presentation;
use aikpi::review::settings::ReviewSettings;
use aikpi::review::{review, Review, ReviewContext};
use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// The channel name a hostile (or careless) database might hold.
pub const XSS_CHANNEL: &str = "<script>alert(1)</script> | **x**";
/// A ledger category with HTML and Markdown specials; it is the largest "other" line,
/// so trap 3 names it.
pub const SPECIAL_CATEGORY: &str = "cloud_services <img src=x onerror=alert(2)> _[x](y)_";

const TZ: chrono_tz::Tz = chrono_tz::Europe::Berlin;

pub fn dec(s: &str) -> Decimal {
    s.parse().expect("fixture decimal")
}

/// Money and sentiment sums are exact at any size (`BigDecimal`).
pub fn big(s: &str) -> BigDecimal {
    s.parse().expect("a decimal")
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("fixture instant")
}

/// One closed-conversation ending: (closed, rating prompted, AI rated, AI rating sum).
type Ending = (i64, i64, i64, i64);

/// The knobs of one month; everything else is derived so the counts stay consistent.
struct Spec {
    total: i64,
    ai: i64,
    open: i64,
    returned: i64,
    deflected: i64,
    naive: i64,
    frustrated: i64,
    handoffs: (i64, i64, i64),
    frt: (f64, f64),
    aht_seconds: i64,
    csat_human: (i64, i64),
    sentiment: (i64, &'static str),
    endings: [(&'static str, Ending); 5],
    channels: Vec<(&'static str, i64)>,
    quality: ConversationQuality,
    llm: (
        &'static str,
        &'static str,
        Vec<(&'static str, i64, &'static str)>,
    ),
    ledger: Vec<(&'static str, &'static str)>,
    kb: (i64, i64, i64),
    edits: (i64, i64),
}

fn month(year: i32, m: u32, spec: Option<Spec>) -> MonthAggregates {
    let month = Month::new(year, m).expect("fixture month");
    let (starts_at, ends_at) = month.bounds(TZ);
    let mut agg = MonthAggregates::empty(month, starts_at, ends_at);
    let Some(s) = spec else {
        agg.segments = Some(SegmentAggregates::default());
        return agg;
    };
    let closed = s.total - s.open;
    let endings: BTreeMap<String, EndingAggregates> = s
        .endings
        .iter()
        .filter(|(_, e)| e.0 > 0)
        .map(|(name, (closed, prompted, rated, sum))| {
            (
                name.to_string(),
                EndingAggregates {
                    closed: *closed,
                    rating_prompted: *prompted,
                    ai_rated: *rated,
                    ai_rating_sum: *sum,
                },
            )
        })
        .collect();
    let ending_sum = |f: fn(&EndingAggregates) -> i64| endings.values().map(f).sum::<i64>();
    assert_eq!(ending_sum(|e| e.closed), closed, "{month}: endings add up");
    assert_eq!(
        s.channels.iter().map(|c| c.1).sum::<i64>(),
        s.total,
        "{month}: channels add up"
    );
    let measured = closed - s.quality.closed_before_start;
    agg.conversations = ConversationAggregates {
        total: s.total,
        ai_participated: s.ai,
        closed,
        open: s.open,
        returned_24h: s.returned,
        deflected: s.deflected,
        deflected_by_ending: deflected_by_ending(s.deflected, &endings),
        naive_deflected: s.naive,
        deflected_frustrated_exits: s.frustrated,
        handoffs: HandoffCounts {
            total: s.handoffs.0 + s.handoffs.1 + s.handoffs.2,
            by_ai: s.handoffs.0,
            by_user: s.handoffs.1,
            unknown_initiator: s.handoffs.2,
        },
        first_response: FirstResponseAggregates {
            measured: s.total
                - s.quality.first_response_missing
                - s.quality.negative_first_response,
            p50_seconds: Some(s.frt.0),
            p90_seconds: Some(s.frt.1),
        },
        human_handled: s.total - s.naive,
        handle_time: HandleTimeAggregates {
            measured,
            total_micros: Decimal::from(measured * s.aht_seconds * 1_000_000),
            // Handle times spread by a standard deviation of half the mean.
            sum_squares_micros: bigdecimal::BigDecimal::from(
                measured * s.aht_seconds * s.aht_seconds * 5 / 4,
            ) * bigdecimal::BigDecimal::from(1_000_000_000_000i64),
        },
        csat_ai: rating(ending_sum(|e| e.ai_rated), ending_sum(|e| e.ai_rating_sum)),
        csat_human: rating(s.csat_human.0, s.csat_human.1),
        sentiment: SentimentAggregates {
            scored: s.sentiment.0,
            sum: big(s.sentiment.1),
            // Σx² of scores spread by 0.2 around their mean.
            sum_squares: {
                let n = Decimal::from(s.sentiment.0.max(1));
                let sum = dec(s.sentiment.1);
                (sum * sum / n + n * dec("0.04"))
                    .round_dp(6)
                    .to_string()
                    .parse()
                    .unwrap()
            },
        },
        closed_rating_prompted: ending_sum(|e| e.rating_prompted),
        endings,
        channels: s
            .channels
            .iter()
            .map(|(c, n)| (c.to_string(), *n))
            .collect(),
        quality: s.quality,
    };
    agg.segments = Some(segments(&agg.conversations));
    let (cost, background, models) = s.llm;
    agg.llm_usage = LlmUsageAggregates {
        calls: models.iter().map(|m| m.1).sum(),
        prompt_tokens: BigDecimal::from(models.iter().map(|m| m.1).sum::<i64>() * 1_400),
        completion_tokens: BigDecimal::from(models.iter().map(|m| m.1).sum::<i64>() * 260),
        cost: big(cost),
        background_cost: big(background),
        by_model: models
            .iter()
            .map(|(model, calls, cost)| ModelUsage {
                model: model.to_string(),
                calls: *calls,
                cost: big(cost),
            })
            .collect(),
    };
    let mut ledger: Vec<LedgerLine> = s
        .ledger
        .iter()
        .map(|(category, amount)| LedgerLine {
            category: category.to_string(),
            amount: big(amount),
        })
        .collect();
    ledger.sort_by(|a, b| a.category.cmp(&b.category));
    agg.ledger = ledger;
    agg.kb_evals = KbEvalAggregates {
        evaluated: s.kb.0,
        top1_hits: s.kb.1,
        nothing_retrieved: s.kb.2,
    };
    agg.reply_edits = ReplyEditAggregates {
        edited: s.edits.0,
        fed_back: s.edits.1,
    };
    agg
}

/// `deflected` shared out over the endings, each taking at most its closed conversations
/// in the order resolved, user_left, timeout, agent_closed; the rest has an unknown ending.
fn deflected_by_ending(
    deflected: i64,
    endings: &BTreeMap<String, EndingAggregates>,
) -> DeflectedByEnding {
    let mut rest = deflected;
    let mut take = |ending: &str| {
        let n = endings.get(ending).map_or(0, |e| e.closed).min(rest);
        rest -= n;
        n
    };
    let (resolved, user_left, timeout, agent_closed) = (
        take("resolved"),
        take("user_left"),
        take("timeout"),
        take("agent_closed"),
    );
    DeflectedByEnding {
        resolved,
        user_left,
        timeout,
        agent_closed,
    }
}

/// Ratings whose squares put a standard deviation of about 1 around their mean.
fn rating(rated: i64, sum: i64) -> RatingAggregates {
    RatingAggregates {
        rated,
        sum,
        sum_squares: if rated > 0 {
            sum * sum / rated + rated - 1
        } else {
            0
        },
    }
}

/// The month's counts shared out over its channels by conversations (the largest channel
/// takes the rounding), and over three issue keys (the unclassified one last).
fn segments(c: &ConversationAggregates) -> SegmentAggregates {
    let whole = |n: i64, total: i64| SegmentCounts {
        conversations: n,
        ai_participated: c.ai_participated * n / total,
        handoffs: c.handoffs.total * n / total,
        returned_24h: c.returned_24h * n / total,
        deflected: c.deflected * n / total,
        handle_time_measured: c.handle_time.measured * n / total,
        handle_time_micros: c.handle_time.total_micros * Decimal::from(n) / Decimal::from(total),
        csat_ai_rated: c.csat_ai.rated * n / total,
        csat_ai_sum: c.csat_ai.sum * n / total,
        csat_human_rated: c.csat_human.rated * n / total,
        csat_human_sum: c.csat_human.sum * n / total,
        sentiment_scored: c.sentiment.scored * n / total,
        sentiment_sum: &c.sentiment.sum * BigDecimal::from(n) / BigDecimal::from(total),
        frt_p90_seconds: c.first_response.p90_seconds,
    };
    let channels: BTreeMap<String, SegmentCounts> = c
        .channels
        .iter()
        .map(|(name, &n)| (name.clone(), whole(n, c.total)))
        .collect();
    let unclassified = c.quality.unclassified;
    let billing = (c.total - unclassified) * 3 / 5;
    let issues = [
        (Some("billing"), billing),
        (Some("login"), c.total - unclassified - billing),
        (None, unclassified),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(key, n)| IssueAggregates {
        issue_key: key.map(String::from),
        counts: whole(n, c.total),
    })
    .collect();
    SegmentAggregates {
        channels,
        issues,
        other_channels: None,
    }
}

/// An ordinary month of the trend (before the two months the report compares).
fn ordinary(total: i64, shift: i64, frt: (f64, f64), llm: &'static str) -> Spec {
    let closed = total;
    let resolved = closed * 60 / 100;
    let left = closed * 20 / 100;
    let timeout = closed * 13 / 100;
    let agent = closed - resolved - left - timeout;
    Spec {
        total,
        ai: total * (93 + shift) / 100,
        open: 0,
        returned: total * (8 - shift) / 100,
        deflected: total * (48 + shift * 2) / 100,
        naive: total * (60 + shift) / 100,
        frustrated: total * 3 / 100,
        handoffs: (total * 20 / 100, total * 10 / 100, 0),
        frt,
        aht_seconds: 480 - shift * 15,
        csat_human: (total * 8 / 100, total * 8 / 100 * 45 / 10),
        sentiment: (total - 100, "0"),
        endings: [
            (
                "resolved",
                (resolved, resolved, resolved / 4, resolved / 4 * 43 / 10),
            ),
            ("user_left", (left, left, left / 5, left / 5 * 3)),
            ("timeout", (timeout, timeout, timeout / 5, timeout / 5 * 3)),
            ("agent_closed", (agent, agent, agent / 5, agent / 5 * 4)),
            ("unknown", (0, 0, 0, 0)),
        ],
        channels: vec![("web", total / 2), ("app", total - total / 2)],
        quality: ConversationQuality::default(),
        llm: (llm, "60.00", vec![("gpt-4o-mini", total * 12, llm)]),
        ledger: vec![("infra", "1900.00"), ("labor", "9600.00"), ("llm", llm)],
        kb: (400, 300 + shift * 10, 10),
        edits: (200, 90 + shift * 5),
    }
}

/// The six months of aggregates behind [`fixture_review`]: May–October 2026 in
/// Europe/Berlin, July without any data.
pub fn fixture_aggregates() -> Aggregates {
    let mut may = ordinary(3_200, 0, (1.6, 3.4), "1400.00");
    may.sentiment.1 = "928.00";
    let mut june = ordinary(3_300, 1, (1.5, 3.3), "1500.00");
    june.sentiment.1 = "910.00";
    let mut august = ordinary(3_500, 2, (1.5, 3.1), "1550.00");
    august.sentiment.1 = "884.00";
    let september = Spec {
        total: 3_800,
        ai: 3_610, // exactly 95%: missed, the target is strict
        open: 0,
        returned: 342,
        deflected: 2_014,
        naive: 2_500,
        frustrated: 150,
        handoffs: (680, 384, 0),
        frt: (1.5, 3.2),
        aht_seconds: 450,
        csat_human: (280, 1_260),
        sentiment: (3_700, "925.00"),
        endings: [
            ("resolved", (2_300, 2_260, 560, 2_450)),
            ("user_left", (760, 720, 150, 490)),
            ("timeout", (500, 480, 100, 330)),
            ("agent_closed", (240, 240, 40, 147)),
            ("unknown", (0, 0, 0, 0)),
        ],
        channels: vec![("web", 2_000), ("app", 1_200), ("email", 600)],
        quality: ConversationQuality::default(),
        llm: (
            "1650.00",
            "80.00",
            vec![
                ("gpt-4o-mini", 38_000, "600.00"),
                ("claude-3.5-sonnet", 10_000, "1050.00"),
            ],
        ),
        ledger: vec![
            ("infra", "2050.00"),
            ("labor", "9800.00"),
            ("llm", "1600.00"),
        ],
        kb: (480, 370, 8),
        edits: (220, 121),
    };
    let october = Spec {
        total: 4_000,
        ai: 3_880,
        open: 37,
        returned: 480, // 12%: misses "< 10%", so trap 1 fires
        deflected: 2_200,
        naive: 2_700,
        frustrated: 240,
        handoffs: (700, 380, 20),
        frt: (1.4, 3.6),
        aht_seconds: 432,
        csat_human: (300, 1_335),
        sentiment: (3_800, "1026.00"),
        endings: [
            ("resolved", (2_400, 2_340, 600, 2_640)),
            ("user_left", (800, 770, 150, 480)),
            ("timeout", (500, 480, 100, 330)),
            ("agent_closed", (240, 240, 40, 188)),
            ("unknown", (23, 20, 10, 52)),
        ],
        channels: vec![
            ("web", 2_100),
            ("app", 1_200),
            ("email", 500),
            (XSS_CHANNEL, 200),
        ],
        quality: ConversationQuality {
            unclassified: 320,
            negative_first_response: 4,
            first_response_missing: 150,
            ai_csat_out_of_range: 2,
            unknown_handoff_initiator: 20,
            ..ConversationQuality::default()
        },
        llm: (
            "1840.25",
            "96.40",
            vec![
                ("claude-3.5-sonnet", 12_000, "1220.15"),
                ("gpt-4o-mini", 40_000, "620.10"),
            ],
        ),
        // No `llm` line (trap 3 fires) and no `labor` line yet (cost is provisional).
        ledger: vec![("infra", "2100.00"), (SPECIAL_CATEGORY, "1795.50")],
        kb: (500, 410, 12),
        edits: (0, 0), // no edited replies: the feedback loop rate has no data
    };
    Aggregates {
        format_version: AGGREGATES_FORMAT_VERSION,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "postgres://aikpi:***@db.internal:5432/support".into(),
            schema: "public".into(),
            note: None,
        },
        time_zone: "Europe/Berlin".into(),
        read_at: at("2026-11-02T07:55:00Z"),
        frustrated_sentiment_min: dec("0.5"),
        months: vec![
            month(2026, 5, Some(may)),
            month(2026, 6, Some(june)),
            month(2026, 7, None),
            month(2026, 8, Some(august)),
            month(2026, 9, Some(september)),
            month(2026, 10, Some(october)),
        ],
        absent_relations: Vec::new(),
    }
}

/// The fixed review every rendering test renders.
pub fn fixture_review() -> Review {
    review(
        &fixture_aggregates(),
        &ReviewSettings::default(),
        &ReviewContext {
            generated_at: at("2026-11-02T08:00:00Z"),
            sample: false,
            language: "en".to_string(),
        },
    )
    .expect("the fixture reviews")
}

/// The fixture, marked as the shipped sample.
pub fn fixture_sample_review() -> Review {
    let mut r = fixture_review();
    r.sample = true;
    r
}

// --- SPEC §6 (issue 10): the fixture with every §6 field filled by hand, so the
// renderers can be tested before (and independently of) the review's computation.

/// An issue key of the fixture's top issues with Markdown and HTML specials.
pub const SPECIAL_ISSUE: &str = "refund_<b>_*x*";

/// The fixture with a significant deflection move, a within-noise handoff move, channel
/// and top-issue segments (10 issues, the last unclassified), drivers, workload figures
/// and two events in the trend window (one outside it).
pub fn fixture_drilldown_review() -> Review {
    use aikpi::review::metrics::MetricId;
    use aikpi::review::{
        Annotation, ChannelDriver, ChannelSegment, Driver, Figure, Interval, IssueSegment, Savings,
        SegmentMetric, Significance, SEGMENT_METRICS,
    };
    let mut r = fixture_review();
    for (id, significance, interval) in [
        (
            MetricId::DeflectionRate,
            Significance::Significant,
            Some((0.535, 0.565)),
        ),
        (
            MetricId::HandoffRate,
            Significance::WithinNoise,
            Some((0.261, 0.289)),
        ),
        (
            MetricId::CsatAi,
            Significance::WithinNoise,
            Some((4.1, 4.3)),
        ),
    ] {
        let m = r.metrics.get_mut(&id).expect("metric");
        m.significance = significance;
        m.interval = interval.map(|(low, high)| Interval {
            low,
            high,
            level: 0.95,
        });
        m.sample_size = Some(4_000);
    }
    let metrics = |base: f64| -> BTreeMap<MetricId, SegmentMetric> {
        SEGMENT_METRICS
            .iter()
            .map(|&id| {
                let (value, previous) = match id.unit() {
                    aikpi::review::metrics::Unit::Ratio => (base, base - 0.02),
                    aikpi::review::metrics::Unit::Seconds => (300.0 * base, 320.0 * base),
                    _ => (4.0 + base / 10.0, 4.1),
                };
                (
                    id,
                    SegmentMetric {
                        value: Some(value),
                        previous: Some(previous),
                    },
                )
            })
            .collect()
    };
    r.segments.channels = [
        ("web", 2_100, 0.525, 0.65),
        ("app", 1_200, 0.3, 0.6),
        ("email", 500, 0.125, 0.4),
        (XSS_CHANNEL, 200, 0.05, 0.3),
    ]
    .into_iter()
    .map(|(channel, conversations, share, base)| ChannelSegment {
        channel: Some(channel.to_string()),
        other_channels: None,
        conversations,
        share,
        metrics: metrics(base),
    })
    .collect();
    let mut issues: Vec<IssueSegment> = [
        "billing",
        "login",
        "shipping",
        SPECIAL_ISSUE,
        "returns",
        "account",
        "password",
        "invoice",
        "delivery",
    ]
    .iter()
    .enumerate()
    .map(|(i, key)| IssueSegment {
        issue_key: Some((*key).to_string()),
        conversations: 600 - 50 * i as i64,
        share: (600 - 50 * i) as f64 / 4_000.0,
        metrics: metrics(0.5 + i as f64 / 100.0),
    })
    .collect();
    let mut unclassified = IssueSegment {
        issue_key: None,
        conversations: 120,
        share: 0.03,
        metrics: metrics(0.4),
    };
    unclassified
        .metrics
        .get_mut(&MetricId::DeflectionRate)
        .expect("deflection")
        .previous = None;
    issues.push(unclassified);
    r.segments.top_issues = issues;
    // Only deflection and handoff are split here: the other two have no split.
    r.drivers.insert(MetricId::AiTouchRate, None);
    r.drivers.insert(MetricId::ReturnRate24h, None);
    r.drivers.insert(
        MetricId::DeflectionRate,
        Some(Driver {
            delta_abs: 0.017,
            mix: 0.012,
            rate: 0.005,
            by_channel: vec![
                ChannelDriver {
                    channel: Some("web".into()),
                    mix: 0.009,
                    rate: 0.004,
                },
                ChannelDriver {
                    channel: Some("app".into()),
                    mix: 0.004,
                    rate: 0.002,
                },
                ChannelDriver {
                    channel: Some("email".into()),
                    mix: -0.001,
                    rate: -0.001,
                },
            ],
        }),
    );
    r.drivers.insert(
        MetricId::HandoffRate,
        Some(Driver {
            delta_abs: -0.004,
            mix: -0.001,
            rate: -0.003,
            by_channel: vec![ChannelDriver {
                channel: Some("app".into()),
                mix: -0.001,
                rate: -0.003,
            }],
        }),
    );
    let figure = |value: f64, previous: f64| Figure {
        value: Some(value),
        previous: Some(previous),
        delta_abs: Some(value - previous),
        delta_rel: Some((value - previous) / previous),
    };
    r.workload.human_handled = figure(1_650.0, 1_800.0);
    r.workload.ai_resolutions = figure(2_480.0, 2_300.0);
    r.workload.labor_cost = figure(33_000.0, 35_100.0);
    r.workload.cost_per_ai_resolution = figure(1.25, 1.3);
    r.workload.labor_cost_per_human_handled = figure(20.0, 19.5);
    r.workload.labor_cost_avoided_estimate = figure(46_500.0, 41_860.0);
    r.workload.provisional = true;
    r.workload.savings = Savings::Saved;
    r.annotations = vec![
        Annotation {
            date: "2026-08-15".parse().expect("date"),
            label: "Switched to the new model".into(),
            in_trend: true,
        },
        Annotation {
            date: "2026-10-01".parse().expect("date"),
            label: "KB release <v2> *bold*".into(),
            in_trend: true,
        },
        Annotation {
            date: "2025-01-10".parse().expect("date"),
            label: "Launch".into(),
            in_trend: false,
        },
    ];
    r
}

/// A month of 20 conversations whose every metric is comfortably on target (the review
/// rules' and the email tests' base month).
pub fn healthy_month(label: &str) -> MonthAggregates {
    let m: Month = label.parse().unwrap();
    let (start, end) = m.bounds(chrono_tz::UTC);
    let mut a = MonthAggregates::empty(m, start, end);
    let c = &mut a.conversations;
    c.total = 20;
    c.ai_participated = 20;
    c.closed = 20;
    c.deflected = 12;
    c.naive_deflected = 14;
    c.returned_24h = 1;
    c.handoffs.total = 5;
    c.handoffs.by_ai = 3;
    c.handoffs.by_user = 2;
    c.first_response.measured = 20;
    c.first_response.p50_seconds = Some(1.2);
    c.first_response.p90_seconds = Some(2.5);
    c.handle_time.measured = 20;
    c.handle_time.total_micros = dec("6000000000");
    c.csat_ai.rated = 10;
    c.csat_ai.sum = 45;
    c.csat_human.rated = 4;
    c.csat_human.sum = 19;
    c.sentiment.scored = 20;
    c.sentiment.sum = big("4.0");
    c.closed_rating_prompted = 20;
    c.endings.insert("resolved".into(), ending(15, 15, 8, 38));
    c.endings.insert("user_left".into(), ending(5, 5, 2, 7));
    c.channels.insert("web".into(), 20);
    a.llm_usage.calls = 60;
    a.llm_usage.cost = big("10.00");
    a.ledger = vec![
        LedgerLine {
            category: "infra".into(),
            amount: big("20.00"),
        },
        LedgerLine {
            category: "labor".into(),
            amount: big("70.00"),
        },
        LedgerLine {
            category: "llm".into(),
            amount: big("10.00"),
        },
    ];
    a.kb_evals.evaluated = 10;
    a.kb_evals.top1_hits = 9;
    a.reply_edits.edited = 4;
    a.reply_edits.fed_back = 3;
    a
}

/// The conversations of one ending: closed, prompted for a rating, rated, sum of ratings.
fn ending(closed: i64, prompted: i64, rated: i64, sum: i64) -> EndingAggregates {
    EndingAggregates {
        closed,
        rating_prompted: prompted,
        ai_rated: rated,
        ai_rating_sum: sum,
    }
}

/// Text with the HTML entities aikpi and browsers write decoded (`&amp;` last, so an
/// escaped entity stays one).
pub fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The chunks of `xml` from each `open` tag (`<w:p>` or `<w:p ...>`) to its `close`.
pub fn xml_elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = find_open(rest, tag) {
        let from = &rest[start..];
        let tag_end = from.find('>').map_or(from.len(), |e| e + 1);
        let end = if from[..tag_end].ends_with("/>") {
            tag_end // self-closing: `<Relationship ... />`
        } else {
            from.find(&close).map_or(from.len(), |e| e + close.len())
        };
        out.push(&from[..end]);
        rest = &from[end..];
    }
    out
}

/// Index of the next `<tag>` or `<tag ` (not `<tagPr>` and the like).
fn find_open(xml: &str, tag: &str) -> Option<usize> {
    let open = format!("<{tag}");
    let mut offset = 0;
    while let Some(i) = xml[offset..].find(&open) {
        let at = offset + i;
        match xml.as_bytes().get(at + open.len()) {
            Some(b'>') | Some(b' ') | Some(b'/') => return Some(at),
            _ => offset = at + open.len(),
        }
    }
    None
}

/// The visible text of a Word XML chunk: the contents of its `<w:t>` elements, entities
/// decoded.
pub fn word_text(xml: &str) -> String {
    let runs: String = xml_elements(xml, "w:t")
        .iter()
        .map(|t| {
            let inner = &t[t.find('>').map_or(0, |i| i + 1)..];
            inner.trim_end_matches("</w:t>").to_string()
        })
        .collect();
    decode_entities(&runs)
}

/// The email's HTML and plain-text bodies as `report --email` renders them: `inline`
/// charts under their content ids, `attached` the file names the bodies list.
pub fn email_bodies(
    review: &Review,
    p: &Presentation,
    templates: &Templates,
    inline: &[InlineChart<'_>],
    attached: &[&str],
) -> (String, String) {
    let html = render_text(&EmailHtml { inline, attached }, review, p, &[], templates)
        .expect("email html");
    let text = render_text(&EmailText { attached }, review, p, &[], templates).expect("email text");
    (html, text)
}
