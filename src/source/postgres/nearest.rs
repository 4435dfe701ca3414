//! SPEC §7.7: where the nearest conversations are when the report month has none, so the
//! error can point at a wrong `--month`, `--schema` or `--tz`.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;
use sqlx::FromRow;

use crate::source::SourceError;

const NEAREST_SQL: &str = include_str!("../sql/nearest_conversations.sql");

/// The conversations closest to an empty month; both `None` when there are none at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct Neighbours {
    /// The latest conversation start before the month.
    pub latest_before: Option<DateTime<Utc>>,
    /// The earliest conversation start at or after the month's end.
    pub earliest_after: Option<DateTime<Utc>>,
}

/// The [`Neighbours`] of the month `[starts_at, ends_at)`.
pub(super) async fn neighbours(
    conn: &mut PgConnection,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Result<Neighbours, SourceError> {
    sqlx::query_as(NEAREST_SQL)
        .bind(starts_at)
        .bind(ends_at)
        .fetch_one(conn)
        .await
        .map_err(|e| SourceError::query("nearest conversations", &e))
}
