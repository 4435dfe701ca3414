//! The cost breakdown: each month's cost as stacked bars, LLM as its own part (trap 3),
//! a provisional month paler and marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::{draw_events, month_chart, nice_ceiling, Axis, MonthChart, TrendWindow};
use super::fonts::font;
use super::kit::{err, header, px, text, Caption, DrawResult, LegendMark};
use super::theme::{GAP_FILL, MUTED, ORANGE, SKY, SLATE, TEXT, VIOLET};
use crate::presentation::{Presentation, Words};
use crate::review::Review;
use crate::say;

/// Width and height in CSS pixels.
pub(super) const SIZE: (u32, u32) = (900, 420);

/// Half a bar's width, in months.
const HALF_BAR: f64 = 0.3;

/// What the cost breakdown shows.
pub(super) struct CostSpec {
    pub(super) w: &'static Words,
    pub(super) p: Presentation,
    title: String,
    subtitle: String,
    /// The months' axis labels, oldest first.
    months: Vec<String>,
    /// Per month: None = no data; Some((llm, infra, labor, provisional)).
    bars: Vec<Option<(f64, f64, f64, bool)>>,
    /// Known events (SPEC §6.5): (x on the month axis, the marker's number).
    events: Vec<(f64, String)>,
}

impl CostSpec {
    /// The chart of the review's cost over the trend window, in the presentation's words.
    pub(super) fn new(review: &Review, p: &Presentation) -> (Caption, Self) {
        let w = p.words;
        let window = TrendWindow::new(review, p);
        let caption = Caption::new(
            w.chart_breakdown_title,
            say!(w.chart_breakdown_description, period = window.period),
        );
        let spec = Self {
            w,
            p: *p,
            title: w.chart_breakdown_title.into(),
            subtitle: say!(w.chart_breakdown_subtitle, currency = review.currency),
            months: window.months,
            bars: review
                .trend
                .cost
                .iter()
                .map(|c| {
                    c.has_data
                        .then_some((c.llm, c.infra, c.labor, c.provisional))
                })
                .collect(),
            events: window.events,
        };
        (caption, spec)
    }

    /// Every text the chart draws (for the font choice).
    pub(super) fn texts(&self) -> Vec<&str> {
        let mut out = vec![self.title.as_str(), self.subtitle.as_str()];
        out.extend(self.months.iter().map(String::as_str));
        out
    }
}

/// Draws the chart: header, grid, events, then one stacked bar (or a gap) a month.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &CostSpec,
    s: f64,
) -> DrawResult {
    let w = spec.w;
    let legend = vec![
        (w.chart_legend_llm.to_string(), VIOLET, LegendMark::Box),
        (w.chart_legend_infra.to_string(), SKY, LegendMark::Box),
        (w.chart_legend_labor.to_string(), SLATE, LegendMark::Box),
    ];
    let top = header(root, &spec.title, &spec.subtitle, &legend, s)?;
    let plot = root.margin(top, px(8.0, s), px(12.0, s), px(28.0, s));
    let max_total = spec
        .bars
        .iter()
        .flatten()
        .map(|(l, i, b, _)| l + i + b)
        .fold(0.0, f64::max);
    let y1 = nice_ceiling(max_total * 1.15);
    let y_tick = |y: &f64| Axis::Money.tick(*y, y1, &spec.p);
    let mut chart = month_chart(&plot, &spec.months, (0.0, y1), &y_tick, s)?;
    draw_events(root, &mut chart, &spec.events, (0.0, y1), s)?;
    for (i, bar) in spec.bars.iter().enumerate() {
        match *bar {
            Some(parts) => draw_bar(root, &mut chart, spec, i as f64, parts, s)?,
            None => draw_gap(root, &mut chart, spec, i as f64, y1, s)?,
        }
    }
    Ok(())
}

/// A month without data: a shaded column that says so.
fn draw_gap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut MonthChart<'_, DB>,
    spec: &CostSpec,
    x: f64,
    y1: f64,
    s: f64,
) -> DrawResult {
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(x - 0.42, 0.0), (x + 0.42, y1)],
            GAP_FILL.filled(),
        )))
        .map_err(err)?;
    let at = chart.backend_coord(&(x, y1 * 0.5));
    text(
        root,
        spec.w.no_data,
        at,
        font(12.5, s, MUTED, false),
        HPos::Center,
        VPos::Center,
    )
}

/// A month's bar: LLM, infrastructure and labour stacked, the total on top, and the
/// word "provisional" above a month whose cost may still move (drawn paler).
fn draw_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut MonthChart<'_, DB>,
    spec: &CostSpec,
    x: f64,
    (llm, infra, labor, provisional): (f64, f64, f64, bool),
    s: f64,
) -> DrawResult {
    let mut base = 0.0;
    for (amount, color) in [(llm, VIOLET), (infra, SKY), (labor, SLATE)] {
        if amount > 0.0 {
            let fill = if provisional {
                color.mix(0.55)
            } else {
                color.mix(1.0)
            };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x - HALF_BAR, base), (x + HALF_BAR, base + amount)],
                    fill.filled(),
                )))
                .map_err(err)?;
        }
        base += amount;
    }
    let at = chart.backend_coord(&(x, base));
    text(
        root,
        &spec.p.count(base.round() as i64),
        (at.0, at.1 - px(6.0, s)),
        font(12.5, s, TEXT, true),
        HPos::Center,
        VPos::Bottom,
    )?;
    if provisional {
        text(
            root,
            spec.w.provisional_word,
            (at.0, at.1 - px(24.0, s)),
            font(11.0, s, ORANGE, false),
            HPos::Center,
            VPos::Bottom,
        )?;
    }
    Ok(())
}
