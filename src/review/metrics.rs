//! The 12 metrics of the framework (13 ids: FRT has p90 and p50), their definitions over
//! the aggregates (SPEC §3), direction and default targets (SPEC §1).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::exact::{self, Exact};
use super::target::Target;
use crate::aggregates::{MonthAggregates, SegmentCounts};

/// A metric identifier, as used in `report.json` and the config file.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MetricId {
    AiTouchRate,
    FrtP90Seconds,
    FrtP50Seconds,
    AhtSeconds,
    DeflectionRate,
    HandoffRate,
    // snake_case would give `return_rate24h`; SPEC §1 and `as_str` say `return_rate_24h`.
    #[serde(rename = "return_rate_24h")]
    ReturnRate24h,
    CsatAi,
    CsatHuman,
    NegativeSentiment,
    CostPerConversation,
    KbHitRate,
    FeedbackLoopRate,
}

/// The four layers of the framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Coverage,
    Resolution,
    Experience,
    CostAndTraining,
}

impl Layer {
    pub const ALL: [Layer; 4] = [
        Layer::Coverage,
        Layer::Resolution,
        Layer::Experience,
        Layer::CostAndTraining,
    ];

    /// 1-based layer number.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    /// Better when closer to the target range (or staying inside it).
    CloserToRange,
}

/// How a value is measured and displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A fraction 0–1, shown as a percentage.
    Ratio,
    Seconds,
    /// A mean 1–5 rating.
    Rating,
    /// A mean 0–1 score.
    Score,
    /// Report currency per conversation.
    Money,
}

/// One row of the metric table: everything the review knows of a metric but its SQL.
#[derive(Debug, Clone, Copy)]
pub struct MetricDef {
    pub id: MetricId,
    /// The id as written in JSON and config (the serde name of `id`).
    pub name: &'static str,
    pub layer: Layer,
    pub unit: Unit,
    pub direction: Direction,
    /// Counted among the framework's 12 (FRT p50 is shown beside p90 but not counted).
    pub counted: bool,
    /// The SPEC §1 default target, as the config file writes it.
    pub default_target: &'static str,
    /// How its counts make its value.
    pub formula: Formula,
    /// Shown per channel and per top issue (SPEC §6.2).
    pub in_segments: bool,
}

/// How a metric's counts make its value. The month's value, the segments' values, the
/// drivers' split and the noise test all read this, so a formula is written once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formula {
    /// `count / conversations`: a share of the conversations. Tested as a proportion
    /// (SPEC §6.1) and split into channel mix and rate within channels (§6.3, a driver).
    ShareOfConversations(Tally),
    /// `count / n` over another population (KB evaluations, edited replies); tested as a
    /// proportion, not held per segment.
    ShareOf(Population),
    /// `Σ / n`: a mean rating, score or duration; tested with Welch's t-test.
    Mean(Measure),
    /// A percentile of first response times, as PostgreSQL computes it; not tested.
    Percentile(Percentile),
    /// Total cost (LLM + infra + labor) / conversations; not tested (cost has no sample).
    CostPerConversation,
}

/// The conversations a share of conversations counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    AiParticipated,
    Deflected,
    Handoffs,
    Returned24h,
}

/// A population of its own (not the conversations) and the part of it counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Population {
    /// KB evaluations whose top result was right.
    KbTop1Hits,
    /// Edited replies fed back into training.
    RepliesFedBack,
}

/// What a mean is taken of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    CsatAi,
    CsatHuman,
    Sentiment,
    /// Handle time in seconds.
    HandleTimeSeconds,
}

/// Which percentile of first response times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Percentile {
    P90,
    P50,
}

/// A row not held per segment (SPEC §6.2 lists the segment metrics).
const fn not_in_segments(d: MetricDef) -> MetricDef {
    MetricDef {
        in_segments: false,
        ..d
    }
}

const fn row(
    id: MetricId,
    name: &'static str,
    layer: Layer,
    unit: Unit,
    direction: Direction,
    default_target: &'static str,
    formula: Formula,
) -> MetricDef {
    MetricDef {
        id,
        name,
        layer,
        unit,
        direction,
        counted: true,
        default_target,
        formula,
        in_segments: true,
    }
}

