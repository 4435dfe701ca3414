//! The 12 metrics of the framework (13 ids: FRT has p90 and p50), their definitions over
//! the aggregates (SPEC §3), direction and default targets (SPEC §1).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::exact::{self, Exact};
use super::target::Target;
use crate::aggregates::MonthAggregates;

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

impl MetricId {
    /// Every id, in report order (layer by layer).
    pub const ALL: [MetricId; 13] = [
        MetricId::AiTouchRate,
        MetricId::FrtP90Seconds,
        MetricId::FrtP50Seconds,
        MetricId::AhtSeconds,
        MetricId::DeflectionRate,
        MetricId::HandoffRate,
        MetricId::ReturnRate24h,
        MetricId::CsatAi,
        MetricId::CsatHuman,
        MetricId::NegativeSentiment,
        MetricId::CostPerConversation,
        MetricId::KbHitRate,
        MetricId::FeedbackLoopRate,
    ];

    /// The id as written in JSON and config.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricId::AiTouchRate => "ai_touch_rate",
            MetricId::FrtP90Seconds => "frt_p90_seconds",
            MetricId::FrtP50Seconds => "frt_p50_seconds",
            MetricId::AhtSeconds => "aht_seconds",
            MetricId::DeflectionRate => "deflection_rate",
            MetricId::HandoffRate => "handoff_rate",
            MetricId::ReturnRate24h => "return_rate_24h",
            MetricId::CsatAi => "csat_ai",
            MetricId::CsatHuman => "csat_human",
            MetricId::NegativeSentiment => "negative_sentiment",
            MetricId::CostPerConversation => "cost_per_conversation",
            MetricId::KbHitRate => "kb_hit_rate",
            MetricId::FeedbackLoopRate => "feedback_loop_rate",
        }
    }

    /// Parses an id as written in JSON and config.
    pub fn from_name(name: &str) -> Option<MetricId> {
        MetricId::ALL.into_iter().find(|id| id.as_str() == name)
    }

    pub fn layer(self) -> Layer {
        match self {
            MetricId::AiTouchRate
            | MetricId::FrtP90Seconds
            | MetricId::FrtP50Seconds
            | MetricId::AhtSeconds => Layer::Coverage,
            MetricId::DeflectionRate | MetricId::HandoffRate | MetricId::ReturnRate24h => {
                Layer::Resolution
            }
            MetricId::CsatAi | MetricId::CsatHuman | MetricId::NegativeSentiment => {
                Layer::Experience
            }
            MetricId::CostPerConversation | MetricId::KbHitRate | MetricId::FeedbackLoopRate => {
                Layer::CostAndTraining
            }
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            MetricId::FrtP90Seconds | MetricId::FrtP50Seconds | MetricId::AhtSeconds => {
                Unit::Seconds
            }
            MetricId::CsatAi | MetricId::CsatHuman => Unit::Rating,
            MetricId::NegativeSentiment => Unit::Score,
            MetricId::CostPerConversation => Unit::Money,
            _ => Unit::Ratio,
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            MetricId::AiTouchRate
            | MetricId::CsatAi
            | MetricId::CsatHuman
            | MetricId::KbHitRate
            | MetricId::FeedbackLoopRate => Direction::HigherIsBetter,
            MetricId::DeflectionRate => Direction::CloserToRange,
            _ => Direction::LowerIsBetter,
        }
    }

    /// Counted among the framework's 12 (FRT p50 is shown beside p90 but not counted).
    pub fn counts_toward_twelve(self) -> bool {
        self != MetricId::FrtP50Seconds
    }

    /// The SPEC §1 default target.
    pub fn default_target(self) -> Target {
        let t = |n: i64, d: i64| exact::ratio(n, d).expect("nonzero denominator");
        match self {
            MetricId::AiTouchRate => Target::Above(t(95, 100)),
            MetricId::FrtP90Seconds | MetricId::FrtP50Seconds => Target::Below(t(3, 1)),
            MetricId::AhtSeconds | MetricId::NegativeSentiment | MetricId::CostPerConversation => {
                Target::LowerThanPrevious
            }
            MetricId::DeflectionRate => Target::Range {
                min: t(45, 100),
                max: t(70, 100),
            },
            MetricId::HandoffRate => Target::Below(t(35, 100)),
            MetricId::ReturnRate24h => Target::Below(t(10, 100)),
            MetricId::CsatAi => Target::Above(t(4, 1)),
            MetricId::CsatHuman => Target::Above(t(45, 10)),
            MetricId::KbHitRate => Target::Above(t(80, 100)),
            MetricId::FeedbackLoopRate => Target::Above(t(50, 100)),
        }
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
    let c = &month.conversations;
    match id {
        MetricId::AiTouchRate => exact::ratio(c.ai_participated, c.total),
        MetricId::FrtP90Seconds => c.first_response.p90_seconds.and_then(exact::float),
        MetricId::FrtP50Seconds => c.first_response.p50_seconds.and_then(exact::float),
        MetricId::AhtSeconds => exact::quotient(
            exact::decimal(c.handle_time.total_micros),
            exact::integer(c.handle_time.measured) * exact::integer(1_000_000),
        ),
        MetricId::DeflectionRate => exact::ratio(c.deflected, c.total),
        MetricId::HandoffRate => exact::ratio(c.handoffs.total, c.total),
        MetricId::ReturnRate24h => exact::ratio(c.returned_24h, c.total),
        MetricId::CsatAi => exact::ratio(c.csat_ai.sum, c.csat_ai.rated),
        MetricId::CsatHuman => exact::ratio(c.csat_human.sum, c.csat_human.rated),
        MetricId::NegativeSentiment => exact::quotient(
            exact::big_decimal(&c.sentiment.sum),
            exact::integer(c.sentiment.scored),
        ),
        MetricId::CostPerConversation => exact::quotient(costs.total(), exact::integer(c.total)),
        MetricId::KbHitRate => exact::ratio(month.kb_evals.top1_hits, month.kb_evals.evaluated),
        MetricId::FeedbackLoopRate => {
            exact::ratio(month.reply_edits.fed_back, month.reply_edits.edited)
        }
    }
}
