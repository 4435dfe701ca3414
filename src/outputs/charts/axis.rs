//! The trend window as the month-axis charts (trend lines, cost bars) draw it: its month
//! labels and period, its known events, the month axis, the value axis and its grid.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::fonts::font;
use super::kit::{err, px, text, DrawResult};
use super::theme::{AXIS, EVENT, GRID, MUTED, TARGET};
use crate::presentation::Presentation;
use crate::review::Review;
use crate::say;

/// A chart over the months of the trend window.
pub(super) type MonthChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<MonthAxis, RangedCoordf64>>;

/// The trend window in the presentation's words.
pub(super) struct TrendWindow {
    /// The months' axis labels, oldest first.
    pub(super) months: Vec<String>,
    /// "May – Oct 2026", or the one month.
    pub(super) period: String,
    /// Known events (SPEC §6.5): (x on the month axis, the marker's number).
    pub(super) events: Vec<(f64, String)>,
}

impl TrendWindow {
    pub(super) fn new(review: &Review, p: &Presentation) -> Self {
        let months: Vec<String> = review
            .trend
            .months
            .iter()
            .map(|m| p.month_short(*m))
            .collect();
        let period = match (months.first(), months.last()) {
            (Some(a), Some(b)) if a != b => say!(p.words.chart_period, first = a, last = b),
            (Some(a), _) => a.clone(),
            _ => String::new(),
        };
        Self {
            months,
            period,
            events: event_positions(review),
        }
    }
}

/// Where each event inside the trend window sits on the month axis, numbered as the
/// reports list them: month `i` spans `i − 0.5 … i + 0.5`, so a day's x is its month's
/// start plus the fraction of the month gone by.
fn event_positions(review: &Review) -> Vec<(f64, String)> {
    review
        .annotations
        .iter()
        .filter(|a| a.in_trend)
        .enumerate()
        .filter_map(|(k, a)| {
            let month = crate::period::Month::of_date(a.date);
            let i = review.trend.months.iter().position(|m| *m == month)?;
            let first = month.first_day();
            let days = (month.next().first_day() - first).num_days().max(1);
            let into = (a.date - first).num_days() as f64 + 0.5;
            Some((i as f64 - 0.5 + into / days as f64, (k + 1).to_string()))
        })
        .collect()
}

/// How values map onto the y axis and how its ticks read.
#[derive(Clone, Copy)]
pub(super) enum Axis {
    Percent,
    Seconds,
    /// Values in seconds, plotted in minutes (AHT reads better as "7 min").
    Minutes,
    Rating,
    Score,
    Money,
}

impl Axis {
    pub(super) fn plot(self, v: f64) -> f64 {
        match self {
            Axis::Minutes => v / 60.0,
            _ => v,
        }
    }

    pub(super) fn tick(self, y: f64, span: f64, p: &Presentation) -> String {
        let w = p.words;
        match self {
            Axis::Percent if span < 0.05 => format!("{:.1}%", y * 100.0),
            Axis::Percent => format!("{:.0}%", y * 100.0),
            Axis::Seconds => say!(w.seconds, x = format!("{y:.1}")),
            Axis::Minutes if span < 3.0 => say!(w.minutes_axis, x = format!("{y:.1}")),
            Axis::Minutes => say!(w.minutes_axis, x = format!("{y:.0}")),
            Axis::Rating => format!("{y:.1}"),
            Axis::Score => format!("{y:.2}"),
            Axis::Money if span >= 1000.0 => p.count(y.round() as i64),
            Axis::Money => format!("{y:.2}"),
        }
    }

    /// The lower end of the y axis: zero for quantities, near the data for ratings
    /// (a 1–5 scale from zero would flatten every move).
    pub(super) fn floor(self, lo: f64) -> f64 {
        match self {
            Axis::Rating => ((lo - 0.3) * 2.0).floor().max(2.0) / 2.0,
            _ => 0.0,
        }
    }
}

