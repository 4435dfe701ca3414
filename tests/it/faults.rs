//! Faults in the middle of a run (issue 13): the server ends the report's session during
//! each read, restarts, the network cuts the connection, the role has fewer connection
//! slots than `read_connections`, a signal arrives while the report set is published.
//! Every failure ends with exit 3 (data source) and one paragraph, the previous report in
//! `--out` byte for byte as it was, and no staging folder left after the next run.
//!
//! A report is held inside a read by a view that sleeps (see
//! `cluster_support::slow_schema_sql`) only for the query of the phase under test: the
//! gate looks at the query text (`current_query()`), so the other reads pass at once.

use crate::cli_support;
use crate::cluster_support;
use crate::services;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Instant;

use cli_support::*;
use cluster_support::*;
use sqlx::{Executor, PgPool};

/// Starts `aikpi report --month 2026-10 --schema slow` from `url` into `out`.
fn spawn_report(url: &str, out: &Path) -> Child {
    aikpi_std()
        .args(["report", "--month", "2026-10", "--schema", "slow"])
        .args(["--database-url", url])
        .arg("--out")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The message of a run that lost its connection, after the common checks.
fn lost_connection(child: Child, previous: &PreviousReport) -> String {
    let message = failure(&finish(child), 3);
    previous.assert_untouched();
    assert_mentions(
        &message,
        &[
            "the connection to PostgreSQL was lost during the",
            "Nothing was written",
            "run the report again",
        ],
    );
    message
}

/// Ends the report's backend while it sleeps in `relation`'s view during the query that
/// `gate` recognises, and checks that the message names `phase`.
async fn terminated_during(pool: &PgPool, relation: &str, gate: &str, phase: &str) {
    let url = db_url(pool, None);
    seed(&url, 2, 150);
    pool.execute(slow_schema_sql(relation, gate).as_str())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let mut child = spawn_report(&url, &previous.out);
    wait_for_sleeping_report(&mut child, &mut || {
        psql(&url, SLEEPING_REPORTS).parse().unwrap()
    });
    let ended = psql(
        &url,
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name LIKE 'aikpi%'
           AND wait_event = 'PgSleep' AND backend_type = 'client backend'",
    );
    assert_eq!(ended, "1", "one backend sleeps in the {phase} query");
    let message = lost_connection(child, &previous);
    assert_mentions(
        &message,
        &[
            &format!("during the {phase} query"),
            "terminating connection due to administrator command",
        ],
    );
}

#[sqlx::test]
async fn a_backend_terminated_during_the_llm_usage_read_is_named(pool: PgPool) {
    terminated_during(&pool, "llm_usage", "true", "LLM usage").await;
}

#[sqlx::test]
async fn a_backend_terminated_during_the_return_check_is_named(pool: PgPool) {
    let gate = "current_query() LIKE '%lead(%'";
    terminated_during(
        &pool,
        "conversations",
        gate,
        "conversation aggregates (24h returns)",
    )
    .await;
}

#[sqlx::test]
async fn a_backend_terminated_during_the_conversation_facts_read_is_named(pool: PgPool) {
    // `aht_squares_hi` is in the facts query alone.
    let gate = "current_query() LIKE '%aht_squares_hi%'";
    terminated_during(&pool, "conversations", gate, "conversation aggregates").await;
}

#[sqlx::test]
async fn a_backend_terminated_during_the_segments_read_is_named(pool: PgPool) {
    // `handle_time_measured` is in the segments query alone.
    let gate = "current_query() LIKE '%handle_time_measured%'";
    terminated_during(
        &pool,
        "conversations",
        gate,
        "conversation aggregates (segments)",
    )
    .await;
}

#[sqlx::test]
async fn a_backend_terminated_during_the_first_response_read_is_named(pool: PgPool) {
    // One filtered percentile per month is in the FRT query alone (the segments query
    // computes the last two months' percentiles per group).
    let gate = "current_query() LIKE '%FILTER (WHERE f.bucket = %'";
    terminated_during(
        &pool,
        "conversations",
        gate,
        "conversation aggregates (first response percentiles)",
    )
    .await;
}

#[sqlx::test]
async fn a_backend_terminated_during_the_small_relations_read_is_named(pool: PgPool) {
    terminated_during(
        &pool,
        "kb_evals",
        "true",
        "ledger, KB evaluation and reply edit",
    )
    .await;
}

#[test]
fn a_server_restart_mid_read_is_named_and_the_next_run_succeeds() {
    let server = Cluster::primary();
    let url = server.url("postgres");
    aikpi()
        .args(["migrate", "--database-url", &url])
        .assert()
        .success();
    seed(&url, 2, 150);
    server.sql(&slow_schema_sql("conversations", "true"));
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let mut child = spawn_report(&url, &previous.out);
    wait_for_sleeping_report(&mut child, &mut || {
        server.sql(SLEEPING_REPORTS).parse().unwrap()
    });
    server.restart();
    let message = lost_connection(child, &previous);
    assert_mentions(&message, &["conversation aggregates"]);

    // Once the server is back, the next run replaces the set and leaves nothing beside it.
    aikpi()
        .args(["report", "--month", "2026-10", "--database-url", &url])
        .arg("--out")
        .arg(&previous.out)
        .assert()
        .success();
    assert_eq!(names(previous.out.parent().unwrap()), ["report"]);
}

#[sqlx::test]
async fn a_connection_cut_by_the_network_is_named(pool: PgPool) {
    let url = db_url(&pool, None);
    seed(&url, 2, 150);
    pool.execute(slow_schema_sql("conversations", "true").as_str())
        .await
        .unwrap();
    let mut through = url::Url::parse(&url).unwrap();
    let proxy = Proxy::start(through.port().unwrap_or(5432));
    through.set_port(Some(proxy.port)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let mut child = spawn_report(through.as_str(), &previous.out);
    wait_for_sleeping_report(&mut child, &mut || {
        psql(&url, SLEEPING_REPORTS).parse().unwrap()
    });
    proxy.cut();
    let message = lost_connection(child, &previous);
    assert_mentions(&message, &["conversation aggregates"]);
    // The server never heard of the cut: end the sessions still sleeping there.
    psql(
        &url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name LIKE 'aikpi%'",
    );
}

#[test]
fn a_role_with_fewer_connection_slots_than_read_connections_still_reports() {
    let server = Cluster::primary();
    let url = server.url("postgres");
    aikpi()
        .args(["migrate", "--database-url", &url])
        .assert()
        .success();
    seed(&url, 2, 150);
    server.sql(
        "CREATE ROLE reporter LOGIN CONNECTION LIMIT 2;
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporter;
         CREATE ROLE lone_reporter LOGIN CONNECTION LIMIT 1;
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO lone_reporter;",
    );
    let dir = tempfile::tempdir().unwrap();
    let report = |user: &str| {
        let out = dir.path().join(user);
        aikpi()
            .args(["report", "--month", "2026-10", "--database-url"])
            .arg(format!(
                "postgres://{user}@127.0.0.1:{}/postgres",
                server.port
            ))
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let mut json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        assert!(json["provenance"]["source"]
            .as_str()
            .unwrap()
            .contains(user));
        json["provenance"]["source"] = serde_json::Value::Null;
        json
    };
    // read_connections is 4 by default; the roles may open 2 and 1 sessions.
    let full = report("postgres");
    assert_eq!(report("reporter"), full);
    assert_eq!(report("lone_reporter"), full);
}

/// Every file of a report set in `dir`, for comparing whole sets.
fn set(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    snapshot(dir)
}

/// Sends `signal` to a run while it writes its staging folder (caught there with
/// SIGSTOP), and checks what is left: the previous set or the new one, complete.
fn signal_while_publishing(signal: i32) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("eur.toml");
    std::fs::write(&config, "currency = \"EUR\"\n").unwrap();
    let new_run = |out: &Path| {
        let mut cmd = aikpi_std();
        // A run started from a background job inherits SIGINT ignored (bash does that to
        // asynchronous commands), and an ignored SIGINT is no interruption at all: give the
        // run the default dispositions, as a terminal would.
        // SAFETY: signal(2) in the forked child before exec, nothing else runs there.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGTERM, libc::SIG_DFL);
                Ok(())
            });
        }
        cmd.env("AIKPI_NOW", "2026-11-25T09:00:00Z")
            .args(["report", "--sample", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(out);
        cmd
    };
    let reference_new = dir.path().join("reference");
    assert!(new_run(&reference_new).output().unwrap().status.success());
    let new_set = set(&reference_new);

    let parent = dir.path().join("out");
    let previous = PreviousReport::make(&parent.join("report"));
    let old_set = set(&previous.out);
    assert_ne!(old_set, new_set);
    let staging = |parent: &Path| {
        std::fs::read_dir(parent)
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".report.staging-")
            })
    };

    // Catch a run with its staging folder on disk; a run that got past it is let finish
    // and the old set put back for the next attempt.
    let mut caught = false;
    for _ in 0..50 {
        let mut child = new_run(&previous.out)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id() as libc::pid_t;
        // Polled without sleeping (the staging folder lives for milliseconds), but
        // yielding the core to the run, and bounded: a run that neither ends nor stages
        // fails the test instead of hanging it.
        let deadline = Instant::now() + services::PATIENCE;
        let exited = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if staging(&parent) {
                break None;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "waited {:?} for the run to stage its files or end, in vain",
                    services::PATIENCE
                );
            }
            std::thread::yield_now();
        };
        if exited.is_none() {
            // SAFETY: plain kill(2) on our own child, which has not been reaped yet.
            unsafe { libc::kill(pid, libc::SIGSTOP) };
            // kill(2) only queues the stop: on a loaded machine the run may finish first
            // (it did, and then the signal below hit a zombie). Wait until the stop took
            // effect or the run ended.
            let mut raw = 0;
            // SAFETY: waitpid(2) on our own child; WUNTRACED returns when it stops or ends.
            let waited = unsafe { libc::waitpid(pid, &mut raw, libc::WUNTRACED) };
            assert_eq!(waited, pid, "waitpid on the run");
            if !libc::WIFSTOPPED(raw) {
                // It ended before the stop, and waitpid reaped it: std cannot wait again.
                assert!(
                    libc::WIFEXITED(raw) && libc::WEXITSTATUS(raw) == 0,
                    "the run ended with raw status {raw}"
                );
                std::fs::remove_dir_all(&previous.out).unwrap();
                PreviousReport::make(&previous.out);
                continue;
            }
            if staging(&parent) {
                // SAFETY: as above.
                unsafe {
                    libc::kill(pid, signal);
                    libc::kill(pid, libc::SIGCONT);
                }
                let status = child.wait().unwrap();
                use std::os::unix::process::ExitStatusExt;
                assert_eq!(status.signal(), Some(signal), "{status}");
                caught = true;
                break;
            }
            // SAFETY: as above.
            unsafe { libc::kill(pid, libc::SIGCONT) };
        }
        assert!(child.wait().unwrap().success());
        // Put the old set back for the next attempt.
        std::fs::remove_dir_all(&previous.out).unwrap();
        PreviousReport::make(&previous.out);
    }
    assert!(caught, "a run was caught while writing its staging folder");

    let now = set(&previous.out);
    assert!(
        now == old_set || now == new_set,
        "--out holds the previous set or the new one, never a mix"
    );
    // The interrupted run's staging folder is still there, until the next run.
    assert!(staging(&parent), "the killed run left its staging folder");
    assert!(new_run(&previous.out).output().unwrap().status.success());
    assert_eq!(set(&previous.out), new_set);
    assert_eq!(names(&parent), ["report"]);
}

#[test]
fn sigterm_while_publishing_leaves_one_whole_set_and_the_next_run_cleans_up() {
    signal_while_publishing(libc::SIGTERM);
}

#[test]
fn sigint_while_publishing_leaves_one_whole_set_and_the_next_run_cleans_up() {
    signal_while_publishing(libc::SIGINT);
}
