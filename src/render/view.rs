//! The template context: the review as it is, plus what every format derives from it
//! the same way (banners, layer tables, moves in words, callouts, chart references).
//!
//! Numbers stay raw here wherever a template can format them with the filters; only
//! composite texts (moves, callouts, banners) are put into words in Rust, once.

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::callouts::{self, Callout};
use super::format;
use super::RenderError;
use crate::charts::Chart;
use crate::review::metrics::{Layer, MetricId};
use crate::review::{ChannelShare, MetricReport, ModelCost, Move, Review};

/// Everything a report template sees (as `review` and `view`).
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// "AI support monthly review — October 2026".
    pub title: String,
    /// "October 2026".
    pub month_long: String,
    /// When the report was generated, e.g. "2026-11-02 08:00 UTC".
    pub generated_at: String,
    /// When the data was read.
    pub read_at: String,
    /// The month's bounds in the report's time zone, e.g.
    /// "2026-10-01 00:00 – 2026-11-01 00:00 (Europe/Berlin)".
    pub period: String,
    /// Banners above the summary (sample data, provisional numbers, provisional cost).
    pub banners: Vec<Banner>,
    pub summary: SummaryView,
    pub callouts: Vec<Callout>,
    /// The four layer tables, in framework order.
    pub layers: Vec<LayerView>,
    pub charts: Vec<ChartView>,
    /// Metered LLM cost by model: the largest few, the rest folded into one row.
    pub models: Vec<ModelCost>,
    /// Channels: the largest few, the rest folded into one row.
    pub channels: Vec<ChannelShare>,
    /// LLM cost as a share of the month's total cost (none when the total is 0).
    pub llm_share: Option<f64>,
    /// The definitions appendix, in report order.
    pub definitions: Vec<Definition>,
}

/// A banner: something the reader must know before reading any number.
#[derive(Debug, Clone, Serialize)]
pub struct Banner {
    /// `sample`, `provisional` or `cost`.
    pub kind: String,
    pub emoji: String,
    pub title: String,
    pub lines: Vec<String>,
}

/// The executive summary in words.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryView {
    /// "7 of 12 targets met".
    pub headline: String,
    pub better: Vec<MoveView>,
    pub worse: Vec<MoveView>,
    /// Names of the triggered traps.
    pub traps: Vec<String>,
}

/// One month-over-month move in words.
#[derive(Debug, Clone, Serialize)]
pub struct MoveView {
    pub id: MetricId,
    pub title: String,
    /// "rose" or "fell".
    pub verb: String,
    pub from: String,
    pub to: String,
    /// The relative change, e.g. "+2.0%".
    pub relative: String,
    /// The absolute change, e.g. "+1.2 pp".
    pub delta: String,
}

/// One layer's table.
#[derive(Debug, Clone, Serialize)]
pub struct LayerView {
    pub number: u8,
    pub title: String,
    pub metrics: Vec<MetricReport>,
}

/// A chart as the report refers to it.
#[derive(Debug, Clone, Serialize)]
pub struct ChartView {
    pub name: String,
    pub title: String,
    pub description: String,
    /// The PNG's path relative to the report, `charts/<name>.png`.
    pub path: String,
    /// The PNG as a `data:` URI (HTML only embeds; Markdown links `path`).
    pub data_uri: String,
    /// Display size in CSS pixels (the PNG is drawn at twice this).
    pub width: u32,
    pub height: u32,
}

/// One entry of the definitions appendix.
#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    pub id: MetricId,
    pub title: String,
    pub definition: String,
    pub target: String,
}

/// How many channels or models a table shows before folding the rest into "other":
/// with the header that keeps every table within Lark's 9 rows.
const TOP_ROWS: usize = 7;

