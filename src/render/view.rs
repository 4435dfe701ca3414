//! The template context: the review as it is, plus what every format derives from it
//! the same way (banners, layer tables, moves in words, callouts, chart references).
//!
//! Numbers stay raw here wherever a template can format them with the filters; the
//! sentences (banners, summary, callouts) come from [`super::narrative`], so every
//! format — HTML, Markdown, Word, email — says the same thing. The email adds only
//! what is its own (`email`: headline, inline charts, attachments; see
//! [`super::email`]) to this same context.

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::RenderError;
use super::{format, narrative};
use crate::charts::Chart;
use crate::review::metrics::{Layer, MetricId};
use crate::review::{ChannelShare, MetricReport, ModelCost, Review};

/// Everything a report template sees (as `view`, beside the raw `review`).
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// "AI support monthly business review — October 2026".
    pub title: String,
    /// "October 2026".
    pub month_name: String,
    /// "Period: 1 October 2026 – 31 October 2026 · time zone Europe/Berlin".
    pub period: String,
    /// When the report was generated, e.g. "2026-11-02 08:00 UTC".
    pub generated_at: String,
    /// When the data was read.
    pub read_at: String,
    /// The month's bounds as instants in the report's time zone, e.g.
    /// "2026-10-01 00:00 – 2026-11-01 00:00 (Europe/Berlin)".
    pub bounds: String,
    /// Banners above the summary (sample data, provisional numbers or cost).
    pub banners: Vec<BannerView>,
    pub summary: SummaryView,
    /// The three trap callouts, in report order.
    pub callouts: Vec<CalloutView>,
    /// The four layer tables, in framework order.
    pub layers: Vec<LayerView>,
    pub charts: Vec<ChartView>,
    /// Metered LLM cost by model: the largest few, the rest folded into one row.
    pub models: Vec<ModelCost>,
    /// Channels: the largest few, the rest folded into one row.
    pub channels: Vec<ChannelShare>,
    /// LLM cost as a share of the month's total cost (none when the total is 0).
    pub llm_share: Option<f64>,
    /// "Handoffs by initiator: AI 17.5%, user 9.5% of conversations."
    pub handoff_split: String,
    /// The unclassified share as a sentence, when there are conversations.
    pub unclassified: Option<String>,
    /// The definitions appendix: every metric, in report order.
    pub definitions: Vec<Definition>,
    /// The definitions appendix: what each trap checks.
    pub trap_definitions: Vec<TrapDefinition>,
}

/// A banner: something the reader must know before reading any number.
#[derive(Debug, Clone, Serialize)]
pub struct BannerView {
    /// `sample` or `provisional`.
    pub kind: String,
    /// A leading emoji for Markdown (🧪, ⏳).
    pub emoji: String,
    /// "Sample data" or "Provisional".
    pub label: String,
    /// One plain sentence.
    pub text: String,
}

/// The executive summary.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryView {
    /// "7 of 12 metrics met their target; 4 missed; 1 has no data."
    pub scorecard: String,
    /// "Biggest improvements: …." (a sentence, also when there are none).
    pub better_line: String,
    /// "Biggest setbacks: …."
    pub worse_line: String,
    /// One item per biggest move for the better.
    pub better: Vec<String>,
    /// One item per biggest move for the worse.
    pub worse: Vec<String>,
    /// "Reporting traps: 2 of 3 triggered — …."
    pub traps_line: String,
    /// Names of the triggered traps.
    pub trap_names: Vec<String>,
    /// "Volume: 4,000 conversations (web 52.5%, …)."
    pub volume: Option<String>,
    /// "Cost: USD 5.00 per conversation; USD 100.00 in total (LLM …, infra …, labor …)."
    pub cost: String,
}

/// A trap callout (see [`narrative::Callout`]), ready for a template.
#[derive(Debug, Clone, Serialize)]
pub struct CalloutView {
    /// The trap id, e.g. `faking_deflection`.
    pub id: String,
    pub name: String,
    /// `triggered`, `clear` or `not_judged`.
    pub state: String,
    /// A leading emoji for Markdown quotes (🚨, ✅, ⏳).
    pub emoji: String,
    pub headline: String,
    pub findings: Vec<String>,
    pub evidence: Vec<Evidence>,
    pub check: String,
}

