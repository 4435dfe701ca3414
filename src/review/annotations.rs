//! SPEC §6.5, annotations: known events (a model switch, a prompt or KB release, a pricing
//! change) marked on the trend charts and listed as "Events".

use chrono::NaiveDate;
use serde::Serialize;

use super::settings::EventNote;
use crate::period::Month;

/// One configured `[[annotations]]` entry (`annotations` of `report.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Annotation {
    pub date: NaiveDate,
    /// At most 80 characters, never empty.
    pub label: String,
    /// The date falls inside the trend window, so the charts draw it.
    pub in_trend: bool,
}

/// Every configured annotation, by date (same date: as configured), each marked whether
/// it falls inside the trend window `trend` (its months, oldest first).
pub fn annotations(configured: &[EventNote], trend: &[Month]) -> Vec<Annotation> {
    let window = trend.first().zip(trend.last());
    let mut out: Vec<Annotation> = configured
        .iter()
        .map(|e| Annotation {
            date: e.date,
            label: e.label.clone(),
            in_trend: window.is_some_and(|(first, last)| {
                let month = Month::of_date(e.date);
                *first <= month && month <= *last
            }),
        })
        .collect();
    out.sort_by_key(|a| a.date);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(date: &str, label: &str) -> EventNote {
        EventNote {
            date: date.parse().unwrap(),
            label: label.into(),
        }
    }

    #[test]
    fn only_dates_inside_the_trend_months_are_in_the_trend() {
        let trend: Vec<Month> = ["2026-08", "2026-09", "2026-10"]
            .iter()
            .map(|m| m.parse().unwrap())
            .collect();
        let got = annotations(
            &[
                note("2026-11-01", "after"),
                note("2026-08-01", "first day"),
                note("2026-07-31", "before"),
                note("2026-10-31", "last day"),
            ],
            &trend,
        );
        let seen: Vec<(&str, bool)> = got.iter().map(|a| (a.label.as_str(), a.in_trend)).collect();
        assert_eq!(
            seen,
            [
                ("before", false),
                ("first day", true),
                ("last day", true),
                ("after", false)
            ]
        );
    }
}
