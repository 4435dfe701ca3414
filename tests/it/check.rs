//! `aikpi check`: every problem class is found, counted and comes with its fix; the
//! verdict decides the exit code (0 ready, 3 not ready); JSON for scripts, text in en
//! and zh-CN.
//!
//! `#[sqlx::test]` gives each test a fresh database with ./migrations applied to
//! `public`; team schemas are made of views or copies of those tables.

use crate::cli_support;

use serde_json::Value;
use sqlx::{Executor, PgPool};

use cli_support::{aikpi, db_url, seed};

/// Runs `aikpi check --format json` with `args`; the exit code and the parsed JSON.
fn check_json(url: &str, args: &[&str]) -> (i32, Value) {
    let month: &[&str] = match args.contains(&"--month") {
        true => &[],
        false => &["--month", "2026-10"],
    };
    let output = aikpi()
        .args(["check", "--format", "json", "--database-url", url])
        .args(month)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), json)
}

/// Runs `aikpi check` (the readable summary) with `args`; the exit code and stdout.
fn check_text(url: &str, args: &[&str]) -> (i32, String) {
    let output = aikpi()
        .args(["check", "--month", "2026-10", "--database-url", url])
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// The finding of `problem` (on `column`, when given).
fn finding<'a>(json: &'a Value, problem: &str, column: Option<&str>) -> &'a Value {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["problem"] == problem && column.is_none_or(|c| f["column"] == c))
        .unwrap_or_else(|| panic!("no {problem} {column:?} in {json:#}"))
}

fn has_finding(json: &Value, problem: &str) -> bool {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["problem"] == problem)
}

/// A schema `name` of views over `public`, with `replace` = (relation, view body or
/// None to leave it out).
async fn views(pool: &PgPool, name: &str, replace: (&str, Option<&str>)) {
    let mut sql = format!("CREATE SCHEMA {name};");
    for relation in [
        "conversations",
        "llm_usage",
        "cost_ledger",
        "kb_evals",
        "reply_edits",
    ] {
        let body = if relation == replace.0 {
            match replace.1 {
                Some(body) => body.to_string(),
                None => continue,
            }
        } else {
            format!("SELECT * FROM public.{relation}")
        };
        sql.push_str(&format!("CREATE VIEW {name}.{relation} AS {body};"));
    }
    pool.execute(sql.as_str()).await.unwrap();
}

/// A schema `team` of empty copies of the contract tables: no constraints, no indexes.
async fn bare_team(pool: &PgPool) {
    let mut sql = "CREATE SCHEMA team;".to_string();
    for relation in [
        "conversations",
        "llm_usage",
        "cost_ledger",
        "kb_evals",
        "reply_edits",
    ] {
        sql.push_str(&format!(
            "CREATE TABLE team.{relation} AS SELECT * FROM public.{relation} WITH NO DATA;"
        ));
    }
    pool.execute(sql.as_str()).await.unwrap();
}

/// One valid row in each relation of `team` for 2026-10 (and a booked ledger).
async fn one_good_month(pool: &PgPool) {
    pool.execute(
        "INSERT INTO team.conversations VALUES ('ok', 'u-ok', 'billing', 'web',
             '2026-10-05 10:00Z', '2026-10-05 10:00Z', '2026-10-05 10:00:02Z',
             '2026-10-05 10:05Z', 'resolved', true, NULL, NULL, true, 5, NULL, 0.1);
         INSERT INTO team.llm_usage VALUES (1, '2026-10-05 10:00Z', 'ok', 'gpt', 10, 5, 0.01);
         INSERT INTO team.cost_ledger VALUES ('2026-10-01', 'infra', 100), ('2026-10-01', 'labor', 900);
         INSERT INTO team.kb_evals VALUES (1, '2026-10-05 10:00Z', 'd1', 'd1');
         INSERT INTO team.reply_edits VALUES (1, 'ok', '2026-10-05 10:00Z', NULL);",
    )
    .await
    .unwrap();
}

