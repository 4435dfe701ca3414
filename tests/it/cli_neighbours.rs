//! Hostile neighbours through the command line (issue 26): nothing is lost from a report
//! folder, side files never follow links, secrets go only to their own server, and
//! settings and templates have limits with clear errors (exit 2).
//!
//! `#[sqlx::test]` gives each database test a fresh database with ./migrations applied
//! (DATABASE_URL must point at PostgreSQL; without it these tests fail, never skip).

use crate::cli_support;
use crate::services;

use std::path::Path;
use std::process::Output;

use cli_support::*;
use sqlx::{Executor, PgPool};

fn report_sample(out: &Path, extra: &[&str]) -> Output {
    aikpi()
        .args(["report", "--sample", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_rerun_keeps_files_added_to_the_report_folder_and_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mk3");
    let previous = PreviousReport::make(&out);
    std::fs::write(out.join("comments.md"), "notes").unwrap();
    std::fs::write(out.join("~$report.docx"), "owner file of an open Word").unwrap();
    let message = failure(&report_sample(&out, &[]), 4);
    assert_mentions(
        &message,
        &[
            "holds files that aikpi did not write",
            "comments.md, ~$report.docx;",
            "Nothing was changed",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(out.join("comments.md")).unwrap(),
        "notes"
    );
    assert!(out.join("~$report.docx").exists());
    std::fs::remove_file(out.join("comments.md")).unwrap();
    std::fs::remove_file(out.join("~$report.docx")).unwrap();
    previous.assert_untouched();
}

#[test]
fn an_edited_report_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    PreviousReport::make(&out);
    std::fs::write(out.join("report.md"), "# my edited review\n").unwrap();
    let message = failure(&report_sample(&out, &[]), 4);
    assert_mentions(&message, &["report.md (changed)"]);
    assert_eq!(
        std::fs::read_to_string(out.join("report.md")).unwrap(),
        "# my edited review\n"
    );
}

#[test]
fn a_hand_made_marker_beside_a_file_does_not_make_aikpi_replace_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mk");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join(".aikpi-report"), "").unwrap();
    std::fs::write(out.join("keep.txt"), "keep").unwrap();
    let message = failure(&report_sample(&out, &[]), 4);
    assert_mentions(&message, &["keep.txt"]);
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "keep"
    );
}

#[test]
fn nothing_is_left_beside_out_after_runs_and_refused_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    assert!(report_sample(&out, &[]).status.success());
    assert!(report_sample(&out, &[]).status.success());
    assert_eq!(names(dir.path()), ["report"]);
    std::fs::write(out.join("mine.txt"), "mine").unwrap();
    failure(&report_sample(&out, &[]), 4);
    assert_eq!(names(dir.path()), ["report"]);
}

#[test]
fn a_dangling_lock_link_does_not_make_aikpi_create_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("victim");
    std::os::unix::fs::symlink(&target, dir.path().join(".report.lock")).unwrap();
    assert!(report_sample(&dir.path().join("report"), &[])
        .status
        .success());
    assert!(
        std::fs::symlink_metadata(&target).is_err(),
        "aikpi created the target of a planted link"
    );
}

#[test]
fn out_as_a_link_to_a_folder_is_written_through_and_the_link_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("2026-10")).unwrap();
    let link = dir.path().join("latest");
    std::os::unix::fs::symlink("2026-10", &link).unwrap();
    assert!(report_sample(&link, &[]).status.success());
    assert!(report_sample(&link, &[]).status.success());
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(dir.path().join("2026-10/report.html").is_file());
    assert_eq!(names(dir.path()), ["2026-10", "latest"]);
}

#[test]
fn out_as_a_dangling_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("latest");
    std::os::unix::fs::symlink("nowhere", &link).unwrap();
    let message = failure(&report_sample(&link, &[]), 4);
    assert_mentions(
        &message,
        &["is a symbolic link to nowhere, which is not a folder"],
    );
    assert_eq!(names(dir.path()), ["latest"]);
}

