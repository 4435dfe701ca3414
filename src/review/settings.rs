//! What the review is judged against: targets, tolerances, trap thresholds and cost
//! categories. Defaults are SPEC §1 and §4; `config.rs` fills these from the TOML file.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::exact::{self, Exact};
use super::metrics::MetricId;

/// A metric's target, as written in the config file.
///
/// The textual forms are `"> 0.95"`, `"< 3"`, `"0.45 to 0.70"` and
/// `"lower than previous month"`. Thresholds are kept as the decimal the person wrote
/// so that comparisons are exact.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Met when the value is strictly greater.
    Above(Exact),
    /// Met when the value is strictly lower.
    Below(Exact),
    /// Met when the value lies within the bounds, inclusive.
    Range { min: Exact, max: Exact },
    /// Met when the value is lower than the previous month's by at least the tolerance
    /// (a change smaller than the tolerance is flat, which is missed).
    LowerThanPrevious,
}

/// Why a target string was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a target: write \"> 0.95\", \"< 3\", \"0.45 to 0.70\" or \"lower than previous month\"")]
pub struct TargetParseError(pub String);

impl FromStr for Target {
    type Err = TargetParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TargetParseError(s.to_string());
        let t = s.trim();
        if t.eq_ignore_ascii_case("lower than previous month") {
            return Ok(Target::LowerThanPrevious);
        }
        if let Some(rest) = t.strip_prefix('>') {
            return exact::parse_decimal(rest)
                .map(Target::Above)
                .ok_or_else(err);
        }
        if let Some(rest) = t.strip_prefix('<') {
            return exact::parse_decimal(rest)
                .map(Target::Below)
                .ok_or_else(err);
        }
        if let Some((lo, hi)) = t.split_once(" to ") {
            let min = exact::parse_decimal(lo).ok_or_else(err)?;
            let max = exact::parse_decimal(hi).ok_or_else(err)?;
            if min > max {
                return Err(err());
            }
            return Ok(Target::Range { min, max });
        }
        Err(err())
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dec = |x: &Exact| trim_decimal(exact::to_f64(x));
        match self {
            Target::Above(t) => write!(f, "> {}", dec(t)),
            Target::Below(t) => write!(f, "< {}", dec(t)),
            Target::Range { min, max } => write!(f, "{} to {}", dec(min), dec(max)),
            Target::LowerThanPrevious => f.write_str("lower than previous month"),
        }
    }
}

fn trim_decimal(x: f64) -> String {
    // Shortest round-trip form: 0.95 stays "0.95", 3.0 becomes "3".
    let s = x.to_string();
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_strings_round_trip() {
        for s in ["> 0.95", "< 3", "0.45 to 0.7", "lower than previous month"] {
            assert_eq!(s.parse::<Target>().unwrap().to_string(), s);
        }
        assert_eq!(
            "> 0.95".parse::<Target>().unwrap(),
            Target::Above(exact::ratio(95, 100).unwrap())
        );
    }

    #[test]
    fn bad_targets_are_refused() {
        for s in ["", ">", "0.7 to 0.45", "about 3", "> x"] {
            assert!(s.parse::<Target>().is_err(), "{s}");
        }
    }
}
