//! Which relations of the data contract a team collects (config `[contract]`).
//!
//! `conversations`, `llm_usage` and `cost_ledger` are always read. A team with no
//! retrieval evaluations or no edit feedback yet declares `kb_evals = "absent"` or
//! `reply_edits = "absent"`: the source then does not read the relation, and the metric
//! built on it is `not_measured` (SPEC §3) instead of the report failing.

use serde::Deserialize;

/// Whether a team collects one optional relation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Read it; a missing relation stops the report (exit 3).
    #[default]
    Present,
    /// Not collected: not read, its metric is `not_measured`.
    Absent,
}

/// The `[contract]` table of the configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Contract {
    /// `kb_evals` (the KB hit rate).
    pub kb_evals: Presence,
    /// `reply_edits` (the feedback loop rate).
    pub reply_edits: Presence,
}

impl Contract {
    /// Whether `relation` is declared absent.
    pub fn is_absent(&self, relation: &str) -> bool {
        match relation {
            "kb_evals" => self.kb_evals == Presence::Absent,
            "reply_edits" => self.reply_edits == Presence::Absent,
            _ => false,
        }
    }

    /// The relations declared absent, in contract order (recorded in the aggregates).
    pub fn absent_relations(&self) -> Vec<String> {
        ["kb_evals", "reply_edits"]
            .into_iter()
            .filter(|r| self.is_absent(r))
            .map(str::to_string)
            .collect()
    }

    /// Whether `relation` may be declared absent (the switch a missing one is told about).
    pub fn is_optional(relation: &str) -> bool {
        matches!(relation, "kb_evals" | "reply_edits")
    }
}
