//! PostgreSQL: the contract relations (SPEC §2), aggregated in the database.
//!
//! Only per-month aggregate rows cross the wire: every count and sum of SPEC §3 is computed
//! by the SQL in `src/source/sql/` (one file per concern, bind parameters only; the one
//! exception is the list of month numbers in the FRT query, integers written by aikpi).
//! Month bounds are computed in Rust ([`Month::bounds`]) and bound as a `timestamptz[]`,
//! so the session's `TimeZone` setting never matters.
//!
//! [`read_aggregates_with`] spreads the reads over several read-only connections that
//! share one snapshot; `docs/PERFORMANCE.md` describes the plan. [`rollup()`] stores closed
//! months that later reads take while they are provably unchanged (`rollup.rs`).

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor, FromRow};

use futures_util::future::join_all;

use super::{redact_url, scrub, SourceError};
use crate::aggregates::{Aggregates, SourceInfo};
use crate::contract::Contract;
use crate::period::Month;
use crate::{progress, timings};

mod check;
mod indexes;
mod nearest;
mod read;
mod rollup;
mod stored;

pub use check::{check_readiness, CheckRequest};
pub use indexes::{missing_indexes, stale_tables, MissingIndex, StaleTable, UPKEEP_MIN_BYTES};
pub use nearest::Neighbours;
pub use read::{read_aggregates, read_aggregates_with, ReadOptions};
pub use rollup::{rollup, RollupSummary, SkipReason};
pub use stored::StoredMonths;

const CONTRACT_SQL: &str = include_str!("sql/contract.sql");
const CONVERSATIONS_READ_SQL: &str = include_str!("sql/conversations_read.sql");

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
    /// Channels listed one by one (SPEC §6.2): with more in the report month, the FRT p90
    /// of the rest together is read too.
    pub max_channels: usize,
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
    // Named from pg_catalog: the role's default search_path (e.g. `public`) is not ours.
    // `aikpi.schema` keeps the configured name for the SQL that names the contract's
    // relations with it once the search_path is pinned ([`pin_search_path`]).
    sqlx::query(
        "SELECT pg_catalog.set_config('search_path', pg_catalog.quote_ident($1), false), \
                pg_catalog.set_config('aikpi.schema', $1, false)",
    )
    .bind(schema)
    .execute(&mut conn)
    .await
    .map_err(|e| session_error("set the search_path", e))?;
    if let Some(timeout) = statement_timeout {
        // At least 1 ms: PostgreSQL reads 0 as "no timeout".
        let millis = timeout.as_millis().max(1);
        sqlx::query("SELECT pg_catalog.set_config('statement_timeout', $1, false)")
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

/// Makes the session resolve every name it is not given with a schema from `pg_catalog`
/// alone (`pg_temp` last, which PostgreSQL never searches for functions or operators).
///
/// The report's and the rollup's SQL names the contract's relations with their schema
/// ([`SessionSchema::qualify`]); everything else — functions, operators, types,
/// collations — then comes from the system catalog. With the contract's schema in the
/// search_path, a role allowed to CREATE there (PostgreSQL 14's default on `public`)
/// could plant, say, a `sum(numeric)` or an `OPERATOR =(text, unknown)` that matches an
/// argument type better than the built-in one and runs with aikpi's rights.
pub async fn pin_search_path(conn: &mut PgConnection) -> Result<(), SourceError> {
    sqlx::query("SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false)")
        .execute(&mut *conn)
        .await
        .map(drop)
        .map_err(|e| SourceError::Session {
            location: "the report session".to_string(),
            step: "set the search_path",
            cause: e.to_string(),
        })
}

/// The schema a session reads the contract from: the one [`connect`] was given (or, on a
/// session opened otherwise, the first schema of its search_path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSchema {
    /// The schema's name, for bind parameters.
    pub name: String,
    /// The name as an SQL identifier, quoted by PostgreSQL (`quote_ident`).
    quoted: String,
}

const SESSION_SCHEMA_SQL: &str = "\
SELECT s.name, pg_catalog.quote_ident(s.name)
FROM (SELECT coalesce(pg_catalog.current_setting('aikpi.schema', true),
                      pg_catalog.current_schema()::pg_catalog.text) AS name) s";

impl SessionSchema {
    /// The session's schema; `None` when it has none (no `aikpi.schema`, and no schema
    /// of its search_path exists).
    pub async fn of(conn: &mut PgConnection) -> Result<Option<SessionSchema>, sqlx::Error> {
        let (name, quoted): (Option<String>, Option<String>) =
            sqlx::query_as(SESSION_SCHEMA_SQL).fetch_one(conn).await?;
        Ok(name
            .zip(quoted)
            .map(|(name, quoted)| SessionSchema { name, quoted }))
    }

