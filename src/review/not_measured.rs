//! Metrics whose relation the configuration declares absent (`[contract]`, SPEC §3):
//! `not_measured`, with no value, no change and no test, and left out of the "N of M
//! targets met" count.

use std::collections::BTreeMap;

use super::metrics::MetricId;
use super::noise::Significance;
use super::status::Status;
use super::MetricReport;

/// The relation a metric is computed from, when a team may not collect it.
pub fn optional_relation(id: MetricId) -> Option<&'static str> {
    match id {
        MetricId::KbHitRate => Some("kb_evals"),
        MetricId::FeedbackLoopRate => Some("reply_edits"),
        _ => None,
    }
}

/// Marks every metric of an absent relation `not_measured`.
pub fn mark(metrics: &mut BTreeMap<MetricId, MetricReport>, absent_relations: &[String]) {
    for report in metrics.values_mut() {
        let absent = optional_relation(report.id)
            .is_some_and(|relation| absent_relations.iter().any(|r| r == relation));
        if absent {
            report.value = None;
            report.previous = None;
            report.delta_abs = None;
            report.delta_rel = None;
            report.status = Status::NotMeasured;
            report.movement = None;
            report.significance = Significance::NotAssessed;
            report.interval = None;
            report.sample_size = None;
        }
    }
}
