//! Exact aggregates from small hand-made data (SPEC §3). Every expected number is worked
//! out in the comments next to the rows that produce it.
//!
//! `#[sqlx::test]` reads DATABASE_URL at run time and gives each test a fresh database
//! with ./migrations applied; without a reachable PostgreSQL these tests fail (they never
//! skip).

use crate::common::dec;
use bigdecimal::BigDecimal;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

use aikpi::aggregates::{Aggregates, MonthAggregates, SourceInfo};
use aikpi::period::Month;
use aikpi::source::postgres::{read_aggregates, AggregatesRequest};

fn ts(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn month(s: &str) -> Month {
    s.parse().unwrap()
}

/// Money and sentiment sums are exact at any size (`BigDecimal`).
fn big(s: &str) -> BigDecimal {
    s.parse().expect("a decimal")
}

/// A conversation row with unremarkable defaults: classified, web, AI-handled, first
/// reply 1 s after the first message, closed `resolved` 10 minutes after the start,
/// prompted, no ratings, no sentiment.
#[derive(Clone)]
struct Conv {
    id: String,
    user: String,
    issue: Option<String>,
    channel: String,
    started: DateTime<Utc>,
    first_message: Option<DateTime<Utc>>,
    first_reply: Option<DateTime<Utc>>,
    closed: Option<DateTime<Utc>>,
    reason: Option<String>,
    ai: bool,
    handoff_at: Option<DateTime<Utc>>,
    initiator: Option<String>,
    prompted: bool,
    ai_csat: Option<i16>,
    human_csat: Option<i16>,
    sentiment: Option<f32>,
}

fn conv(id: &str, user: &str, started: &str) -> Conv {
    let started = ts(started);
    Conv {
        id: id.into(),
        user: user.into(),
        issue: Some("billing.refund".into()),
        channel: "web".into(),
        started,
        first_message: Some(started),
        first_reply: Some(started + Duration::seconds(1)),
        closed: Some(started + Duration::minutes(10)),
        reason: Some("resolved".into()),
        ai: true,
        handoff_at: None,
        initiator: None,
        prompted: true,
        ai_csat: None,
        human_csat: None,
        sentiment: None,
    }
}

impl Conv {
    fn issue(mut self, issue: Option<&str>) -> Self {
        self.issue = issue.map(Into::into);
        self
    }
    fn closed(mut self, closed: Option<&str>) -> Self {
        self.closed = closed.map(ts);
        if closed.is_none() {
            self.reason = None;
        }
        self
    }
    fn reason(mut self, reason: Option<&str>) -> Self {
        self.reason = reason.map(Into::into);
        self
    }
    fn channel(mut self, channel: &str) -> Self {
        self.channel = channel.into();
        self
    }
    fn frt_micros(mut self, micros: Option<i64>) -> Self {
        self.first_reply =
            micros.and_then(|m| self.first_message.map(|f| f + Duration::microseconds(m)));
        self
    }
    fn handoff(mut self, initiator: Option<&str>) -> Self {
        self.handoff_at = Some(self.started + Duration::minutes(2));
        self.initiator = initiator.map(Into::into);
        self
    }
    fn human_only(mut self) -> Self {
        self.ai = false;
        self.first_reply = None;
        self.reason = Some("agent_closed".into());
        self
    }

    async fn insert(self, conn: &mut PgConnection) {
        sqlx::query(
            "INSERT INTO conversations (id, user_id, issue_key, channel, started_at, \
             first_user_message_at, first_ai_reply_at, closed_at, close_reason, ai_participated, \
             handoff_at, handoff_initiator, rating_prompted, ai_csat, human_csat, negative_sentiment) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)",
        )
        .bind(self.id)
        .bind(self.user)
        .bind(self.issue)
        .bind(self.channel)
        .bind(self.started)
        .bind(self.first_message)
        .bind(self.first_reply)
        .bind(self.closed)
        .bind(self.reason)
        .bind(self.ai)
        .bind(self.handoff_at)
        .bind(self.initiator)
        .bind(self.prompted)
        .bind(self.ai_csat)
        .bind(self.human_csat)
        .bind(self.sentiment)
        .execute(conn)
        .await
        .unwrap();
    }
}

async fn insert_all(pool: &PgPool, convs: Vec<Conv>) {
    let mut conn = pool.acquire().await.unwrap();
    for c in convs {
        c.insert(&mut conn).await;
    }
}

async fn read(pool: &PgPool, months: &[&str], tz: Tz) -> Aggregates {
    read_with(pool, months, tz, dec("0.5")).await
}

async fn read_with(pool: &PgPool, months: &[&str], tz: Tz, frustrated_min: Decimal) -> Aggregates {
    let req = AggregatesRequest {
        months: months.iter().map(|m| month(m)).collect(),
        tz,
        frustrated_sentiment_min: frustrated_min,
        max_channels: 20,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "test".into(),
            schema: "public".into(),
            note: None,
        },
        read_at: ts("2026-12-01T00:00:00Z"),
    };
    let mut conn = pool.acquire().await.unwrap();
    let aggregates = read_aggregates(&mut conn, &req).await.unwrap();
    aggregates.validate().unwrap();
    aggregates
}

fn only(aggregates: &Aggregates) -> &MonthAggregates {
    assert_eq!(aggregates.months.len(), 1);
    &aggregates.months[0]
}

#[sqlx::test]
async fn shanghai_months_follow_the_time_zone(pool: PgPool) {
    // Asia/Shanghai is UTC+8: October starts at 2026-09-30 16:00 UTC.
    insert_all(
        &pool,
        vec![
            conv("sep", "u1", "2026-09-30T15:59:59.999999Z"), // 23:59:59.999999 local, Sep
            conv("oct-a", "u2", "2026-09-30T16:00:00Z"),      // 00:00 local, Oct
            conv("oct-b", "u3", "2026-09-30T16:30:00Z"),      // 00:30 local, Oct
            conv("nov", "u4", "2026-10-31T16:00:00Z"),        // 00:00 local Nov 1: outside
        ],
    )
    .await;
    sqlx::query(
        "INSERT INTO llm_usage VALUES \
         (1, '2026-09-30T16:30:00Z', 'oct-b', 'm', 10, 5, 0.25), \
         (2, '2026-09-30T15:30:00Z', 'sep', 'm', 1, 1, 0.01)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO kb_evals VALUES (1, '2026-09-30T16:30:00Z', 'd1', 'd1')")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO reply_edits VALUES (1, 'oct-b', '2026-09-30T16:30:00Z', NULL)")
        .execute(&pool)
        .await
        .unwrap();

    let a = read(&pool, &["2026-09", "2026-10"], chrono_tz::Asia::Shanghai).await;
    assert_eq!(a.time_zone, "Asia/Shanghai");
    let (sep, oct) = (&a.months[0], &a.months[1]);
    assert_eq!(oct.starts_at, ts("2026-09-30T16:00:00Z"));
    assert_eq!(oct.ends_at, ts("2026-10-31T16:00:00Z"));
    assert_eq!(sep.ends_at, oct.starts_at);
    assert_eq!(sep.conversations.total, 1);
    assert_eq!(oct.conversations.total, 2);
    assert_eq!(oct.llm_usage.calls, 1);
    assert_eq!(oct.llm_usage.cost, big("0.25"));
    assert_eq!(sep.llm_usage.calls, 1);
    assert_eq!(oct.kb_evals.evaluated, 1);
    assert_eq!(sep.kb_evals.evaluated, 0);
    assert_eq!(oct.reply_edits.edited, 1);
}

