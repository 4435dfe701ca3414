//! Database faults and contract violations through the command line (issue 6): each
//! ends with one clear paragraph naming the problem and the fix, exit code 3 (SPEC §5),
//! and the previous report in `--out` untouched. Values outside the contract are counted
//! in the data-quality section instead.
//!
//! `#[sqlx::test]` gives each test a fresh database with ./migrations applied
//! (DATABASE_URL must point at PostgreSQL; without it these tests fail, never skip).

use crate::cli_support;
use crate::services;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use cli_support::*;
use sqlx::{Executor, PgPool};

/// `report --month 2026-10` from `url` into the previous report's folder; returns the
/// message of the failure with `code`, after checking the folder is untouched.
fn report_fails(previous: &PreviousReport, url: &str, extra: &[&str], code: i32) -> String {
    let output = aikpi()
        .args(["report", "--month", "2026-10", "--database-url", url])
        .args(extra)
        .arg("--out")
        .arg(&previous.out)
        .output()
        .unwrap();
    let message = failure(&output, code);
    previous.assert_untouched();
    message
}

#[test]
fn an_unreachable_database_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let port = closed_port();
    let url = format!("postgres://reporter@127.0.0.1:{port}/support");
    let message = report_fails(&previous, &url, &[], 3);
    assert_mentions(
        &message,
        &[
            &format!("postgres://reporter@127.0.0.1:{port}/support"),
            "refused",
            "is PostgreSQL running",
            "host and port",
        ],
    );
}

#[sqlx::test]
async fn a_missing_database_is_named(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let mut url = url::Url::parse(&db_url(&pool, None)).unwrap();
    url.set_path("/aikpi_no_such_database");
    let message = report_fails(&previous, url.as_str(), &[], 3);
    assert_mentions(
        &message,
        &[
            "database \"aikpi_no_such_database\" does not exist",
            "database name",
        ],
    );
}

/// With trust authentication (this server's pg_hba.conf, which the tests must not
/// change) any password is accepted for an existing role, so a wrong password cannot
/// be produced by this server; an unknown role is the closest real refusal.
#[sqlx::test]
async fn an_unknown_role_is_named(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let mut url = url::Url::parse(&db_url(&pool, None)).unwrap();
    url.set_username("aikpi_no_such_role").unwrap();
    let message = report_fails(&previous, url.as_str(), &[], 3);
    assert_mentions(
        &message,
        &["role \"aikpi_no_such_role\" does not exist", "user name"],
    );
}

/// A stand-in PostgreSQL server on loopback that does what a server with password
/// authentication does when the password is wrong: asks for the password, then answers
/// with the ErrorResponse `28P01 password authentication failed`. Returns the port and a
/// handle yielding the password the client sent.
fn password_refusing_server() -> (u16, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut stream = services::accept_within(&listener, services::PATIENCE, "aikpi");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let read_i32 = |s: &mut std::net::TcpStream| {
            let mut b = [0u8; 4];
            s.read_exact(&mut b).unwrap();
            i32::from_be_bytes(b)
        };
        // SSLRequest / GSSENCRequest first (answered "no"), then the StartupMessage.
        let user = loop {
            let len = read_i32(&mut stream) as usize;
            let code = read_i32(&mut stream);
            let mut body = vec![0u8; len - 8];
            stream.read_exact(&mut body).unwrap();
            if code == 80877103 || code == 80877104 {
                stream.write_all(b"N").unwrap();
                continue;
            }
            let fields: Vec<&[u8]> = body.split(|b| *b == 0).collect();
            let user = fields
                .iter()
                .position(|f| *f == b"user")
                .map(|i| String::from_utf8_lossy(fields[i + 1]).into_owned())
                .unwrap_or_default();
            break user;
        };
        // AuthenticationCleartextPassword.
        stream.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]).unwrap();
        let mut tag = [0u8; 1];
        stream.read_exact(&mut tag).unwrap();
        assert_eq!(tag[0], b'p', "a PasswordMessage");
        let len = read_i32(&mut stream) as usize;
        let mut password = vec![0u8; len - 4];
        stream.read_exact(&mut password).unwrap();
        password.pop(); // NUL
        let mut fields = Vec::new();
        for (code, value) in [
            (b'S', "FATAL".to_string()),
            (b'V', "FATAL".to_string()),
            (b'C', "28P01".to_string()),
            (
                b'M',
                format!("password authentication failed for user \"{user}\""),
            ),
        ] {
            fields.push(code);
            fields.extend_from_slice(value.as_bytes());
            fields.push(0);
        }
        fields.push(0);
        let mut message = vec![b'E'];
        message.extend_from_slice(&((fields.len() + 4) as i32).to_be_bytes());
        message.extend_from_slice(&fields);
        stream.write_all(&message).unwrap();
        String::from_utf8(password).unwrap()
    });
    (port, handle)
}

