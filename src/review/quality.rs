//! Data-quality notes: rows that break the contract, and what was done with them.

use serde::Serialize;

use crate::aggregates::{ConversationQuality, MonthAggregates};

/// The report month's data-quality counts and their notes.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DataQuality {
    /// Raw counts as read (see the aggregates' `ConversationQuality`).
    pub counts: QualityCounts,
    /// Share of conversations with no `issue_key`.
    pub unclassified_share: Option<f64>,
    /// One note per non-zero count, in `counts` order.
    pub notes: Vec<QualityNote>,
}

/// Data-quality counts of the report month.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct QualityCounts {
    pub unclassified: i64,
    pub negative_first_response: i64,
    pub first_response_missing: i64,
    pub closed_before_start: i64,
    pub ai_csat_out_of_range: i64,
    pub human_csat_out_of_range: i64,
    pub sentiment_out_of_range: i64,
    pub unknown_close_reason: i64,
    pub unknown_handoff_initiator: i64,
    pub initiator_without_handoff: i64,
    pub close_reason_while_open: i64,
    /// Retrieval checks where nothing was retrieved (counted as misses).
    pub kb_nothing_retrieved: i64,
    /// Metered costs and ledger amounts that are NaN or ±Infinity (left out of the costs).
    pub non_finite_value: i64,
    /// Rows with a NULL in a column the contract declares NOT NULL, every column together
    /// (one note per column).
    pub null_in_required_column: i64,
    /// Ledger rows repeating a (month, category) already read.
    pub duplicate_ledger_lines: i64,
    /// Timestamps of ±infinity, read as NULL, every column together (one note per column).
    pub infinite_timestamp: i64,
}

/// One data-quality note: which contract break, and how many rows. The words that say
/// what it means and how the report treated it are the presentation's.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct QualityNote {
    /// The count's key in `counts`.
    pub key: QualityKind,
    pub count: i64,
    /// The column the note is about, as `relation.column` (`null_in_required_column`,
    /// `infinite_timestamp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

/// Which data-quality count a note is about (its key in `counts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QualityKind {
    Unclassified,
    NegativeFirstResponse,
    FirstResponseMissing,
    ClosedBeforeStart,
    AiCsatOutOfRange,
    HumanCsatOutOfRange,
    SentimentOutOfRange,
    UnknownCloseReason,
    UnknownHandoffInitiator,
    InitiatorWithoutHandoff,
    CloseReasonWhileOpen,
    KbNothingRetrieved,
    NonFiniteValue,
    NullInRequiredColumn,
    DuplicateLedgerLines,
    InfiniteTimestamp,
}

/// Data quality of a month.
pub fn assess(month: &MonthAggregates) -> DataQuality {
    let q: &ConversationQuality = &month.conversations.quality;
    let total = month.conversations.total;
    let money = &month.money_quality;
    let non_finite = money.non_finite_costs + money.non_finite_amounts;
    let infinite = [
        ("conversations.closed_at", q.infinite_closed_at),
        (
            "conversations.first_ai_reply_at",
            q.infinite_first_ai_reply_at,
        ),
        (
            "conversations.first_user_message_at",
            q.infinite_first_user_message_at,
        ),
    ];
    let nulls = [
        ("conversations.channel", q.null_channel),
        ("llm_usage.model", money.null_models),
        ("llm_usage.cost", money.null_costs),
        ("cost_ledger.category", money.null_categories),
        ("cost_ledger.amount", money.null_amounts),
    ];
    let counts = QualityCounts {
        unclassified: q.unclassified,
        negative_first_response: q.negative_first_response,
        first_response_missing: q.first_response_missing,
        closed_before_start: q.closed_before_start,
        ai_csat_out_of_range: q.ai_csat_out_of_range,
        human_csat_out_of_range: q.human_csat_out_of_range,
        sentiment_out_of_range: q.sentiment_out_of_range,
        unknown_close_reason: q.unknown_close_reason,
        unknown_handoff_initiator: q.unknown_handoff_initiator,
        initiator_without_handoff: q.initiator_without_handoff,
        close_reason_while_open: q.close_reason_while_open,
        kb_nothing_retrieved: month.kb_evals.nothing_retrieved,
        non_finite_value: non_finite,
        null_in_required_column: nulls.iter().map(|(_, n)| n).sum(),
        duplicate_ledger_lines: money.duplicate_ledger_lines,
        infinite_timestamp: infinite.iter().map(|(_, n)| n).sum(),
    };
    let unclassified_share = (total > 0).then(|| q.unclassified as f64 / total as f64);
    let described: [(QualityKind, i64); 13] = [
        (QualityKind::Unclassified, q.unclassified),
        (
            QualityKind::NegativeFirstResponse,
            q.negative_first_response,
        ),
        (QualityKind::FirstResponseMissing, q.first_response_missing),
        (QualityKind::ClosedBeforeStart, q.closed_before_start),
        (QualityKind::AiCsatOutOfRange, q.ai_csat_out_of_range),
        (QualityKind::HumanCsatOutOfRange, q.human_csat_out_of_range),
        (QualityKind::SentimentOutOfRange, q.sentiment_out_of_range),
        (QualityKind::UnknownCloseReason, q.unknown_close_reason),
        (
            QualityKind::UnknownHandoffInitiator,
            q.unknown_handoff_initiator,
        ),
        (
            QualityKind::InitiatorWithoutHandoff,
            q.initiator_without_handoff,
        ),
        (QualityKind::CloseReasonWhileOpen, q.close_reason_while_open),
        (
            QualityKind::KbNothingRetrieved,
            month.kb_evals.nothing_retrieved,
        ),
        (QualityKind::NonFiniteValue, non_finite),
    ];
    let by_column = nulls
        .into_iter()
        .map(|(column, count)| (QualityKind::NullInRequiredColumn, count, Some(column)))
        .chain(
            infinite
                .into_iter()
                .map(|(column, count)| (QualityKind::InfiniteTimestamp, count, Some(column))),
        );
    let notes = described
        .into_iter()
        .map(|(key, count)| (key, count, None))
        .chain(by_column)
        .chain([(
            QualityKind::DuplicateLedgerLines,
            money.duplicate_ledger_lines,
            None,
        )])
        .filter(|(_, count, _)| *count > 0)
        .map(|(key, count, column)| QualityNote {
            key,
            count,
            column: column.map(str::to_string),
        })
        .collect();
    DataQuality {
        counts,
        unclassified_share,
        notes,
    }
}