#[sqlx::test]
async fn a_return_counts_up_to_exactly_24_hours_after_close(pool: PgPool) {
    insert_all(
        &pool,
        vec![
            // a: closed 10:10; back at 10:10 next day = close + 24 h exactly -> returned.
            conv("a1", "ua", "2026-10-05T10:00:00Z"),
            conv("a2", "ua", "2026-10-06T10:10:00Z"),
            // b: closed 10:10; back at close + 24 h + 1 µs -> not returned.
            conv("b1", "ub", "2026-10-05T10:00:00Z"),
            conv("b2", "ub", "2026-10-06T10:10:00.000001Z"),
            // c: closed 10:10; back at close + 24 h + 1 s -> not returned.
            conv("c1", "uc", "2026-10-05T10:00:00Z"),
            conv("c2", "uc", "2026-10-06T10:10:01Z"),
            // d: the same user about another issue an hour later -> not a return.
            conv("d1", "ud", "2026-10-05T10:00:00Z"),
            conv("d2", "ud", "2026-10-05T11:00:00Z").issue(Some("account.login")),
        ],
    )
    .await;
    let a = read(&pool, &["2026-10"], chrono_tz::UTC).await;
    let c = &only(&a).conversations;
    assert_eq!(c.total, 8);
    assert_eq!(c.returned_24h, 1); // a1
                                   // All 8 are AI-handled, closed, no handoff; a1 returned.
    assert_eq!(c.naive_deflected, 8);
    assert_eq!(c.deflected, 7);
}

#[sqlx::test]
async fn returns_cross_months_and_the_end_of_the_window(pool: PgPool) {
    insert_all(
        &pool,
        vec![
            // September conversation returned to on October 1st: counts for September.
            conv("s1", "us", "2026-09-30T23:00:00Z"), // closed 23:10
            conv("s2", "us", "2026-10-01T05:00:00Z"),
            // October 31st, returned to on November 1st (after the window, inside S).
            conv("o1", "uo", "2026-10-31T22:00:00Z"), // closed 22:10
            conv("o2", "uo", "2026-11-01T09:00:00Z"),
            // A long conversation: started Oct 31 20:00, closed Nov 3 08:00, so its window
            // runs to Nov 4 08:00. The return on Nov 3 20:00 is beyond S (which ends
            // Nov 2 00:00): found by the probe.
            conv("p1", "up", "2026-10-31T20:00:00Z").closed(Some("2026-11-03T08:00:00Z")),
            conv("p2", "up", "2026-11-03T20:00:00Z"),
            // The same, with NULL issue keys on both sides: the NULL probe finds it.
            conv("n1", "un", "2026-10-31T20:00:00Z")
                .issue(None)
                .closed(Some("2026-11-03T08:00:00Z")),
            conv("n2", "un", "2026-11-03T20:00:00Z").issue(None),
            // The same, but back 1 s after the window closed (Nov 4 08:00:01): no return.
            conv("q1", "uq", "2026-10-31T20:00:00Z").closed(Some("2026-11-03T08:00:00Z")),
            conv("q2", "uq", "2026-11-04T08:00:01Z"),
            // Back before the window (in S) after a late close, but too late for 24 h:
            // started Oct 31 20:00, closed Oct 31 23:00 -> window to Nov 1 23:00; back
            // Nov 1 23:00:01.
            conv("r1", "ur", "2026-10-31T20:00:00Z").closed(Some("2026-10-31T23:00:00Z")),
            conv("r2", "ur", "2026-11-01T23:00:01Z"),
        ],
    )
    .await;
    let a = read(&pool, &["2026-09", "2026-10"], chrono_tz::UTC).await;
    let (sep, oct) = (&a.months[0].conversations, &a.months[1].conversations);
    assert_eq!(sep.total, 1);
    assert_eq!(sep.returned_24h, 1); // s1
                                     // October: s2, o1, p1, n1, q1, r1 (the *2 of o, p, n, q, r are in November).
    assert_eq!(oct.total, 6);
    assert_eq!(oct.returned_24h, 3); // o1, p1, n1
}

#[sqlx::test]
async fn null_issue_keys_match_only_each_other(pool: PgPool) {
    insert_all(
        &pool,
        vec![
            // NULL then NULL: the same (unclassified) issue -> returned.
            conv("a1", "ua", "2026-10-05T10:00:00Z").issue(None),
            conv("a2", "ua", "2026-10-05T12:00:00Z").issue(None),
            // NULL then classified -> not returned.
            conv("b1", "ub", "2026-10-05T10:00:00Z").issue(None),
            conv("b2", "ub", "2026-10-05T12:00:00Z"),
            // classified then NULL -> not returned.
            conv("c1", "uc", "2026-10-05T10:00:00Z"),
            conv("c2", "uc", "2026-10-05T12:00:00Z").issue(None),
        ],
    )
    .await;
    let a = read(&pool, &["2026-10"], chrono_tz::UTC).await;
    let c = &only(&a).conversations;
    assert_eq!(c.returned_24h, 1);
    assert_eq!(c.quality.unclassified, 4); // a1, a2, b1, c2
}

