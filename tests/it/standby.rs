//! A report read from a streaming replica (issue 13): on a real PostgreSQL 15
//! primary/standby pair that the tests create on loopback ports (see
//! `tests/cluster_support`), the standby's report.json equals the primary's byte for byte,
//! the shared exported snapshot works there, and a recovery conflict is read again on a
//! fresh snapshot, then reported with the standby settings that prevent it.
//!
//! Both reports of a comparison go through one TCP proxy pointed at either server, so the
//! source URL recorded in report.json is the same.

use crate::cli_support;
use crate::cluster_support;

use std::path::Path;
use std::process::Stdio;

use cli_support::*;
use cluster_support::*;
use sqlx::{Connection, Executor, PgConnection};

/// Migrates and seeds `public` of the primary's `postgres` database (a few hundred
/// conversations a month).
fn seed(primary: &Cluster) {
    let url = primary.url("postgres");
    aikpi()
        .args(["migrate", "--database-url", &url])
        .assert()
        .success();
    cli_support::seed(&url, 3, 300);
}

/// `aikpi report --month 2026-10` from `url` into `out`; returns report.json.
fn report_json(url: &str, out: &Path, extra: &[&str]) -> Vec<u8> {
    aikpi()
        .args(["report", "--month", "2026-10", "--database-url", url])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    std::fs::read(out.join("report.json")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standby_reports_what_the_primary_reports_byte_for_byte() {
    let primary = Cluster::primary();
    let standby = Cluster::standby_of(&primary, "");
    seed(&primary);
    primary.wait_for_replay(&standby);

    let dir = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(primary.port);
    let on_primary = report_json(&proxy.url("postgres"), &dir.path().join("primary"), &[]);
    proxy.point_at(standby.port);
    let on_standby = report_json(&proxy.url("postgres"), &dir.path().join("standby"), &[]);
    assert!(
        on_primary == on_standby,
        "report.json differs between the primary and the standby"
    );
    let json: serde_json::Value = serde_json::from_slice(&on_standby).unwrap();
    assert!(
        json["provenance"]["row_counts"]["conversations"].as_i64() > Some(0),
        "the report read the seeded rows"
    );

    // The standby exports a snapshot that other sessions import: the report's parallel
    // reads really share one snapshot there (they do not fall back to one connection).
    let url = standby.url("postgres");
    let mut exporter = PgConnection::connect(&url).await.unwrap();
    let mut importer = PgConnection::connect(&url).await.unwrap();
    exporter
        .execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
        .unwrap();
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut exporter)
        .await
        .expect("a hot standby exports snapshots");
    importer
        .execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
        .unwrap();
    importer
        .execute(format!("SET TRANSACTION SNAPSHOT '{snapshot}'").as_str())
        .await
        .expect("and another session imports them");
    let count = "SELECT count(*) FROM conversations";
    let a: i64 = sqlx::query_scalar(count)
        .fetch_one(&mut exporter)
        .await
        .unwrap();
    let b: i64 = sqlx::query_scalar(count)
        .fetch_one(&mut importer)
        .await
        .unwrap();
    assert_eq!(a, b);
    assert!(a > 0);

    // One connection or four: the same bytes on the standby.
    let config = dir.path().join("one.toml");
    std::fs::write(&config, "read_connections = 1\n").unwrap();
    let one = report_json(
        &proxy.url("postgres"),
        &dir.path().join("one"),
        &["--config", config.to_str().unwrap()],
    );
    assert!(one == on_standby, "one connection reads what four read");
}

/// A pair whose standby cancels conflicting queries at once (max_standby_streaming_delay
/// = 0, no hot_standby_feedback), seeded, with schema `slow` whose conversations view
/// sleeps while `slow.nap.sleep` is true.
fn conflicting_pair() -> (Cluster, Cluster) {
    let primary = Cluster::primary();
    let standby = Cluster::standby_of(
        &primary,
        "max_standby_streaming_delay = 0\nhot_standby_feedback = off",
    );
    seed(&primary);
    primary.sql(&format!(
        "CREATE TABLE public.nap (sleep boolean NOT NULL); INSERT INTO public.nap VALUES (true); {}",
        slow_schema_sql("conversations", "(SELECT sleep FROM public.nap)")
    ));
    primary.wait_for_replay(&standby);
    (primary, standby)
}

/// Starts a report on the standby (schema `slow`, `config` lines) into `out`, and while it
/// sleeps in the slow view on its snapshot, makes the primary remove row versions that
/// snapshot still sees: replay is paused, the primary updates every conversation (to the
/// same values) and vacuums, the nap ends, and replay resumes. Returns the finished run.
fn report_through_a_recovery_conflict(
    primary: &Cluster,
    standby: &Cluster,
    config: &str,
    out: &Path,
) -> std::process::Output {
    let config_dir = tempfile::tempdir().unwrap();
    let config_path = config_dir.path().join("aikpi.toml");
    std::fs::write(&config_path, config).unwrap();
    standby.sql("SELECT pg_wal_replay_pause()");
    let mut child = aikpi_std()
        .args(["report", "--month", "2026-10", "--schema", "slow"])
        .arg("--database-url")
        .arg(standby.url("postgres"))
        .arg("--config")
        .arg(&config_path)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_sleeping_report(&mut child, &mut || {
        standby.sql(SLEEPING_REPORTS).parse().unwrap()
    });
    primary.sql("UPDATE public.conversations SET channel = channel");
    primary.sql("UPDATE public.nap SET sleep = false");
    primary.sql("VACUUM public.conversations");
    standby.resume_replay();
    finish(child)
}

/// Snapshot conflicts the standby has counted in database `postgres`.
fn snapshot_conflicts(standby: &Cluster) -> i64 {
    standby
        .sql("SELECT confl_snapshot FROM pg_stat_database_conflicts WHERE datname = 'postgres'")
        .parse()
        .unwrap()
}

#[test]
fn a_recovery_conflict_is_read_again_on_a_fresh_snapshot() {
    let (primary, standby) = conflicting_pair();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("standby");
    let output = report_through_a_recovery_conflict(&primary, &standby, "", &out);
    let err = stderr(&output);
    assert!(
        output.status.success(),
        "the retry succeeds: {err}\n{}",
        standby.log()
    );
    assert!(snapshot_conflicts(&standby) > 0, "a real recovery conflict");
    assert_mentions(
        &err,
        &[
            "aikpi: note: the hot standby cancelled the conversation aggregates",
            "conflict with recovery",
            "reading everything again on a fresh snapshot",
        ],
    );

    // The retried report is the primary's report of the same (unchanged) values.
    let proxy = Proxy::start(standby.port);
    let retried = std::fs::read(out.join("report.json")).unwrap();
    let through_proxy = report_json(
        &proxy.url("postgres"),
        &dir.path().join("standby-again"),
        &["--schema", "slow"],
    );
    proxy.point_at(primary.port);
    let on_primary = report_json(
        &proxy.url("postgres"),
        &dir.path().join("primary"),
        &["--schema", "slow"],
    );
    assert!(through_proxy == on_primary, "standby and primary agree");
    let strip_source = |bytes: &[u8]| {
        let mut json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        json["provenance"]["source"] = serde_json::Value::Null;
        json
    };
    assert_eq!(strip_source(&retried), strip_source(&on_primary));
}

#[test]
fn a_recovery_conflict_without_retries_names_the_standby_settings() {
    let (primary, standby) = conflicting_pair();
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let output =
        report_through_a_recovery_conflict(&primary, &standby, "read_retries = 0\n", &previous.out);
    let message = failure(&output, 3);
    previous.assert_untouched();
    assert!(snapshot_conflicts(&standby) > 0, "a real recovery conflict");
    assert_mentions(
        &message,
        &[
            "the conversation aggregates",
            "cancelled by the hot standby",
            "conflict with recovery",
            "on the only attempt (read_retries = 0)",
            "hot_standby_feedback",
            "max_standby_streaming_delay",
            "Nothing was written.",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_idle_in_transaction_by_a_conflict_counts_as_a_recovery_conflict() {
    use aikpi::source::postgres::{read_aggregates, AggregatesRequest};
    use aikpi::source::SourceError;

    let (primary, standby) = conflicting_pair();
    let mut session =
        aikpi::source::postgres::connect(&standby.url("postgres"), "public", None, true)
            .await
            .unwrap();
    // A snapshot held by a session that sits idle in its transaction.
    standby.sql("SELECT pg_wal_replay_pause()");
    session
        .execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
        .unwrap();
    session
        .execute("SELECT count(*) FROM conversations")
        .await
        .unwrap();
    primary.sql("UPDATE public.conversations SET channel = channel");
    primary.sql("VACUUM public.conversations");
    standby.resume_replay();
    primary.wait_for_replay(&standby);
    assert!(snapshot_conflicts(&standby) > 0, "a real recovery conflict");

    // The standby ended the session (FATAL 40001); the next read hears of it first.
    let month = aikpi::period::Month::new(2026, 10).unwrap();
    let request = AggregatesRequest {
        months: vec![month.previous(), month],
        tz: chrono_tz::UTC,
        frustrated_sentiment_min: rust_decimal::Decimal::new(5, 1),
        max_channels: 20,
        source: aikpi::aggregates::SourceInfo {
            kind: "postgres".into(),
            location: "standby".into(),
            schema: "public".into(),
            note: None,
        },
        read_at: chrono::Utc::now(),
    };
    let err = read_aggregates(&mut session, &request).await.unwrap_err();
    assert!(
        matches!(err, SourceError::RecoveryConflict { .. }),
        "retried like a cancelled statement: {err}"
    );
    assert_mentions(
        &err.to_string(),
        &["terminating connection due to conflict with recovery"],
    );
}

/// `aikpi report --month 2026-10` from `url` into `out`; returns report.json and stderr.
fn report_with_stderr(url: &str, out: &Path, extra: &[&str]) -> (Vec<u8>, String) {
    let output = aikpi()
        .args(["report", "--month", "2026-10", "--database-url", url])
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "{stderr}");
    (std::fs::read(out.join("report.json")).unwrap(), stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standby_uses_the_primarys_rollup_and_sees_a_later_change() {
    let primary = Cluster::primary();
    let standby = Cluster::standby_of(&primary, "");
    seed(&primary);
    aikpi()
        .args([
            "rollup",
            "--month",
            "2026-10",
            "--now",
            "2026-11-01T12:00:00Z",
        ])
        .args(["--database-url", &primary.url("postgres")])
        .assert()
        .success();
    primary.wait_for_replay(&standby);

    let dir = tempfile::tempdir().unwrap();
    let url = standby.url("postgres");
    let (stored, stderr) = report_with_stderr(&url, &dir.path().join("stored"), &[]);
    assert!(
        stderr.contains("aikpi: notice: 2026-05 to 2026-09 read from the rollup stored"),
        "{stderr}"
    );
    let (full, _) = report_with_stderr(&url, &dir.path().join("full"), &["--no-rollup"]);
    assert!(stored == full, "the rollup changed the standby's report");

    // A late rating of a September conversation, written on the primary, replayed.
    let mut writer = PgConnection::connect(&primary.url("postgres"))
        .await
        .unwrap();
    writer
        .execute(
            "UPDATE conversations SET ai_csat = CASE WHEN ai_csat = 1 THEN 5 ELSE 1 END \
             WHERE id = (SELECT id FROM conversations WHERE started_at >= '2026-09-10' \
             AND started_at < '2026-09-20' ORDER BY id LIMIT 1)",
        )
        .await
        .unwrap();
    writer.close().await.unwrap();
    primary.wait_for_replay(&standby);
    let (after, stderr) = report_with_stderr(&url, &dir.path().join("after"), &[]);
    assert!(
        stderr.contains("aikpi: notice: 2026-05 to 2026-08 read from the rollup stored"),
        "{stderr}"
    );
    let (full_after, _) =
        report_with_stderr(&url, &dir.path().join("full-after"), &["--no-rollup"]);
    assert!(
        after == full_after,
        "the standby's report missed the change"
    );
    assert!(after != stored, "the change changed the report");
}
