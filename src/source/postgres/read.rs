//! Reading the aggregates of a window of months (SPEC §3), optionally on several
//! connections at once.
//!
//! The work is five independent reads ([`Job`]), each one pass over its relation's window:
//! conversation facts, 24 h returns, FRT percentiles, LLM usage, and the small relations
//! (ledger, KB evaluations, reply edits). Each runs in a REPEATABLE READ, READ ONLY
//! transaction. With more than one connection the first transaction exports its snapshot
//! (`pg_export_snapshot()`) and every other one imports it (`SET TRANSACTION SNAPSHOT`)
//! before its first query, so all reads see exactly the same data, as if they ran in one
//! transaction; PostgreSQL then runs them on as many cores as it has.
//!
//! Only exact counts and sums cross the wire; this module adds them up (integer and
//! decimal additions) and subtracts the returned conversations from the deflection and
//! frustrated-exit candidates. See `docs/PERFORMANCE.md` for the plan and its costs.
//!
//! A report first looks for closed months that `aikpi rollup` stored and that are still
//! exactly what a full read would return ([`super::rollup`]): the oldest months of the
//! window that are, it takes as stored and reads only the months after them from the
//! large tables. The small relations are always read for the whole window: no trigger
//! watches them.

use std::time::Instant;

use std::collections::BTreeMap;

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::future::try_join_all;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Connection, Executor, FromRow, Postgres, Row, Transaction};

use super::stored::{self, RollupSnapshot, StoredMonths};
use super::{AggregatesRequest, SessionSchema};
use crate::aggregates::{
    Aggregates, DeflectedByEnding, IssueAggregates, LedgerLine, ModelUsage, MonthAggregates,
    OtherChannelsFrt, SegmentAggregates, SegmentCounts, AGGREGATES_FORMAT_VERSION,
};
use crate::contract::{Contract, Presence};
use crate::source::SourceError;
use crate::{progress, timings};

const FACTS_SQL: &str = include_str!("../sql/conversations_facts.sql");
/// The inputs of the exact handle-time and sentiment sums, shared by the facts and
/// segments queries, and the exact integer form of a `real` sentiment within them.
const EXACT_SUMS_SQL: &str = include_str!("../sql/exact_sums.sql");
const SENTIMENT_UNITS_SQL: &str = include_str!("../sql/sentiment_units.sql");
const RETURNS_SQL: &str = include_str!("../sql/conversations_returns.sql");
const FRT_SQL: &str = include_str!("../sql/conversations_frt.sql");
const SEGMENTS_SQL: &str = include_str!("../sql/conversations_segments.sql");
const OTHER_CHANNELS_FRT_SQL: &str = include_str!("../sql/conversations_frt_other_channels.sql");
const SEGMENTS_HASH_MEMORY_SQL: &str = include_str!("../sql/segments_hash_memory.sql");
/// The hash memory the segments query may plan with (see segments_hash_memory.sql): room
/// for about 250 000 (channel, issue key) groups as the planner counts them (1 M
/// conversations a month make it count 96 000); the real use is about 20 MB per million
/// conversations of the one month each query reads.
const SEGMENTS_HASH_MEMORY: i64 = 2 << 30;
const JOB_SETTINGS_SQL: &str = include_str!("../sql/read_job_settings.sql");
const LLM_USAGE_SQL: &str = include_str!("../sql/llm_usage.sql");
/// The same for a read of one month, without the month a row.
const LLM_USAGE_MONTH_SQL: &str = include_str!("../sql/llm_usage_month.sql");
const LEDGER_SQL: &str = include_str!("../sql/ledger.sql");
const KB_EVALS_SQL: &str = include_str!("../sql/kb_evals.sql");
const REPLY_EDITS_SQL: &str = include_str!("../sql/reply_edits.sql");

/// Whether `conversations.negative_sentiment` is `real` (possibly through a domain): the
/// facts query then sums it with the exact integer fast path.
const SENTIMENT_IS_REAL_SQL: &str = "\
SELECT coalesce(bool_or(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END = 'float4'::regtype), false)
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = to_regclass(format('%I.conversations', $1::text))
  AND a.attname = 'negative_sentiment'
  AND NOT a.attisdropped";

/// How the report reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// `work_mem` for the report's own sessions, e.g. `64MB`; `None` keeps the server's.
    /// Sorts and hashes of the report's queries stay in memory up to this size.
    pub work_mem: Option<String>,
    /// Connections to read with, at least 1. The reads are spread over them and run at
    /// the same time on one shared snapshot.
    pub connections: usize,
    /// `max_parallel_workers_per_gather` for the report's own sessions; `None` keeps the
    /// server's. With several connections the report already runs its queries side by
    /// side, and parallel workers on top of them compete for the same cores.
    pub parallel_workers: Option<u32>,
    /// Whether closed months stored by `aikpi rollup` may be used when they are fresh
    /// (`--no-rollup` turns it off).
    pub use_rollup: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            work_mem: Some("64MB".to_string()),
            connections: 4,
            parallel_workers: Some(0),
            use_rollup: true,
        }
    }
}

/// What a read of the window is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// A report: fresh stored months are used when `use_rollup` is set.
    Report { use_rollup: bool },
    /// `aikpi rollup`: every month with its segments, plus what the freshness rule needs.
    Rollup,
}

/// A read of the window.
pub(super) struct WindowRead {
    pub aggregates: Aggregates,
    /// For [`Purpose::Rollup`]: the snapshot read on and each month's latest conversation
    /// end (`sql/rollup_reach.sql`).
    pub rollup: Option<(RollupSnapshot, Vec<Option<DateTime<Utc>>>)>,
    /// For a report: the oldest months of the window, when they came from the rollup.
    pub stored: Option<StoredMonths>,
}

/// One independent read of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    LlmUsage,
    Returns,
    Facts,
    FirstResponse,
    Segments,
    Small,
    /// Rollup reads only: how far each month's returns reach.
    Reach,
}

impl Job {
    /// The jobs of a read (spread over the connections by [`Job::cost`]).
    const ALL: [Job; 6] = [
        Job::LlmUsage,
        Job::Returns,
        Job::Facts,
        Job::FirstResponse,
        Job::Segments,
        Job::Small,
    ];