#[sqlx::test]
async fn open_and_backwards_conversations_use_their_start(pool: PgPool) {
    insert_all(
        &pool,
        vec![
            // Open since Oct 10 10:00: window to Oct 11 10:00. Back at 09:00 -> returned.
            conv("o1", "uo", "2026-10-10T10:00:00Z").closed(None),
            conv("o2", "uo", "2026-10-11T09:00:00Z"),
            // Open since Oct 10 10:00, back 25 h later -> not returned.
            conv("p1", "up", "2026-10-10T10:00:00Z").closed(None),
            conv("p2", "up", "2026-10-11T11:00:00Z"),
            // Closed an hour *before* it started: window from the start (to Oct 11 10:00).
            // Back at Oct 11 09:59 -> returned; excluded from AHT; a quality issue.
            conv("b1", "ub", "2026-10-10T10:00:00Z").closed(Some("2026-10-10T09:00:00Z")),
            conv("b2", "ub", "2026-10-11T09:59:00Z"),
        ],
    )
    .await;
    let a = read(&pool, &["2026-10"], chrono_tz::UTC).await;
    let c = &only(&a).conversations;
    assert_eq!(c.total, 6);
    assert_eq!(c.open, 2);
    assert_eq!(c.closed, 4);
    assert_eq!(c.returned_24h, 2); // o1, b1
                                   // Deflected: AI, no handoff, closed, not returned: o2, p2, b2 (o1/p1 are open, b1
                                   // returned).
    assert_eq!(c.deflected, 3);
    assert_eq!(c.naive_deflected, 6);
    // AHT over o2, p2, b2: 10 minutes each.
    assert_eq!(c.handle_time.measured, 3);
    assert_eq!(
        c.handle_time.total_micros,
        Decimal::from(3 * 600_000_000_i64)
    );
    assert_eq!(c.quality.closed_before_start, 1);
    // Open conversations have no ending; the closed ones are `resolved`.
    assert_eq!(c.endings.get("resolved").map(|e| e.closed), Some(4));
    assert_eq!(c.endings.len(), 1);
}

#[sqlx::test]
async fn conversations_starting_at_the_same_instant_are_not_returns(pool: PgPool) {
    insert_all(
        &pool,
        vec![
            conv("a1", "ua", "2026-10-05T10:00:00Z"),
            conv("a2", "ua", "2026-10-05T10:00:00Z"),
            // A third one later the same day is a return of both.
            conv("b1", "ub", "2026-10-05T10:00:00Z"),
            conv("b2", "ub", "2026-10-05T10:00:00Z"),
            conv("b3", "ub", "2026-10-05T10:00:00.000001Z"),
        ],
    )
    .await;
    let a = read(&pool, &["2026-10"], chrono_tz::UTC).await;
    assert_eq!(only(&a).conversations.returned_24h, 2); // b1, b2
}

#[sqlx::test]
async fn first_response_percentiles_are_exact_to_the_microsecond(pool: PgPool) {
    insert_all(
        &pool,
        vec![
            conv("a", "u1", "2026-10-05T10:00:00Z").frt_micros(Some(1_000_001)),
            conv("b", "u2", "2026-10-05T10:00:00Z").frt_micros(Some(2_000_002)),
            conv("c", "u3", "2026-10-05T10:00:00Z").frt_micros(Some(3_000_003)),
            conv("d", "u4", "2026-10-05T10:00:00Z").frt_micros(Some(4_000_004)),
            // Negative: excluded, counted.
            conv("e", "u5", "2026-10-05T10:00:00Z").frt_micros(Some(-1_000_000)),
            // The AI never replied: not measured.
            conv("f", "u6", "2026-10-05T10:00:00Z").frt_micros(None),
            // Zero is a valid measurement... in another month, so it does not disturb.
            conv("g", "u7", "2026-09-05T10:00:00Z").frt_micros(Some(0)),
        ],
    )
    .await;
    let a = read(&pool, &["2026-09", "2026-10"], chrono_tz::UTC).await;
    let sep = &a.months[0].conversations.first_response;
    assert_eq!(sep.measured, 1);
    assert_eq!(sep.p50_seconds, Some(0.0));
    let oct = &a.months[1].conversations;
    let frt = &oct.first_response;
    assert_eq!(frt.measured, 4);
    // p50 = (2.000002 + 3.000003) / 2 = 2.5000025
    // p90: position 0.9 × 3 = 2.7 -> 3.000003 + 0.7 × (4.000004 − 3.000003) = 3.7000037
    let p50 = frt.p50_seconds.unwrap();
    let p90 = frt.p90_seconds.unwrap();
    assert!((p50 - 2.500_002_5).abs() < 1e-9, "{p50}");
    assert!((p90 - 3.700_003_7).abs() < 1e-9, "{p90}");
    assert_eq!(oct.quality.negative_first_response, 1);
    assert_eq!(oct.quality.first_response_missing, 1);
}

#[sqlx::test]
async fn whole_second_percentiles(pool: PgPool) {
    let convs = (1..=4)
        .map(|s| {
            conv(&format!("c{s}"), &format!("u{s}"), "2026-10-05T10:00:00Z")
                .frt_micros(Some(s * 1_000_000))
        })
        .collect();
    insert_all(&pool, convs).await;
    let a = read(&pool, &["2026-10"], chrono_tz::UTC).await;
    let frt = &only(&a).conversations.first_response;
    assert!((frt.p50_seconds.unwrap() - 2.5).abs() < 1e-12);
    assert!((frt.p90_seconds.unwrap() - 3.7).abs() < 1e-12);
}

#[sqlx::test]
async fn out_of_contract_values_are_counted_and_left_out(pool: PgPool) {
    let base = |id: &str, user: &str| conv(id, user, "2026-10-05T10:00:00Z");
    let mut rows = vec![
        // Valid ratings and sentiment.
        Conv {
            ai_csat: Some(4),
            human_csat: Some(5),
            sentiment: Some(0.25),
            ..base("ok1", "u1")
        },
        Conv {
            ai_csat: Some(2),
            sentiment: Some(0.75),
            ..base("ok2", "u2")
        },
        // Out of range: ai_csat 7, human_csat 0, sentiment 1.4 and -0.1.
        Conv {
            ai_csat: Some(7),
            human_csat: Some(0),
            sentiment: Some(1.4),
            ..base("bad1", "u3")
        },
        Conv {
            sentiment: Some(-0.1),
            ..base("bad2", "u4")
        },
        // Unknown close_reason: closed, in no ending.
        base("bad3", "u5").reason(Some("escalated")),
        // Unknown handoff initiator, and a NULL one: handoffs, but neither ai nor user.
        base("bad4", "u6").handoff(Some("bot")),
        base("bad5", "u7").handoff(None),
        // Initiator without a handoff; close_reason while open.
        Conv {
            initiator: Some("ai".into()),
            ..base("bad6", "u8")
        },
        base("bad7", "u9").closed(None).reason(Some("resolved")),
    ];
    rows.push(base("ai", "u10").handoff(Some("ai")));
    rows.push(base("user", "u11").handoff(Some("user")));
    insert_all(&pool, rows).await;

    let a = read(&pool, &["2026-10"], chrono_tz::UTC).await;
    let c = &only(&a).conversations;
    assert_eq!(c.total, 11);
    assert_eq!(c.csat_ai.rated, 2);
    assert_eq!(c.csat_ai.sum, 6);
    assert_eq!(c.csat_human.rated, 1);
    assert_eq!(c.csat_human.sum, 5);
    assert_eq!(c.sentiment.scored, 2);
    assert_eq!(c.sentiment.sum, big("1.00"));
    let q = &c.quality;
    assert_eq!(q.ai_csat_out_of_range, 1);
    assert_eq!(q.human_csat_out_of_range, 1);
    assert_eq!(q.sentiment_out_of_range, 2);
    assert_eq!(q.unknown_close_reason, 1);
    assert_eq!(q.unknown_handoff_initiator, 2);
    assert_eq!(q.initiator_without_handoff, 1);
    assert_eq!(q.close_reason_while_open, 1);
    assert_eq!(c.handoffs.total, 4);
    assert_eq!(c.handoffs.by_ai, 1);
    assert_eq!(c.handoffs.by_user, 1);
    assert_eq!(c.handoffs.unknown_initiator, 2);
    // Closed: all but bad7 = 10; endings: 9 resolved, `escalated` in none.
    assert_eq!(c.closed, 10);
    assert_eq!(c.endings.get("resolved").map(|e| e.closed), Some(9));
    assert_eq!(c.endings.values().map(|e| e.closed).sum::<i64>(), 9);
    // The ending's ratings are the valid ones only (4 and 2; the 7 is left out).
    let resolved = &c.endings["resolved"];
    assert_eq!((resolved.ai_rated, resolved.ai_rating_sum), (2, 6));
}

