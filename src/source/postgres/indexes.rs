//! Whether the relations have the indexes the report's plan expects.
//!
//! The report is correct without any index; with them it is faster (docs/PERFORMANCE.md,
//! "Indexes"). `aikpi migrate` creates them. A team's own schema (views over their tables)
//! may lack them: the report then says so on stderr, as a notice, and reads on.

use std::fmt;

use sqlx::postgres::PgConnection;
use sqlx::FromRow;

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
    let names: Vec<&str> = EXPECTED.iter().map(|e| e.relation).collect();
    let rows: Vec<IndexRow> = sqlx::query_as(INDEXES_SQL)
        .bind(&names)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| SourceError::query("index check", &e))?;
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
