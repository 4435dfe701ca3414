//! Turning the catalogue's entries into files: the drawing threads, their pixel buffers,
//! the PNG encoding, and the check that no chart comes out blank.

use std::sync::atomic::{AtomicUsize, Ordering};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::catalogue::{Entry, Spec};
use super::fonts::use_family_for;
use super::kit::{err, DrawResult};
use super::{Chart, ChartError};

/// PNG pixels per CSS pixel: sharp text on high-density screens and in print.
const PNG_SCALE: u32 = 2;

/// Draws every entry as PNG and SVG, in the entries' order.
///
/// The charts are independent, and rasterising and encoding them is most of the time a
/// report spends outside the database (about 45 ms for the ten on one core), so they are
/// drawn on two threads when the machine has two cores: the calling thread and one more.
/// Not more: every thread holds a 4.5 MB pixel buffer and its own allocator arena (about
/// 10 MB of peak memory per thread), and two already halve the time.
pub(super) fn draw_each(entries: &[Entry]) -> Result<Vec<Chart>, ChartError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 2);
    // The threads take the next undrawn chart until none is left, and each returns its
    // charts with their places, so the result keeps the report order. Taking turns
    // (chart i on thread i % 2) left one thread up to a fifth longer than the other:
    // the status tiles cost more than twice a line chart.
    let next = AtomicUsize::new(0);
    let share = || {
        // One pixel buffer a thread, reused chart after chart: a fresh 4.5 MB buffer
        // costs its zeroing (or its page faults) every time, and `paint` paints every
        // pixel anyway.
        let mut pixels = Vec::new();
        let mut drawn = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(entry) = entries.get(i) else {
                return drawn;
            };
            drawn.push((i, draw_chart(entry, &mut pixels)));
        }
    };
    let mut drawn = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(share)).collect();
        let mut drawn = share();
        for other in others {
            match other.join() {
                Ok(charts) => drawn.extend(charts),
                // A panic while drawing is a bug; let it surface as one.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        drawn
    });
    drawn.sort_by_key(|(i, _)| *i);
    drawn.into_iter().map(|(_, chart)| chart).collect()
}

/// Draws one chart as PNG and SVG; `pixels` is the thread's pixel buffer.
fn draw_chart(entry: &Entry, pixels: &mut Vec<u8>) -> Result<Chart, ChartError> {
    let name = entry.id.name();
    Ok(Chart {
        name: name.to_string(),
        title: entry.caption.title.clone(),
        description: entry.caption.description.clone(),
        png: render_png(name, &entry.spec, pixels)?,
        svg: render_svg(name, &entry.spec)?,
    })
}

/// A white background, the chart's font, then the chart.
fn paint<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, spec: &Spec, s: f64) -> DrawResult {
    use_family_for(spec.language(), spec.texts());
    root.fill(&WHITE).map_err(err)?;
    spec.draw(root, s)
}

/// Rasterises a chart at [`PNG_SCALE`] into `pixels` (resized to fit; whatever it held
/// is painted over) and encodes it.
fn render_png(name: &str, spec: &Spec, pixels: &mut Vec<u8>) -> Result<Vec<u8>, ChartError> {
    let (width, height) = spec.size();
    let (w, h) = (width * PNG_SCALE, height * PNG_SCALE);
    pixels.resize(w as usize * h as usize * 3, 0);
    let buffer = pixels.as_mut_slice();
    {
        let root = BitMapBackend::with_buffer(buffer, (w, h)).into_drawing_area();
        paint(&root, spec, f64::from(PNG_SCALE))
            .and_then(|()| root.present().map_err(err))
            .map_err(|message| ChartError::Draw {
                chart: name.to_string(),
                format: "PNG",
                message,
            })?;
    }
    if !has_ink(buffer) {
        return Err(ChartError::Blank {
            chart: name.to_string(),
            format: "PNG",
        });
    }
    encode_png(buffer, w, h).map_err(|e| ChartError::Encode {
        chart: name.to_string(),
        message: e.to_string(),
    })
}