/// A config file in `dir` with `text`, as a `--config` argument.
fn config(dir: &Path, text: &str) -> String {
    let path = dir.join("aikpi.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

const EMAIL: &str = "[email]\nfrom = \"mbr@example.com\"\nto = \"cfo@example.com\"\n";

#[test]
fn email_dry_run_never_overwrites_a_file_aikpi_did_not_write_nor_follows_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), EMAIL);
    let out = dir.path().join("report");
    let dry_run = |eml: &Path| {
        report_sample(
            &out,
            &[
                "--config",
                &config,
                "--email-dry-run",
                eml.to_str().unwrap(),
            ],
        )
    };
    let notes = dir.path().join("notes.eml");
    std::fs::write(&notes, "my own notes").unwrap();
    let message = failure(&dry_run(&notes), 2);
    assert_mentions(
        &message,
        &["notes.eml already exists and is not an email aikpi wrote"],
    );
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my own notes");
    assert!(!out.exists(), "refused before any report work");

    let victim = dir.path().join("victim");
    let link = dir.path().join("link.eml");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let message = failure(&dry_run(&link), 2);
    assert_mentions(&message, &["link.eml is a symbolic link"]);
    assert!(std::fs::symlink_metadata(&victim).is_err());

    // Its own preview aikpi replaces, run after run.
    let preview = dir.path().join("preview.eml");
    assert!(dry_run(&preview).status.success());
    assert!(dry_run(&preview).status.success());
    assert!(std::fs::read_to_string(&preview)
        .unwrap()
        .contains("User-Agent: aikpi/"));
}

#[test]
fn attach_docx_without_docx_in_format_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &format!("{EMAIL}attach_docx = true\n"));
    let out = dir.path().join("report");
    let eml = dir.path().join("x.eml");
    let output = report_sample(
        &out,
        &[
            "--config",
            &config,
            "--format",
            "json",
            "--email-dry-run",
            eml.to_str().unwrap(),
        ],
    );
    assert_eq!(
        failure(&output, 2),
        "email.attach_docx = true attaches report.docx, but --format does not include docx, \
         so no report.docx is written. Add docx to --format (e.g. --format json,docx), or set \
         email.attach_docx = false"
    );
    assert!(!out.exists() && !eml.exists());
}

#[test]
fn password_env_may_not_name_the_database_or_aikpi_variables() {
    let dir = tempfile::tempdir().unwrap();
    for var in ["DATABASE_URL", "PGPASSWORD", "AIKPI_SCHEMA", "pgservice"] {
        let config = config(
            dir.path(),
            &format!(
                "{EMAIL}smtp_url = \"smtp://127.0.0.1:{}?tls=none\"\nusername = \"bot\"\n\
                 password_env = \"{var}\"\n",
                closed_port()
            ),
        );
        let output = aikpi()
            .env("DATABASE_URL", "postgres://u:S3cr3t-Pw@127.0.0.1:1/db")
            .env("PGPASSWORD", "S3cr3t-PgPw")
            .args(["report", "--sample", "--email", "--config", &config])
            .arg("--out")
            .arg(dir.path().join("report"))
            .output()
            .unwrap();
        let message = failure(&output, 2);
        assert_mentions(
            &message,
            &[
                &format!("email.password_env = \"{var}\" names a variable of the database"),
                "AIKPI_SMTP_PASSWORD",
            ],
        );
        assert!(!message.contains("S3cr3t"), "{message}");
    }
}

#[test]
fn tls_none_with_a_login_to_another_machine_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &format!("{EMAIL}smtp_url = \"smtp://mail.example.com:25?tls=none\"\nusername = \"bot\"\n"),
    );
    let eml = dir.path().join("x.eml");
    let output = report_sample(
        &dir.path().join("report"),
        &[
            "--config",
            &config,
            "--email-dry-run",
            eml.to_str().unwrap(),
        ],
    );
    assert_mentions(
        &failure(&output, 2),
        &[
            "email.smtp_url sends to mail.example.com:25 with tls=none while email.username is set",
            "only for a relay on this machine",
        ],
    );
}

#[test]
fn database_settings_beyond_postgresql_limits_are_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (setting, mentions) in [
        (
            "work_mem = \"9999999TB\"",
            "work_mem = \"9999999TB\" is outside PostgreSQL's range for it: between \"64kB\" and \"2147483647kB\"",
        ),
        ("work_mem = \"63kB\"", "work_mem = \"63kB\" is outside"),
        (
            "statement_timeout_seconds = 99999999999",
            "statement_timeout_seconds = 99999999999 must be between 0 (no limit) and 2147483",
        ),
    ] {
        let config = config(dir.path(), setting);
        let output = report_sample(&dir.path().join("report"), &["--config", &config]);
        assert_mentions(&failure(&output, 2), &[mentions]);
    }
}

