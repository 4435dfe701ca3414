//! Whether the relations have the indexes the report's plan expects.
//!
//! The report is correct without any index; with them it is faster (docs/PERFORMANCE.md,
//! "Indexes"). `aikpi migrate` creates them. A team's own schema (views over their tables)
//! may lack them: the report then says so on stderr, as a notice, and reads on. It does
//! the same for a large table that was never analysed or whose pages are mostly not
//! all-visible (after a bulk load, before any VACUUM): the plan is then much slower.

use std::fmt;

use sqlx::postgres::PgConnection;
use sqlx::FromRow;

use super::SessionSchema;
use crate::source::SourceError;

const INDEXES_SQL: &str = include_str!("../sql/indexes.sql");

/// An index the plan leans on.
struct Expected {
    relation: &'static str,
    /// The leading key columns, in order.
    columns: &'static [&'static str],
    /// Columns the index must also hold (as keys or `INCLUDE`), for index-only scans.
    include: &'static [&'static str],
    /// What is slower without it.
    without: &'static str,
}

const EXPECTED: [Expected; 5] = [
    Expected {
        relation: "conversations",
        columns: &["user_id", "issue_key", "started_at"],
        include: &[
            "closed_at",
            "ai_participated",
            "handoff_at",
            "close_reason",
            "negative_sentiment",
            "channel",
        ],
        without: "the 24-hour return check sorts the report window (or reads the table for \
                  every entry) instead of reading this index in order",
    },
    Expected {
        relation: "conversations",
        columns: &["started_at"],
        include: &[],
        without: "the return windows that reach past the report window are checked with \
                  full scans",
    },
    Expected {
        relation: "llm_usage",
        columns: &["occurred_at"],
        include: &[],
        without: "reading a window of months always scans the whole table",
    },
    Expected {
        relation: "kb_evals",
        columns: &["evaluated_at"],
        include: &[],
        without: "reading a window of months always scans the whole table",
    },
    Expected {
        relation: "reply_edits",
        columns: &["edited_at"],
        include: &[],
        without: "reading a window of months always scans the whole table",
    },
];

/// An index the plan expects that a relation (or the one table behind its view) lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingIndex {
    /// The contract relation.
    pub relation: &'static str,
    /// The table checked: the relation itself, or the table its view reads.
    pub table: String,
    /// Leading key columns of the expected index.
    pub columns: &'static [&'static str],
    /// Columns it should include for index-only scans.
    pub include: &'static [&'static str],
    without: &'static str,
}

impl MissingIndex {
    /// The statement that creates the index.
    pub fn create_statement(&self) -> String {
        let mut sql = format!(
            "CREATE INDEX ON {} ({})",
            self.table,
            self.columns.join(", ")
        );
        if !self.include.is_empty() {
            sql.push_str(&format!(" INCLUDE ({})", self.include.join(", ")));
        }
        sql
    }
}

impl fmt::Display for MissingIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let behind = if self.table == self.relation {
            String::new()
        } else {
            format!(" (the table {} behind the view)", self.table)
        };
        write!(
            f,
            "{}{behind} has no index on ({}){}: {}, so the report is slower (its numbers are \
             the same). Add it with `{};` (docs/PERFORMANCE.md, \"Indexes\").",
            self.relation,
            self.columns.join(", "),
            if self.include.is_empty() {
                String::new()
            } else {
                format!(" that includes {}", self.include.join(", "))
            },
            self.without,
            self.create_statement()
        )
    }
}

#[derive(FromRow)]
struct IndexRow {
    relation: String,
    table_name: Option<String>,
    key_columns: Vec<String>,
    included_columns: Vec<String>,
    table_columns: Vec<String>,
}

/// The expected indexes that the session's schema lacks, in a stable order. A view that is
/// not a direct view of one table cannot be judged and is skipped, as is a table without
/// the expected columns under their contract names.
pub async fn missing_indexes(conn: &mut PgConnection) -> Result<Vec<MissingIndex>, SourceError> {
    let failed = |e: sqlx::Error| SourceError::query("index check", &e);
    let names: Vec<&str> = EXPECTED.iter().map(|e| e.relation).collect();
    let schema = SessionSchema::of(&mut *conn).await.map_err(failed)?;
    let rows: Vec<IndexRow> = sqlx::query_as(INDEXES_SQL)
        .bind(&names)
        .bind(schema.map(|s| s.name))
        .fetch_all(&mut *conn)
        .await
        .map_err(failed)?;
    Ok(missing(&rows))
}