    /// Relative cost of the job on `p`: about a tenth of a second of PostgreSQL CPU per
    /// month read, at 1 M conversations a month, one query alone (docs/PERFORMANCE.md).
    /// Only the proportions matter: they spread the jobs over the connections so that all
    /// of them finish at about the same time.
    fn cost(self, p: &Params) -> u32 {
        let months = p.bounds.len().saturating_sub(1) as u32;
        let segmented = (months + 1).saturating_sub(p.segments_from.max(1) as u32);
        match self {
            Job::LlmUsage => 9 * months,
            // In index order (the whole window) no sort; later months only are sorted.
            Job::Returns if p.reads_whole_window() => 8 * months,
            Job::Returns => 15 * months,
            Job::Facts => 10 * months,
            Job::FirstResponse => 6 * months.saturating_sub(segmented),
            Job::Segments => 17 * segmented,
            Job::Small => 1,
            Job::Reach => 2 * months,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Job::LlmUsage => "LLM usage",
            Job::Returns => "conversation aggregates (24h returns)",
            Job::Facts => "conversation aggregates",
            Job::FirstResponse => "conversation aggregates (first response percentiles)",
            Job::Segments => "conversation aggregates (segments)",
            Job::Small => "ledger, KB evaluation and reply edit",
            Job::Reach => "conversation aggregates (return reach)",
        }
    }
}

/// What every job binds.
struct Params {
    /// The contract's schema: every relation the queries read is named with it.
    schema: SessionSchema,
    /// Month bounds of the months read from the large tables: the start of every month,
    /// then the end of the last (the months after those taken from the rollup).
    bounds: Vec<DateTime<Utc>>,
    /// Month bounds of the whole window, for [`Job::Small`].
    window_bounds: Vec<DateTime<Utc>>,
    first_days: Vec<NaiveDate>,
    frustrated_min: Decimal,
    /// `frustrated_min` in units of 1e-12, rounded up (see `conversations_facts.sql`).
    frustrated_min_units: i64,
    sentiment_is_real: bool,
    /// The first month bucket whose segments are read (the month before the report month).
    segments_from: i32,
    /// The relations declared absent are not read (`[contract]`).
    contract: Contract,
}

impl Params {
    /// Whether every month of the window is read from the tables (none from the rollup).
    fn reads_whole_window(&self) -> bool {
        self.bounds == self.window_bounds
    }

    /// Whether the tables are read for one month only (a report after `aikpi rollup`).
    /// The facts query decides the same from its bounds in SQL (conversations_facts.sql).
    fn reads_one_month(&self) -> bool {
        self.bounds.len() == 2
    }
}

/// One row of `conversations_facts.sql`.
#[derive(FromRow)]
struct FactRow {
    channel: Option<String>,
    key: i64,
    n: i64,
    aht_micros: Option<Decimal>,
    aht_long_seconds: Option<Decimal>,
    sentiment_units: Option<BigDecimal>,
    sentiment_numeric: Option<BigDecimal>,
    aht_squares_hi: Option<BigDecimal>,
    aht_squares_lo: Option<BigDecimal>,
    aht_long_squares: Option<BigDecimal>,
    sentiment_squares_hi: Option<BigDecimal>,
    sentiment_squares_lo: Option<BigDecimal>,
    sentiment_numeric_squares: Option<BigDecimal>,
}

/// One row of `conversations_segments.sql`.
#[derive(FromRow)]
struct SegmentRow {
    bucket: i32,
    by_month: bool,
    by_channel: bool,
    channel: Option<String>,
    issue_key: Option<String>,
    conversations: i64,
    ai_participated: i64,
    handoffs: i64,
    deflection_candidates: i64,
    handle_time_measured: i64,
    handle_time_micros: Decimal,
    csat_ai_rated: i64,
    csat_ai_sum: i64,
    csat_human_rated: i64,
    csat_human_sum: i64,
    sentiment_scored: i64,
    sentiment_sum: BigDecimal,
    frt_p50_seconds: Option<f64>,
    frt_p90_seconds: Option<f64>,
}

#[derive(FromRow)]
struct ReturnRow {
    bucket: i32,
    by_channel: bool,
    channel: Option<String>,
    issue_key: Option<String>,
    returned_24h: i64,
    returned_deflection_candidates: i64,
    returned_frustrated_candidates: i64,
    returned_deflection_resolved: i64,
    returned_deflection_user_left: i64,
    returned_deflection_timeout: i64,
    returned_deflection_agent_closed: i64,
}

impl ReturnRow {
    /// The returned deflection candidates by contract ending.
    fn returned_deflection_by_ending(&self) -> DeflectedByEnding {
        DeflectedByEnding {
            resolved: self.returned_deflection_resolved,
            user_left: self.returned_deflection_user_left,
            timeout: self.returned_deflection_timeout,
            agent_closed: self.returned_deflection_agent_closed,
        }
    }
}

#[derive(FromRow)]
struct LlmUsageRow {
    bucket: i32,
    /// NULL: the calls of a NULL `model` (outside the contract).
    model: Option<String>,
    calls: i64,
    prompt_tokens: BigDecimal,
    completion_tokens: BigDecimal,
    cost: BigDecimal,
    background_cost: BigDecimal,
    non_finite_costs: i64,
    null_costs: i64,
}

