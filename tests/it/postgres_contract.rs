//! Sessions, the data-contract check, migrations and aggregates files.
//!
//! `#[sqlx::test]` reads DATABASE_URL at run time and gives each test a fresh database
//! with ./migrations applied; without a reachable PostgreSQL these tests fail.

use crate::database;

use std::time::Duration;

use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::{Connection, Executor, PgPool};

use aikpi::aggregates::SourceInfo;
use aikpi::source::postgres::{
    check_contract, connect, migrate, read_aggregates, AggregatesRequest,
};
use aikpi::source::{load_aggregates_file, SourceError};

async fn exec(pool: &PgPool, sql: &str) {
    pool.execute(sql).await.unwrap();
}

#[sqlx::test]
async fn the_migrated_schema_satisfies_the_contract(pool: PgPool) {
    let mut conn = connect(&database::url(&pool, None), "public", None, true)
        .await
        .unwrap();
    check_contract(&mut conn).await.unwrap();
}

#[sqlx::test]
async fn views_over_a_team_schema_satisfy_the_contract(pool: PgPool) {
    // A team maps its own tables with views of the contract's names; types may differ
    // within the compatible set (varchar, int ids, double precision, integer ratings).
    exec(
        &pool,
        "CREATE SCHEMA team;
         CREATE TABLE team.tickets (
            ticket_no int PRIMARY KEY, customer varchar(40) NOT NULL, topic varchar(80),
            src varchar(20) NOT NULL, opened timestamptz NOT NULL, closed timestamptz,
            outcome text, bot boolean NOT NULL, score int, mood double precision);
         INSERT INTO team.tickets VALUES
            (1, 'c1', 'refund', 'web', '2026-10-05 10:00Z', '2026-10-05 10:05Z', 'resolved', true, 5, 0.1);
         CREATE VIEW team.conversations AS SELECT ticket_no AS id, customer AS user_id,
            topic AS issue_key, src AS channel, opened AS started_at,
            opened AS first_user_message_at, opened + interval '2 s' AS first_ai_reply_at,
            closed AS closed_at, outcome AS close_reason, bot AS ai_participated,
            NULL::timestamptz AS handoff_at, NULL::text AS handoff_initiator,
            true AS rating_prompted, score AS ai_csat, NULL::int AS human_csat,
            mood AS negative_sentiment FROM team.tickets;
         CREATE VIEW team.llm_usage AS SELECT * FROM public.llm_usage;
         CREATE VIEW team.cost_ledger AS SELECT * FROM public.cost_ledger;
         CREATE VIEW team.kb_evals AS SELECT * FROM public.kb_evals;
         CREATE VIEW team.reply_edits AS SELECT * FROM public.reply_edits;",
    )
    .await;
    let mut conn = connect(&database::url(&pool, None), "team", None, true)
        .await
        .unwrap();
    check_contract(&mut conn).await.unwrap();
    let req = request(&["2026-10"]);
    let a = read_aggregates(&mut conn, &req).await.unwrap();
    let c = &a.months[0].conversations;
    assert_eq!(c.total, 1);
    assert_eq!(c.deflected, 1);
    assert_eq!((c.csat_ai.rated, c.csat_ai.sum), (1, 5));
    assert_eq!(c.sentiment.sum, BigDecimal::new((1).into(), 1));
    assert_eq!(c.first_response.p50_seconds, Some(2.0));
}

