//! The rollup of closed months (`aikpi rollup`, migrations/0004): a report that takes
//! stored months returns exactly what a full read returns, after every kind of change a
//! stored month depends on, including a change that commits while the rollup runs; a
//! stored month is used when nothing it depends on changed, and never when the change
//! log could have missed a write.
//!
//! `#[sqlx::test]` gives each test a fresh database with ./migrations applied.

use crate::cli_support;

use std::time::Duration;

use rust_decimal::Decimal;
use sqlx::{Connection, Executor, PgPool};

use aikpi::aggregates::SourceInfo;
use aikpi::seed::{seed, SeedOptions};
use aikpi::source::postgres::{
    connect, read_report, rollup, AggregatesRequest, ReadOptions, ReadTarget, ReportRead,
    RollupSummary, SkipReason,
};
use aikpi::source::SourceError;
use cli_support::{aikpi, db_url};

const WINDOW: [&str; 6] = [
    "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
];
/// Half a day after the report month ended: every month but October is closed.
const FIRST_OF_NOVEMBER: &str = "2026-11-01T12:00:00Z";

fn request(read_at: &str) -> AggregatesRequest {
    AggregatesRequest {
        months: WINDOW.iter().map(|m| m.parse().unwrap()).collect(),
        tz: chrono_tz::UTC,
        frustrated_sentiment_min: Decimal::new(5, 1),
        max_channels: 20,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "test".into(),
            schema: "public".into(),
            note: None,
        },
        read_at: read_at.parse().unwrap(),
    }
}

fn options(use_rollup: bool) -> ReadOptions {
    ReadOptions {
        work_mem: Some("8MB".into()),
        connections: 3,
        parallel_workers: Some(0),
        use_rollup,
    }
}

fn target<'a>(url: &'a str, schema: &'a str, options: &'a ReadOptions) -> ReadTarget<'a> {
    ReadTarget {
        url,
        schema,
        statement_timeout: None,
        options,
        retries: 0,
        contract: Default::default(),
    }
}

async fn seeded(pool: &PgPool) -> String {
    let options = SeedOptions {
        end_month: "2026-10".parse().unwrap(),
        months: 7,
        conversations_per_month: 400,
        seed: 12,
        tz: chrono_tz::UTC,
        append: false,
    };
    let mut conn = pool.acquire().await.unwrap();
    seed(&mut conn, &options).await.unwrap();
    db_url(pool, None)
}

async fn store(url: &str) -> RollupSummary {
    let options = options(true);
    rollup(
        &target(url, "public", &options),
        &request(FIRST_OF_NOVEMBER),
    )
    .await
    .unwrap()
}

async fn report(url: &str, use_rollup: bool) -> ReportRead {
    let options = options(use_rollup);
    read_report(
        &target(url, "public", &options),
        &request(FIRST_OF_NOVEMBER),
        &mut |_| {},
    )
    .await
    .unwrap()
}

/// Reads with and without the rollup, checks they agree exactly and returns the months
/// taken from the rollup.
async fn exact(url: &str) -> Vec<String> {
    let full = report(url, false).await;
    assert!(full.stored.is_none(), "--no-rollup took stored months");
    let with = report(url, true).await;
    assert_eq!(
        with.aggregates, full.aggregates,
        "the rollup changed the numbers"
    );
    with.stored
        .map(|s| s.months.iter().map(|m| m.month.to_string()).collect())
        .unwrap_or_default()
}

fn months(list: &[&str]) -> Vec<String> {
    list.iter().map(|m| m.to_string()).collect()
}

async fn execute(url: &str, sql: &str) {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    conn.execute(sql).await.unwrap();
    conn.close().await.unwrap();
}

/// The id of the first conversation (by id) started mid-`month`: the returns of the month
/// before do not reach it.
fn first_of(month: &str) -> String {
    format!(
        "(SELECT id FROM conversations WHERE started_at >= '{month}-10' \
         AND started_at < '{month}-20' ORDER BY id LIMIT 1)"
    )
}

