//! Where the month's conversations come from: the largest channels and top issues, as
//! two panels of bars. Their names are the data's own, in whatever script the operation
//! uses.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::fonts::font;
use super::kit::{err, fit, header, px, text, Caption, DrawResult};
use super::theme::{BLUE, MUTED, TEXT};
use crate::presentation::{Presentation, Words};
use crate::review::Review;
use crate::say;

/// Width and height in CSS pixels: header, panel titles and eight rows of bars.
pub(super) const SIZE: (u32, u32) = (900, 360);

/// Rows per panel: the largest channels or issues.
const ROWS: usize = 8;

/// What the segments chart shows.
pub(super) struct SegmentsSpec {
    w: &'static Words,
    pub(super) p: Presentation,
    title: String,
    subtitle: String,
    /// The channels panel and the top-issues panel.
    panels: [(String, Vec<SegmentRow>); 2],
}

/// One bar: (name, share of the month, conversations).
type SegmentRow = (String, f64, i64);

impl SegmentsSpec {
    /// The review's channels and top issues, in the presentation's words.
    pub(super) fn new(review: &Review, p: &Presentation) -> (Caption, Self) {
        let w = p.words;
        let month = p.month_name(review.month);
        let caption = Caption::new(
            w.chart_segments_title,
            say!(w.chart_segments_description, month = month),
        );
        // The segments' channels are capped at `max_channels`, the rest in one bar; the
        // uncapped list only for a review without segments.
        let channels: Vec<(String, f64, i64)> = if review.segments.channels.is_empty() {
            review
                .channels
                .iter()
                .map(|c| (c.channel.clone(), c.share, c.conversations))
                .collect()
        } else {
            review
                .segments
                .channels
                .iter()
                .map(|c| {
                    let name = match (&c.channel, c.other_channels) {
                        (Some(name), _) => name.clone(),
                        (None, count) => say!(w.other_channels, count = count.unwrap_or(0)),
                    };
                    (name, c.share, c.conversations)
                })
                .collect()
        };
        let channels = channels.into_iter();
        let issues = review.segments.top_issues.iter().map(|i| {
            let name = i
                .issue_key
                .clone()
                .unwrap_or_else(|| w.unclassified_issue.to_string());
            (name, i.share, i.conversations)
        });
        let spec = Self {
            w,
            p: *p,
            title: say!(w.chart_segments_heading, month = month),
            subtitle: say!(
                w.chart_segments_subtitle,
                count = p.count(review.provenance.row_counts.conversations)
            ),
            panels: [
                (
                    w.chart_segments_channels.to_string(),
                    channels.take(ROWS).collect(),
                ),
                (
                    w.chart_segments_issues.to_string(),
                    issues.take(ROWS).collect(),
                ),
            ],
        };
        (caption, spec)
    }

    /// Every text the chart draws (for the font choice).
    pub(super) fn texts(&self) -> Vec<&str> {
        let mut out = vec![self.title.as_str(), self.subtitle.as_str()];
        for (title, rows) in &self.panels {
            out.push(title);
            out.extend(rows.iter().map(|r| r.0.as_str()));
        }
        out
    }
}

/// Draws the chart: header, then the two panels side by side.
pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &SegmentsSpec,
    s: f64,
) -> DrawResult {
    let top = header(root, &spec.title, &spec.subtitle, &[], s)?;
    let (w, _) = root.dim_in_pixel();
    let left = px(24.0, s);
    let gap = px(40.0, s);
    let panel_w = (w as i32 - 2 * left - gap) / 2;
    for (k, (title, rows)) in spec.panels.iter().enumerate() {
        let x0 = left + k as i32 * (panel_w + gap);
        draw_panel(root, spec, title, rows, (x0, top), panel_w, s)?;
    }
    Ok(())
}

/// One panel at `(x0, top)`, `panel_w` wide: its title, then a row per segment (its
/// name, a bar as long as its share, the share and the count), as many as fit.
fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &SegmentsSpec,
    title: &str,
    rows: &[SegmentRow],
    (x0, top): (i32, i32),
    panel_w: i32,
    s: f64,
) -> DrawResult {
    let (_, h) = root.dim_in_pixel();
    let h = h as i32;
    let label_w = px(150.0, s);
    let value_w = px(110.0, s);
    let row_h = px(28.0, s);
    text(
        root,
        title,
        (x0, top),
        font(13.5, s, TEXT, true),
        HPos::Left,
        VPos::Top,
    )?;
    let y0 = top + px(30.0, s);
    if rows.is_empty() {
        return text(
            root,
            spec.w.no_data,
            (x0, y0 + row_h / 2),
            font(12.5, s, MUTED, false),
            HPos::Left,
            VPos::Center,
        );
    }
    let max = rows.iter().map(|r| r.1).fold(0.0_f64, f64::max).max(1e-9);
    let bar_room = panel_w - label_w - value_w;
    for (i, (name, share, conversations)) in rows.iter().enumerate() {
        let y = y0 + i as i32 * row_h;
        if y + row_h > h - px(8.0, s) {
            break;
        }
        let style = font(12.5, s, TEXT, false);
        let label = fit(root, name, &style, label_w - px(8.0, s))?;
        text(
            root,
            &label,
            (x0, y + row_h / 2),
            style,
            HPos::Left,
            VPos::Center,
        )?;
        let bar = ((f64::from(bar_room) * share / max).round() as i32).max(1);
        root.draw(&Rectangle::new(
            [
                (x0 + label_w, y + px(6.0, s)),
                (x0 + label_w + bar, y + row_h - px(6.0, s)),
            ],
            BLUE.filled(),
        ))
        .map_err(err)?;
        let figures = format!(
            "{} · {}",
            spec.p.percent(*share),
            spec.p.count(*conversations)
        );
        text(
            root,
            &figures,
            (x0 + label_w + bar + px(8.0, s), y + row_h / 2),
            font(11.5, s, MUTED, false),
            HPos::Left,
            VPos::Center,
        )?;
    }
    Ok(())
}