#[test]
fn a_wrong_password_is_named_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));

    // The password from PGPASSWORD (as the README recommends) ...
    let (port, server) = password_refusing_server();
    let output = aikpi()
        .env("PGPASSWORD", "Wr0ng-PgPassword")
        .args(["report", "--month", "2026-10", "--database-url"])
        .arg(format!("postgres://reporter@127.0.0.1:{port}/support"))
        .arg("--out")
        .arg(&previous.out)
        .output()
        .unwrap();
    assert_eq!(
        services::join_within(server, services::PATIENCE, "the stand-in server's exchange"),
        "Wr0ng-PgPassword",
        "PGPASSWORD is used"
    );
    let message = failure(&output, 3);
    previous.assert_untouched();
    assert_mentions(
        &message,
        &[
            "password authentication failed for user \"reporter\"",
            "PGPASSWORD",
        ],
    );
    assert!(!message.contains("Wr0ng-PgPassword"), "{message}");

    // ... and in the URL: shown redacted.
    let (port, server) = password_refusing_server();
    let message = report_fails(
        &previous,
        &format!("postgres://reporter:Wr0ng-UrlPassword@127.0.0.1:{port}/support"),
        &[],
        3,
    );
    assert_eq!(
        services::join_within(server, services::PATIENCE, "the stand-in server's exchange"),
        "Wr0ng-UrlPassword"
    );
    assert_mentions(
        &message,
        &[
            &format!("postgres://reporter:***@127.0.0.1:{port}/support"),
            "password authentication failed",
        ],
    );
    assert!(!message.contains("Wr0ng-UrlPassword"), "{message}");
}

/// A schema `slow` whose `conversations` view sleeps `seconds` before returning a row;
/// the other relations are views over the migrated tables.
async fn slow_schema(pool: &PgPool, seconds: u32) {
    pool.execute(
        format!(
            "{}
             CREATE SCHEMA slow;
             CREATE VIEW slow.conversations AS
                SELECT c.* FROM public.conversations c
                WHERE (SELECT true FROM pg_sleep({seconds}));
             CREATE VIEW slow.llm_usage AS SELECT * FROM public.llm_usage;
             CREATE VIEW slow.cost_ledger AS SELECT * FROM public.cost_ledger;
             CREATE VIEW slow.kb_evals AS SELECT * FROM public.kb_evals;
             CREATE VIEW slow.reply_edits AS SELECT * FROM public.reply_edits;",
            conversation("c1", "2026-10-10T10:00:00Z", Some(5), Some(0.1), "resolved")
        )
        .as_str(),
    )
    .await
    .unwrap();
}

