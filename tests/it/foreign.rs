//! Older months on another server (issue 13): `conversations` and `llm_usage` partitioned
//! by month, the recent months local, everything before 2026-09 a postgres_fdw foreign
//! partition on a second, test-owned cluster. The report is exactly what plain tables with
//! the same rows give, on one connection or several (docs/SCALING.md says why both agree
//! and when they would not).

use crate::cli_support;
use crate::cluster_support;

use cli_support::*;
use cluster_support::*;
use sqlx::{Executor, PgPool};

/// The contract columns of the two partitioned relations, for the remote tables.
const REMOTE_DDL: &str = "
CREATE TABLE conversations_before_2026_09 (
    id text NOT NULL, user_id text NOT NULL, issue_key text, channel text NOT NULL,
    started_at timestamptz NOT NULL, first_user_message_at timestamptz,
    first_ai_reply_at timestamptz, closed_at timestamptz, close_reason text,
    ai_participated boolean NOT NULL, handoff_at timestamptz, handoff_initiator text,
    rating_prompted boolean NOT NULL, ai_csat smallint, human_csat smallint,
    negative_sentiment real);
CREATE INDEX ON conversations_before_2026_09 (started_at);
CREATE INDEX ON conversations_before_2026_09 (user_id, issue_key, started_at);
CREATE TABLE llm_usage_before_2026_09 (
    id bigint NOT NULL, occurred_at timestamptz NOT NULL, conversation_id text,
    model text NOT NULL, prompt_tokens bigint NOT NULL, completion_tokens bigint NOT NULL,
    cost numeric NOT NULL);
CREATE INDEX ON llm_usage_before_2026_09 (occurred_at);";

#[sqlx::test]
async fn old_months_on_a_foreign_server_report_exactly_what_local_tables_report(pool: PgPool) {
    let remote = Cluster::primary();
    remote.sql(REMOTE_DDL);
    let url = db_url(&pool, None);
    seed(&url, 4, 200);
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
    pool.execute(
        format!(
            "CREATE EXTENSION postgres_fdw;
             CREATE SERVER old_months FOREIGN DATA WRAPPER postgres_fdw
                 OPTIONS (host '127.0.0.1', port '{}', dbname 'postgres');
             CREATE USER MAPPING FOR CURRENT_USER SERVER old_months OPTIONS (user 'postgres');
             CREATE FOREIGN TABLE parts.conversations_before_2026_09
                 PARTITION OF parts.conversations
                 FOR VALUES FROM (MINVALUE) TO ('2026-09-01 00:00:00+00')
                 SERVER old_months OPTIONS (schema_name 'public', table_name 'conversations_before_2026_09');
             CREATE FOREIGN TABLE parts.llm_usage_before_2026_09
                 PARTITION OF parts.llm_usage
                 FOR VALUES FROM (MINVALUE) TO ('2026-09-01 00:00:00+00')
                 SERVER old_months OPTIONS (schema_name 'public', table_name 'llm_usage_before_2026_09');",
            remote.port
        )
        .as_str(),
    )
    .await
    .unwrap();
    // Rows are routed: old months through postgres_fdw to the remote cluster.
    for table in [
        "conversations",
        "llm_usage",
        "cost_ledger",
        "kb_evals",
        "reply_edits",
    ] {
        pool.execute(format!("INSERT INTO parts.{table} SELECT * FROM public.{table}").as_str())
            .await
            .unwrap();
    }
    let remote_rows: i64 = remote
        .sql("SELECT count(*) FROM conversations_before_2026_09")
        .parse()
        .unwrap();
    assert!(remote_rows > 0, "the old months live on the other server");

    // The shared snapshot does not reach foreign scans (each session's remote transaction
    // takes its own), so aikpi reads such a schema on one session.
    for (schema, foreign) in [("parts", true), ("public", false)] {
        let mut conn = aikpi::source::postgres::connect(&url, schema, None, true)
            .await
            .unwrap();
        assert_eq!(
            aikpi::source::postgres::has_foreign_tables(&mut conn)
                .await
                .unwrap(),
            foreign,
            "{schema}"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let report = |schema: &str, name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        aikpi()
            .args(["report", "--month", "2026-10", "--database-url", &url])
            .args(["--schema", schema])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let mut json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        json["provenance"]["schema"] = serde_json::Value::Null;
        json
    };
    let local = report("public", "local", &[]);
    let foreign = report("parts", "foreign", &[]);
    assert_eq!(local, foreign);
    let config = dir.path().join("one.toml");
    std::fs::write(&config, "read_connections = 1\n").unwrap();
    let foreign_one = report(
        "parts",
        "foreign-one",
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(local, foreign_one);
    // The trend really reaches into the remote months (2026-07 and 2026-08).
    assert_eq!(foreign["trend"]["months"][2], "2026-07");
    assert!(
        foreign["trend"]["series"]["ai_touch_rate"][2].is_number(),
        "{}",
        foreign["trend"]
    );
}
