//! The trend line chart: one line per series over the months of the trend window, with
//! targets, gaps, events and the report month's values labelled. Which trends there are,
//! and their words, is `trends.rs`.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::{dashed, draw_events, month_chart, nice_ceiling, Axis, MonthChart};
use super::fonts::font;
use super::kit::{err, header, px, text, DrawResult, LegendEntry, LegendMark};
use super::theme::{GAP_FILL, MET, MUTED, TARGET};
use crate::presentation::{Presentation, Words};
use crate::review::metrics::Unit;

/// Width and height in CSS pixels.
pub(super) const SIZE: (u32, u32) = (900, 420);

/// What a trend line chart shows.
pub(super) struct LineSpec {
    pub(super) w: &'static Words,
    pub(super) p: Presentation,
    pub(super) title: String,
    pub(super) subtitle: String,
    /// The months' axis labels, oldest first.
    pub(super) months: Vec<String>,
    pub(super) axis: Axis,
    pub(super) series: Vec<Series>,
    /// Horizontal target lines: (value, label).
    pub(super) targets: Vec<(f64, String)>,
    /// A target range drawn as a band: (min, max, label).
    pub(super) band: Option<(f64, f64, String)>,
    /// Months whose points are drawn hollow: provisional values that may still move.
    pub(super) hollow: Vec<bool>,
    /// Known events (SPEC §6.5): (x on the month axis, the marker's number).
    pub(super) events: Vec<(f64, String)>,
    pub(super) currency: String,
}

/// One line: a metric's values month by month (None: no data that month).
pub(super) struct Series {
    pub(super) label: String,
    pub(super) color: RGBColor,
    pub(super) unit: Unit,
    pub(super) values: Vec<Option<f64>>,
}

impl LineSpec {
    /// Every text the chart draws (for the font choice).
    pub(super) fn texts(&self) -> Vec<&str> {
        let mut out = vec![self.title.as_str(), self.subtitle.as_str()];
        out.extend(self.months.iter().map(String::as_str));
        out.extend(self.series.iter().map(|s| s.label.as_str()));
        out.extend(self.targets.iter().map(|t| t.1.as_str()));
        out.extend(self.band.iter().map(|b| b.2.as_str()));
        out.extend(self.events.iter().map(|e| e.1.as_str()));
        out
    }

    /// Every value in axis units.
    fn plotted(&self) -> Vec<f64> {
        let axis = self.axis;
        self.series
            .iter()
            .flat_map(|se| se.values.iter().flatten().map(|v| axis.plot(*v)))
            .collect()
    }

    /// The y axis's range: it holds the values, the targets and the band.
    fn y_range(&self, values: &[f64]) -> (f64, f64) {
        let axis = self.axis;
        let mut relevant = values.to_vec();
        relevant.extend(self.targets.iter().map(|(t, _)| axis.plot(*t)));
        if let Some((lo, hi, _)) = &self.band {
            relevant.extend([axis.plot(*lo), axis.plot(*hi)]);
        }
        let hi = relevant.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lo = relevant.iter().copied().fold(f64::INFINITY, f64::min);
        match axis {
            Axis::Rating => {
                let y0 = if lo.is_finite() { axis.floor(lo) } else { 1.0 };
                (y0, 5.0)
            }
            _ => (
                0.0,
                nice_ceiling(if hi.is_finite() { hi * 1.18 } else { 1.0 }),
            ),
        }
    }

    /// The series when there are several (a single one is named by the title already),
    /// and the target when there is one.
    fn legend(&self) -> Vec<LegendEntry> {
        let mut legend: Vec<LegendEntry> = Vec::new();
        if self.series.len() > 1 {
            legend.extend(
                self.series
                    .iter()
                    .map(|se| (se.label.clone(), se.color, LegendMark::Line)),
            );
        }
        if !self.targets.is_empty() || self.band.is_some() {
            legend.push((
                self.w.chart_legend_target.into(),
                TARGET,
                LegendMark::Dashed,
            ));
        }
        legend
    }
}

/// Draws the chart: header, grid, gaps, targets, events, lines, the month's labels.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &LineSpec,
    s: f64,
) -> DrawResult {
    let top = header(root, &spec.title, &spec.subtitle, &spec.legend(), s)?;
    let plot = root.margin(top, px(8.0, s), px(12.0, s), px(28.0, s));
    let values = spec.plotted();
    let (y0, y1) = spec.y_range(&values);
    let span = y1 - y0;
    let y_tick = |y: &f64| spec.axis.tick(*y, span, &spec.p);
    let mut chart = month_chart(&plot, &spec.months, (y0, y1), &y_tick, s)?;
    draw_gaps(root, &mut chart, spec, (y0, y1), s)?;
    draw_targets(root, &mut chart, spec, s)?;
    draw_events(root, &mut chart, &spec.events, (y0, y1), s)?;
    for se in &spec.series {
        draw_series(&mut chart, spec, se, s)?;
    }
    label_report_month(root, &chart, spec, s)?;
    if values.is_empty() {
        let (w, h) = plot.dim_in_pixel();
        text(
            &plot,
            spec.w.chart_no_data_period,
            (w as i32 / 2, h as i32 / 2),
            font(16.0, s, MUTED, true),
            HPos::Center,
            VPos::Center,
        )?;
    }
    Ok(())
}

