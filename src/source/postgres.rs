//! PostgreSQL: the contract relations (SPEC §2), aggregated in the database.
//!
//! Only per-month aggregate rows cross the wire: every count and sum of SPEC §3 is computed
//! by the SQL in `src/source/sql/` (one file per concern, bind parameters only). Month
//! bounds are computed in Rust ([`Month::bounds`]) and bound as a `timestamptz[]`, so the
//! session's `TimeZone` setting never matters.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor, FromRow};

use super::{redact_url, scrub, SourceError};
use crate::aggregates::{
    Aggregates, LedgerLine, ModelUsage, MonthAggregates, SourceInfo, AGGREGATES_FORMAT_VERSION,
};
use crate::period::Month;

const CONVERSATIONS_SQL: &str = include_str!("sql/conversations.sql");
const LLM_USAGE_SQL: &str = include_str!("sql/llm_usage.sql");
const LEDGER_SQL: &str = include_str!("sql/ledger.sql");
const KB_EVALS_SQL: &str = include_str!("sql/kb_evals.sql");
const REPLY_EDITS_SQL: &str = include_str!("sql/reply_edits.sql");
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

/// One row of `conversations.sql`: the counts of one (month, channel, ending).
#[derive(FromRow)]
struct ConversationRow {
    bucket: i32,
    channel: Option<String>,
    ending: Option<String>,
    total: i64,
    ai_participated: i64,
    closed: i64,
    open: i64,
    returned_24h: i64,
    deflected: i64,
    naive_deflected: i64,
    deflected_frustrated_exits: i64,
    handoffs_total: i64,
    handoffs_ai: i64,
    handoffs_user: i64,
    handoffs_unknown: i64,
    frt_measured: i64,
    aht_measured: i64,
    aht_total_micros: Decimal,
    ai_rated: i64,
    ai_rating_sum: i64,
    human_rated: i64,
    human_rating_sum: i64,
    sentiment_scored: i64,
    sentiment_sum: Decimal,
    closed_rating_prompted: i64,
    unclassified: i64,
    negative_first_response: i64,
    first_response_missing: i64,
    closed_before_start: i64,
    ai_csat_out_of_range: i64,
    human_csat_out_of_range: i64,
    sentiment_out_of_range: i64,
    unknown_close_reason: i64,
    initiator_without_handoff: i64,
    close_reason_while_open: i64,
    frt_percentiles: Option<Vec<f64>>,
}

#[derive(FromRow)]
struct LlmUsageRow {
    bucket: i32,
    model: String,
    calls: i64,
    prompt_tokens: Decimal,
    completion_tokens: Decimal,
    cost: Decimal,
    background_cost: Decimal,
}

#[derive(FromRow)]
struct LedgerRow {
    month: NaiveDate,
    category: String,
    amount: Decimal,
}

#[derive(FromRow)]
struct KbEvalRow {
    bucket: i32,
    evaluated: i64,
    top1_hits: i64,
    nothing_retrieved: i64,
}

#[derive(FromRow)]
struct ReplyEditRow {
    bucket: i32,
    edited: i64,
    fed_back: i64,
}

/// Reads the aggregates of `req.months` from the session's schema.
///
/// All queries run in one read-only REPEATABLE READ transaction, so the five relations are
/// read from the same snapshot. `conversations` is read in one pass for all months (see
/// `sql/conversations.sql`); each other relation in one pass over its window.
pub async fn read_aggregates(
    conn: &mut PgConnection,
    req: &AggregatesRequest,
) -> Result<Aggregates, SourceError> {
    let mut months = month_skeletons(req)?;
    let mut bounds: Vec<DateTime<Utc>> = months.iter().map(|m| m.starts_at).collect();
    if let Some(last) = months.last() {
        bounds.push(last.ends_at);
    }
    let first_days: Vec<NaiveDate> = req.months.iter().map(|m| m.first_day()).collect();

    let failed =
        |aggregation: &'static str| move |e: sqlx::Error| SourceError::query(aggregation, &e);
    let mut tx = conn.begin().await.map_err(failed("transaction start"))?;
    tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
        .map_err(failed("transaction start"))?;

    let rows: Vec<ConversationRow> = sqlx::query_as(CONVERSATIONS_SQL)
        .bind(&bounds)
        .bind(req.frustrated_sentiment_min)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed("conversation aggregates"))?;
    for row in rows {
        let month = bucket_month(&mut months, row.bucket, "conversation aggregates")?;
        add_conversation_row(month, row);
    }

    let rows: Vec<LlmUsageRow> = sqlx::query_as(LLM_USAGE_SQL)
        .bind(&bounds)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed("LLM usage"))?;
    for row in rows {
        let usage = &mut bucket_month(&mut months, row.bucket, "LLM usage")?.llm_usage;
        usage.calls += row.calls;
        usage.prompt_tokens += row.prompt_tokens;
        usage.completion_tokens += row.completion_tokens;
        usage.cost += row.cost;
        usage.background_cost += row.background_cost;
        usage.by_model.push(ModelUsage {
            model: row.model,
            calls: row.calls,
            cost: row.cost,
        });
    }

    let rows: Vec<LedgerRow> = sqlx::query_as(LEDGER_SQL)
        .bind(&first_days)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed("cost ledger"))?;
    for row in rows {
        if let Some(month) = months.iter_mut().find(|m| m.month.first_day() == row.month) {
            month.ledger.push(LedgerLine {
                category: row.category,
                amount: row.amount,
            });
        }
    }

    let rows: Vec<KbEvalRow> = sqlx::query_as(KB_EVALS_SQL)
        .bind(&bounds)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed("KB evaluation"))?;
    for row in rows {
        let evals = &mut bucket_month(&mut months, row.bucket, "KB evaluation")?.kb_evals;
        evals.evaluated += row.evaluated;
        evals.top1_hits += row.top1_hits;
        evals.nothing_retrieved += row.nothing_retrieved;
    }

    let rows: Vec<ReplyEditRow> = sqlx::query_as(REPLY_EDITS_SQL)
        .bind(&bounds)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed("reply edit"))?;
    for row in rows {
        let edits = &mut bucket_month(&mut months, row.bucket, "reply edit")?.reply_edits;
        edits.edited += row.edited;
        edits.fed_back += row.fed_back;
    }

    tx.commit().await.map_err(failed("transaction end"))?;

    // Deterministic order regardless of the database's collation: byte order.
    for month in &mut months {
        month
            .llm_usage
            .by_model
            .sort_by(|a, b| a.model.cmp(&b.model));
        month.ledger.sort_by(|a, b| a.category.cmp(&b.category));
    }

    Ok(Aggregates {
        format_version: AGGREGATES_FORMAT_VERSION,
        source: req.source.clone(),
        time_zone: req.tz.name().to_string(),
        read_at: req.read_at,
        frustrated_sentiment_min: req.frustrated_sentiment_min,
        months,
    })
}