    /// `sql` with this schema in place of every `/*SCHEMA*/` marker, which the SQL files
    /// write right before a contract relation or a rollup object (`/*SCHEMA*/conversations`).
    /// The marker never stands inside a string literal: the quoted identifier may hold a
    /// `'`; objects named in text (`to_regclass`) take the name as a bind parameter.
    /// Every `/*CONVERSATIONS*/` marker becomes `conversations` as the report reads it
    /// (sql/conversations_read.sql: infinite timestamps read as NULL and flagged).
    pub fn qualify(&self, sql: &str) -> String {
        sql.replace("/*CONVERSATIONS*/", CONVERSATIONS_READ_SQL.trim_end())
            .replace("/*SCHEMA*/", &format!("{}.", self.quoted))
    }
}

/// Where and how a report reads: the database, the session settings, and how often a
/// read cancelled by a hot standby's recovery conflict starts again.
#[derive(Debug, Clone)]
pub struct ReadTarget<'a> {
    pub url: &'a str,
    pub schema: &'a str,
    pub statement_timeout: Option<Duration>,
    pub options: &'a ReadOptions,
    /// Further attempts after a recovery conflict, each on fresh connections and a fresh
    /// snapshot (config `read_retries`).
    pub retries: u32,
    /// The relations declared absent (config `[contract]`): neither checked nor read.
    pub contract: Contract,
}

impl ReadTarget<'_> {
    /// Opens one read-only session with the report's own settings.
    async fn open_reader(&self) -> Result<PgConnection, SourceError> {
        let mut conn = connect(self.url, self.schema, self.statement_timeout, true).await?;
        pin_search_path(&mut conn).await?;
        apply_read_options(&mut conn, self.options).await?;
        Ok(conn)
    }

    /// Opens up to `count` more read-only sessions. One that cannot be opened (e.g. the
    /// role's or the server's connection limit) only means less concurrency: its share
    /// of the work runs on the others.
    async fn open_more_readers(&self, count: usize) -> Vec<PgConnection> {
        join_all((0..count).map(|_| self.open_reader()))
            .await
            .into_iter()
            .filter_map(Result::ok)
            .collect()
    }
}

/// What [`read_report`] read.
#[derive(Debug, Clone)]
pub struct ReportRead {
    /// The window's aggregates, stored months included: what a full read returns.
    pub aggregates: Aggregates,
    /// The oldest months of the window, when they came from the rollup.
    pub stored: Option<StoredMonths>,
    /// When the report month has no conversations: the nearest ones (SPEC §7.7).
    pub empty_month: Option<Neighbours>,
}

/// Connects, checks the contract and reads the aggregates of `req` on
/// [`ReadOptions::connections`] read-only sessions sharing one snapshot.
///
/// A recovery conflict on a hot standby (the standby cancelled a query or ended an idle
/// session because replay removed rows the snapshot still needed) aborts the whole read,
/// which then starts again from scratch up to `target.retries` times: a partial read
/// never mixes with a later snapshot. `on_retry` hears about each conflict that is
/// retried. Any other failure ends the read at once.
pub async fn read_report(
    target: &ReadTarget<'_>,
    req: &AggregatesRequest,
    on_retry: &mut dyn FnMut(&SourceError),
) -> Result<ReportRead, SourceError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match read_once(target, req, attempts == 1).await {
            Err(e @ SourceError::RecoveryConflict { .. }) if attempts <= target.retries => {
                on_retry(&e);
            }
            Err(SourceError::RecoveryConflict {
                aggregation, cause, ..
            }) => {
                return Err(SourceError::RecoveryConflict {
                    aggregation,
                    cause,
                    attempts,
                })
            }
            done => return done,
        }
    }
}

/// One attempt of [`read_report`].
async fn read_once(
    target: &ReadTarget<'_>,
    req: &AggregatesRequest,
    first_attempt: bool,
) -> Result<ReportRead, SourceError> {
    let connecting = progress::phase("connecting to the database");
    let mut conn = timings::time_async("connect", target.open_reader()).await?;
    drop(connecting);
    let checking = progress::phase("checking the data contract");
    timings::time_async(
        "contract check",
        check_contract_with(&mut conn, &target.contract),
    )
    .await?;
    drop(checking);
    if first_attempt {
        notify_upkeep(&mut conn).await;
    }
    // Foreign data is read on one session: the shared snapshot does not reach it.
    let connections = match has_foreign_tables(&mut conn).await? {
        true => 1,
        false => target.options.connections.max(1),
    };
    let more = timings::time_async("connect more", target.open_more_readers(connections - 1)).await;
    let purpose = read::Purpose::Report {
        use_rollup: target.options.use_rollup,
    };
    let read = read::read_window(&mut conn, more, req, purpose, &target.contract).await?;
    let empty_month = match read.aggregates.report_month() {
        Some(m) if m.conversations.total == 0 => {
            Some(nearest::neighbours(&mut conn, m.starts_at, m.ends_at).await?)
        }
        _ => None,
    };
    Ok(ReportRead {
        aggregates: read.aggregates,
        stored: read.stored,
        empty_month,
    })
}

