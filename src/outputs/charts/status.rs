//! The status overview: every counted metric of the month as a tile (its value, its
//! target, met or missed), one row per layer.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::fonts::font;
use super::kit::{err, fit, header, px, text, Caption, DrawResult, LegendMark};
use super::theme::{MET, MET_BG, MISSED, MISSED_BG, MUTED, NO_DATA, NO_DATA_BG, TEXT};
use crate::presentation::{Presentation, Words};
use crate::review::metrics::Layer;
use crate::review::status::Status;
use crate::review::{MetricReport, Review};
use crate::say;

/// Width and height in CSS pixels.
pub(super) const SIZE: (u32, u32) = (900, 430);

/// What the status overview shows.
pub(super) struct StatusSpec {
    w: &'static Words,
    pub(super) p: Presentation,
    title: String,
    subtitle: String,
    /// One row per layer: (layer title, tiles).
    rows: Vec<(String, Vec<Tile>)>,
}

/// One metric's tile.
struct Tile {
    title: String,
    value: String,
    status: Status,
    target: String,
}

impl Tile {
    fn new(m: &MetricReport, p: &Presentation, currency: &str) -> Self {
        Self {
            title: p.metric_title(m.id).to_string(),
            value: p.value(m.value, m.unit, currency),
            status: m.status,
            target: say!(
                p.words.target_is,
                target = p.target(&m.target, m.unit, currency)
            ),
        }
    }
}

impl StatusSpec {
    /// The statuses of the review's month, in the presentation's words.
    pub(super) fn new(review: &Review, p: &Presentation) -> (Caption, Self) {
        let w = p.words;
        let month = p.month_name(review.month);
        let s = &review.summary;
        let caption = Caption::new(
            w.chart_status_title,
            say!(
                w.chart_status_description,
                month = month,
                met = s.met,
                missed = s.missed,
                no_data = s.no_data
            ),
        );
        let rows = Layer::ALL
            .iter()
            .map(|layer| {
                let tiles = review
                    .metrics
                    .values()
                    .filter(|m| m.id.layer() == *layer && m.counted)
                    .map(|m| Tile::new(m, p, &review.currency))
                    .collect();
                let number = layer.number();
                let title = p.layer_title(*layer);
                (
                    say!(w.chart_layer_row, number = number, title = title),
                    tiles,
                )
            })
            .collect();
        let spec = Self {
            w,
            p: *p,
            title: say!(w.chart_status_heading, month = month),
            subtitle: say!(
                w.chart_status_subtitle,
                met = s.met,
                counted = s.counted,
                missed = s.missed,
                no_data = s.no_data
            ),
            rows,
        };
        (caption, spec)
    }

    /// Every text the chart draws (for the font choice).
    pub(super) fn texts(&self) -> Vec<&str> {
        let mut out = vec![self.title.as_str(), self.subtitle.as_str()];
        for (layer, tiles) in &self.rows {
            out.push(layer);
            for t in tiles {
                out.extend([t.title.as_str(), t.value.as_str(), t.target.as_str()]);
            }
        }
        out
    }
}

/// Draws the chart: header and legend, then per layer its title and its tiles.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &StatusSpec,
    s: f64,
) -> DrawResult {
    let legend = vec![
        (spec.w.status_met.to_string(), MET, LegendMark::Box),
        (spec.w.status_missed.to_string(), MISSED, LegendMark::Box),
        (spec.w.no_data.to_string(), NO_DATA, LegendMark::Box),
    ];
    let top = header(root, &spec.title, &spec.subtitle, &legend, s)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let left = px(24.0, s);
    let label_w = px(128.0, s);
    let gap = px(8.0, s);
    let rows = spec.rows.len().max(1) as i32;
    let cols = spec
        .rows
        .iter()
        .map(|r| r.1.len())
        .max()
        .unwrap_or(1)
        .max(1) as i32;
    let row_h = (h - top - px(16.0, s) - gap * (rows - 1)) / rows;
    let tile_w = (w - left - label_w - px(24.0, s) - gap * (cols - 1)) / cols;
    for (r, (layer, tiles)) in spec.rows.iter().enumerate() {
        let y = top + r as i32 * (row_h + gap);
        text(
            root,
            layer,
            (left, y + row_h / 2),
            font(13.5, s, TEXT, true),
            HPos::Left,
            VPos::Center,
        )?;
        for (c, tile) in tiles.iter().enumerate() {
            let x = left + label_w + c as i32 * (tile_w + gap);
            draw_tile(root, spec.w, tile, (x, y), (tile_w, row_h), s)?;
        }
    }
    Ok(())
}

/// One tile at `(x, y)` of `(tile_w, row_h)`: a coloured edge, the metric's title with
/// its status word at the right, its value, its target; each text cut to fit.
fn draw_tile<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    w: &Words,
    t: &Tile,
    (x, y): (i32, i32),
    (tile_w, row_h): (i32, i32),
    s: f64,
) -> DrawResult {
    let (fg, bg, word) = match t.status {
        Status::Met => (MET, MET_BG, w.chart_tile_met),
        Status::Missed => (MISSED, MISSED_BG, w.chart_tile_missed),
        Status::NoData => (NO_DATA, NO_DATA_BG, w.chart_tile_no_data),
        Status::NotMeasured => (NO_DATA, NO_DATA_BG, w.chart_tile_not_measured),
    };
    root.draw(&Rectangle::new(
        [(x, y), (x + tile_w, y + row_h)],
        bg.filled(),
    ))
    .map_err(err)?;
    root.draw(&Rectangle::new(
        [(x, y), (x + px(5.0, s), y + row_h)],
        fg.filled(),
    ))
    .map_err(err)?;
    let tx = x + px(16.0, s);
    let room = tile_w - px(26.0, s);
    let word_style = font(10.5, s, fg, true);
    let (word_w, _) = root.estimate_text_size(word, &word_style).map_err(err)?;
    let title_style = font(12.5, s, TEXT, true);
    let title = fit(
        root,
        &t.title,
        &title_style,
        room - word_w as i32 - px(8.0, s),
    )?;
    text(
        root,
        &title,
        (tx, y + px(10.0, s)),
        title_style,
        HPos::Left,
        VPos::Top,
    )?;
    text(
        root,
        word,
        (x + tile_w - px(10.0, s), y + px(10.0, s)),
        word_style,
        HPos::Right,
        VPos::Top,
    )?;
    let value_style = font(19.0, s, fg, true);
    let value = fit(root, &t.value, &value_style, room)?;
    text(
        root,
        &value,
        (tx, y + row_h / 2 + px(6.0, s)),
        value_style,
        HPos::Left,
        VPos::Center,
    )?;
    let target_style = font(11.0, s, MUTED, false);
    let target = fit(root, &t.target, &target_style, room)?;
    text(
        root,
        &target,
        (tx, y + row_h - px(9.0, s)),
        target_style,
        HPos::Left,
        VPos::Bottom,
    )
}