fn render_svg(name: &str, spec: &Spec) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, spec.size()).into_drawing_area();
        paint(&root, spec, 1.0)
            .and_then(|()| root.present().map_err(err))
            .map_err(|message| ChartError::Draw {
                chart: name.to_string(),
                format: "SVG",
                message,
            })?;
    }
    // A drawn chart has shapes and text; a document without them is blank.
    if !(svg.contains("<text") && (svg.contains("<polyline") || svg.contains("<rect"))) {
        return Err(ChartError::Blank {
            chart: name.to_string(),
            format: "SVG",
        });
    }
    Ok(svg)
}

/// True when the RGB buffer has a meaningful share of non-background pixels and more
/// than a couple of colours: a frame or a lone line does not count as a chart.
fn has_ink(rgb: &[u8]) -> bool {
    let pixels = rgb.len() / 3;
    if pixels == 0 {
        return false;
    }
    let background = [255u8, 255, 255];
    let mut inked = 0usize;
    let mut colours = std::collections::HashSet::new();
    for px in rgb.chunks_exact(3) {
        if px != background {
            inked += 1;
            if colours.len() < 3 {
                colours.insert([px[0], px[1], px[2]]);
            }
            // Decided as soon as both hold: a drawn chart says so in its first rows
            // instead of after all 1.5 M pixels.
            if inked * 200 > pixels && colours.len() >= 3 {
                return true;
            }
        }
    }
    false
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // zlib level 2: the ten sample charts in 32 ms of CPU and 511 kB, against 54 ms
        // and 489 kB at the default level 6 (Best: 546 ms, 460 kB; fdeflate's ultra-fast
        // mode: 18 ms but 971 kB, which every email and Word file would carry; level 1:
        // 868 kB). Measured with zlib-rs, on the charts of `--sample` (docs/PERFORMANCE.md).
        encoder.set_deflate_compression(png::DeflateCompression::Level(2));
        // No row filter: a chart is mostly long runs of one colour, which deflate finds
        // as they are. Paeth (each byte predicted from its left, upper and upper-left
        // neighbours) made the ten PNGs 5 % smaller (524 against 550 kB) for a quarter
        // more encoding time (23.4 against 18.9 ms of CPU); Sub and Up are both larger
        // and no faster than none. Measured on the charts of `--sample`.
        encoder.set_filter(png::Filter::NoFilter);
        // Tell viewers (Word, Lark, print) the image is 2× density: 144 dpi.
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: 5669,
            yppu: 5669,
            unit: png::Unit::Meter,
        }));
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presentation::chart_id::ChartId;
    use crate::presentation::Presentation;

    #[test]
    fn a_blank_buffer_has_no_ink() {
        assert!(!has_ink(&[]));
        assert!(!has_ink(&[255u8; 3 * 10_000]));
        // A thin grey frame is not a chart either: one colour, few pixels.
        let mut frame = vec![255u8; 3 * 10_000];
        frame[..300].fill(128);
        assert!(!has_ink(&frame));
        let mut drawn = vec![255u8; 3 * 10_000];
        for (i, px) in drawn.chunks_exact_mut(3).enumerate().take(2_000) {
            px.copy_from_slice(&[(i % 3 * 80) as u8, 40, 200]);
        }
        assert!(has_ink(&drawn));
    }

    /// The drawing threads reuse one pixel buffer from chart to chart: a chart drawn into
    /// a buffer that held something else (larger, of another colour) must come out
    /// byte for byte as from a fresh buffer.
    #[test]
    fn a_reused_pixel_buffer_leaves_no_trace_in_the_next_chart() {
        let aggregates: crate::aggregates::Aggregates =
            serde_json::from_str(crate::app::SAMPLE_AGGREGATES).expect("the sample parses");
        let review = crate::review::review(
            &aggregates,
            &crate::review::settings::ReviewSettings::default(),
            &crate::review::ReviewContext {
                generated_at: chrono::DateTime::UNIX_EPOCH,
                sample: true,
                language: "en".to_string(),
            },
        )
        .expect("the sample reviews");
        super::super::register_bundled_font().expect("fonts");
        let p = Presentation::default();
        for id in ChartId::ALL {
            let entry = super::super::catalogue::entry(id, &review, &p);
            let fresh = draw_chart(&entry, &mut Vec::new()).expect("draws");
            let mut used = vec![0x5a; 3 * 2000 * 1000];
            let reused = draw_chart(&entry, &mut used).expect("draws");
            assert!(fresh.png == reused.png, "{id}: the old pixels show");
        }
    }
}
