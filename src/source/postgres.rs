//! PostgreSQL: the contract relations (SPEC §2), aggregated in the database.
//!
//! Only per-month aggregate rows cross the wire: every count and sum of SPEC §3 is computed
//! by the SQL in `src/source/sql/` (one file per concern, bind parameters only; the one
//! exception is the list of month numbers in the FRT query, integers written by aikpi).
//! Month bounds are computed in Rust ([`Month::bounds`]) and bound as a `timestamptz[]`,
//! so the session's `TimeZone` setting never matters.
//!
//! [`read_aggregates_with`] spreads the reads over several read-only connections that
//! share one snapshot; `docs/PERFORMANCE.md` describes the plan.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor, FromRow};

use super::{redact_url, scrub, SourceError};
use crate::aggregates::SourceInfo;
use crate::period::Month;

mod indexes;
mod read;

pub use indexes::{missing_indexes, stale_tables, MissingIndex, StaleTable, UPKEEP_MIN_BYTES};
pub use read::{read_aggregates, read_aggregates_with, ReadOptions};

const CONTRACT_SQL: &str = include_str!("sql/contract.sql");

/// How long [`connect`] waits for the server before giving up (an unreachable host would
/// otherwise hang for the operating system's TCP timeout).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// What [`read_aggregates`] should read.
#[derive(Debug, Clone)]
pub struct AggregatesRequest {
    /// Consecutive months, oldest first; the last is the report month.
    pub months: Vec<Month>,
    /// The report time zone the month bounds are computed in.
    pub tz: Tz,
    /// Sentiment at or above which a give-up exit counts as frustrated (trap 1).
    pub frustrated_sentiment_min: Decimal,
    /// Recorded in the aggregates as where they came from (password already redacted).
    pub source: SourceInfo,
    /// Recorded in the aggregates as when they were read.
    pub read_at: DateTime<Utc>,
}

/// Opens a connection and prepares the session.
///
/// * `search_path` is set to `schema` alone, so the contract's unqualified names resolve
///   there. The name is passed as a bind parameter and quoted by PostgreSQL
///   (`quote_ident`), never formatted into SQL, so any schema name is safe.
/// * `statement_timeout`, when given, bounds every query of the session.
/// * `read_only` makes every transaction of the session read-only (the report session:
///   aikpi never writes to a team's data).
pub async fn connect(
    url: &str,
    schema: &str,
    statement_timeout: Option<Duration>,
    read_only: bool,
) -> Result<PgConnection, SourceError> {
    let location = redact_url(url);
    let connect_error = |e: sqlx::Error| SourceError::connect(&location, url, &e);
    let mut options = PgConnectOptions::from_str(url).map_err(connect_error)?;
    if options.get_application_name().is_none() {
        options = options.application_name("aikpi");
    }
    let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
        .await
        .map_err(|_| SourceError::no_answer(&location, CONNECT_TIMEOUT))?
        .map_err(connect_error)?;

    let session_error = |step: &'static str, e: sqlx::Error| SourceError::Session {
        location: location.clone(),
        step,
        cause: scrub(&e.to_string(), url),
    };
    sqlx::query("SELECT set_config('search_path', quote_ident($1), false)")
        .bind(schema)
        .execute(&mut conn)
        .await
        .map_err(|e| session_error("set the search_path", e))?;
    if let Some(timeout) = statement_timeout {
        // At least 1 ms: PostgreSQL reads 0 as "no timeout".
        let millis = timeout.as_millis().max(1);
        sqlx::query("SELECT set_config('statement_timeout', $1, false)")
            .bind(format!("{millis}ms"))
            .execute(&mut conn)
            .await
            .map_err(|e| session_error("set the statement_timeout", e))?;
    }
    if read_only {
        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            .await
            .map_err(|e| session_error("make the session read-only", e))?;
    }
    Ok(conn)
}

