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
    /// One note per non-zero count, in plain words.
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
}

/// One data-quality note.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct QualityNote {
    /// The count's key in `counts`.
    pub key: String,
    pub count: i64,
    /// What it means and how the report treated it.
    pub message: String,
}

/// Data quality of a month.
pub fn assess(month: &MonthAggregates) -> DataQuality {
    let q: &ConversationQuality = &month.conversations.quality;
    let total = month.conversations.total;
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
    };
    let unclassified_share = (total > 0).then(|| q.unclassified as f64 / total as f64);
    let described: [(&str, i64, &str); 12] = [
        ("unclassified", q.unclassified, "conversations have no issue_key (unclassified); they count as one shared issue in the 24h return check, so they cannot hide returns"),
        ("negative_first_response", q.negative_first_response, "conversations have the AI's first reply before the user's first message; they are left out of first response time"),
        ("first_response_missing", q.first_response_missing, "conversations lack the user's first message or the AI's first reply; they are not in first response time"),
        ("closed_before_start", q.closed_before_start, "conversations closed before they started; they are left out of handle time, and their return window runs from the start"),
        ("ai_csat_out_of_range", q.ai_csat_out_of_range, "AI ratings are outside 1–5; they are left out of CSAT (AI)"),
        ("human_csat_out_of_range", q.human_csat_out_of_range, "human-agent ratings are outside 1–5; they are left out of CSAT (human)"),
        ("sentiment_out_of_range", q.sentiment_out_of_range, "sentiment scores are outside 0–1; they are left out of negative sentiment and the frustrated-exit check"),
        ("unknown_close_reason", q.unknown_close_reason, "closed conversations have a close_reason outside the contract; they are left out of the per-ending rating-prompt rates"),
        ("unknown_handoff_initiator", q.unknown_handoff_initiator, "handoffs have no known initiator (ai or user); they count in the handoff rate but in neither split"),
        ("initiator_without_handoff", q.initiator_without_handoff, "conversations name a handoff initiator but have no handoff time; they are not counted as handoffs"),
        ("close_reason_while_open", q.close_reason_while_open, "open conversations already carry a close_reason; they are treated as open"),
        ("kb_nothing_retrieved", month.kb_evals.nothing_retrieved, "retrieval checks retrieved nothing; they count as misses in the KB hit rate"),
    ];
    let notes = described
        .into_iter()
        .filter(|(_, count, _)| *count > 0)
        .map(|(key, count, what)| QualityNote {
            key: key.to_string(),
            count,
            message: format!("{count} {what}."),
        })
        .collect();
    DataQuality {
        counts,
        unclassified_share,
        notes,
    }
}
