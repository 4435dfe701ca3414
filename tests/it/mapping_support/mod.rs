//! Shared steps of the helpdesk mapping tests (`tests/mapping_*.rs`): the vendor's API
//! objects loaded as a sync lands them (one JSON document per row), aikpi's own tables
//! for the relations the helpdesk cannot give, the mapping applied as a user would, then
//! `aikpi check` and `aikpi report`.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sqlx::{Executor, PgPool};

use crate::cli_support::aikpi;

/// The configuration of a team without retrieval evaluations or edit feedback.
pub const CONFIG: &str = "[contract]\nkb_evals = \"absent\"\nreply_edits = \"absent\"\n";

/// `schema.table (data jsonb)` holding each element of the JSON array `documents` as
/// one row.
pub async fn load_documents(pool: &PgPool, schema: &str, table: &str, documents: &str) {
    pool.execute(format!("CREATE SCHEMA IF NOT EXISTS {schema}; CREATE TABLE {schema}.{table} (data jsonb NOT NULL);").as_str())
        .await
        .unwrap();
    sqlx::query(&format!(
        "INSERT INTO {schema}.{table} SELECT jsonb_array_elements($1::text::jsonb)"
    ))
    .bind(documents)
    .execute(pool)
    .await
    .unwrap();
}

/// aikpi's tables in `team` for what a helpdesk does not hold — an empty `llm_usage`
/// (the helpdesk's AI is billed on its invoice, not metered per call) and October's
/// ledger (infra 70, labor 1400) — without `conversations`, `kb_evals` and
/// `reply_edits`, which the mapping makes or [`CONFIG`] declares absent.
pub async fn team_tables(pool: &PgPool, url: &str) {
    aikpi()
        .args(["migrate", "--schema", "team", "--database-url", url])
        .assert()
        .success();
    pool.execute(
        "DROP TABLE team.conversations, team.kb_evals, team.reply_edits CASCADE;
         INSERT INTO team.cost_ledger VALUES
           ('2026-10-01', 'infra', 70), ('2026-10-01', 'labor', 1400);",
    )
    .await
    .unwrap();
}

/// What `aikpi mapping SOURCE --source-schema S --schema team` prints, run as it is.
pub async fn apply_mapping(pool: &PgPool, source: &str, source_schema: &str) -> String {
    let printed = aikpi()
        .args(["mapping", source, "--source-schema", source_schema])
        .args(["--schema", "team"])
        .output()
        .unwrap();
    assert!(printed.status.success(), "{printed:?}");
    let sql = String::from_utf8(printed.stdout).unwrap();
    pool.execute(sql.as_str()).await.unwrap();
    sql
}

/// The configuration file of [`CONFIG`] in `dir`.
pub fn config_file(dir: &Path) -> PathBuf {
    let path = dir.join("aikpi.toml");
    std::fs::write(&path, CONFIG).unwrap();
    path
}

/// `aikpi check --format json` for October 2026 on `team`, which must let a report run.
pub fn check(url: &str, config: &Path) -> Value {
    let out = aikpi()
        .args([
            "check", "--schema", "team", "--month", "2026-10", "--format", "json",
        ])
        .args(["--database-url", url])
        .arg("--config")
        .arg(config)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(0), "{json:#}");
    assert_ne!(json["verdict"], "not_ready", "{json:#}");
    json
}

/// report.json of October 2026 on `team`.
pub fn report(url: &str, config: &Path, dir: &Path) -> Value {
    let out = dir.join("report");
    aikpi()
        .args([
            "report", "--schema", "team", "--month", "2026-10", "--quiet",
        ])
        .args(["--format", "json", "--database-url", url])
        .arg("--config")
        .arg(config)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

/// The findings of a check about `relation`.`column` with `problem`, and their count.
pub fn finding_count(check: &Value, relation: &str, column: &str, problem: &str) -> Option<u64> {
    check["findings"].as_array().unwrap().iter().find_map(|f| {
        (f["relation"] == relation && f["column"] == column && f["problem"] == problem)
            .then(|| f["count"].as_u64().unwrap_or(0))
    })
}

/// Asserts `value` is the number `expected` (to float rounding), naming `what`.
pub fn assert_number(value: &Value, expected: f64, what: &str) {
    let got = value
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {value} is not a number"));
    assert!(
        (got - expected).abs() < 1e-9,
        "{what}: {got}, expected {expected}"
    );
}

/// Each handed-off conversation of the view `team.conversations` with the seconds from
/// its start to its handoff, by id.
pub async fn handoff_offsets(pool: &PgPool) -> Vec<(String, i32)> {
    sqlx::query_as(
        "SELECT id, extract(epoch FROM handoff_at - started_at)::int
         FROM team.conversations WHERE handoff_at IS NOT NULL ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}
