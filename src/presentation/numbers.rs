//! Every rounding and number format of the outputs (SPEC §3: only display rounds —
//! rates 1 dp in percent, CSAT 2 dp, money 2 dp, seconds 1 dp; JSON is unrounded).
//!
//! Digits are grouped by thousands with a comma in both languages (`12,345`, as
//! Chinese business documents write them too); units come from the words table.

use super::Presentation;
use crate::review::metrics::Unit;
use crate::review::status::{Movement, Status};
use crate::review::TargetReport;
use crate::say;

/// Shown for a missing change (no previous month).
pub const NO_CHANGE: &str = "–";

/// Groups the digits of `n` by thousands: `1234567` → `1,234,567`.
fn group_thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    grouped
}

impl Presentation {
    /// "no data" in the language.
    pub fn no_data(&self) -> &'static str {
        self.words.no_data
    }

    /// A fraction as a percentage with 1 decimal: `0.6234` → `62.3%`.
    pub fn percent(&self, x: f64) -> String {
        format!("{:.1}%", x * 100.0)
    }

    /// An optional fraction as a percentage, or "no data".
    pub fn percent_or_no_data(&self, x: Option<f64>) -> String {
        x.map_or_else(|| self.no_data().to_string(), |v| self.percent(v))
    }

    /// A 1–5 rating or 0–1 score with 2 decimals, or "no data".
    pub fn rating(&self, x: Option<f64>) -> String {
        x.map_or_else(|| self.no_data().to_string(), |v| format!("{v:.2}"))
    }

    /// Seconds for people: `2.4 s` under a minute, `7 min 12 s` under an hour, `1 h 5 min`.
    pub fn seconds(&self, x: f64) -> String {
        let w = self.words;
        if x.abs() < 60.0 {
            return say!(w.seconds, x = format!("{x:.1}"));
        }
        let sign = if x < 0.0 { "-" } else { "" };
        let total = x.abs().round() as i64;
        let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
        let text = if h > 0 {
            say!(w.hours_minutes, h = h, m = m)
        } else {
            say!(w.minutes_seconds, m = m, s = s)
        };
        format!("{sign}{text}")
    }

    /// Money with 2 decimals, thousands separators and the currency code: `USD 1,234.50`.
    pub fn money(&self, x: f64, currency: &str) -> String {
        let cents = (x.abs() * 100.0).round() as u128;
        let (units, cents) = (cents / 100, cents % 100);
        let sign = if x < 0.0 && (units > 0 || cents > 0) {
            "-"
        } else {
            ""
        };
        format!("{sign}{currency} {}.{cents:02}", group_thousands(units))
    }

    /// A count with thousands separators: `12345` → `12,345`.
    pub fn count(&self, n: i64) -> String {
        let sign = if n < 0 { "-" } else { "" };
        format!("{sign}{}", group_thousands(u128::from(n.unsigned_abs())))
    }

    /// A value in its unit, or "no data".
    pub fn value(&self, x: Option<f64>, unit: Unit, currency: &str) -> String {
        match x {
            None => self.no_data().to_string(),
            Some(v) => match unit {
                Unit::Ratio => self.percent(v),
                Unit::Seconds => self.seconds(v),
                Unit::Rating | Unit::Score => format!("{v:.2}"),
                Unit::Money => self.money(v, currency),
            },
        }
    }

    /// A target in the metric's unit: `> 95.0%`, `< 3.0 s`, `45.0% – 70.0%`,
    /// `lower than previous month`. Falls back to the configured text for an unknown kind.
    pub fn target(&self, t: &TargetReport, unit: Unit, currency: &str) -> String {
        let w = self.words;
        let v = |x: Option<f64>| x.map(|x| self.value(Some(x), unit, currency));
        match (t.kind.as_str(), v(t.threshold), v(t.min), v(t.max)) {
            ("above", Some(th), _, _) => say!(w.target_above, x = th),
            ("below", Some(th), _, _) => say!(w.target_below, x = th),
            ("range", _, Some(min), Some(max)) => say!(w.target_range, min = min, max = max),
            ("lower_than_previous", ..) => match t.tolerance.filter(|tol| *tol > 0.0) {
                // A fall smaller than the tolerance counts as flat (missed), so say so.
                Some(tol) => say!(
                    w.target_lower_by,
                    x = self
                        .delta(Some(tol), unit, currency)
                        .trim_start_matches('+')
                ),
                None => w.target_lower.to_string(),
            },
            _ => t.text.clone(),
        }
    }

    /// A signed absolute change in its unit: rates in percentage points (`+1.2 pp`).
    /// A change that rounds to zero at display precision is "no change", with no sign
    /// (SPEC §7.6: never `−0.0`, `+0.0`, `±0.0` or `−USD 0.00`).
    pub fn delta(&self, x: Option<f64>, unit: Unit, currency: &str) -> String {
        let Some(v) = x else {
            return NO_CHANGE.to_string();
        };
        if self.rounds_to_zero(v, unit) {
            return self.words.no_change.to_string();
        }
        let sign = if v > 0.0 { "+" } else { "−" };
        let magnitude = v.abs();
        let body = match unit {
            Unit::Ratio => say!(
                self.words.percentage_points,
                x = format!("{:.1}", magnitude * 100.0)
            ),
            Unit::Seconds => self.seconds(magnitude),
            Unit::Rating | Unit::Score => format!("{magnitude:.2}"),
            Unit::Money => self.money(magnitude, currency),
        };
        format!("{sign}{body}")
    }

    /// Whether a change in `unit` shows as zero at display precision (rates 1 dp in pp,
    /// ratings and scores 2 dp, money 2 dp, seconds 1 dp under a minute and whole
    /// seconds above).
    pub fn rounds_to_zero(&self, x: f64, unit: Unit) -> bool {
        let shown = match unit {
            Unit::Ratio => (x.abs() * 1000.0).round(),
            Unit::Rating | Unit::Score | Unit::Money => (x.abs() * 100.0).round(),
            Unit::Seconds if x.abs() < 60.0 => (x.abs() * 10.0).round(),
            Unit::Seconds => x.abs().round(),
        };
        shown == 0.0
    }

    /// A signed relative change: `+4.1%`; "no change" when it rounds to 0.0%.
    pub fn relative(&self, x: Option<f64>) -> String {
        match x {
            None => NO_CHANGE.to_string(),
            Some(v) if (v.abs() * 1000.0).round() == 0.0 => self.words.no_change.to_string(),
            Some(v) if v > 0.0 => format!("+{:.1}%", v * 100.0),
            Some(v) => format!("−{:.1}%", v.abs() * 100.0),
        }
    }

    /// `better`, `worse`, `flat` (or `–` without a previous month).
    pub fn movement(&self, m: Option<Movement>) -> &'static str {
        match m {
            Some(Movement::Better) => self.words.better,
            Some(Movement::Worse) => self.words.worse,
            Some(Movement::Flat) => self.words.flat,
            None => NO_CHANGE,
        }
    }

    /// An arrow for the direction of the raw change: ▲ up, ▼ down, ▶ unchanged.
    pub fn arrow(&self, delta: Option<f64>) -> &'static str {
        match delta {
            Some(v) if v > 0.0 => "▲",
            Some(v) if v < 0.0 => "▼",
            Some(_) => "▶",
            None => "",
        }
    }

    /// `met`, `missed`, `no data`.
    pub fn status(&self, s: Status) -> &'static str {
        match s {
            Status::Met => self.words.status_met,
            Status::Missed => self.words.status_missed,
            Status::NoData => self.words.no_data,
            Status::NotMeasured => self.words.not_measured,
        }
    }

    /// A status with its emoji, for Markdown and email where colour may be lost.
    pub fn status_badge(&self, s: Status) -> String {
        let emoji = match s {
            Status::Met => "✅",
            Status::Missed => "❌",
            Status::NoData => "⚪",
            Status::NotMeasured => "➖",
        };
        format!("{emoji} {}", self.status(s))
    }

    /// The coloured dot Markdown puts before better/worse/flat.
    pub fn movement_dot(&self, m: Option<Movement>) -> &'static str {
        match m {
            Some(Movement::Better) => "🟢",
            Some(Movement::Worse) => "🔴",
            Some(Movement::Flat) => "⚪",
            None => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presentation::Language;

    fn en() -> Presentation {
        Presentation::new(Language::En)
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(en().seconds(2.44), "2.4 s");
        assert_eq!(en().seconds(432.0), "7 min 12 s");
        assert_eq!(en().seconds(3900.0), "1 h 5 min");
        let zh = Presentation::new(Language::ZhCn);
        assert_eq!(zh.seconds(2.44), "2.4 秒");
        assert_eq!(zh.seconds(432.0), "7 分 12 秒");
    }

    #[test]
    fn money_groups_thousands_and_rounds_to_cents() {
        let p = en();
        assert_eq!(p.money(1234.5, "USD"), "USD 1,234.50");
        assert_eq!(p.money(0.005, "EUR"), "EUR 0.01");
        assert_eq!(p.money(-1234567.891, "USD"), "-USD 1,234,567.89");
        assert_eq!(p.money(0.0, "USD"), "USD 0.00");
        assert_eq!(p.count(12345), "12,345");
        assert_eq!(p.count(-1000), "-1,000");
        assert_eq!(p.count(999), "999");
        assert_eq!(Presentation::new(Language::ZhCn).count(12345), "12,345");
    }

    #[test]
    fn targets_read_in_their_unit() {
        let p = en();
        let t = |kind: &str, threshold, min, max, tolerance| TargetReport {
            kind: kind.to_string(),
            threshold,
            min,
            max,
            tolerance,
            text: String::new(),
        };
        let above = t("above", Some(0.95), None, None, None);
        assert_eq!(p.target(&above, Unit::Ratio, "USD"), "> 95.0%");
        let below = t("below", Some(3.0), None, None, None);
        assert_eq!(p.target(&below, Unit::Seconds, "USD"), "< 3.0 s");
        let range = t("range", None, Some(0.45), Some(0.7), None);
        assert_eq!(p.target(&range, Unit::Ratio, "USD"), "45.0% – 70.0%");
        let lower = t("lower_than_previous", None, None, None, Some(0.0));
        assert_eq!(
            p.target(&lower, Unit::Money, "USD"),
            "lower than previous month"
        );
        let tol = t("lower_than_previous", None, None, None, Some(0.05));
        assert_eq!(
            p.target(&tol, Unit::Money, "USD"),
            "lower than previous month by ≥ USD 0.05"
        );
    }

    #[test]
    fn deltas_are_signed_in_their_unit() {
        let p = en();
        assert_eq!(p.delta(Some(0.012), Unit::Ratio, "USD"), "+1.2 pp");
        assert_eq!(p.delta(Some(-0.5), Unit::Seconds, "USD"), "−0.5 s");
        assert_eq!(p.delta(Some(0.0), Unit::Rating, "USD"), "no change");
        assert_eq!(p.relative(Some(0.041)), "+4.1%");
        assert_eq!(p.value(None, Unit::Ratio, "USD"), "no data");
        assert_eq!(p.percent(0.6234), "62.3%");
    }

    #[test]
    fn a_change_that_rounds_to_zero_is_no_change_without_a_sign() {
        let p = en();
        assert_eq!(p.delta(Some(-0.00004), Unit::Ratio, "USD"), "no change");
        assert_eq!(p.delta(Some(-0.004), Unit::Money, "USD"), "no change");
        assert_eq!(p.delta(Some(0.004), Unit::Rating, "USD"), "no change");
        assert_eq!(p.delta(Some(-0.04), Unit::Seconds, "USD"), "no change");
        assert_eq!(p.relative(Some(-0.0004)), "no change");
        assert_eq!(p.delta(Some(-0.006), Unit::Money, "USD"), "−USD 0.01");
        let zh = Presentation::new(Language::ZhCn);
        assert_eq!(zh.delta(Some(0.0), Unit::Ratio, "USD"), "持平");
        assert_eq!(zh.relative(Some(0.0)), "持平");
    }
}