#[sqlx::test]
async fn frustrated_exits_start_at_exactly_the_threshold(pool: PgPool) {
    let base = |id: &str, user: &str| conv(id, user, "2026-10-05T10:00:00Z");
    insert_all(
        &pool,
        vec![
            // user_left at exactly 0.5 (a float4): frustrated.
            Conv {
                sentiment: Some(0.5),
                ..base("a", "u1").reason(Some("user_left"))
            },
            // timeout at 0.499: not.
            Conv {
                sentiment: Some(0.499),
                ..base("b", "u2").reason(Some("timeout"))
            },
            // timeout at 0.9: frustrated.
            Conv {
                sentiment: Some(0.9),
                ..base("c", "u3").reason(Some("timeout"))
            },
            // resolved at 0.9: not a give-up exit.
            Conv {
                sentiment: Some(0.9),
                ..base("d", "u4")
            },
            // user_left at 1.4: out of contract, never matches.
            Conv {
                sentiment: Some(1.4),
                ..base("e", "u5").reason(Some("user_left"))
            },
            // user_left at 0.8 after a handoff: not deflected.
            Conv {
                sentiment: Some(0.8),
                ..base("g", "u7")
                    .reason(Some("user_left"))
                    .handoff(Some("ai"))
            },
            // user_left with no sentiment: never matches.
            base("h", "u8").reason(Some("user_left")),
        ],
    )
    .await;
    let a = read(&pool, &["2026-10"], chrono_tz::UTC).await;
    let c = &only(&a).conversations;
    assert_eq!(c.deflected, 6); // all but g (handed off)
    assert_eq!(c.deflected_frustrated_exits, 2); // a, c
    assert_eq!(a.frustrated_sentiment_min, dec("0.5"));
}

#[sqlx::test]
async fn a_threshold_that_is_not_a_binary_fraction_still_matches_exactly(pool: PgPool) {
    let base =
        |id: &str, user: &str| conv(id, user, "2026-10-05T10:00:00Z").reason(Some("timeout"));
    insert_all(
        &pool,
        vec![
            // real 0.3 is 0.30000001192... as a double; it must still equal 0.3.
            Conv {
                sentiment: Some(0.3),
                ..base("a", "u1")
            },
            Conv {
                sentiment: Some(0.299),
                ..base("b", "u2")
            },
        ],
    )
    .await;
    let a = read_with(&pool, &["2026-10"], chrono_tz::UTC, dec("0.3")).await;
    assert_eq!(only(&a).conversations.deflected_frustrated_exits, 1);
    assert_eq!(a.frustrated_sentiment_min, dec("0.3"));
}

#[sqlx::test]
async fn a_returned_give_up_exit_is_not_a_frustrated_deflection(pool: PgPool) {
    let base = |id: &str, user: &str, at: &str| conv(id, user, at);
    insert_all(
        &pool,
        vec![
            Conv {
                sentiment: Some(0.8),
                ..base("f", "u6", "2026-10-05T10:00:00Z").reason(Some("user_left"))
            },
            base("f2", "u6", "2026-10-05T12:00:00Z"),
        ],
    )
    .await;
    let a = read(&pool, &["2026-10"], chrono_tz::UTC).await;
    let c = &only(&a).conversations;
    assert_eq!(c.returned_24h, 1);
    assert_eq!(c.deflected, 1); // f2
    assert_eq!(c.deflected_frustrated_exits, 0);
}

#[sqlx::test]
async fn handoffs_endings_prompts_and_channels(pool: PgPool) {
    let base = |id: &str, user: &str| conv(id, user, "2026-10-05T10:00:00Z");
    insert_all(
        &pool,
        vec![
            Conv {
                ai_csat: Some(5),
                ..base("r1", "u1")
            },
            Conv {
                ai_csat: Some(4),
                ..base("r2", "u2").channel("app")
            },
            Conv {
                prompted: false,
                ..base("l1", "u3").reason(Some("user_left")).channel("app")
            },
            Conv {
                ai_csat: Some(1),
                ..base("t1", "u4").reason(Some("timeout")).channel("email")
            },
            base("h1", "u5")
                .handoff(Some("ai"))
                .reason(Some("agent_closed"))
                .channel("whatsapp"),
            Conv {
                prompted: false,
                ..base("n1", "u6").reason(None)
            },
            Conv {
                human_csat: Some(5),
                ..base("x1", "u7").human_only()
            },
            // Open: prompted flag is irrelevant to coverage (only closed ones count).
            Conv {
                prompted: false,
                ..base("o1", "u8").closed(None)
            },
        ],
    )
    .await;
    let a = read(&pool, &["2026-10"], chrono_tz::UTC).await;
    let c = &only(&a).conversations;
    assert_eq!(c.total, 8);
    assert_eq!(c.ai_participated, 7);
    assert_eq!(c.closed, 7);
    assert_eq!(c.closed_rating_prompted, 5); // r1 r2 t1 h1 x1
    assert_eq!(c.handoffs.total, 1);
    assert_eq!(c.handoffs.by_ai, 1);
    // naive: AI and no handoff = r1 r2 l1 t1 n1 o1; deflected also closed = 5.
    assert_eq!(c.naive_deflected, 6);
    assert_eq!(c.deflected, 5);
    let e = |k: &str| c.endings.get(k).cloned().unwrap_or_default();
    assert_eq!(
        (e("resolved").closed, e("resolved").rating_prompted),
        (2, 2)
    );
    assert_eq!(
        (e("resolved").ai_rated, e("resolved").ai_rating_sum),
        (2, 9)
    );
    assert_eq!(
        (e("user_left").closed, e("user_left").rating_prompted),
        (1, 0)
    );
    assert_eq!((e("timeout").ai_rated, e("timeout").ai_rating_sum), (1, 1));
    assert_eq!(e("agent_closed").closed, 2); // h1, x1
    assert_eq!((e("unknown").closed, e("unknown").rating_prompted), (1, 0));
    assert_eq!(c.csat_human.rated, 1);
    let channels: Vec<(&str, i64)> = c.channels.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        channels,
        [("app", 2), ("email", 1), ("web", 4), ("whatsapp", 1)]
    );
}