#[sqlx::test]
async fn closed_months_are_stored_and_a_report_reads_only_the_rest(pool: PgPool) {
    let url = seeded(&pool).await;
    assert_eq!(
        exact(&url).await,
        Vec::<String>::new(),
        "nothing stored yet"
    );
    let summary = store(&url).await;
    assert_eq!(
        summary.stored,
        WINDOW[..5]
            .iter()
            .map(|m| m.parse().unwrap())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        summary.skipped,
        [("2026-10".parse().unwrap(), SkipReason::NotClosed)]
    );
    assert_eq!(exact(&url).await, months(&WINDOW[..5]));

    // A stored month really is what the report shows: alter one and the report says so.
    execute(
        &url,
        "UPDATE aikpi_rollup SET aggregates = replace(aggregates, '\"total\":', '\"total\":1') \
         WHERE month = '2026-05-01'",
    )
    .await;
    let with = report(&url, true).await;
    let full = report(&url, false).await;
    assert_ne!(
        with.aggregates.months[0].conversations.total,
        full.aggregates.months[0].conversations.total
    );
    assert_eq!(with.aggregates.months[1..], full.aggregates.months[1..]);
}

#[sqlx::test]
async fn every_change_a_stored_month_depends_on_is_seen(pool: PgPool) {
    let url = seeded(&pool).await;
    // A September conversation that closed late on the 30th: a conversation of the same
    // user and issue in the first hours of October is its 24 h return.
    execute(
        &url,
        &format!(
            "UPDATE conversations SET user_id = 'late-closer', issue_key = 'billing', \
             ai_participated = true, handoff_at = NULL, handoff_initiator = NULL, \
             closed_at = '2026-09-30 22:00Z', close_reason = 'resolved' WHERE id = {}",
            first_of("2026-09")
        ),
    )
    .await;
    let changes: [(&str, String, &[&str]); 9] = [
        (
            "a rating that arrives late",
            format!(
                "UPDATE conversations SET ai_csat = CASE WHEN ai_csat = 1 THEN 5 ELSE 1 END \
                 WHERE id = {}",
                first_of("2026-07")
            ),
            &["2026-05", "2026-06"],
        ),
        (
            "a conversation loaded late",
            "INSERT INTO conversations (id, user_id, issue_key, channel, started_at, \
             first_user_message_at, first_ai_reply_at, closed_at, close_reason, \
             ai_participated, handoff_at, handoff_initiator, rating_prompted, ai_csat, \
             human_csat, negative_sentiment) VALUES ('late-1', 'u-late', NULL, 'email', \
             '2026-06-10 10:00Z', '2026-06-10 10:00Z', '2026-06-10 10:01Z', \
             '2026-06-10 10:30Z', 'resolved', true, NULL, NULL, true, 4, NULL, 0.2)"
                .to_string(),
            &["2026-05"],
        ),
        (
            "a conversation deleted",
            format!(
                "DELETE FROM conversations WHERE id = {}",
                first_of("2026-08")
            ),
            &["2026-05", "2026-06", "2026-07"],
        ),
        (
            "a return in the first 24 h of the next month",
            "INSERT INTO conversations (id, user_id, issue_key, channel, started_at, \
             first_user_message_at, first_ai_reply_at, closed_at, close_reason, \
             ai_participated, handoff_at, handoff_initiator, rating_prompted, ai_csat, \
             human_csat, negative_sentiment) VALUES ('return-1', 'late-closer', 'billing', \
             'chat', '2026-10-01 08:00Z', '2026-10-01 08:00Z', NULL, NULL, NULL, false, NULL, \
             NULL, false, NULL, NULL, NULL)"
                .to_string(),
            &["2026-05", "2026-06", "2026-07", "2026-08"],
        ),
        (
            "an LLM call metered late",
            "INSERT INTO llm_usage (id, occurred_at, conversation_id, model, prompt_tokens, \
             completion_tokens, cost) VALUES (990000001, '2026-05-20 12:00Z', NULL, 'late-model', \
             10, 20, 0.123456)"
                .to_string(),
            &[],
        ),
        (
            "a conversation of the open month only",
            "INSERT INTO conversations (id, user_id, issue_key, channel, started_at, \
             first_user_message_at, first_ai_reply_at, closed_at, close_reason, \
             ai_participated, handoff_at, handoff_initiator, rating_prompted, ai_csat, \
             human_csat, negative_sentiment) VALUES ('october-1', 'u-oct', NULL, 'chat', \
             '2026-10-20 08:00Z', NULL, NULL, NULL, NULL, false, NULL, NULL, false, NULL, \
             NULL, NULL)"
                .to_string(),
            &["2026-05", "2026-06", "2026-07", "2026-08", "2026-09"],
        ),
        (
            "an update under session_replication_role = replica",
            format!(
                "SET session_replication_role = replica; \
                 UPDATE conversations SET channel = 'fax' WHERE id = {}; \
                 RESET session_replication_role",
                first_of("2026-08")
            ),
            &["2026-05", "2026-06", "2026-07"],
        ),
        (
            "an update from a session whose temporary tables mimic the log",
            format!(
                "CREATE TEMPORARY SEQUENCE aikpi_rollup_horizon MINVALUE 0 START WITH 0; \
                 CREATE TEMPORARY TABLE aikpi_changes (LIKE public.aikpi_changes); \
                 UPDATE conversations SET human_csat = CASE WHEN human_csat = 3 THEN 4 ELSE 3 END \
                 WHERE id = {}",
                first_of("2026-07")
            ),
            &["2026-05", "2026-06"],
        ),
        ("a truncated table", "TRUNCATE llm_usage".to_string(), &[]),
    ];
    for (what, sql, still_stored) in changes {
        let summary = store(&url).await;
        assert_eq!(
            summary.stored.len(),
            5,
            "{what}: the rollup stored May to September"
        );
        assert_eq!(exact(&url).await, months(&WINDOW[..5]), "{what}: before");
        let before = report(&url, false).await.aggregates;
        execute(&url, &sql).await;
        let after = report(&url, false).await.aggregates;
        assert_ne!(before, after, "{what}: the change must change the numbers");
        assert_eq!(exact(&url).await, months(still_stored), "{what}: after");
    }
}

