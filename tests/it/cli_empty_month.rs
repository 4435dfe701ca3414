//! SPEC §7.7 through the command line: a report month with no conversations is exit 3
//! with a message naming the month, its bounds in the time zone, the schema and the
//! nearest month with conversations (or that the relation is empty); `--allow-empty`
//! writes the report anyway.
//!
//! `#[sqlx::test]` gives each test a fresh database with ./migrations applied
//! (DATABASE_URL must point at PostgreSQL; without it these tests fail, never skip).

use crate::cli_support;

use cli_support::*;
use sqlx::{Executor, PgPool};

/// `report --month 2026-10` with `extra` flags into a folder that already holds a report.
fn report_fails(pool: &PgPool, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("report"));
    let output = aikpi()
        .args([
            "report",
            "--month",
            "2026-10",
            "--database-url",
            &db_url(pool, None),
        ])
        .args(extra)
        .arg("--out")
        .arg(&previous.out)
        .output()
        .unwrap();
    let message = failure(&output, 3);
    previous.assert_untouched();
    message
}

#[sqlx::test]
async fn an_empty_month_names_its_bounds_and_the_nearest_month_with_conversations(pool: PgPool) {
    // 2026-09-30 23:30 UTC is September in UTC but 1 October 01:30 in Berlin.
    pool.execute(
        [
            conversation("late", "2026-09-30T23:30:00Z", Some(4), None, "resolved"),
            conversation("later", "2026-12-10T10:00:00Z", Some(4), None, "resolved"),
        ]
        .concat()
        .as_str(),
    )
    .await
    .unwrap();
    assert_eq!(
        report_fails(&pool, &["--tz", "UTC"]),
        "2026-10 has no conversations in schema `public`: none started from 2026-10-01 00:00 \
         +00:00 to 2026-11-01 00:00 +00:00 (UTC). The nearest month with conversations is \
         2026-09. Check --month, --schema and --tz; or write the report anyway with \
         --allow-empty."
    );
    // The same instant is October in Berlin: the month is not empty there.
    let dir = tempfile::tempdir().unwrap();
    aikpi()
        .args([
            "report",
            "--month",
            "2026-10",
            "--tz",
            "Europe/Berlin",
            "--format",
            "json",
        ])
        .args(["--database-url", &db_url(&pool, None)])
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success();
}

#[sqlx::test]
async fn an_empty_relation_is_named_as_such(pool: PgPool) {
    assert_eq!(
        report_fails(&pool, &["--tz", "Asia/Shanghai"]),
        "2026-10 has no conversations in schema `public`: none started from 2026-10-01 00:00 \
         +08:00 to 2026-11-01 00:00 +08:00 (Asia/Shanghai). The relation `conversations` in \
         schema `public` is empty. Check --schema and the database; or write the report \
         anyway with --allow-empty."
    );
}

#[sqlx::test]
async fn allow_empty_writes_the_report_of_an_empty_month(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    aikpi()
        .args([
            "report",
            "--month",
            "2026-10",
            "--allow-empty",
            "--format",
            "json",
        ])
        .args(["--database-url", &db_url(&pool, None)])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["volume"]["value"], 0.0);
    assert_eq!(
        json["deflection_by_ending"]["resolved"]["value"],
        serde_json::Value::Null
    );
}

#[test]
fn an_aggregates_file_whose_month_is_empty_names_the_nearest_month_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut sample: serde_json::Value =
        serde_json::from_str(include_str!("../../samples/aggregates.json")).unwrap();
    let months = sample["months"].as_array_mut().unwrap();
    let last = months.len() - 1;
    months[last]["conversations"]["total"] = 0.into();
    let file = dir.path().join("aggregates.json");
    std::fs::write(&file, serde_json::to_string(&sample).unwrap()).unwrap();
    let output = aikpi()
        .args(["report", "--format", "json", "--from"])
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(
        failure(&output, 3),
        format!(
            "2026-10 has no conversations in schema `aikpi_sample`: none started from \
             2026-10-01 00:00 +00:00 to 2026-11-01 00:00 +00:00 (UTC). The nearest month with \
             conversations in {} is 2026-09. Check --month; or write the report anyway with \
             --allow-empty.",
            file.display()
        )
    );
    assert!(!dir.path().join("out").exists());
}
