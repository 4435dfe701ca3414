//! SPEC §7.1–§7.4 on a real PostgreSQL, checked against an independent implementation:
//! every expected figure below is computed by literal SQL written straight from SPEC's
//! definitions (returned(c) as its EXISTS, the ledger order as ORDER BY), never by
//! aikpi's queries, and compared with `report.json` (the review as JSON).
//!
//! `#[sqlx::test]` gives each test a fresh database with ./migrations applied
//! (DATABASE_URL must point at PostgreSQL; without it these tests fail, never skip).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use sqlx::{Executor, PgPool, Row};

use aikpi::aggregates::SourceInfo;
use aikpi::period::Month;
use aikpi::review::settings::ReviewSettings;
use aikpi::review::{review, ReviewContext};
use aikpi::source::postgres::{read_aggregates, AggregatesRequest};

const ENDINGS: [&str; 4] = ["resolved", "user_left", "timeout", "agent_closed"];

/// `report.json` of October 2026 (UTC), read from the test database.
async fn report_json(pool: &PgPool) -> Value {
    let mut conn = pool.acquire().await.unwrap();
    let month: Month = "2026-10".parse().unwrap();
    let read_at: DateTime<Utc> = "2026-11-20T00:00:00Z".parse().unwrap();
    let request = AggregatesRequest {
        months: month.window(2),
        tz: chrono_tz::UTC,
        frustrated_sentiment_min: Decimal::new(5, 1),
        max_channels: 20,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "test".into(),
            schema: "public".into(),
            note: None,
        },
        read_at,
    };
    let aggregates = read_aggregates(&mut conn, &request).await.unwrap();
    let context = ReviewContext {
        generated_at: read_at,
        sample: false,
        language: "en".to_string(),
    };
    let review = review(&aggregates, &ReviewSettings::default(), &context).unwrap();
    serde_json::to_value(&review).unwrap()
}

/// A small deterministic generator (the data only has to be varied, not random).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.below(options.len() as u64) as usize]
    }
}

/// `count` conversations starting in the `days` days from `from`, crowded onto few users
/// and issue keys so that 24 h returns happen; every ending (NULL and out of contract
/// too), open conversations, and handoffs by every initiator (NULL and unknown too).
fn conversations(seed: u64, prefix: &str, from: &str, days: u64, count: usize) -> String {
    let mut g = Lcg(seed);
    let mut values = Vec::new();
    for i in 0..count {
        let start = format!(
            "timestamptz '{from}' + interval '{} seconds'",
            g.below(days * 86_400)
        );
        let user = format!("u{}", g.below(6));
        let issue = g.pick(&["'billing'", "'login'", "NULL"]);
        let channel = g.pick(&["web", "app"]);
        let open = g.below(10) == 0;
        let closed = if open {
            "NULL".to_string()
        } else {
            format!("{start} + interval '{} minutes'", g.below(600))
        };
        let reason = if open {
            "NULL"
        } else {
            g.pick(&[
                "'resolved'",
                "'resolved'",
                "'user_left'",
                "'timeout'",
                "'agent_closed'",
                "NULL",
                "'exploded'",
            ])
        };
        let ai = g.below(8) != 0;
        let (handoff, initiator) = match g.below(6) {
            0 => (format!("{start} + interval '1 minute'"), "'ai'"),
            1 => (format!("{start} + interval '1 minute'"), "'user'"),
            2 if g.below(2) == 0 => (format!("{start} + interval '1 minute'"), "NULL"),
            2 => (format!("{start} + interval '1 minute'"), "'bot'"),
            _ => ("NULL".to_string(), "NULL"),
        };
        let prompted = g.below(4) != 0;
        let csat = g.pick(&["NULL", "1", "3", "4", "5"]);
        let human_csat = g.pick(&["NULL", "2", "5"]);
        let sentiment = g.pick(&["NULL", "0.1", "0.5", "0.9"]);
        values.push(format!(
            "('{prefix}{i}', '{user}', {issue}, '{channel}', {start}, {start}, \
             {start} + interval '2 seconds', {closed}, {reason}, {ai}, {handoff}, {initiator}, \
             {prompted}, {csat}, {human_csat}, {sentiment})"
        ));
    }
    format!(
        "INSERT INTO conversations (id, user_id, issue_key, channel, started_at, \
         first_user_message_at, first_ai_reply_at, closed_at, close_reason, ai_participated, \
         handoff_at, handoff_initiator, rating_prompted, ai_csat, human_csat, \
         negative_sentiment) VALUES {};",
        values.join(",\n")
    )
}

