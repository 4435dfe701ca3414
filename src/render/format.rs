//! Display formatting shared by every format (HTML, Markdown, email, Word).
//!
//! Only display rounds (SPEC §3): rates 1 dp in percent, CSAT 2 dp, money 2 dp,
//! seconds 1 dp. JSON carries the unrounded values.

use crate::review::metrics::Unit;
use crate::review::status::{Movement, Status};
use crate::review::TargetReport;

/// A missing value.
pub const NO_DATA: &str = "no data";

/// A fraction as a percentage with 1 decimal: `0.6234` → `62.3%`.
pub fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Seconds for people: `2.4 s` under a minute, `7 min 12 s` under an hour, `1 h 5 min` above.
pub fn seconds(x: f64) -> String {
    if x.abs() < 60.0 {
        return format!("{x:.1} s");
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let total = x.abs().round() as i64;
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    if h > 0 {
        format!("{sign}{h} h {m} min")
    } else {
        format!("{sign}{m} min {s} s")
    }
}

/// Money with 2 decimals, thousands separators and the currency code: `USD 1,234.50`.
pub fn money(x: f64, currency: &str) -> String {
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
pub fn count(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", group_thousands(u128::from(n.unsigned_abs())))
}

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

/// A value in its unit.
pub fn value(x: Option<f64>, unit: Unit, currency: &str) -> String {
    match x {
        None => NO_DATA.to_string(),
        Some(v) => match unit {
            Unit::Ratio => percent(v),
            Unit::Seconds => seconds(v),
            Unit::Rating => format!("{v:.2}"),
            Unit::Score => format!("{v:.2}"),
            Unit::Money => money(v, currency),
        },
    }
}

/// A target in the metric's unit: `> 95.0%`, `< 3.0 s`, `45.0% – 70.0%`,
/// `lower than previous month`. Falls back to the configured text for an unknown kind.
pub fn target(t: &TargetReport, unit: Unit, currency: &str) -> String {
    let v = |x: Option<f64>| x.map(|x| value(Some(x), unit, currency));
    match (t.kind.as_str(), v(t.threshold), v(t.min), v(t.max)) {
        ("above", Some(th), _, _) => format!("> {th}"),
        ("below", Some(th), _, _) => format!("< {th}"),
        ("range", _, Some(min), Some(max)) => format!("{min} – {max}"),
        ("lower_than_previous", ..) => match t.tolerance.filter(|tol| *tol > 0.0) {
            // A fall smaller than the tolerance counts as flat (missed), so say so.
            Some(tol) => format!(
                "lower than previous month by ≥ {}",
                delta(Some(tol), unit, currency).trim_start_matches('+')
            ),
            None => "lower than previous month".to_string(),
        },
        _ => t.text.clone(),
    }
}

/// A signed absolute change in its unit: rates in percentage points (`+1.2 pp`).
pub fn delta(x: Option<f64>, unit: Unit, currency: &str) -> String {
    let Some(v) = x else {
        return "–".to_string();
    };
    let sign = if v > 0.0 {
        "+"
    } else if v < 0.0 {
        "−"
    } else {
        "±"
    };
    let magnitude = v.abs();
    let body = match unit {
        Unit::Ratio => format!("{:.1} pp", magnitude * 100.0),
        Unit::Seconds => seconds(magnitude),
        Unit::Rating | Unit::Score => format!("{magnitude:.2}"),
        Unit::Money => money(magnitude, currency),
    };
    format!("{sign}{body}")
}

/// A signed relative change: `+4.1%`.
pub fn relative(x: Option<f64>) -> String {
    match x {
        None => "–".to_string(),
        Some(v) if v > 0.0 => format!("+{:.1}%", v * 100.0),
        Some(v) if v < 0.0 => format!("−{:.1}%", v.abs() * 100.0),
        Some(_) => "±0.0%".to_string(),
    }
}

/// `better`, `worse`, `flat` (or `–` without a previous month).
pub fn movement(m: Option<Movement>) -> &'static str {
    match m {
        Some(Movement::Better) => "better",
        Some(Movement::Worse) => "worse",
        Some(Movement::Flat) => "flat",
        None => "–",
    }
}

/// An arrow for the direction of the raw change: ▲ up, ▼ down, ▶ unchanged.
pub fn arrow(delta: Option<f64>) -> &'static str {
    match delta {
        Some(v) if v > 0.0 => "▲",
        Some(v) if v < 0.0 => "▼",
        Some(_) => "▶",
        None => "",
    }
}

/// `met`, `missed`, `no data`.
pub fn status(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::Missed => "missed",
        Status::NoData => NO_DATA,
    }
}

/// A status with its emoji, for Markdown and email where colour may be lost.
pub fn status_badge(s: Status) -> &'static str {
    match s {
        Status::Met => "✅ met",
        Status::Missed => "❌ missed",
        Status::NoData => "⚪ no data",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(seconds(2.44), "2.4 s");
        assert_eq!(seconds(432.0), "7 min 12 s");
        assert_eq!(seconds(3900.0), "1 h 5 min");
    }

    #[test]
    fn money_groups_thousands_and_rounds_to_cents() {
        assert_eq!(money(1234.5, "USD"), "USD 1,234.50");
        assert_eq!(money(0.005, "EUR"), "EUR 0.01");
        assert_eq!(money(-1234567.891, "USD"), "-USD 1,234,567.89");
        assert_eq!(money(0.0, "USD"), "USD 0.00");
        assert_eq!(count(12345), "12,345");
        assert_eq!(count(-1000), "-1,000");
        assert_eq!(count(999), "999");
    }

    #[test]
    fn targets_read_in_their_unit() {
        let t = |kind: &str, threshold, min, max, tolerance| TargetReport {
            kind: kind.to_string(),
            threshold,
            min,
            max,
            tolerance,
            text: String::new(),
        };
        let above = t("above", Some(0.95), None, None, None);
        assert_eq!(target(&above, Unit::Ratio, "USD"), "> 95.0%");
        let below = t("below", Some(3.0), None, None, None);
        assert_eq!(target(&below, Unit::Seconds, "USD"), "< 3.0 s");
        let range = t("range", None, Some(0.45), Some(0.7), None);
        assert_eq!(target(&range, Unit::Ratio, "USD"), "45.0% – 70.0%");
        let lower = t("lower_than_previous", None, None, None, Some(0.0));
        assert_eq!(
            target(&lower, Unit::Money, "USD"),
            "lower than previous month"
        );
        let tol = t("lower_than_previous", None, None, None, Some(0.05));
        assert_eq!(
            target(&tol, Unit::Money, "USD"),
            "lower than previous month by ≥ USD 0.05"
        );
    }

    #[test]
    fn deltas_are_signed_in_their_unit() {
        assert_eq!(delta(Some(0.012), Unit::Ratio, "USD"), "+1.2 pp");
        assert_eq!(delta(Some(-0.5), Unit::Seconds, "USD"), "−0.5 s");
        assert_eq!(delta(Some(0.0), Unit::Rating, "USD"), "±0.00");
        assert_eq!(relative(Some(0.041)), "+4.1%");
        assert_eq!(value(None, Unit::Ratio, "USD"), "no data");
        assert_eq!(percent(0.6234), "62.3%");
    }
}
