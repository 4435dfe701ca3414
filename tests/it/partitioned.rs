//! Monthly range-partitioned `conversations` and `llm_usage` (issue 13, `aikpi migrate
//! --partitioned`): the contract check accepts them, the report gives exactly what it
//! gives on plain tables with the same rows, and its plans read only the partitions of
//! the window.
//!
//! `#[sqlx::test]` gives each test a fresh database with ./migrations applied to
//! `public` (the plain layout); the partitioned layout goes into schema `parts`.

use crate::cli_support;
use crate::services;

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::{DateTime, Utc};
use cli_support::*;
use sqlx::{Executor, PgPool};

const TABLES: [&str; 5] = [
    "conversations",
    "llm_usage",
    "cost_ledger",
    "kb_evals",
    "reply_edits",
];

/// Seeds `public` (three months of a few hundred conversations up to 2026-10) and copies
/// every row into a partitioned schema `parts` with partitions from `from` to `to`.
async fn seeded_with_partitioned_copy(pool: &PgPool, from: &str, to: &str) -> String {
    let url = db_url(pool, None);
    seed(&url, 3, 300);
    aikpi()
        .args(["migrate", "--database-url", &url, "--schema", "parts"])
        .args(["--partitioned", "--from-month", from, "--to-month", to])
        .assert()
        .success();
    for table in TABLES {
        pool.execute(format!("INSERT INTO parts.{table} SELECT * FROM public.{table}").as_str())
            .await
            .unwrap();
    }
    pool.execute("ANALYZE").await.unwrap();
    url
}

/// report.json of `--month 2026-10` from `schema`, with the schema name (the one
/// intended difference) taken out.
fn report(url: &str, schema: &str, out: &std::path::Path) -> serde_json::Value {
    aikpi()
        .args(["report", "--month", "2026-10", "--database-url", url])
        .args(["--schema", schema])
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["provenance"]["schema"], schema);
    json["provenance"]["schema"] = serde_json::Value::Null;
    json
}

#[sqlx::test]
async fn a_partitioned_schema_reports_exactly_what_plain_tables_report(pool: PgPool) {
    let url = seeded_with_partitioned_copy(&pool, "2026-05", "2026-11").await;
    let partitions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_class c ON c.oid = i.inhrelid
         WHERE p.relnamespace = 'parts'::regnamespace AND c.relkind IN ('r', 'f')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(partitions, 14, "seven months of two tables");

    // Local partitions only: read with all read_connections on one shared snapshot.
    let mut conn = aikpi::source::postgres::connect(&url, "parts", None, true)
        .await
        .unwrap();
    assert!(!aikpi::source::postgres::has_foreign_tables(&mut conn)
        .await
        .unwrap());

    let dir = tempfile::tempdir().unwrap();
    let plain = report(&url, "public", &dir.path().join("plain"));
    let partitioned = report(&url, "parts", &dir.path().join("parts"));
    assert_eq!(plain, partitioned);
    assert!(plain["provenance"]["row_counts"]["conversations"].as_i64() > Some(0));

    // Running it again with a later --to-month only adds the new months.
    aikpi()
        .args(["migrate", "--database-url", &url, "--schema", "parts"])
        .args([
            "--partitioned",
            "--from-month",
            "2026-05",
            "--to-month",
            "2027-01",
        ])
        .assert()
        .success();
    let partitions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_class c ON c.oid = i.inhrelid
         WHERE p.relnamespace = 'parts'::regnamespace AND c.relkind IN ('r', 'f')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(partitions, 18, "two more months of two tables");
}

#[sqlx::test]
async fn seeding_the_partitioned_layout_gives_the_rows_of_the_plain_one(pool: PgPool) {
    let url = db_url(&pool, None);
    aikpi()
        .args(["migrate", "--database-url", &url, "--schema", "parts"])
        .args([
            "--partitioned",
            "--from-month",
            "2026-09",
            "--to-month",
            "2026-11",
        ])
        .assert()
        .success();
    for schema in ["public", "parts"] {
        aikpi()
            .args(["seed", "--database-url", &url, "--schema", schema])
            .args(["--end-month", "2026-10", "--months", "2"])
            .args(["--conversations-per-month", "100"])
            .assert()
            .success();
    }
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        report(&url, "public", &dir.path().join("plain")),
        report(&url, "parts", &dir.path().join("parts"))
    );
}

#[sqlx::test]
async fn the_two_layouts_never_mix_in_one_schema(pool: PgPool) {
    let url = db_url(&pool, None);
    let output = aikpi()
        .args(["migrate", "--database-url", &url, "--partitioned"])
        .args(["--from-month", "2026-01", "--to-month", "2026-02"])
        .output()
        .unwrap();
    let message = failure(&output, 3);
    assert_mentions(
        &message,
        &[
            "schema `public` already holds the unpartitioned layout",
            "aikpi migrate --partitioned --schema NAME",
        ],
    );
    let output = aikpi()
        .args(["migrate", "--database-url", &url, "--partitioned"])
        .args(["--from-month", "2026-03", "--to-month", "2026-02"])
        .output()
        .unwrap();
    assert_mentions(
        &failure(&output, 2),
        &["--from-month 2026-03 is after --to-month 2026-02"],
    );

    // A month already covered by a partition of another name (e.g. pg_partman's).
    let migrate = |to: &str| {
        aikpi()
            .args([
                "migrate",
                "--database-url",
                &url,
                "--schema",
                "p",
                "--partitioned",
            ])
            .args(["--from-month", "2026-01", "--to-month", to])
            .output()
            .unwrap()
    };
    assert!(migrate("2026-01").status.success());
    pool.execute(
        "CREATE TABLE p.managed_elsewhere PARTITION OF p.conversations
         FOR VALUES FROM ('2026-02-01 00:00:00+00') TO ('2026-03-01 00:00:00+00')",
    )
    .await
    .unwrap();
    assert_mentions(
        &failure(&migrate("2026-02"), 3),
        &[
            "would overlap partition \"managed_elsewhere\"",
            "already covers 2026-02",
            "Nothing was changed.",
        ],
    );
}