#[sqlx::test]
async fn a_seeded_migrated_schema_can_report_and_the_rollup_applies(pool: PgPool) {
    let url = db_url(&pool, None);
    seed(&url, 2, 200);
    let (code, json) = check_json(&url, &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_ne!(json["verdict"], "not_ready");
    assert_eq!(json["rollup"], "available");
    assert_eq!(json["month"], "2026-10");
    let conversations = &json["relations"][0];
    assert_eq!(conversations["relation"], "conversations");
    assert_eq!(conversations["kind"], "table");
    let october: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM conversations
         WHERE started_at >= '2026-10-01 00:00Z' AND started_at < '2026-11-01 00:00Z'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let by_month = conversations["rows_by_month"].as_array().unwrap();
    assert_eq!(by_month.last().unwrap()["rows"], october);
    assert!(conversations["latest_at"].is_string());
    assert!(!has_finding(&json, "index_missing"), "{json:#}");
    assert!(!has_finding(&json, "duplicate_ids"), "{json:#}");
    let (code, text) = check_text(&url, &[]);
    assert_eq!(code, 0);
    assert!(text.contains("Ready"), "{text}");
    assert!(text.contains("Rows per month"), "{text}");
    assert!(text.contains("Rollup: applies"), "{text}");
}

#[sqlx::test]
async fn a_missing_optional_relation_stops_the_report_and_names_the_contract_switch(pool: PgPool) {
    views(&pool, "partial", ("kb_evals", None)).await;
    let url = db_url(&pool, None);
    let (code, json) = check_json(&url, &["--schema", "partial"]);
    assert_eq!(code, 3);
    assert_eq!(json["verdict"], "not_ready");
    let f = finding(&json, "relation_missing", None);
    assert_eq!(f["relation"], "kb_evals");
    assert_eq!(f["severity"], "blocker");
    assert_eq!(f["fix"], "kb_evals = \"absent\"");
    let (code, text) = check_text(&url, &["--schema", "partial"]);
    assert_eq!(code, 3);
    assert!(
        text.contains(
            "kb_evals is missing from schema partial.\n    Fix: create a view named kb_evals over \
             your tables or, if your team does not collect it, declare it in the config file \
             under [contract]: `kb_evals = \"absent\"` (its metric is then reported as not \
             measured)."
        ),
        "{text}"
    );
}

#[sqlx::test]
async fn a_relation_declared_absent_is_not_read_and_the_check_passes(pool: PgPool) {
    views(&pool, "partial", ("kb_evals", None)).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("aikpi.toml");
    std::fs::write(&config, "[contract]\nkb_evals = \"absent\"\n").unwrap();
    let url = db_url(&pool, None);
    seed(&url, 2, 200);
    let config = config.to_str().unwrap();
    let (code, json) = check_json(&url, &["--schema", "partial", "--config", config]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["relations"][3]["state"], "declared_absent");
    let f = finding(&json, "relation_declared_absent", None);
    assert_eq!(f["relation"], "kb_evals");
    assert_eq!(f["severity"], "note");
}

#[sqlx::test]
async fn a_missing_required_relation_names_migrate_and_the_views(pool: PgPool) {
    views(&pool, "nolog", ("llm_usage", None)).await;
    let (code, json) = check_json(&db_url(&pool, None), &["--schema", "nolog"]);
    assert_eq!(code, 3);
    let f = finding(&json, "relation_missing", None);
    assert_eq!(f["relation"], "llm_usage");
    assert_eq!(f["fix"], "aikpi migrate --schema nolog");
}

#[sqlx::test]
async fn a_schema_that_does_not_exist_is_named(pool: PgPool) {
    let (code, json) = check_json(&db_url(&pool, None), &["--schema", "nowhere"]);
    assert_eq!(code, 3);
    assert_eq!(
        finding(&json, "schema_missing", None)["fix"],
        "aikpi migrate --schema nowhere"
    );
}

#[sqlx::test]
async fn a_wrong_type_names_the_type_found_and_the_cast_and_a_missing_column_its_type(
    pool: PgPool,
) {
    views(
        &pool,
        "typed",
        (
            "conversations",
            Some(
                "SELECT id, user_id, issue_key, pg_catalog.length(channel) AS channel, started_at,
                    first_user_message_at, first_ai_reply_at, closed_at, close_reason,
                    ai_participated, handoff_at, handoff_initiator, rating_prompted, ai_csat,
                    human_csat FROM public.conversations",
            ),
        ),
    )
    .await;
    let url = db_url(&pool, None);
    let (code, json) = check_json(&url, &["--schema", "typed"]);
    assert_eq!(code, 3);
    let wrong = finding(&json, "column_wrong_type", Some("channel"));
    assert_eq!(wrong["found_type"], "integer");
    assert_eq!(wrong["expected_type"], "text");
    assert_eq!(wrong["fix"], "channel::text AS channel");
    let missing = finding(&json, "column_missing", Some("negative_sentiment"));
    assert_eq!(missing["expected_type"], "real");
    // Rows of a relation whose columns do not fit are not read.
    assert_eq!(json["relations"][0]["rows_checked"], false);
    let (_, text) = check_text(&url, &["--schema", "typed"]);
    assert!(
        text.contains(
            "conversations.channel has type integer; the contract needs text.\n    Fix: cast it \
             in the view: `channel::text AS channel`."
        ),
        "{text}"
    );
}

#[sqlx::test]
async fn values_outside_the_contract_are_counted_each_with_its_fix(pool: PgPool) {
    bare_team(&pool).await;
    one_good_month(&pool).await;
    // Each row breaks one rule (two for `both`), all in 2026-10.
    pool.execute(
        "INSERT INTO team.conversations
             (id, user_id, issue_key, channel, started_at, first_user_message_at,
              first_ai_reply_at, closed_at, close_reason, ai_participated, handoff_at,
              handoff_initiator, rating_prompted, ai_csat, human_csat, negative_sentiment)
         VALUES
         ('r7', 'u', 'k', 'web', '2026-10-06 10:00Z', NULL, NULL, '2026-10-06 11:00Z',
          'resolved', true, NULL, NULL, true, 7, NULL, NULL),
         ('h0', 'u', 'k', 'web', '2026-10-06 10:00Z', NULL, NULL, '2026-10-06 11:00Z',
          'resolved', true, NULL, NULL, true, NULL, 0, NULL),
         ('s15', 'u', 'k', 'web', '2026-10-06 10:00Z', NULL, NULL, '2026-10-06 11:00Z',
          'resolved', true, NULL, NULL, true, NULL, NULL, 1.5),
         ('solved', 'u', 'k', 'web', '2026-10-06 10:00Z', NULL, NULL, '2026-10-06 11:00Z',
          'solved', true, NULL, NULL, true, NULL, NULL, NULL),
         ('bot', 'u', 'k', 'web', '2026-10-06 10:00Z', NULL, NULL, '2026-10-06 11:00Z',
          'agent_closed', true, '2026-10-06 10:30Z', 'bot', true, NULL, NULL, NULL),
         ('nobody', 'u', 'k', 'web', '2026-10-06 10:00Z', NULL, NULL, '2026-10-06 11:00Z',
          'agent_closed', true, '2026-10-06 10:30Z', NULL, true, NULL, NULL, NULL),
         ('stray', 'u', 'k', 'web', '2026-10-06 10:00Z', NULL, NULL, '2026-10-06 11:00Z',
          'resolved', true, NULL, 'user', true, NULL, NULL, NULL),
         ('noreason', 'u', 'k', 'web', '2026-10-06 10:00Z', NULL, NULL, '2026-10-06 11:00Z',
          NULL, true, NULL, NULL, true, NULL, NULL, NULL),
         ('backwards', 'u', 'k', 'web', '2026-10-06 10:00Z', '2026-10-06 10:00Z',
          '2026-10-06 09:59Z', '2026-10-06 09:00Z', 'timeout', true, NULL, NULL, true,
          NULL, NULL, NULL),
         ('both', NULL, NULL, NULL, '2026-10-06 10:00Z', NULL, NULL, NULL, NULL, NULL, NULL,
          NULL, NULL, NULL, NULL, NULL),
         ('timeless', 'u', 'k', 'web', NULL, NULL, NULL, NULL, NULL, true, NULL, NULL, true,
          NULL, NULL, NULL);",
    )
    .await
    .unwrap();
    let (code, json) = check_json(&db_url(&pool, None), &["--schema", "team"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["verdict"], "ready_with_warnings");
    let expect = |problem: &str, column: &str, count: i64, fix: &str| {
        let f = finding(&json, problem, Some(column));
        assert_eq!(f["relation"], "conversations", "{f}");
        assert_eq!(f["severity"], "warning", "{f}");
        assert_eq!(f["count"], count, "{f}");
        assert_eq!(f["fix"], fix, "{f}");
    };
    expect(
        "rating_out_of_range",
        "ai_csat",
        1,
        "CASE WHEN ai_csat BETWEEN 1 AND 5 THEN ai_csat END AS ai_csat",
    );
    expect(
        "rating_out_of_range",
        "human_csat",
        1,
        "CASE WHEN human_csat BETWEEN 1 AND 5 THEN human_csat END AS human_csat",
    );
    expect(
        "sentiment_out_of_range",
        "negative_sentiment",
        1,
        "CASE WHEN negative_sentiment BETWEEN 0 AND 1 THEN negative_sentiment END AS negative_sentiment",
    );
    expect(
        "unknown_close_reason",
        "close_reason",
        1,
        "CASE … THEN 'resolved' … END AS close_reason -- resolved, user_left, timeout, agent_closed",
    );
    expect(
        "unknown_handoff_initiator",
        "handoff_initiator",
        1,
        "CASE … THEN 'ai' … END AS handoff_initiator -- ai, user",
    );
    expect(
        "handoff_without_initiator",
        "handoff_initiator",
        1,
        "CASE WHEN … THEN 'ai' WHEN … THEN 'user' END AS handoff_initiator",
    );
    expect(
        "initiator_without_handoff",
        "handoff_at",
        1,
        "CASE WHEN handoff_at IS NOT NULL THEN handoff_initiator END AS handoff_initiator",
    );
    expect(
        "closed_without_reason",
        "close_reason",
        1,
        "COALESCE(close_reason, 'agent_closed') AS close_reason",
    );
    expect(
        "closed_before_started",
        "closed_at",
        1,
        "closed_at::timestamptz, started_at::timestamptz -- AT TIME ZONE '…'",
    );
    expect(
        "reply_before_message",
        "first_ai_reply_at",
        1,
        "first_ai_reply_at::timestamptz, first_user_message_at::timestamptz -- AT TIME ZONE '…'",
    );
    for column in ["user_id", "channel", "ai_participated", "rating_prompted"] {
        expect(
            "null_in_required_column",
            column,
            1,
            &format!("WHERE {column} IS NOT NULL"),
        );
    }
    expect(
        "null_in_required_column",
        "started_at",
        1,
        "WHERE started_at IS NOT NULL",
    );
    // `both` is open and unclassified: the month's provisional and data-quality counts.
    assert_eq!(finding(&json, "open_conversations", None)["count"], 1);
    assert_eq!(
        finding(&json, "unclassified_conversations", None)["count"],
        1
    );
    // 11 rows of 2026-10 (`ok` and the ten above); the timeless row is in no month.
    assert_eq!(
        json["relations"][0]["rows_by_month"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["rows"],
        11
    );
}

#[sqlx::test]
async fn duplicates_through_a_view_and_in_the_ledger_are_counted(pool: PgPool) {
    bare_team(&pool).await;
    one_good_month(&pool).await;
    pool.execute(
        "ALTER TABLE team.conversations RENAME TO conversations_raw;
         CREATE VIEW team.conversations AS
             SELECT * FROM team.conversations_raw
             UNION ALL SELECT * FROM team.conversations_raw;
         INSERT INTO team.llm_usage VALUES (1, '2026-10-06 10:00Z', NULL, 'gpt', 1, 1, 0.01);
         INSERT INTO team.cost_ledger VALUES ('2026-10-01', 'infra', 5), ('2026-10-15', 'llm', 3);",
    )
    .await
    .unwrap();
    let (code, json) = check_json(&db_url(&pool, None), &["--schema", "team"]);
    assert_eq!(code, 0, "{json:#}");
    let find = |relation: &str, problem: &str| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["relation"] == relation && f["problem"] == problem)
            .unwrap_or_else(|| panic!("no {problem} on {relation}: {json:#}"))
            .clone()
    };
    let conversations = find("conversations", "duplicate_ids");
    assert_eq!(conversations["count"], 1);
    assert_eq!(conversations["fix"], "SELECT DISTINCT ON (id) …");
    assert_eq!(find("llm_usage", "duplicate_ids")["count"], 1);
    let ledger = find("cost_ledger", "duplicate_ledger_keys");
    assert_eq!(ledger["count"], 1);
    assert!(ledger["fix"]
        .as_str()
        .unwrap()
        .contains("GROUP BY month, category"));
    let day = find("cost_ledger", "ledger_month_not_first_day");
    assert_eq!(day["count"], 1);
    assert_eq!(day["fix"], "date_trunc('month', month)::date AS month");
}

#[sqlx::test]
async fn an_empty_month_stops_the_report_and_names_the_month_with_data(pool: PgPool) {
    let url = db_url(&pool, None);
    seed(&url, 2, 200);
    let output = aikpi()
        .args([
            "check",
            "--month",
            "2026-07",
            "--format",
            "json",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let f = finding(&json, "no_conversations_in_month", None);
    assert_eq!(f["severity"], "blocker");
    assert_eq!(f["fix"], "--month 2026-10");
}

#[sqlx::test]
async fn missing_indexes_come_with_the_create_index_to_run(pool: PgPool) {
    bare_team(&pool).await;
    one_good_month(&pool).await;
    let (code, json) = check_json(&db_url(&pool, None), &["--schema", "team"]);
    assert_eq!(code, 0, "{json:#}");
    let fixes: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["problem"] == "index_missing")
        .map(|f| f["fix"].as_str().unwrap())
        .collect();
    assert!(
        fixes.contains(&"CREATE INDEX ON team.llm_usage (occurred_at);"),
        "{fixes:?}"
    );
    assert!(
        fixes.contains(&"CREATE INDEX ON team.conversations (started_at);"),
        "{fixes:?}"
    );
    // Plain tables without the change log: the rollup needs `aikpi migrate`.
    assert_eq!(json["rollup"], "needs_migrate");
}

#[sqlx::test]
async fn an_unbooked_ledger_and_an_empty_relation_are_warnings_with_fixes(pool: PgPool) {
    bare_team(&pool).await;
    pool.execute(
        "INSERT INTO team.conversations VALUES ('ok', 'u-ok', 'billing', 'web',
             '2026-10-05 10:00Z', '2026-10-05 10:00Z', '2026-10-05 10:00:02Z',
             '2026-10-05 10:05Z', 'resolved', true, NULL, NULL, true, 5, NULL, 0.1);
         INSERT INTO team.cost_ledger VALUES ('2026-09-01', 'infra', 100);",
    )
    .await
    .unwrap();
    let (code, json) = check_json(&db_url(&pool, None), &["--schema", "team"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(
        finding(&json, "ledger_not_booked", None)["fix"],
        "2026-10-01"
    );
    assert_eq!(json["relations"][2]["latest_month"], "2026-09");
    let empty: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["problem"] == "no_rows_in_month")
        .collect();
    assert_eq!(empty.len(), 3, "{json:#}");
    assert_eq!(empty[1]["relation"], "kb_evals");
    assert_eq!(empty[1]["fix"], "kb_evals = \"absent\"");
}

#[sqlx::test]
async fn the_current_month_is_a_warning_naming_allow_partial_month(pool: PgPool) {
    let (_, json) = check_json(&db_url(&pool, None), &["--month", "2026-11"]);
    assert_eq!(
        finding(&json, "month_not_over", None)["fix"],
        "--allow-partial-month"
    );
}

#[sqlx::test]
async fn a_relation_the_role_may_not_read_names_the_grant(pool: PgPool) {
    pool.execute(
        "DO $$ BEGIN CREATE ROLE aikpi_check_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
         REVOKE ALL ON public.kb_evals FROM aikpi_check_reader;
         GRANT USAGE ON SCHEMA public TO aikpi_check_reader;
         GRANT SELECT ON public.conversations, public.llm_usage, public.cost_ledger,
             public.reply_edits TO aikpi_check_reader;",
    )
    .await
    .unwrap();
    let mut url = url::Url::parse(&db_url(&pool, None)).unwrap();
    url.set_username("aikpi_check_reader").unwrap();
    let (code, json) = check_json(url.as_str(), &[]);
    assert_eq!(code, 3, "{json:#}");
    let f = finding(&json, "relation_not_readable", None);
    assert_eq!(f["relation"], "kb_evals");
    assert_eq!(
        f["fix"],
        "GRANT SELECT ON public.kb_evals TO aikpi_check_reader;"
    );
}

#[sqlx::test]
async fn objects_planted_in_the_schema_never_run(pool: PgPool) {
    // A team schema with varchar columns, and functions and operators of the names the
    // check uses, with exact-match signatures that would win over pg_catalog's if the
    // check's SQL left them unqualified. Each one raises.
    views(
        &pool,
        "hostile",
        (
            "conversations",
            Some(
                "SELECT id::varchar AS id, user_id::varchar AS user_id, issue_key, channel,
                    started_at, first_user_message_at, first_ai_reply_at, closed_at,
                    close_reason::varchar AS close_reason, ai_participated, handoff_at,
                    handoff_initiator::varchar AS handoff_initiator, rating_prompted, ai_csat,
                    human_csat, negative_sentiment FROM public.conversations",
            ),
        ),
    )
    .await;
    pool.execute(
        "CREATE FUNCTION hostile.planted() RETURNS boolean LANGUAGE plpgsql AS
             $$ BEGIN RAISE EXCEPTION 'planted object ran'; END $$;
         CREATE FUNCTION hostile.width_bucket(timestamptz, timestamptz[]) RETURNS int
             LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'planted width_bucket ran'; END $$;
         CREATE FUNCTION hostile.count(varchar) RETURNS bigint
             LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'planted count ran'; END $$;
         CREATE FUNCTION hostile.neq(varchar, varchar) RETURNS boolean
             LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'planted <> ran'; END $$;
         CREATE OPERATOR hostile.<> (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = hostile.neq);
         CREATE FUNCTION hostile.ge(timestamptz, timestamptz) RETURNS boolean
             LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'planted >= ran'; END $$;",
    )
    .await
    .unwrap();
    let url = db_url(&pool, None);
    seed(&url, 2, 200);
    let output = aikpi()
        .args([
            "check",
            "--month",
            "2026-10",
            "--format",
            "json",
            "--schema",
            "hostile",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("planted"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[sqlx::test]
async fn the_summary_speaks_chinese_with_lang_zh_cn(pool: PgPool) {
    views(&pool, "partial", ("reply_edits", None)).await;
    let (code, text) = check_text(
        &db_url(&pool, None),
        &["--schema", "partial", "--lang", "zh-CN"],
    );
    assert_eq!(code, 3);
    assert!(text.contains("未就绪"), "{text}");
    assert!(text.contains("模式 partial 中缺少 reply_edits。"), "{text}");
    assert!(text.contains("`reply_edits = \"absent\"`"), "{text}");
    assert!(!text.contains("Fix:"), "{text}");
}

/// `schema/check.schema.json` is generated from the `CheckResult` type; this fails when
/// the committed file is stale. Regenerate with `AIKPI_UPDATE_SCHEMA=1 cargo test --test it
/// check::committed`.
#[test]
fn committed_check_schema_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/check.schema.json");
    let schema = aikpi::check::json_schema();
    if std::env::var_os("AIKPI_UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &schema).expect("write schema");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == schema,
        "schema/check.schema.json is stale: run `AIKPI_UPDATE_SCHEMA=1 cargo test --test it check::committed` and commit it"
    );
}
