//! The aggregates: the one boundary between where data comes from and the review.
//!
//! A source (PostgreSQL, an aggregates file, the shipped sample) produces an
//! [`Aggregates`] value; the review is computed from it alone. Only exact counts and sums
//! cross this boundary (plus the two FRT percentiles, which PostgreSQL computes as
//! `float8`), never per-conversation rows, so the same review comes out whichever source
//! was used. Money and sentiment sums are [`Decimal`]s serialised as strings, so an
//! aggregates file round-trips without losing a digit. Sums of squares (for the noise band
//! of SPEC §6.1) can outgrow even a `Decimal` — one 51-minute conversation's square in
//! µs² already exceeds 64 bits — so they are [`BigDecimal`]s, also written as strings.

use std::collections::BTreeMap;

use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::period::Month;

/// Version of the aggregates file format written by `aikpi aggregates`.
/// Version 2 added the sums of squares, `human_handled` and the segments (SPEC §6);
/// version 3 the deflected conversations by ending (SPEC §7.2).
pub const AGGREGATES_FORMAT_VERSION: u32 = 3;

/// The endings a closed conversation can have (SPEC §2 `close_reason`), plus `unknown`
/// for a closed conversation whose `close_reason` is NULL.
pub const ENDINGS: [&str; 5] = [
    "resolved",
    "user_left",
    "timeout",
    "agent_closed",
    "unknown",
];

/// Aggregates for a window of consecutive months, oldest first; the last is the report month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregates {
    /// [`AGGREGATES_FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Where the aggregates were read from (password redacted).
    pub source: SourceInfo,
    /// The IANA time zone the month bounds were computed in.
    pub time_zone: String,
    /// When the aggregates were read. Settling rules (24 h after month end) are judged
    /// against this instant, so a report rendered later from a file says what the data
    /// said when it was read.
    pub read_at: DateTime<Utc>,
    /// The sentiment at or above which a give-up exit counts as frustrated (trap 1);
    /// it is applied in the database, so it is recorded with the counts it produced.
    pub frustrated_sentiment_min: Decimal,
    /// One entry per month, oldest first, consecutive.
    pub months: Vec<MonthAggregates>,
    /// Relations the configuration declares absent (`[contract]`): not read, so their
    /// metrics are `not_measured`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent_relations: Vec<String>,
}

/// Where aggregates came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceInfo {
    /// `postgres` for a live database.
    pub kind: String,
    /// The connection string with any password replaced by `***`.
    pub location: String,
    /// The PostgreSQL schema the contract relations were read from.
    pub schema: String,
    /// The generator settings when the data is `aikpi seed` output, e.g. for the sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Everything the review needs about one calendar month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthAggregates {
    pub month: Month,
    /// First instant of the month in the report time zone.
    pub starts_at: DateTime<Utc>,
    /// First instant of the next month (exclusive bound).
    pub ends_at: DateTime<Utc>,
    pub conversations: ConversationAggregates,
    pub llm_usage: LlmUsageAggregates,
    /// `cost_ledger` lines booked for the month, sorted by category.
    pub ledger: Vec<LedgerLine>,
    pub kb_evals: KbEvalAggregates,
    pub reply_edits: ReplyEditAggregates,
    /// The month's conversations by channel and by issue key (SPEC §6.2, §6.3). Read for
    /// the report month and the month before only; `None` for the older months of the
    /// trend window.
    pub segments: Option<SegmentAggregates>,
    /// Metered costs and ledger amounts that were not numbers: left out of every sum.
    #[serde(default, skip_serializing_if = "MoneyQuality::is_clean")]
    pub money_quality: MoneyQuality,
}