#[derive(FromRow)]
struct LedgerRow {
    month: NaiveDate,
    /// NULL: the lines of a NULL `category` (outside the contract).
    category: Option<String>,
    amount: BigDecimal,
    non_finite_amounts: i64,
    null_amounts: i64,
    /// Every line read for the key, identical ones included.
    lines: i64,
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

/// What a job read.
enum Output {
    Facts(Vec<FactRow>),
    Returns(Vec<ReturnRow>),
    Segments(Vec<SegmentRow>),
    /// `{p50, p90}` per month, oldest first.
    FirstResponse(Vec<Option<Vec<f64>>>),
    LlmUsage(Vec<LlmUsageRow>),
    /// The latest conversation end per month bucket.
    Reach(Vec<(i32, Option<DateTime<Utc>>)>),
    Small {
        ledger: Vec<LedgerRow>,
        kb_evals: Vec<KbEvalRow>,
        reply_edits: Vec<ReplyEditRow>,
    },
}

/// Reads the aggregates of `req.months` from the session's schema on one connection.
///
/// All queries run in one read-only REPEATABLE READ transaction, so the five relations are
/// read from the same snapshot; each relation is read in one pass over its window.
pub async fn read_aggregates(
    conn: &mut PgConnection,
    req: &AggregatesRequest,
) -> Result<Aggregates, SourceError> {
    read_aggregates_with(conn, Vec::new(), req).await
}

/// Like [`read_aggregates`], with `more` connections (to the same database and schema,
/// read-only sessions) that take part of the work at the same time, on the snapshot of
/// `conn`'s transaction. If the server cannot share a snapshot, everything runs on `conn`.
pub async fn read_aggregates_with(
    conn: &mut PgConnection,
    more: Vec<PgConnection>,
    req: &AggregatesRequest,
) -> Result<Aggregates, SourceError> {
    let purpose = Purpose::Report { use_rollup: true };
    let read = read_window(conn, more, req, purpose, &Contract::default()).await?;
    Ok(read.aggregates)
}

/// Reads the window of `req` for `purpose` (see [`read_aggregates_with`]).
pub(super) async fn read_window(
    conn: &mut PgConnection,
    mut more: Vec<PgConnection>,
    req: &AggregatesRequest,
    purpose: Purpose,
    contract: &Contract,
) -> Result<WindowRead, SourceError> {
    let mut months = month_skeletons(req)?;
    let mut window_bounds: Vec<DateTime<Utc>> = months.iter().map(|m| m.starts_at).collect();
    if let Some(last) = months.last() {
        window_bounds.push(last.ends_at);
    }
    // Segments are read for the report month and the month before; a rollup stores them
    // for every month, as any of them may be the month before a later report month.
    let segmented = match purpose {
        Purpose::Rollup => 0,
        Purpose::Report { .. } => months.len().saturating_sub(2),
    };
    for month in &mut months[segmented..] {
        month.segments = Some(SegmentAggregates::default());
    }
    let failed =
        |aggregation: &'static str| move |e: sqlx::Error| SourceError::query(aggregation, &e);

    let started = Instant::now();
    let mut first = begin(conn).await?;
    let Some(schema) = SessionSchema::of(&mut first)
        .await
        .map_err(failed("column type"))?
    else {
        return Err(SourceError::SchemaMissing {
            search_path: req.source.schema.clone(),
        });
    };
    let sentiment_is_real: bool = sqlx::query_scalar(SENTIMENT_IS_REAL_SQL)
        .bind(&schema.name)
        .fetch_one(&mut *first)
        .await
        .map_err(failed("column type"))?;
    let fingerprint = stored::fingerprint(req, sentiment_is_real);

    // The oldest months that the rollup holds fresh, read on this transaction's snapshot
    // (the one every other connection imports), so they are what a full read would see.
    let stored = match purpose {
        Purpose::Report { use_rollup: true } => {
            match stored::fresh_months(&mut first, &schema, &fingerprint, &months).await {
                Ok(stored) => stored,
                // A rollup that cannot be read only costs time. The failed statement
                // aborted the transaction: read every month on a new one.
                Err(e) => {
                    let cause = match e {
                        SourceError::Query { cause, .. } => cause,
                        other => other.to_string(),
                    };
                    progress::notice(&format!(
                        "aikpi: notice: the rollup could not be read ({cause}); every month \
                         is read from the tables"
                    ));
                    drop(first);
                    first = begin(conn).await?;
                    None
                }
            }
        }
        _ => None,
    };
    let taken = stored.as_ref().map_or(0, |s| s.months.len());
    let rollup_snapshot = match purpose {
        Purpose::Rollup => Some(stored::snapshot(&mut first, &schema, fingerprint.clone()).await?),
        Purpose::Report { .. } => None,
    };

    let params = Params {
        schema,
        bounds: window_bounds[taken..].to_vec(),
        window_bounds: window_bounds.clone(),
        first_days: req.months.iter().map(|m| m.first_day()).collect(),
        frustrated_min: req.frustrated_sentiment_min,
        frustrated_min_units: threshold_units(req.frustrated_sentiment_min),
        sentiment_is_real,
        // The first bucket of the months read that has segments (buckets count from 1).
        segments_from: i32::try_from(segmented.saturating_sub(taken) + 1).unwrap_or(1),
        contract: *contract,
    };
    if let Some(stored) = &stored {
        for (month, stored) in months.iter_mut().zip(&stored.months) {
            let segments = month.segments.take();
            *month = stored.clone();
            // A full read has segments for the last two months only.
            month.segments = segments.and(month.segments.take());
            // Always read again below: no trigger watches the small relations.
            month.ledger.clear();
            month.money_quality.clear_ledger();
            month.kb_evals = Default::default();
            month.reply_edits = Default::default();
        }
    }

    // Share the snapshot with the other connections (before any of them reads).
    let mut others: Vec<Transaction<'_, Postgres>> = Vec::new();
    if !more.is_empty() {
        match sqlx::query_scalar::<_, String>("SELECT pg_export_snapshot()")
            .fetch_one(&mut *first)
            .await
        {
            Ok(snapshot) => {
                others = try_join_all(more.iter_mut().map(|c| import(c, &snapshot))).await?;
            }
            Err(_) if taken == 0 && rollup_snapshot.is_none() => {
                // E.g. a connection pooler or server that cannot export snapshots: the
                // failed statement aborted the transaction, so start it again and read
                // everything on the one connection.
                drop(first);
                first = begin(conn).await?;
            }
            // The stored months were judged on this snapshot: read on it alone. The
            // failed statement aborted the transaction, so this read cannot go on.
            Err(e) => return Err(SourceError::query("snapshot export", &e)),
        }
    }
    timings::record("snapshot", started.elapsed());

    let jobs: Vec<Job> = Job::ALL
        .into_iter()
        .filter(|&job| job == Job::Small || taken < months.len())
        // Every month read has segments: their query gives the percentiles too.
        .filter(|&job| job != Job::FirstResponse || params.segments_from > 1)
        .chain((purpose == Purpose::Rollup).then_some(Job::Reach))
        .collect();
    let mut lanes: Vec<(Transaction<'_, Postgres>, Vec<Job>)> = Vec::new();
    lanes.push((first, Vec::new()));
    lanes.extend(others.into_iter().map(|tx| (tx, Vec::new())));
    let width = lanes.len();
    // Longest job first onto the least loaded connection.
    let mut load = vec![0u32; width];
    let mut by_cost = jobs;
    by_cost.sort_by_key(|job| std::cmp::Reverse(job.cost(&params)));
    for job in by_cost {
        let lane = (0..width).min_by_key(|&i| load[i]).unwrap_or(0);
        load[lane] += job.cost(&params);
        lanes[lane].1.push(job);
    }
    let params = &params;
    let outputs: Vec<Vec<Output>> =
        try_join_all(lanes.into_iter().map(|(mut tx, jobs)| async move {
            let mut outputs = Vec::with_capacity(jobs.len());
            for job in jobs {
                let started = Instant::now();
                let _shown = progress::phase(&format!("reading {}", job.name()));
                outputs.push(
                    run(&mut tx, job, params)
                        .await
                        .map_err(failed(job.name()))?,
                );
                timings::record(&format!("query: {}", job.name()), started.elapsed());
            }
            tx.commit().await.map_err(failed("transaction end"))?;
            Ok::<_, SourceError>(outputs)
        }))
        .await?;

    let read = months.len() - taken;
    let mut candidates = vec![Candidates::default(); read];
    let mut issues = vec![BTreeMap::new(); read];
    let mut reach = vec![None; read];
    for output in outputs.into_iter().flatten() {
        match output {
            Output::Small {
                ledger,
                kb_evals,
                reply_edits,
            } => merge_small(&mut months, ledger, kb_evals, reply_edits)?,
            Output::Reach(rows) => {
                for (bucket, latest) in rows {
                    let index = usize::try_from(bucket - 1)
                        .ok()
                        .filter(|&i| i < reach.len());
                    let Some(index) = index else {
                        return Err(SourceError::Query {
                            aggregation: Job::Reach.name(),
                            cause: format!("the database returned month bucket {bucket}"),
                        });
                    };
                    reach[index] = latest;
                }
            }
            output => merge(&mut months[taken..], &mut candidates, &mut issues, output)?,
        }
    }
    let read = &mut months[taken..];
    for (month, issues) in read.iter_mut().zip(issues) {
        if let Some(segments) = month.segments.as_mut() {
            segments.issues = issue_list(issues);
        }
    }
    for (month, c) in read.iter_mut().zip(candidates) {
        let conv = &mut month.conversations;
        conv.deflected = c.deflection - c.returned_deflection;
        conv.deflected_by_ending =
            each_ending(c.deflection_by_ending, c.returned_by_ending, |a, b| a - b);
        conv.deflected_frustrated_exits = c.frustrated - c.returned_frustrated;
        conv.quality.unknown_handoff_initiator = conv.handoffs.unknown_initiator;
        conv.handle_time.total_micros = conv.handle_time.total_micros.normalize();
        conv.sentiment.sum = conv.sentiment.sum.normalized();
        if let Some(segments) = month.segments.as_mut() {
            let all = segments.channels.values_mut();
            for s in all.chain(segments.issues.iter_mut().map(|i| &mut i.counts)) {
                s.handle_time_micros = s.handle_time_micros.normalize();
                s.sentiment_sum = s.sentiment_sum.normalized();
            }
        }
        // Deterministic order regardless of the database's collation: byte order.
        month
            .llm_usage
            .by_model
            .sort_by(|a, b| a.model.cmp(&b.model));
    }
    for month in &mut months {
        month.ledger.sort_by(|a, b| a.category.cmp(&b.category));
    }
    if let Purpose::Report { .. } = purpose {
        other_channels_frt(conn, &params.schema, &mut months, req.max_channels).await?;
    }

    Ok(WindowRead {
        aggregates: Aggregates {
            format_version: AGGREGATES_FORMAT_VERSION,
            source: req.source.clone(),
            time_zone: req.tz.name().to_string(),
            read_at: req.read_at,
            frustrated_sentiment_min: req.frustrated_sentiment_min,
            months,
            absent_relations: contract.absent_relations(),
        },
        rollup: rollup_snapshot.map(|s| (s, reach)),
        stored,
    })
}

/// The FRT p90 of the report month's channels beyond its `max_channels` largest, in the
/// report month and the month before (SPEC §6.2), when there are such channels.
///
/// Read after the other jobs, once the report month's channels are known, on a
/// transaction of its own: with rows arriving meanwhile its snapshot can be a little
/// later than theirs, which moves this one percentile by those rows at most.
async fn other_channels_frt(
    conn: &mut PgConnection,
    schema: &SessionSchema,
    months: &mut [MonthAggregates],
    max_channels: usize,
) -> Result<(), SourceError> {
    let [.., before, now] = months else {
        return Ok(());
    };
    let Some(segments) = now.segments.as_ref() else {
        return Ok(());
    };
    let (_, rest) = segments.largest_channels(max_channels);
    if rest.is_empty() {
        return Ok(());
    }
    let rest: Vec<String> = rest.into_iter().map(String::from).collect();
    let failed = |e: sqlx::Error| SourceError::query("first response (other channels)", &e);
    let sql = schema.qualify(OTHER_CHANNELS_FRT_SQL);
    let mut tx = begin(conn).await?;
    for month in [before, now] {
        let frt_p90_seconds: Option<f64> = sqlx::query_scalar(&sql)
            .bind(month.starts_at)
            .bind(month.ends_at)
            .bind(&rest)
            .fetch_one(&mut *tx)
            .await
            .map_err(failed)?;
        if let Some(segments) = month.segments.as_mut() {
            segments.other_channels = Some(OtherChannelsFrt {
                max_channels,
                frt_p90_seconds,
            });
        }
    }
    tx.commit().await.map_err(failed)?;
    Ok(())
}

/// Starts the read-only REPEATABLE READ transaction every job runs in.
async fn begin(conn: &mut PgConnection) -> Result<Transaction<'_, Postgres>, SourceError> {
    let failed = |e: sqlx::Error| SourceError::query("transaction start", &e);
    let mut tx = conn.begin().await.map_err(failed)?;
    tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
        .map_err(failed)?;
    Ok(tx)
}

/// Starts a transaction on `conn` that sees exactly the exported `snapshot`.
pub(super) async fn import<'c>(
    conn: &'c mut PgConnection,
    snapshot: &str,
) -> Result<Transaction<'c, Postgres>, SourceError> {
    // SET TRANSACTION SNAPSHOT takes no bind parameter; the identifier comes from
    // pg_export_snapshot() (hex digits and dashes) and is checked before it is quoted.
    if snapshot.is_empty() || !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(SourceError::Query {
            aggregation: "snapshot import",
            cause: format!("unexpected snapshot identifier `{snapshot}`"),
        });
    }
    let mut tx = begin(conn).await?;
    tx.execute(format!("SET TRANSACTION SNAPSHOT '{snapshot}'").as_str())
        .await
        .map_err(|e| SourceError::query("snapshot import", &e))?;
    Ok(tx)
}

