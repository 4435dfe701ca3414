//! Security through the command line (issue 6): identifiers from flags are only ever
//! names, no secret appears in any output of succeeding or failing runs, `--help` shows
//! no environment values, and user templates cannot read files outside their folder.
//!
//! The read-only session is proven at library level (`tests/postgres_contract.rs`,
//! `the_report_session_is_read_only`, on the very `connect(…, read_only = true)` the
//! report uses); `get_env` and symlinked templates in `src/render/mod.rs`.
//!
//! `#[sqlx::test]` gives each test a fresh database with ./migrations applied
//! (DATABASE_URL must point at PostgreSQL; without it these tests fail, never skip).

use crate::cli_support;

use std::io::Read;
use std::path::Path;
use std::process::Output;

use cli_support::*;
use sqlx::{Executor, PgPool};

#[sqlx::test]
async fn a_hostile_schema_name_is_only_ever_a_name(pool: PgPool) {
    pool.execute("CREATE TABLE y (id int); INSERT INTO y VALUES (1);")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let hostile = "x\"; drop table y; --";
    for command in ["report", "aggregates"] {
        let mut cmd = aikpi();
        cmd.args([command, "--month", "2026-10", "--schema", hostile])
            .arg("--database-url")
            .arg(db_url(&pool, None));
        if command == "report" {
            cmd.arg("--out").arg(&previous.out);
        }
        let output = cmd.output().unwrap();
        let message = failure(&output, 3);
        assert_mentions(
            &message,
            &[
                r#"the schema "x""; drop table y; --" does not exist"#,
                "--schema",
                "aikpi migrate",
            ],
        );
        previous.assert_untouched();
    }
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM y")
        .fetch_one(&pool)
        .await
        .expect("table y survives");
    assert_eq!(rows, 1);
}

const DB_PASSWORD: &str = "S3cr3t-Pw";
const PG_PASSWORD: &str = "S3cr3t-PgPw";
const SMTP_PASSWORD: &str = "S3cr3t-Smtp";
const SECRETS: [&str; 3] = [DB_PASSWORD, PG_PASSWORD, SMTP_PASSWORD];

/// Fails when any secret is in `bytes`, or in what they hold: the entries of a zip
/// (report-notion.zip, report.docx) and the decoded parts of an email.
fn assert_no_secret(what: &str, bytes: &[u8]) {
    for secret in SECRETS {
        assert!(
            !bytes
                .windows(secret.len())
                .any(|w| w.eq_ignore_ascii_case(secret.as_bytes())),
            "{what} holds the secret {secret}"
        );
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let mut inner = Vec::new();
            entry.read_to_end(&mut inner).unwrap();
            assert_no_secret(&format!("{what}!{}", entry.name()), &inner);
        }
    }
    if what.ends_with(".eml") {
        let message = mail_parser::MessageParser::default()
            .parse(bytes)
            .expect("a MIME message");
        for (i, part) in message.parts.iter().enumerate() {
            assert_no_secret(&format!("{what} part {i}"), part.contents());
        }
    }
}

fn assert_output_has_no_secret(what: &str, output: &Output) {
    assert_no_secret(&format!("{what}: stdout"), &output.stdout);
    assert_no_secret(&format!("{what}: stderr"), &output.stderr);
}

fn assert_folder_has_no_secret(dir: &Path) {
    let files = snapshot(dir);
    assert!(!files.is_empty());
    for (path, bytes) in files {
        assert_no_secret(&path.display().to_string(), &bytes);
    }
}