/// The metric table (SPEC §1 and §3), in report order: layer by layer, in `MetricId`'s
/// order (checked when compiling). Adding a metric is a row here plus its SQL (and its
/// words: name and definition in the words tables).
#[rustfmt::skip]
pub const METRICS: [MetricDef; 13] = {
    use Direction::*;
    use Formula::{CostPerConversation, Mean, ShareOf, ShareOfConversations};
    use Layer::*;
    use MetricId as M;
    use Unit::*;
    [
        row(M::AiTouchRate, "ai_touch_rate", Coverage, Ratio, HigherIsBetter, "> 0.95", ShareOfConversations(Tally::AiParticipated)),
        row(M::FrtP90Seconds, "frt_p90_seconds", Coverage, Seconds, LowerIsBetter, "< 3", Formula::Percentile(Percentile::P90)),
        MetricDef {
            counted: false,
            in_segments: false,
            ..row(M::FrtP50Seconds, "frt_p50_seconds", Coverage, Seconds, LowerIsBetter, "< 3", Formula::Percentile(Percentile::P50))
        },
        row(M::AhtSeconds, "aht_seconds", Coverage, Seconds, LowerIsBetter, "lower than previous month", Mean(Measure::HandleTimeSeconds)),
        row(M::DeflectionRate, "deflection_rate", Resolution, Ratio, CloserToRange, "0.45 to 0.70", ShareOfConversations(Tally::Deflected)),
        row(M::HandoffRate, "handoff_rate", Resolution, Ratio, LowerIsBetter, "< 0.35", ShareOfConversations(Tally::Handoffs)),
        row(M::ReturnRate24h, "return_rate_24h", Resolution, Ratio, LowerIsBetter, "< 0.10", ShareOfConversations(Tally::Returned24h)),
        row(M::CsatAi, "csat_ai", Experience, Rating, HigherIsBetter, "> 4", Mean(Measure::CsatAi)),
        row(M::CsatHuman, "csat_human", Experience, Rating, HigherIsBetter, "> 4.5", Mean(Measure::CsatHuman)),
        row(M::NegativeSentiment, "negative_sentiment", Experience, Score, LowerIsBetter, "lower than previous month", Mean(Measure::Sentiment)),
        not_in_segments(row(M::CostPerConversation, "cost_per_conversation", CostAndTraining, Money, LowerIsBetter, "lower than previous month", CostPerConversation)),
        not_in_segments(row(M::KbHitRate, "kb_hit_rate", CostAndTraining, Ratio, HigherIsBetter, "> 0.80", ShareOf(Population::KbTop1Hits))),
        not_in_segments(row(M::FeedbackLoopRate, "feedback_loop_rate", CostAndTraining, Ratio, HigherIsBetter, "> 0.50", ShareOf(Population::RepliesFedBack))),
    ]
};

/// [`METRICS`] at one address, so a row can be lent out for good ([`MetricId::def`]).
static TABLE: [MetricDef; METRICS.len()] = METRICS;

// Row i of the table is the metric with discriminant i, so a lookup is an index.
const _: () = {
    let mut i = 0;
    while i < METRICS.len() {
        assert!(
            METRICS[i].id as usize == i,
            "METRICS must follow MetricId's order"
        );
        i += 1;
    }
};

/// A subset of the table's rows (const fns cannot call a predicate).
#[derive(Clone, Copy)]
enum Rows {
    All,
    /// [`MetricDef::in_segments`].
    Segments,
    /// Shares of conversations: the drivers.
    Drivers,
}

impl Rows {
    const fn keep(self, d: &MetricDef) -> bool {
        match self {
            Rows::All => true,
            Rows::Segments => d.in_segments,
            Rows::Drivers => matches!(d.formula, Formula::ShareOfConversations(_)),
        }
    }

    /// How many rows it keeps.
    const fn count(self) -> usize {
        let (mut i, mut n) = (0, 0);
        while i < METRICS.len() {
            if self.keep(&METRICS[i]) {
                n += 1;
            }
            i += 1;
        }
        n
    }

    /// The ids of the rows it keeps, in table order (`N` is [`Rows::count`]).
    const fn ids<const N: usize>(self) -> [MetricId; N] {
        let mut out = [MetricId::AiTouchRate; N];
        let (mut i, mut n) = (0, 0);
        while i < METRICS.len() {
            if self.keep(&METRICS[i]) {
                out[n] = METRICS[i].id;
                n += 1;
            }
            i += 1;
        }
        out
    }
}

