//! While the report reads, a terminal shows what it is doing (each read phase and its
//! elapsed time, on stderr); nothing of it without a terminal or with `--quiet`, and the
//! final one-line summary is the same either way. The terminal is a real pseudo-terminal
//! (util-linux `script`).
//!
//! `#[sqlx::test]` gives each test a fresh database with ./migrations applied.

use crate::cli_support;
use crate::services;

use std::process::Command;

use cli_support::*;
use sqlx::{Executor, PgPool};

const SUMMARY: &str = "aikpi: 2026-10 review written to";

async fn one_conversation(pool: &PgPool) {
    pool.execute(
        conversation("c1", "2026-10-10T10:00:00Z", Some(5), Some(0.1), "resolved").as_str(),
    )
    .await
    .unwrap();
}

/// Runs `aikpi report` under a pseudo-terminal; returns everything the terminal received.
fn on_a_terminal(pool: &PgPool, extra: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let command = format!(
        "'{}' report --month 2026-10 --format json --database-url '{}' --out '{}' {extra}",
        env!("CARGO_BIN_EXE_aikpi"),
        db_url(pool, None),
        out.display()
    );
    // From an empty environment, as every CLI test (cli_support::aikpi_std): `script`
    // gets the system's PATH only, and runs the command with /bin/sh.
    let output = services::run_within(
        Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env_clear()
            .env("PATH", services::SYSTEM_PATH)
            // A terminal says what it is: without TERM (as from cron) progress stays off.
            .env("TERM", "xterm")
            .env("AIKPI_NOW", NOW),
        RUN_LIMIT,
        "aikpi report under util-linux `script`",
    );
    let terminal = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{terminal}");
    assert!(out.join("report.json").is_file(), "{terminal}");
    terminal
}

#[sqlx::test]
async fn on_a_terminal_the_report_shows_each_read_phase_with_its_time(pool: PgPool) {
    one_conversation(&pool).await;
    let terminal = on_a_terminal(&pool, "");
    for phase in [
        "connecting to the database",
        "checking the data contract",
        "reading LLM usage",
        "reading conversation aggregates (24h returns)",
        "reading ledger, KB evaluation and reply edit",
    ] {
        assert!(
            terminal.contains(phase),
            "{phase} not shown in {terminal:?}"
        );
    }
    // Each finished phase says how long it took.
    assert!(terminal.contains("✓ reading LLM usage ("), "{terminal:?}");
    assert!(terminal.contains(SUMMARY), "{terminal:?}");
}

#[sqlx::test]
async fn with_quiet_a_terminal_shows_only_the_summary(pool: PgPool) {
    one_conversation(&pool).await;
    let terminal = on_a_terminal(&pool, "--quiet");
    assert!(!terminal.contains("reading"), "{terminal:?}");
    assert!(!terminal.contains("connecting"), "{terminal:?}");
    assert_eq!(terminal.trim_end().lines().count(), 1, "{terminal:?}");
    assert!(terminal.starts_with(SUMMARY), "{terminal:?}");
}

#[sqlx::test]
async fn without_a_terminal_stderr_carries_only_the_summary(pool: PgPool) {
    one_conversation(&pool).await;
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
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.starts_with(SUMMARY), "{err:?}");
    assert!(output.stdout.is_empty());
}