#[sqlx::test]
async fn a_rollup_that_cannot_be_read_means_a_full_read(pool: PgPool) {
    let url = seeded(&pool).await;
    store(&url).await;
    execute(
        &url,
        "ALTER TABLE aikpi_rollup RENAME COLUMN aggregates TO damaged",
    )
    .await;
    assert_eq!(exact(&url).await, Vec::<String>::new());
}

#[sqlx::test]
async fn a_trigger_disabled_and_enabled_again_makes_stored_months_unusable(pool: PgPool) {
    let url = seeded(&pool).await;
    store(&url).await;
    execute(
        &url,
        &format!(
            "ALTER TABLE conversations DISABLE TRIGGER aikpi_changes_update; \
             UPDATE conversations SET human_csat = 1 WHERE id = {}; \
             ALTER TABLE conversations ENABLE ALWAYS TRIGGER aikpi_changes_update",
            first_of("2026-07")
        ),
    )
    .await;
    assert_eq!(exact(&url).await, Vec::<String>::new());
    // A new rollup trusts the triggers again.
    store(&url).await;
    assert_eq!(exact(&url).await, months(&WINDOW[..5]));
    // A trigger left disabled: the rollup refuses, and the report reads everything.
    execute(
        &url,
        "ALTER TABLE llm_usage DISABLE TRIGGER aikpi_changes_insert",
    )
    .await;
    let options = options(true);
    let refused = rollup(
        &target(&url, "public", &options),
        &request(FIRST_OF_NOVEMBER),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(refused, SourceError::RollupUnavailable { .. }),
        "{refused}"
    );
    assert_eq!(exact(&url).await, Vec::<String>::new());
}