/// The metrics every segment carries (SPEC §6.2), in table order.
pub const SEGMENT_METRICS: [MetricId; Rows::Segments.count()] = Rows::Segments.ids();

/// The rates whose change is split into channel mix and rate (SPEC §6.3): the shares of
/// conversations, in table order.
pub const DRIVER_METRICS: [MetricId; Rows::Drivers.count()] = Rows::Drivers.ids();

impl MetricId {
    /// Every id, in report order (layer by layer).
    pub const ALL: [MetricId; METRICS.len()] = Rows::All.ids();

    /// The metric's row of [`METRICS`].
    pub fn def(self) -> &'static MetricDef {
        &TABLE[self as usize]
    }

    /// The id as written in JSON and config.
    pub fn as_str(self) -> &'static str {
        self.def().name
    }

    /// Parses an id as written in JSON and config.
    pub fn from_name(name: &str) -> Option<MetricId> {
        MetricId::ALL.into_iter().find(|id| id.as_str() == name)
    }

    pub fn layer(self) -> Layer {
        self.def().layer
    }

    pub fn unit(self) -> Unit {
        self.def().unit
    }

    pub fn direction(self) -> Direction {
        self.def().direction
    }

    /// Counted among the framework's 12 (FRT p50 is shown beside p90 but not counted).
    pub fn counts_toward_twelve(self) -> bool {
        self.def().counted
    }

    /// The SPEC §1 default target.
    pub fn default_target(self) -> Target {
        self.def()
            .default_target
            .parse()
            .expect("the metric table's default targets parse (tested)")
    }
}

/// The counts a value is made of, as a month and a segment (a channel, an issue) hold
/// them: what [`Formula`]s other than [`Formula::ShareOf`] and
/// [`Formula::CostPerConversation`] read.
pub trait Counts {
    /// The conversations.
    fn conversations(&self) -> i64;
    /// The conversations `tally` counts.
    fn tally(&self, tally: Tally) -> i64;
    /// `(n, Σ)` of `measure`, Σ in the metric's unit.
    fn mean_parts(&self, measure: Measure) -> (i64, Exact);
    /// The percentile, if measured (a segment holds p90 only).
    fn percentile(&self, percentile: Percentile) -> Option<f64>;
}

/// Handle time is summed in µs; its metric is in seconds.
fn micros_to_seconds(micros: rust_decimal::Decimal) -> Exact {
    exact::decimal(micros) / exact::integer(1_000_000)
}

impl Counts for MonthAggregates {
    fn conversations(&self) -> i64 {
        self.conversations.total
    }

    fn tally(&self, tally: Tally) -> i64 {
        let c = &self.conversations;
        match tally {
            Tally::AiParticipated => c.ai_participated,
            Tally::Deflected => c.deflected,
            Tally::Handoffs => c.handoffs.total,
            Tally::Returned24h => c.returned_24h,
        }
    }

    fn mean_parts(&self, measure: Measure) -> (i64, Exact) {
        let c = &self.conversations;
        match measure {
            Measure::CsatAi => (c.csat_ai.rated, exact::integer(c.csat_ai.sum)),
            Measure::CsatHuman => (c.csat_human.rated, exact::integer(c.csat_human.sum)),
            Measure::Sentiment => (c.sentiment.scored, exact::big_decimal(&c.sentiment.sum)),
            Measure::HandleTimeSeconds => (
                c.handle_time.measured,
                micros_to_seconds(c.handle_time.total_micros),
            ),
        }
    }

    fn percentile(&self, percentile: Percentile) -> Option<f64> {
        let frt = &self.conversations.first_response;
        match percentile {
            Percentile::P90 => frt.p90_seconds,
            Percentile::P50 => frt.p50_seconds,
        }
    }
}

impl Counts for SegmentCounts {
    fn conversations(&self) -> i64 {
        self.conversations
    }

    fn tally(&self, tally: Tally) -> i64 {
        match tally {
            Tally::AiParticipated => self.ai_participated,
            Tally::Deflected => self.deflected,
            Tally::Handoffs => self.handoffs,
            Tally::Returned24h => self.returned_24h,
        }
    }

