//! Which chart: the one name every part of aikpi uses for a chart.
//!
//! The document places charts by [`ChartId`]; the chart catalogue (in `outputs::charts`)
//! draws each one; the file name (`charts/<name>.png`) and the HTML anchor come from
//! [`ChartId::name`]. A new chart is a new variant here plus its catalogue entry.

use std::fmt;

use serde::Serialize;

/// One chart of the report, in drawing and report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartId {
    /// Every metric's status as a tile.
    StatusOverview,
    /// Conversations by channel and top issues.
    Segments,
    /// Deflection beside the 24 h return rate over the trend.
    DeflectionVsReturn,
    /// First response time (p50, p90) over the trend.
    Frt,
    /// CSAT (AI and human) over the trend.
    Csat,
    /// Average handle time over the trend.
    Aht,
    /// Negative sentiment over the trend.
    NegativeSentiment,
    /// Cost per conversation over the trend.
    CostPerConversation,
    /// The month's cost by component.
    CostBreakdown,
    /// SPEC §6.3: channel mix versus rates within channels.
    Drivers,
}

impl ChartId {
    /// Every chart, in drawing and report order.
    pub const ALL: [ChartId; 10] = [
        ChartId::StatusOverview,
        ChartId::Segments,
        ChartId::DeflectionVsReturn,
        ChartId::Frt,
        ChartId::Csat,
        ChartId::Aht,
        ChartId::NegativeSentiment,
        ChartId::CostPerConversation,
        ChartId::CostBreakdown,
        ChartId::Drivers,
    ];

    /// The chart's name: its file stem under `charts/` and its HTML anchor.
    pub fn name(self) -> &'static str {
        match self {
            ChartId::StatusOverview => "status_overview",
            ChartId::Segments => "segments",
            ChartId::DeflectionVsReturn => "deflection_vs_return",
            ChartId::Frt => "frt",
            ChartId::Csat => "csat",
            ChartId::Aht => "aht",
            ChartId::NegativeSentiment => "negative_sentiment",
            ChartId::CostPerConversation => "cost_per_conversation",
            ChartId::CostBreakdown => "cost_breakdown",
            ChartId::Drivers => "drivers",
        }
    }

    /// The chart named `name`, if any.
    pub fn from_name(name: &str) -> Option<ChartId> {
        ChartId::ALL.into_iter().find(|id| id.name() == name)
    }
}

impl fmt::Display for ChartId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chart_name_is_unique_and_round_trips() {
        for id in ChartId::ALL {
            assert_eq!(ChartId::from_name(id.name()), Some(id));
        }
        let mut names: Vec<_> = ChartId::ALL.iter().map(|id| id.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ChartId::ALL.len());
        assert_eq!(ChartId::from_name("pie"), None);
    }
}
