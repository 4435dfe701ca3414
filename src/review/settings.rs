//! What the review is judged against: targets, tolerances, trap thresholds and cost
//! categories. Defaults are SPEC §1 and §4; `config.rs` fills these from the TOML file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::exact::{self, Exact};
use super::metrics::MetricId;
/// Targets live in `target.rs` (the metric table needs them too, for its defaults).
pub use super::target::{Target, TargetParseError};

/// Trap thresholds (SPEC §4 defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct TrapThresholds {
    /// Trap 1 fires when the frustrated-exit share of deflected conversations exceeds this.
    pub frustrated_exit_share_max: Exact,
    /// Trap 2 fires when prompt coverage of closed conversations is below this.
    pub prompt_coverage_min: Exact,
    /// Trap 2 fires when the positive-ending prompt rate exceeds the other-ending rate by more than this.
    pub prompt_rate_gap_max: Exact,
    /// Trap 3 fires when the booked `llm` line is below this share of the metered cost.
    pub booked_llm_share_min: Exact,
    /// SPEC §7.3: the CSATs carry the `prompting_changed` caveat when trap 2's prompt
    /// coverage moved by more than this since the month before.
    pub prompt_change_max: Exact,
}

impl Default for TrapThresholds {
    fn default() -> Self {
        Self {
            frustrated_exit_share_max: exact::ratio(15, 100).expect("nonzero"),
            prompt_coverage_min: exact::ratio(95, 100).expect("nonzero"),
            prompt_rate_gap_max: exact::ratio(10, 100).expect("nonzero"),
            booked_llm_share_min: exact::ratio(90, 100).expect("nonzero"),
            prompt_change_max: exact::ratio(10, 100).expect("nonzero"),
        }
    }
}

/// Which `cost_ledger` categories make up infra and labor cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostCategories {
    pub infra: Vec<String>,
    pub labor: Vec<String>,
    /// The ledger line that books LLM spend (reconciled against metered usage, never added).
    pub llm: String,
}

impl Default for CostCategories {
    fn default() -> Self {
        Self {
            infra: vec!["infra".into()],
            labor: vec!["labor".into()],
            llm: "llm".into(),
        }
    }
}

/// Everything the review is judged against.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewSettings {
    /// One target per metric id (all 13 present).
    pub targets: BTreeMap<MetricId, Target>,
    /// Per-metric tolerance for "lower than previous month" targets (default 0).
    pub tolerances: BTreeMap<MetricId, Exact>,
    pub traps: TrapThresholds,
    pub costs: CostCategories,
    /// Months in the trend charts, the report month included.
    pub trend_months: usize,
    /// The report currency code, e.g. `USD`.
    pub currency: String,
    /// α of the noise band (SPEC §6.1): a change is significant when a two-sided test
    /// rejects "no change" at this level. 0 < α < 1.
    pub significance_level: f64,
    /// How many issue keys the top-issues table lists (SPEC §6.2), at least 1.
    pub top_issues: usize,
    /// How many channels the segments and drivers list one by one (SPEC §6.2), at least
    /// 1; the rest are summed into one "other channels" entry.
    pub max_channels: usize,
    /// Known events (SPEC §6.5), in the order configured.
    pub annotations: Vec<EventNote>,
}

/// One configured `[[annotations]]` entry, already checked (a date, a 1–80 character label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventNote {
    pub date: chrono::NaiveDate,
    pub label: String,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        let targets = MetricId::ALL
            .iter()
            .map(|id| (*id, id.default_target()))
            .collect();
        let tolerances = MetricId::ALL
            .iter()
            .filter(|id| id.default_target() == Target::LowerThanPrevious)
            .map(|id| (*id, exact::integer(0)))
            .collect();
        Self {
            targets,
            tolerances,
            traps: TrapThresholds::default(),
            costs: CostCategories::default(),
            trend_months: 6,
            currency: "USD".into(),
            significance_level: 0.05,
            top_issues: 10,
            max_channels: 20,
            annotations: Vec::new(),
        }
    }
}

impl ReviewSettings {
    /// The target of a metric (the default when none was configured).
    pub fn target(&self, id: MetricId) -> Target {
        self.targets
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.default_target())
    }

    /// The tolerance of a metric (0 when none was configured).
    pub fn tolerance(&self, id: MetricId) -> Exact {
        self.tolerances
            .get(&id)
            .cloned()
            .unwrap_or_else(|| exact::integer(0))
    }
}
