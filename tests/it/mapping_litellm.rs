//! `aikpi mapping litellm`: LiteLLM's own spend log table, mapped onto `llm_usage` as a
//! user would (print the views, run them), passes `aikpi check` and reports the metered
//! LLM cost computed by hand from the fixture.

use crate::cli_support;

use serde_json::Value;
use sqlx::{Executor, PgPool};

use cli_support::{aikpi, db_url};

/// "LiteLLM_SpendLogs" as LiteLLM's first Prisma migration creates it (request_id text
/// key, "startTime" timestamp(3) without time zone in UTC, spend double precision,
/// metadata jsonb), with five calls around October 2026.
const FIXTURE: &str = r#"
CREATE SCHEMA litellm_raw;
CREATE TABLE litellm_raw."LiteLLM_SpendLogs" (
    "request_id" TEXT NOT NULL,
    "call_type" TEXT NOT NULL,
    "api_key" TEXT NOT NULL DEFAULT '',
    "spend" DOUBLE PRECISION NOT NULL DEFAULT 0.0,
    "total_tokens" INTEGER NOT NULL DEFAULT 0,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "startTime" TIMESTAMP(3) NOT NULL,
    "endTime" TIMESTAMP(3) NOT NULL,
    "model" TEXT NOT NULL DEFAULT '',
    "api_base" TEXT NOT NULL DEFAULT '',
    "user" TEXT NOT NULL DEFAULT '',
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "cache_hit" TEXT NOT NULL DEFAULT '',
    "cache_key" TEXT NOT NULL DEFAULT '',
    "request_tags" JSONB NOT NULL DEFAULT '[]',
    "team_id" TEXT,
    "end_user" TEXT,
    CONSTRAINT "LiteLLM_SpendLogs_pkey" PRIMARY KEY ("request_id")
);
INSERT INTO litellm_raw."LiteLLM_SpendLogs"
    (request_id, call_type, spend, total_tokens, prompt_tokens, completion_tokens,
     "startTime", "endTime", model, metadata)
VALUES
    -- The conversation id in the request's metadata, as the proxy keeps it.
    ('chatcmpl-1', 'acompletion', 0.0125, 1200, 1000, 200,
     '2026-10-03 10:00:00', '2026-10-03 10:00:02', 'gpt-4o',
     '{"requester_metadata": {"conversation_id": "c1"}, "user_api_key_alias": "support-bot"}'),
    -- An older client that put it at the top level.
    ('chatcmpl-2', 'acompletion', 0.0010, 300, 250, 50,
     '2026-10-15 12:00:00', '2026-10-15 12:00:01', 'gpt-4o-mini',
     '{"conversation_id": "c2"}'),
    -- KB indexing: no conversation; still October's LLM cost.
    ('emb-3', 'aembedding', 0.0002, 4000, 4000, 0,
     '2026-10-20 08:00:00', '2026-10-20 08:00:03', 'text-embedding-3-small', '{}'),
    -- The last millisecond of September and the first instant of November (UTC).
    ('chatcmpl-4', 'acompletion', 5.0, 10, 5, 5,
     '2026-09-30 23:59:59.999', '2026-10-01 00:00:01', 'gpt-4o', '{}'),
    ('chatcmpl-5', 'acompletion', 7.0, 10, 5, 5,
     '2026-11-01 00:00:00', '2026-11-01 00:00:01', 'gpt-4o', '{}');
"#;

#[sqlx::test]
async fn litellm_spend_logs_mapped_onto_llm_usage_give_the_hand_computed_llm_cost(pool: PgPool) {
    let url = db_url(&pool, None);
    pool.execute(FIXTURE).await.unwrap();
    // The other relations: aikpi's own tables in `team`, with two October conversations.
    aikpi()
        .args(["migrate", "--schema", "team", "--database-url", &url])
        .assert()
        .success();
    pool.execute(
        "DROP TABLE team.llm_usage CASCADE;
         INSERT INTO team.conversations VALUES
           ('c1', 'u1', 'billing', 'web', '2026-10-03 09:59Z', '2026-10-03 09:59Z',
            '2026-10-03 10:00:02Z', '2026-10-03 10:05Z', 'resolved', true, NULL, NULL, true,
            5, NULL, 0.1),
           ('c2', 'u2', 'billing', 'web', '2026-10-15 11:59Z', '2026-10-15 11:59Z',
            '2026-10-15 12:00:01Z', '2026-10-15 12:10Z', 'resolved', true, NULL, NULL, true,
            4, NULL, 0.2);",
    )
    .await
    .unwrap();

    // As a user would: print the mapping and run it.
    let printed = aikpi()
        .args([
            "mapping",
            "litellm",
            "--source-schema",
            "litellm_raw",
            "--schema",
            "team",
        ])
        .output()
        .unwrap();
    assert!(printed.status.success());
    let sql = String::from_utf8(printed.stdout).unwrap();
    assert!(
        sql.contains("FROM \"litellm_raw\".\"LiteLLM_SpendLogs\""),
        "{sql}"
    );
    pool.execute(sql.as_str()).await.unwrap();

    let check = aikpi()
        .args([
            "check", "--schema", "team", "--month", "2026-10", "--format", "json",
        ])
        .args(["--database-url", &url])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(check.status.code(), Some(0), "{json:#}");
    assert_ne!(json["verdict"], "not_ready");
    let llm_usage = &json["relations"][1];
    assert_eq!(llm_usage["kind"], "view");
    // October holds the three calls between the September and November ones.
    assert_eq!(
        llm_usage["rows_by_month"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["rows"],
        3
    );
    assert_eq!(llm_usage["rows_after_month"], 1);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    aikpi()
        .args([
            "report", "--schema", "team", "--month", "2026-10", "--quiet",
        ])
        .args(["--format", "json", "--database-url", &url])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let cost = &report["cost_breakdown"];
    // 0.0125 + 0.0010 + 0.0002: the three October calls; September's last millisecond
    // (5.0) and November's first instant (7.0) are outside the month in UTC.
    let llm = cost["llm"].as_f64().unwrap();
    assert!((llm - 0.0137).abs() < 1e-12, "{cost:#}");
    // The embedding call has no conversation: background.
    let background = cost["llm_background"].as_f64().unwrap();
    assert!((background - 0.0002).abs() < 1e-12, "{cost:#}");
}
