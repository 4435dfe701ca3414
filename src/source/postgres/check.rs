//! `aikpi check`: reads what a report would read and says whether it can run, and what
//! to fix (the result is [`crate::check::CheckResult`]).
//!
//! Everything reads one snapshot in READ ONLY transactions (`llm_usage` on a second
//! session that imports it, so the two largest relations are read at once). Each large
//! relation is read once over
//! the report window and after it (`sql/check/<relation>.sql`: counts per month and of
//! every value outside the contract in one grouped pass); the duplicate-id pass runs only
//! where no unique index rules duplicates out (views, tables without a primary key).
//! Every name in that SQL is pg_catalog-qualified: the schema belongs to the team and
//! may hold objects of any name.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor, FromRow};

use super::{
    apply_read_options, connect, missing_indexes, stale_tables, ContractColumn, ReadTarget,
    CONTRACT, CONTRACT_SQL, UPKEEP_MIN_BYTES,
};
use crate::check::{
    CheckResult, Finding, MonthRows, Problem, RelationCheck, RelationState, RollupState, Severity,
    Verdict, CHECK_FORMAT_VERSION,
};
use crate::contract::Contract;
use crate::period::Month;
use crate::source::SourceError;

const KINDS_SQL: &str = include_str!("../sql/check/kinds.sql");
const UNIQUE_KEYS_SQL: &str = include_str!("../sql/check/unique_keys.sql");
const LEDGER_SQL: &str = include_str!("../sql/check/cost_ledger.sql");
const LATEST_SQL: &str = include_str!("../sql/check/latest.sql");

/// The close reasons and handoff initiators of SPEC §2.
const CLOSE_REASONS: [&str; 4] = ["resolved", "user_left", "timeout", "agent_closed"];
const INITIATORS: [&str; 2] = ["ai", "user"];

/// What `aikpi check` checks.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    /// The report month.
    pub month: Month,
    /// The months a report on it reads, oldest first (the last is `month`).
    pub months: Vec<Month>,
    pub tz: Tz,
    /// The relations declared absent.
    pub contract: Contract,
    /// The month has not ended yet (a report needs `--allow-partial-month`).
    pub month_not_over: bool,
}

/// One count of a relation's pass: which problem, on which column, how serious.
struct Count {
    problem: Problem,
    column: &'static str,
    /// Counted only in the rows without a time (the NULL bucket), e.g. a NULL
    /// `started_at`, which the window's buckets cannot hold.
    timeless: bool,
}

const fn count(problem: Problem, column: &'static str) -> Count {
    Count {
        problem,
        column,
        timeless: false,
    }
}

const fn timeless(problem: Problem, column: &'static str) -> Count {
    Count {
        problem,
        column,
        timeless: true,
    }
}

/// The checks of `sql/check/conversations.sql`, in its order, then two counts the month
/// itself reads: open conversations and unclassified ones.
const CONVERSATION_CHECKS: [Count; 16] = {
    use Problem::*;
    [
        count(NullInRequiredColumn, "id"),
        count(NullInRequiredColumn, "user_id"),
        count(NullInRequiredColumn, "channel"),
        timeless(NullInRequiredColumn, "started_at"),
        count(NullInRequiredColumn, "ai_participated"),
        count(NullInRequiredColumn, "rating_prompted"),
        count(RatingOutOfRange, "ai_csat"),
        count(RatingOutOfRange, "human_csat"),
        count(SentimentOutOfRange, "negative_sentiment"),
        count(UnknownCloseReason, "close_reason"),
        count(UnknownHandoffInitiator, "handoff_initiator"),
        count(HandoffWithoutInitiator, "handoff_initiator"),
        count(InitiatorWithoutHandoff, "handoff_at"),
        count(ClosedWithoutReason, "close_reason"),
        count(ClosedBeforeStarted, "closed_at"),
        count(ReplyBeforeMessage, "first_ai_reply_at"),
    ]
};
/// Positions of the month counts after [`CONVERSATION_CHECKS`].
const OPEN: usize = 16;
const UNCLASSIFIED: usize = 17;