#[sqlx::test]
async fn llm_usage_ledger_kb_and_edits(pool: PgPool) {
    sqlx::query(
        "INSERT INTO llm_usage VALUES \
         (1, '2026-10-02T10:00:00Z', 'c1', 'zeta', 1000, 100, 0.012345678), \
         (2, '2026-10-03T10:00:00Z', 'c1', 'alpha', 2000, 200, 0.5), \
         (3, '2026-10-04T10:00:00Z', NULL, 'alpha', 5000, 0, 0.1), \
         (4, '2026-09-30T23:59:59.999999Z', 'c0', 'alpha', 1, 1, 9), \
         (5, '2026-11-01T00:00:00Z', 'c9', 'alpha', 1, 1, 9)",
    )
    .execute(&pool)
    .await
    .unwrap();
    // September: booked, no `llm` line. October: nothing booked. November: outside.
    sqlx::query(
        "INSERT INTO cost_ledger VALUES \
         ('2026-09-01', 'labor', 1000.50), ('2026-09-01', 'cloud_services', 20), \
         ('2026-09-01', 'infra', 300), ('2026-11-01', 'infra', 1)",
    )
    .execute(&pool)
    .await
    .unwrap();
    // KB evals only in October: a hit, a wrong document, nothing retrieved.
    sqlx::query(
        "INSERT INTO kb_evals VALUES \
         (1, '2026-10-02T00:00:00Z', 'd1', 'd1'), (2, '2026-10-02T00:00:00Z', 'd2', 'd3'), \
         (3, '2026-10-02T00:00:00Z', 'd4', NULL)",
    )
    .execute(&pool)
    .await
    .unwrap();
    // Edits: two in October, one fed back (in November: any time counts), one in September.
    sqlx::query(
        "INSERT INTO reply_edits VALUES \
         (1, 'c1', '2026-10-02T00:00:00Z', '2026-11-20T00:00:00Z'), \
         (2, 'c2', '2026-10-03T00:00:00Z', NULL), \
         (3, NULL, '2026-09-03T00:00:00Z', '2026-09-04T00:00:00Z')",
    )
    .execute(&pool)
    .await
    .unwrap();

    let a = read(&pool, &["2026-09", "2026-10"], chrono_tz::UTC).await;
    let (sep, oct) = (&a.months[0], &a.months[1]);

    let u = &oct.llm_usage;
    assert_eq!(u.calls, 3);
    assert_eq!(u.prompt_tokens, BigDecimal::from(8000));
    assert_eq!(u.completion_tokens, BigDecimal::from(300));
    assert_eq!(u.cost, big("0.612345678"));
    assert_eq!(u.background_cost, big("0.1"));
    let models: Vec<(&str, i64, BigDecimal)> = u
        .by_model
        .iter()
        .map(|m| (m.model.as_str(), m.calls, m.cost.clone()))
        .collect();
    assert_eq!(
        models,
        [("alpha", 2, big("0.6")), ("zeta", 1, big("0.012345678"))]
    );
    assert_eq!(sep.llm_usage.calls, 1);
    assert_eq!(sep.llm_usage.cost, BigDecimal::from(9));

    let ledger: Vec<(&str, BigDecimal)> = sep
        .ledger
        .iter()
        .map(|l| (l.category.as_str(), l.amount.clone()))
        .collect();
    assert_eq!(
        ledger,
        [
            ("cloud_services", big("20")),
            ("infra", big("300")),
            ("labor", big("1000.50"))
        ]
    );
    assert_eq!(sep.ledger_amount("llm"), None);
    assert!(oct.ledger.is_empty());

    assert_eq!(sep.kb_evals.evaluated, 0);
    assert_eq!(oct.kb_evals.evaluated, 3);
    assert_eq!(oct.kb_evals.top1_hits, 1);
    assert_eq!(oct.kb_evals.nothing_retrieved, 1);

    assert_eq!((oct.reply_edits.edited, oct.reply_edits.fed_back), (2, 1));
    assert_eq!((sep.reply_edits.edited, sep.reply_edits.fed_back), (1, 1));
}

#[sqlx::test]
async fn months_without_rows_are_present_and_empty(pool: PgPool) {
    insert_all(&pool, vec![conv("a", "u1", "2026-10-05T10:00:00Z")]).await;
    let a = read(&pool, &["2026-08", "2026-09", "2026-10"], chrono_tz::UTC).await;
    assert_eq!(a.months.len(), 3);
    let aug = &a.months[0];
    assert_eq!(aug.month, month("2026-08"));
    assert_eq!(aug.starts_at, ts("2026-08-01T00:00:00Z"));
    assert_eq!(aug.conversations, Default::default());
    assert_eq!(aug.conversations.first_response.p50_seconds, None);
    assert_eq!(aug.llm_usage, Default::default());
    assert!(aug.ledger.is_empty());
    assert_eq!(a.months[2].conversations.total, 1);
    assert_eq!(
        a.months[2].conversations.first_response.p50_seconds,
        Some(1.0)
    );
}

#[sqlx::test]
async fn refuses_months_that_are_not_consecutive(pool: PgPool) {
    let req = AggregatesRequest {
        months: vec![month("2026-08"), month("2026-10")],
        tz: chrono_tz::UTC,
        frustrated_sentiment_min: dec("0.5"),
        max_channels: 20,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "test".into(),
            schema: "public".into(),
            note: None,
        },
        read_at: ts("2026-12-01T00:00:00Z"),
    };
    let mut conn = pool.acquire().await.unwrap();
    let err = read_aggregates(&mut conn, &req)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("consecutive"), "{err}");
}

