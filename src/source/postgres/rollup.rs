//! The rollup of closed months: `aikpi rollup` stores them, a report takes those that are
//! still exactly what a full read would return.
//!
//! The freshness rule (migrations/0004, `sql/rollup_fresh.sql`) is exact, not a cache
//! that may be stale: every statement that writes `conversations` or `llm_usage` logs the
//! time range it touched with its transaction id, in its own transaction. A stored month
//! is used only if every logged change overlapping what the month depends on was already
//! visible to the snapshot the month was read on. The guard (`sql/rollup_guard.sql`)
//! catches what writes no log row: triggers disabled (even if enabled again), dropped or
//! replaced, a table rewritten or recreated.
//!
//! The horizon lets writers skip the log when their rows lie after every stored month's
//! reach. A writer that read the old horizon just before the rollup raised it may have
//! skipped its row, so the rollup waits for every transaction in progress after raising
//! it before it takes its snapshot: what they wrote is then in the snapshot.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::{Connection, Executor};

use super::read::{month_skeletons, read_window, Purpose};
use super::stored::{guard, REACH_SQL};
use super::{
    apply_read_options, check_contract_with, connect, pin_search_path, AggregatesRequest,
    ReadTarget, SessionSchema,
};
use crate::aggregates::MonthAggregates;
use crate::period::Month;
use crate::source::{scrub, SourceError};
use crate::{progress, timings};

const HORIZON_SQL: &str = include_str!("../sql/rollup_horizon.sql");
const IN_FLIGHT_SQL: &str = include_str!("../sql/rollup_in_flight.sql");
const STILL_RUNNING_SQL: &str = include_str!("../sql/rollup_still_running.sql");
const STORE_SQL: &str = include_str!("../sql/rollup_store.sql");
const PRUNE_SQL: &str = include_str!("../sql/rollup_prune.sql");

/// A month's 24 h returns look this far past its latest close.
const RETURN_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// How long the rollup waits for the transactions in progress when it raised the horizon.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(600);

/// What `aikpi rollup` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupSummary {
    /// The months stored, oldest first.
    pub stored: Vec<Month>,
    /// Months of the window not stored, and why.
    pub skipped: Vec<(Month, SkipReason)>,
}

/// Why `aikpi rollup` left a month of its window out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The month ended less than 24 h ago: its returns are not settled.
    NotClosed,
    /// One of its conversations closed after the horizon was raised; the next rollup
    /// raises it further.
    ReachMoved,
}