#[sqlx::test]
async fn no_secret_appears_in_any_output(pool: PgPool) {
    pool.execute(
        conversation("c1", "2026-10-10T10:00:00Z", Some(5), Some(0.1), "resolved").as_str(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = db_url(&pool, Some(DB_PASSWORD));
    assert!(url.contains(DB_PASSWORD));
    let config = dir.path().join("aikpi.toml");
    // A local relay where nothing listens: the send fails after the report is written.
    std::fs::write(
        &config,
        format!(
            "[email]\nsmtp_url = \"smtp://127.0.0.1:{}?tls=none\"\nusername = \"mbr-bot\"\n\
             from = \"mbr@example.com\"\nto = \"cfo@example.com\"\n",
            closed_port()
        ),
    )
    .unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(
        templates.join("report.md"),
        "{{ get_env(name=\"AIKPI_SMTP_PASSWORD\") }} {{ get_env(name=\"PGPASSWORD\") }}",
    )
    .unwrap();
    let out = dir.path().join("report");
    let with_secrets = || {
        let mut cmd = aikpi();
        cmd.env("PGPASSWORD", PG_PASSWORD)
            .env("AIKPI_SMTP_PASSWORD", SMTP_PASSWORD)
            .env("DATABASE_URL", &url);
        cmd
    };
    let run = |args: &[&str]| -> Output {
        let mut cmd = with_secrets();
        cmd.args(args);
        cmd.output().unwrap()
    };
    let config = config.to_str().unwrap();
    let out_arg = out.to_str().unwrap();
    let eml = dir.path().join("summary.eml");

    // Succeeding runs (the URL from the environment and from the flag).
    let output = run(&["migrate"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains(":***@"), "{}", stderr(&output));
    assert_output_has_no_secret("migrate", &output);
    let output = run(&["aggregates", "--month", "2026-10"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_output_has_no_secret("aggregates", &output);
    let output = run(&[
        "report",
        "--month",
        "2026-10",
        "--database-url",
        &url,
        "--config",
        config,
        "--out",
        out_arg,
        "--email-dry-run",
        eml.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_output_has_no_secret("report --email-dry-run", &output);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let source = json["provenance"]["source"].as_str().unwrap();
    assert!(source.contains(":***@"), "shown redacted: {source}");
    assert_no_secret("summary.eml", &std::fs::read(&eml).unwrap());

    // The report is written, then the email fails (exit 5).
    let output = run(&[
        "report", "--month", "2026-10", "--config", config, "--out", out_arg, "--email",
    ]);
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    assert_output_has_no_secret("report --email", &output);

    // Failing runs: unreachable server, missing database, no contract, a template that
    // asks for the environment.
    let unreachable = format!(
        "postgres://postgres:{DB_PASSWORD}@127.0.0.1:{}/x",
        closed_port()
    );
    let mut missing_db = url::Url::parse(&url).unwrap();
    missing_db.set_path("/aikpi_no_such_database");
    let failing: [(&[&str], i32); 5] = [
        (&["--database-url", &unreachable], 3),
        (&["--database-url", missing_db.as_str()], 3),
        (&["--schema", "nowhere"], 3),
        (&["--templates", templates.to_str().unwrap()], 4),
        (&["--database-url", "postgres://postgres:S3cr3t-Pw@[::1"], 3),
    ];
    for (args, code) in failing {
        let mut cmd = with_secrets();
        cmd.args(["report", "--month", "2026-10", "--out", out_arg])
            .args(args);
        let output = cmd.output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(code),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_output_has_no_secret(&format!("{args:?}"), &output);
    }
    assert_folder_has_no_secret(dir.path());
}

#[test]
fn help_shows_no_environment_values() {
    let markers = [
        (
            "DATABASE_URL",
            "postgres://reporter:S3cr3t-Pw@db.internal/support",
        ),
        ("PGPASSWORD", "S3cr3t-PgPw"),
        ("AIKPI_SMTP_PASSWORD", "S3cr3t-Smtp"),
        ("AIKPI_SCHEMA", "marker-schema-5d1"),
        ("AIKPI_TZ", "marker-tz-5d1"),
        ("AIKPI_CONFIG", "/marker/config-5d1.toml"),
        ("AIKPI_TEMPLATES", "/marker/templates-5d1"),
        ("AIKPI_NOW", "2001-02-03T04:05:06Z"),
    ];
    let helps: [&[&str]; 12] = [
        &["--help"],
        &["help"],
        &["report", "--help"],
        &["report", "-h"],
        &["help", "report"],
        &["aggregates", "--help"],
        &["migrate", "--help"],
        &["seed", "--help"],
        &["config", "--help"],
        &["config", "init", "--help"],
        &["help", "config", "init"],
        &["help", "seed"],
    ];
    for args in helps {
        let mut cmd = aikpi();
        for (key, value) in markers {
            cmd.env(key, value);
        }
        let output = cmd.args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("Usage:"), "{args:?}: {text}");
        for (key, value) in markers {
            assert!(
                !text.contains(value) && !text.contains("5d1") && !text.contains("S3cr3t"),
                "`aikpi {}` shows the value of {key}:\n{text}",
                args.join(" ")
            );
        }
    }
}

#[test]
fn a_template_cannot_include_files_outside_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "T0p-Secret-Contents").unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    for include in [
        "../secret.txt",
        secret.to_str().unwrap(),
        "../../../../../../../etc/passwd",
    ] {
        std::fs::write(
            templates.join("report.md"),
            format!("{{% include \"{include}\" %}}"),
        )
        .unwrap();
        let output = aikpi()
            .args(["report", "--sample", "--templates"])
            .arg(&templates)
            .arg("--out")
            .arg(&previous.out)
            .output()
            .unwrap();
        let message = failure(&output, 4);
        assert_mentions(&message, &["report.md", include]);
        assert!(
            !message.contains("T0p-Secret") && !message.contains("root:"),
            "{message}"
        );
        previous.assert_untouched();
    }
}
