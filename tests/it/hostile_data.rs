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