/// What a month depends on: conversations started in `[start, reach]`.
fn reach(month: &MonthAggregates, latest: Option<DateTime<Utc>>) -> DateTime<Utc> {
    latest
        .map(|t| t + RETURN_WINDOW)
        .map_or(month.ends_at, |t| t.max(month.ends_at))
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Reads the window of `req` and stores its closed months (ended at least 24 h before
/// `req.read_at`) in the rollup of `target.schema`, replacing what was stored for them.
///
/// One rollup at a time per schema (a session advisory lock). Readers are never blocked;
/// writers are never blocked either, but the rollup waits for the transactions in
/// progress when it begins (see the module documentation).
pub async fn rollup(
    target: &ReadTarget<'_>,
    req: &AggregatesRequest,
) -> Result<RollupSummary, SourceError> {
    let schema = target.schema.to_string();
    let failed = |step: &'static str| move |e: sqlx::Error| SourceError::query(step, &e);
    let mut conn = connect(target.url, target.schema, target.statement_timeout, false).await?;
    pin_search_path(&mut conn).await?;
    apply_read_options(&mut conn, target.options).await?;
    check_contract_with(&mut conn, &target.contract).await?;
    let session = SessionSchema::of(&mut conn)
        .await
        .map_err(failed("rollup check"))?
        .ok_or_else(|| SourceError::SchemaMissing {
            search_path: schema.clone(),
        })?;

    let locked: bool = sqlx::query_scalar(
        "SELECT pg_try_advisory_lock(hashtextextended('aikpi rollup ' || $1::text, 0))",
    )
    .bind(&session.name)
    .fetch_one(&mut conn)
    .await
    .map_err(failed("rollup lock"))?;
    if !locked {
        return Err(SourceError::RollupBusy { schema });
    }
    if guard(&mut conn, &session)
        .await
        .map_err(failed("rollup check"))?
        .is_none()
    {
        return Err(SourceError::RollupUnavailable {
            schema,
            reason: "the change log or one of its triggers is missing, disabled or not \
                     readable, or a contract table is not a plain table"
                .to_string(),
        });
    }

    // Raise the horizon past every month's reach before the snapshot is taken, then wait
    // for the transactions that might have read the old value. The reach is read here on
    // a snapshot of its own and again on the read's (Job::Reach): a close in between can
    // move it, and a month whose reach passed the horizon is not stored.
    let raising = progress::phase("raising the rollup horizon");
    let started = Instant::now();
    let skeletons = month_skeletons(req)?;
    // Only the months to be stored count: a higher horizon would make the writers of
    // later months log for nothing.
    let closed = |month: &MonthAggregates| month.ends_at + RETURN_WINDOW <= req.read_at;
    let stored: Vec<&MonthAggregates> = skeletons.iter().filter(|m| closed(m)).collect();
    // The closed months come first: the window is consecutive, oldest first.
    let Some(last) = stored.last() else {
        return Ok(RollupSummary {
            stored: Vec::new(),
            skipped: skeletons
                .iter()
                .map(|m| (m.month, SkipReason::NotClosed))
                .collect(),
        });
    };
    let bounds: Vec<DateTime<Utc>> = stored
        .iter()
        .map(|m| m.starts_at)
        .chain([last.ends_at])
        .collect();
    let latest: Vec<(i32, Option<DateTime<Utc>>)> = sqlx::query_as(&session.qualify(REACH_SQL))
        .bind(&bounds)
        .fetch_all(&mut conn)
        .await
        .map_err(failed("rollup reach"))?;
    let mut needed = last.ends_at;
    for (bucket, latest) in &latest {
        let index = usize::try_from(bucket - 1).ok();
        if let Some(month) = index.and_then(|i| stored.get(i)) {
            needed = needed.max(reach(month, *latest));
        }
    }
    sqlx::query_scalar::<_, i64>(&session.qualify(HORIZON_SQL))
        .bind(micros(needed))
        .bind(&session.name)
        .fetch_one(&mut conn)
        .await
        .map_err(failed("rollup horizon"))?;
    let running: Vec<String> = sqlx::query_scalar(IN_FLIGHT_SQL)
        .fetch_one(&mut conn)
        .await
        .map_err(failed("rollup horizon"))?;
    loop {
        let still: i64 = sqlx::query_scalar(STILL_RUNNING_SQL)
            .bind(&running)
            .fetch_one(&mut conn)
            .await
            .map_err(failed("rollup horizon"))?;
        if still == 0 {
            break;
        }
        if started.elapsed() > IN_FLIGHT_WAIT {
            return Err(SourceError::RollupWaited {
                seconds: IN_FLIGHT_WAIT.as_secs(),
                count: still,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(raising);
    timings::record("rollup horizon", started.elapsed());

    let more = target
        .open_more_readers(target.options.connections.max(1) - 1)
        .await;
    // Only the closed months are read: the others would not be stored.
    let closed_months = AggregatesRequest {
        months: stored.iter().map(|m| m.month).collect(),
        ..req.clone()
    };
    let read = read_window(
        &mut conn,
        more,
        &closed_months,
        Purpose::Rollup,
        &target.contract,
    )
    .await?;
    let Some((seen, latest)) = read.rollup else {
        return Err(SourceError::InvalidRequest(
            "a rollup read returned no snapshot".into(),
        ));
    };
    let Some(guard) = seen.guard.clone() else {
        return Err(SourceError::RollupUnavailable {
            schema,
            reason: "the change triggers changed while the rollup began".to_string(),
        });
    };

    let mut summary = RollupSummary {
        stored: Vec::new(),
        skipped: Vec::new(),
    };
    let storing = progress::phase("storing the closed months");
    let store_error = |e: sqlx::Error| SourceError::Query {
        aggregation: "rollup store",
        cause: scrub(&e.to_string(), target.url),
    };
    let store_sql = session.qualify(STORE_SQL);
    let mut tx = conn.begin().await.map_err(store_error)?;
    for (month, latest) in read.aggregates.months.iter().zip(latest) {
        let reach = reach(month, latest);
        if micros(reach) > seen.horizon {
            summary.skipped.push((month.month, SkipReason::ReachMoved));
            continue;
        }
        let json = serde_json::to_string(month).map_err(|e| SourceError::Query {
            aggregation: "rollup store",
            cause: e.to_string(),
        })?;
        sqlx::query(&store_sql)
            .bind(&seen.fingerprint)
            .bind(month.month.first_day())
            .bind(month.starts_at)
            .bind(reach)
            .bind(month.starts_at)
            .bind(month.ends_at)
            .bind(&seen.snapshot)
            .bind(seen.horizon)
            .bind(&guard)
            .bind(json)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        summary.stored.push(month.month);
    }
    let later = skeletons.iter().filter(|m| !closed(m));
    summary
        .skipped
        .extend(later.map(|m| (m.month, SkipReason::NotClosed)));
    tx.execute(sqlx::query(&session.qualify(PRUNE_SQL)).bind(&guard))
        .await
        .map_err(store_error)?;
    tx.commit().await.map_err(store_error)?;
    drop(storing);
    conn.close().await.map_err(store_error)?;
    Ok(summary)
}
