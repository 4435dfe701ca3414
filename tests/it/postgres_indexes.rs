//! The report names the indexes its plan expects when a relation lacks them (a notice on
//! stderr, never a failure), with the statement that adds them; a view over one team
//! table is judged by that table; a large table that was never analysed, or whose pages
//! are mostly not all-visible, is named with the VACUUM that fixes it
//! (docs/PERFORMANCE.md, "Indexes").
//!
//! `#[sqlx::test]` gives each test a fresh database with ./migrations applied.

use crate::cli_support;

use cli_support::*;
use sqlx::{Executor, PgPool};

use aikpi::source::postgres::{connect, missing_indexes, stale_tables, MissingIndex, StaleTable};

const COVERING: &str = "CREATE INDEX ON conversations (user_id, issue_key, started_at) \
     INCLUDE (closed_at, ai_participated, handoff_at, close_reason, negative_sentiment, channel)";

async fn missing_in(pool: &PgPool, schema: &str) -> Vec<MissingIndex> {
    let mut conn = connect(&db_url(pool, None), schema, None, true)
        .await
        .unwrap();
    missing_indexes(&mut conn).await.unwrap()
}

#[sqlx::test]
async fn a_migrated_schema_lacks_no_index(pool: PgPool) {
    assert_eq!(missing_in(&pool, "public").await, vec![]);
}

#[sqlx::test]
async fn a_dropped_covering_index_is_named_with_the_statement_that_adds_it(pool: PgPool) {
    pool.execute(
        "DROP INDEX conversations_user_issue_started_cover2_idx;
         -- the key alone (migration 0001's index) does not serve index-only scans
         CREATE INDEX ON conversations (user_id, issue_key, started_at)
             INCLUDE (closed_at, ai_participated, handoff_at, close_reason, negative_sentiment);",
    )
    .await
    .unwrap();
    let missing = missing_in(&pool, "public").await;
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0].relation, "conversations");
    assert_eq!(missing[0].create_statement(), COVERING);

    pool.execute(missing[0].create_statement().as_str())
        .await
        .unwrap();
    assert_eq!(missing_in(&pool, "public").await, vec![]);
}

#[sqlx::test]
async fn a_view_of_one_team_table_is_judged_by_that_table(pool: PgPool) {
    pool.execute(
        "CREATE SCHEMA team;
         CREATE TABLE team.support_conversations (LIKE public.conversations);
         CREATE SCHEMA reporting;
         CREATE VIEW reporting.conversations AS
             SELECT * FROM team.support_conversations WHERE channel <> 'test';
         CREATE VIEW reporting.llm_usage AS SELECT * FROM public.llm_usage;
         CREATE VIEW reporting.cost_ledger AS SELECT * FROM public.cost_ledger;
         -- two tables behind one view: not judged
         CREATE VIEW reporting.kb_evals AS
             SELECT k.* FROM public.kb_evals k JOIN public.cost_ledger l ON false
             UNION ALL SELECT * FROM public.kb_evals;
         CREATE VIEW reporting.reply_edits AS SELECT * FROM public.reply_edits;",
    )
    .await
    .unwrap();
    let missing = missing_in(&pool, "reporting").await;
    let named: Vec<(&str, &str, String)> = missing
        .iter()
        .map(|m| (m.relation, m.table.as_str(), m.columns.join(",")))
        .collect();
    assert_eq!(
        named,
        vec![
            (
                "conversations",
                "team.support_conversations",
                "user_id,issue_key,started_at".to_string()
            ),
            (
                "conversations",
                "team.support_conversations",
                "started_at".to_string()
            ),
        ]
    );
    assert_eq!(
        missing[1].to_string(),
        "conversations (the table team.support_conversations behind the view) has no index \
         on (started_at): the return windows that reach past the report window are checked \
         with full scans, so the report is slower (its numbers are the same). Add it with \
         `CREATE INDEX ON team.support_conversations (started_at);` (docs/PERFORMANCE.md, \
         \"Indexes\")."
    );
}

#[sqlx::test]
async fn the_report_names_a_missing_index_on_stderr_and_succeeds(pool: PgPool) {
    pool.execute(
        format!(
            "{} DROP INDEX llm_usage_occurred_at_idx;",
            conversation("c1", "2026-10-10T10:00:00Z", Some(5), Some(0.1), "resolved")
        )
        .as_str(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = aikpi()
        .args(["report", "--month", "2026-10", "--format", "json"])
        .args(["--database-url", &db_url(&pool, None)])
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.lines().any(|l| l
            == "aikpi: notice: llm_usage has no index on (occurred_at): reading a window of \
                months always scans the whole table, so the report is slower (its numbers \
                are the same). Add it with `CREATE INDEX ON llm_usage (occurred_at);` \
                (docs/PERFORMANCE.md, \"Indexes\")."),
        "{err}"
    );
    assert!(dir.path().join("out/report.json").is_file());
}

async fn stale_in(pool: &PgPool) -> Vec<StaleTable> {
    let mut conn = connect(&db_url(pool, None), "public", None, true)
        .await
        .unwrap();
    // Any non-empty table counts here; the report only judges tables of 64 MB and more.
    stale_tables(&mut conn, 1).await.unwrap()
}

#[sqlx::test]
async fn a_table_without_statistics_or_visibility_is_named_until_vacuumed(pool: PgPool) {
    pool.execute(
        format!(
            "{} {}",
            conversation("c1", "2026-10-10T10:00:00Z", Some(5), Some(0.1), "resolved"),
            conversation("c2", "2026-10-11T10:00:00Z", Some(4), Some(0.2), "resolved")
        )
        .as_str(),
    )
    .await
    .unwrap();
    let stale = stale_in(&pool).await;
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(stale[0].relation, "conversations");
    assert!(stale[0].never_analysed);
    assert_eq!(
        stale[0].to_string(),
        "conversations has never been analysed, so PostgreSQL misjudges its size and may \
         sort the whole report window on disk; the report is slower (its numbers are the \
         same). Run `VACUUM (ANALYZE) conversations;` once after a bulk load, or let \
         autovacuum do it (docs/PERFORMANCE.md, \"Indexes\")."
    );

    // Statistics, but no page marked all-visible yet.
    pool.execute("ANALYZE conversations").await.unwrap();
    let stale = stale_in(&pool).await;
    assert_eq!(
        stale,
        vec![StaleTable {
            relation: "conversations".to_string(),
            never_analysed: false,
            visible_percent: Some(0),
        }]
    );

    pool.execute("VACUUM (ANALYZE) conversations")
        .await
        .unwrap();
    assert_eq!(stale_in(&pool).await, vec![]);
}