/// Per month (`m` = its first day, UTC): |T|, human-handled, deflected (SPEC §3 literally)
/// and the deflected by ending, prompted and closed conversations.
const MONTH_FACTS: &str = r#"
WITH t AS (
    SELECT c.*,
        EXISTS (
            SELECT 1 FROM conversations d
            WHERE d.user_id = c.user_id
              AND d.issue_key IS NOT DISTINCT FROM c.issue_key
              AND d.started_at > c.started_at
              AND d.started_at <= GREATEST(c.closed_at, c.started_at) + interval '24 hours'
        ) AS returned
    FROM conversations c
    WHERE c.started_at >= $1::timestamptz AND c.started_at < $1::timestamptz + interval '1 month'
), d AS (
    SELECT t.*, (t.ai_participated AND t.handoff_at IS NULL AND t.closed_at IS NOT NULL
                 AND NOT t.returned) AS deflected
    FROM t
)
SELECT
    count(*) AS total,
    count(*) FILTER (WHERE handoff_at IS NOT NULL OR NOT ai_participated) AS human_handled,
    count(*) FILTER (WHERE deflected) AS deflected,
    count(*) FILTER (WHERE deflected AND close_reason = 'resolved') AS resolved,
    count(*) FILTER (WHERE deflected AND close_reason = 'user_left') AS user_left,
    count(*) FILTER (WHERE deflected AND close_reason = 'timeout') AS timeout,
    count(*) FILTER (WHERE deflected AND close_reason = 'agent_closed') AS agent_closed,
    count(*) FILTER (WHERE deflected AND (close_reason IS NULL OR close_reason NOT IN
        ('resolved', 'user_left', 'timeout', 'agent_closed'))) AS unknown,
    count(*) FILTER (WHERE returned) AS returned,
    count(*) FILTER (WHERE closed_at IS NOT NULL) AS closed,
    count(*) FILTER (WHERE closed_at IS NOT NULL AND rating_prompted) AS prompted,
    count(*) FILTER (WHERE handoff_at IS NOT NULL
        AND (handoff_initiator IS NULL OR handoff_initiator NOT IN ('ai', 'user'))) AS unknown_initiator
FROM d
"#;

/// SPEC §7.4 literally: every category booked for October or September, by signed
/// October amount descending, unbooked last, ties and the unbooked by category in byte
/// order.
const LEDGER: &str = r#"
SELECT k.category,
    (SELECT l.amount::float8 FROM cost_ledger l WHERE l.month = '2026-10-01' AND l.category = k.category) AS amount,
    (SELECT l.amount::float8 FROM cost_ledger l WHERE l.month = '2026-09-01' AND l.category = k.category) AS previous,
    CASE k.category WHEN 'infra' THEN 'infra' WHEN 'labor' THEN 'labor'
        WHEN 'llm' THEN 'llm_reconciliation' ELSE 'not_counted' END AS counted_as,
    (SELECT l.amount FROM cost_ledger l WHERE l.month = '2026-10-01' AND l.category = k.category) AS exact_amount
FROM (SELECT DISTINCT category FROM cost_ledger WHERE month IN ('2026-10-01', '2026-09-01')) k
ORDER BY exact_amount DESC NULLS LAST, k.category COLLATE "C"
"#;

#[derive(Debug, Clone, Copy)]
struct Facts {
    total: i64,
    human_handled: i64,
    deflected: i64,
    by_ending: [i64; 5],
    returned: i64,
    closed: i64,
    prompted: i64,
    unknown_initiator: i64,
}

async fn facts(pool: &PgPool, first_day: &str) -> Facts {
    let row = sqlx::query(MONTH_FACTS)
        .bind(first_day.parse::<DateTime<Utc>>().unwrap())
        .fetch_one(pool)
        .await
        .unwrap();
    let n = |name: &str| row.get::<i64, _>(name);
    Facts {
        total: n("total"),
        human_handled: n("human_handled"),
        deflected: n("deflected"),
        by_ending: [
            n("resolved"),
            n("user_left"),
            n("timeout"),
            n("agent_closed"),
            n("unknown"),
        ],
        returned: n("returned"),
        closed: n("closed"),
        prompted: n("prompted"),
        unknown_initiator: n("unknown_initiator"),
    }
}

/// `a / b` as JSON: null when `b` is 0 (the division of two integers is correctly
/// rounded, like aikpi's exact value turned into a float).
fn ratio(a: i64, b: i64) -> Value {
    if b == 0 {
        Value::Null
    } else {
        Value::from(a as f64 / b as f64)
    }
}

