//! Every chart of the report, by [`ChartId`]: which kind draws it and from what. The
//! drawing order is [`ChartId::ALL`]'s.
//!
//! A new chart is its kind's file (or a new function in an existing one) plus its arm in
//! [`entry`]; the compiler refuses a `ChartId` without one. A new kind is also one
//! variant of [`Spec`].

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend};

use super::cost::{self, CostSpec};
use super::drivers::{self, DriversSpec};
use super::kit::{Caption, DrawResult};
use super::line::{self, LineSpec};
use super::segments::{self, SegmentsSpec};
use super::status::{self, StatusSpec};
use super::trends;
use crate::presentation::chart_id::ChartId;
use crate::presentation::{Language, Presentation};
use crate::review::Review;

/// One chart, described and ready to draw.
pub(super) struct Entry {
    pub(super) id: ChartId,
    pub(super) caption: Caption,
    pub(super) spec: Spec,
}

/// What a chart shows, by kind, independent of the backend.
pub(super) enum Spec {
    Line(LineSpec),
    CostBars(CostSpec),
    Status(StatusSpec),
    Drivers(DriversSpec),
    Segments(SegmentsSpec),
}

/// The chart `id` of the review, in the presentation's words.
pub(super) fn entry(id: ChartId, review: &Review, p: &Presentation) -> Entry {
    let (caption, spec) = match id {
        ChartId::StatusOverview => kind(StatusSpec::new(review, p), Spec::Status),
        ChartId::Segments => kind(SegmentsSpec::new(review, p), Spec::Segments),
        ChartId::DeflectionVsReturn => kind(trends::deflection_vs_return(review, p), Spec::Line),
        ChartId::Frt => kind(trends::frt(review, p), Spec::Line),
        ChartId::Csat => kind(trends::csat(review, p), Spec::Line),
        ChartId::Aht => kind(trends::aht(review, p), Spec::Line),
        ChartId::NegativeSentiment => kind(trends::negative_sentiment(review, p), Spec::Line),
        ChartId::CostPerConversation => kind(trends::cost_per_conversation(review, p), Spec::Line),
        ChartId::CostBreakdown => kind(CostSpec::new(review, p), Spec::CostBars),
        ChartId::Drivers => kind(DriversSpec::new(review, p), Spec::Drivers),
    };
    Entry { id, caption, spec }
}

/// A kind's (caption, spec) as a [`Spec`].
fn kind<K>((caption, spec): (Caption, K), as_spec: fn(K) -> Spec) -> (Caption, Spec) {
    (caption, as_spec(spec))
}

impl Spec {
    /// Width and height in CSS pixels (the SVG's size; the PNG is drawn at twice this).
    pub(super) fn size(&self) -> (u32, u32) {
        match self {
            Spec::Line(_) => line::SIZE,
            Spec::CostBars(_) => cost::SIZE,
            Spec::Status(_) => status::SIZE,
            Spec::Drivers(_) => drivers::SIZE,
            Spec::Segments(_) => segments::SIZE,
        }
    }

    /// Every text the chart draws, for picking the font that covers it.
    pub(super) fn texts(&self) -> Vec<&str> {
        match self {
            Spec::Line(l) => l.texts(),
            Spec::CostBars(c) => c.texts(),
            Spec::Status(st) => st.texts(),
            Spec::Drivers(d) => d.texts(),
            Spec::Segments(sg) => sg.texts(),
        }
    }

    /// The language of the chart's words.
    pub(super) fn language(&self) -> Language {
        match self {
            Spec::Line(l) => l.p.language,
            Spec::CostBars(c) => c.p.language,
            Spec::Status(st) => st.p.language,
            Spec::Drivers(d) => d.language,
            Spec::Segments(sg) => sg.p.language,
        }
    }

    /// Draws the chart on `root` at scale `s` (the background is already white).
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: f64,
    ) -> DrawResult {
        match self {
            Spec::Line(l) => line::draw(root, l, s),
            Spec::CostBars(c) => cost::draw(root, c, s),
            Spec::Status(st) => status::draw(root, st, s),
            Spec::Drivers(d) => drivers::draw(root, d, s),
            Spec::Segments(sg) => segments::draw(root, sg, s),
        }
    }
}