/// Applies the report's own session settings ([`ReadOptions::work_mem`]) to a session
/// opened by [`connect`]. Only this session is affected, never the server's configuration.
pub async fn apply_read_options(
    conn: &mut PgConnection,
    options: &ReadOptions,
) -> Result<(), SourceError> {
    if let Some(work_mem) = options.work_mem.as_deref() {
        sqlx::query("SELECT set_config('work_mem', $1, false)")
            .bind(work_mem)
            .execute(&mut *conn)
            .await
            .map_err(|e| SourceError::Session {
                location: "the report session".to_string(),
                step: "set work_mem",
                cause: e.to_string(),
            })?;
    }
    Ok(())
}

/// Creates `schema` if it is missing and applies the contract migrations to it
/// (idempotent: applied migrations are recorded in `schema._sqlx_migrations`).
pub async fn migrate(url: &str, schema: &str) -> Result<(), SourceError> {
    let mut conn = connect(url, schema, None, false).await?;
    let migrate_error = |cause: String| SourceError::Migrate {
        schema: schema.to_string(),
        cause: scrub(&cause, url),
    };
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)",
    )
    .bind(schema)
    .fetch_one(&mut conn)
    .await
    .map_err(|e| migrate_error(e.to_string()))?;
    // Only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the
    // database even when the schema exists.
    if !exists {
        // PostgreSQL quotes the identifier (%I); the name never becomes SQL text here.
        let create: String =
            sqlx::query_scalar("SELECT format('CREATE SCHEMA IF NOT EXISTS %I', $1::text)")
                .bind(schema)
                .fetch_one(&mut conn)
                .await
                .map_err(|e| migrate_error(e.to_string()))?;
        conn.execute(create.as_str())
            .await
            .map_err(|e| migrate_error(e.to_string()))?;
    }
    sqlx::migrate!()
        .run(&mut conn)
        .await
        .map_err(|e| migrate_error(e.to_string()))?;
    conn.close().await.map_err(|e| migrate_error(e.to_string()))
}

/// The type a contract column must have, as a set of acceptable PostgreSQL types.
#[derive(Debug, Clone, Copy)]
enum ColumnKind {
    /// Compared with literals: a string type.
    Text,
    /// Only compared for equality or NULL: a string, integer or uuid type.
    Key,
    Timestamptz,
    Bool,
    /// A small integer rating.
    Integer,
    /// A score: floating point or numeric.
    Real,
    /// Summed exactly: integer or numeric.
    Exact,
    Date,
}

impl ColumnKind {
    fn accepts(self, base_type: &str, category: &str) -> bool {
        let integer = matches!(base_type, "int2" | "int4" | "int8");
        match self {
            ColumnKind::Text => category == "S",
            ColumnKind::Key => category == "S" || integer || base_type == "uuid",
            ColumnKind::Timestamptz => base_type == "timestamptz",
            ColumnKind::Bool => base_type == "bool",
            ColumnKind::Integer => integer,
            ColumnKind::Real => matches!(base_type, "float4" | "float8" | "numeric"),
            ColumnKind::Exact => integer || base_type == "numeric",
            ColumnKind::Date => base_type == "date",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            ColumnKind::Text => "text",
            ColumnKind::Key => "text (or an integer or uuid type)",
            ColumnKind::Timestamptz => "timestamptz (timestamp with time zone)",
            ColumnKind::Bool => "boolean",
            ColumnKind::Integer => "smallint (or another integer type)",
            ColumnKind::Real => "real (or double precision or numeric)",
            ColumnKind::Exact => "numeric or bigint (exact, so sums are exact)",
            ColumnKind::Date => "date",
        }
    }

    fn cast(self) -> &'static str {
        match self {
            ColumnKind::Text | ColumnKind::Key => "text",
            ColumnKind::Timestamptz => "timestamptz",
            ColumnKind::Bool => "boolean",
            ColumnKind::Integer => "smallint",
            ColumnKind::Real => "real",
            ColumnKind::Exact => "numeric",
            ColumnKind::Date => "date",
        }
    }
}

