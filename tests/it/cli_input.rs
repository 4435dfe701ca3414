//! Bad input on the command line and in the config file (issue 6): each run ends with one
//! clear paragraph naming the problem and the fix, exit code 2 (SPEC §5), and the
//! previous report in `--out` untouched.
//!
//! The month tests that read a database use `#[sqlx::test]` (DATABASE_URL must point at
//! PostgreSQL; without it they fail, never skip).

use crate::cli_support;

use cli_support::*;
use sqlx::{Executor, PgPool};

#[test]
fn a_malformed_month_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    for bad in ["2026-13", "Oct", "", "2026-1", "2026-00", "26-10"] {
        let output = aikpi()
            .args(["report", "--sample", "--month", bad, "--out"])
            .arg(&previous.out)
            .output()
            .unwrap();
        let message = failure(&output, 2);
        assert_mentions(
            &message,
            &["--month", &format!("`{bad}`"), "YYYY-MM", "e.g. 2026-10"],
        );
        previous.assert_untouched();
    }
}

/// A database with one conversation in October and one in November 2026 (the clock of
/// these tests reads 2026-11-20, so November has not ended).
async fn two_months(pool: &PgPool) {
    pool.execute(
        format!(
            "{}{}",
            conversation(
                "oct-1",
                "2026-10-10T10:00:00Z",
                Some(5),
                Some(0.1),
                "resolved"
            ),
            conversation(
                "nov-1",
                "2026-11-10T10:00:00Z",
                Some(4),
                Some(0.2),
                "resolved"
            )
        )
        .as_str(),
    )
    .await
    .unwrap();
}

#[sqlx::test]
async fn a_future_month_is_refused(pool: PgPool) {
    two_months(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    for month in ["2026-12", "2031-01"] {
        let output = aikpi()
            .args(["report", "--month", month, "--allow-partial-month"])
            .arg("--database-url")
            .arg(db_url(&pool, None))
            .arg("--out")
            .arg(&previous.out)
            .output()
            .unwrap();
        let message = failure(&output, 2);
        assert_mentions(
            &message,
            &[
                month,
                "is in the future",
                "2026-11 in UTC",
                "--month 2026-10",
            ],
        );
        previous.assert_untouched();
    }
}

#[sqlx::test]
async fn the_current_month_needs_allow_partial_month_and_then_says_partial_month(pool: PgPool) {
    two_months(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let url = db_url(&pool, None);

    let output = aikpi()
        .args([
            "report",
            "--month",
            "2026-11",
            "--database-url",
            &url,
            "--out",
        ])
        .arg(&previous.out)
        .output()
        .unwrap();
    let message = failure(&output, 2);
    assert_mentions(
        &message,
        &[
            "2026-11 has not ended yet",
            "--allow-partial-month",
            "partial month",
            "--month 2026-10",
        ],
    );
    previous.assert_untouched();

    // Asked for explicitly, it is written, and every output says so.
    aikpi()
        .args(["report", "--month", "2026-11", "--allow-partial-month"])
        .args(["--database-url", &url, "--out"])
        .arg(&previous.out)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(previous.out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["month"], "2026-11");
    assert_eq!(json["settling"]["partial_month"], true);
    assert_eq!(json["settling"]["provisional"], true);
    for file in ["report.html", "report.md"] {
        let text = std::fs::read_to_string(previous.out.join(file)).unwrap();
        assert!(
            text.to_lowercase().contains("partial month"),
            "{file} says \"partial month\""
        );
    }
}

#[test]
fn an_unknown_time_zone_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    // A flag, and the same mistake in the config file.
    let config = dir.path().join("aikpi.toml");
    std::fs::write(&config, "time_zone = \"Europe/Berln\"\n").unwrap();
    let runs: [(&[&str], &str); 3] = [
        (&["--tz", "Mars/Olympus_Mons"], "Mars/Olympus_Mons"),
        (&["--tz", "CEST+2"], "CEST+2"),
        (&["--config", config.to_str().unwrap()], "Europe/Berln"),
    ];
    for (args, zone) in runs {
        let output = aikpi()
            .args(["report", "--sample"])
            .args(args)
            .arg("--out")
            .arg(&previous.out)
            .output()
            .unwrap();
        let message = failure(&output, 2);
        assert_mentions(
            &message,
            &[
                &format!("`{zone}`"),
                "IANA time zone",
                "Europe/Berlin",
                "--tz",
            ],
        );
        previous.assert_untouched();
    }
}

/// Runs `report --sample --config FILE` into the previous report's folder; returns the message.
fn with_config(previous: &PreviousReport, config: &std::path::Path) -> String {
    let output = aikpi()
        .args(["report", "--sample", "--config"])
        .arg(config)
        .arg("--out")
        .arg(&previous.out)
        .output()
        .unwrap();
    let message = failure(&output, 2);
    previous.assert_untouched();
    message
}

#[test]
fn a_missing_config_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let missing = dir.path().join("nowhere.toml");
    let message = with_config(&previous, &missing);
    assert_mentions(
        &message,
        &[
            "nowhere.toml",
            "does not exist",
            "--config",
            "aikpi config init",
        ],
    );
}