#[test]
fn an_endless_or_huge_config_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = report_sample(&dir.path().join("report"), &["--config", "/dev/zero"]);
    assert_eq!(
        failure(&output, 2),
        "the config file /dev/zero is larger than 1024 KiB; a configuration is a few kilobytes \
         of TOML. Check that --config (or AIKPI_CONFIG) names the configuration file."
    );
    let categories: Vec<String> = (0..1001).map(|i| format!("\"c{i}\"")).collect();
    let config = config(
        dir.path(),
        &format!("[costs]\ninfra_categories = [{}]\n", categories.join(",")),
    );
    let output = report_sample(&dir.path().join("report"), &["--config", &config]);
    assert_mentions(
        &failure(&output, 2),
        &["costs.infra_categories has 1001 entries; at most 1000 are allowed"],
    );
}

#[test]
fn help_report_does_not_print_the_language_from_the_environment() {
    for args in [&["help", "report"][..], &["report", "--help"]] {
        let output = aikpi()
            .env("AIKPI_LANG", "zh-CN")
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success());
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(!text.contains("AIKPI_LANG="), "{text}");
    }
}

#[test]
fn a_database_url_of_another_database_is_a_usage_error_before_connecting() {
    let port = closed_port();
    let output = aikpi()
        .args(["aggregates", "--month", "2026-10", "--database-url"])
        .arg(format!("mysql://u:S3cr3t-Pw@127.0.0.1:{port}/db"))
        .output()
        .unwrap();
    let message = failure(&output, 2);
    assert_eq!(
        message,
        "the database URL (--database-url or DATABASE_URL) starts with `mysql://`, but aikpi \
         reads PostgreSQL only: give a postgres:// or postgresql:// URL"
    );
}

/// The sample's aggregates with `location` as their source.
fn aggregates_file(dir: &Path, location: &str) -> std::path::PathBuf {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/aggregates.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample).unwrap()).unwrap();
    json["source"]["location"] = serde_json::Value::from(location);
    let path = dir.join("aggregates.json");
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    path
}

const HIDDEN: &str = "Sw0rdf1sh";

fn assert_folder_redacted(out: &Path) {
    for (path, bytes) in snapshot(out) {
        assert!(
            !bytes.windows(HIDDEN.len()).any(|w| w == HIDDEN.as_bytes()),
            "{} shows the password",
            path.display()
        );
    }
}

#[test]
fn report_from_a_file_redacts_every_secret_form_of_its_source() {
    let dir = tempfile::tempdir().unwrap();
    for location in [
        format!("postgres://u@h/db?pass%77ord={HIDDEN}"),
        format!("postgres://u@h/db?sslmode=require&SSLPASSWORD={HIDDEN}"),
        format!("postgres://u:{HIDDEN}@h/db"),
    ] {
        let file = aggregates_file(dir.path(), &location);
        let out = dir.path().join("report");
        let output = aikpi()
            .args(["report", "--format", "html,md,json", "--from"])
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        assert_folder_redacted(&out);
        std::fs::remove_dir_all(&out).unwrap();
    }
}