/// A "nice" upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten.
pub(super) fn nice_ceiling(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return 1.0;
    }
    let exp = x.log10().floor();
    let base = 10f64.powf(exp);
    for m in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * base >= x * (1.0 - 1e-9) {
            return m * base;
        }
    }
    10.0 * base
}

/// The x axis of a trend: month `i` sits at `i`, each with its own tick and label.
///
/// plotters' f64 axis picks "nice" ticks (0.5, 2.5 …) and its key-point wrapper loses
/// the label formatter, so months get a small axis of their own.
#[derive(Clone, Copy)]
pub(super) struct MonthAxis {
    months: usize,
}

impl Ranged for MonthAxis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let range = self.range();
        let frac = (value - range.start) / (range.end - range.start);
        limit.0 + (f64::from(limit.1 - limit.0) * frac).round() as i32
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.max_num_points() == 0 {
            return Vec::new();
        }
        (0..self.months).map(|i| i as f64).collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        -0.5..self.months.max(1) as f64 - 0.5
    }
}

/// The months (labelled `months`) by `y0..y1` on `plot`, with the value grid drawn and
/// the y ticks read by `y_tick`.
pub(super) fn month_chart<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    months: &[String],
    (y0, y1): (f64, f64),
    y_tick: &dyn Fn(&f64) -> String,
    s: f64,
) -> Result<MonthChart<'a, DB>, String> {
    let mut chart = ChartBuilder::on(plot)
        .x_label_area_size(px(34.0, s))
        .y_label_area_size(px(66.0, s))
        .build_cartesian_2d(
            MonthAxis {
                months: months.len().max(1),
            },
            y0..y1,
        )
        .map_err(err)?;
    let x_tick = |x: &f64| months.get(x.round() as usize).cloned().unwrap_or_default();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_labels(6)
        .x_label_formatter(&x_tick)
        .y_label_formatter(y_tick)
        .axis_style(AXIS.stroke_width(px(1.0, s) as u32))
        .bold_line_style(GRID.stroke_width(px(1.0, s) as u32))
        .light_line_style(TRANSPARENT)
        .set_tick_mark_size(LabelAreaPosition::Left, px(5.0, s))
        .set_tick_mark_size(LabelAreaPosition::Bottom, px(4.0, s))
        .label_style(font(12.5, s, MUTED, false))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// A dashed horizontal target line at `y` across the `n` months.
pub(super) fn dashed<DB: DrawingBackend>(
    chart: &mut MonthChart<'_, DB>,
    y: f64,
    n: usize,
    s: f64,
) -> DrawResult {
    chart
        .draw_series(DashedLineSeries::new(
            vec![(-0.5, y), (n as f64 - 0.5, y)],
            px(7.0, s),
            px(5.0, s),
            TARGET.stroke_width(px(1.5, s).max(1) as u32),
        ))
        .map(|_| ())
        .map_err(err)
}

/// Known events (SPEC §6.5) as a dashed vertical line at their date with a numbered
/// badge at the top, the number the reports' "Events" list gives them.
pub(super) fn draw_events<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut MonthChart<'_, DB>,
    events: &[(f64, String)],
    (y0, y1): (f64, f64),
    s: f64,
) -> DrawResult {
    for (x, number) in events {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(*x, y0), (*x, y1)],
                px(5.0, s),
                px(4.0, s),
                EVENT.stroke_width(px(2.0, s).max(1) as u32),
            ))
            .map_err(err)?;
        let (bx, by) = chart.backend_coord(&(*x, y1));
        let badge = (bx, by + px(10.0, s));
        root.draw(&Circle::new(badge, px(9.0, s), EVENT.filled()))
            .map_err(err)?;
        text(
            root,
            number,
            badge,
            font(11.0, s, WHITE, true),
            HPos::Center,
            VPos::Center,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceilings_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(0.83), 1.0);
        assert_eq!(nice_ceiling(4.1), 5.0);
        assert_eq!(nice_ceiling(15_525.0), 20_000.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
    }
}