/// `{value, previous, delta_abs, delta_rel}` of the ratios a1/b1 (month) and a0/b0
/// (month before), with the deltas as exact fractions turned into floats once.
fn ratio_figure(a1: i64, b1: i64, a0: i64, b0: i64) -> Value {
    let (delta_abs, delta_rel) = if b1 == 0 || b0 == 0 {
        (Value::Null, Value::Null)
    } else {
        // a1/b1 − a0/b0 = (a1·b0 − a0·b1) / (b1·b0); divided by a0/b0: … / (b1·a0).
        let numerator = a1 * b0 - a0 * b1;
        (ratio(numerator, b1 * b0), ratio(numerator, b1 * a0))
    };
    serde_json::json!({
        "value": ratio(a1, b1),
        "previous": ratio(a0, b0),
        "delta_abs": delta_abs,
        "delta_rel": delta_rel,
    })
}

fn count_figure(n1: i64, n0: i64) -> Value {
    serde_json::json!({
        "value": n1 as f64,
        "previous": n0 as f64,
        "delta_abs": (n1 - n0) as f64,
        "delta_rel": ratio(n1 - n0, n0.abs()),
    })
}

/// Normalises every number to f64, so `3` and `3.0` compare equal.
fn numbers_as_floats(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::from(n.as_f64().unwrap()),
        Value::Array(a) => Value::Array(a.iter().map(numbers_as_floats).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), numbers_as_floats(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[track_caller]
fn assert_same(got: &Value, expected: &Value, what: &str) {
    assert_eq!(
        numbers_as_floats(got),
        numbers_as_floats(expected),
        "{what}: got {got:#}, expected {expected:#}"
    );
}

/// Checks §7.1–§7.4 of `json` against the literal SQL for October against September.
async fn check_story(pool: &PgPool, json: &Value) -> (Facts, Facts) {
    let now = facts(pool, "2026-10-01T00:00:00Z").await;
    let before = facts(pool, "2026-09-01T00:00:00Z").await;

    // §7.1
    assert_same(
        &json["volume"],
        &count_figure(now.total, before.total),
        "volume",
    );
    assert_same(
        &json["workload"]["human_handled_share"],
        &ratio_figure(
            now.human_handled,
            now.total,
            before.human_handled,
            before.total,
        ),
        "workload.human_handled_share",
    );

    // §7.2: every key present, 0 (not null) for an ending without deflected conversations.
    let by_ending = &json["deflection_by_ending"];
    let keys: Vec<&String> = by_ending.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5, "{by_ending}");
    let mut sum = 0.0;
    for (i, ending) in ENDINGS.iter().chain(["unknown"].iter()).enumerate() {
        let expected = serde_json::json!({
            "value": ratio(now.by_ending[i], now.total),
            "previous": ratio(before.by_ending[i], before.total),
        });
        assert_same(&by_ending[ending], &expected, ending);
        sum += by_ending[ending]["value"].as_f64().unwrap_or(0.0);
    }
    assert_eq!(now.by_ending.iter().sum::<i64>(), now.deflected);
    let deflection = json["metrics"]["deflection_rate"]["value"].as_f64();
    if let Some(d) = deflection {
        assert!((sum - d).abs() < 1e-12, "the endings add up: {sum} vs {d}");
    }
    assert_same(
        &json["metrics"]["deflection_rate"]["value"],
        &ratio(now.deflected, now.total),
        "deflection_rate",
    );
    // The unknown initiator rule of §7.1: a handoff everywhere but in the split.
    let handoffs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM conversations WHERE started_at >= '2026-10-01Z' \
         AND started_at < '2026-11-01Z' AND handoff_at IS NOT NULL",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_same(
        &json["metrics"]["handoff_rate"]["value"],
        &ratio(handoffs, now.total),
        "handoff_rate counts unknown initiators",
    );
    let split = |key: &str| json["handoff_by_initiator"][key].as_f64().unwrap_or(0.0);
    let split_count = ((split("ai") + split("user")) * now.total as f64).round() as i64;
    assert_eq!(
        split_count,
        handoffs - now.unknown_initiator,
        "an unknown initiator is in neither field"
    );

    // §7.3: prompting_changed, decided exactly by cross-multiplication (0.10 = 1/10).
    let changed = now.closed > 0
        && before.closed > 0
        && (now.prompted * before.closed - before.prompted * now.closed).abs() * 10
            > now.closed * before.closed;
    let inflated = json["traps"]["inflated_csat"]["triggered"] == Value::Bool(true);
    let faking = json["traps"]["faking_deflection"]["triggered"] == Value::Bool(true);
    let provisional = json["cost_breakdown"]["provisional"] == Value::Bool(true);
    let caveats = |list: &[(bool, &str)]| -> Value {
        list.iter()
            .filter(|(applies, _)| *applies)
            .map(|(_, id)| Value::from(*id))
            .collect()
    };
    // In report.json's metric order.
    let expected_caveats = [
        ("deflection_rate", caveats(&[(faking, "faking_deflection")])),
        (
            "csat_ai",
            caveats(&[(inflated, "inflated_csat"), (changed, "prompting_changed")]),
        ),
        ("csat_human", caveats(&[(changed, "prompting_changed")])),
        (
            "cost_per_conversation",
            caveats(&[(provisional, "provisional_cost")]),
        ),
    ];
    for (id, metric) in json["metrics"].as_object().unwrap() {
        let expected = expected_caveats
            .iter()
            .find(|(i, _)| i == id)
            .map_or(Value::Array(vec![]), |(_, c)| c.clone());
        assert_eq!(metric["caveats"], expected, "metrics.{id}.caveats");
    }
    let read_with_care: Vec<Value> = expected_caveats
        .iter()
        .filter(|(_, c)| !c.as_array().unwrap().is_empty())
        .map(|(id, c)| serde_json::json!({"id": id, "caveats": c}))
        .collect();
    assert_eq!(
        json["summary"]["read_with_care"],
        Value::Array(read_with_care)
    );
    for side in ["better_moves", "worse_moves"] {
        for m in json["summary"][side].as_array().unwrap() {
            let id = m["id"].as_str().unwrap();
            assert_eq!(
                json["metrics"][id]["caveats"],
                serde_json::json!([]),
                "{side}: {id}"
            );
            assert_ne!(
                json["metrics"][id]["significance"], "within_noise",
                "{side}: {id}"
            );
        }
    }

    // §7.4
    let rows = sqlx::query(LEDGER).fetch_all(pool).await.unwrap();
    let ledger: Vec<Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "category": r.get::<String, _>("category"),
                "amount": r.get::<Option<f64>, _>("amount"),
                "previous": r.get::<Option<f64>, _>("previous"),
                "counted_as": r.get::<String, _>("counted_as"),
            })
        })
        .collect();
    assert_same(
        &json["cost_breakdown"]["ledger"],
        &Value::Array(ledger),
        "cost_breakdown.ledger",
    );
    let total: Option<f64> = sqlx::query_scalar(
        "SELECT sum(amount)::float8 FROM cost_ledger WHERE month = '2026-10-01'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_same(
        &json["cost_breakdown"]["ledger_total"],
        &serde_json::json!(total),
        "cost_breakdown.ledger_total",
    );
    (now, before)
}

