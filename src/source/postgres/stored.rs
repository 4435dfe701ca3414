//! The stored months of the rollup as a read sees them: what they were computed for,
//! which are still fresh, and what a rollup read's snapshot saw of the machinery.
//!
//! Both sides use this: a report's read (`read.rs`) takes the fresh stored months, and
//! `aikpi rollup` (`rollup.rs`) reads through `read.rs` and stores what it read.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;
use sqlx::Row;

use super::{AggregatesRequest, SessionSchema};
use crate::aggregates::{MonthAggregates, AGGREGATES_FORMAT_VERSION};
use crate::source::SourceError;

/// For each month of a window, its latest close (what its 24 h returns reach).
pub(super) const REACH_SQL: &str = include_str!("../sql/rollup_reach.sql");
const GUARD_SQL: &str = include_str!("../sql/rollup_guard.sql");
const FRESH_SQL: &str = include_str!("../sql/rollup_fresh.sql");

/// The months of a report that came from the rollup: the oldest of its window.
#[derive(Debug, Clone)]
pub struct StoredMonths {
    /// The months as stored, oldest first.
    pub months: Vec<MonthAggregates>,
    /// When the oldest of them was stored.
    pub stored_at: DateTime<Utc>,
}

/// What the snapshot of a rollup read saw of the rollup's machinery.
pub(super) struct RollupSnapshot {
    /// `pg_current_snapshot()` of the read, as text.
    pub(super) snapshot: String,
    /// `sql/rollup_guard.sql` on that snapshot.
    pub(super) guard: Option<String>,
    /// The horizon then, µs since 1970.
    pub(super) horizon: i64,
    /// What the months read are computed for ([`fingerprint`]).
    pub(super) fingerprint: String,
}

/// The identity of what a stored month was computed with: the same request must give
/// the same numbers, and a new aikpi version may compute them differently.
pub(super) fn fingerprint(req: &AggregatesRequest, sentiment_is_real: bool) -> String {
    format!(
        "aikpi {} aggregates v{AGGREGATES_FORMAT_VERSION} tz {} frustrated_sentiment_min {} real_sentiment {sentiment_is_real}",
        env!("CARGO_PKG_VERSION"),
        req.tz.name(),
        req.frustrated_sentiment_min.normalize(),
    )
}

/// `sql/rollup_guard.sql`: `None` when stored months cannot be trusted in this schema.
pub(super) async fn guard(
    conn: &mut PgConnection,
    schema: &SessionSchema,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(GUARD_SQL)
        .bind(&schema.name)
        .fetch_one(conn)
        .await
}

/// The oldest months of `months` (skeletons of the window) that the rollup holds fresh,
/// judged on the snapshot of `tx`; `None` when there are none.
pub(super) async fn fresh_months(
    tx: &mut PgConnection,
    schema: &SessionSchema,
    fingerprint: &str,
    months: &[MonthAggregates],
) -> Result<Option<StoredMonths>, SourceError> {
    let failed = |e: sqlx::Error| SourceError::query("rollup lookup", &e);
    let Some(guard) = guard(&mut *tx, schema).await.map_err(failed)? else {
        return Ok(None);
    };
    let wanted: Vec<_> = months.iter().map(|m| m.month.first_day()).collect();
    let rows = sqlx::query(&schema.qualify(FRESH_SQL))
        .bind(fingerprint)
        .bind(&wanted)
        .bind(&guard)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed)?;
    let mut stored = Vec::new();
    let mut oldest_stored_at: Option<DateTime<Utc>> = None;
    for (skeleton, row) in months.iter().zip(rows) {
        let month: chrono::NaiveDate = row.try_get("month").map_err(failed)?;
        let json: String = row.try_get("aggregates").map_err(failed)?;
        let stored_at: DateTime<Utc> = row.try_get("stored_at").map_err(failed)?;
        // Only an unbroken run from the window's first month: the rest is read as one range.
        let Ok(aggregates) = serde_json::from_str::<MonthAggregates>(&json) else {
            break;
        };
        if month != skeleton.month.first_day()
            || aggregates.month != skeleton.month
            || aggregates.starts_at != skeleton.starts_at
            || aggregates.ends_at != skeleton.ends_at
            || aggregates.segments.is_none()
        {
            break;
        }
        oldest_stored_at = Some(oldest_stored_at.map_or(stored_at, |t| t.min(stored_at)));
        stored.push(aggregates);
    }
    Ok(oldest_stored_at.map(|stored_at| StoredMonths {
        months: stored,
        stored_at,
    }))
}

/// The snapshot, guard and horizon a rollup read sees, read in its first transaction;
/// `fingerprint` is what the months read there are computed for.
pub(super) async fn snapshot(
    tx: &mut PgConnection,
    schema: &SessionSchema,
    fingerprint: String,
) -> Result<RollupSnapshot, SourceError> {
    let failed = |e: sqlx::Error| SourceError::query("rollup snapshot", &e);
    let snapshot: String = sqlx::query_scalar("SELECT pg_current_snapshot()::text")
        .fetch_one(&mut *tx)
        .await
        .map_err(failed)?;
    let guard = guard(&mut *tx, schema).await.map_err(failed)?;
    let horizon: i64 = match guard {
        Some(_) => sqlx::query_scalar(
            &schema.qualify("SELECT last_value FROM /*SCHEMA*/aikpi_rollup_horizon"),
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(failed)?,
        None => 0,
    };
    Ok(RollupSnapshot {
        snapshot,
        guard,
        horizon,
        fingerprint,
    })
}
