//! The configuration through the command line, as a user meets it: `config init` (to
//! standard output and to a file it never overwrites), `report --from FILE`, a non-UTC
//! time zone deciding which month a conversation belongs to, and the order of the layers
//! (flags over AIKPI_* environment variables over the config file over the defaults).

use std::path::Path;

use crate::cli_support::*;
use sqlx::{Executor, PgPool};

#[test]
fn config_init_prints_the_defaults_and_writes_a_file_it_never_overwrites() {
    let output = aikpi().args(["config", "init"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let shipped = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/aikpi.toml"))
        .expect("config/aikpi.toml");
    assert!(output.stdout == shipped, "prints config/aikpi.toml");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("aikpi.toml");
    let output = aikpi()
        .args(["config", "init"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(std::fs::read(&file).unwrap() == shipped);
    // The written file is a valid configuration: a report runs with it.
    let out = dir.path().join("report");
    let output = aikpi()
        .args(["report", "--sample", "--format", "json", "--config"])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    std::fs::write(&file, "# mine\n").unwrap();
    let output = aikpi()
        .args(["config", "init"])
        .arg(&file)
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0), "an existing file is refused");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "# mine\n");
}

#[test]
fn report_from_a_file_of_aggregates_renders_what_the_sample_renders() {
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/aggregates.json");
    let run = |args: &[&str], out: &str| {
        let out = dir.path().join(out);
        let output = aikpi()
            .args(["report", "--format", "json", "--out"])
            .arg(&out)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        json
    };
    let from = run(&["--from", sample.to_str().unwrap()], "from");
    let reference = run(&["--sample"], "sample");
    assert_eq!(from["month"], "2026-10");
    assert_eq!(from["metrics"], reference["metrics"], "the same numbers");
    assert_eq!(from["summary"], reference["summary"]);
}

/// One conversation at 2026-09-30 20:00 UTC: September in UTC, but 1 October 04:00 in
/// Shanghai (UTC+8).
async fn a_conversation_on_the_month_boundary(pool: &PgPool) {
    pool.execute(
        conversation("c1", "2026-09-30T20:00:00Z", Some(5), Some(0.1), "resolved").as_str(),
    )
    .await
    .unwrap();
}

#[sqlx::test]
async fn the_time_zone_decides_the_month_and_flags_beat_environment_beat_the_file(pool: PgPool) {
    a_conversation_on_the_month_boundary(&pool).await;
    let url = db_url(&pool, None);
    let dir = tempfile::tempdir().unwrap();
    let utc_file = dir.path().join("utc.toml");
    std::fs::write(&utc_file, "time_zone = \"UTC\"\n").unwrap();
    let shanghai_file = dir.path().join("shanghai.toml");
    std::fs::write(&shanghai_file, "time_zone = \"Asia/Shanghai\"\n").unwrap();
    // `report --month 2026-10` with `layers` (args, env); the exit code and report.json.
    let report = |name: &str, args: &[&str], env: &[(&str, &str)]| {
        let out = dir.path().join(name);
        let mut cmd = aikpi();
        cmd.args(["report", "--month", "2026-10", "--format", "json"])
            .args(["--database-url", &url])
            .arg("--out")
            .arg(&out)
            .args(args);
        for (key, value) in env {
            cmd.env(key, value);
        }
        let output = cmd.output().unwrap();
        let code = output.status.code();
        let json = std::fs::read(out.join("report.json"))
            .ok()
            .map(|b| serde_json::from_slice::<serde_json::Value>(&b).unwrap());
        (code, json, stderr(&output))
    };
    let october_has_it =
        |(code, json, err): (Option<i32>, Option<serde_json::Value>, String)| match code {
            Some(0) => {
                let json = json.expect("report.json");
                assert_eq!(json["volume"]["value"], 1.0, "{json:#}");
                true
            }
            Some(3) => {
                assert!(err.contains("2026-10 has no conversations"), "{err}");
                false
            }
            other => panic!("exit {other:?}: {err}"),
        };
    // Defaults: UTC, so October is empty.
    assert!(!october_has_it(report("default", &[], &[])));
    // The flag alone.
    assert!(october_has_it(report(
        "flag",
        &["--tz", "Asia/Shanghai"],
        &[]
    )));
    // The file alone.
    let shanghai = shanghai_file.to_str().unwrap();
    let utc = utc_file.to_str().unwrap();
    assert!(october_has_it(report("file", &["--config", shanghai], &[])));
    // The environment beats the file ...
    assert!(october_has_it(report(
        "env-over-file",
        &["--config", utc],
        &[("AIKPI_TZ", "Asia/Shanghai")]
    )));
    // ... and the flag beats the environment.
    assert!(!october_has_it(report(
        "flag-over-env",
        &["--tz", "UTC"],
        &[("AIKPI_TZ", "Asia/Shanghai")]
    )));
    // AIKPI_CONFIG names the file when no --config is given.
    assert!(october_has_it(report(
        "env-config",
        &[],
        &[("AIKPI_CONFIG", shanghai)]
    )));
}
