//! SPEC §7.7: a report month with no conversations is an error (exit 3), not a report of
//! zeros; the message names the month, its bounds in the time zone, the schema, and the
//! nearest month that has conversations, so a wrong `--month`, `--schema` or `--tz` shows.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::postgres::Neighbours;
use crate::aggregates::{Aggregates, MonthAggregates};
use crate::period::Month;

/// The report month has no conversations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmptyMonth {
    pub month: Month,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub time_zone: Tz,
    pub schema: String,
    pub nearest: Nearest,
}

/// Where the conversations are instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nearest {
    /// The nearest month with conversations in the schema.
    Month(Month),
    /// `conversations` holds no row at all.
    RelationEmpty,
    /// The nearest month with conversations among those of an aggregates file (`what`).
    InFile { what: String, month: Month },
    /// No month of the aggregates file (`what`) has conversations.
    NoneInFile { what: String },
}

impl EmptyMonth {
    /// The report month of `aggregates` read from PostgreSQL, with the neighbours found
    /// there.
    pub fn from_database(aggregates: &Aggregates, tz: Tz, neighbours: Neighbours) -> Option<Self> {
        let month = aggregates.report_month()?;
        let local = |t: DateTime<Utc>| Month::of_date(t.with_timezone(&tz).date_naive());
        let before = neighbours.latest_before.map(local);
        let after = neighbours.earliest_after.map(local);
        let nearest = match nearest(month.month, before.into_iter().chain(after)) {
            Some(m) => Nearest::Month(m),
            None => Nearest::RelationEmpty,
        };
        Some(Self::new(month, tz, &aggregates.source.schema, nearest))
    }

    /// The report month of an aggregates file (`what`), when it has no conversations;
    /// the nearest month is looked for among `with_conversations`, the file's months that
    /// have some. `None` when the report month has conversations.
    pub fn from_file(
        aggregates: &Aggregates,
        what: &str,
        with_conversations: &[Month],
    ) -> Option<Self> {
        let month = aggregates.report_month()?;
        if month.conversations.total > 0 {
            return None;
        }
        // The bounds are instants; a zone name aikpi does not know shows them in UTC.
        let tz: Tz = aggregates.time_zone.parse().unwrap_or(Tz::UTC);
        let what = what.to_string();
        let nearest = match nearest(month.month, with_conversations.iter().copied()) {
            Some(month) => Nearest::InFile { what, month },
            None => Nearest::NoneInFile { what },
        };
        Some(Self::new(month, tz, &aggregates.source.schema, nearest))
    }

    fn new(month: &MonthAggregates, time_zone: Tz, schema: &str, nearest: Nearest) -> Self {
        Self {
            month: month.month,
            starts_at: month.starts_at,
            ends_at: month.ends_at,
            time_zone,
            schema: schema.to_string(),
            nearest,
        }
    }
}

/// The candidate closest to `month` in months; on a tie the earlier one (a later month
/// may still be running).
fn nearest(month: Month, candidates: impl IntoIterator<Item = Month>) -> Option<Month> {
    let index = |m: Month| i64::from(m.year()) * 12 + i64::from(m.month());
    candidates
        .into_iter()
        .min_by_key(|&m| ((index(m) - index(month)).abs(), index(m)))
}

impl fmt::Display for EmptyMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = |t: DateTime<Utc>| {
            t.with_timezone(&self.time_zone)
                .format("%Y-%m-%d %H:%M %:z")
                .to_string()
        };
        write!(
            f,
            "{month} has no conversations in schema `{schema}`: none started from {start} to \
             {end} ({tz}). ",
            month = self.month,
            schema = self.schema,
            start = local(self.starts_at),
            end = local(self.ends_at),
            tz = self.time_zone.name(),
        )?;
        match &self.nearest {
            Nearest::Month(m) => write!(
                f,
                "The nearest month with conversations is {m}. Check --month, --schema and --tz"
            )?,
            Nearest::RelationEmpty => write!(
                f,
                "The relation `conversations` in schema `{}` is empty. Check --schema and the \
                 database",
                self.schema
            )?,
            Nearest::InFile { what, month } => write!(
                f,
                "The nearest month with conversations in {what} is {month}. Check --month"
            )?,
            Nearest::NoneInFile { what } => write!(
                f,
                "No month of {what} has conversations. Check how it was made"
            )?,
        }
        f.write_str("; or write the report anyway with --allow-empty.")
    }
}

impl std::error::Error for EmptyMonth {}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        s.parse().unwrap()
    }

    #[test]
    fn the_nearest_month_is_the_closest_and_the_earlier_on_a_tie() {
        assert_eq!(
            nearest(m("2026-05"), [m("2026-02"), m("2026-07")]),
            Some(m("2026-07"))
        );
        assert_eq!(
            nearest(m("2026-05"), [m("2026-03"), m("2026-07")]),
            Some(m("2026-03"))
        );
        assert_eq!(nearest(m("2026-01"), [m("2025-12")]), Some(m("2025-12")));
        assert_eq!(nearest(m("2026-01"), []), None);
    }
}