const LLM_USAGE_CHECKS: [Count; 6] = {
    use Problem::*;
    [
        count(NullInRequiredColumn, "id"),
        timeless(NullInRequiredColumn, "occurred_at"),
        count(NullInRequiredColumn, "model"),
        count(NullInRequiredColumn, "prompt_tokens"),
        count(NullInRequiredColumn, "completion_tokens"),
        count(NullInRequiredColumn, "cost"),
    ]
};

const KB_EVALS_CHECKS: [Count; 3] = {
    use Problem::*;
    [
        count(NullInRequiredColumn, "id"),
        timeless(NullInRequiredColumn, "evaluated_at"),
        count(NullInRequiredColumn, "expected_doc_id"),
    ]
};

const REPLY_EDITS_CHECKS: [Count; 2] = {
    use Problem::*;
    [
        count(NullInRequiredColumn, "id"),
        timeless(NullInRequiredColumn, "edited_at"),
    ]
};

/// A relation read in one pass over the window, by the time column SPEC §3 dates it by.
struct Pass {
    relation: &'static str,
    sql: &'static str,
    duplicates_sql: &'static str,
    checks: &'static [Count],
}

const PASSES: [Pass; 4] = [
    Pass {
        relation: "conversations",
        sql: include_str!("../sql/check/conversations.sql"),
        duplicates_sql: include_str!("../sql/check/duplicates_conversations.sql"),
        checks: &CONVERSATION_CHECKS,
    },
    Pass {
        relation: "llm_usage",
        sql: include_str!("../sql/check/llm_usage.sql"),
        duplicates_sql: include_str!("../sql/check/duplicates_llm_usage.sql"),
        checks: &LLM_USAGE_CHECKS,
    },
    Pass {
        relation: "kb_evals",
        sql: include_str!("../sql/check/kb_evals.sql"),
        duplicates_sql: include_str!("../sql/check/duplicates_kb_evals.sql"),
        checks: &KB_EVALS_CHECKS,
    },
    Pass {
        relation: "reply_edits",
        sql: include_str!("../sql/check/reply_edits.sql"),
        duplicates_sql: include_str!("../sql/check/duplicates_reply_edits.sql"),
        checks: &REPLY_EDITS_CHECKS,
    },
];

#[derive(FromRow)]
struct BucketRow {
    bucket: Option<i32>,
    rows: i64,
    latest: Option<DateTime<Utc>>,
    checks: Vec<i64>,
}

#[derive(FromRow)]
struct LedgerRow {
    month: Option<NaiveDate>,
    category: Option<String>,
    rows: i64,
    null_amount: i64,
}

/// Checks the schema of `target` for a report on `req.month`: the relations and columns
/// of the contract, the values in the window, the indexes and the rollup. Only a failure
/// to connect or a query that breaks is an error; everything found is in the result.
pub async fn check_readiness(
    target: &ReadTarget<'_>,
    req: &CheckRequest,
) -> Result<CheckResult, SourceError> {
    let mut conn = connect(target.url, target.schema, target.statement_timeout, true).await?;
    apply_read_options(&mut conn, target.options).await?;
    let failed = |e: sqlx::Error| SourceError::query("readiness check", &e);
    let mut tx = conn.begin().await.map_err(failed)?;
    tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(failed)?;
    let result = check_in(&mut tx, target, req).await;
    tx.rollback().await.map_err(failed)?;
    result
}