    fn mean_parts(&self, measure: Measure) -> (i64, Exact) {
        match measure {
            Measure::CsatAi => (self.csat_ai_rated, exact::integer(self.csat_ai_sum)),
            Measure::CsatHuman => (self.csat_human_rated, exact::integer(self.csat_human_sum)),
            Measure::Sentiment => (
                self.sentiment_scored,
                exact::big_decimal(&self.sentiment_sum),
            ),
            Measure::HandleTimeSeconds => (
                self.handle_time_measured,
                micros_to_seconds(self.handle_time_micros),
            ),
        }
    }

    fn percentile(&self, percentile: Percentile) -> Option<f64> {
        match percentile {
            Percentile::P90 => self.frt_p90_seconds,
            // Segments are read with p90 only (SPEC §6.2).
            Percentile::P50 => None,
        }
    }
}

/// The exact value of a formula over counts; `None` when its denominator is 0, or the
/// formula needs more than counts hold ([`Formula::ShareOf`],
/// [`Formula::CostPerConversation`]: the month's own).
pub fn value_of(formula: Formula, counts: &impl Counts) -> Option<Exact> {
    match formula {
        Formula::ShareOfConversations(tally) => {
            exact::ratio(counts.tally(tally), counts.conversations())
        }
        Formula::Mean(measure) => {
            let (n, sum) = counts.mean_parts(measure);
            exact::quotient(sum, exact::integer(n))
        }
        Formula::Percentile(p) => counts.percentile(p).and_then(exact::float),
        Formula::ShareOf(_) | Formula::CostPerConversation => None,
    }
}

/// `(count, n)` of a population of its own.
pub fn population(population: Population, month: &MonthAggregates) -> (i64, i64) {
    match population {
        Population::KbTop1Hits => (month.kb_evals.top1_hits, month.kb_evals.evaluated),
        Population::RepliesFedBack => (month.reply_edits.fed_back, month.reply_edits.edited),
    }
}

impl fmt::Display for MetricId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The exact cost components of a month.
#[derive(Debug, Clone, PartialEq)]
pub struct CostComponents {
    /// Metered LLM cost (Σ `llm_usage.cost`).
    pub llm: Exact,
    /// Σ booked infra categories (a missing line counts as 0).
    pub infra: Exact,
    /// Σ booked labor categories (a missing line counts as 0).
    pub labor: Exact,
    /// Configured infra/labor categories with no ledger line this month.
    pub missing_categories: Vec<String>,
}

impl CostComponents {
    /// Cost components of a month under the configured ledger categories.
    pub fn of(month: &MonthAggregates, infra: &[String], labor: &[String]) -> Self {
        let mut missing = Vec::new();
        let mut booked = |categories: &[String]| {
            categories.iter().fold(exact::integer(0), |sum, category| {
                match month.ledger_amount(category) {
                    Some(amount) => sum + exact::big_decimal(amount),
                    None => {
                        missing.push(category.clone());
                        sum
                    }
                }
            })
        };
        let infra_cost = booked(infra);
        let labor_cost = booked(labor);
        Self {
            llm: exact::big_decimal(&month.llm_usage.cost),
            infra: infra_cost,
            labor: labor_cost,
            missing_categories: missing,
        }
    }

    pub fn total(&self) -> Exact {
        &self.llm + &self.infra + &self.labor
    }
}

/// The exact value of a metric for one month under the given cost categories;
/// `None` when its denominator is 0 ("no data").
pub fn value(id: MetricId, month: &MonthAggregates, costs: &CostComponents) -> Option<Exact> {
    match id.def().formula {
        Formula::ShareOf(p) => {
            let (count, n) = population(p, month);
            exact::ratio(count, n)
        }
        Formula::CostPerConversation => {
            exact::quotient(costs.total(), exact::integer(month.conversations.total))
        }
        formula => value_of(formula, month),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_target_in_the_table_parses() {
        for def in METRICS {
            assert!(
                def.default_target.parse::<Target>().is_ok(),
                "{}: {}",
                def.name,
                def.default_target
            );
        }
    }

    #[test]
    fn the_table_names_match_the_serde_names() {
        for id in MetricId::ALL {
            assert_eq!(
                serde_json::to_value(id).expect("serialises"),
                serde_json::Value::String(id.as_str().to_string())
            );
        }
    }
}