impl ReportView {
    /// Derives the view of a review; `embed` adds `data:` URIs of the charts (HTML).
    pub fn new(review: &Review, charts: &[Chart], embed: bool) -> Result<Self, RenderError> {
        let p = &review.provenance;
        let tz: Option<chrono_tz::Tz> = p.time_zone.parse().ok();
        let local = |t: DateTime<Utc>| match tz {
            Some(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            None => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        };
        let month_long = format::month_long(review.month);
        Ok(Self {
            title: format!("AI support monthly review — {month_long}"),
            month_long,
            generated_at: utc(review.provenance.generated_at),
            read_at: utc(review.provenance.read_at),
            period: format!(
                "{} – {} ({})",
                local(p.month_starts_at),
                local(p.month_ends_at),
                p.time_zone
            ),
            banners: banners(review),
            summary: summary(review),
            callouts: callouts::callouts(review),
            layers: Layer::ALL
                .iter()
                .map(|layer| LayerView {
                    number: layer.number(),
                    title: layer.title().to_string(),
                    metrics: MetricId::ALL
                        .iter()
                        .filter(|id| id.layer() == *layer)
                        .filter_map(|id| review.metrics.get(id).cloned())
                        .collect(),
                })
                .collect(),
            charts: charts
                .iter()
                .map(|c| chart_view(c, embed))
                .collect::<Result<_, _>>()?,
            models: fold_models(&review.cost_breakdown.llm_by_model),
            channels: fold_channels(&review.channels),
            llm_share: (review.cost_breakdown.total > 0.0)
                .then(|| review.cost_breakdown.llm / review.cost_breakdown.total),
            definitions: MetricId::ALL
                .iter()
                .filter_map(|id| review.metrics.get(id))
                .map(|m| Definition {
                    id: m.id,
                    title: m.title.clone(),
                    definition: m.id.definition().to_string(),
                    target: format::target(&m.target, m.unit, &review.currency),
                })
                .collect(),
        })
    }
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A chart's file stem must be a plain name: it becomes a path in `charts/` and a
/// link in Markdown, so anything else is refused rather than escaped.
pub(crate) fn check_chart_name(name: &str) -> Result<(), RenderError> {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if plain {
        Ok(())
    } else {
        Err(RenderError::ChartName(name.to_string()))
    }
}

fn chart_view(chart: &Chart, embed: bool) -> Result<ChartView, RenderError> {
    check_chart_name(&chart.name)?;
    let (width, height) = png_css_size(&chart.png);
    Ok(ChartView {
        name: chart.name.clone(),
        title: chart.title.clone(),
        description: chart.description.clone(),
        path: format!("charts/{}.png", chart.name),
        data_uri: if embed {
            format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(&chart.png)
            )
        } else {
            String::new()
        },
        width,
        height,
    })
}

/// The display size of a chart PNG: its pixel size halved (charts are drawn at 2×),
/// read from the IHDR header; a default when the header is unreadable.
fn png_css_size(png: &[u8]) -> (u32, u32) {
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    if png.len() >= 24 && &png[12..16] == b"IHDR" {
        (be(&png[16..20]) / 2, be(&png[20..24]) / 2)
    } else {
        (900, 420)
    }
}

fn banners(review: &Review) -> Vec<Banner> {
    let mut out = Vec::new();
    if review.sample {
        out.push(Banner {
            kind: "sample".into(),
            emoji: "🧪".into(),
            title: "Sample data".into(),
            lines: vec![
                "This report was rendered from the sample shipped with aikpi (generated data), not from a real support operation.".into(),
            ],
        });
    }
    if review.settling.provisional {
        out.push(Banner {
            kind: "provisional".into(),
            emoji: "⏳".into(),
            title: "Provisional numbers".into(),
            lines: review
                .settling
                .notes
                .iter()
                .map(|n| capitalise(n))
                .collect(),
        });
    }
    if review.cost_breakdown.provisional {
        let missing = review.cost_breakdown.missing_categories.join(", ");
        out.push(Banner {
            kind: "cost".into(),
            emoji: "💸".into(),
            title: "Cost is provisional".into(),
            lines: vec![format!(
                "No ledger line yet for: {missing}. It counts as 0 until finance books it, so cost per conversation will rise when it lands."
            )],
        });
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn summary(review: &Review) -> SummaryView {
    let s = &review.summary;
    let moves = |moves: &[Move]| moves.iter().map(|m| move_view(review, m)).collect();
    SummaryView {
        headline: format!("{} of {} targets met", s.met, s.counted),
        better: moves(&s.better_moves),
        worse: moves(&s.worse_moves),
        traps: s
            .triggered_traps
            .iter()
            .map(|id| callouts::trap_name(id).to_string())
            .collect(),
    }
}

fn move_view(review: &Review, m: &Move) -> MoveView {
    let unit = m.id.unit();
    let c = &review.currency;
    MoveView {
        id: m.id,
        title: m.title.clone(),
        verb: if m.delta_abs >= 0.0 { "rose" } else { "fell" }.into(),
        from: format::value(m.previous, unit, c),
        to: format::value(m.value, unit, c),
        relative: format::relative(Some(m.delta_rel)),
        delta: format::delta(Some(m.delta_abs), unit, c),
    }
}

fn fold_models(models: &[ModelCost]) -> Vec<ModelCost> {
    if models.len() <= TOP_ROWS + 1 {
        return models.to_vec();
    }
    let mut out = models[..TOP_ROWS].to_vec();
    let rest = &models[TOP_ROWS..];
    out.push(ModelCost {
        model: format!("{} other models", rest.len()),
        calls: rest.iter().map(|m| m.calls).sum(),
        cost: rest.iter().map(|m| m.cost).sum(),
    });
    out
}

fn fold_channels(channels: &[ChannelShare]) -> Vec<ChannelShare> {
    if channels.len() <= TOP_ROWS + 1 {
        return channels.to_vec();
    }
    let mut out = channels[..TOP_ROWS].to_vec();
    let rest = &channels[TOP_ROWS..];
    out.push(ChannelShare {
        channel: format!("{} other channels", rest.len()),
        conversations: rest.iter().map(|c| c.conversations).sum(),
        share: rest.iter().map(|c| c.share).sum(),
    });
    out
}

/// The tera context of a report: `review` (the review as in `report.json`) and `view`.
pub fn context(review: &Review, view: &ReportView) -> Result<tera::Context, RenderError> {
    let mut ctx = tera::Context::new();
    let fail = |e: tera::Error| RenderError::Context(super::describe(&e));
    ctx.try_insert("review", review).map_err(fail)?;
    ctx.try_insert("view", view).map_err(fail)?;
    // Metric lookups by id for templates that want one metric (`metrics.csat_ai`).
    let by_id: BTreeMap<&str, &MetricReport> =
        review.metrics.values().map(|m| (m.id.as_str(), m)).collect();
    ctx.try_insert("metrics", &by_id).map_err(fail)?;
    Ok(ctx)
}