async fn check_in(
    conn: &mut PgConnection,
    target: &ReadTarget<'_>,
    req: &CheckRequest,
) -> Result<CheckResult, SourceError> {
    let schema = target.schema;
    let failed = |e: sqlx::Error| SourceError::query("readiness check", &e);
    let mut findings = Vec::new();
    let mut relations: Vec<RelationCheck> = CONTRACT
        .iter()
        .map(|(name, _)| RelationCheck {
            relation: name.to_string(),
            state: RelationState::Missing,
            kind: None,
            rows_checked: false,
            rows_by_month: Vec::new(),
            rows_after_month: None,
            latest_at: None,
            latest_month: None,
        })
        .collect();
    let mut rollup = RollupState::NotApplicable;
    if req.month_not_over {
        findings.push(
            Finding::new(Severity::Warning, Problem::MonthNotOver).fix("--allow-partial-month"),
        );
    }

    let current: Option<String> =
        sqlx::query_scalar("SELECT pg_catalog.current_schema()::pg_catalog.text")
            .fetch_one(&mut *conn)
            .await
            .map_err(failed)?;
    if current.is_none() {
        findings.push(
            Finding::new(Severity::Blocker, Problem::SchemaMissing)
                .fix(format!("aikpi migrate --schema {schema}")),
        );
        return Ok(finish(schema, req, relations, rollup, findings));
    }

    let names: Vec<&str> = CONTRACT.iter().map(|(name, _)| *name).collect();
    let kinds: Vec<(String, String)> = sqlx::query_as(KINDS_SQL)
        .bind(&names)
        .fetch_all(&mut *conn)
        .await
        .map_err(failed)?;
    let session = super::SessionSchema::of(&mut *conn).await.map_err(failed)?;
    let session_name = session.as_ref().map_or(schema, |s| s.name.as_str());
    let columns: Vec<ContractColumn> = sqlx::query_as(CONTRACT_SQL)
        .bind(&names)
        .bind(session_name)
        .fetch_all(&mut *conn)
        .await
        .map_err(failed)?;

    for (check, (relation, contract_columns)) in relations.iter_mut().zip(CONTRACT) {
        check.kind = kinds
            .iter()
            .find(|(name, _)| name == relation)
            .map(|(_, kind)| kind_name(kind).to_string());
        let found: Vec<&ContractColumn> =
            columns.iter().filter(|c| c.relation == relation).collect();
        if req.contract.is_absent(relation) {
            check.state = RelationState::DeclaredAbsent;
            findings.push(
                Finding::new(Severity::Note, Problem::RelationDeclaredAbsent)
                    .on(relation)
                    .fix(format!("{relation} = \"absent\"")),
            );
            continue;
        }
        if found.is_empty() {
            let fix = if Contract::is_optional(relation) {
                format!("{relation} = \"absent\"")
            } else {
                format!("aikpi migrate --schema {schema}")
            };
            findings.push(
                Finding::new(Severity::Blocker, Problem::RelationMissing)
                    .on(relation)
                    .fix(fix),
            );
            continue;
        }
        if !found[0].readable {
            check.state = RelationState::NotReadable;
            // The grant is run by an administrator: name the role of this connection.
            let role: String = sqlx::query_scalar("SELECT CURRENT_USER::pg_catalog.text")
                .fetch_one(&mut *conn)
                .await
                .map_err(failed)?;
            findings.push(
                Finding::new(Severity::Blocker, Problem::RelationNotReadable)
                    .on(relation)
                    .fix(format!(
                        "GRANT SELECT ON {}.{relation} TO {};",
                        quote_ident(schema),
                        quote_ident(&role)
                    )),
            );
            continue;
        }
        check.state = RelationState::Present;
        let mut compatible = true;
        for (column, kind) in contract_columns.iter() {
            let col = found
                .iter()
                .find(|r| r.column_name.as_deref() == Some(*column));
            let Some(col) = col else {
                compatible = false;
                let mut f = Finding::new(Severity::Blocker, Problem::ColumnMissing)
                    .on(relation)
                    .column(column)
                    .fix(format!("<expression>::{} AS {column}", kind.cast()));
                f.expected_type = Some(kind.cast().to_string());
                findings.push(f);
                continue;
            };
            let base = col.base_type.as_deref().unwrap_or("");
            let category = col.type_category.as_deref().unwrap_or("");
            if !kind.accepts(base, category) {
                compatible = false;
                let mut f = Finding::new(Severity::Blocker, Problem::ColumnWrongType)
                    .on(relation)
                    .column(column)
                    .fix(format!("{column}::{} AS {column}", kind.cast()));
                f.found_type = Some(col.type_name.clone().unwrap_or_else(|| base.to_string()));
                f.expected_type = Some(kind.cast().to_string());
                findings.push(f);
            }
        }
        check.rows_checked = compatible;
    }

    let bounds = window_bounds(req);
    let unique: Vec<(String, Vec<String>)> = sqlx::query_as(UNIQUE_KEYS_SQL)
        .bind(&names)
        .fetch_all(&mut *conn)
        .await
        .map_err(failed)?;
    let has_unique = |relation: &str, key: &[&str]| {
        unique.iter().any(|(r, cols)| {
            r == relation && cols.iter().map(String::as_str).eq(key.iter().copied())
        })
    };

    // The passes to run, each with whether it needs its duplicate pass; llm_usage (the
    // largest relation) on a second session that shares this snapshot, when one opens.
    let planned: Vec<(&Pass, bool)> = PASSES
        .iter()
        .filter(|p| {
            relations
                .iter()
                .any(|r| r.relation == p.relation && r.rows_checked)
        })
        .map(|p| (p, !has_unique(p.relation, &["id"])))
        .collect();
    let (side, here): (Vec<_>, Vec<_>) = planned
        .into_iter()
        .partition(|(p, _)| p.relation == "llm_usage");
    let foreign = super::has_foreign_tables(&mut *conn).await.unwrap_or(true);
    let mut second = match side.is_empty() || foreign {
        true => None,
        false => second_session(target, &mut *conn).await,
    };
    let (here, side) = match second.as_mut() {
        Some(other) => tokio::join!(
            run_passes(&mut *conn, &here, &bounds),
            run_passes(other, &side, &bounds)
        ),
        None => (
            run_passes(&mut *conn, &here, &bounds).await,
            run_passes(&mut *conn, &side, &bounds).await,
        ),
    };
    drop(second);
    let mut results = here.map_err(failed)?;
    results.extend(side.map_err(failed)?);
    results.sort_by_key(|(pass, _, _)| PASSES.iter().position(|p| p.relation == pass.relation));
    for (pass, rows, duplicates) in results {
        let Some(check) = relations.iter_mut().find(|r| r.relation == pass.relation) else {
            continue;
        };
        read_pass(pass, req, &rows, check, &mut findings);
        if check.relation == "conversations" {
            conversations_month(req, &rows, check, &mut *conn, &mut findings).await?;
        }
        if let Some(extra @ 1..) = duplicates {
            findings.push(
                Finding::new(Severity::Warning, Problem::DuplicateIds)
                    .on(pass.relation)
                    .column("id")
                    .count(extra)
                    .fix("SELECT DISTINCT ON (id) …"),
            );
        }
    }

    if let Some(check) = relations
        .iter_mut()
        .find(|r| r.relation == "cost_ledger" && r.rows_checked)
    {
        let rows: Vec<LedgerRow> = sqlx::query_as(LEDGER_SQL)
            .fetch_all(&mut *conn)
            .await
            .map_err(failed)?;
        read_ledger(req, &rows, check, &mut findings);
    }

    for missing in missing_indexes(&mut *conn).await? {
        findings.push(
            Finding::new(Severity::Warning, Problem::IndexMissing)
                .on(missing.relation)
                .column(&missing.columns.join(", "))
                .fix(format!("{};", qualified_create_index(&missing, schema))),
        );
    }
    for table in stale_tables(&mut *conn, UPKEEP_MIN_BYTES).await? {
        findings.push(
            Finding::new(Severity::Warning, Problem::TableNeedsVacuum)
                .on(&table.relation)
                .fix(format!("VACUUM (ANALYZE) {};", table.relation)),
        );
    }

    let plain = |name: &str| kinds.iter().any(|(r, k)| r == name && k == "r");
    let guard = match &session {
        Some(session) => super::stored::guard(&mut *conn, session)
            .await
            .map_err(failed)?,
        None => None,
    };
    rollup = match guard {
        Some(_) => RollupState::Available,
        None if plain("conversations") && plain("llm_usage") => RollupState::NeedsMigrate,
        None => RollupState::NotApplicable,
    };
    Ok(finish(schema, req, relations, rollup, findings))
}