/// The relations and columns of SPEC §2, in contract order.
const CONTRACT: [(&str, &[(&str, ColumnKind)]); 5] = {
    use ColumnKind::*;
    [
        (
            "conversations",
            &[
                ("id", Key),
                ("user_id", Key),
                ("issue_key", Key),
                ("channel", Text),
                ("started_at", Timestamptz),
                ("first_user_message_at", Timestamptz),
                ("first_ai_reply_at", Timestamptz),
                ("closed_at", Timestamptz),
                ("close_reason", Text),
                ("ai_participated", Bool),
                ("handoff_at", Timestamptz),
                ("handoff_initiator", Text),
                ("rating_prompted", Bool),
                ("ai_csat", Integer),
                ("human_csat", Integer),
                ("negative_sentiment", Real),
            ],
        ),
        (
            "llm_usage",
            &[
                ("id", Key),
                ("occurred_at", Timestamptz),
                ("conversation_id", Key),
                ("model", Text),
                ("prompt_tokens", Exact),
                ("completion_tokens", Exact),
                ("cost", Exact),
            ],
        ),
        (
            "cost_ledger",
            &[("month", Date), ("category", Text), ("amount", Exact)],
        ),
        (
            "kb_evals",
            &[
                ("id", Key),
                ("evaluated_at", Timestamptz),
                ("expected_doc_id", Key),
                ("top1_doc_id", Key),
            ],
        ),
        (
            "reply_edits",
            &[
                ("id", Key),
                ("conversation_id", Key),
                ("edited_at", Timestamptz),
                ("fed_back_at", Timestamptz),
            ],
        ),
    ]
};

#[derive(FromRow)]
struct ContractColumn {
    relation: String,
    readable: bool,
    column_name: Option<String>,
    type_name: Option<String>,
    base_type: Option<String>,
    type_category: Option<String>,
}

/// Verifies that the session's schema holds the five contract relations (tables or
/// views) with every column of SPEC §2 in a compatible type, and that they are readable.
/// The error names the first relation and column that is missing or wrong.
pub async fn check_contract(conn: &mut PgConnection) -> Result<(), SourceError> {
    let query_error = |e: sqlx::Error| SourceError::query("data contract check", &e);
    let (schema, search_path): (Option<String>, String) =
        sqlx::query_as("SELECT current_schema()::text, current_setting('search_path')")
            .fetch_one(&mut *conn)
            .await
            .map_err(query_error)?;
    let Some(schema) = schema else {
        return Err(SourceError::SchemaMissing { search_path });
    };
    let names: Vec<&str> = CONTRACT.iter().map(|(name, _)| *name).collect();
    let rows: Vec<ContractColumn> = sqlx::query_as(CONTRACT_SQL)
        .bind(&names)
        .fetch_all(&mut *conn)
        .await
        .map_err(query_error)?;

    for (relation, columns) in CONTRACT {
        let found: Vec<&ContractColumn> = rows.iter().filter(|r| r.relation == relation).collect();
        if found.is_empty() {
            return Err(SourceError::MissingRelation { schema, relation });
        }
        if !found[0].readable {
            return Err(SourceError::NotReadable { schema, relation });
        }
        for (column, kind) in columns {
            let Some(col) = found
                .iter()
                .find(|r| r.column_name.as_deref() == Some(*column))
            else {
                return Err(SourceError::MissingColumn {
                    schema,
                    relation,
                    column,
                    expected: kind.expected(),
                });
            };
            let base = col.base_type.as_deref().unwrap_or("");
            let category = col.type_category.as_deref().unwrap_or("");
            if !kind.accepts(base, category) {
                return Err(SourceError::WrongColumnType {
                    schema,
                    relation,
                    column,
                    found: col.type_name.clone().unwrap_or_else(|| base.to_string()),
                    expected: kind.expected(),
                    cast: kind.cast(),
                });
            }
        }
    }
    Ok(())
}