/// Prints a notice for each index the plan expects that is missing and each large table
/// that needs `VACUUM (ANALYZE)` (docs/PERFORMANCE.md, "Indexes"). Slower without them,
/// never wrong: never a failure, nor is a check that cannot run.
async fn notify_upkeep(conn: &mut PgConnection) {
    let started = std::time::Instant::now();
    for missing in missing_indexes(&mut *conn).await.unwrap_or_default() {
        progress::notice(&format!("aikpi: notice: {missing}"));
    }
    for table in stale_tables(&mut *conn, UPKEEP_MIN_BYTES)
        .await
        .unwrap_or_default()
    {
        progress::notice(&format!("aikpi: notice: {table}"));
    }
    timings::record("index check", started.elapsed());
}

/// Applies the report's own session settings ([`ReadOptions::work_mem`],
/// [`ReadOptions::parallel_workers`]) to a session opened by [`connect`]. Only this
/// session is affected, never the server's configuration.
pub async fn apply_read_options(
    conn: &mut PgConnection,
    options: &ReadOptions,
) -> Result<(), SourceError> {
    let workers = options.parallel_workers.map(|n| n.to_string());
    let settings = [
        ("work_mem", options.work_mem.as_deref(), "set work_mem"),
        (
            "max_parallel_workers_per_gather",
            workers.as_deref(),
            "set max_parallel_workers_per_gather",
        ),
    ];
    for (name, value, step) in settings {
        let Some(value) = value else { continue };
        sqlx::query("SELECT pg_catalog.set_config($1, $2, false)")
            .bind(name)
            .bind(value)
            .execute(&mut *conn)
            .await
            .map_err(|e| SourceError::Session {
                location: "the report session".to_string(),
                step,
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
    ensure_schema(&mut conn, schema, url).await?;
    if layout(&mut conn, schema).await? == Some(true) {
        return Err(SourceError::LayoutMismatch {
            schema: schema.to_string(),
            partitioned: true,
        });
    }
    sqlx::migrate!()
        .run(&mut conn)
        .await
        .map_err(|e| migrate_error(e.to_string()))?;
    conn.close().await.map_err(|e| migrate_error(e.to_string()))
}

const PARTITIONED_SQL: &str = include_str!("sql/partitioned.sql");
const PARTITION_SQL: &str = include_str!("sql/partition.sql");

/// Creates `schema` if it is missing and the contract relations in it with
/// `conversations` and `llm_usage` range-partitioned by month, with one partition per
/// month of `months` (bounds in `tz`, the report time zone, so a report month reads
/// exactly one partition of each). Idempotent: running it again with more months adds
/// their partitions. Everything happens in one transaction.
pub async fn migrate_partitioned(
    url: &str,
    schema: &str,
    months: &[Month],
    tz: Tz,
) -> Result<(), SourceError> {
    let mut conn = connect(url, schema, None, false).await?;
    let migrate_error = |e: sqlx::Error| SourceError::Migrate {
        schema: schema.to_string(),
        cause: scrub(&e.to_string(), url),
    };
    ensure_schema(&mut conn, schema, url).await?;
    if layout(&mut conn, schema).await? == Some(false) {
        return Err(SourceError::LayoutMismatch {
            schema: schema.to_string(),
            partitioned: false,
        });
    }
    let mut tx = conn.begin().await.map_err(migrate_error)?;
    tx.execute(PARTITIONED_SQL).await.map_err(migrate_error)?;
    for month in months {
        let (start, end) = month.bounds(tz);
        for table in ["conversations", "llm_usage"] {
            let partition = format!("{table}_p{:04}_{:02}", month.year(), month.month());
            let create: String = sqlx::query_scalar(PARTITION_SQL)
                .bind(table)
                .bind(&partition)
                .bind(start)
                .bind(end)
                .fetch_one(&mut *tx)
                .await
                .map_err(migrate_error)?;
            tx.execute(create.as_str()).await.map_err(|e| {
                let overlap = matches!(&e, sqlx::Error::Database(db) if db.code().as_deref() == Some("42P17"));
                match migrate_error(e) {
                    SourceError::Migrate { schema, cause } if overlap => SourceError::Migrate {
                        schema,
                        cause: format!(
                            "{cause}: a partition of another name already covers {month}. \
                             Leave the months that have partitions out of --from-month and \
                             --to-month, or let one tool (aikpi or pg_partman) manage them. \
                             Nothing was changed"
                        ),
                    },
                    other => other,
                }
            })?;
        }
    }
    tx.commit().await.map_err(migrate_error)?;
    conn.close().await.map_err(migrate_error)
}

/// Creates `schema` unless it exists.
async fn ensure_schema(
    conn: &mut PgConnection,
    schema: &str,
    url: &str,
) -> Result<(), SourceError> {
    let migrate_error = |e: sqlx::Error| SourceError::Migrate {
        schema: schema.to_string(),
        cause: scrub(&e.to_string(), url),
    };
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)",
    )
    .bind(schema)
    .fetch_one(&mut *conn)
    .await
    .map_err(migrate_error)?;
    // Only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the
    // database even when the schema exists.
    if !exists {
        // PostgreSQL quotes the identifier (%I); the name never becomes SQL text here.
        let create: String =
            sqlx::query_scalar("SELECT format('CREATE SCHEMA IF NOT EXISTS %I', $1::text)")
                .bind(schema)
                .fetch_one(&mut *conn)
                .await
                .map_err(migrate_error)?;
        conn.execute(create.as_str()).await.map_err(migrate_error)?;
    }
    Ok(())
}

/// Whether `schema`'s `conversations` and `llm_usage` are partitioned (`Some(true)`),
/// plain tables or anything else (`Some(false)`), or not there yet (`None`).
async fn layout(conn: &mut PgConnection, schema: &str) -> Result<Option<bool>, SourceError> {
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT c.relkind::text FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname IN ('conversations', 'llm_usage')",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| SourceError::Migrate {
        schema: schema.to_string(),
        cause: e.to_string(),
    })?;
    Ok(match kinds.is_empty() {
        true => None,
        false => Some(kinds.iter().all(|k| k == "p")),
    })
}