/// The rows of a pass and, when it ran, the rows beyond the first of each repeated id.
type PassResult = (&'static Pass, Vec<BucketRow>, Option<i64>);

/// Runs `passes` one after the other on `conn`.
async fn run_passes(
    conn: &mut PgConnection,
    passes: &[(&'static Pass, bool)],
    bounds: &[DateTime<Utc>],
) -> Result<Vec<PassResult>, sqlx::Error> {
    let mut out = Vec::new();
    for &(pass, needs_duplicates) in passes {
        let mut query = sqlx::query_as::<_, BucketRow>(pass.sql).bind(bounds);
        if pass.relation == "conversations" {
            query = query.bind(&CLOSE_REASONS[..]).bind(&INITIATORS[..]);
        }
        let rows = query.fetch_all(&mut *conn).await?;
        let duplicates = match needs_duplicates {
            false => None,
            true => Some(
                sqlx::query_scalar(pass.duplicates_sql)
                    .bind(bounds[0])
                    .bind(bounds[bounds.len() - 1])
                    .fetch_one(&mut *conn)
                    .await?,
            ),
        };
        out.push((pass, rows, duplicates));
    }
    Ok(out)
}

/// A second read-only session on the snapshot of `conn`'s transaction, so two large
/// relations are read at once; `None` when it cannot be had (the connection limit): the
/// passes then run one after the other.
async fn second_session(target: &ReadTarget<'_>, conn: &mut PgConnection) -> Option<PgConnection> {
    let snapshot: String = sqlx::query_scalar("SELECT pg_catalog.pg_export_snapshot()")
        .fetch_one(&mut *conn)
        .await
        .ok()?;
    // SET TRANSACTION SNAPSHOT takes no bind parameter: the identifier is hex digits and
    // dashes, checked before it is quoted.
    if snapshot.is_empty() || !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return None;
    }
    let mut other = connect(target.url, target.schema, target.statement_timeout, true)
        .await
        .ok()?;
    apply_read_options(&mut other, target.options).await.ok()?;
    other
        .execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .ok()?;
    other
        .execute(format!("SET TRANSACTION SNAPSHOT '{snapshot}'").as_str())
        .await
        .ok()?;
    Some(other)
}

/// Sorts the findings (blockers, warnings, notes; stable within) and decides.
fn finish(
    schema: &str,
    req: &CheckRequest,
    relations: Vec<RelationCheck>,
    rollup: RollupState,
    mut findings: Vec<Finding>,
) -> CheckResult {
    findings.sort_by_key(|f| f.severity);
    CheckResult {
        schema_version: CHECK_FORMAT_VERSION,
        verdict: Verdict::of(&findings),
        schema: schema.to_string(),
        time_zone: req.tz.name().to_string(),
        month: req.month,
        window: req.months.clone(),
        relations,
        rollup,
        findings,
    }
}

/// Each window month's start, then the report month's end.
fn window_bounds(req: &CheckRequest) -> Vec<DateTime<Utc>> {
    let mut bounds: Vec<DateTime<Utc>> = req.months.iter().map(|m| m.bounds(req.tz).0).collect();
    bounds.push(req.month.bounds(req.tz).1);
    bounds
}

/// Rows per month, freshness and the out-of-contract counts of one pass.
fn read_pass(
    pass: &Pass,
    req: &CheckRequest,
    rows: &[BucketRow],
    check: &mut RelationCheck,
    findings: &mut Vec<Finding>,
) {
    let n = req.months.len() as i32;
    check.rows_by_month = req
        .months
        .iter()
        .enumerate()
        .map(|(i, month)| MonthRows {
            month: *month,
            rows: rows
                .iter()
                .filter(|r| r.bucket == Some(i as i32 + 1))
                .map(|r| r.rows)
                .sum(),
        })
        .collect();
    check.rows_after_month = Some(
        rows.iter()
            .filter(|r| r.bucket.is_some_and(|b| b > n))
            .map(|r| r.rows)
            .sum(),
    );
    check.latest_at = rows.iter().filter_map(|r| r.latest).max();
    for (i, c) in pass.checks.iter().enumerate() {
        let total: i64 = rows
            .iter()
            .filter(|r| match r.bucket {
                None => true,
                Some(b) => !c.timeless && (1..=n).contains(&b),
            })
            .filter_map(|r| r.checks.get(i))
            .sum();
        if total > 0 {
            findings.push(out_of_contract(c, pass.relation, total));
        }
    }
    let in_month = check.rows_by_month.last().map_or(0, |m| m.rows);
    if in_month == 0 && pass.relation != "conversations" {
        let mut f = Finding::new(Severity::Warning, Problem::NoRowsInMonth).on(pass.relation);
        if Contract::is_optional(pass.relation) {
            f = f.fix(format!("{} = \"absent\"", pass.relation));
        }
        findings.push(f);
    }
}

/// The finding of one out-of-contract count, with the view expression that fixes it.
fn out_of_contract(c: &Count, relation: &str, total: i64) -> Finding {
    let column = c.column;
    let fix = match c.problem {
        Problem::NullInRequiredColumn => format!("WHERE {column} IS NOT NULL"),
        Problem::RatingOutOfRange => {
            format!("CASE WHEN {column} BETWEEN 1 AND 5 THEN {column} END AS {column}")
        }
        Problem::SentimentOutOfRange => {
            format!("CASE WHEN {column} BETWEEN 0 AND 1 THEN {column} END AS {column}")
        }
        Problem::UnknownCloseReason => format!(
            "CASE … THEN 'resolved' … END AS {column} -- {}",
            CLOSE_REASONS.join(", ")
        ),
        Problem::UnknownHandoffInitiator => format!(
            "CASE … THEN 'ai' … END AS {column} -- {}",
            INITIATORS.join(", ")
        ),
        Problem::HandoffWithoutInitiator => {
            "CASE WHEN … THEN 'ai' WHEN … THEN 'user' END AS handoff_initiator".to_string()
        }
        Problem::InitiatorWithoutHandoff => {
            "CASE WHEN handoff_at IS NOT NULL THEN handoff_initiator END AS handoff_initiator"
                .to_string()
        }
        Problem::ClosedWithoutReason => {
            "COALESCE(close_reason, 'agent_closed') AS close_reason".to_string()
        }
        Problem::ClosedBeforeStarted => {
            "closed_at::timestamptz, started_at::timestamptz -- AT TIME ZONE '…'".to_string()
        }
        Problem::ReplyBeforeMessage => {
            "first_ai_reply_at::timestamptz, first_user_message_at::timestamptz -- AT TIME ZONE '…'"
                .to_string()
        }
        _ => String::new(),
    };
    let mut f = Finding::new(Severity::Warning, c.problem)
        .on(relation)
        .column(column)
        .count(total);
    if !fix.is_empty() {
        f = f.fix(fix);
    }
    f
}

/// The report month of `conversations`: empty (the report stops), open conversations
/// (provisional), unclassified ones (a data-quality note).
async fn conversations_month(
    req: &CheckRequest,
    rows: &[BucketRow],
    check: &RelationCheck,
    conn: &mut PgConnection,
    findings: &mut Vec<Finding>,
) -> Result<(), SourceError> {
    let month_bucket = Some(req.months.len() as i32);
    let month_rows: Vec<&BucketRow> = rows.iter().filter(|r| r.bucket == month_bucket).collect();
    let in_month = |i: usize| -> i64 { month_rows.iter().filter_map(|r| r.checks.get(i)).sum() };
    let total: i64 = month_rows.iter().map(|r| r.rows).sum();
    if total == 0 {
        let latest = match check.latest_at {
            Some(t) => Some(t),
            None => sqlx::query_scalar::<_, Option<DateTime<Utc>>>(LATEST_SQL)
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| SourceError::query("readiness check", &e))?,
        };
        let mut f =
            Finding::new(Severity::Blocker, Problem::NoConversationsInMonth).on("conversations");
        if let Some(t) = latest {
            let nearest = Month::of_date(t.with_timezone(&req.tz).date_naive());
            f = f.fix(format!("--month {nearest}"));
        }
        findings.push(f);
        return Ok(());
    }
    let open = in_month(OPEN);
    if open > 0 {
        findings.push(
            Finding::new(Severity::Warning, Problem::OpenConversations)
                .on("conversations")
                .column("closed_at")
                .count(open),
        );
    }
    let unclassified = in_month(UNCLASSIFIED);
    if unclassified > 0 {
        findings.push(
            Finding::new(Severity::Note, Problem::UnclassifiedConversations)
                .on("conversations")
                .column("issue_key")
                .count(unclassified),
        );
    }
    Ok(())
}

/// Lines booked per month, the latest month booked, duplicate keys, months that are not
/// a first day and NULLs of the ledger.
fn read_ledger(
    req: &CheckRequest,
    rows: &[LedgerRow],
    check: &mut RelationCheck,
    findings: &mut Vec<Finding>,
) {
    use chrono::Datelike;
    check.rows_by_month = req
        .months
        .iter()
        .map(|month| MonthRows {
            month: *month,
            rows: rows
                .iter()
                .filter(|r| r.month == Some(month.first_day()))
                .map(|r| r.rows)
                .sum(),
        })
        .collect();
    check.rows_after_month = Some(
        rows.iter()
            .filter(|r| r.month.is_some_and(|d| d > req.month.first_day()))
            .map(|r| r.rows)
            .sum(),
    );
    check.latest_month = rows
        .iter()
        .filter_map(|r| r.month)
        .max()
        .map(Month::of_date);
    let sum = |f: &dyn Fn(&LedgerRow) -> i64| -> i64 { rows.iter().map(f).sum() };
    let checks = [
        (
            Problem::NullInRequiredColumn,
            "month",
            sum(&|r| if r.month.is_none() { r.rows } else { 0 }),
            "WHERE month IS NOT NULL",
        ),
        (
            Problem::NullInRequiredColumn,
            "category",
            sum(&|r| if r.category.is_none() { r.rows } else { 0 }),
            "WHERE category IS NOT NULL",
        ),
        (
            Problem::NullInRequiredColumn,
            "amount",
            sum(&|r| r.null_amount),
            "WHERE amount IS NOT NULL",
        ),
        (
            Problem::DuplicateLedgerKeys,
            "category",
            sum(&|r| {
                if r.month.is_some() && r.category.is_some() {
                    r.rows - 1
                } else {
                    0
                }
            }),
            "SELECT month, category, sum(amount) AS amount … GROUP BY month, category",
        ),
        (
            Problem::LedgerMonthNotFirstDay,
            "month",
            sum(&|r| {
                if r.month.is_some_and(|d| d.day() != 1) {
                    r.rows
                } else {
                    0
                }
            }),
            "date_trunc('month', month)::date AS month",
        ),
    ];
    for (problem, column, total, fix) in checks {
        if total > 0 {
            findings.push(
                Finding::new(Severity::Warning, problem)
                    .on("cost_ledger")
                    .column(column)
                    .count(total)
                    .fix(fix),
            );
        }
    }
    if check.rows_by_month.last().is_some_and(|m| m.rows == 0) {
        findings.push(
            Finding::new(Severity::Warning, Problem::LedgerNotBooked)
                .on("cost_ledger")
                .fix(req.month.first_day().to_string()),
        );
    }
}

/// The `CREATE INDEX` of `missing` with the table qualified by its schema, so that it
/// runs from any `search_path` (the catalog names a table of the session's own schema
/// without it).
fn qualified_create_index(missing: &super::MissingIndex, schema: &str) -> String {
    let statement = missing.create_statement();
    if missing.table.contains('.') {
        return statement;
    }
    statement.replacen(
        &format!("ON {} ", missing.table),
        &format!("ON {}.{} ", quote_ident(schema), missing.table),
        1,
    )
}

/// An identifier as PostgreSQL's `quote_ident` writes it: bare when it is lower case
/// letters, digits and underscores (not starting with a digit), else double-quoted.
pub(crate) fn quote_ident(name: &str) -> String {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if bare {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `pg_class.relkind` in words of the JSON.
fn kind_name(relkind: &str) -> &'static str {
    match relkind {
        "r" => "table",
        "v" => "view",
        "m" => "materialized_view",
        "p" => "partitioned_table",
        "f" => "foreign_table",
        _ => "other",
    }
}
