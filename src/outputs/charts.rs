//! Charts of the review (plotters), as PNG and SVG, with bundled fonts.
//!
//! Every chart is described first as plain data (a [`Spec`]) and then drawn by one
//! generic routine on both backends, so the PNG and the SVG can never disagree.
//!
//! Text is drawn with fonts compiled into the binary and registered with plotters
//! (plotters' `ab_glyph` feature, not `ttf`): drawing never looks a font up on the
//! machine, so charts render the same on a server with no fonts installed. Noto Sans
//! draws Latin text; WenQuanYi Micro Hei draws Chinese (the zh-CN report, and any chart
//! whose data names — a channel called 微信 — need it). plotters has no per-glyph
//! fallback, so each chart is drawn in the one font that covers all of its text.
//! Every word (titles, axes, legends) comes from the presentation layer. Months with no data are drawn as gaps (never as zeros), and a chart that
//! comes out blank is an error, not a silent empty image.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

mod drivers;

use super::{File, FormatError, Input, Output};
use crate::presentation::{Language, Presentation, Words};
use crate::review::metrics::{Layer, MetricId, Unit};
use crate::review::status::Status;
use crate::review::{MetricReport, Review};
use crate::say;

/// One rendered chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem under `charts/`, e.g. `deflection_vs_return`.
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

/// The charts [`draw_all`] produces, in report order (file stems under `charts/`).
pub const CHART_NAMES: [&str; 10] = [
    "status_overview",
    "segments",
    "deflection_vs_return",
    "frt",
    "csat",
    "aht",
    "negative_sentiment",
    "cost_per_conversation",
    "cost_breakdown",
    DRIVERS_CHART,
];

/// The drivers chart (SPEC §6.3: channel mix vs rates within channels). The reports show
/// it with the drivers sentences rather than among the trends.
pub const DRIVERS_CHART: &str = "drivers";

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

/// Noto Sans (SIL Open Font License 1.1; see `assets/fonts/OFL.txt`).
const FONT_REGULAR: &[u8] = notosans::REGULAR_TTF;
const FONT_BOLD: &[u8] = notosans::BOLD_TTF;
/// WenQuanYi Micro Hei (Apache License 2.0; see `assets/fonts/wqy-microhei.COPYRIGHT`),
/// from Debian's `fonts-wqy-microhei`. A TrueType collection: ab_glyph reads its first
/// face (index 0, the proportional Micro Hei; face 1 is the monospaced one).
const FONT_CJK: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei.ttc");
/// The family name Noto Sans is registered under.
const LATIN_FAMILY: &str = "sans-serif";
/// The family name WenQuanYi Micro Hei is registered under.
const CJK_FAMILY: &str = "aikpi-cjk";

/// Registers the bundled fonts with plotters, once per process.
///
/// plotters keeps fonts in a global table; registering parses the font's tables, which
/// for the 5 MB CJK collection is worth doing once, and a failure must be reported on
/// every call, so the outcome is memoised. The CJK font has no bold face: its regular
/// face stands in for bold.
pub fn register_bundled_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let register = |family, style, bytes, what: &str| {
                plotters::style::register_font(family, style, bytes)
                    .map_err(|_| format!("{what} is not a valid font"))
            };
            register(
                LATIN_FAMILY,
                FontStyle::Normal,
                FONT_REGULAR,
                "Noto Sans Regular",
            )?;
            register(LATIN_FAMILY, FontStyle::Bold, FONT_BOLD, "Noto Sans Bold")?;
            register(
                CJK_FAMILY,
                FontStyle::Normal,
                FONT_CJK,
                "WenQuanYi Micro Hei",
            )?;
            register(CJK_FAMILY, FontStyle::Bold, FONT_CJK, "WenQuanYi Micro Hei")
        })
        .clone()
        .map_err(ChartError::Font)
}

/// Whether Noto Sans lacks glyphs for a character that WenQuanYi Micro Hei has: CJK
/// ideographs, kana, hangul, CJK punctuation and full-width forms.
fn needs_cjk_font(c: char) -> bool {
    matches!(u32::from(c), 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
}

/// The family that draws every piece of `texts`: the CJK font for a Chinese report or
/// when any text needs it, Noto Sans otherwise (it reads better for Latin text).
pub fn font_family_for<'a>(
    language: Language,
    texts: impl IntoIterator<Item = &'a str>,
) -> &'static str {
    let cjk =
        language == Language::ZhCn || texts.into_iter().any(|t| t.chars().any(needs_cjk_font));
    if cjk {
        CJK_FAMILY
    } else {
        LATIN_FAMILY
    }
}