/// Runs one job in `tx`.
async fn run(tx: &mut PgConnection, job: Job, p: &Params) -> Result<Output, sqlx::Error> {
    // A month range of a large table is a large share of its rows: read page by page
    // (bitmap heap scan) or sequentially, never tuple by tuple in index order, whose cost
    // grows with how scattered the rows are (one month of `aikpi seed`'s llm_usage: 4.2 s
    // by index scan, 1.2 s by bitmap). The one exception is the return check of the
    // whole window, which walks the covering index in (user, issue, start) order with an
    // index-only scan; this setting turns those off too.
    let index_order = job == Job::Returns && p.reads_whole_window();
    // JIT compiles a query's expressions before it runs: a few hundred ms for the return
    // check, whose inflated cost estimate (the probes) asks for inlining and optimisation,
    // and which gains nothing from compiled expressions (one month alone: 1.3 s without,
    // 1.7 s with; at 100 k conversations 0.14 s against 0.42 s). Only the facts query's
    // packed key is worth compiling (1.04 s against 1.11 s): it keeps the server's
    // setting, every other read turns JIT off for its transaction.
    let jit_off = job != Job::Facts;
    if job != Job::Small {
        sqlx::query(JOB_SETTINGS_SQL)
            .bind(if index_order { "on" } else { "off" })
            .bind(jit_off)
            .execute(&mut *tx)
            .await?;
    }
    Ok(match job {
        Job::Facts => Output::Facts(
            sqlx::query_as(&p.schema.qualify(&with_exact_sums(FACTS_SQL, "$4")))
                .bind(&p.bounds)
                .bind(p.frustrated_min)
                .bind(p.frustrated_min_units)
                .bind(p.sentiment_is_real)
                .fetch_all(&mut *tx)
                .await?,
        ),
        Job::Segments => {
            sqlx::query(SEGMENTS_HASH_MEMORY_SQL)
                .bind(SEGMENTS_HASH_MEMORY)
                .execute(&mut *tx)
                .await?;
            // One month a query: what PostgreSQL holds for the groupings is one month's.
            let sql = p.schema.qualify(&with_exact_sums(SEGMENTS_SQL, "$3"));
            let mut rows = Vec::new();
            for bucket in p.segments_from..p.bounds.len() as i32 {
                rows.extend(
                    sqlx::query_as::<_, SegmentRow>(&sql)
                        .bind(&p.bounds)
                        .bind(bucket)
                        .bind(p.sentiment_is_real)
                        .fetch_all(&mut *tx)
                        .await?,
                );
            }
            Output::Segments(rows)
        }
        Job::Returns => Output::Returns(
            sqlx::query_as(&p.schema.qualify(&returns_sql(index_order)))
                .bind(&p.bounds)
                .bind(p.frustrated_min)
                .fetch_all(&mut *tx)
                .await?,
        ),
        // The months before the segment months (those come with the segments).
        Job::FirstResponse => {
            let bounds = &p.bounds[..p.segments_from.max(1) as usize];
            let months = bounds.len() - 1;
            let sql = p.schema.qualify(&frt_sql(months));
            let row: PgRow = sqlx::query(&sql).bind(bounds).fetch_one(&mut *tx).await?;
            let mut percentiles = Vec::with_capacity(months);
            for i in 0..months {
                percentiles.push(row.try_get::<Option<Vec<f64>>, _>(i)?);
            }
            Output::FirstResponse(percentiles)
        }
        Job::LlmUsage => Output::LlmUsage(
            sqlx::query_as(&p.schema.qualify(if p.reads_one_month() {
                LLM_USAGE_MONTH_SQL
            } else {
                LLM_USAGE_SQL
            }))
            .bind(&p.bounds)
            .fetch_all(&mut *tx)
            .await?,
        ),
        Job::Small => Output::Small {
            ledger: sqlx::query_as(&p.schema.qualify(LEDGER_SQL))
                .bind(&p.first_days)
                .fetch_all(&mut *tx)
                .await?,
            kb_evals: match p.contract.kb_evals {
                Presence::Absent => Vec::new(),
                Presence::Present => {
                    sqlx::query_as(&p.schema.qualify(KB_EVALS_SQL))
                        .bind(&p.window_bounds)
                        .fetch_all(&mut *tx)
                        .await?
                }
            },
            reply_edits: match p.contract.reply_edits {
                Presence::Absent => Vec::new(),
                Presence::Present => {
                    sqlx::query_as(&p.schema.qualify(REPLY_EDITS_SQL))
                        .bind(&p.window_bounds)
                        .fetch_all(&mut *tx)
                        .await?
                }
            },
        },
        Job::Reach => Output::Reach(
            sqlx::query_as(&p.schema.qualify(stored::REACH_SQL))
                .bind(&p.bounds)
                .fetch_all(&mut *tx)
                .await?,
        ),
    })
}