#[sqlx::test]
async fn a_statement_timeout_is_named_with_how_to_raise_it(pool: PgPool) {
    slow_schema(&pool, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let config = dir.path().join("aikpi.toml");
    std::fs::write(&config, "statement_timeout_seconds = 1\n").unwrap();
    let message = report_fails(
        &previous,
        &db_url(&pool, None),
        &["--schema", "slow", "--config", config.to_str().unwrap()],
        3,
    );
    assert_mentions(
        &message,
        &[
            "conversation aggregates",
            "statement timeout of 1 s",
            "statement_timeout_seconds",
            "0 = no limit",
        ],
    );
}

#[sqlx::test]
async fn a_connection_dropped_mid_query_is_named(pool: PgPool) {
    slow_schema(&pool, 120).await;
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let db = db_name(&pool);
    let mut child = aikpi_std()
        .args(["report", "--month", "2026-10", "--schema", "slow"])
        .arg("--database-url")
        .arg(db_url(&pool, None))
        .arg("--out")
        .arg(&previous.out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    // Wait (bounded) until the report's backend sleeps inside the slow view, then end it.
    let deadline = Instant::now() + Duration::from_secs(60);
    let terminated = loop {
        let ended: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = $1 AND application_name LIKE 'aikpi%' AND wait_event = 'PgSleep' AND backend_type = 'client backend'",
        )
        .bind(&db)
        .fetch_all(&pool)
        .await
        .unwrap();
        if !ended.is_empty() {
            break ended;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            panic!(
                "aikpi ended ({status}) before it was seen in the slow query: {}",
                stderr(&output)
            );
        }
        assert!(
            Instant::now() < deadline,
            "the report's query never showed in pg_stat_activity"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(terminated.iter().all(|t| *t), "{terminated:?}");

    // It ends promptly on its own (bounded wait; killed and failed otherwise).
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("aikpi did not end after its connection was terminated");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let output = child.wait_with_output().unwrap();
    let message = failure(&output, 3);
    previous.assert_untouched();
    assert_mentions(
        &message,
        &[
            "connection to PostgreSQL",
            "lost",
            "conversation aggregates",
            "run the report again",
        ],
    );
}

/// A schema `name` whose relations are views over the migrated tables, with
/// `replace` = (relation, view body or None to leave it out).
async fn schema_with(pool: &PgPool, name: &str, replace: (&str, Option<&str>)) {
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

#[sqlx::test]
async fn a_missing_table_is_named(pool: PgPool) {
    schema_with(&pool, "partial", ("kb_evals", None)).await;
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let message = report_fails(&previous, &db_url(&pool, None), &["--schema", "partial"], 3);
    assert_mentions(
        &message,
        &[
            "relation `kb_evals` does not exist in schema `partial`",
            "data contract in README.md",
            "aikpi migrate",
        ],
    );
}

#[sqlx::test]
async fn a_missing_column_is_named(pool: PgPool) {
    schema_with(
        &pool,
        "lacking",
        (
            "reply_edits",
            Some("SELECT id, conversation_id, edited_at FROM public.reply_edits"),
        ),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let message = report_fails(&previous, &db_url(&pool, None), &["--schema", "lacking"], 3);
    assert_mentions(
        &message,
        &[
            "`lacking.reply_edits` has no column `fed_back_at`",
            "timestamptz",
            "data contract in README.md",
        ],
    );
}

#[sqlx::test]
async fn a_wrong_column_type_is_named(pool: PgPool) {
    schema_with(
        &pool,
        "texty",
        (
            "conversations",
            Some(
                "SELECT id, user_id, issue_key, channel, started_at, first_user_message_at,
                    first_ai_reply_at, closed_at, close_reason, ai_participated, handoff_at,
                    handoff_initiator, rating_prompted, ai_csat::text AS ai_csat, human_csat,
                    negative_sentiment FROM public.conversations",
            ),
        ),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let previous = PreviousReport::make(&dir.path().join("out/report"));
    let message = report_fails(&previous, &db_url(&pool, None), &["--schema", "texty"], 3);
    assert_mentions(
        &message,
        &[
            "column `texty.conversations.ai_csat` has type text",
            "smallint",
            "data contract in README.md",
            "ai_csat::smallint",
        ],
    );
}

#[sqlx::test]
async fn values_outside_the_contract_are_counted_not_averaged(pool: PgPool) {
    pool.execute(
        [
            conversation(
                "ok-1",
                "2026-10-05T10:00:00Z",
                Some(4),
                Some(0.25),
                "resolved",
            ),
            conversation(
                "ok-2",
                "2026-10-06T10:00:00Z",
                Some(2),
                Some(0.75),
                "user_left",
            ),
            conversation(
                "bad-csat",
                "2026-10-07T10:00:00Z",
                Some(7),
                None,
                "resolved",
            ),
            conversation(
                "bad-mood",
                "2026-10-08T10:00:00Z",
                None,
                Some(1.4),
                "resolved",
            ),
            conversation("bad-end", "2026-10-09T10:00:00Z", None, None, "exploded"),
        ]
        .concat()
        .as_str(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    aikpi()
        .args(["report", "--month", "2026-10", "--database-url"])
        .arg(db_url(&pool, None))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let counts = &json["data_quality"]["counts"];
    assert_eq!(counts["ai_csat_out_of_range"], 1, "{counts}");
    assert_eq!(counts["sentiment_out_of_range"], 1, "{counts}");
    assert_eq!(counts["unknown_close_reason"], 1, "{counts}");
    let keys: Vec<&str> = json["data_quality"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["key"].as_str().unwrap())
        .collect();
    for key in [
        "ai_csat_out_of_range",
        "sentiment_out_of_range",
        "unknown_close_reason",
    ] {
        assert!(keys.contains(&key), "a note for {key}: {keys:?}");
    }
    // Only the in-contract values are averaged: (4 + 2) / 2 and (0.25 + 0.75) / 2.
    assert_eq!(json["metrics"]["csat_ai"]["value"], 3.0);
    assert_eq!(json["metrics"]["negative_sentiment"]["value"], 0.5);

    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for text in [
        // One of each: singular.
        "1 AI rating is outside 1–5; it is left out",
        "1 sentiment score is outside 0–1; it is left out",
        "outside the contract", // close\_reason is escaped in Markdown
    ] {
        assert!(md.contains(text), "report.md says {text:?}");
    }
}