/// chmod 000 does not stop root (these tests run as root in CI), so "unreadable" is
/// proven with the two failures root meets too: a folder instead of a file, and a file
/// that is not UTF-8 text.
#[test]
fn an_unreadable_config_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));

    let folder = dir.path().join("conf.d");
    std::fs::create_dir(&folder).unwrap();
    let message = with_config(&previous, &folder);
    assert_mentions(&message, &["conf.d", "is a folder", "--config"]);

    let binary = dir.path().join("latin1.toml");
    std::fs::write(&binary, b"currency = \"\xa3\"\n").unwrap();
    let message = with_config(&previous, &binary);
    assert_mentions(&message, &["latin1.toml", "UTF-8", "save it as UTF-8"]);
}

#[test]
fn malformed_toml_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let config = dir.path().join("aikpi.toml");
    std::fs::write(&config, "trend_months = 6\ntime_zone = \"UTC\n").unwrap();
    let message = with_config(&previous, &config);
    assert_mentions(
        &message,
        &[
            "aikpi.toml is not valid",
            "line 2, column 17",
            "aikpi config init",
        ],
    );
}

#[test]
fn an_unknown_key_is_named_with_the_nearest_known_one() {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let config = dir.path().join("aikpi.toml");
    let cases = [
        (
            "trend_monthz = 3\n",
            "`trend_monthz`",
            "did you mean `trend_months`?",
        ),
        (
            "[traps]\nprompt_coverge_min = 0.9\n",
            "`prompt_coverge_min`",
            "did you mean `prompt_coverage_min`?",
        ),
        (
            "[targets]\ndeflection = \"> 0.5\"\n",
            "`deflection`",
            "did you mean `deflection_rate`?",
        ),
    ];
    for (text, key, hint) in cases {
        std::fs::write(&config, text).unwrap();
        let message = with_config(&previous, &config);
        assert_mentions(&message, &["aikpi.toml", key, hint]);
    }
}

#[test]
fn out_of_range_values_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let config = dir.path().join("aikpi.toml");
    let cases = [
        (
            "[targets]\nai_touch_rate = \"> 1.5\"\n",
            &["targets.ai_touch_rate", "between 0 and 1"][..],
        ),
        (
            "[traps]\nfrustrated_exit_share_max = -0.2\n",
            &["traps.frustrated_exit_share_max", "-0.2", "between 0 and 1"],
        ),
        (
            "[tolerances]\naht_seconds = -5\n",
            &["tolerances.aht_seconds", "0 or more"],
        ),
        ("trend_months = 0\n", &["trend_months", "between 1 and 36"]),
        (
            "statement_timeout_seconds = -1\n",
            &[
                "statement_timeout_seconds",
                "between 0 (no limit) and 2147483",
            ],
        ),
    ];
    for (text, parts) in cases {
        std::fs::write(&config, text).unwrap();
        let message = with_config(&previous, &config);
        assert_mentions(&message, parts);
        assert_mentions(&message, &["aikpi.toml"]);
    }
}

#[test]
fn a_bad_annotation_is_a_config_error_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let config = dir.path().join("aikpi.toml");
    std::fs::write(
        &config,
        "[[annotations]]\ndate = \"2026-09-15\"\nlabel = \"Model B\"\n\n\
         [[annotations]]\ndate = \"15.10.2026\"\nlabel = \"Pricing change\"\n",
    )
    .unwrap();
    let message = with_config(&previous, &config);
    assert_mentions(
        &message,
        &[
            "aikpi.toml has an invalid value",
            "[[annotations]] entry 2 (\"Pricing change\")",
            "date \"15.10.2026\" is not a calendar date written YYYY-MM-DD",
        ],
    );
}
