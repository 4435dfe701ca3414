//! Charts of the review (plotters), as PNG and SVG, with bundled fonts.
//!
//! Every chart is described first as plain data (its kind's spec) and then drawn by one
//! routine on both backends, so the PNG and the SVG can never disagree. Every word
//! (titles, axes, legends) comes from the presentation layer. Months with no data are
//! drawn as gaps (never as zeros), and a chart that comes out blank is an error, not a
//! silent empty image.
//!
//! * `catalogue.rs` — every chart by [`ChartId`], in [`ChartId::ALL`]'s order: its kind
//!   and what it is drawn from.
//! * one file per kind, owning its size, its words and its drawing: `status.rs` (status
//!   overview tiles), `segments.rs` (channels and top issues), `line.rs` (a trend line
//!   chart) with `trends.rs` (the six trends it draws), `cost.rs` (cost breakdown bars),
//!   `drivers.rs` (channel mix vs rates).
//! * `axis.rs` — the trend window: month axis, value axis and grid, events.
//! * `kit.rs` — what every kind draws with: text, fitting, the header and its legend.
//! * `fonts.rs`, `theme.rs` (the palette), `raster.rs` (threads, pixel buffers, PNG).

mod axis;
mod catalogue;
mod cost;
mod drivers;
pub(crate) mod fonts;
mod kit;
mod line;
mod raster;
mod segments;
mod status;
mod theme;
mod trends;

use super::{File, FormatError, Input, Output};
use crate::presentation::chart_id::ChartId;
use crate::presentation::Presentation;
use crate::review::Review;

pub use fonts::{font_family_for, register_bundled_font};

/// One rendered chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem under `charts/`: its [`ChartId::name`], e.g. `deflection_vs_return`.
    pub name: String,
    /// Human title (also the image's alt text).
    pub title: String,
    /// A one-sentence description of what the chart shows, for alt text and captions.
    pub description: String,
    /// PNG bytes.
    pub png: Vec<u8>,
    /// SVG document.
    pub svg: String,
}

impl Chart {
    /// Which chart this is; None for a chart not drawn by [`draw_all`] (a test's).
    pub fn id(&self) -> Option<ChartId> {
        ChartId::from_name(&self.name)
    }

    /// Width and height of the PNG in pixels, read from its IHDR header (the one place
    /// that reads it: Word needs the extent up front, HTML the display size).
    ///
    /// Reading the 24-byte header is enough and avoids decoding the image.
    pub fn pixel_size(&self) -> Result<(u32, u32), &'static str> {
        png_size(&self.png)
    }
}

/// Width and height of a PNG from its IHDR chunk.
pub fn png_size(png: &[u8]) -> Result<(u32, u32), &'static str> {
    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if png.len() < 24 || png[..8] != SIGNATURE {
        return Err("not a PNG image");
    }
    if &png[12..16] != b"IHDR" {
        return Err("the PNG has no IHDR header");
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let (w, h) = (be(&png[16..20]), be(&png[20..24]));
    if w == 0 || h == 0 {
        return Err("the PNG has no pixels");
    }
    Ok((w, h))
}

/// The chart files: `charts/<name>.png` and `charts/<name>.svg` of the charts drawn
/// for the run (drawn once, before the other outputs, which embed them).
#[derive(Debug, Clone, Copy, Default)]
pub struct Charts;

impl Output for Charts {
    fn name(&self) -> &'static str {
        "charts"
    }

    fn render(&self, input: &Input<'_>) -> Result<Vec<File>, FormatError> {
        let mut files = Vec::with_capacity(input.charts.len() * 2);
        for chart in input.charts {
            super::check_chart_name(&chart.name)?;
            files.push(File::new(
                format!("charts/{}.png", chart.name),
                chart.png.clone(),
            ));
            files.push(File::new(
                format!("charts/{}.svg", chart.name),
                chart.svg.clone(),
            ));
        }
        Ok(files)
    }
}

/// Why a chart could not be drawn. No chart fails silently: each of these stops the run.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// A bundled font could not be registered (a broken build, not a user error).
    #[error("the bundled chart font could not be loaded: {0}")]
    Font(String),
    /// plotters refused to draw.
    #[error("cannot draw chart `{chart}` as {format}: {message}")]
    Draw {
        chart: String,
        format: &'static str,
        message: String,
    },
    /// The image came out with nothing on it.
    #[error("chart `{chart}` came out blank ({format}); nothing was drawn")]
    Blank { chart: String, format: &'static str },
    /// The PNG encoder failed.
    #[error("cannot encode chart `{chart}` as PNG: {message}")]
    Encode { chart: String, message: String },
}

/// Draws every chart of the review, in [`ChartId::ALL`] order, as PNG and SVG, in the
/// presentation's language.
pub fn draw_all(review: &Review, p: &Presentation) -> Result<Vec<Chart>, ChartError> {
    register_bundled_font()?;
    let entries: Vec<_> = ChartId::ALL
        .into_iter()
        .map(|id| catalogue::entry(id, review, p))
        .collect();
    raster::draw_each(&entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_header_gives_dimensions_and_rejects_garbage() {
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&360u32.to_be_bytes());
        assert_eq!(png_size(&png), Ok((640, 360)));
        assert!(png_size(b"GIF89a").is_err());
        assert!(png_size(&png[..20]).is_err());
    }
}