const FOREIGN_TABLES_SQL: &str = include_str!("sql/foreign_tables.sql");

/// Whether a contract relation is a foreign table or has foreign partitions
/// (`sql/foreign_tables.sql` says why that matters).
pub async fn has_foreign_tables(conn: &mut PgConnection) -> Result<bool, SourceError> {
    let failed = |e: sqlx::Error| SourceError::query("data contract check", &e);
    let names: Vec<&str> = CONTRACT.iter().map(|(name, _)| *name).collect();
    let schema = SessionSchema::of(&mut *conn).await.map_err(failed)?;
    sqlx::query_scalar(FOREIGN_TABLES_SQL)
        .bind(&names)
        .bind(schema.map(|s| s.name))
        .fetch_one(&mut *conn)
        .await
        .map_err(failed)
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
    check_contract_with(conn, &Contract::default()).await
}

/// [`check_contract`] for a team that declares relations absent (`[contract]`): those
/// are not checked.
pub async fn check_contract_with(
    conn: &mut PgConnection,
    contract: &Contract,
) -> Result<(), SourceError> {
    let query_error = |e: sqlx::Error| SourceError::query("data contract check", &e);
    let Some(session) = SessionSchema::of(&mut *conn).await.map_err(query_error)? else {
        let search_path: String =
            sqlx::query_scalar("SELECT pg_catalog.current_setting('search_path')")
                .fetch_one(&mut *conn)
                .await
                .map_err(query_error)?;
        return Err(SourceError::SchemaMissing { search_path });
    };
    // A schema the role may not use (no USAGE) looks missing from inside it (its
    // current_schema() is NULL): tell the two apart in the catalog.
    let usable: Option<bool> = sqlx::query_scalar(
        "SELECT pg_catalog.has_schema_privilege(n.oid, 'USAGE') \
         FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) $1",
    )
    .bind(&session.name)
    .fetch_optional(&mut *conn)
    .await
    .map_err(query_error)?;
    match usable {
        None => {
            return Err(SourceError::SchemaMissing {
                search_path: session.quoted,
            })
        }
        Some(false) => {
            return Err(SourceError::SchemaNotUsable {
                schema: session.name,
            })
        }
        Some(true) => {}
    }
    let schema = session.name;
    let names: Vec<&str> = CONTRACT.iter().map(|(name, _)| *name).collect();
    let rows: Vec<ContractColumn> = sqlx::query_as(CONTRACT_SQL)
        .bind(&names)
        .bind(&schema)
        .fetch_all(&mut *conn)
        .await
        .map_err(query_error)?;

    for (relation, columns) in CONTRACT {
        if contract.is_absent(relation) {
            continue;
        }
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