#[sqlx::test]
async fn a_percent_encoded_password_key_is_redacted_in_the_aggregates(pool: PgPool) {
    pool.execute(
        conversation("c1", "2026-10-10T10:00:00Z", Some(5), Some(0.1), "resolved").as_str(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}?pass%77ord={HIDDEN}", db_url(&pool, None));
    let file = dir.path().join("aggregates.json");
    let output = aikpi()
        .args([
            "aggregates",
            "--month",
            "2026-10",
            "--database-url",
            &url,
            "-o",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(HIDDEN), "{text}");
    assert!(text.contains("pass%77ord=***"), "{text}");
    assert!(!stderr(&output).contains(HIDDEN));
}

/// A template folder in `dir` with one `report.md`.
fn template_folder(dir: &Path, report_md: &str) -> String {
    let path = dir.join("templates");
    let _ = std::fs::create_dir(&path);
    std::fs::write(path.join("report.md"), report_md).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn templates_that_recurse_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    for (template, mentions) in [
        (
            "{% include \"report.md\" %}",
            "template `report.md` calls itself (template `report.md` → template `report.md`)",
        ),
        (
            "{% macro down(n) %}{{ self::down(n=n) }}{% endmacro down %}{{ self::down(n=1) }}",
            "macro `down` of `report.md` calls itself",
        ),
    ] {
        let templates = template_folder(dir.path(), template);
        let output = report_sample(&out, &["--templates", &templates]);
        assert_mentions(&failure(&output, 2), &[mentions]);
        assert!(!out.exists());
    }
}

#[test]
fn templates_that_run_away_are_stopped_naming_the_template() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let templates = template_folder(
        dir.path(),
        "{% for i in range(end=200000) %}{{ i }}{% endfor %}",
    );
    let output = report_sample(&out, &["--templates", &templates]);
    assert_mentions(
        &failure(&output, 2),
        &["template `report.md` asks range() for 200000 numbers, at most 100000"],
    );
    let line = "x".repeat(100);
    let templates = template_folder(
        dir.path(),
        &format!(
            "{{% for i in range(end=1000) %}}{{% for j in range(end=1000) %}}{line}{{% endfor %}}{{% endfor %}}"
        ),
    );
    let output = report_sample(&out, &["--templates", &templates]);
    assert_mentions(
        &failure(&output, 2),
        &["template `report.md` writes more than 64 MiB, the most one template may write"],
    );
    assert!(!out.exists());
}

#[test]
fn a_run_by_an_ordinary_user_leaves_no_staging_folder_even_over_a_read_only_old_set() {
    use std::os::unix::fs::PermissionsExt;
    const NOBODY: u32 = 65534;
    services::require_root("it hands a folder to `nobody` and runs aikpi as that user");
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    // A copy of the binary the ordinary user may run (the build folder may be private).
    let binary = dir.path().join("aikpi");
    std::fs::copy(env!("CARGO_BIN_EXE_aikpi"), &binary).unwrap();
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = dir.path().join("report");
    let run_as_nobody = || {
        let output = std::process::Command::new("runuser")
            .env_clear()
            .env("PATH", services::SYSTEM_PATH)
            .args([
                "-u",
                "nobody",
                "--",
                "env",
                "-i",
                &format!("AIKPI_NOW={NOW}"),
            ])
            .arg(&binary)
            .args(["report", "--sample", "--out"])
            .arg(&out)
            .output()
            .expect("runuser (the tests run as root)");
        assert!(output.status.success(), "{}", stderr(&output));
    };
    run_as_nobody();
    run_as_nobody();
    assert_eq!(names(dir.path()), ["aikpi", "report"]);
    // The user protected the old charts from changes; the old set still goes as a whole.
    std::fs::set_permissions(out.join("charts"), std::fs::Permissions::from_mode(0o555)).unwrap();
    run_as_nobody();
    assert_eq!(names(dir.path()), ["aikpi", "report"]);
}

#[test]
fn control_characters_and_direction_overrides_in_data_reach_no_text_output() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/aggregates.json");
    let text = std::fs::read_to_string(sample).unwrap();
    // The channel "app" renamed: a colour escape, a terminal title, a right-to-left override.
    let hostile = "app\\u001b[31m\\u001b]0;owned\\u0007\\u202eevil";
    let text = text.replace("\"app\":", &format!("\"{hostile}\":"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("aggregates.json");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("report");
    let output = aikpi()
        .args(["report", "--format", "html,md", "--from"])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    for name in ["report.html", "report.md"] {
        let written = std::fs::read_to_string(out.join(name)).unwrap();
        assert!(written.contains("appevil"), "{name} shows the channel");
        for bad in ['\u{1b}', '\u{7}', '\u{202e}'] {
            assert!(!written.contains(bad), "{name} holds {:?}", bad);
        }
    }
}

/// An SMTP server on loopback that refuses every login with `reply`; returns its port.
fn refusing_smtp_server(reply: &'static str) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut writer = stream.try_clone().unwrap();
        let _ = writer.write_all(b"220 relay ready\r\n");
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let answer = match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                Some("EHLO") => "250-relay\r\n250 AUTH PLAIN LOGIN\r\n".to_string(),
                Some("AUTH") => format!("{reply}\r\n"),
                Some("QUIT") => {
                    let _ = writer.write_all(b"221 bye\r\n");
                    break;
                }
                _ => "250 ok\r\n".to_string(),
            };
            if writer.write_all(answer.as_bytes()).is_err() {
                break;
            }
        }
    });
    port
}

#[test]
fn a_hostile_smtp_reply_reaches_stderr_without_its_terminal_escapes() {
    let port = refusing_smtp_server("535 5.7.8 \u{1b}]0;pwned\u{7}\u{1b}[2Jno such user");
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &format!("{EMAIL}smtp_url = \"smtp://127.0.0.1:{port}?tls=none\"\nusername = \"bot\"\n"),
    );
    let output = aikpi()
        .env("AIKPI_SMTP_PASSWORD", "pw")
        .args([
            "report", "--sample", "--email", "--config", &config, "--out",
        ])
        .arg(dir.path().join("report"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let text = stderr(&output);
    assert_mentions(&text, &["535 5.7.8 no such user"]);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
}