#[sqlx::test]
async fn a_missing_relation_is_named(pool: PgPool) {
    exec(
        &pool,
        "CREATE SCHEMA partial;
         CREATE VIEW partial.conversations AS SELECT * FROM public.conversations;
         CREATE VIEW partial.llm_usage AS SELECT * FROM public.llm_usage;
         CREATE VIEW partial.cost_ledger AS SELECT * FROM public.cost_ledger;
         CREATE VIEW partial.reply_edits AS SELECT * FROM public.reply_edits;",
    )
    .await;
    let mut conn = connect(&database::url(&pool, None), "partial", None, true)
        .await
        .unwrap();
    let err = check_contract(&mut conn).await.unwrap_err();
    assert!(
        matches!(&err, SourceError::MissingRelation { schema, relation } if schema == "partial" && *relation == "kb_evals"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("`kb_evals`") && message.contains("README.md"),
        "{message}"
    );
}

#[sqlx::test]
async fn a_missing_column_is_named(pool: PgPool) {
    exec(
        &pool,
        "CREATE SCHEMA lacking;
         CREATE VIEW lacking.conversations AS SELECT * FROM public.conversations;
         CREATE VIEW lacking.llm_usage AS SELECT * FROM public.llm_usage;
         CREATE VIEW lacking.cost_ledger AS SELECT * FROM public.cost_ledger;
         CREATE VIEW lacking.kb_evals AS SELECT id, evaluated_at, expected_doc_id FROM public.kb_evals;
         CREATE VIEW lacking.reply_edits AS SELECT * FROM public.reply_edits;",
    )
    .await;
    let mut conn = connect(&database::url(&pool, None), "lacking", None, true)
        .await
        .unwrap();
    let err = check_contract(&mut conn).await.unwrap_err();
    assert!(
        matches!(&err, SourceError::MissingColumn { relation, column, .. } if *relation == "kb_evals" && *column == "top1_doc_id"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("lacking.kb_evals")
            && message.contains("`top1_doc_id`")
            && message.contains("README.md"),
        "{message}"
    );
}

#[sqlx::test]
async fn a_wrong_column_type_is_named(pool: PgPool) {
    // A timestamp without time zone would be read in the session's time zone: refused.
    exec(
        &pool,
        "CREATE SCHEMA naive;
         CREATE VIEW naive.conversations AS SELECT * FROM public.conversations;
         CREATE VIEW naive.llm_usage AS SELECT id, occurred_at::timestamp AS occurred_at,
            conversation_id, model, prompt_tokens, completion_tokens, cost FROM public.llm_usage;
         CREATE VIEW naive.cost_ledger AS SELECT * FROM public.cost_ledger;
         CREATE VIEW naive.kb_evals AS SELECT * FROM public.kb_evals;
         CREATE VIEW naive.reply_edits AS SELECT * FROM public.reply_edits;",
    )
    .await;
    let mut conn = connect(&database::url(&pool, None), "naive", None, true)
        .await
        .unwrap();
    let err = check_contract(&mut conn).await.unwrap_err();
    assert!(
        matches!(&err, SourceError::WrongColumnType { relation, column, found, .. }
            if *relation == "llm_usage" && *column == "occurred_at" && found == "timestamp without time zone"),
        "{err:?}"
    );
    assert!(err.to_string().contains("timestamptz"), "{err}");
}

#[sqlx::test]
async fn a_missing_schema_is_named(pool: PgPool) {
    let mut conn = connect(&database::url(&pool, None), "nowhere", None, true)
        .await
        .unwrap();
    let err = check_contract(&mut conn).await.unwrap_err();
    assert!(matches!(err, SourceError::SchemaMissing { .. }), "{err:?}");
    assert!(err.to_string().contains("nowhere"), "{err}");
}

#[sqlx::test]
async fn a_hostile_schema_name_is_only_ever_a_name(pool: PgPool) {
    let url = database::url(&pool, None);
    let hostile = "x\"; DROP TABLE conversations; --";
    let mut conn = connect(&url, hostile, Some(Duration::from_secs(5)), true)
        .await
        .unwrap();
    let path: String = sqlx::query_scalar("SHOW search_path")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(path, "\"x\"\"; DROP TABLE conversations; --\"");
    assert!(matches!(
        check_contract(&mut conn).await,
        Err(SourceError::SchemaMissing { .. })
    ));
    let still_there: bool =
        sqlx::query_scalar("SELECT to_regclass('public.conversations') IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(still_there);

    // The same name works as a real schema: migrate creates exactly it.
    migrate(&url, hostile).await.unwrap();
    let mut conn = connect(&url, hostile, None, true).await.unwrap();
    check_contract(&mut conn).await.unwrap();
    let created: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(hostile)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(created);
}

#[sqlx::test]
async fn the_report_session_is_read_only(pool: PgPool) {
    let mut conn = connect(&database::url(&pool, None), "public", None, true)
        .await
        .unwrap();
    let ro: String = sqlx::query_scalar("SHOW transaction_read_only")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(ro, "on");
    let err = sqlx::query("INSERT INTO kb_evals VALUES (1, now(), 'a', 'a')")
        .execute(&mut conn)
        .await
        .unwrap_err();
    let code = err
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("25006"), "{err}"); // read_only_sql_transaction
                                                         // And a writable session is writable.
    let mut rw = connect(&database::url(&pool, None), "public", None, false)
        .await
        .unwrap();
    sqlx::query("INSERT INTO kb_evals VALUES (1, now(), 'a', 'a')")
        .execute(&mut rw)
        .await
        .unwrap();
}

#[sqlx::test]
async fn the_statement_timeout_applies(pool: PgPool) {
    let mut conn = connect(
        &database::url(&pool, None),
        "public",
        Some(Duration::from_millis(50)),
        true,
    )
    .await
    .unwrap();
    let setting: String = sqlx::query_scalar("SHOW statement_timeout")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(setting, "50ms");
    let err = sqlx::query("SELECT pg_sleep(2)")
        .execute(&mut conn)
        .await
        .unwrap_err();
    let code = err
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("57014"), "{err}"); // query_canceled
}

#[tokio::test]
async fn a_failed_connection_names_the_redacted_location() {
    // Nothing listens on port 1.
    let err = connect(
        "postgres://alice:s3cret-pw@127.0.0.1:1/mbr",
        "public",
        None,
        true,
    )
    .await
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, SourceError::Connect { .. }), "{err:?}");
    assert!(
        message.contains("postgres://alice:***@127.0.0.1:1/mbr"),
        "{message}"
    );
    assert!(!message.contains("s3cret"), "{message}");

    let err = connect(
        "postgres://alice:s3cret-pw@127.0.0.1:notaport/mbr",
        "public",
        None,
        true,
    )
    .await
    .unwrap_err();
    assert!(!err.to_string().contains("s3cret"), "{err}");
}