/// One evidence figure of a callout.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub label: String,
    pub value: String,
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
    /// The PNG as a `data:` URI (HTML embeds it; Markdown links `path`).
    pub data_uri: String,
    /// Display size in CSS pixels (the PNG is drawn at twice this).
    pub width: u32,
    pub height: u32,
}

/// One metric of the definitions appendix.
#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    pub id: MetricId,
    pub title: String,
    pub definition: String,
    pub target: String,
}

/// One trap of the definitions appendix.
#[derive(Debug, Clone, Serialize)]
pub struct TrapDefinition {
    pub name: String,
    pub definition: String,
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
        Ok(Self {
            title: narrative::title(review),
            month_name: narrative::month_name(review.month),
            period: narrative::period(review),
            generated_at: utc(p.generated_at),
            read_at: utc(p.read_at),
            bounds: format!(
                "{} – {} ({})",
                local(p.month_starts_at),
                local(p.month_ends_at),
                p.time_zone
            ),
            banners: narrative::banners(review).into_iter().map(banner).collect(),
            summary: summary(review),
            callouts: narrative::callouts(review)
                .into_iter()
                .map(callout)
                .collect(),
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
            handoff_split: narrative::handoff_split(review),
            unclassified: narrative::unclassified(review),
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
            trap_definitions: narrative::trap_definitions()
                .iter()
                .map(|(name, definition)| TrapDefinition {
                    name: name.to_string(),
                    definition: definition.to_string(),
                })
                .collect(),
        })
    }
}

fn banner(b: narrative::Banner) -> BannerView {
    let (kind, emoji, label) = match b.kind {
        narrative::BannerKind::Sample => ("sample", "🧪", "Sample data"),
        narrative::BannerKind::Provisional => ("provisional", "⏳", "Provisional"),
    };
    // The label is shown in front of the text; don't say it twice.
    let text = b
        .text
        .strip_prefix(&format!("{label}: "))
        .map(|rest| {
            let mut chars = rest.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .unwrap_or(b.text);
    BannerView {
        kind: kind.into(),
        emoji: emoji.into(),
        label: label.into(),
        text,
    }
}

fn callout(c: narrative::Callout) -> CalloutView {
    let (state, emoji) = match c.state {
        narrative::CalloutState::Triggered => ("triggered", "🚨"),
        narrative::CalloutState::Clear => ("clear", "✅"),
        narrative::CalloutState::NotJudged => ("not_judged", "⏳"),
    };
    CalloutView {
        id: c.trap.to_string(),
        name: c.name.to_string(),
        state: state.into(),
        emoji: emoji.into(),
        headline: c.headline,
        findings: c.findings,
        evidence: c
            .evidence
            .into_iter()
            .map(|(label, value)| Evidence { label, value })
            .collect(),
        check: c.check,
    }
}

fn summary(review: &Review) -> SummaryView {
    let s = &review.summary;
    let items = |moves: &[crate::review::Move]| {
        moves
            .iter()
            .map(|m| narrative::move_text(m, &review.currency))
            .collect()
    };
    SummaryView {
        scorecard: narrative::scorecard(review),
        better_line: narrative::better_moves(review),
        worse_line: narrative::worse_moves(review),
        better: items(&s.better_moves),
        worse: items(&s.worse_moves),
        traps_line: narrative::traps_line(review),
        trap_names: s
            .triggered_traps
            .iter()
            .map(|id| narrative::trap_name(id).to_string())
            .collect(),
        volume: narrative::volume(review),
        cost: narrative::cost_line(review),
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

/// A chart as a template refers to it; `embed` adds its `data:` URI.
pub(crate) fn chart_view(chart: &Chart, embed: bool) -> Result<ChartView, RenderError> {
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
    insert(&mut ctx, "review", review)?;
    insert(&mut ctx, "view", view)?;
    // Metric lookups by id for templates that want one metric (`metrics.csat_ai`).
    let by_id: BTreeMap<&str, &MetricReport> = review
        .metrics
        .values()
        .map(|m| (m.id.as_str(), m))
        .collect();
    insert(&mut ctx, "metrics", &by_id)?;
    Ok(ctx)
}

/// Adds one top-level value to a template context (the email adds `email`).
pub(crate) fn insert<T: Serialize + ?Sized>(
    ctx: &mut tera::Context,
    key: &str,
    value: &T,
) -> Result<(), RenderError> {
    ctx.try_insert(key, value)
        .map_err(|e| RenderError::Context(super::describe(&e)))
}
