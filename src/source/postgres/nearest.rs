//! SPEC §7.7: where the nearest conversations are when the report month has none, so the
//! error can point at a wrong `--month`, `--schema` or `--tz`.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;
use sqlx::FromRow;

use super::SessionSchema;
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
    let failed = |e: sqlx::Error| SourceError::query("nearest conversations", &e);
    // The report's session searches pg_catalog alone: the relation is named with the
    // session's schema, as every report query names it.
    let Some(schema) = SessionSchema::of(&mut *conn).await.map_err(failed)? else {
        return Ok(Neighbours {
            latest_before: None,
            earliest_after: None,
        });
    };
    sqlx::query_as(&schema.qualify(NEAREST_SQL))
        .bind(starts_at)
        .bind(ends_at)
        .fetch_one(conn)
        .await
        .map_err(failed)
}
