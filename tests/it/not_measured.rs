//! Relations a team does not collect (SPEC §3, config `[contract]`): declared absent,
//! they are not read and their metrics are `not_measured` in every output; undeclared,
//! a missing one stops the report and names the switch.

use crate::cli_support;

use std::path::Path;

use serde_json::Value;
use sqlx::{Executor, PgPool};

use cli_support::{aikpi, db_url, failure, seed};

/// `public` seeded with two months ending 2026-10, and a schema `nokb` of views over it
/// without `kb_evals`.
async fn team_without_kb_evals(pool: &PgPool) -> String {
    let url = db_url(pool, None);
    seed(&url, 2, 200);
    let mut sql = "CREATE SCHEMA nokb;".to_string();
    for relation in ["conversations", "llm_usage", "cost_ledger", "reply_edits"] {
        sql.push_str(&format!(
            "CREATE VIEW nokb.{relation} AS SELECT * FROM public.{relation};"
        ));
    }
    pool.execute(sql.as_str()).await.unwrap();
    url
}

/// A config file declaring `kb_evals` absent, with what a dry-run email needs.
fn config(dir: &Path) -> String {
    let path = dir.join("aikpi.toml");
    std::fs::write(
        &path,
        "[contract]\nkb_evals = \"absent\"\n\n[email]\nfrom = \"mbr@example.com\"\nto = \"vp@example.com\"\n",
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// The text of a file with quoted-printable soft line breaks joined.
fn text(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap())
        .replace("=\r\n", "")
        .replace("=\n", "")
}

/// The text of `word/document.xml` in a .docx.
fn docx_text(path: &Path) -> String {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    xml
}

#[sqlx::test]
async fn a_relation_declared_absent_is_not_measured_in_every_output(pool: PgPool) {
    let url = team_without_kb_evals(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    for (lang, word) in [("en", "not measured"), ("zh-CN", "未衡量")] {
        let out = dir.path().join(format!("report-{lang}"));
        let eml = dir.path().join(format!("summary-{lang}.eml"));
        let output = aikpi()
            .args([
                "report", "--month", "2026-10", "--schema", "nokb", "--quiet",
            ])
            .args(["--database-url", &url, "--config", &config, "--lang", lang])
            .arg("--out")
            .arg(&out)
            .arg("--email-dry-run")
            .arg(&eml)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let json: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap())
                .unwrap();
        let kb = &json["metrics"]["kb_hit_rate"];
        assert_eq!(kb["status"], "not_measured");
        assert_eq!(kb["value"], Value::Null);
        assert_eq!(kb["previous"], Value::Null);
        assert_eq!(kb["significance"], "not_assessed");
        // The other optional relation is collected and measured.
        assert_ne!(
            json["metrics"]["feedback_loop_rate"]["status"],
            "not_measured"
        );
        // Left out of "N of M targets met": 11 measured.
        assert_eq!(json["summary"]["not_measured"], 1);
        assert_eq!(json["summary"]["counted"], 11);
        for file in ["report.md", "report.html"] {
            let body = text(&out.join(file));
            assert!(body.contains(word), "{lang} {file} does not say {word}");
        }
        assert!(
            docx_text(&out.join("report.docx")).contains(word),
            "{lang} report.docx does not say {word}"
        );
        let raw = std::fs::read(&eml).unwrap();
        let parsed = mail_parser::MessageParser::default()
            .parse(&raw[..])
            .unwrap();
        for body in [parsed.body_text(0).unwrap(), parsed.body_html(0).unwrap()] {
            assert!(body.contains(word), "{lang} email does not say {word}");
        }
    }
}

#[sqlx::test]
async fn a_missing_relation_not_declared_absent_stops_the_report_naming_the_switch(pool: PgPool) {
    let url = team_without_kb_evals(&pool).await;
    let dir = tempfile::tempdir().unwrap();
    let output = aikpi()
        .args([
            "report", "--month", "2026-10", "--schema", "nokb", "--quiet",
        ])
        .args(["--database-url", &url])
        .arg("--out")
        .arg(dir.path().join("report"))
        .output()
        .unwrap();
    let message = failure(&output, 3);
    assert_eq!(
        message,
        "relation `kb_evals` does not exist in schema `nokb`. aikpi reads the \
         five relations of the data contract in README.md (conversations, llm_usage, \
         cost_ledger, kb_evals, reply_edits): create them with `aikpi migrate`, or create a \
         view named `kb_evals` over your own tables; or, if your team does not collect \
         kb_evals, declare it absent in the config file with `kb_evals = \"absent\"` under \
         `[contract]` (its metric is then reported as not measured). `aikpi check` lists \
         everything to fix."
    );
}

#[test]
fn a_contract_value_other_than_present_or_absent_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("aikpi.toml");
    std::fs::write(&config, "[contract]\nkb_evals = \"maybe\"\n").unwrap();
    let output = aikpi()
        .args(["report", "--sample", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(dir.path().join("report"))
        .output()
        .unwrap();
    let message = failure(&output, 2);
    assert_eq!(
        message,
        format!(
            "the config file {} is not valid: line 2, column 12: unknown variant `maybe`, \
             expected `present` or `absent`. Fix it there; `aikpi config init` prints every \
             key with its default and meaning.",
            config.display()
        )
    );
}
