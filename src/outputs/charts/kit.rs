//! The drawing kit every chart kind shares: pixel sizes, text, the header with its
//! legend, and the caption a chart is listed under.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::fonts::font;
use super::theme::{MUTED, TEXT};

/// The one error type every drawing step maps into, before it is given its chart name.
pub(super) type DrawResult = Result<(), String>;

/// What the reports say about a chart, beside the image.
pub(super) struct Caption {
    /// Human title (also the image's alt text).
    pub(super) title: String,
    /// A one-sentence description of what the chart shows.
    pub(super) description: String,
}

impl Caption {
    pub(super) fn new(title: &str, description: String) -> Self {
        Self {
            title: title.to_string(),
            description,
        }
    }
}

pub(super) fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// `v` CSS pixels at scale `s` (1 for the SVG, 2 for the PNG), in device pixels.
pub(super) fn px(v: f64, s: f64) -> i32 {
    (v * s).round() as i32
}

pub(super) fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    at: (i32, i32),
    style: TextStyle<'static>,
    h: HPos,
    v: VPos,
) -> DrawResult {
    area.draw(&Text::new(s.to_string(), at, style.pos(Pos::new(h, v))))
        .map_err(err)
}

/// `text`, shortened with "…" until it fits in `max` pixels (a long configured target
/// or metric title must not run into the next tile).
pub(super) fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'static>,
    max: i32,
) -> Result<String, String> {
    let width = |s: &str| {
        area.estimate_text_size(s, style)
            .map(|(w, _)| w as i32)
            .map_err(err)
    };
    if width(text)? <= max {
        return Ok(text.to_string());
    }
    let mut chars: Vec<char> = text.chars().collect();
    while chars.pop().is_some() {
        let candidate = format!("{}…", chars.iter().collect::<String>().trim_end());
        if width(&candidate)? <= max {
            return Ok(candidate);
        }
    }
    Ok("…".to_string())
}

/// How a legend entry marks its series.
#[derive(Clone, Copy)]
pub(super) enum LegendMark {
    /// A line with a dot: a trend series.
    Line,
    /// A dashed line: a target.
    Dashed,
    /// A filled box: bars and tiles.
    Box,
}

/// One legend entry: its label, colour and mark.
pub(super) type LegendEntry = (String, RGBColor, LegendMark);

/// Title, subtitle and legend across the top; returns the header's height in pixels.
pub(super) fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    legend: &[LegendEntry],
    s: f64,
) -> Result<i32, String> {
    let (w, _) = root.dim_in_pixel();
    text(
        root,
        title,
        (px(24.0, s), px(16.0, s)),
        font(19.0, s, TEXT, true),
        HPos::Left,
        VPos::Top,
    )?;
    text(
        root,
        subtitle,
        (px(24.0, s), px(44.0, s)),
        font(12.5, s, MUTED, false),
        HPos::Left,
        VPos::Top,
    )?;
    // Legend, right-aligned on the title line; drawn right to left.
    let mut x = w as i32 - px(24.0, s);
    let y = px(26.0, s);
    for (label, color, mark) in legend.iter().rev() {
        let style = font(12.5, s, TEXT, false);
        let (tw, _) = root.estimate_text_size(label, &style).map_err(err)?;
        x -= tw as i32;
        text(root, label, (x, y), style, HPos::Left, VPos::Center)?;
        x -= px(8.0, s);
        let swatch = px(18.0, s);
        legend_mark(root, *mark, *color, (x - swatch, x), y, s)?;
        x -= swatch + px(18.0, s);
    }
    Ok(px(74.0, s))
}

/// A legend's mark between `x0` and `x1` on the line `y`.
fn legend_mark<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    mark: LegendMark,
    color: RGBColor,
    (x0, x1): (i32, i32),
    y: i32,
    s: f64,
) -> DrawResult {
    let swatch = x1 - x0;
    match mark {
        LegendMark::Line => {
            root.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                color.stroke_width(px(3.0, s) as u32),
            ))
            .map_err(err)?;
            root.draw(&Circle::new(
                (x1 - swatch / 2, y),
                px(3.5, s),
                color.filled(),
            ))
            .map_err(err)?;
        }
        LegendMark::Dashed => {
            let seg = swatch / 4;
            for k in [0, 2] {
                root.draw(&PathElement::new(
                    vec![(x0 + k * seg, y), (x0 + (k + 1) * seg + seg / 2, y)],
                    color.stroke_width(px(1.5, s).max(1) as u32),
                ))
                .map_err(err)?;
            }
        }
        LegendMark::Box => {
            let half = px(6.0, s);
            root.draw(&Rectangle::new(
                [(x0 + px(3.0, s), y - half), (x1 - px(3.0, s), y + half)],
                color.filled(),
            ))
            .map_err(err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_shortened_with_an_ellipsis() {
        super::super::register_bundled_font().expect("font");
        let mut svg = String::new();
        let root = SVGBackend::with_string(&mut svg, (400, 100)).into_drawing_area();
        let style = font(11.0, 1.0, TEXT, false);
        let short = fit(&root, "target > 95.0%", &style, 200).expect("fits");
        assert_eq!(short, "target > 95.0%");
        let long = "target lower than previous month by ≥ USD 0.05 per conversation";
        let cut = fit(&root, long, &style, 120).expect("fits");
        assert!(cut.ends_with('…') && cut.len() < long.len(), "{cut}");
        let (w, _) = root.estimate_text_size(&cut, &style).expect("measures");
        assert!(w <= 120, "{cut} is {w} px");
    }
}
