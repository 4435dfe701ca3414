//! The drivers chart (SPEC §6.3): for each rate, a diverging bar for the part of its
//! change that came from the channel mix and one for the part from the rates within
//! channels, with a tick at the total change. Drawn at email width (640 CSS px), so it
//! reads in a mail client as well as in the report.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::fonts::font;
use super::kit::{err, header, px, text, Caption, DrawResult};
use super::theme::{AXIS, BLUE, GRID, MUTED, ORANGE, TEXT};
use crate::presentation::{Language, Presentation, Words};
use crate::review::{Review, Significance, DRIVER_METRICS};
use crate::say;

/// Width and height of the chart in CSS pixels.
pub(super) const SIZE: (u32, u32) = (640, 380);

/// What the drivers chart shows.
pub(super) struct DriversSpec {
    pub(super) w: &'static Words,
    pub(super) language: Language,
    pub(super) title: String,
    pub(super) subtitle: String,
    pub(super) rows: Vec<DriverRow>,
}

/// One rate's row.
pub(super) struct DriverRow {
    /// The rate's name.
    pub(super) label: String,
    /// "+1.7 pp", and " · within noise" when it is.
    pub(super) total: String,
    /// (mix, rate, total change) as fractions; None when either month has no data.
    pub(super) split: Option<(f64, f64, f64)>,
    /// The mix and rate parts formatted: "+1.2 pp".
    pub(super) labels: (String, String),
}

impl DriversSpec {
    /// The chart of the review's drivers, in the presentation's language.
    pub(super) fn new(review: &Review, p: &Presentation) -> (Caption, Self) {
        let w = p.words;
        let pp = |x: f64| p.points(x);
        let rows = DRIVER_METRICS
            .iter()
            .map(|id| {
                let driver = review.drivers.get(id).and_then(Option::as_ref);
                let noise = review
                    .metrics
                    .get(id)
                    .is_some_and(|m| m.significance == Significance::WithinNoise);
                let total = match driver {
                    None => w.no_data.to_string(),
                    Some(d) if noise => format!("{} · {}", pp(d.delta_abs), w.within_noise),
                    Some(d) => pp(d.delta_abs),
                };
                DriverRow {
                    label: p.metric_title(*id).to_string(),
                    total,
                    split: driver.map(|d| (d.mix, d.rate, d.delta_abs)),
                    labels: driver.map(|d| (pp(d.mix), pp(d.rate))).unwrap_or_default(),
                }
            })
            .collect();
        let month = p.month_name(review.month);
        let caption = Caption::new(
            w.chart_drivers_title,
            say!(w.chart_drivers_description, month = month),
        );
        let spec = Self {
            w,
            language: p.language,
            title: w.chart_drivers_title.to_string(),
            subtitle: say!(w.chart_drivers_subtitle, month = month),
            rows,
        };
        (caption, spec)
    }

    /// Every text the chart draws (for the font choice).
    pub(super) fn texts(&self) -> Vec<&str> {
        let mut out = vec![
            self.title.as_str(),
            self.subtitle.as_str(),
            self.w.chart_legend_mix,
            self.w.chart_legend_rate,
            self.w.chart_legend_change,
        ];
        for r in &self.rows {
            out.extend([r.label.as_str(), r.total.as_str()]);
        }
        out
    }
}

/// Draws the chart: the header, the legend, then rows of diverging bars around one zero
/// line.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &DriversSpec,
    s: f64,
) -> DrawResult {
    let (width, height) = root.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);
    let top = header(root, &spec.title, &spec.subtitle, &[], s)?;
    let legend_y = top + px(4.0, s);
    draw_legend(root, spec.w, legend_y, s)?;

    // Bars area: right of the labels, symmetric around zero.
    let left = px(200.0, s);
    let right = width - px(24.0, s);
    let scale = Scale::new(spec, (left, right));
    let rows_top = legend_y + px(18.0, s);
    let rows_bottom = height - px(14.0, s);
    let n = spec.rows.len().max(1) as i32;
    let row_h = (rows_bottom - rows_top) / n;
    for (k, row) in spec.rows.iter().enumerate() {
        let row_top = rows_top + row_h * k as i32;
        if k > 0 {
            root.draw(&PathElement::new(
                vec![(px(24.0, s), row_top), (right, row_top)],
                GRID.stroke_width(px(1.0, s).max(1) as u32),
            ))
            .map_err(err)?;
        }
        draw_row(root, row, &scale, row_top + row_h / 2, s)?;
    }
    // The zero line, drawn last so it stays visible over the bars' ends.
    let zero = scale.zero;
    root.draw(&PathElement::new(
        vec![(zero, rows_top), (zero, rows_bottom)],
        AXIS.stroke_width(px(1.5, s).max(1) as u32),
    ))
    .map_err(err)?;
    if spec.rows.iter().all(|r| r.split.is_none()) {
        text(
            root,
            spec.w.chart_no_data_period,
            (zero, (rows_top + rows_bottom) / 2),
            font(16.0, s, MUTED, true),
            HPos::Center,
            VPos::Center,
        )?;
    }
    Ok(())
}

