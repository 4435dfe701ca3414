//! The exit codes of SPEC §5 through the command line, each with what is on disk after
//! it: `--fail-on` (exit 6) and a failed email (exit 5) both leave the whole report
//! written; a successful `--email` and `--email-to` reach a real SMTP server (aiosmtpd on
//! loopback) with the run's own charts inline. And the whole message of each main
//! failure class, snapshot-tested (as casey/just does): a changed word is a reviewed
//! snapshot diff, not an unnoticed drift.

use crate::cli_support;
use crate::services;
use crate::support;

use std::path::Path;

use cli_support::*;
use mail_parser::{MessageParser, MimeHeaders};
use sqlx::PgPool;
use support::{ServerMode, TestServer};

/// `report --sample` into `out` with `extra` arguments; returns the run's output.
fn sample_report(out: &Path, extra: &[&str]) -> std::process::Output {
    aikpi()
        .args(["report", "--sample", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("aikpi runs")
}

/// A config file `aikpi.toml` in `dir` holding `text`; returns its path as text.
fn config(dir: &Path, text: &str) -> String {
    let path = dir.join("aikpi.toml");
    std::fs::write(&path, text).expect("write the config file");
    path.to_str().expect("a UTF-8 temp path").to_string()
}

/// The sample report as a run without `--fail-on` or `--email` writes it (exit 0).
fn reference(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let out = dir.join("reference");
    let output = sample_report(&out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    snapshot(&out)
}

/// Every metric id the sample report misses.
fn missed_metrics(report_json: &Path) -> Vec<String> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report_json).expect("report.json")).expect("JSON");
    let metrics = json["metrics"].as_object().expect("metrics by id");
    metrics
        .iter()
        .filter(|(_, m)| m["status"] == "missed")
        .map(|(id, _)| id.clone())
        .collect()
}

#[test]
fn fail_on_turns_a_missed_target_or_a_trap_into_exit_6_after_the_whole_report() {
    let dir = tempfile::tempdir().unwrap();
    let reference = reference(dir.path());
    let missed = missed_metrics(&dir.path().join("reference/report.json"));
    assert!(!missed.is_empty(), "the sample misses a target");
    for when in ["missed", "trap"] {
        let out = dir.path().join(when);
        let output = sample_report(&out, &["--fail-on", when]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(6), "--fail-on {when}: {err}");
        assert!(
            err.starts_with("aikpi: 2026-10 review (sample data) written to "),
            "{err}"
        );
        assert!(
            snapshot(&out) == reference,
            "--fail-on {when}: the report is written whole before exit 6"
        );
    }
    // With every target met, `--fail-on missed` is a success; a trap still fires.
    let mut targets = String::from("[targets]\n");
    for id in &missed {
        targets.push_str(&format!("{id} = \"{}\"\n", always_met(id)));
    }
    let config = config(dir.path(), &targets);
    let met = dir.path().join("met");
    let output = sample_report(&met, &["--config", &config, "--fail-on", "missed"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        missed_metrics(&met.join("report.json")),
        Vec::<String>::new()
    );
    let output = sample_report(&met, &["--config", &config, "--fail-on", "trap"]);
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
}

/// A target the sample's value of `id` meets, whatever it is.
fn always_met(id: &str) -> &'static str {
    if id.starts_with("csat_") {
        "1 to 5"
    } else if id.ends_with("_rate") {
        "0 to 1"
    } else {
        "< 1000000000"
    }
}

/// `[email]` of a config sending through a plaintext server on loopback `port`.
fn email_config(port: u16) -> String {
    format!(
        "[email]\nsmtp_url = \"smtp://127.0.0.1:{port}?tls=none\"\n\
         from = \"Support Ops <mbr-bot@example.com>\"\nto = \"cfo@example.com\"\n"
    )
}

