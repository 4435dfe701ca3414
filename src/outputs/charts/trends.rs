//! The six trend charts: which metrics each one draws, in which colours, against which
//! targets, and in which words. How a trend is drawn is `line.rs`.

use plotters::style::RGBColor;

use super::axis::{Axis, TrendWindow};
use super::kit::Caption;
use super::line::{LineSpec, Series};
use super::theme::{BLUE, ORANGE, SKY};
use crate::presentation::{Language, Presentation};
use crate::review::metrics::MetricId;
use crate::review::Review;
use crate::say;

/// What the trend charts of one review share: the review, its words and its window.
struct Trends<'a> {
    review: &'a Review,
    p: &'a Presentation,
    window: TrendWindow,
}

impl<'a> Trends<'a> {
    fn new(review: &'a Review, p: &'a Presentation) -> Self {
        Self {
            review,
            p,
            window: TrendWindow::new(review, p),
        }
    }

    /// A metric's values over the window as a line.
    fn series(&self, id: MetricId, label: &str, color: RGBColor) -> Series {
        Series {
            label: label.to_string(),
            color,
            unit: id.unit(),
            values: self
                .review
                .trend
                .series
                .get(&id)
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// A metric's target as the reports word it ("> 95.0%").
    fn target_text(&self, id: MetricId) -> String {
        self.review
            .metrics
            .get(&id)
            .map(|m| self.p.target(&m.target, m.unit, &self.review.currency))
            .unwrap_or_default()
    }

    /// A dashed target line for a metric's threshold, labelled with the phrase.
    fn target_at(&self, id: MetricId, phrase: &str) -> Option<(f64, String)> {
        let threshold = self
            .review
            .metrics
            .get(&id)
            .and_then(|m| m.target.threshold)?;
        Some((threshold, say!(phrase, target = self.target_text(id))))
    }

    /// A chart of `series` with no targets yet.
    fn line(&self, title: &str, subtitle: String, axis: Axis, series: Vec<Series>) -> LineSpec {
        LineSpec {
            w: self.p.words,
            p: *self.p,
            title: title.to_string(),
            subtitle,
            months: self.window.months.clone(),
            axis,
            series,
            targets: Vec::new(),
            band: None,
            hollow: Vec::new(),
            events: self.window.events.clone(),
            currency: self.review.currency.clone(),
        }
    }
}

/// Deflection beside the 24h return rate: the pair that keeps deflection honest.
pub(super) fn deflection_vs_return(review: &Review, p: &Presentation) -> (Caption, LineSpec) {
    let t = Trends::new(review, p);
    let (w, period) = (p.words, &t.window.period);
    let mut spec = t.line(
        w.chart_deflection_title,
        say!(w.chart_deflection_subtitle, period = period),
        Axis::Percent,
        vec![
            t.series(MetricId::DeflectionRate, w.chart_deflection_series, BLUE),
            t.series(MetricId::ReturnRate24h, w.metric_return_rate_24h, ORANGE),
        ],
    );
    if let Some(m) = review.metrics.get(&MetricId::DeflectionRate) {
        if let (Some(lo), Some(hi)) = (m.target.min, m.target.max) {
            let target = t.target_text(MetricId::DeflectionRate);
            spec.band = Some((lo, hi, say!(w.chart_deflection_target, target = target)));
        }
    }
    spec.targets
        .extend(t.target_at(MetricId::ReturnRate24h, w.chart_return_target));
    let caption = Caption::new(
        w.chart_deflection_title,
        say!(w.chart_deflection_description, period = period),
    );
    (caption, spec)
}

/// First response time against its target.
pub(super) fn frt(review: &Review, p: &Presentation) -> (Caption, LineSpec) {
    let t = Trends::new(review, p);
    let (w, period) = (p.words, &t.window.period);
    let mut spec = t.line(
        w.chart_frt_heading,
        say!(w.chart_frt_subtitle, period = period),
        Axis::Seconds,
        vec![
            t.series(MetricId::FrtP50Seconds, w.chart_frt_p50, SKY),
            t.series(MetricId::FrtP90Seconds, w.chart_frt_p90, BLUE),
        ],
    );
    spec.targets
        .extend(t.target_at(MetricId::FrtP90Seconds, w.chart_target));
    let caption = Caption::new(
        w.chart_frt_title,
        say!(w.chart_frt_description, period = period),
    );
    (caption, spec)
}

/// CSAT of the AI and of human agents, each with its own target.
pub(super) fn csat(review: &Review, p: &Presentation) -> (Caption, LineSpec) {
    let t = Trends::new(review, p);
    let (w, period) = (p.words, &t.window.period);
    let mut spec = t.line(
        w.chart_csat_title,
        say!(w.chart_csat_subtitle, period = period),
        Axis::Rating,
        vec![
            t.series(MetricId::CsatAi, w.metric_csat_ai, BLUE),
            t.series(MetricId::CsatHuman, w.metric_csat_human, ORANGE),
        ],
    );
    spec.targets
        .extend(t.target_at(MetricId::CsatAi, w.chart_csat_ai_target));
    spec.targets
        .extend(t.target_at(MetricId::CsatHuman, w.chart_csat_human_target));
    let caption = Caption::new(
        w.chart_csat_title,
        say!(w.chart_csat_description, period = period),
    );
    (caption, spec)
}

/// Average handle time, which should drop month over month.
pub(super) fn aht(review: &Review, p: &Presentation) -> (Caption, LineSpec) {
    let t = Trends::new(review, p);
    should_drop(
        &t,
        MetricId::AhtSeconds,
        Axis::Minutes,
        p.words.chart_aht_subtitle,
    )
}

/// Negative sentiment, which should drop month over month.
pub(super) fn negative_sentiment(review: &Review, p: &Presentation) -> (Caption, LineSpec) {
    let t = Trends::new(review, p);
    let subtitle = p.words.chart_sentiment_subtitle;
    should_drop(&t, MetricId::NegativeSentiment, Axis::Score, subtitle)
}

/// Cost per conversation, which should drop month over month; a month whose cost may
/// still move is drawn hollow.
pub(super) fn cost_per_conversation(review: &Review, p: &Presentation) -> (Caption, LineSpec) {
    let t = Trends::new(review, p);
    let subtitle = p.words.chart_cost_subtitle;
    let (caption, mut spec) = should_drop(&t, MetricId::CostPerConversation, Axis::Money, subtitle);
    spec.hollow = review
        .trend
        .cost
        .iter()
        .map(|c| c.has_data && c.provisional)
        .collect();
    if spec.hollow.contains(&true) {
        spec.subtitle.push_str(p.words.chart_cost_hollow);
    }
    (caption, spec)
}

/// One of the three "should drop month over month" metrics: one line, no target line.
fn should_drop(t: &Trends<'_>, id: MetricId, axis: Axis, subtitle: &str) -> (Caption, LineSpec) {
    let (p, period) = (t.p, &t.window.period);
    let title = p.metric_title(id);
    let currency = &t.review.currency;
    let spec = t.line(
        title,
        say!(subtitle, period = period, currency = currency),
        axis,
        vec![t.series(id, title, BLUE)],
    );
    let caption = Caption::new(
        title,
        say!(
            p.words.chart_lower_description,
            metric = lower_first(title, p.language),
            period = period
        ),
    );
    (caption, spec)
}

/// A metric's name inside an English sentence starts lower-case ("monthly average
/// handle time"); languages without case keep it as it is.
fn lower_first(title: &str, language: Language) -> String {
    match language {
        Language::En => title.to_lowercase(),
        Language::ZhCn => title.to_string(),
    }
}
