//! Months, days and instants as each language writes them: "October 2026" and
//! "2026年10月", "1 October 2026" and "2026年10月1日". Instants read the same in both
//! (`2026-11-02 08:00 UTC`): they are for looking things up, not for reading aloud.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::{Language, Presentation};
use crate::period::Month;

impl Presentation {
    /// A month in words: "October 2026", "2026年10月".
    pub fn month_name(&self, month: Month) -> String {
        match self.language {
            Language::En => month.first_day().format("%B %Y").to_string(),
            Language::ZhCn => format!("{}年{}月", month.year(), month.month()),
        }
    }

    /// A month on a chart axis: "Oct 2026", "2026年10月".
    pub fn month_short(&self, month: Month) -> String {
        match self.language {
            Language::En => month.first_day().format("%b %Y").to_string(),
            Language::ZhCn => self.month_name(month),
        }
    }

    /// A day in words: "1 October 2026", "2026年10月1日".
    pub fn day(&self, date: NaiveDate) -> String {
        match self.language {
            Language::En => date.format("%-d %B %Y").to_string(),
            Language::ZhCn => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        }
    }

    /// An instant in UTC to the minute: "2026-11-02 08:00 UTC".
    pub fn utc(&self, t: DateTime<Utc>) -> String {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    }

    /// An instant in the report's time zone to the minute (UTC when the name does not
    /// parse): "2026-10-01 00:00".
    pub fn local(&self, t: DateTime<Utc>, time_zone: &str) -> String {
        match time_zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            Err(_) => self.utc(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_days_read_as_each_language_writes_them() {
        let oct = Month::new(2026, 10).unwrap();
        let en = Presentation::new(Language::En);
        let zh = Presentation::new(Language::ZhCn);
        assert_eq!(en.month_name(oct), "October 2026");
        assert_eq!(zh.month_name(oct), "2026年10月");
        assert_eq!(en.month_short(oct), "Oct 2026");
        let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        assert_eq!(en.day(day), "31 October 2026");
        assert_eq!(zh.day(day), "2026年10月31日");
    }
}
