//! The result of `aikpi check`: whether a report can run on a schema, and what to fix.
//!
//! Plain data, like the aggregates: `source::postgres::check_readiness` fills it, the
//! presentation words it (`presentation::check`), `--format json` prints it as it is
//! (its JSON Schema is `schema/check.schema.json`). Problems are ids and numbers; every
//! fix that is a statement or a command is carried as that text, never as a sentence.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::period::Month;

/// Version of the JSON `aikpi check --format json` writes.
pub const CHECK_FORMAT_VERSION: u32 = 1;

/// Everything `aikpi check` found.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CheckResult {
    /// [`CHECK_FORMAT_VERSION`].
    pub schema_version: u32,
    /// Whether `aikpi report` can run on this schema for this month.
    pub verdict: Verdict,
    /// The schema checked.
    pub schema: String,
    /// The report time zone the month bounds were computed in.
    pub time_zone: String,
    /// The report month.
    pub month: Month,
    /// The months a report on `month` reads, oldest first (the last is `month`).
    pub window: Vec<Month>,
    /// The five contract relations, in contract order.
    pub relations: Vec<RelationCheck>,
    /// Whether `aikpi rollup` can store closed months of this schema.
    pub rollup: RollupState,
    /// Every problem and note, blockers first, then warnings, then notes.
    pub findings: Vec<Finding>,
}

/// The answer of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A report can run and nothing looks wrong.
    Ready,
    /// A report can run, but some of its numbers may be wrong or slow to get.
    ReadyWithWarnings,
    /// A report cannot run (exit 3).
    NotReady,
}

impl Verdict {
    /// The verdict of a list of findings.
    pub fn of(findings: &[Finding]) -> Verdict {
        if findings.iter().any(|f| f.severity == Severity::Blocker) {
            Verdict::NotReady
        } else if findings.iter().any(|f| f.severity == Severity::Warning) {
            Verdict::ReadyWithWarnings
        } else {
            Verdict::Ready
        }
    }
}

/// One contract relation as found.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RelationCheck {
    /// The contract name, e.g. `conversations`.
    pub relation: String,
    pub state: RelationState,
    /// `table`, `view`, `materialized_view`, `partitioned_table` or `foreign_table`;
    /// null when missing.
    pub kind: Option<String>,
    /// Whether its rows were checked (present, readable, every column compatible).
    pub rows_checked: bool,
    /// Rows of each month of the window (for `cost_ledger`: the lines booked), oldest
    /// first; empty when the rows were not checked.
    pub rows_by_month: Vec<MonthRows>,
    /// Rows dated after the report month.
    pub rows_after_month: Option<i64>,
    /// Freshness: the latest `started_at`, `occurred_at`, `evaluated_at` or `edited_at`
    /// from the window's start on (null for `cost_ledger`, or without such rows).
    pub latest_at: Option<DateTime<Utc>>,
    /// Freshness of `cost_ledger`: the latest month booked.
    pub latest_month: Option<Month>,
}

/// Rows of one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct MonthRows {
    pub month: Month,
    pub rows: i64,
}

/// How a contract relation was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationState {
    /// A table or view of that name exists and may be read.
    Present,
    /// Nothing of that name in the schema.
    Missing,
    /// It exists, but the role may not read it.
    NotReadable,
    /// The configuration declares it absent (`[contract]`): not read, its metrics are
    /// `not_measured`.
    DeclaredAbsent,
}

/// Whether `aikpi rollup` applies to the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RollupState {
    /// `aikpi rollup` can store closed months (the change log and its triggers are there).
    Available,
    /// `conversations` and `llm_usage` are plain tables, but `aikpi migrate` has not
    /// installed the change log: run it to use the rollup.
    NeedsMigrate,
    /// Views, partitioned or foreign tables: reports read every month in full.
    NotApplicable,
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The report cannot run.
    Blocker,
    /// The report runs, but numbers may be wrong, provisional or slow to get.
    Warning,
    /// Worth knowing; nothing to fix.
    Note,
}