/// The legend on its own line at `y`: at 640 px it does not fit beside the title.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    w: &Words,
    y: i32,
    s: f64,
) -> DrawResult {
    let mut x = px(24.0, s);
    for (label, color, is_tick) in [
        (w.chart_legend_mix, BLUE, false),
        (w.chart_legend_rate, ORANGE, false),
        (w.chart_legend_change, TEXT, true),
    ] {
        let mark = if is_tick {
            [
                (x + px(6.0, s), y - px(8.0, s)),
                (x + px(9.0, s), y + px(8.0, s)),
            ]
        } else {
            [(x, y - px(6.0, s)), (x + px(16.0, s), y + px(6.0, s))]
        };
        root.draw(&Rectangle::new(mark, color.filled()))
            .map_err(err)?;
        x += px(22.0, s);
        let style = font(12.5, s, TEXT, false);
        let (tw, _) = root.estimate_text_size(label, &style).map_err(err)?;
        text(root, label, (x, y), style, HPos::Left, VPos::Center)?;
        x += tw as i32 + px(20.0, s);
    }
    Ok(())
}

/// Where a change is drawn: the largest part or total of any row reaches 78 % of the
/// half-width on its side of zero.
struct Scale {
    zero: i32,
    half: f64,
    max: f64,
}

impl Scale {
    fn new(spec: &DriversSpec, (left, right): (i32, i32)) -> Self {
        let max = spec
            .rows
            .iter()
            .filter_map(|r| r.split)
            .flat_map(|(m, r, t)| [m.abs(), r.abs(), t.abs()])
            .fold(0.0, f64::max);
        Self {
            zero: (left + right) / 2,
            half: f64::from((right - left) / 2) * 0.78,
            max,
        }
    }

    /// The x of the change `v`.
    fn at(&self, v: f64) -> i32 {
        if self.max > 0.0 {
            self.zero + (v / self.max * self.half).round() as i32
        } else {
            self.zero
        }
    }
}

/// One rate's row around its middle line `mid`: its name and total change at the left,
/// then a tick at the total and the mix bar above the rate bar, each labelled.
fn draw_row<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    row: &DriverRow,
    scale: &Scale,
    mid: i32,
    s: f64,
) -> DrawResult {
    text(
        root,
        &row.label,
        (px(24.0, s), mid - px(3.0, s)),
        font(14.0, s, TEXT, true),
        HPos::Left,
        VPos::Bottom,
    )?;
    text(
        root,
        &row.total,
        (px(24.0, s), mid + px(3.0, s)),
        font(12.5, s, MUTED, false),
        HPos::Left,
        VPos::Top,
    )?;
    let Some((mix, rate, total)) = row.split else {
        return Ok(());
    };
    let bar_h = px(14.0, s);
    let t = scale.at(total);
    root.draw(&Rectangle::new(
        [
            (t - px(1.5, s), mid - bar_h - px(6.0, s)),
            (t + px(1.5, s), mid + bar_h + px(6.0, s)),
        ],
        TEXT.filled(),
    ))
    .map_err(err)?;
    let zero = scale.zero;
    for (value, label, color, y0) in [
        (mix, &row.labels.0, BLUE, mid - bar_h - px(2.0, s)),
        (rate, &row.labels.1, ORANGE, mid + px(2.0, s)),
    ] {
        let end = scale.at(value);
        let (a, b) = if end < zero {
            (end, zero)
        } else {
            (zero, end.max(zero + 1))
        };
        root.draw(&Rectangle::new([(a, y0), (b, y0 + bar_h)], color.filled()))
            .map_err(err)?;
        // The label sits past both the bar's end and the total's tick, never on them.
        let (at, pos) = if value < 0.0 {
            (a.min(t) - px(6.0, s), HPos::Right)
        } else {
            (b.max(t) + px(6.0, s), HPos::Left)
        };
        text(
            root,
            label,
            (at, y0 + bar_h / 2),
            font(12.5, s, TEXT, false),
            pos,
            VPos::Center,
        )?;
    }
    Ok(())
}
