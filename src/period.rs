//! A calendar month in the report's IANA time zone, and the trend window of months.
//!
//! SPEC §3: a month is `[first day 00:00 local, first day of next month 00:00 local)`.
//! The bounds are computed once here and bound to queries as `timestamptz`, so the
//! database never re-interprets local times with its own session time zone.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

/// Why a `--month` value was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{input}` is not a month: write it as YYYY-MM with a month from 01 to 12, e.g. 2026-10")]
pub struct MonthParseError {
    input: String,
}

impl Month {
    /// A month from its parts; `None` when `month` is not 1–12 or the year is out of range.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Self { year, month })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// The month containing a local date.
    pub fn of_date(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The first calendar day of the month (the `cost_ledger.month` key).
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("validated month")
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The `count` months ending with this one, oldest first.
    pub fn window(self, count: usize) -> Vec<Month> {
        let mut months = Vec::with_capacity(count);
        let mut m = self;
        for _ in 0..count.max(1) {
            months.push(m);
            m = m.previous();
        }
        months.reverse();
        months
    }

    /// The month's bounds in `tz`: `[start, end)` as UTC instants.
    pub fn bounds(self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            local_midnight(tz, self.first_day()),
            local_midnight(tz, self.next().first_day()),
        )
    }

    /// The last month that has fully ended at `now` in `tz` (the default report month).
    pub fn last_complete(now: DateTime<Utc>, tz: Tz) -> Self {
        Month::of_date(now.with_timezone(&tz).date_naive()).previous()
    }

    /// Short label for charts and tables, e.g. "Oct 2026".
    pub fn label(self) -> String {
        format!("{} {}", self.first_day().format("%b"), self.year)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = MonthParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || MonthParseError {
            input: s.to_string(),
        };
        let (y, m) = s.trim().split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let year: i32 = y.parse().map_err(|_| err())?;
        let month: u32 = m.parse().map_err(|_| err())?;
        Month::new(year, month).ok_or_else(err)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Month {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Month".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$",
            "description": "A calendar month, YYYY-MM"
        })
    }
}

/// Midnight at the start of `date` in `tz`, as a UTC instant.
///
/// A midnight inside a DST gap maps to the first instant after the gap; an ambiguous one
/// (DST overlap) to the earlier instant (SPEC §3).
pub fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let target = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&target) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => first_instant_at_or_after(tz, target),
    }
}

/// The smallest UTC instant (to the second) whose local time in `tz` is at or after
/// `target`. Local time is monotonic around a gap, so a binary search finds the end of it.
fn first_instant_at_or_after(tz: Tz, target: NaiveDateTime) -> DateTime<Utc> {
    let naive_utc = target.and_utc().timestamp();
    // No real offset exceeds ±26 h, so the answer lies in this window. Search whole seconds.
    let (mut lo, mut hi) = (naive_utc - 48 * 3600, naive_utc + 48 * 3600);
    let local = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .map(|u| tz.from_utc_datetime(&u.naive_utc()).naive_local())
    };
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if local(mid).is_some_and(|l| l >= target) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_month_strings() {
        assert_eq!(
            "2026-10".parse::<Month>().unwrap(),
            Month::new(2026, 10).unwrap()
        );
        for bad in [
            "2026-13", "Oct", "", "2026-1", "26-10", "2026-00", "2026/10", "2026-1a",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn previous_and_next_cross_years() {
        let jan = Month::new(2026, 1).unwrap();
        assert_eq!(jan.previous().to_string(), "2025-12");
        assert_eq!(jan.previous().next(), jan);
        let window: Vec<String> = jan.window(3).iter().map(|m| m.to_string()).collect();
        assert_eq!(window, ["2025-11", "2025-12", "2026-01"]);
    }

    #[test]
    fn shanghai_october_starts_on_september_30_at_16_utc() {
        let (start, end) = Month::new(2026, 10)
            .unwrap()
            .bounds(chrono_tz::Asia::Shanghai);
        assert_eq!(start.to_rfc3339(), "2026-09-30T16:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-10-31T16:00:00+00:00");
    }

    #[test]
    fn midnight_in_a_dst_gap_maps_to_the_end_of_the_gap() {
        // Santiago springs forward at 00:00 local on the first Sunday of September 2024:
        // 2024-09-08 00:00 does not exist; clocks jump to 01:00 (-03), i.e. 04:00 UTC.
        let t = local_midnight(
            chrono_tz::America::Santiago,
            NaiveDate::from_ymd_opt(2024, 9, 8).unwrap(),
        );
        assert_eq!(t.to_rfc3339(), "2024-09-08T04:00:00+00:00");
    }

    #[test]
    fn ambiguous_midnight_maps_to_the_earlier_instant() {
        // Havana falls back at 01:00 CDT to 00:00 CST on 2024-11-03: midnight happens
        // twice, first at -04 (04:00 UTC), then at -05 (05:00 UTC).
        let date = NaiveDate::from_ymd_opt(2024, 11, 3).unwrap();
        assert!(matches!(
            chrono_tz::America::Havana.from_local_datetime(&date.and_hms_opt(0, 0, 0).unwrap()),
            LocalResult::Ambiguous(..)
        ));
        let t = local_midnight(chrono_tz::America::Havana, date);
        assert_eq!(t.to_rfc3339(), "2024-11-03T04:00:00+00:00");
    }

    #[test]
    fn last_complete_month_follows_the_time_zone() {
        let now = "2026-10-31T17:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            Month::last_complete(now, chrono_tz::UTC).to_string(),
            "2026-09"
        );
        assert_eq!(
            Month::last_complete(now, chrono_tz::Asia::Shanghai).to_string(),
            "2026-10"
        );
    }
}