/// `sql` with exact_sums.sql in place of its EXACT_SUMS marker, `is_real` (the query's
/// "negative_sentiment is real" parameter, e.g. `$4`) in place of IS_REAL, and
/// sentiment_units.sql in place of every SENTIMENT_UNITS marker (the facts query also
/// compares the units with its threshold).
fn with_exact_sums(sql: &str, is_real: &str) -> String {
    sql.replace("/*EXACT_SUMS*/", EXACT_SUMS_SQL)
        .replace("/*IS_REAL*/", is_real)
        .replace("/*SENTIMENT_UNITS*/", SENTIMENT_UNITS_SQL)
}

/// `conversations_returns.sql` with the partition of its `pair` window: the pair itself
/// when the covering index delivers the rows in that order, else a hash of the pair first
/// (the rows are sorted; see the SQL). `hash_record_extended` hashes each key with its
/// type's own hash, so keys equal under the column's equality (a citext, a
/// nondeterministic collation) share a partition.
fn returns_sql(index_order: bool) -> String {
    let pair = if index_order {
        "c.user_id, c.issue_key"
    } else {
        "hash_record_extended(ROW(c.user_id, c.issue_key), 0)"
    };
    RETURNS_SQL.replace("/*PAIR*/", pair)
}

/// `conversations_frt.sql` with one percentile aggregate per month.
fn frt_sql(months: usize) -> String {
    let aggregates: Vec<String> = (1..=months)
        .map(|i| {
            format!(
                "percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY f.frt) \
                 FILTER (WHERE f.bucket = {i}) AS p{i}"
            )
        })
        .collect();
    FRT_SQL.replace("/*PERCENTILES*/", &aggregates.join(",\n    "))
}