fn missing(rows: &[IndexRow]) -> Vec<MissingIndex> {
    let mut out = Vec::new();
    for expected in &EXPECTED {
        let of_relation: Vec<&IndexRow> = rows
            .iter()
            .filter(|r| r.relation == expected.relation)
            .collect();
        let Some(table) = of_relation.first().and_then(|r| r.table_name.clone()) else {
            continue;
        };
        let has_column = |c: &&str| of_relation[0].table_columns.iter().any(|t| t == c);
        if !expected
            .columns
            .iter()
            .chain(expected.include)
            .all(has_column)
        {
            continue;
        }
        let served = of_relation.iter().any(|r| {
            r.key_columns.len() >= expected.columns.len()
                && r.key_columns
                    .iter()
                    .zip(expected.columns)
                    .all(|(k, e)| k == e)
                && expected.include.iter().all(|c| {
                    r.key_columns
                        .iter()
                        .chain(&r.included_columns)
                        .any(|k| k == c)
                })
        });
        if !served {
            out.push(MissingIndex {
                relation: expected.relation,
                table,
                columns: expected.columns,
                include: expected.include,
                without: expected.without,
            });
        }
    }
    out
}

const UPKEEP_SQL: &str = include_str!("../sql/upkeep.sql");

/// Tables smaller than this are read quickly whatever their upkeep: no notice.
pub const UPKEEP_MIN_BYTES: i64 = 64 * 1024 * 1024;

/// Below this share of all-visible pages the return check's index-only scan visits the
/// table for most entries.
const VISIBLE_PERCENT_MIN: i32 = 50;

/// A large table that needs `VACUUM (ANALYZE)` before the report is fast on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleTable {
    /// The contract relation (a table).
    pub relation: String,
    /// No planner statistics at all: it was never analysed.
    pub never_analysed: bool,
    /// The share of its pages marked all-visible, when known.
    pub visible_percent: Option<i32>,
}

impl fmt::Display for StaleTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problem = match (self.never_analysed, self.visible_percent) {
            (true, _) => "has never been analysed, so PostgreSQL misjudges its size and may \
                          sort the whole report window on disk"
                .to_string(),
            (false, Some(p)) => format!(
                "has only {p} % of its pages marked all-visible, so index-only scans visit \
                 the table for most rows"
            ),
            (false, None) => "has no visibility information".to_string(),
        };
        write!(
            f,
            "{} {problem}; the report is slower (its numbers are the same). Run \
             `VACUUM (ANALYZE) {};` once after a bulk load, or let autovacuum do it \
             (docs/PERFORMANCE.md, \"Indexes\").",
            self.relation, self.relation
        )
    }
}

#[derive(FromRow)]
struct UpkeepRow {
    relation: String,
    never_analysed: bool,
    visible_percent: Option<i32>,
}

/// The contract tables of at least `min_bytes` ([`UPKEEP_MIN_BYTES`] for the report) that
/// were never analysed or have less than half of their pages marked all-visible.
pub async fn stale_tables(
    conn: &mut PgConnection,
    min_bytes: i64,
) -> Result<Vec<StaleTable>, SourceError> {
    let failed = |e: sqlx::Error| SourceError::query("table upkeep check", &e);
    let names: Vec<&str> = EXPECTED.iter().map(|e| e.relation).collect();
    let schema = SessionSchema::of(&mut *conn).await.map_err(failed)?;
    let rows: Vec<UpkeepRow> = sqlx::query_as(UPKEEP_SQL)
        .bind(&names)
        .bind(min_bytes)
        .bind(schema.map(|s| s.name))
        .fetch_all(&mut *conn)
        .await
        .map_err(failed)?;
    Ok(rows
        .into_iter()
        .filter(|r| r.never_analysed || r.visible_percent.is_some_and(|p| p < VISIBLE_PERCENT_MIN))
        .map(|r| StaleTable {
            relation: r.relation,
            never_analysed: r.never_analysed,
            visible_percent: r.visible_percent,
        })
        .collect())
}