#[test]
fn a_failed_email_exits_5_with_the_whole_report_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let reference = reference(dir.path());
    let port = services::free_port();
    let config = config(dir.path(), &email_config(port));
    let out = dir.path().join("report");
    let output = sample_report(&out, &["--config", &config, "--email"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(5), "{err}");
    assert!(
        err.starts_with("aikpi: 2026-10 review (sample data) written to "),
        "the report was written first: {err}"
    );
    assert!(
        snapshot(&out) == reference,
        "the report on disk is the whole report"
    );
}

/// The recipients of the envelope the server received, sorted.
fn recipients(envelope: &serde_json::Value) -> Vec<String> {
    let mut rcpt: Vec<String> = envelope["rcpt_tos"]
        .as_array()
        .expect("rcpt_tos")
        .iter()
        .map(|v| v.as_str().expect("an address").to_string())
        .collect();
    rcpt.sort();
    rcpt
}

#[test]
fn report_email_through_the_command_line_reaches_the_server_with_the_run_s_charts() {
    let server = TestServer::start(ServerMode::Plain, None, None);
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &email_config(server.port));
    let out = dir.path().join("report");
    let output = sample_report(&out, &["--config", &config, "--email"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains("aikpi: emailed the executive summary to 1 recipient(s)"),
        "{err}"
    );
    let (raw, envelope) = server.wait_for_message(1);
    assert_eq!(recipients(&envelope), ["cfo@example.com"]);
    assert_eq!(envelope["mail_from"], "mbr-bot@example.com");

    // Every inline image is one of the charts this run wrote to disk, byte for byte.
    let message = MessageParser::default().parse(&raw).expect("a message");
    let html = message.body_html(0).expect("an HTML body").into_owned();
    let cids: Vec<&str> = html
        .split("src=\"cid:")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(!cids.is_empty(), "key charts inline: {html}");
    for cid in cids {
        let part = message
            .parts
            .iter()
            .find(|p| p.content_id() == Some(cid))
            .unwrap_or_else(|| panic!("cid:{cid} has no part"));
        // `chart-<name>.<suffix>@aikpi`: the chart's file is charts/<name>.png.
        let name = cid
            .strip_prefix("chart-")
            .and_then(|rest| rest.split('.').next())
            .unwrap_or_else(|| panic!("cid:{cid} names a chart"));
        let on_disk = std::fs::read(out.join("charts").join(format!("{name}.png")))
            .unwrap_or_else(|e| panic!("charts/{name}.png: {e}"));
        assert!(
            part.contents() == on_disk.as_slice(),
            "cid:{cid} is charts/{name}.png of this run"
        );
    }

    // `--email-to` replaces email.to for this run.
    let output = sample_report(
        &dir.path().join("again"),
        &[
            "--config",
            &config,
            "--email",
            "--email-to",
            "vp@example.com,ops@example.com",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let (_, envelope) = server.wait_for_message(2);
    assert_eq!(recipients(&envelope), ["ops@example.com", "vp@example.com"]);
}

// --- The whole message of each main failure class (SPEC §5), as the user reads it.
// Temporary paths, ports and database names are replaced by placeholders.

/// Standard error of a failed run with `code`, placeholders put in.
fn message_of(output: &std::process::Output, code: i32, replace: &[(&str, &str)]) -> String {
    assert_eq!(output.status.code(), Some(code), "{}", stderr(output));
    let mut text = stderr(output);
    for (from, to) in replace {
        text = text.replace(from, to);
    }
    text
}

#[test]
fn a_configuration_error_exits_2_with_this_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = sample_report(&dir.path().join("out"), &["--tz", "Mars/Olympus_Mons"]);
    insta::assert_snapshot!("exit_2_unknown_time_zone", message_of(&output, 2, &[]));
    let config = config(dir.path(), "trend_months = \"six\"\n");
    let output = sample_report(&dir.path().join("out"), &["--config", &config]);
    let dir_text = dir.path().to_str().unwrap();
    insta::assert_snapshot!(
        "exit_2_bad_config_file",
        message_of(&output, 2, &[(dir_text, "[DIR]")])
    );
}

#[test]
fn an_unreachable_database_exits_3_with_this_message() {
    let dir = tempfile::tempdir().unwrap();
    let port = services::free_port();
    let output = aikpi()
        .args(["report", "--month", "2026-10", "--out"])
        .arg(dir.path().join("out"))
        .arg("--database-url")
        .arg(format!("postgres://reporter@127.0.0.1:{port}/support"))
        .output()
        .unwrap();
    let port = port.to_string();
    insta::assert_snapshot!(
        "exit_3_database_unreachable",
        message_of(&output, 3, &[(&port, "[PORT]")])
    );
}

#[sqlx::test]
async fn a_database_refusal_and_an_empty_month_exit_3_with_these_messages(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let name = db_name(&pool);
    let mut url = url::Url::parse(&db_url(&pool, None)).unwrap();
    let port = url.port().unwrap_or(5432).to_string();
    let report = |url: &str| {
        aikpi()
            .args(["report", "--month", "2026-10", "--out"])
            .arg(dir.path().join("out"))
            .args(["--database-url", url])
            .output()
            .unwrap()
    };
    let output = report(url.as_str());
    insta::assert_snapshot!(
        "exit_3_empty_month",
        message_of(&output, 3, &[(&name, "[DB]"), (&port, "[PORT]")])
    );
    url.set_username("aikpi_no_such_role").unwrap();
    let output = report(url.as_str());
    insta::assert_snapshot!(
        "exit_3_unknown_role",
        message_of(&output, 3, &[(&name, "[DB]"), (&port, "[PORT]")])
    );
}

#[test]
fn an_output_folder_refused_exits_4_with_this_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("thesis");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("chapter1.tex"), "precious").unwrap();
    let output = sample_report(&out, &[]);
    let dir_text = dir.path().to_str().unwrap();
    insta::assert_snapshot!(
        "exit_4_foreign_folder",
        message_of(&output, 4, &[(dir_text, "[DIR]")])
    );
}