#[sqlx::test]
async fn the_story_figures_match_spec_literally_on_varied_data(pool: PgPool) {
    for seed in [1u64, 7, 42] {
        pool.execute("TRUNCATE conversations, cost_ledger")
            .await
            .unwrap();
        let rows = [
            conversations(seed, "s", "2026-09-01T00:00:00Z", 30, 160),
            conversations(seed + 100, "o", "2026-10-01T00:00:00Z", 31, 200),
            // Returns of late-October conversations come in November.
            conversations(seed + 200, "n", "2026-11-01T00:00:00Z", 2, 30),
        ]
        .concat();
        pool.execute(rows.as_str()).await.unwrap();
        // cloud_services booked in October only, legacy_tools in September only; a
        // credit (negative), a tie on amount decided by category, and the llm line.
        pool.execute(
            "INSERT INTO cost_ledger (month, category, amount) VALUES \
             ('2026-09-01', 'infra', 1900.00), ('2026-09-01', 'labor', 9600.00), \
             ('2026-09-01', 'llm', 1500.00), ('2026-09-01', 'legacy_tools', 42.10), \
             ('2026-09-01', 'support_tools', 300.00), \
             ('2026-10-01', 'infra', 2100.00), ('2026-10-01', 'labor', 9527.25), \
             ('2026-10-01', 'llm', 300.00), ('2026-10-01', 'cloud_services', 137.80), \
             ('2026-10-01', 'support_tools', 300.00), ('2026-10-01', 'credits', -25.50)",
        )
        .await
        .unwrap();
        let json = report_json(&pool).await;
        let (now, before) = check_story(&pool, &json).await;
        // The data exercises every path: returns, every ending, unknown initiators.
        assert!(
            now.returned > 0 && before.returned > 0,
            "seed {seed}: returns"
        );
        assert!(now.by_ending.iter().all(|&n| n > 0), "seed {seed}: {now:?}");
        assert!(now.unknown_initiator > 0, "seed {seed}: unknown initiators");
        assert_eq!(
            json["cost_breakdown"]["ledger"][0]["category"], "labor",
            "largest amount first"
        );
    }
}