/// Values of `llm_usage` and `cost_ledger` outside the contract that a view can deliver:
/// `numeric` NaN and ±Infinity (no sum holds them), NULLs in NOT NULL columns and ledger
/// keys in several lines. Left out (or booked once) and counted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoneyQuality {
    /// Metered calls whose cost is NaN or ±Infinity.
    pub non_finite_costs: i64,
    /// Ledger rows whose amount is NaN or ±Infinity.
    pub non_finite_amounts: i64,
    /// Metered calls with a NULL `cost`: in the calls and tokens, not in any cost.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub null_costs: i64,
    /// Metered calls with a NULL `model`: in the totals, in no model's line.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub null_models: i64,
    /// Ledger rows with a NULL `amount`: left out of their line's sum.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub null_amounts: i64,
    /// Ledger rows with a NULL `category`: left out of the ledger.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub null_categories: i64,
    /// Ledger rows repeating a (month, category) already read: identical rows are booked
    /// once, different amounts added up.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub duplicate_ledger_lines: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl MoneyQuality {
    /// Nothing was left out (the field is then not written).
    pub fn is_clean(&self) -> bool {
        *self == Self::default()
    }

    /// Forgets the ledger's counts (the ledger is read again).
    pub fn clear_ledger(&mut self) {
        self.non_finite_amounts = 0;
        self.null_amounts = 0;
        self.null_categories = 0;
        self.duplicate_ledger_lines = 0;
    }
}

/// Counts and sums over T, the conversations started in the month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConversationAggregates {
    /// |T|.
    pub total: i64,
    /// `ai_participated`.
    pub ai_participated: i64,
    /// `closed_at` set.
    pub closed: i64,
    /// `closed_at` NULL (still open when read).
    pub open: i64,
    /// returned(c): same user, same issue (NULL = NULL), another conversation started
    /// within 24 h of close (of start while open).
    pub returned_24h: i64,
    /// AI participated, no handoff, closed, not returned.
    pub deflected: i64,
    /// The deflected conversations by `close_reason` (SPEC §7.2); the rest of
    /// `deflected` ended with a NULL or out-of-contract `close_reason`.
    pub deflected_by_ending: DeflectedByEnding,
    /// AI participated, no handoff (the naive deflection of trap 1).
    pub naive_deflected: i64,
    /// Handed off or without the AI: conversations a person handled (SPEC §6.4).
    pub human_handled: i64,
    /// Deflected, `close_reason` in {user_left, timeout}, sentiment at or above
    /// [`Aggregates::frustrated_sentiment_min`] (a valid 0–1 sentiment only).
    pub deflected_frustrated_exits: i64,
    pub handoffs: HandoffCounts,
    pub first_response: FirstResponseAggregates,
    pub handle_time: HandleTimeAggregates,
    pub csat_ai: RatingAggregates,
    pub csat_human: RatingAggregates,
    pub sentiment: SentimentAggregates,
    /// Closed conversations with `rating_prompted` (prompt coverage numerator).
    pub closed_rating_prompted: i64,
    /// Closed conversations by ending: key is one of [`ENDINGS`]. Endings with no
    /// conversation may be absent. A `close_reason` outside the contract is in none.
    pub endings: BTreeMap<String, EndingAggregates>,
    /// Conversations per channel (for the report's context table).
    pub channels: BTreeMap<String, i64>,
    pub quality: ConversationQuality,
}

/// Deflected conversations by the contract's endings (SPEC §7.2): "actually resolved"
/// versus "gave up". The deflected conversations in none of them have an unknown ending
/// (a NULL or out-of-contract `close_reason`), so the endings add up to `deflected` by
/// construction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeflectedByEnding {
    /// `close_reason = 'resolved'` (the customer confirmed).
    pub resolved: i64,
    pub user_left: i64,
    pub timeout: i64,
    pub agent_closed: i64,
}

impl DeflectedByEnding {
    /// The deflected conversations with a contract ending.
    pub fn known(&self) -> i64 {
        self.resolved + self.user_left + self.timeout + self.agent_closed
    }
}

/// Handoffs to a human (`handoff_at` set), split by initiator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffCounts {
    pub total: i64,
    pub by_ai: i64,
    pub by_user: i64,
    /// `handoff_at` set, initiator NULL or outside {ai, user}.
    pub unknown_initiator: i64,
}

/// First response time (`first_ai_reply_at − first_user_message_at`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstResponseAggregates {
    /// Conversations with both timestamps and a difference ≥ 0.
    pub measured: i64,
    /// `percentile_cont(0.5)` in seconds; `None` when nothing was measured.
    pub p50_seconds: Option<f64>,
    /// `percentile_cont(0.9)` in seconds; `None` when nothing was measured.
    pub p90_seconds: Option<f64>,
}