#[test]
fn a_failed_email_exits_5_with_this_message() {
    let dir = tempfile::tempdir().unwrap();
    let port = services::free_port();
    let config = config(dir.path(), &email_config(port));
    let output = sample_report(&dir.path().join("out"), &["--config", &config, "--email"]);
    let dir_text = dir.path().to_str().unwrap();
    let port = port.to_string();
    insta::assert_snapshot!(
        "exit_5_email_unreachable",
        message_of(&output, 5, &[(dir_text, "[DIR]"), (&port, "[PORT]")])
    );
}

#[test]
fn fail_on_exits_6_with_this_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = sample_report(&dir.path().join("out"), &["--fail-on", "missed"]);
    let dir_text = dir.path().to_str().unwrap();
    insta::assert_snapshot!(
        "exit_6_fail_on_missed",
        message_of(&output, 6, &[(dir_text, "[DIR]")])
    );
}

#[sqlx::test]
async fn a_relation_the_role_may_not_read_exits_3_with_this_message(pool: PgPool) {
    use sqlx::Executor;
    let url = db_url(&pool, None);
    seed(&url, 2, 50);
    // Roles are cluster-wide: one unique to this test's database, with USAGE on `public`
    // (PUBLIC's default) but SELECT on nothing the seed created.
    let name = db_name(&pool);
    let role = format!(
        "aikpi_no_select_{}",
        name[name.len().saturating_sub(16)..].to_lowercase()
    );
    pool.execute(format!("DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN").as_str())
        .await
        .unwrap();
    let mut as_role = url::Url::parse(&url).unwrap();
    as_role.set_username(&role).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = aikpi()
        .args(["report", "--month", "2026-10", "--out"])
        .arg(dir.path().join("out"))
        .args(["--database-url", as_role.as_str()])
        .output()
        .unwrap();
    pool.execute(format!("DROP OWNED BY {role}; DROP ROLE {role}").as_str())
        .await
        .unwrap();
    insta::assert_snapshot!("exit_3_relation_not_readable", message_of(&output, 3, &[]));
    assert!(!dir.path().join("out").exists(), "nothing is written");
}