#[sqlx::test]
async fn an_empty_previous_month_gives_null_shares_and_zero_volume(pool: PgPool) {
    pool.execute(conversations(3, "o", "2026-10-01T00:00:00Z", 31, 80).as_str())
        .await
        .unwrap();
    pool.execute(
        "INSERT INTO cost_ledger (month, category, amount) VALUES \
         ('2026-10-01', 'infra', 10.00), ('2026-10-01', 'other', 10.00)",
    )
    .await
    .unwrap();
    let json = report_json(&pool).await;
    check_story(&pool, &json).await;
    assert_eq!(json["volume"]["previous"], 0.0);
    assert_eq!(json["volume"]["delta_rel"], Value::Null);
    assert_eq!(
        json["workload"]["human_handled_share"]["previous"],
        Value::Null
    );
    assert_eq!(
        json["deflection_by_ending"]["resolved"]["previous"],
        Value::Null
    );
    assert_eq!(json["cost_breakdown"]["ledger"][1]["previous"], Value::Null);
    assert_eq!(
        json["cost_breakdown"]["ledger"][0]["category"], "infra",
        "a tie is decided by category"
    );
}

#[sqlx::test]
async fn without_a_ledger_line_the_ledger_is_empty_and_its_total_null(pool: PgPool) {
    pool.execute(conversations(5, "o", "2026-10-01T00:00:00Z", 31, 40).as_str())
        .await
        .unwrap();
    let json = report_json(&pool).await;
    check_story(&pool, &json).await;
    assert_eq!(json["cost_breakdown"]["ledger"], serde_json::json!([]));
    assert_eq!(json["cost_breakdown"]["ledger_total"], Value::Null);
}

#[sqlx::test]
async fn a_category_booked_only_the_month_before_is_listed_last_with_a_null_amount(pool: PgPool) {
    pool.execute(conversations(9, "o", "2026-10-01T00:00:00Z", 31, 40).as_str())
        .await
        .unwrap();
    pool.execute(
        "INSERT INTO cost_ledger (month, category, amount) VALUES \
         ('2026-09-01', 'zeta', 5.00), ('2026-09-01', 'alpha', 1.00), \
         ('2026-10-01', 'labor', 0.00), ('2026-10-01', 'llm', -3.00)",
    )
    .await
    .unwrap();
    let json = report_json(&pool).await;
    check_story(&pool, &json).await;
    let order: Vec<&str> = json["cost_breakdown"]["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["category"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["labor", "llm", "alpha", "zeta"]);
    assert_eq!(json["cost_breakdown"]["ledger_total"], -3.0);
}

#[sqlx::test]
async fn an_unknown_initiator_is_a_handoff_everywhere_but_in_the_split(pool: PgPool) {
    // Four AI conversations, all closed `resolved`: one handed off by the AI, one with a
    // NULL initiator, one with an initiator outside the contract, one not handed off.
    pool.execute(
        "INSERT INTO conversations (id, user_id, issue_key, channel, started_at, closed_at, \
         close_reason, ai_participated, handoff_at, handoff_initiator, rating_prompted) VALUES \
         ('a', 'u1', 'x', 'web', '2026-10-02Z', '2026-10-02 00:10Z', 'resolved', true, '2026-10-02 00:01Z', 'ai', true), \
         ('b', 'u2', 'x', 'web', '2026-10-03Z', '2026-10-03 00:10Z', 'resolved', true, '2026-10-03 00:01Z', NULL, true), \
         ('c', 'u3', 'x', 'web', '2026-10-04Z', '2026-10-04 00:10Z', 'resolved', true, '2026-10-04 00:01Z', 'bot', true), \
         ('d', 'u4', 'x', 'web', '2026-10-05Z', '2026-10-05 00:10Z', 'resolved', true, NULL, NULL, true)",
    )
    .await
    .unwrap();
    let json = report_json(&pool).await;
    check_story(&pool, &json).await;
    assert_eq!(json["metrics"]["handoff_rate"]["value"], 0.75);
    assert_eq!(json["handoff_by_initiator"]["ai"], 0.25);
    assert_eq!(json["handoff_by_initiator"]["user"], 0.0);
    assert_eq!(json["workload"]["human_handled"]["value"], 3.0);
    assert_eq!(json["workload"]["human_handled_share"]["value"], 0.75);
    assert_eq!(json["metrics"]["deflection_rate"]["value"], 0.25);
    assert_eq!(json["deflection_by_ending"]["resolved"]["value"], 0.25);
    assert_eq!(json["deflection_by_ending"]["unknown"]["value"], 0.0);
}
