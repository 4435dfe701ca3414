//! The drivers chart (SPEC §6.3): for each rate, a diverging bar for the part of its
//! change that came from the channel mix and one for the part from the rates within
//! channels, with a tick at the total change. Drawn at email width (640 CSS px), so it
//! reads in a mail client as well as in the report.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{err, font, header, px, text, DrawResult, AXIS, BLUE, GRID, MUTED, ORANGE, TEXT};
use crate::presentation::{Language, Presentation, Words};
use crate::review::{Review, Significance, DRIVER_METRICS};
use crate::say;

/// Width and height of the chart in CSS pixels.
pub(super) const WIDTH: u32 = 640;
pub(super) const HEIGHT: u32 = 380;

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
    pub(super) fn new(review: &Review, p: &Presentation) -> Self {
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
        Self {
            w,
            language: p.language,
            title: w.chart_drivers_title.to_string(),
            subtitle: say!(w.chart_drivers_subtitle, month = month),
            rows,
        }
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

/// Draws the chart: rows of diverging bars around one zero line.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &DriversSpec,
    s: f64,
) -> DrawResult {
    let (width, height) = root.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);
    let top = header(root, &spec.title, &spec.subtitle, &[], s)?;
    let w = spec.w;

    // Legend on its own line: at 640 px it does not fit beside the title.
    let mut x = px(24.0, s);
    let y = top + px(4.0, s);
    for (label, color, is_tick) in [
        (w.chart_legend_mix, BLUE, false),
        (w.chart_legend_rate, ORANGE, false),
        (w.chart_legend_change, TEXT, true),
    ] {
        if is_tick {
            root.draw(&Rectangle::new(
                [
                    (x + px(6.0, s), y - px(8.0, s)),
                    (x + px(9.0, s), y + px(8.0, s)),
                ],
                color.filled(),
            ))
            .map_err(err)?;
        } else {
            root.draw(&Rectangle::new(
                [(x, y - px(6.0, s)), (x + px(16.0, s), y + px(6.0, s))],
                color.filled(),
            ))
            .map_err(err)?;
        }
        x += px(22.0, s);
        let style = font(12.5, s, TEXT, false);
        let (tw, _) = root.estimate_text_size(label, &style).map_err(err)?;
        text(root, label, (x, y), style, HPos::Left, VPos::Center)?;
        x += tw as i32 + px(20.0, s);
    }

    // Bars area: right of the labels, symmetric around zero.
    let left = px(200.0, s);
    let right = width - px(24.0, s);
    let zero = (left + right) / 2;
    let half = f64::from((right - left) / 2) * 0.78;
    let max = spec
        .rows
        .iter()
        .filter_map(|r| r.split)
        .flat_map(|(m, r, t)| [m.abs(), r.abs(), t.abs()])
        .fold(0.0, f64::max);
    let scale = |v: f64| {
        if max > 0.0 {
            zero + (v / max * half).round() as i32
        } else {
            zero
        }
    };
    let rows_top = y + px(18.0, s);
    let rows_bottom = height - px(14.0, s);
    let n = spec.rows.len().max(1) as i32;
    let row_h = (rows_bottom - rows_top) / n;
    let bar_h = px(14.0, s);

    for (k, row) in spec.rows.iter().enumerate() {
        let row_top = rows_top + row_h * k as i32;
        if k > 0 {
            root.draw(&PathElement::new(
                vec![(px(24.0, s), row_top), (right, row_top)],
                GRID.stroke_width(px(1.0, s).max(1) as u32),
            ))
            .map_err(err)?;
        }
        let mid = row_top + row_h / 2;
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
            continue;
        };
        let t = scale(total);
        root.draw(&Rectangle::new(
            [
                (t - px(1.5, s), mid - bar_h - px(6.0, s)),
                (t + px(1.5, s), mid + bar_h + px(6.0, s)),
            ],
            TEXT.filled(),
        ))
        .map_err(err)?;
        for (value, label, color, y0) in [
            (mix, &row.labels.0, BLUE, mid - bar_h - px(2.0, s)),
            (rate, &row.labels.1, ORANGE, mid + px(2.0, s)),
        ] {
            let end = scale(value);
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
    }
    // The zero line, drawn last so it stays visible over the bars' ends.
    root.draw(&PathElement::new(
        vec![(zero, rows_top), (zero, rows_bottom)],
        AXIS.stroke_width(px(1.5, s).max(1) as u32),
    ))
    .map_err(err)?;
    if spec.rows.iter().all(|r| r.split.is_none()) {
        text(
            root,
            w.chart_no_data_period,
            (zero, (rows_top + rows_bottom) / 2),
            font(16.0, s, MUTED, true),
            HPos::Center,
            VPos::Center,
        )?;
    }
    Ok(())
}
