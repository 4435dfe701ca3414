//! Legal values that a 96-bit decimal cannot hold (issue 26, items 3 and 4): `numeric`
//! has no range worth the name, so a cost of 1e29, a ledger amount of 1e30, a cost of
//! 1e-30 and a sentiment of 1e-30 are all values the contract's columns allow. The
//! aggregates carry them exactly, the report is written, nothing panics.

use crate::cli_support;

use cli_support::*;
use sqlx::{Executor, PgPool};

/// `aikpi aggregates --month 2026-10` as JSON.
fn aggregates(url: &str) -> serde_json::Value {
    let output = aikpi()
        .args(["aggregates", "--database-url", url, "--month", "2026-10"])
        .output()
        .unwrap();
    assert!(output.status.success(), "aggregates: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// PostgreSQL's own exact text of a `numeric` expression, normalised as the aggregates
/// write it (no trailing zeros).
async fn exact_text(pool: &PgPool, sql: &str) -> String {
    let text: String = sqlx::query_scalar(sql).fetch_one(pool).await.unwrap();
    let text = match text.contains('.') {
        true => text.trim_end_matches('0').trim_end_matches('.').to_string(),
        false => text,
    };
    text
}

#[sqlx::test]
async fn money_and_sentiment_beyond_a_96_bit_decimal_are_summed_exactly(pool: PgPool) {
    let url = db_url(&pool, None);
    seed(&url, 2, 150);
    pool.execute(
        "INSERT INTO llm_usage VALUES
             (900001, '2026-10-10T10:00:00Z', NULL, 'huge-model', 1, 1, 1e29),
             (900002, '2026-10-11T10:00:00Z', NULL, 'tiny-model', 1, 1, 1e-30);
         INSERT INTO cost_ledger VALUES ('2026-10-01', 'windfall', 1e30);
         UPDATE conversations SET negative_sentiment = 1e-30
         WHERE id = (SELECT min(id) FROM conversations WHERE started_at >= '2026-10-01');",
    )
    .await
    .unwrap();

    let a = aggregates(&url);
    let october = a["months"].as_array().and_then(|m| m.last()).unwrap();
    let month = "occurred_at >= '2026-10-01' AND occurred_at < '2026-11-01'";
    assert_eq!(
        october["llm_usage"]["cost"],
        exact_text(
            &pool,
            &format!("SELECT sum(cost)::text FROM llm_usage WHERE {month}")
        )
        .await
    );
    let models = october["llm_usage"]["by_model"].as_array().unwrap();
    let cost_of = |model: &str| {
        models
            .iter()
            .find(|m| m["model"] == model)
            .map(|m| m["cost"].clone())
    };
    assert_eq!(
        cost_of("huge-model"),
        Some("100000000000000000000000000000".into())
    );
    assert_eq!(
        cost_of("tiny-model"),
        Some("0.000000000000000000000000000001".into())
    );
    let ledger = october["ledger"].as_array().unwrap();
    assert!(ledger.contains(&serde_json::json!({
        "category": "windfall",
        "amount": "1000000000000000000000000000000"
    })));
    // A real (float4) 1e-30 is below the integer fast path: summed as its numeric value.
    let started = "started_at >= '2026-10-01' AND started_at < '2026-11-01'";
    assert_eq!(
        october["conversations"]["sentiment"]["sum"],
        exact_text(
            &pool,
            &format!(
                "SELECT sum(negative_sentiment::numeric)::text FROM conversations \
                 WHERE {started} AND negative_sentiment BETWEEN 0 AND 1"
            )
        )
        .await
    );

    let dir = tempfile::tempdir().unwrap();
    let report = aikpi()
        .args(["report", "--database-url", &url, "--month", "2026-10"])
        .args(["--format", "json", "--out"])
        .arg(dir.path().join("report"))
        .output()
        .unwrap();
    assert!(report.status.success(), "report: {}", stderr(&report));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report/report.json")).unwrap())
            .unwrap();
    assert!(json["cost_breakdown"]["llm"].as_f64().unwrap() >= 1e29);
}

#[sqlx::test]
async fn costs_and_ledger_amounts_that_are_not_numbers_are_left_out_and_counted(pool: PgPool) {
    let url = db_url(&pool, None);
    seed(&url, 2, 150);
    let finite_cost = exact_text(
        &pool,
        "SELECT sum(cost)::text FROM llm_usage \
         WHERE occurred_at >= '2026-10-01' AND occurred_at < '2026-11-01'",
    )
    .await;
    pool.execute(
        "INSERT INTO llm_usage VALUES
             (900001, '2026-10-10T10:00:00Z', NULL, 'm', 1, 1, 'NaN'),
             (900002, '2026-10-11T10:00:00Z', 'x', 'm', 1, 1, 'Infinity');
         INSERT INTO cost_ledger VALUES ('2026-10-01', 'odd', '-Infinity'),
                                        ('2026-10-01', 'odder', 'NaN');",
    )
    .await
    .unwrap();

    let a = aggregates(&url);
    let october = a["months"].as_array().and_then(|m| m.last()).unwrap();
    assert_eq!(october["llm_usage"]["cost"], finite_cost);
    assert_eq!(
        october["money_quality"],
        serde_json::json!({"non_finite_costs": 2, "non_finite_amounts": 2})
    );
    // After a rollup of the closed months, October alone is read (llm_usage_month.sql).
    let early = "2026-11-01T12:00:00Z";
    aikpi()
        .env("AIKPI_NOW", early)
        .args(["rollup", "--database-url", &url, "--month", "2026-10"])
        .assert()
        .success();
    let output = aikpi()
        .env("AIKPI_NOW", early)
        .args(["aggregates", "--database-url", &url, "--month", "2026-10"])
        .args(["--allow-partial-month"])
        .output()
        .unwrap();
    assert!(output.status.success(), "aggregates: {}", stderr(&output));
    assert!(
        stderr(&output).contains("read from the rollup"),
        "{}",
        stderr(&output)
    );
    let b: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(b["months"].as_array().and_then(|m| m.last()), Some(october));

    let dir = tempfile::tempdir().unwrap();
    let report = aikpi()
        .args(["report", "--database-url", &url, "--month", "2026-10"])
        .args(["--format", "json,md", "--out"])
        .arg(dir.path().join("report"))
        .output()
        .unwrap();
    assert!(report.status.success(), "report: {}", stderr(&report));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report/report.json")).unwrap())
            .unwrap();
    let notes = json["data_quality"]["notes"].as_array().unwrap();
    assert!(
        notes.contains(&serde_json::json!({"key": "non_finite_value", "count": 4})),
        "{notes:?}"
    );
    assert_eq!(json["data_quality"]["counts"]["non_finite_value"], 4);
    let md = std::fs::read_to_string(dir.path().join("report/report.md")).unwrap();
    assert!(
        md.contains(
            "4 metered costs or ledger amounts are not numbers (NaN or infinity); they are \
             left out of every cost."
        ),
        "{md}"
    );
}

/// A schema `team` of views over `public`, each relation's body replaced where `bodies`
/// names it (a team's views deliver what the contract's tables would refuse).
async fn team_views(pool: &PgPool, bodies: &[(&str, &str)]) {
    let mut sql = "CREATE SCHEMA team;".to_string();
    for relation in [
        "conversations",
        "llm_usage",
        "cost_ledger",
        "kb_evals",
        "reply_edits",
    ] {
        let body = bodies
            .iter()
            .find(|(r, _)| *r == relation)
            .map_or(format!("SELECT * FROM public.{relation}"), |(_, b)| {
                b.to_string()
            });
        sql.push_str(&format!("CREATE VIEW team.{relation} AS {body};"));
    }
    pool.execute(sql.as_str()).await.unwrap();
}

/// `aikpi aggregates --month 2026-10 --schema team`: October's month.
fn october_of_team(url: &str) -> serde_json::Value {
    let output = aikpi()
        .args(["aggregates", "--database-url", url, "--month", "2026-10"])
        .args(["--schema", "team"])
        .output()
        .unwrap();
    assert!(output.status.success(), "aggregates: {}", stderr(&output));
    let a: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    a["months"]
        .as_array()
        .and_then(|m| m.last())
        .unwrap()
        .clone()
}

/// The report's `data_quality` and Markdown of `--schema team`.
fn team_report(url: &str) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let report = aikpi()
        .args(["report", "--database-url", url, "--month", "2026-10"])
        .args(["--schema", "team", "--format", "json,md", "--out"])
        .arg(dir.path().join("report"))
        .output()
        .unwrap();
    assert!(report.status.success(), "report: {}", stderr(&report));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report/report.json")).unwrap())
            .unwrap();
    let md = std::fs::read_to_string(dir.path().join("report/report.md")).unwrap();
    (json["data_quality"].clone(), md)
}

#[sqlx::test]
async fn nulls_in_required_money_columns_and_repeated_ledger_lines_are_left_out_and_counted(
    pool: PgPool,
) {
    let url = db_url(&pool, None);
    seed(&url, 2, 150);
    // October's ledger as seeded: one line per category.
    pool.execute(
        "DELETE FROM cost_ledger WHERE month = '2026-10-01';
         INSERT INTO cost_ledger VALUES ('2026-10-01', 'infra', 100), ('2026-10-01', 'people', 40);",
    )
    .await
    .unwrap();
    let clean = aggregates(&url);
    let clean = clean["months"].as_array().and_then(|m| m.last()).unwrap();
    let calls = clean["llm_usage"]["calls"].as_i64().unwrap();
    let cost: f64 = clean["llm_usage"]["cost"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    team_views(
        &pool,
        &[
            // October's lines twice (a union of the source with itself), a split booking,
            // a line of no category and one of no amount.
            (
                "cost_ledger",
                "SELECT month, category, amount FROM public.cost_ledger
                 UNION ALL SELECT month, category, amount FROM public.cost_ledger
                     WHERE month = '2026-10-01'
                 UNION ALL VALUES ('2026-10-01'::date, 'infra', 5::numeric),
                                  ('2026-10-01', NULL, 7), ('2026-10-01', 'people', NULL)",
            ),
            // A call of no model and a call of no cost.
            (
                "llm_usage",
                "SELECT id, occurred_at, conversation_id, model, prompt_tokens,
                        completion_tokens, cost FROM public.llm_usage
                 UNION ALL VALUES (900001::bigint, '2026-10-10T10:00:00Z'::timestamptz,
                                   NULL::text, NULL::text, 1::bigint, 1::bigint, 0.25::numeric),
                                  (900002, '2026-10-11T10:00:00Z', NULL, 'no-cost', 1, 1, NULL)",
            ),
        ],
    )
    .await;

    let october = october_of_team(&url);
    // infra: 100 twice (booked once) + 5; people: 40 twice (once) + NULL (left out).
    assert_eq!(
        october["ledger"],
        serde_json::json!([
            {"category": "infra", "amount": "105"},
            {"category": "people", "amount": "40"},
        ])
    );
    // Two calls more; only the one with a cost adds to the cost; the call of no model is
    // in no model's line, the call of no cost is in its model's line at 0.
    assert_eq!(october["llm_usage"]["calls"], calls + 2);
    let view_cost: f64 = october["llm_usage"]["cost"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (view_cost - (cost + 0.25)).abs() < 1e-9,
        "{view_cost} vs {cost}"
    );
    let models = october["llm_usage"]["by_model"].as_array().unwrap();
    assert!(models.iter().all(|m| !m["model"].is_null()));
    assert!(models.contains(&serde_json::json!({"model": "no-cost", "calls": 1, "cost": "0"})));
    assert_eq!(
        october["money_quality"],
        serde_json::json!({
            "non_finite_costs": 0, "non_finite_amounts": 0,
            "null_costs": 1, "null_models": 1, "null_amounts": 1, "null_categories": 1,
            // infra 3 lines, people 3 lines: 2 + 2 repeat a key.
            "duplicate_ledger_lines": 4,
        })
    );

    let (quality, md) = team_report(&url);
    let notes = quality["notes"].as_array().unwrap();
    for (column, count) in [
        ("llm_usage.model", 1),
        ("llm_usage.cost", 1),
        ("cost_ledger.category", 1),
        ("cost_ledger.amount", 1),
    ] {
        assert!(
            notes.contains(&serde_json::json!(
                {"key": "null_in_required_column", "count": count, "column": column}
            )),
            "{column}: {notes:?}"
        );
    }
    assert!(notes.contains(&serde_json::json!({"key": "duplicate_ledger_lines", "count": 4})));
    assert_eq!(quality["counts"]["null_in_required_column"], 4);
    assert!(
        md.contains(
            // Markdown escapes the underscores of the column's name.
            "1 row has no llm\\_usage.model, a value the data contract requires; it is left \
             out of everything that needs it."
        ),
        "{md}"
    );
    assert!(
        md.contains("4 cost ledger lines repeat a month and category already booked"),
        "{md}"
    );
}

/// October's first `n` conversations again under new ids and channel `channel` (SQL).
fn copies(prefix: &str, channel: &str, n: u32) -> String {
    format!(
        "SELECT * FROM (SELECT '{prefix}' || id, user_id, issue_key, {channel}::text, started_at,
                first_user_message_at, first_ai_reply_at, closed_at, close_reason,
                ai_participated, handoff_at, handoff_initiator, rating_prompted, ai_csat,
                human_csat, negative_sentiment
         FROM public.conversations
         WHERE started_at >= '2026-10-02' AND started_at < '2026-10-31'
         ORDER BY id LIMIT {n}) AS copied"
    )
}

#[sqlx::test]
async fn a_null_channel_is_counted_and_stays_apart_from_a_channel_named_none(pool: PgPool) {
    let url = db_url(&pool, None);
    seed(&url, 2, 150);
    let clean = aggregates(&url);
    let total = clean["months"].as_array().and_then(|m| m.last()).unwrap()["conversations"]
        ["total"]
        .as_i64()
        .unwrap();
    team_views(
        &pool,
        &[(
            "conversations",
            &format!(
                "SELECT * FROM public.conversations UNION ALL {} UNION ALL {}",
                copies("null-", "NULL", 2),
                copies("none-", "'(none)'", 3),
            ),
        )],
    )
    .await;

    let october = october_of_team(&url);
    let conversations = &october["conversations"];
    assert_eq!(conversations["total"], total + 5);
    assert_eq!(conversations["channels"]["(none)"], 3);
    assert_eq!(conversations["quality"]["null_channel"], 2);
    assert_eq!(
        october["segments"]["channels"]["(none)"]["conversations"],
        3
    );

    let dir = tempfile::tempdir().unwrap();
    let report = aikpi()
        .args(["report", "--database-url", &url, "--month", "2026-10"])
        .args(["--schema", "team", "--format", "json", "--out"])
        .arg(dir.path().join("report"))
        .output()
        .unwrap();
    assert!(report.status.success(), "report: {}", stderr(&report));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report/report.json")).unwrap())
            .unwrap();
    let none: Vec<_> = json["segments"]["channels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["channel"] == "(none)")
        .collect();
    assert_eq!(none.len(), 1);
    assert_eq!(none[0]["conversations"], 3);
    let notes = json["data_quality"]["notes"].as_array().unwrap();
    assert!(
        notes.contains(&serde_json::json!(
            {"key": "null_in_required_column", "count": 2, "column": "conversations.channel"}
        )),
        "{notes:?}"
    );
}

#[sqlx::test]
async fn infinite_timestamps_are_read_as_missing_and_counted(pool: PgPool) {
    let url = db_url(&pool, None);
    seed(&url, 2, 150);
    let clean = aggregates(&url);
    let clean = &clean["months"].as_array().and_then(|m| m.last()).unwrap()["conversations"];
    let count = |c: &serde_json::Value, path: &[&str]| {
        path.iter().fold(c, |v, k| &v[*k]).as_i64().unwrap_or(0)
    };
    // Three conversations: closed at +infinity (resolved), closed at -infinity, and an AI
    // reply at +infinity in a conversation closed after 5 minutes.
    team_views(
        &pool,
        &[(
            "conversations",
            "SELECT * FROM public.conversations UNION ALL VALUES
               ('inf-1', 'u-inf-1', 'billing', 'web', '2026-10-10T10:00:00Z'::timestamptz,
                '2026-10-10T10:00:00Z'::timestamptz, '2026-10-10T10:00:02Z'::timestamptz,
                'infinity'::timestamptz, 'resolved', true, NULL::timestamptz, NULL, true,
                NULL::smallint, NULL::smallint, NULL::real),
               ('inf-2', 'u-inf-2', 'billing', 'web', '2026-10-11T10:00:00Z',
                '2026-10-11T10:00:00Z', '2026-10-11T10:00:02Z',
                '-infinity', NULL, true, NULL, NULL, true, NULL, NULL, NULL),
               ('inf-3', 'u-inf-3', 'billing', 'web', '2026-10-12T10:00:00Z',
                '2026-10-12T10:00:00Z', 'infinity',
                '2026-10-12T10:05:00Z', 'resolved', true, NULL, NULL, true, NULL, NULL, NULL)",
        )],
    )
    .await;

    let october = october_of_team(&url);
    let c = &october["conversations"];
    assert_eq!(count(c, &["total"]), count(clean, &["total"]) + 3);
    // Only inf-3 is closed; inf-1 and inf-2 are open.
    assert_eq!(count(c, &["closed"]), count(clean, &["closed"]) + 1);
    assert_eq!(count(c, &["open"]), count(clean, &["open"]) + 2);
    assert_eq!(
        count(c, &["handle_time", "measured"]),
        count(clean, &["handle_time", "measured"]) + 1
    );
    let micros = |c: &serde_json::Value| -> f64 {
        c["handle_time"]["total_micros"].as_str().map_or_else(
            || c["handle_time"]["total_micros"].as_f64().unwrap(),
            |s| s.parse().unwrap(),
        )
    };
    assert_eq!(micros(c) - micros(clean), 300_000_000.0);
    // inf-1 and inf-2 keep their FRT of 2 s; inf-3's is not measured.
    assert_eq!(
        count(c, &["first_response", "measured"]),
        count(clean, &["first_response", "measured"]) + 2
    );
    assert_eq!(
        count(c, &["quality", "first_response_missing"]),
        count(clean, &["quality", "first_response_missing"]) + 1
    );
    assert_eq!(count(c, &["quality", "infinite_closed_at"]), 2);
    assert_eq!(count(c, &["quality", "infinite_first_ai_reply_at"]), 1);

    let (quality, md) = team_report(&url);
    let notes = quality["notes"].as_array().unwrap();
    for (column, count) in [
        ("conversations.closed_at", 2),
        ("conversations.first_ai_reply_at", 1),
    ] {
        assert!(
            notes.contains(&serde_json::json!(
                {"key": "infinite_timestamp", "count": count, "column": column}
            )),
            "{column}: {notes:?}"
        );
    }
    assert_eq!(quality["counts"]["infinite_timestamp"], 3);
    assert!(
        md.contains("2 conversations have an infinite conversations.closed\\_at"),
        "{md}"
    );
}