/// Handle time (`closed_at − started_at`) of closed conversations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandleTimeAggregates {
    /// Closed conversations with `closed_at ≥ started_at`.
    pub measured: i64,
    /// Σ handle time in microseconds (exact).
    pub total_micros: Decimal,
    /// Σ (handle time in microseconds)², exact (an integer; it outgrows 64 and 96 bits).
    #[serde(with = "plain_decimal")]
    pub sum_squares_micros: BigDecimal,
}

/// A 1–5 rating column.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingAggregates {
    /// Ratings within 1–5.
    pub rated: i64,
    /// Σ of those ratings.
    pub sum: i64,
    /// Σ of their squares.
    pub sum_squares: i64,
}

/// LLM-scored negative sentiment, 0–1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentimentAggregates {
    /// Conversations with a sentiment within [0, 1].
    pub scored: i64,
    /// Σ of those sentiments, as `numeric` (exact at any scale: a valid 1e-30 counts).
    #[serde(with = "plain_decimal")]
    pub sum: BigDecimal,
    /// Σ of their squares, exact.
    #[serde(with = "plain_decimal")]
    pub sum_squares: BigDecimal,
}

/// Closed conversations of one ending (for trap 2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndingAggregates {
    pub closed: i64,
    pub rating_prompted: i64,
    /// Valid (1–5) `ai_csat` ratings among them, and their sum.
    pub ai_rated: i64,
    pub ai_rating_sum: i64,
}

/// Conversation rows that break the data contract; each is left out of the metrics
/// that would use the offending value (SPEC §3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConversationQuality {
    /// `issue_key` NULL (not a violation, but it widens the return check).
    pub unclassified: i64,
    /// First AI reply before the first user message (excluded from FRT).
    pub negative_first_response: i64,
    /// Both FRT timestamps missing or one of them missing (not measured).
    pub first_response_missing: i64,
    /// Closed before it started (excluded from AHT).
    pub closed_before_start: i64,
    pub ai_csat_out_of_range: i64,
    pub human_csat_out_of_range: i64,
    pub sentiment_out_of_range: i64,
    /// Closed with a `close_reason` outside the contract.
    pub unknown_close_reason: i64,
    /// `handoff_at` set with a NULL or unknown `handoff_initiator`.
    pub unknown_handoff_initiator: i64,
    /// `handoff_initiator` set while `handoff_at` is NULL.
    pub initiator_without_handoff: i64,
    /// `close_reason` set while `closed_at` is NULL.
    pub close_reason_while_open: i64,
    /// `channel` NULL (outside the contract): in the month's counts, in no channel.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub null_channel: i64,
    /// `closed_at` ±infinity, read as NULL (open).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub infinite_closed_at: i64,
    /// `first_ai_reply_at` ±infinity, read as NULL (FRT not measured).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub infinite_first_ai_reply_at: i64,
    /// `first_user_message_at` ±infinity, read as NULL (FRT not measured).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub infinite_first_user_message_at: i64,
}

/// One month's conversations by segment (SPEC §6.2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentAggregates {
    /// Every channel with conversations in the month, by name.
    pub channels: BTreeMap<String, SegmentCounts>,
    /// Every issue key with conversations in the month (`None` = unclassified), sorted
    /// by key in byte order, unclassified last.
    pub issues: Vec<IssueAggregates>,
    /// The FRT p90 of the channels beyond the report month's `max_channels` largest,
    /// together (SPEC §6.2): a percentile of a group cannot be put together from its
    /// channels' percentiles, so the source reads it. `None` when the report month has no
    /// more channels than the cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_channels: Option<OtherChannelsFrt>,
}

impl SegmentAggregates {
    /// The channels with conversations split into the `max_channels` largest (most
    /// conversations first, ties by name in byte order) and the rest (by name): the
    /// channels listed one by one and those summed into "other channels" (SPEC §6.2).
    pub fn largest_channels(&self, max_channels: usize) -> (Vec<&str>, Vec<&str>) {
        let mut ranked: Vec<(&str, i64)> = self
            .channels
            .iter()
            .filter(|(_, c)| c.conversations > 0)
            .map(|(name, c)| (name.as_str(), c.conversations))
            .collect();
        ranked.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
        });
        let rest = ranked.split_off(max_channels.min(ranked.len()));
        let mut rest: Vec<&str> = rest.into_iter().map(|(name, _)| name).collect();
        rest.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        (ranked.into_iter().map(|(name, _)| name).collect(), rest)
    }
}