/// What was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// The schema does not exist.
    SchemaMissing,
    /// A contract relation is missing (`kb_evals` and `reply_edits` may be declared absent).
    RelationMissing,
    /// The role may not read a relation.
    RelationNotReadable,
    /// `[contract]` declares a relation absent: its metrics are `not_measured`.
    RelationDeclaredAbsent,
    /// A contract column is missing.
    ColumnMissing,
    /// A contract column has a type the report cannot use.
    ColumnWrongType,
    /// NULL in a column the contract says is NOT NULL.
    NullInRequiredColumn,
    /// A rating outside 1–5.
    RatingOutOfRange,
    /// A sentiment outside [0, 1].
    SentimentOutOfRange,
    /// A `close_reason` the contract does not know.
    UnknownCloseReason,
    /// A `handoff_initiator` the contract does not know.
    UnknownHandoffInitiator,
    /// A handoff with no initiator.
    HandoffWithoutInitiator,
    /// An initiator with no handoff.
    InitiatorWithoutHandoff,
    /// A closed conversation with no `close_reason`.
    ClosedWithoutReason,
    /// `closed_at` before `started_at`.
    ClosedBeforeStarted,
    /// `first_ai_reply_at` before `first_user_message_at`.
    ReplyBeforeMessage,
    /// The same id on more than one row (`count` = rows beyond the first).
    DuplicateIds,
    /// The same (`month`, `category`) on more than one ledger row.
    DuplicateLedgerKeys,
    /// A ledger `month` that is not the first day of a month (never matched).
    LedgerMonthNotFirstDay,
    /// The report month has no conversations: the report stops (SPEC §7.7).
    NoConversationsInMonth,
    /// A relation has no rows in the report month: its metrics have no data.
    NoRowsInMonth,
    /// The ledger has no line for the report month: cost is provisional.
    LedgerNotBooked,
    /// Conversations of the report month still open: the report is provisional.
    OpenConversations,
    /// The report month has not ended yet.
    MonthNotOver,
    /// An index the report's plan wants is missing (the report is slower, not wrong).
    IndexMissing,
    /// A large table needs `VACUUM (ANALYZE)`.
    TableNeedsVacuum,
    /// Conversations with no `issue_key` (unclassified), a data-quality note.
    UnclassifiedConversations,
}

/// One thing the check found, with what fixes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Finding {
    pub severity: Severity,
    pub problem: Problem,
    /// The contract relation concerned.
    pub relation: Option<String>,
    /// The contract column concerned.
    pub column: Option<String>,
    /// How many rows (or ids, or keys) of the window.
    pub count: Option<i64>,
    /// The type found, as PostgreSQL names it.
    pub found_type: Option<String>,
    /// The type the contract requires, as a PostgreSQL type name.
    pub expected_type: Option<String>,
    /// The statement, expression or command that fixes it, when there is one (a cast to
    /// add to the view, a `CREATE INDEX`, a config line, a command).
    pub fix: Option<String>,
}

impl Finding {
    /// A finding with no details yet.
    pub fn new(severity: Severity, problem: Problem) -> Finding {
        Finding {
            severity,
            problem,
            relation: None,
            column: None,
            count: None,
            found_type: None,
            expected_type: None,
            fix: None,
        }
    }

    /// About `relation`.
    pub fn on(mut self, relation: &str) -> Finding {
        self.relation = Some(relation.to_string());
        self
    }

    /// About `column`.
    pub fn column(mut self, column: &str) -> Finding {
        self.column = Some(column.to_string());
        self
    }

    /// With a count.
    pub fn count(mut self, count: i64) -> Finding {
        self.count = Some(count);
        self
    }

    /// With the fix as a statement or command.
    pub fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }
}

/// Exit code of `aikpi check` when a report cannot run (SPEC §5: data source).
pub const EXIT_NOT_READY: i32 = 3;

/// The JSON Schema of `aikpi check --format json`, as committed at
/// `schema/check.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(CheckResult);
    // Serialising a `serde_json::Value`-backed schema cannot fail.
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