/// Every relation a plan reads (`Relation Name` of its scan nodes).
fn relations(plan: &serde_json::Value, found: &mut BTreeSet<String>) {
    match plan {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(name)) = map.get("Relation Name") {
                found.insert(name.clone());
            }
            map.values().for_each(|v| relations(v, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| relations(v, found)),
        _ => {}
    }
}

#[sqlx::test]
async fn plans_read_only_the_partitions_of_the_window(pool: PgPool) {
    seeded_with_partitioned_copy(&pool, "2026-01", "2026-12").await;
    let mut conn = pool.acquire().await.unwrap();
    conn.execute("SET search_path = parts").await.unwrap();
    // The window 2026-09 and 2026-10 (UTC).
    let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    let bounds = vec![
        at("2026-09-01T00:00:00Z"),
        at("2026-10-01T00:00:00Z"),
        at("2026-11-01T00:00:00Z"),
    ];
    let explain = |sql: &str| format!("EXPLAIN (FORMAT JSON) {sql}");
    let facts = include_str!("../../src/source/sql/conversations_facts.sql")
        .replace(
            "/*EXACT_SUMS*/",
            include_str!("../../src/source/sql/exact_sums.sql"),
        )
        .replace("/*IS_REAL*/", "$4")
        .replace(
            "/*SENTIMENT_UNITS*/",
            include_str!("../../src/source/sql/sentiment_units.sql"),
        );
    let frt = include_str!("../../src/source/sql/conversations_frt.sql")
        .replace("/*PERCENTILES*/", "count(f.frt)")
        // `conversations` as the report reads it, as source/postgres.rs puts it in.
        .replace(
            "/*CONVERSATIONS*/",
            include_str!("../../src/source/sql/conversations_read.sql").trim_end(),
        );
    let llm_usage = include_str!("../../src/source/sql/llm_usage.sql");

    let mut plans = Vec::new();
    plans.push((
        "facts",
        "conversations",
        sqlx::query_scalar::<_, serde_json::Value>(&explain(&facts))
            .bind(&bounds)
            .bind(rust_decimal::Decimal::new(5, 1))
            .bind(500_000_000_000_i64)
            .bind(true)
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
    ));
    plans.push((
        "first response",
        "conversations",
        sqlx::query_scalar(&explain(&frt))
            .bind(&bounds)
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
    ));
    plans.push((
        "LLM usage",
        "llm_usage",
        sqlx::query_scalar(&explain(llm_usage))
            .bind(&bounds)
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
    ));
    for (query, table, plan) in plans {
        let mut read = BTreeSet::new();
        relations(&plan, &mut read);
        let expected: BTreeSet<String> =
            [format!("{table}_p2026_09"), format!("{table}_p2026_10")].into();
        assert_eq!(
            read, expected,
            "the {query} query reads only the window: {plan}"
        );
    }

    // A read of one month (a report after `aikpi rollup`) has its own LLM usage query.
    let month: serde_json::Value = sqlx::query_scalar(&explain(include_str!(
        "../../src/source/sql/llm_usage_month.sql"
    )))
    .bind(&bounds[1..])
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let mut read = BTreeSet::new();
    relations(&month, &mut read);
    assert_eq!(
        read,
        BTreeSet::from(["llm_usage_p2026_10".to_string()]),
        "the one-month LLM usage query reads only its month: {month}"
    );
}

#[sqlx::test]
async fn a_report_scans_no_partition_outside_its_window(pool: PgPool) {
    let url = seeded_with_partitioned_copy(&pool, "2025-11", "2027-03").await;
    let db = db_name(&pool);
    pool.execute("SELECT pg_stat_reset()").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Six months of trend: the window is 2026-05 to 2026-10; the 24-hour return check
    // may look into the first day of 2026-11.
    report(&url, "parts", &dir.path().join("out"));
    // A backend flushes its counters as it exits, which may be after aikpi itself has
    // ended: wait (bounded) until none of the report's backends is left, then read.
    let deadline = Instant::now() + services::PATIENCE;
    loop {
        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = $1 AND application_name LIKE 'aikpi%'",
        )
        .bind(&db)
        .fetch_one(&pool)
        .await
        .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "waited {:?} for the report's {left} backend(s) to exit (and flush their \
             statistics), in vain",
            services::PATIENCE
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let scanned: Vec<(String, i64)> = sqlx::query_as(
        "SELECT relname::text, (coalesce(seq_scan, 0) + coalesce(idx_scan, 0))::int8
         FROM pg_stat_user_tables
         WHERE schemaname = 'parts' AND relname ~ '_p[0-9]{4}_[0-9]{2}$'
         ORDER BY relname",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(scanned.len(), 34, "{db}: every partition has statistics");
    for (partition, scans) in &scanned {
        let month = &partition[partition.len() - 7..];
        let inside = ("2026_05"..="2026_11").contains(&month);
        if !inside {
            assert_eq!(
                *scans, 0,
                "{partition} lies outside the window: {scanned:?}"
            );
        }
    }
    let window_scans: i64 = scanned
        .iter()
        .filter(|(p, _)| p.ends_with("2026_10"))
        .map(|(_, s)| s)
        .sum();
    assert!(window_scans > 0, "the month itself is read: {scanned:?}");
}