impl SegmentCounts {
    /// Adds `other`'s counts and sums (not its FRT p90: a percentile does not add up).
    pub fn add_counts(&mut self, other: &SegmentCounts) {
        self.conversations += other.conversations;
        self.ai_participated += other.ai_participated;
        self.handoffs += other.handoffs;
        self.returned_24h += other.returned_24h;
        self.deflected += other.deflected;
        self.handle_time_measured += other.handle_time_measured;
        self.handle_time_micros += other.handle_time_micros;
        self.csat_ai_rated += other.csat_ai_rated;
        self.csat_ai_sum += other.csat_ai_sum;
        self.csat_human_rated += other.csat_human_rated;
        self.csat_human_sum += other.csat_human_sum;
        self.sentiment_scored += other.sentiment_scored;
        self.sentiment_sum += &other.sentiment_sum;
    }
}

/// The first response p90 of the channels summed into "other channels".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherChannelsFrt {
    /// The cap the group was read for: the channels beyond the `max_channels` largest of
    /// the report month (ties by name in byte order).
    pub max_channels: usize,
    /// `percentile_cont(0.9)` of the group's first response times; `None` when none was
    /// measured.
    pub frt_p90_seconds: Option<f64>,
}

/// One issue key's conversations in the month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueAggregates {
    /// `None` = `issue_key` NULL (unclassified).
    pub issue_key: Option<String>,
    pub counts: SegmentCounts,
}

/// The counts and sums of SPEC §3's definitions restricted to one segment (a channel or
/// an issue key) of the month's conversations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentCounts {
    pub conversations: i64,
    pub ai_participated: i64,
    /// `handoff_at` set.
    pub handoffs: i64,
    /// returned(c), judged against conversations of every channel and issue.
    pub returned_24h: i64,
    /// AI participated, no handoff, closed, not returned.
    pub deflected: i64,
    /// Closed conversations with `closed_at ≥ started_at`, and Σ their handle time in µs.
    pub handle_time_measured: i64,
    pub handle_time_micros: Decimal,
    /// Valid (1–5) ratings and their sums.
    pub csat_ai_rated: i64,
    pub csat_ai_sum: i64,
    pub csat_human_rated: i64,
    pub csat_human_sum: i64,
    /// Valid (0–1) sentiments and their sum.
    pub sentiment_scored: i64,
    #[serde(with = "plain_decimal")]
    pub sentiment_sum: BigDecimal,
    /// `percentile_cont(0.9)` of the segment's first response times in seconds; `None`
    /// when none was measured.
    pub frt_p90_seconds: Option<f64>,
}

/// Metered LLM usage (`llm_usage` by `occurred_at`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmUsageAggregates {
    pub calls: i64,
    #[serde(with = "plain_decimal")]
    pub prompt_tokens: BigDecimal,
    #[serde(with = "plain_decimal")]
    pub completion_tokens: BigDecimal,
    /// Σ cost, the true metered LLM cost. Money is a [`BigDecimal`]: `numeric` has no
    /// range a 96-bit decimal could hold (a cost of 1e29 or 1e-30 is a legal value).
    #[serde(with = "plain_decimal")]
    pub cost: BigDecimal,
    /// Σ cost of calls with no conversation (background jobs such as KB indexing).
    #[serde(with = "plain_decimal")]
    pub background_cost: BigDecimal,
    /// Cost per model, sorted by model name.
    pub by_model: Vec<ModelUsage>,
}

/// One model's metered usage in the month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelUsage {
    pub model: String,
    pub calls: i64,
    #[serde(with = "plain_decimal")]
    pub cost: BigDecimal,
}

/// One booked `cost_ledger` line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerLine {
    pub category: String,
    #[serde(with = "plain_decimal")]
    pub amount: BigDecimal,
}

/// Labelled retrieval checks (`kb_evals` by `evaluated_at`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KbEvalAggregates {
    pub evaluated: i64,
    /// `top1_doc_id = expected_doc_id`.
    pub top1_hits: i64,
    /// `top1_doc_id` NULL (a miss).
    pub nothing_retrieved: i64,
}

/// Human-edited AI replies (`reply_edits` by `edited_at`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyEditAggregates {
    pub edited: i64,
    /// `fed_back_at` set (at any time up to the read).
    pub fed_back: i64,
}