/// Months where no series has a value: a shaded column that says so, not a zero.
fn draw_gaps<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut MonthChart<'_, DB>,
    spec: &LineSpec,
    (y0, y1): (f64, f64),
    s: f64,
) -> DrawResult {
    let span = y1 - y0;
    for i in 0..spec.months.len().max(1) {
        if spec
            .series
            .iter()
            .all(|se| se.values.get(i).copied().flatten().is_none())
        {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(i as f64 - 0.42, y0), (i as f64 + 0.42, y1)],
                    GAP_FILL.filled(),
                )))
                .map_err(err)?;
            let at = chart.backend_coord(&(i as f64, y0 + span * 0.5));
            text(
                root,
                spec.w.no_data,
                at,
                font(12.5, s, MUTED, false),
                HPos::Center,
                VPos::Center,
            )?;
        }
    }
    Ok(())
}

/// The target band (a range, shaded between dashed lines) and the target lines, each
/// labelled at the left.
fn draw_targets<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut MonthChart<'_, DB>,
    spec: &LineSpec,
    s: f64,
) -> DrawResult {
    let n = spec.months.len().max(1);
    let axis = spec.axis;
    if let Some((lo, hi, label)) = &spec.band {
        let (lo, hi) = (axis.plot(*lo), axis.plot(*hi));
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(-0.5, lo), (n as f64 - 0.5, hi)],
                MET.mix(0.07).filled(),
            )))
            .map_err(err)?;
        for y in [lo, hi] {
            dashed(chart, y, n, s)?;
        }
        let at = chart.backend_coord(&(-0.5, hi));
        text(
            root,
            label,
            (at.0 + px(6.0, s), at.1 + px(4.0, s)),
            font(11.5, s, MET, false),
            HPos::Left,
            VPos::Top,
        )?;
    }
    for (t, label) in &spec.targets {
        let y = axis.plot(*t);
        dashed(chart, y, n, s)?;
        let at = chart.backend_coord(&(-0.5, y));
        text(
            root,
            label,
            (at.0 + px(6.0, s), at.1 - px(4.0, s)),
            font(11.5, s, TARGET, false),
            HPos::Left,
            VPos::Bottom,
        )?;
    }
    Ok(())
}

/// One series: consecutive months joined (a month without a value breaks the line),
/// each value a dot, hollow where it is provisional.
fn draw_series<DB: DrawingBackend>(
    chart: &mut MonthChart<'_, DB>,
    spec: &LineSpec,
    se: &Series,
    s: f64,
) -> DrawResult {
    let points: Vec<Option<(f64, f64)>> = se
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| v.map(|v| (i as f64, spec.axis.plot(v))))
        .collect();
    for run in points.split(|p| p.is_none()) {
        let run: Vec<(f64, f64)> = run.iter().flatten().copied().collect();
        if run.len() >= 2 {
            chart
                .draw_series(LineSeries::new(
                    run,
                    se.color.stroke_width(px(2.5, s) as u32),
                ))
                .map_err(err)?;
        }
    }
    for (i, p) in points.iter().enumerate() {
        let Some(p) = p else { continue };
        if spec.hollow.get(i).copied().unwrap_or(false) {
            chart
                .draw_series(std::iter::once(Circle::new(*p, px(5.0, s), WHITE.filled())))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    *p,
                    px(5.0, s),
                    se.color.stroke_width(px(2.0, s) as u32),
                )))
                .map_err(err)?;
        } else {
            chart
                .draw_series(std::iter::once(Circle::new(
                    *p,
                    px(4.0, s),
                    se.color.filled(),
                )))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// Labels the report month's values so the chart answers "where are we now". A label
/// sits on the side away from the line coming into the point; two labels that would
/// collide are split, the higher value above and the lower below.
fn label_report_month<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &MonthChart<'_, DB>,
    spec: &LineSpec,
    s: f64,
) -> DrawResult {
    let last = spec.months.len().max(1) - 1;
    // (series, value, where it is drawn, whether its label goes above)
    let mut labels: Vec<(usize, f64, (i32, i32), bool)> = spec
        .series
        .iter()
        .enumerate()
        .filter_map(|(k, se)| {
            let v = se.values.get(last).copied().flatten()?;
            let at = chart.backend_coord(&(last as f64, spec.axis.plot(v)));
            let before = last
                .checked_sub(1)
                .and_then(|p| se.values.get(p).copied().flatten());
            let above = before.is_none_or(|b| b <= v);
            Some((k, v, at, above))
        })
        .collect();
    labels.sort_by_key(|l| l.2 .1);
    if let [a, b] = labels.as_mut_slice() {
        if a.3 == b.3 && (b.2 .1 - a.2 .1).abs() < px(30.0, s) {
            a.3 = true; // higher on screen (smaller y)
            b.3 = false;
        }
    }
    for (k, v, at, above) in labels {
        let se = &spec.series[k];
        let label = spec.p.value(Some(v), se.unit, &spec.currency);
        let style = font(12.5, s, se.color, true);
        let (dy, vpos) = if above {
            (-px(10.0, s), VPos::Bottom)
        } else {
            (px(10.0, s), VPos::Top)
        };
        let (tw, th) = root.estimate_text_size(&label, &style).map_err(err)?;
        let (tw, th) = (tw as i32, th as i32);
        let y = at.1 + dy;
        let (top, bottom) = if above {
            (y - th - px(2.0, s), y + px(2.0, s))
        } else {
            (y - px(2.0, s), y + th + px(2.0, s))
        };
        // A white backing keeps the label readable over the grid and the other line.
        root.draw(&Rectangle::new(
            [
                (at.0 - tw / 2 - px(3.0, s), top),
                (at.0 + tw / 2 + px(3.0, s), bottom),
            ],
            WHITE.mix(0.85).filled(),
        ))
        .map_err(err)?;
        text(root, &label, (at.0, y), style, HPos::Center, vpos)?;
    }
    Ok(())
}