/// The one-pass formulation agrees with the literal definition of returned(c) on messy
/// data: few users and issues (many candidate returns), coarse timestamps (ties, returns at
/// exactly 24 h), NULL issue keys, open conversations, closes before the start and long
/// conversations that reach past the window.
#[sqlx::test]
async fn returns_match_the_literal_definition_on_messy_data(pool: PgPool) {
    exec_sql(
        &pool,
        "INSERT INTO conversations (id, user_id, issue_key, channel, started_at, closed_at,
            close_reason, ai_participated, rating_prompted)
         SELECT 'r' || g,
                'u' || (hashint(g, 1) % 40),
                CASE WHEN hashint(g, 2) % 4 = 0 THEN NULL ELSE 'k' || (hashint(g, 3) % 3) END,
                'web',
                start,
                CASE hashint(g, 4) % 6
                    WHEN 0 THEN NULL                                        -- open
                    WHEN 1 THEN start - interval '2 hours'                  -- closed before start
                    WHEN 2 THEN start + (hashint(g, 5) % 96) * interval '1 hour' -- long
                    ELSE start + (hashint(g, 5) % 4) * interval '30 minutes'
                END,
                NULL, true, true
         FROM (SELECT g, timestamptz '2026-08-25 00:00Z'
                        + (hashint(g, 6) % (80 * 48)) * interval '30 minutes' AS start
               FROM generate_series(1, 3000) g) s",
    )
    .await;
    let a = read(&pool, &["2026-09", "2026-10"], chrono_tz::UTC).await;
    for m in &a.months {
        let literal: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM conversations c
             WHERE c.started_at >= $1 AND c.started_at < $2
               AND EXISTS (SELECT 1 FROM conversations d
                           WHERE d.user_id = c.user_id
                             AND d.issue_key IS NOT DISTINCT FROM c.issue_key
                             AND d.started_at > c.started_at
                             AND d.started_at <= GREATEST(c.closed_at, c.started_at) + interval '24 hours')",
        )
        .bind(m.starts_at)
        .bind(m.ends_at)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(literal > 100, "the data should exercise returns: {literal}");
        assert_eq!(m.conversations.returned_24h, literal, "{}", m.month);
    }
}

/// The return check's two row orders (conversations_returns.sql): the pair itself (the
/// whole window, in index order) and a hash of the pair (later months only, sorted). A
/// constant hash puts every pair in one partition, so the next row is almost always
/// another pair's and the exact probes must decide: all three agree, on the whole window
/// and on its last month alone.
#[sqlx::test]
async fn returns_are_the_same_whatever_the_pairs_hash(pool: PgPool) {
    exec_sql(
        &pool,
        "INSERT INTO conversations (id, user_id, issue_key, channel, started_at, closed_at,
            close_reason, ai_participated, rating_prompted, negative_sentiment)
         SELECT 'r' || g,
                'u' || (hashint(g, 1) % 40),
                CASE WHEN hashint(g, 2) % 4 = 0 THEN NULL ELSE 'k' || (hashint(g, 3) % 3) END,
                CASE WHEN hashint(g, 7) % 2 = 0 THEN 'web' ELSE 'app' END,
                start,
                CASE hashint(g, 4) % 6
                    WHEN 0 THEN NULL
                    WHEN 1 THEN start - interval '2 hours'
                    WHEN 2 THEN start + (hashint(g, 5) % 96) * interval '1 hour'
                    ELSE start + (hashint(g, 5) % 4) * interval '30 minutes'
                END,
                CASE WHEN hashint(g, 8) % 2 = 0 THEN 'user_left' ELSE 'resolved' END,
                hashint(g, 9) % 3 > 0, true, (hashint(g, 10) % 100) / 100.0
         FROM (SELECT g, timestamptz '2026-08-25 00:00Z'
                        + (hashint(g, 6) % (80 * 48)) * interval '30 minutes' AS start
               FROM generate_series(1, 3000) g) s",
    )
    .await;
    const RETURNS_SQL: &str = include_str!("../../src/source/sql/conversations_returns.sql");
    type Row = (i32, bool, Option<String>, Option<String>, i64, i64, i64);
    let returns = |pair: &'static str, bounds: Vec<DateTime<Utc>>| {
        let pool = pool.clone();
        async move {
            // `conversations` as the report reads it, as source/postgres.rs puts it in.
            let sql = RETURNS_SQL.replace("/*PAIR*/", pair).replace(
                "/*CONVERSATIONS*/",
                include_str!("../../src/source/sql/conversations_read.sql").trim_end(),
            );
            let mut rows: Vec<Row> = sqlx::query_as(&sql)
                .bind(bounds)
                .bind(Decimal::new(5, 1))
                .fetch_all(&pool)
                .await
                .unwrap();
            rows.sort();
            rows
        }
    };
    let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    let window = vec![
        at("2026-09-01T00:00:00Z"),
        at("2026-10-01T00:00:00Z"),
        at("2026-11-01T00:00:00Z"),
    ];
    for bounds in [window.clone(), window[1..].to_vec()] {
        let by_pair = returns("c.user_id, c.issue_key", bounds.clone()).await;
        let returned: i64 = by_pair.iter().filter(|r| r.1).map(|r| r.4).sum();
        assert!(
            returned > 100,
            "the data should exercise returns: {returned}"
        );
        assert!(by_pair.iter().any(|r| r.6 > 0), "and frustrated candidates");
        let by_hash = returns(
            "hash_record_extended(ROW(c.user_id, c.issue_key), 0)",
            bounds.clone(),
        )
        .await;
        assert_eq!(by_hash, by_pair, "{bounds:?}");
        let one_partition = returns("0", bounds.clone()).await;
        assert_eq!(one_partition, by_pair, "{bounds:?}");
    }
}