impl MonthAggregates {
    /// An empty month (no rows in any relation) with the given bounds.
    pub fn empty(month: Month, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Self {
        Self {
            month,
            starts_at,
            ends_at,
            conversations: ConversationAggregates::default(),
            llm_usage: LlmUsageAggregates::default(),
            ledger: Vec::new(),
            kb_evals: KbEvalAggregates::default(),
            reply_edits: ReplyEditAggregates::default(),
            segments: None,
            money_quality: MoneyQuality::default(),
        }
    }

    /// The booked amount of a ledger category, if a line exists.
    pub fn ledger_amount(&self, category: &str) -> Option<&BigDecimal> {
        self.ledger
            .iter()
            .find(|l| l.category == category)
            .map(|l| &l.amount)
    }
}

/// A [`BigDecimal`] as a JSON string of plain digits (never `4E+21`), read back exactly;
/// a JSON number is refused, as it would have gone through a float.
mod plain_decimal {
    use std::str::FromStr;

    use bigdecimal::BigDecimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &BigDecimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.normalized().to_plain_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BigDecimal, D::Error> {
        let text = String::deserialize(deserializer)?;
        BigDecimal::from_str(&text).map_err(serde::de::Error::custom)
    }
}

/// Why an aggregates value cannot be reviewed.
#[derive(Debug, thiserror::Error)]
pub enum AggregatesError {
    #[error("the aggregates hold no month")]
    NoMonths,
    #[error("the aggregates' months are not consecutive: {0} is followed by {1}")]
    NotConsecutive(Month, Month),
    #[error("aggregates format version {found} is not supported (this aikpi reads version {expected}); re-run `aikpi aggregates` with this version")]
    UnsupportedVersion { found: u32, expected: u32 },
}

impl Aggregates {
    /// The report month (the last one).
    pub fn report_month(&self) -> Option<&MonthAggregates> {
        self.months.last()
    }

    /// Checks the invariants the review relies on.
    pub fn validate(&self) -> Result<(), AggregatesError> {
        if self.format_version != AGGREGATES_FORMAT_VERSION {
            return Err(AggregatesError::UnsupportedVersion {
                found: self.format_version,
                expected: AGGREGATES_FORMAT_VERSION,
            });
        }
        if self.months.is_empty() {
            return Err(AggregatesError::NoMonths);
        }
        for pair in self.months.windows(2) {
            if pair[0].month.next() != pair[1].month {
                return Err(AggregatesError::NotConsecutive(
                    pair[0].month,
                    pair[1].month,
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_survive_a_json_round_trip_to_the_last_bit() {
        // serde_json's default float parser can be one ulp off; `float_roundtrip` makes
        // `aikpi report --from FILE` see exactly what `aikpi aggregates` read.
        let fr = FirstResponseAggregates {
            measured: 2,
            p50_seconds: Some(1.909_079_999_999_999_9),
            p90_seconds: Some(2.135_215_900_000_002),
        };
        let back: FirstResponseAggregates =
            serde_json::from_str(&serde_json::to_string(&fr).unwrap()).unwrap();
        assert_eq!(back, fr);
        assert_eq!(
            back.p50_seconds.unwrap().to_bits(),
            fr.p50_seconds.unwrap().to_bits()
        );
    }

    #[test]
    fn sums_of_squares_beyond_96_bits_survive_a_json_round_trip_as_plain_digits() {
        use std::str::FromStr;
        // Σ µs² of a few conversations open for years: more than rust_decimal's 96 bits.
        let big = BigDecimal::from_str("4000000000000000000000000000000000").unwrap();
        let h = HandleTimeAggregates {
            measured: 3,
            total_micros: Decimal::from(1),
            sum_squares_micros: big.clone(),
        };
        let json = serde_json::to_string(&h).unwrap();
        assert!(
            json.contains("\"sum_squares_micros\":\"4000000000000000000000000000000000\""),
            "{json}"
        );
        let back: HandleTimeAggregates = serde_json::from_str(&json).unwrap();
        assert_eq!(back.sum_squares_micros, big);
        let number = json.replace("\"4000000000000000000000000000000000\"", "4e33");
        assert!(serde_json::from_str::<HandleTimeAggregates>(&number).is_err());
    }
}