/// `threshold` in units of 1e-12, rounded up and clamped to the range of a valid (0–1)
/// sentiment: an integer u then satisfies `u >= result` exactly when `u × 1e-12 >= threshold`.
fn threshold_units(threshold: Decimal) -> i64 {
    const ONE: i64 = 1_000_000_000_000;
    if threshold <= Decimal::ZERO {
        return 0;
    }
    threshold
        .checked_mul(Decimal::from(ONE))
        .map(|u| u.ceil())
        .and_then(|u| u.to_i64())
        .map_or(ONE + 1, |u| u.min(ONE + 1))
}

/// Per month: conversations that are deflected, or frustrated exits, unless they returned,
/// and how many of each returned.
#[derive(Debug, Clone, Copy, Default)]
struct Candidates {
    deflection: i64,
    frustrated: i64,
    returned_deflection: i64,
    returned_frustrated: i64,
    /// `deflection` and `returned_deflection` by ending (SPEC §7.2).
    deflection_by_ending: DeflectedByEnding,
    returned_by_ending: DeflectedByEnding,
}

/// `op` applied ending by ending.
fn each_ending(
    a: DeflectedByEnding,
    b: DeflectedByEnding,
    op: fn(i64, i64) -> i64,
) -> DeflectedByEnding {
    DeflectedByEnding {
        resolved: op(a.resolved, b.resolved),
        user_left: op(a.user_left, b.user_left),
        timeout: op(a.timeout, b.timeout),
        agent_closed: op(a.agent_closed, b.agent_closed),
    }
}

/// The count of ending `code` (bits 24–27 of the key, see [`ending_name`]) in `counts`;
/// `None` for a NULL or out-of-contract `close_reason` (an unknown ending).
fn ending_count(counts: &mut DeflectedByEnding, code: i64) -> Option<&mut i64> {
    match code {
        2 => Some(&mut counts.resolved),
        3 => Some(&mut counts.user_left),
        4 => Some(&mut counts.timeout),
        5 => Some(&mut counts.agent_closed),
        _ => None,
    }
}

/// Adds one job's rows into the months.
fn merge(
    months: &mut [MonthAggregates],
    candidates: &mut [Candidates],
    issues: &mut [IssueCounts],
    output: Output,
) -> Result<(), SourceError> {
    match output {
        Output::Facts(rows) => {
            for row in rows {
                add_fact(months, candidates, row)?;
            }
        }
        Output::Returns(rows) => {
            for row in rows {
                const RETURNS: &str = "conversation aggregates (24h returns)";
                let month = bucket_month(months, row.bucket, RETURNS)?;
                let index = (row.bucket - 1) as usize;
                let Some(segment) = (if row.by_channel {
                    // The channel rows add up to the month.
                    month.conversations.returned_24h += row.returned_24h;
                    let c = &mut candidates[index];
                    c.returned_deflection += row.returned_deflection_candidates;
                    c.returned_frustrated += row.returned_frustrated_candidates;
                    let by_ending = row.returned_deflection_by_ending();
                    c.returned_by_ending =
                        each_ending(c.returned_by_ending, by_ending, |a, b| a + b);
                    // A NULL channel's conversations are in no channel's segment.
                    month
                        .segments
                        .as_mut()
                        .zip(row.channel)
                        .map(|(s, channel)| s.channels.entry(channel).or_default())
                } else {
                    month
                        .segments
                        .is_some()
                        .then(|| issues[index].entry(row.issue_key).or_default())
                }) else {
                    continue;
                };
                segment.returned_24h += row.returned_24h;
                segment.deflected -= row.returned_deflection_candidates;
            }
        }
        Output::Segments(rows) => {
            for row in rows {
                let month = bucket_month(months, row.bucket, "conversation aggregates (segments)")?;
                if row.by_month {
                    let frt = &mut month.conversations.first_response;
                    frt.p50_seconds = row.frt_p50_seconds;
                    frt.p90_seconds = row.frt_p90_seconds;
                    continue;
                }
                let Some(segments) = month.segments.as_mut() else {
                    continue;
                };
                if row.by_channel {
                    // The channel's counts come from the facts; only its p90 from here.
                    if let Some(channel) = row.channel {
                        let channel = segments.channels.entry(channel);
                        channel.or_default().frt_p90_seconds = row.frt_p90_seconds;
                    }
                    continue;
                }
                let s = issues[(row.bucket - 1) as usize]
                    .entry(row.issue_key)
                    .or_default();
                s.conversations += row.conversations;
                s.ai_participated += row.ai_participated;
                s.handoffs += row.handoffs;
                s.deflected += row.deflection_candidates;
                s.handle_time_measured += row.handle_time_measured;
                s.handle_time_micros += row.handle_time_micros;
                s.csat_ai_rated += row.csat_ai_rated;
                s.csat_ai_sum += row.csat_ai_sum;
                s.csat_human_rated += row.csat_human_rated;
                s.csat_human_sum += row.csat_human_sum;
                s.sentiment_scored += row.sentiment_scored;
                s.sentiment_sum += row.sentiment_sum;
                s.frt_p90_seconds = row.frt_p90_seconds;
            }
        }
        Output::FirstResponse(percentiles) => {
            for (month, p) in months.iter_mut().zip(percentiles) {
                let frt = &mut month.conversations.first_response;
                frt.p50_seconds = p.as_deref().and_then(|p| p.first().copied());
                frt.p90_seconds = p.as_deref().and_then(|p| p.get(1).copied());
            }
        }
        Output::LlmUsage(rows) => {
            for row in rows {
                let month = bucket_month(months, row.bucket, "LLM usage")?;
                let quality = &mut month.money_quality;
                quality.non_finite_costs += row.non_finite_costs;
                quality.null_costs += row.null_costs;
                let usage = &mut month.llm_usage;
                usage.calls += row.calls;
                usage.prompt_tokens += row.prompt_tokens;
                usage.completion_tokens += row.completion_tokens;
                usage.cost += &row.cost;
                usage.background_cost += row.background_cost;
                // A call without a model is still a call and a cost; it has no model's line.
                match row.model {
                    Some(model) => usage.by_model.push(ModelUsage {
                        model,
                        calls: row.calls,
                        cost: row.cost,
                    }),
                    None => month.money_quality.null_models += row.calls,
                }
            }
        }
        // Read for the whole window and merged by `merge_small`; a rollup-only job.
        Output::Small { .. } | Output::Reach(_) => {}
    }
    Ok(())
}