/// Empty month aggregates with their bounds; refuses a request the queries cannot serve.
fn month_skeletons(req: &AggregatesRequest) -> Result<Vec<MonthAggregates>, SourceError> {
    if req.months.is_empty() {
        return Err(SourceError::InvalidRequest("no month was requested".into()));
    }
    for pair in req.months.windows(2) {
        if pair[0].next() != pair[1] {
            return Err(SourceError::InvalidRequest(format!(
                "the months must be consecutive and oldest first, but {} is followed by {}",
                pair[0], pair[1]
            )));
        }
    }
    let months: Vec<MonthAggregates> = req
        .months
        .iter()
        .map(|&m| {
            let (start, end) = m.bounds(req.tz);
            MonthAggregates::empty(m, start, end)
        })
        .collect();
    // width_bucket() needs strictly increasing bounds; consecutive months always are, and
    // one month's end is the next one's start by construction of Month::bounds.
    if months.iter().any(|m| m.starts_at >= m.ends_at) {
        return Err(SourceError::InvalidRequest(
            "a month has an empty time range in this time zone".into(),
        ));
    }
    Ok(months)
}

/// The month of a `width_bucket()` result (1-based); anything else is a query bug.
fn bucket_month<'a>(
    months: &'a mut [MonthAggregates],
    bucket: i32,
    aggregation: &'static str,
) -> Result<&'a mut MonthAggregates, SourceError> {
    usize::try_from(bucket)
        .ok()
        .and_then(|b| b.checked_sub(1))
        .and_then(|i| months.get_mut(i))
        .ok_or_else(|| SourceError::Query {
            aggregation,
            cause: format!("the database returned month bucket {bucket}, outside the window"),
        })
}

/// Adds one (month, channel, ending) row into the month's conversation aggregates.
fn add_conversation_row(month: &mut MonthAggregates, row: ConversationRow) {
    let c = &mut month.conversations;
    c.total += row.total;
    c.ai_participated += row.ai_participated;
    c.closed += row.closed;
    c.open += row.open;
    c.returned_24h += row.returned_24h;
    c.deflected += row.deflected;
    c.naive_deflected += row.naive_deflected;
    c.deflected_frustrated_exits += row.deflected_frustrated_exits;
    c.handoffs.total += row.handoffs_total;
    c.handoffs.by_ai += row.handoffs_ai;
    c.handoffs.by_user += row.handoffs_user;
    c.handoffs.unknown_initiator += row.handoffs_unknown;
    c.first_response.measured += row.frt_measured;
    // The percentiles are per month and repeated on each of its rows.
    if let Some(p) = row.frt_percentiles.as_deref() {
        c.first_response.p50_seconds = p.first().copied();
        c.first_response.p90_seconds = p.get(1).copied();
    }
    c.handle_time.measured += row.aht_measured;
    c.handle_time.total_micros += row.aht_total_micros;
    c.csat_ai.rated += row.ai_rated;
    c.csat_ai.sum += row.ai_rating_sum;
    c.csat_human.rated += row.human_rated;
    c.csat_human.sum += row.human_rating_sum;
    c.sentiment.scored += row.sentiment_scored;
    c.sentiment.sum += row.sentiment_sum;
    c.closed_rating_prompted += row.closed_rating_prompted;
    if let Some(ending) = row.ending {
        // Only closed conversations with a contract ending (or NULL = "unknown") get one.
        let e = c.endings.entry(ending).or_default();
        e.closed += row.closed;
        e.rating_prompted += row.closed_rating_prompted;
        e.ai_rated += row.ai_rated;
        e.ai_rating_sum += row.ai_rating_sum;
    }
    // `channel` is NOT NULL in the contract; a view may still produce NULLs.
    let channel = row.channel.unwrap_or_else(|| "(none)".to_string());
    *c.channels.entry(channel).or_insert(0) += row.total;
    let q = &mut c.quality;
    q.unclassified += row.unclassified;
    q.negative_first_response += row.negative_first_response;
    q.first_response_missing += row.first_response_missing;
    q.closed_before_start += row.closed_before_start;
    q.ai_csat_out_of_range += row.ai_csat_out_of_range;
    q.human_csat_out_of_range += row.human_csat_out_of_range;
    q.sentiment_out_of_range += row.sentiment_out_of_range;
    q.unknown_close_reason += row.unknown_close_reason;
    q.unknown_handoff_initiator += row.handoffs_unknown;
    q.initiator_without_handoff += row.initiator_without_handoff;
    q.close_reason_while_open += row.close_reason_while_open;
}
