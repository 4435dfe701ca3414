//! A metric's target: what its value is judged against, as the config file writes it.
//!
//! Its own file because both the metric table (each metric's default target) and the
//! review's settings (the configured targets) use it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::exact::{self, Exact};

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