/// Adds the small relations' rows into the months of the whole window.
fn merge_small(
    months: &mut [MonthAggregates],
    ledger: Vec<LedgerRow>,
    kb_evals: Vec<KbEvalRow>,
    reply_edits: Vec<ReplyEditRow>,
) -> Result<(), SourceError> {
    for row in ledger {
        if let Some(month) = months.iter_mut().find(|m| m.month.first_day() == row.month) {
            let quality = &mut month.money_quality;
            let Some(category) = row.category else {
                // A line of no category cannot be booked anywhere.
                quality.null_categories += row.lines;
                continue;
            };
            quality.non_finite_amounts += row.non_finite_amounts;
            quality.null_amounts += row.null_amounts;
            quality.duplicate_ledger_lines += row.lines - 1;
            month.ledger.push(LedgerLine {
                category,
                amount: row.amount,
            });
        }
    }
    for row in kb_evals {
        let evals = &mut bucket_month(months, row.bucket, "KB evaluation")?.kb_evals;
        evals.evaluated += row.evaluated;
        evals.top1_hits += row.top1_hits;
        evals.nothing_retrieved += row.nothing_retrieved;
    }
    for row in reply_edits {
        let edits = &mut bucket_month(months, row.bucket, "reply edit")?.reply_edits;
        edits.edited += row.edited;
        edits.fed_back += row.fed_back;
    }
    Ok(())
}

// The bits of `key` (see `conversations_facts.sql`).
const AI_PARTICIPATED: i64 = 1;
const CLOSED: i64 = 2;
const HANDED_OFF: i64 = 4;
const INITIATOR_MASK: i64 = 24;
const INITIATOR_AI: i64 = 8;
const INITIATOR_USER: i64 = 16;
const RATING_PROMPTED: i64 = 32;
const UNCLASSIFIED: i64 = 64;
const FRT_MEASURED: i64 = 128;
const FRT_NEGATIVE: i64 = 256;
const CLOSED_BEFORE_START: i64 = 512;
const SENTIMENT_VALID: i64 = 1024;
const SENTIMENT_OUT_OF_RANGE: i64 = 2048;
const FRUSTRATED: i64 = 4096;
const HAS_CLOSE_REASON: i64 = 8192;
const INFINITE_CLOSED_AT: i64 = 1 << 28;
const INFINITE_FIRST_AI_REPLY_AT: i64 = 1 << 29;
const INFINITE_FIRST_USER_MESSAGE_AT: i64 = 1 << 30;

/// The issue segments of one month while they are read, by key.
type IssueCounts = BTreeMap<Option<String>, SegmentCounts>;

/// The issues in byte order of their keys, unclassified (`None`) last.
fn issue_list(issues: IssueCounts) -> Vec<IssueAggregates> {
    // `None` sorts first in a BTreeMap: move it to the end.
    let mut list: Vec<IssueAggregates> = issues
        .into_iter()
        .map(|(issue_key, counts)| IssueAggregates { issue_key, counts })
        .collect();
    if list.first().is_some_and(|i| i.issue_key.is_none()) {
        list.rotate_left(1);
    }
    list
}

/// d² from the sums of d·hi and d·lo where d = hi·10⁶ + lo (see conversations_facts.sql).
fn split_squares(hi: Option<BigDecimal>, lo: Option<BigDecimal>) -> BigDecimal {
    hi.unwrap_or_default() * BigDecimal::from(1_000_000) + lo.unwrap_or_default()
}

/// The ending of code `code` (bits 24–27 of the key); 0 has none.
fn ending_name(code: i64) -> Option<&'static str> {
    match code {
        1 => Some("unknown"),
        2 => Some("resolved"),
        3 => Some("user_left"),
        4 => Some("timeout"),
        5 => Some("agent_closed"),
        _ => None,
    }
}

