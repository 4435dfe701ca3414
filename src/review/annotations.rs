//! SPEC §6.5, annotations: known events (a model switch, a prompt or KB release, a pricing
//! change) marked on the trend charts and listed as "Events".

use chrono::NaiveDate;
use serde::Serialize;

/// One configured `[[annotations]]` entry (`annotations` of `report.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Annotation {
    pub date: NaiveDate,
    /// At most 80 characters, never empty.
    pub label: String,
    /// The date falls inside the trend window, so the charts draw it.
    pub in_trend: bool,
}