thread_local! {
    /// The family of the chart being drawn on this thread (set by [`draw`]): every text
    /// style of a chart uses it, and threading it through each drawing helper would
    /// only repeat it.
    static FAMILY: Cell<&'static str> = const { Cell::new(LATIN_FAMILY) };
}

/// Chart size in CSS pixels (the SVG's size; the PNG is drawn at twice this for
/// sharp text on high-density screens and in print).
const WIDTH: u32 = 900;
const HEIGHT: u32 = 420;
const STATUS_HEIGHT: u32 = 430;
/// Header, panel titles and eight rows of bars.
const SEGMENTS_HEIGHT: u32 = 360;
/// PNG pixels per CSS pixel.
const PNG_SCALE: u32 = 2;

// A quiet palette: one strong colour per series, status colours that read as
// met/missed at a glance, grey for everything structural.
const TEXT: RGBColor = RGBColor(17, 24, 39);
const MUTED: RGBColor = RGBColor(107, 114, 128);
const GRID: RGBColor = RGBColor(229, 231, 235);
const AXIS: RGBColor = RGBColor(156, 163, 175);
const GAP_FILL: RGBColor = RGBColor(243, 244, 246);
const BLUE: RGBColor = RGBColor(37, 99, 235);
const ORANGE: RGBColor = RGBColor(234, 88, 12);
const VIOLET: RGBColor = RGBColor(124, 58, 237);
const SKY: RGBColor = RGBColor(96, 165, 250);
const SLATE: RGBColor = RGBColor(148, 163, 184);
const TARGET: RGBColor = RGBColor(75, 85, 99);
const MET: RGBColor = RGBColor(21, 128, 61);
const MET_BG: RGBColor = RGBColor(220, 252, 231);
const MISSED: RGBColor = RGBColor(185, 28, 28);
const MISSED_BG: RGBColor = RGBColor(254, 226, 226);
const NO_DATA: RGBColor = RGBColor(107, 114, 128);
const NO_DATA_BG: RGBColor = RGBColor(243, 244, 246);