#[sqlx::test]
async fn a_write_in_progress_when_the_rollup_begins_is_waited_for(pool: PgPool) {
    let url = seeded(&pool).await;
    // Before any rollup the horizon is 0 and this writer logs nothing.
    let mut writer = sqlx::PgConnection::connect(&url).await.unwrap();
    writer.execute("BEGIN").await.unwrap();
    writer
        .execute(
            format!(
                "UPDATE conversations SET ai_csat = 1, rating_prompted = true WHERE id = {}",
                first_of("2026-07")
            )
            .as_str(),
        )
        .await
        .unwrap();
    let rollup_url = url.clone();
    let running = tokio::spawn(async move { store(&rollup_url).await });
    // Seen waiting, not assumed waiting after a sleep (under load a sleep proves nothing):
    // the rollup polls whether the transactions in flight when it began still run
    // (sql/rollup_still_running.sql); once a session of this database has asked that, the
    // rollup is in its wait, and it must still be there while the writer is open. (The
    // pattern is split so that this query's own text does not match it.)
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    loop {
        let polling: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
             AND application_name LIKE 'aikpi%'
             AND query LIKE '%pg_xact' || '_status%'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if polling > 0 {
            break;
        }
        assert!(
            !running.is_finished(),
            "the rollup ended before it was seen waiting for the open writer"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "waited 180 s for the rollup to start waiting for the open writer, in vain"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !running.is_finished(),
        "the rollup must wait for the open writer"
    );
    writer.execute("COMMIT").await.unwrap();
    let summary = running.await.unwrap();
    assert_eq!(summary.stored.len(), 5);
    // The rollup's snapshot saw the write: the stored July is the July of a full read.
    assert_eq!(exact(&url).await, months(&WINDOW[..5]));
}

#[sqlx::test]
async fn views_cannot_be_rolled_up_and_one_rollup_runs_at_a_time(pool: PgPool) {
    let url = seeded(&pool).await;
    execute(
        &url,
        "CREATE SCHEMA team; \
         CREATE VIEW team.conversations AS SELECT * FROM public.conversations; \
         CREATE VIEW team.llm_usage AS SELECT * FROM public.llm_usage; \
         CREATE VIEW team.cost_ledger AS SELECT * FROM public.cost_ledger; \
         CREATE VIEW team.kb_evals AS SELECT * FROM public.kb_evals; \
         CREATE VIEW team.reply_edits AS SELECT * FROM public.reply_edits",
    )
    .await;
    let options = options(true);
    let refused = rollup(&target(&url, "team", &options), &request(FIRST_OF_NOVEMBER))
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "cannot store a rollup in schema `team`: the change log or one of its triggers is \
         missing, disabled or not readable, or a contract table is not a plain table. The \
         rollup needs what `aikpi migrate` creates (migrations/0004): the change log, and its \
         triggers on plain tables `conversations` and `llm_usage`, enabled ALWAYS. Run `aikpi \
         migrate` on this schema, and enable a disabled trigger again with `ALTER TABLE … \
         ENABLE ALWAYS TRIGGER …`; views, partitioned and foreign tables are always read in \
         full (docs/PERFORMANCE.md). Reports still work without a rollup."
    );

    let mut holder = connect(&url, "public", None, false).await.unwrap();
    holder
        .execute("SELECT pg_advisory_lock(hashtextextended('aikpi rollup public', 0))")
        .await
        .unwrap();
    let busy = rollup(
        &target(&url, "public", &options),
        &request(FIRST_OF_NOVEMBER),
    )
    .await
    .unwrap_err();
    assert!(matches!(busy, SourceError::RollupBusy { .. }), "{busy}");
    holder.close().await.unwrap();
    assert_eq!(store(&url).await.stored.len(), 5);
}

#[sqlx::test]
async fn the_command_line_stores_months_and_the_report_says_it_used_them(pool: PgPool) {
    let url = seeded(&pool).await;
    let rolled = aikpi()
        .args(["rollup", "--month", "2026-10", "--now", FIRST_OF_NOVEMBER])
        .args(["--database-url", &url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&rolled.stderr);
    assert!(rolled.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "stored 5 closed months (2026-05, 2026-06, 2026-07, 2026-08, 2026-09); left out \
             2026-10 (not closed: 24 h returns are settled 24 h after the month ends)"
        ),
        "{stderr}"
    );
    let out = tempfile::tempdir().unwrap();
    let reported = aikpi()
        .args(["report", "--month", "2026-10", "--now", FIRST_OF_NOVEMBER])
        .args(["--database-url", &url, "--format", "json", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&reported.stderr);
    assert!(reported.status.success(), "{stderr}");
    assert!(
        stderr.contains("aikpi: notice: 2026-05 to 2026-09 read from the rollup stored "),
        "{stderr}"
    );
    let full = aikpi()
        .args([
            "report",
            "--month",
            "2026-10",
            "--now",
            FIRST_OF_NOVEMBER,
            "--no-rollup",
        ])
        .args(["--database-url", &url, "--format", "json", "--out"])
        .arg(out.path().join("full"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&full.stderr);
    assert!(full.status.success(), "{stderr}");
    assert!(!stderr.contains("rollup"), "{stderr}");
    assert_eq!(
        std::fs::read(out.path().join("report.json")).unwrap(),
        std::fs::read(out.path().join("full/report.json")).unwrap()
    );
}