/// Adds the `n` conversations of one facts row into their month.
fn add_fact(
    months: &mut [MonthAggregates],
    candidates: &mut [Candidates],
    row: FactRow,
) -> Result<(), SourceError> {
    let key = row.key;
    let n = row.n;
    let bucket = i32::try_from(key >> 32).unwrap_or(-1);
    let index = usize::try_from(bucket - 1).unwrap_or(usize::MAX);
    let month = bucket_month(months, bucket, "conversation aggregates")?;
    let candidate = &mut candidates[index];
    let has = |bit: i64| key & bit != 0;
    let ending = ending_name((key >> 24) & 0xf);
    let ai_csat = (key >> 20) & 0xf;
    let human_csat = (key >> 16) & 0xf;
    let closed = has(CLOSED);
    let initiator = key & INITIATOR_MASK;
    // `channel` is NOT NULL in the contract; a view may still deliver NULLs. They are
    // counted, and in no channel: a segment named after the absence would merge with a
    // real channel of that name.
    let channel = row.channel;
    let rating = |class: i64| (1..=5).contains(&class).then_some(class);
    let deflection_candidate = has(AI_PARTICIPATED) && !has(HANDED_OFF) && closed;
    let handle_time_measured = closed && !has(CLOSED_BEFORE_START);
    let handle_time_micros = row.aht_micros.unwrap_or_default()
        + row.aht_long_seconds.unwrap_or_default() * Decimal::from(1_000_000);
    let mut sentiment_sum = row.sentiment_numeric.unwrap_or_default();
    if let Some(units) = row.sentiment_units {
        // An integer count of 1e-12: exact, whatever its size.
        let (digits, scale) = units.into_bigint_and_exponent();
        sentiment_sum += BigDecimal::new(digits, scale + 12);
    }

    if let Some((segments, channel)) = month.segments.as_mut().zip(channel.as_ref()) {
        let s = segments.channels.entry(channel.clone()).or_default();
        s.conversations += n;
        if has(AI_PARTICIPATED) {
            s.ai_participated += n;
        }
        if has(HANDED_OFF) {
            s.handoffs += n;
        }
        if deflection_candidate {
            s.deflected += n;
        }
        if handle_time_measured {
            s.handle_time_measured += n;
        }
        s.handle_time_micros += handle_time_micros;
        if let Some(r) = rating(ai_csat) {
            s.csat_ai_rated += n;
            s.csat_ai_sum += r * n;
        }
        if let Some(r) = rating(human_csat) {
            s.csat_human_rated += n;
            s.csat_human_sum += r * n;
        }
        if has(SENTIMENT_VALID) {
            s.sentiment_scored += n;
        }
        s.sentiment_sum += &sentiment_sum;
    }

    let c = &mut month.conversations;
    c.total += n;
    if has(HANDED_OFF) || !has(AI_PARTICIPATED) {
        c.human_handled += n;
    }
    if has(AI_PARTICIPATED) {
        c.ai_participated += n;
    }
    if closed {
        c.closed += n;
    } else {
        c.open += n;
    }
    if has(AI_PARTICIPATED) && !has(HANDED_OFF) {
        c.naive_deflected += n;
    }
    if deflection_candidate {
        candidate.deflection += n;
        if let Some(count) = ending_count(&mut candidate.deflection_by_ending, (key >> 24) & 0xf) {
            *count += n;
        }
        if has(FRUSTRATED) {
            candidate.frustrated += n;
        }
    }
    if has(HANDED_OFF) {
        c.handoffs.total += n;
        match initiator {
            INITIATOR_AI => c.handoffs.by_ai += n,
            INITIATOR_USER => c.handoffs.by_user += n,
            _ => c.handoffs.unknown_initiator += n,
        }
    } else if initiator != 0 {
        c.quality.initiator_without_handoff += n;
    }
    if has(FRT_MEASURED) {
        c.first_response.measured += n;
    } else if has(FRT_NEGATIVE) {
        c.quality.negative_first_response += n;
    } else {
        c.quality.first_response_missing += n;
    }
    if handle_time_measured {
        c.handle_time.measured += n;
    }
    c.handle_time.total_micros += handle_time_micros;
    let million = BigDecimal::from(1_000_000);
    c.handle_time.sum_squares_micros += split_squares(row.aht_squares_hi, row.aht_squares_lo)
        + row.aht_long_squares.unwrap_or_default() * &million * &million;
    if has(CLOSED_BEFORE_START) {
        c.quality.closed_before_start += n;
    }
    if let Some(r) = rating(ai_csat) {
        c.csat_ai.rated += n;
        c.csat_ai.sum += r * n;
        c.csat_ai.sum_squares += r * r * n;
    } else if ai_csat != 0 {
        c.quality.ai_csat_out_of_range += n;
    }
    if let Some(r) = rating(human_csat) {
        c.csat_human.rated += n;
        c.csat_human.sum += r * n;
        c.csat_human.sum_squares += r * r * n;
    } else if human_csat != 0 {
        c.quality.human_csat_out_of_range += n;
    }
    if has(SENTIMENT_VALID) {
        c.sentiment.scored += n;
    } else if has(SENTIMENT_OUT_OF_RANGE) {
        c.quality.sentiment_out_of_range += n;
    }
    c.sentiment.sum += sentiment_sum;
    // Units of 1e-12 squared are units of 1e-24.
    let unit_squares = split_squares(row.sentiment_squares_hi, row.sentiment_squares_lo);
    c.sentiment.sum_squares +=
        BigDecimal::new(unit_squares.with_scale(0).into_bigint_and_exponent().0, 24)
            + row.sentiment_numeric_squares.unwrap_or_default();
    if closed && has(RATING_PROMPTED) {
        c.closed_rating_prompted += n;
    }
    if has(UNCLASSIFIED) {
        c.quality.unclassified += n;
    }
    if closed && has(HAS_CLOSE_REASON) && ending.is_none() {
        c.quality.unknown_close_reason += n;
    }
    if !closed && has(HAS_CLOSE_REASON) {
        c.quality.close_reason_while_open += n;
    }
    if let Some(ending) = ending {
        // Only closed conversations with a contract ending (or NULL = "unknown") get one.
        let e = c.endings.entry(ending.to_string()).or_default();
        e.closed += n;
        if has(RATING_PROMPTED) {
            e.rating_prompted += n;
        }
        if let Some(r) = rating(ai_csat) {
            e.ai_rated += n;
            e.ai_rating_sum += r * n;
        }
    }
    match channel {
        Some(channel) => *c.channels.entry(channel).or_insert(0) += n,
        None => c.quality.null_channel += n,
    }
    if has(INFINITE_CLOSED_AT) {
        c.quality.infinite_closed_at += n;
    }
    if has(INFINITE_FIRST_AI_REPLY_AT) {
        c.quality.infinite_first_ai_reply_at += n;
    }
    if has(INFINITE_FIRST_USER_MESSAGE_AT) {
        c.quality.infinite_first_user_message_at += n;
    }
    Ok(())
}

/// Empty month aggregates with their bounds; refuses a request the queries cannot serve.
pub(super) fn month_skeletons(
    req: &AggregatesRequest,
) -> Result<Vec<MonthAggregates>, SourceError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_become_units_rounded_up_and_clamped() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(threshold_units(d("0.5")), 500_000_000_000);
        assert_eq!(threshold_units(d("0.3")), 300_000_000_000);
        assert_eq!(threshold_units(d("0.0000000000001")), 1);
        assert_eq!(threshold_units(d("0")), 0);
        assert_eq!(threshold_units(d("-1")), 0);
        assert_eq!(threshold_units(d("1")), 1_000_000_000_000);
        assert_eq!(threshold_units(d("1.5")), 1_000_000_000_001);
        assert_eq!(threshold_units(Decimal::MAX), 1_000_000_000_001);
    }

    #[test]
    fn one_percentile_aggregate_per_month() {
        let sql = frt_sql(3);
        assert!(sql.contains("FILTER (WHERE f.bucket = 3) AS p3"));
        assert!(!sql.contains("f.bucket = 4"));
        assert!(!sql.contains("/*PERCENTILES*/"));
    }
}