async fn exec_sql(pool: &PgPool, sql: &str) {
    sqlx::query(
        "CREATE FUNCTION hashint(g int, salt int) RETURNS int LANGUAGE sql IMMUTABLE AS
         $$ SELECT abs(hashtext(g::text || ':' || salt::text)) $$",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(sql).execute(pool).await.unwrap();
}

fn big_int(n: u128) -> bigdecimal::BigDecimal {
    n.to_string().parse().unwrap()
}

#[sqlx::test]
async fn sums_of_squares_are_exact_beyond_64_and_96_bits(pool: PgPool) {
    // Handle times in µs: 51 min 1.000001 s, whose square (9.37e18) exceeds i64; ten years
    // and 1 µs (an open-for-years conversation closed at last), whose square (9.95e28)
    // exceeds rust_decimal's 96 bits; 10 minutes; and the longest of the int8 fast path,
    // 24 h less 1 µs, with the largest sentiment, 1: the products the query sums for
    // them (d·(d / 10⁶), d·(d % 10⁶)) are its largest.
    let d1: u128 = 3_061_000_001;
    let d2: u128 = 3650 * 86_400 * 1_000_000 + 1;
    let d3: u128 = 600_000_000;
    let d4: u128 = 86_400 * 1_000_000 - 1;
    let closed_after = |c: Conv, micros: u128| {
        let closed = c.started + Duration::microseconds(micros as i64);
        Conv {
            closed: Some(closed),
            ..c
        }
    };
    insert_all(
        &pool,
        vec![
            Conv {
                ai_csat: Some(5),
                human_csat: Some(2),
                sentiment: Some(0.5),
                ..closed_after(conv("a", "u1", "2026-10-01T00:00:00Z"), d1)
            },
            Conv {
                ai_csat: Some(3),
                // float4 0.123456 is 0.123456001…; as numeric, 0.123456 (6 digits).
                sentiment: Some(0.123_456),
                ..closed_after(conv("b", "u2", "2026-10-02T00:00:00Z"), d2)
            },
            Conv {
                ai_csat: Some(4),
                // Below 1e-6: the fast path's micro-remainder is not 0.
                sentiment: Some(1.234_56e-7),
                ..closed_after(conv("c", "u3", "2026-10-03T00:00:00Z"), d3)
            },
            Conv {
                // Below 1e-7: the numeric path.
                sentiment: Some(5e-8),
                ..conv("d", "u4", "2026-10-04T00:00:00Z")
            },
            Conv {
                sentiment: Some(1.0),
                ..closed_after(conv("e", "u5", "2026-10-05T00:00:00Z"), d4)
            },
        ],
    )
    .await;
    let a = read(&pool, &["2026-10"], chrono_tz::UTC).await;
    let c = &only(&a).conversations;
    assert!(d1 * d1 > i64::MAX as u128 && d2 * d2 > 79_228_162_514_264_337_593_543_950_335);
    assert_eq!(c.handle_time.measured, 5);
    assert_eq!(
        c.handle_time.total_micros,
        Decimal::from((d1 + d2 + d3 + d3 + d4) as i64)
    );
    let squares_micros = d1 * d1 + d2 * d2 + 2 * d3 * d3 + d4 * d4;
    assert_eq!(c.handle_time.sum_squares_micros, big_int(squares_micros));
    assert_eq!(
        (c.csat_ai.rated, c.csat_ai.sum, c.csat_ai.sum_squares),
        (3, 12, 50)
    );
    assert_eq!(
        (
            c.csat_human.rated,
            c.csat_human.sum,
            c.csat_human.sum_squares
        ),
        (1, 2, 4)
    );
    assert_eq!(c.sentiment.scored, 5);
    assert_eq!(c.sentiment.sum, big("1.623456173456"));
    // 0.25 + 0.123456² + 0.000000123456² + 0.00000005² + 1²
    //   = 0.25 + 0.015241383936 + 0.000000000000015241383936 + 0.0000000000000025 + 1
    let squares: bigdecimal::BigDecimal = "1.265241383936017741383936".parse().unwrap();
    assert_eq!(c.sentiment.sum_squares, squares);

    // And through an aggregates file: still exact, as plain digits.
    let json = serde_json::to_string(&a).unwrap();
    assert!(json.contains(&squares_micros.to_string()));
    let back: Aggregates = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
}

#[sqlx::test]
async fn segments_by_channel_and_issue_count_a_return_through_another_channel(pool: PgPool) {
    let frt = |c: Conv, seconds: i64| c.frt_micros(Some(seconds * 1_000_000));
    insert_all(
        &pool,
        vec![
            // August: outside the two segmented months.
            conv("aug", "z", "2026-08-10T10:00:00Z"),
            // September: one web billing conversation, one app login handoff.
            conv("s1", "a", "2026-09-10T10:00:00Z"),
            conv("s2", "b", "2026-09-11T10:00:00Z")
                .channel("app")
                .issue(Some("login"))
                .handoff(Some("user")),
            // October.
            // o1 (web, billing) returns through the app two hours after it closed: its
            // return counts for web and billing; o2 is deflected.
            frt(conv("o1", "u1", "2026-10-05T10:00:00Z"), 1),
            frt(conv("o2", "u1", "2026-10-05T12:00:00Z").channel("app"), 2),
            // o3 (web, unclassified) handed off by the AI, rated.
            Conv {
                ai_csat: Some(2),
                human_csat: Some(4),
                ..frt(conv("o3", "u2", "2026-10-06T10:00:00Z"), 4)
                    .issue(None)
                    .handoff(Some("ai"))
            },
            // o4 (email, unclassified) without the AI: no FRT.
            conv("o4", "u3", "2026-10-07T10:00:00Z")
                .channel("email")
                .issue(None)
                .human_only(),
            // o5 (app, login) deflected, rated 5.
            Conv {
                ai_csat: Some(5),
                sentiment: Some(0.25),
                ..frt(conv("o5", "u4", "2026-10-08T10:00:00Z"), 3)
                    .channel("app")
                    .issue(Some("login"))
            },
        ],
    )
    .await;
    let a = read(&pool, &["2026-08", "2026-09", "2026-10"], chrono_tz::UTC).await;
    assert_eq!(a.months[0].segments, None, "only the last two months");
    let october = &a.months[2];
    let c = &october.conversations;
    assert_eq!(
        (c.total, c.returned_24h, c.deflected, c.human_handled),
        (5, 1, 2, 2)
    );
    let s = october.segments.as_ref().unwrap();
    let ten_minutes = Decimal::from(600_000_000);

    let names: Vec<&str> = s.channels.keys().map(String::as_str).collect();
    assert_eq!(names, ["app", "email", "web"]);
    let web = &s.channels["web"];
    assert_eq!(
        (
            web.conversations,
            web.ai_participated,
            web.handoffs,
            web.returned_24h,
            web.deflected
        ),
        (2, 2, 1, 1, 0)
    );
    assert_eq!(
        (web.handle_time_measured, web.handle_time_micros),
        (2, ten_minutes * Decimal::from(2))
    );
    assert_eq!((web.csat_ai_rated, web.csat_ai_sum), (1, 2));
    assert_eq!((web.csat_human_rated, web.csat_human_sum), (1, 4));
    // percentile_cont(0.9) of {1, 4} = 1 + 0.9 × 3.
    assert!((web.frt_p90_seconds.unwrap() - 3.7).abs() < 1e-12);
    let app = &s.channels["app"];
    assert_eq!(
        (app.conversations, app.returned_24h, app.deflected),
        (2, 0, 2)
    );
    assert_eq!((app.csat_ai_rated, app.csat_ai_sum), (1, 5));
    assert_eq!(
        (app.sentiment_scored, &app.sentiment_sum),
        (1, &big("0.25"))
    );
    assert!((app.frt_p90_seconds.unwrap() - 2.9).abs() < 1e-12);
    let email = &s.channels["email"];
    assert_eq!(
        (
            email.conversations,
            email.ai_participated,
            email.frt_p90_seconds
        ),
        (1, 0, None)
    );
    // The channels add up to the month.
    let sum =
        |f: fn(&aikpi::aggregates::SegmentCounts) -> i64| s.channels.values().map(f).sum::<i64>();
    assert_eq!(sum(|x| x.returned_24h), c.returned_24h);
    assert_eq!(sum(|x| x.deflected), c.deflected);

    let keys: Vec<Option<&str>> = s.issues.iter().map(|i| i.issue_key.as_deref()).collect();
    assert_eq!(keys, [Some("billing.refund"), Some("login"), None]);
    let billing = &s.issues[0].counts;
    assert_eq!(
        (
            billing.conversations,
            billing.returned_24h,
            billing.deflected,
            billing.handle_time_measured,
            billing.handle_time_micros
        ),
        (2, 1, 1, 2, ten_minutes * Decimal::from(2))
    );
    assert!((billing.frt_p90_seconds.unwrap() - 1.9).abs() < 1e-12);
    let login = &s.issues[1].counts;
    assert_eq!(
        (
            login.conversations,
            login.deflected,
            login.csat_ai_sum,
            login.frt_p90_seconds
        ),
        (1, 1, 5, Some(3.0))
    );
    assert_eq!(login.sentiment_sum, big("0.25"));
    let unclassified = &s.issues[2].counts;
    assert_eq!(
        (
            unclassified.conversations,
            unclassified.handoffs,
            unclassified.ai_participated,
            unclassified.deflected,
            unclassified.csat_human_sum,
            unclassified.frt_p90_seconds
        ),
        (2, 1, 1, 0, 4, Some(4.0))
    );

    let september = a.months[1].segments.as_ref().unwrap();
    assert_eq!(september.channels["web"].deflected, 1);
    assert_eq!(september.channels["app"].handoffs, 1);
    assert_eq!(september.issues.len(), 2);
}

#[sqlx::test]
async fn segment_counts_and_percentiles_equal_a_plain_group_by_of_the_same_rows(pool: PgPool) {
    // 3 000 October conversations over four channels and five issues (and unclassified
    // ones), every issue in every channel: the segments query gathers an issue's first
    // response times from the arrays of its (channel, issue) groups, and must give exactly
    // what one GROUP BY per segment gives.
    sqlx::query(
        "INSERT INTO conversations (id, user_id, issue_key, channel, started_at, \
         first_user_message_at, first_ai_reply_at, closed_at, close_reason, ai_participated, \
         handoff_at, handoff_initiator, rating_prompted, ai_csat, human_csat, negative_sentiment) \
         SELECT 'r' || n, 'u' || (n * 7919 % 1499), \
                CASE WHEN n % 11 = 0 THEN NULL ELSE 'issue-' || (n % 5) END, \
                (ARRAY['web', 'app', 'email', 'whatsapp'])[1 + (n * 31) % 4], \
                s, s, \
                CASE WHEN n % 17 <> 0 THEN s + make_interval(secs => (n * 7919 % 90000000) / 1e6) END, \
                CASE WHEN n % 23 <> 0 THEN s + make_interval(mins => n % 50) END, 'resolved', \
                n % 9 <> 0, \
                CASE WHEN n % 4 = 0 THEN s + interval '2 minutes' END, \
                CASE WHEN n % 4 = 0 THEN 'ai' END, \
                true, \
                CASE WHEN n % 3 = 0 THEN 1 + n % 5 END, \
                CASE WHEN n % 4 = 0 THEN 1 + (n / 4) % 5 END, \
                CASE WHEN n % 6 <> 0 THEN ((n % 101) / 100.0)::real END \
         FROM generate_series(1, 3000) AS n, \
              LATERAL (SELECT timestamptz '2026-10-01 00:00:00+00' \
                              + make_interval(secs => n * 811 % 2678400)) AS t (s)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let a = read(&pool, &["2026-10"], chrono_tz::UTC).await;
    let october = only(&a);
    let segments = october.segments.as_ref().unwrap();

    // Plain SQL, one GROUP BY per segment; `by` is the grouped column.
    let expected = |by: &str| {
        format!(
            "SELECT {by}::text, count(*), count(*) FILTER (WHERE ai_participated), \
             count(*) FILTER (WHERE handoff_at IS NOT NULL), \
             count(*) FILTER (WHERE closed_at >= started_at), \
             coalesce(sum(extract(epoch FROM closed_at - started_at) * 1000000) \
                      FILTER (WHERE closed_at >= started_at), 0), \
             count(ai_csat), coalesce(sum(ai_csat), 0), \
             count(human_csat), coalesce(sum(human_csat), 0), \
             count(negative_sentiment), coalesce(sum(negative_sentiment::numeric), 0), \
             percentile_cont(0.9) WITHIN GROUP \
                 (ORDER BY extract(epoch FROM first_ai_reply_at - first_user_message_at)::float8) \
                 FILTER (WHERE first_ai_reply_at >= first_user_message_at) \
             FROM conversations GROUP BY {by}"
        )
    };
    type Expected = (
        Option<String>,
        i64,
        i64,
        i64,
        i64,
        Decimal,
        i64,
        i64,
        i64,
        i64,
        i64,
        BigDecimal,
        Option<f64>,
    );
    let check = |what: &str, got: &aikpi::aggregates::SegmentCounts, want: &Expected| {
        let got = (
            got.conversations,
            got.ai_participated,
            got.handoffs,
            got.handle_time_measured,
            got.handle_time_micros,
            got.csat_ai_rated,
            got.csat_ai_sum,
            got.csat_human_rated,
            got.csat_human_sum,
            got.sentiment_scored,
            got.sentiment_sum.clone(),
            got.frt_p90_seconds,
        );
        let want = (
            want.1,
            want.2,
            want.3,
            want.4,
            want.5.normalize(),
            want.6,
            want.7,
            want.8,
            want.9,
            want.10,
            want.11.normalized(),
            want.12,
        );
        assert_eq!(got, want, "{what}");
    };

    let issues: Vec<Expected> = sqlx::query_as(&expected("issue_key"))
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(issues.len(), 6, "five issues and the unclassified");
    assert_eq!(segments.issues.len(), issues.len());
    for want in &issues {
        let got = segments
            .issues
            .iter()
            .find(|i| i.issue_key == want.0)
            .unwrap_or_else(|| panic!("issue {:?} is missing", want.0));
        check(&format!("issue {:?}", want.0), &got.counts, want);
    }
    let channels: Vec<Expected> = sqlx::query_as(&expected("channel"))
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(channels.len(), 4);
    for want in &channels {
        let name = want.0.as_deref().unwrap();
        let got = &segments.channels[name];
        // The channels' counts come from the facts query, their p90 from the segments.
        check(&format!("channel {name}"), got, want);
    }

    let (p50, p90): (Option<f64>, Option<f64>) = sqlx::query_as(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY f), \
                percentile_cont(0.9) WITHIN GROUP (ORDER BY f) \
         FROM (SELECT extract(epoch FROM first_ai_reply_at - first_user_message_at)::float8 AS f \
               FROM conversations WHERE first_ai_reply_at >= first_user_message_at) x",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let frt = &october.conversations.first_response;
    assert_eq!((frt.p50_seconds, frt.p90_seconds), (p50, p90));
}