/// Draws every chart of the review, in [`CHART_NAMES`] order, as PNG and SVG, in the
/// presentation's language.
///
/// The charts are independent, and rasterising and encoding them is most of the time a
/// report spends outside the database (about 45 ms for the ten on one core), so they are
/// drawn on two threads when the machine has two cores: the calling thread and one more.
/// Not more: every thread holds a 4.5 MB pixel buffer and its own allocator arena (about
/// 10 MB of peak memory per thread), and two already halve the time.
pub fn draw_all(review: &Review, p: &Presentation) -> Result<Vec<Chart>, ChartError> {
    register_bundled_font()?;
    let specs = specs(review, p);
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
        // costs its zeroing (or its page faults) every time, and `draw` paints every
        // pixel anyway.
        let mut pixels = Vec::new();
        let mut drawn = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((meta, spec)) = specs.get(i) else {
                return drawn;
            };
            drawn.push((i, draw_chart(meta, spec, &mut pixels)));
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
fn draw_chart(meta: &Meta, spec: &Spec, pixels: &mut Vec<u8>) -> Result<Chart, ChartError> {
    let (width, height) = match spec {
        Spec::Status(_) => (WIDTH, STATUS_HEIGHT),
        Spec::Segments(_) => (WIDTH, SEGMENTS_HEIGHT),
        Spec::Drivers(_) => (drivers::WIDTH, drivers::HEIGHT),
        _ => (WIDTH, HEIGHT),
    };
    Ok(Chart {
        name: meta.name.clone(),
        title: meta.title.clone(),
        description: meta.description.clone(),
        png: render_png(&meta.name, spec, width, height, pixels)?,
        svg: render_svg(&meta.name, spec, width, height)?,
    })
}

struct Meta {
    name: String,
    title: String,
    description: String,
}

/// What a chart shows, independent of the backend.
enum Spec {
    Line(LineSpec),
    CostBars(CostSpec),
    Status(StatusSpec),
    Drivers(drivers::DriversSpec),
    Segments(SegmentsSpec),
}

/// Where the month's conversations come from: channels and top issues, as bars.
struct SegmentsSpec {
    w: &'static Words,
    p: Presentation,
    title: String,
    subtitle: String,
    /// The channels panel and the top-issues panel.
    panels: [(String, Vec<SegmentRow>); 2],
}

/// One bar: (name, share of the month, conversations).
type SegmentRow = (String, f64, i64);

impl Spec {
    /// Every text the chart draws, for picking the font that covers it.
    fn texts(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        match self {
            Spec::Line(l) => {
                out.extend([l.title.as_str(), l.subtitle.as_str()]);
                out.extend(l.months.iter().map(String::as_str));
                out.extend(l.series.iter().map(|s| s.label.as_str()));
                out.extend(l.targets.iter().map(|t| t.1.as_str()));
                out.extend(l.band.iter().map(|b| b.2.as_str()));
                out.extend(l.events.iter().map(|e| e.1.as_str()));
            }
            Spec::CostBars(c) => {
                out.extend([c.title.as_str(), c.subtitle.as_str()]);
                out.extend(c.months.iter().map(String::as_str));
            }
            Spec::Drivers(d) => out.extend(d.texts()),
            Spec::Segments(sg) => {
                out.extend([sg.title.as_str(), sg.subtitle.as_str()]);
                for (title, rows) in &sg.panels {
                    out.push(title);
                    out.extend(rows.iter().map(|r| r.0.as_str()));
                }
            }
            Spec::Status(st) => {
                out.extend([st.title.as_str(), st.subtitle.as_str()]);
                for (layer, tiles) in &st.rows {
                    out.push(layer);
                    for t in tiles {
                        out.extend([t.title.as_str(), t.value.as_str(), t.target.as_str()]);
                    }
                }
            }
        }
        out
    }

    fn language(&self) -> Language {
        match self {
            Spec::Line(l) => l.p.language,
            Spec::CostBars(c) => c.p.language,
            Spec::Status(st) => st.p.language,
            Spec::Drivers(d) => d.language,
            Spec::Segments(sg) => sg.p.language,
        }
    }
}

struct LineSpec {
    w: &'static Words,
    p: Presentation,
    title: String,
    subtitle: String,
    /// The months' axis labels, oldest first.
    months: Vec<String>,
    axis: Axis,
    series: Vec<Series>,
    /// Horizontal target lines: (value, label).
    targets: Vec<(f64, String)>,
    /// A target range drawn as a band: (min, max, label).
    band: Option<(f64, f64, String)>,
    /// Months whose points are drawn hollow: provisional values that may still move.
    hollow: Vec<bool>,
    /// Known events (SPEC §6.5): (x on the month axis, the marker's number).
    events: Vec<(f64, String)>,
    currency: String,
}

struct Series {
    label: String,
    color: RGBColor,
    unit: Unit,
    values: Vec<Option<f64>>,
}

/// How values map onto the y axis and how its ticks read.
#[derive(Clone, Copy)]
enum Axis {
    Percent,
    Seconds,
    /// Values in seconds, plotted in minutes (AHT reads better as "7 min").
    Minutes,
    Rating,
    Score,
    Money,
}

impl Axis {
    fn plot(self, v: f64) -> f64 {
        match self {
            Axis::Minutes => v / 60.0,
            _ => v,
        }
    }

    fn tick(self, y: f64, span: f64, p: &Presentation) -> String {
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
    fn floor(self, lo: f64) -> f64 {
        match self {
            Axis::Rating => ((lo - 0.3) * 2.0).floor().max(2.0) / 2.0,
            _ => 0.0,
        }
    }
}

struct CostSpec {
    w: &'static Words,
    p: Presentation,
    title: String,
    subtitle: String,
    /// The months' axis labels, oldest first.
    months: Vec<String>,
    /// Per month: None = no data; Some((llm, infra, labor, provisional)).
    bars: Vec<Option<(f64, f64, f64, bool)>>,
    /// Known events (SPEC §6.5): (x on the month axis, the marker's number).
    events: Vec<(f64, String)>,
    currency: String,
}

struct StatusSpec {
    w: &'static Words,
    p: Presentation,
    title: String,
    subtitle: String,
    /// One row per layer: (layer title, tiles).
    rows: Vec<(String, Vec<Tile>)>,
}

struct Tile {
    title: String,
    value: String,
    status: Status,
    target: String,
}

fn specs(review: &Review, p: &Presentation) -> Vec<(Meta, Spec)> {
    let w: &'static Words = p.words;
    let months: Vec<String> = review
        .trend
        .months
        .iter()
        .map(|m| p.month_short(*m))
        .collect();
    let currency = review.currency.clone();
    let events = event_positions(review);
    let series = |id: MetricId, label: &str, color: RGBColor| Series {
        label: label.to_string(),
        color,
        unit: id.unit(),
        values: review.trend.series.get(&id).cloned().unwrap_or_default(),
    };
    let threshold = |id: MetricId| review.metrics.get(&id).and_then(|m| m.target.threshold);
    let target_text = |id: MetricId| {
        review
            .metrics
            .get(&id)
            .map(|m| p.target(&m.target, m.unit, &review.currency))
            .unwrap_or_default()
    };
    // A dashed target line for a metric's threshold, labelled with the phrase.
    let target_at = |id: MetricId, phrase: &str| {
        threshold(id).map(|t| (t, say!(phrase, target = target_text(id))))
    };
    let meta = |name: &str, title: &str, description: String| Meta {
        name: name.to_string(),
        title: title.to_string(),
        description,
    };
    let period = match (months.first(), months.last()) {
        (Some(a), Some(b)) if a != b => say!(w.chart_period, first = a, last = b),
        (Some(a), _) => a.clone(),
        _ => String::new(),
    };
    let line = |title: &str, subtitle: String, axis: Axis, series: Vec<Series>| LineSpec {
        w,
        p: *p,
        title: title.to_string(),
        subtitle,
        months: months.clone(),
        axis,
        series,
        targets: Vec::new(),
        band: None,
        hollow: Vec::new(),
        events: events.clone(),
        currency: currency.clone(),
    };
    let month_name = p.month_name(review.month);

    let mut out = Vec::new();

    // 1. The 12 statuses at a glance.
    let s = &review.summary;
    out.push((
        meta(
            "status_overview",
            w.chart_status_title,
            say!(
                w.chart_status_description,
                month = month_name,
                met = s.met,
                missed = s.missed,
                no_data = s.no_data
            ),
        ),
        Spec::Status(StatusSpec {
            w,
            p: *p,
            title: say!(w.chart_status_heading, month = month_name),
            subtitle: say!(
                w.chart_status_subtitle,
                met = s.met,
                counted = s.counted,
                missed = s.missed,
                no_data = s.no_data
            ),
            rows: Layer::ALL
                .iter()
                .map(|layer| {
                    let tiles = review
                        .metrics
                        .values()
                        .filter(|m| m.id.layer() == *layer && m.counted)
                        .map(|m| tile(m, p, &review.currency))
                        .collect();
                    (
                        say!(
                            w.chart_layer_row,
                            number = layer.number(),
                            title = p.layer_title(*layer)
                        ),
                        tiles,
                    )
                })
                .collect(),
        }),
    ));

    // 2. Where conversations come from: channels and the top issues (their names are
    //    the data's own, in whatever script the operation uses).
    let rows_of = |rows: Vec<SegmentRow>| rows.into_iter().take(SEGMENT_ROWS).collect();
    out.push((
        meta(
            "segments",
            w.chart_segments_title,
            say!(w.chart_segments_description, month = month_name),
        ),
        Spec::Segments(SegmentsSpec {
            w,
            p: *p,
            title: say!(w.chart_segments_heading, month = month_name),
            subtitle: say!(
                w.chart_segments_subtitle,
                count = p.count(review.provenance.row_counts.conversations)
            ),
            panels: [
                (
                    w.chart_segments_channels.to_string(),
                    rows_of(
                        review
                            .channels
                            .iter()
                            .map(|c| (c.channel.clone(), c.share, c.conversations))
                            .collect(),
                    ),
                ),
                (
                    w.chart_segments_issues.to_string(),
                    rows_of(
                        review
                            .segments
                            .top_issues
                            .iter()
                            .map(|i| {
                                let name = i
                                    .issue_key
                                    .clone()
                                    .unwrap_or_else(|| w.unclassified_issue.to_string());
                                (name, i.share, i.conversations)
                            })
                            .collect(),
                    ),
                ),
            ],
        }),
    ));

    // 3. Deflection beside the 24h return rate: the pair that keeps deflection honest.
    let mut spec = line(
        w.chart_deflection_title,
        say!(w.chart_deflection_subtitle, period = period),
        Axis::Percent,
        vec![
            series(MetricId::DeflectionRate, w.chart_deflection_series, BLUE),
            series(MetricId::ReturnRate24h, w.metric_return_rate_24h, ORANGE),
        ],
    );
    if let Some(m) = review.metrics.get(&MetricId::DeflectionRate) {
        if let (Some(lo), Some(hi)) = (m.target.min, m.target.max) {
            spec.band = Some((
                lo,
                hi,
                say!(
                    w.chart_deflection_target,
                    target = target_text(MetricId::DeflectionRate)
                ),
            ));
        }
    }
    spec.targets
        .extend(target_at(MetricId::ReturnRate24h, w.chart_return_target));
    out.push((
        meta(
            "deflection_vs_return",
            w.chart_deflection_title,
            say!(w.chart_deflection_description, period = period),
        ),
        Spec::Line(spec),
    ));

    // 4. First response time against its target.
    let mut spec = line(
        w.chart_frt_heading,
        say!(w.chart_frt_subtitle, period = period),
        Axis::Seconds,
        vec![
            series(MetricId::FrtP50Seconds, w.chart_frt_p50, SKY),
            series(MetricId::FrtP90Seconds, w.chart_frt_p90, BLUE),
        ],
    );
    spec.targets
        .extend(target_at(MetricId::FrtP90Seconds, w.chart_target));
    out.push((
        meta(
            "frt",
            w.chart_frt_title,
            say!(w.chart_frt_description, period = period),
        ),
        Spec::Line(spec),
    ));

    // 5. CSAT of the AI and of human agents, each with its own target.
    let mut spec = line(
        w.chart_csat_title,
        say!(w.chart_csat_subtitle, period = period),
        Axis::Rating,
        vec![
            series(MetricId::CsatAi, w.metric_csat_ai, BLUE),
            series(MetricId::CsatHuman, w.metric_csat_human, ORANGE),
        ],
    );
    spec.targets
        .extend(target_at(MetricId::CsatAi, w.chart_csat_ai_target));
    spec.targets
        .extend(target_at(MetricId::CsatHuman, w.chart_csat_human_target));
    out.push((
        meta(
            "csat",
            w.chart_csat_title,
            say!(w.chart_csat_description, period = period),
        ),
        Spec::Line(spec),
    ));

    // 6–8. The three "should drop month over month" metrics.
    for (name, id, axis, subtitle) in [
        (
            "aht",
            MetricId::AhtSeconds,
            Axis::Minutes,
            w.chart_aht_subtitle,
        ),
        (
            "negative_sentiment",
            MetricId::NegativeSentiment,
            Axis::Score,
            w.chart_sentiment_subtitle,
        ),
        (
            "cost_per_conversation",
            MetricId::CostPerConversation,
            Axis::Money,
            w.chart_cost_subtitle,
        ),
    ] {
        let title = p.metric_title(id);
        let mut spec = line(
            title,
            say!(subtitle, period = period, currency = currency),
            axis,
            vec![series(id, title, BLUE)],
        );
        if id == MetricId::CostPerConversation {
            spec.hollow = review
                .trend
                .cost
                .iter()
                .map(|c| c.has_data && c.provisional)
                .collect();
            if spec.hollow.contains(&true) {
                spec.subtitle.push_str(w.chart_cost_hollow);
            }
        }
        out.push((
            meta(
                name,
                title,
                say!(
                    w.chart_lower_description,
                    metric = lower_first(title, p.language),
                    period = period
                ),
            ),
            Spec::Line(spec),
        ));
    }

    // 9. Where the money goes, LLM as its own line (trap 3).
    out.push((
        meta(
            "cost_breakdown",
            w.chart_breakdown_title,
            say!(w.chart_breakdown_description, period = period),
        ),
        Spec::CostBars(CostSpec {
            w,
            p: *p,
            title: w.chart_breakdown_title.into(),
            subtitle: say!(w.chart_breakdown_subtitle, currency = currency),
            months: months.clone(),
            bars: review
                .trend
                .cost
                .iter()
                .map(|c| {
                    c.has_data
                        .then_some((c.llm, c.infra, c.labor, c.provisional))
                })
                .collect(),
            events: events.clone(),
            currency: currency.clone(),
        }),
    ));

    // 9. Why the rates moved: channel mix vs rates within channels.
    out.push((
        meta(
            DRIVERS_CHART,
            w.chart_drivers_title,
            say!(w.chart_drivers_description, month = month_name),
        ),
        Spec::Drivers(drivers::DriversSpec::new(review, p)),
    ));
    out
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

/// A metric's name inside an English sentence starts lower-case ("monthly average
/// handle time"); languages without case keep it as it is.
fn lower_first(title: &str, language: Language) -> String {
    match language {
        Language::En => title.to_lowercase(),
        Language::ZhCn => title.to_string(),
    }
}

fn tile(m: &MetricReport, p: &Presentation, currency: &str) -> Tile {
    Tile {
        title: p.metric_title(m.id).to_string(),
        value: p.value(m.value, m.unit, currency),
        status: m.status,
        target: say!(
            p.words.target_is,
            target = p.target(&m.target, m.unit, currency)
        ),
    }
}

/// The one error type every drawing step maps into, before it is given its chart name.
type DrawResult = Result<(), String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Rasterises a chart at [`PNG_SCALE`] into `pixels` (resized to fit; whatever it held
/// is painted over) and encodes it.
fn render_png(
    name: &str,
    spec: &Spec,
    width: u32,
    height: u32,
    pixels: &mut Vec<u8>,
) -> Result<Vec<u8>, ChartError> {
    let (w, h) = (width * PNG_SCALE, height * PNG_SCALE);
    pixels.resize(w as usize * h as usize * 3, 0);
    let buffer = pixels.as_mut_slice();
    {
        let root = BitMapBackend::with_buffer(buffer, (w, h)).into_drawing_area();
        draw(&root, spec, f64::from(PNG_SCALE))
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

fn render_svg(name: &str, spec: &Spec, width: u32, height: u32) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root, spec, 1.0)
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

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, spec: &Spec, s: f64) -> DrawResult {
    FAMILY.with(|f| f.set(font_family_for(spec.language(), spec.texts())));
    root.fill(&WHITE).map_err(err)?;
    match spec {
        Spec::Line(l) => draw_line(root, l, s),
        Spec::CostBars(c) => draw_cost(root, c, s),
        Spec::Status(st) => draw_status(root, st, s),
        Spec::Drivers(d) => drivers::draw(root, d, s),
        Spec::Segments(sg) => draw_segments(root, sg, s),
    }
}

fn font(size: f64, s: f64, color: RGBColor, bold: bool) -> TextStyle<'static> {
    // `FontDesc::style` keeps the regular face's glyphs (plotters 0.3.7), so the face
    // is chosen when the font is created.
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    let family = FAMILY.with(Cell::get);
    FontDesc::new(FontFamily::Name(family), size * s, style).color(&color)
}

fn px(v: f64, s: f64) -> i32 {
    (v * s).round() as i32
}

fn text<DB: DrawingBackend>(
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
fn fit<DB: DrawingBackend>(
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

/// Title, subtitle and legend across the top; returns the header's height in pixels.
fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    legend: &[(String, RGBColor, LegendMark)],
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
        match mark {
            LegendMark::Line => {
                root.draw(&PathElement::new(
                    vec![(x - swatch, y), (x, y)],
                    color.stroke_width(px(3.0, s) as u32),
                ))
                .map_err(err)?;
                root.draw(&Circle::new(
                    (x - swatch / 2, y),
                    px(3.5, s),
                    color.filled(),
                ))
                .map_err(err)?;
            }
            LegendMark::Dashed => {
                let seg = swatch / 4;
                for k in [0, 2] {
                    root.draw(&PathElement::new(
                        vec![
                            (x - swatch + k * seg, y),
                            (x - swatch + (k + 1) * seg + seg / 2, y),
                        ],
                        color.stroke_width(px(1.5, s).max(1) as u32),
                    ))
                    .map_err(err)?;
                }
            }
            LegendMark::Box => {
                let half = px(6.0, s);
                root.draw(&Rectangle::new(
                    [
                        (x - swatch + px(3.0, s), y - half),
                        (x - px(3.0, s), y + half),
                    ],
                    color.filled(),
                ))
                .map_err(err)?;
            }
        }
        x -= swatch + px(18.0, s);
    }
    Ok(px(74.0, s))
}

#[derive(Clone, Copy)]
enum LegendMark {
    Line,
    Dashed,
    Box,
}

/// A "nice" upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten.
fn nice_ceiling(x: f64) -> f64 {
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
struct MonthAxis {
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

fn draw_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &LineSpec,
    s: f64,
) -> DrawResult {
    let mut legend: Vec<(String, RGBColor, LegendMark)> = spec
        .series
        .iter()
        .map(|se| (se.label.clone(), se.color, LegendMark::Line))
        .collect();
    if spec.series.len() == 1 {
        // A single series is named by the title already.
        legend.clear();
    }
    if !spec.targets.is_empty() || spec.band.is_some() {
        legend.push((
            spec.w.chart_legend_target.into(),
            TARGET,
            LegendMark::Dashed,
        ));
    }
    let top = header(root, &spec.title, &spec.subtitle, &legend, s)?;
    let plot = root.margin(top, px(8.0, s), px(12.0, s), px(28.0, s));

    let n = spec.months.len().max(1);
    let axis = spec.axis;
    let values: Vec<f64> = spec
        .series
        .iter()
        .flat_map(|se| se.values.iter().flatten().map(|v| axis.plot(*v)))
        .collect();
    let mut relevant = values.clone();
    relevant.extend(spec.targets.iter().map(|(t, _)| axis.plot(*t)));
    if let Some((lo, hi, _)) = &spec.band {
        relevant.extend([axis.plot(*lo), axis.plot(*hi)]);
    }
    let hi = relevant.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lo = relevant.iter().copied().fold(f64::INFINITY, f64::min);
    let (y0, y1) = match axis {
        Axis::Rating => {
            let y0 = if lo.is_finite() { axis.floor(lo) } else { 1.0 };
            (y0, 5.0)
        }
        _ => (
            0.0,
            nice_ceiling(if hi.is_finite() { hi * 1.18 } else { 1.0 }),
        ),
    };
    let span = y1 - y0;

    let labels = &spec.months;
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(px(34.0, s))
        .y_label_area_size(px(66.0, s))
        .build_cartesian_2d(MonthAxis { months: n }, y0..y1)
        .map_err(err)?;
    let x_fmt = |x: &f64| labels.get(x.round() as usize).cloned().unwrap_or_default();
    let y_fmt = |y: &f64| axis.tick(*y, span, &spec.p);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .axis_style(AXIS.stroke_width(px(1.0, s) as u32))
        .bold_line_style(GRID.stroke_width(px(1.0, s) as u32))
        .light_line_style(TRANSPARENT)
        .set_tick_mark_size(LabelAreaPosition::Left, px(5.0, s))
        .set_tick_mark_size(LabelAreaPosition::Bottom, px(4.0, s))
        .label_style(font(12.5, s, MUTED, false))
        .draw()
        .map_err(err)?;

    // Months where no series has a value: a shaded column that says so, not a zero.
    for i in 0..n {
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

    if let Some((lo, hi, label)) = &spec.band {
        let (lo, hi) = (axis.plot(*lo), axis.plot(*hi));
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(-0.5, lo), (n as f64 - 0.5, hi)],
                MET.mix(0.07).filled(),
            )))
            .map_err(err)?;
        for y in [lo, hi] {
            dashed(&mut chart, y, n, s)?;
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
        dashed(&mut chart, y, n, s)?;
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

    draw_events(root, &mut chart, &spec.events, (y0, y1), s)?;

    for se in &spec.series {
        let points: Vec<Option<(f64, f64)>> = se
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| v.map(|v| (i as f64, axis.plot(v))))
            .collect();
        // Consecutive months are joined; a month without a value breaks the line.
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
            if let Some(p) = p {
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
        }
    }

    // Label the report month's values so the chart answers "where are we now". A label
    // sits on the side away from the line coming into the point; two labels that would
    // collide are split, the higher value above and the lower below.
    let last = n - 1;
    let mut labels: Vec<(usize, f64, (i32, i32), bool)> = spec
        .series
        .iter()
        .enumerate()
        .filter_map(|(k, se)| {
            let v = se.values.get(last).copied().flatten()?;
            let at = chart.backend_coord(&(last as f64, axis.plot(v)));
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

fn dashed<DB: DrawingBackend, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    y: f64,
    n: usize,
    s: f64,
) -> DrawResult
where
    X: plotters::coord::ranged1d::Ranged<ValueType = f64>,
    Y: plotters::coord::ranged1d::Ranged<ValueType = f64>,
{
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

/// The colour of event markers: distinct from every series and target colour.
const EVENT: RGBColor = VIOLET;

/// Known events (SPEC §6.5) as a dashed vertical line at their date with a numbered
/// badge at the top, the number the reports' "Events" list gives them.
fn draw_events<DB: DrawingBackend, Y>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'_, DB, Cartesian2d<MonthAxis, Y>>,
    events: &[(f64, String)],
    (y0, y1): (f64, f64),
    s: f64,
) -> DrawResult
where
    Y: plotters::coord::ranged1d::Ranged<ValueType = f64>,
{
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

fn draw_cost<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &CostSpec,
    s: f64,
) -> DrawResult {
    let legend = vec![
        (spec.w.chart_legend_llm.to_string(), VIOLET, LegendMark::Box),
        (spec.w.chart_legend_infra.to_string(), SKY, LegendMark::Box),
        (
            spec.w.chart_legend_labor.to_string(),
            SLATE,
            LegendMark::Box,
        ),
    ];
    let top = header(root, &spec.title, &spec.subtitle, &legend, s)?;
    let plot = root.margin(top, px(8.0, s), px(12.0, s), px(28.0, s));
    let n = spec.months.len().max(1);
    let max_total = spec
        .bars
        .iter()
        .flatten()
        .map(|(l, i, b, _)| l + i + b)
        .fold(0.0, f64::max);
    let y1 = nice_ceiling(max_total * 1.15);
    let labels = &spec.months;
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(px(34.0, s))
        .y_label_area_size(px(66.0, s))
        .build_cartesian_2d(MonthAxis { months: n }, 0.0..y1)
        .map_err(err)?;
    let x_fmt = |x: &f64| labels.get(x.round() as usize).cloned().unwrap_or_default();
    let y_fmt = |y: &f64| Axis::Money.tick(*y, y1, &spec.p);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .axis_style(AXIS.stroke_width(px(1.0, s) as u32))
        .bold_line_style(GRID.stroke_width(px(1.0, s) as u32))
        .light_line_style(TRANSPARENT)
        .set_tick_mark_size(LabelAreaPosition::Left, px(5.0, s))
        .set_tick_mark_size(LabelAreaPosition::Bottom, px(4.0, s))
        .label_style(font(12.5, s, MUTED, false))
        .draw()
        .map_err(err)?;
    draw_events(root, &mut chart, &spec.events, (0.0, y1), s)?;
    let half = 0.3;
    for (i, bar) in spec.bars.iter().enumerate() {
        let x = i as f64;
        let Some((llm, infra, labor, provisional)) = *bar else {
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
            )?;
            continue;
        };
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
                        [(x - half, base), (x + half, base + amount)],
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
    }
    let _ = &spec.currency;
    Ok(())
}

/// Rows per segments panel: the largest channels or issues.
const SEGMENT_ROWS: usize = 8;

fn draw_segments<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &SegmentsSpec,
    s: f64,
) -> DrawResult {
    let top = header(root, &spec.title, &spec.subtitle, &[], s)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let left = px(24.0, s);
    let gap = px(40.0, s);
    let panel_w = (w - 2 * left - gap) / 2;
    let label_w = px(150.0, s);
    let value_w = px(110.0, s);
    let row_h = px(28.0, s);
    for (k, (title, rows)) in spec.panels.iter().enumerate() {
        let x0 = left + k as i32 * (panel_w + gap);
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
            text(
                root,
                spec.w.no_data,
                (x0, y0 + row_h / 2),
                font(12.5, s, MUTED, false),
                HPos::Left,
                VPos::Center,
            )?;
            continue;
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
            text(
                root,
                &format!(
                    "{} · {}",
                    spec.p.percent(*share),
                    spec.p.count(*conversations)
                ),
                (x0 + label_w + bar + px(8.0, s), y + row_h / 2),
                font(11.5, s, MUTED, false),
                HPos::Left,
                VPos::Center,
            )?;
        }
    }
    Ok(())
}

fn draw_status<DB: DrawingBackend>(
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
        for (c, t) in tiles.iter().enumerate() {
            let x = left + label_w + c as i32 * (tile_w + gap);
            let (fg, bg, word) = match t.status {
                Status::Met => (MET, MET_BG, spec.w.chart_tile_met),
                Status::Missed => (MISSED, MISSED_BG, spec.w.chart_tile_missed),
                Status::NoData => (NO_DATA, NO_DATA_BG, spec.w.chart_tile_no_data),
                Status::NotMeasured => (NO_DATA, NO_DATA_BG, spec.w.chart_tile_not_measured),
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
            )?;
        }
    }
    Ok(())
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
        register_bundled_font().expect("fonts");
        let specs = specs(&review, &Presentation::default());
        assert_eq!(specs.len(), CHART_NAMES.len());
        for (meta, spec) in &specs {
            let fresh = draw_chart(meta, spec, &mut Vec::new()).expect("draws");
            let mut used = vec![0x5a; 3 * 2000 * 1000];
            let reused = draw_chart(meta, spec, &mut used).expect("draws");
            assert!(
                fresh.png == reused.png,
                "{}: the old pixels show",
                meta.name
            );
        }
    }

    #[test]
    fn nice_ceilings_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(0.83), 1.0);
        assert_eq!(nice_ceiling(4.1), 5.0);
        assert_eq!(nice_ceiling(15_525.0), 20_000.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
    }

    #[test]
    fn long_texts_are_shortened_with_an_ellipsis() {
        register_bundled_font().expect("font");
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

    #[test]
    fn the_bundled_font_registers() {
        register_bundled_font().expect("Noto Sans loads");
        register_bundled_font().expect("and again");
    }
}