#[sqlx::test]
async fn migrate_is_idempotent_in_public_and_in_a_fresh_schema(pool: PgPool) {
    let url = database::url(&pool, None);
    // public was migrated by #[sqlx::test] already.
    migrate(&url, "public").await.unwrap();
    migrate(&url, "tenant_a").await.unwrap();
    migrate(&url, "tenant_a").await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'tenant_a' AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        tables,
        [
            "aikpi_changes",
            "aikpi_rollup",
            "conversations",
            "cost_ledger",
            "kb_evals",
            "llm_usage",
            "reply_edits"
        ]
    );
    let mut conn = connect(&url, "tenant_a", None, true).await.unwrap();
    check_contract(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

#[sqlx::test]
async fn aggregates_files_round_trip_and_errors_name_the_path(pool: PgPool) {
    sqlx::query(
        "INSERT INTO llm_usage VALUES (1, '2026-10-02T10:00:00Z', NULL, 'm', 1, 1, 0.123456789012)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut conn = connect(&database::url(&pool, None), "public", None, true)
        .await
        .unwrap();
    let a = read_aggregates(&mut conn, &request(&["2026-09", "2026-10"]))
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aggregates.json");
    std::fs::write(&path, serde_json::to_string_pretty(&a).unwrap()).unwrap();
    assert_eq!(load_aggregates_file(&path).unwrap(), a);

    let missing = dir.path().join("missing.json");
    let err = load_aggregates_file(&missing).unwrap_err().to_string();
    assert!(err.contains("missing.json"), "{err}");

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"format_version\": 1}").unwrap();
    let err = load_aggregates_file(&garbage).unwrap_err().to_string();
    assert!(
        err.contains("garbage.json") && err.contains("aikpi aggregates"),
        "{err}"
    );

    let mut old = a.clone();
    old.format_version = 99;
    let versioned = dir.path().join("v99.json");
    std::fs::write(&versioned, serde_json::to_string(&old).unwrap()).unwrap();
    let err = load_aggregates_file(&versioned).unwrap_err().to_string();
    assert!(err.contains("v99.json") && err.contains("99"), "{err}");
}

fn request(months: &[&str]) -> AggregatesRequest {
    AggregatesRequest {
        months: months.iter().map(|m| m.parse().unwrap()).collect(),
        tz: chrono_tz::UTC,
        frustrated_sentiment_min: Decimal::new(5, 1),
        max_channels: 20,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "test".into(),
            schema: "public".into(),
            note: None,
        },
        read_at: "2026-12-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap(),
    }
}
