//! The JSON that aikpi writes, validated against the schemas it publishes with a real
//! JSON Schema (2020-12) validator: report.json of the sample in both languages and of
//! a PostgreSQL database (`schema/report.schema.json`), and `aikpi check --format json`
//! (`schema/check.schema.json`). The schemas are generated from the types; this proves
//! that what the command line writes is what they promise.

use crate::cli_support;

use std::path::Path;

use cli_support::*;
use serde_json::Value;
use sqlx::PgPool;

/// A published schema, compiled.
fn validator(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name} is not a schema: {e}"))
}

/// Fails with every violation, each with where it is in `instance`.
#[track_caller]
fn assert_valid(schema: &str, instance: &Value, what: &str) {
    let violations: Vec<String> = validator(schema)
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        violations.is_empty(),
        "{what} does not follow {schema}:\n{}",
        violations.join("\n")
    );
}

/// report.json of a run with `args` (besides `--format json --out`).
fn report_json(args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let output = aikpi()
        .args(["report", "--format", "json", "--out"])
        .arg(dir.path())
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap())
        .expect("report.json is JSON")
}

#[test]
fn the_sample_report_json_follows_the_schema_in_both_languages() {
    for lang in ["en", "zh-CN"] {
        let json = report_json(&["--sample", "--lang", lang]);
        assert_eq!(json["provenance"]["language"], lang);
        assert_valid(
            "report.schema.json",
            &json,
            &format!("report.json ({lang})"),
        );
    }
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    // The check above can fail: a report.json with a wrong status or a missing section
    // is refused.
    let mut json = report_json(&["--sample"]);
    json["metrics"]["deflection_rate"]["status"] = Value::from("excellent");
    let errors = validator("report.schema.json").iter_errors(&json).count();
    assert!(errors > 0, "an unknown status passes");
    let mut json = report_json(&["--sample"]);
    json.as_object_mut().unwrap().remove("summary");
    assert!(
        !validator("report.schema.json").is_valid(&json),
        "a missing summary passes"
    );
}

#[sqlx::test]
async fn a_postgres_report_json_and_check_json_follow_their_schemas(pool: PgPool) {
    let url = db_url(&pool, None);
    seed(&url, 2, 200);
    let json = report_json(&["--month", "2026-10", "--database-url", &url]);
    assert_eq!(json["sample"], false);
    assert_valid("report.schema.json", &json, "report.json (PostgreSQL)");

    let output = aikpi()
        .args(["check", "--format", "json", "--month", "2026-10"])
        .args(["--database-url", &url])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let check: Value = serde_json::from_slice(&output.stdout).expect("check prints JSON");
    assert_valid("check.schema.json", &check, "aikpi check --format json");
    // And a check that finds a blocker (a schema without the contract relations).
    let output = aikpi()
        .args(["check", "--format", "json", "--month", "2026-10"])
        .args(["--database-url", &url, "--schema", "nowhere"])
        .output()
        .unwrap();
    let check: Value = serde_json::from_slice(&output.stdout).expect("check prints JSON");
    assert_eq!(check["verdict"], "not_ready", "{check:#}");
    assert_valid(
        "check.schema.json",
        &check,
        "aikpi check --format json (blocked)",
    );
}
