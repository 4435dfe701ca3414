//! What every format shows, computed once from the review: every sentence, label and
//! formatted number, in the run's language.
//!
//! The templates (HTML, Markdown, email bodies) see it as `view` (and `w`, the words
//! table, for fixed labels); the Word builder reads the same fields. So a label or a
//! number reads the same in every format, and a second language changes only the words.

use serde::Serialize;

use super::drilldown::{EventView, SegmentTable, WorkloadView};
use super::narrative::{BannerKind, CalloutState};
use super::{Presentation, Words};
use crate::review::metrics::{Layer, MetricId, Unit};
use crate::review::status::{Movement, Status};
use crate::review::{ChannelShare, CountedAs, MetricReport, ModelCost, Review, Significance};
use crate::say;

/// Everything a report template sees as `view`, beside the raw `review`.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    /// The language tag, for `<html lang>`: `en`, `zh-CN`.
    pub lang: &'static str,
    /// "AI support monthly business review — October 2026".
    pub title: String,
    /// "October 2026".
    pub month_name: String,
    /// "Period: 1 October 2026 – 31 October 2026 · time zone Europe/Berlin".
    pub period: String,
    /// "postgres://… (schema public)".
    pub source: String,
    /// When the report was generated, e.g. "2026-11-02 08:00 UTC".
    pub generated_at: String,
    /// The same instant as ISO 8601 to the second, for document metadata.
    pub generated_iso: String,
    /// Banners above the summary (sample data, provisional numbers or cost).
    pub banners: Vec<BannerView>,
    pub summary: SummaryView,
    /// The three trap callouts, in report order.
    pub callouts: Vec<CalloutView>,
    /// The four layer tables, in framework order.
    pub layers: Vec<LayerView>,
    /// "Trends over the last 6 months".
    pub trends_heading: String,
    /// The charts; filled by the outputs that show them (see `outputs::charts`).
    pub charts: Vec<ChartView>,
    /// "Total cost this month: USD 100.00. LLM is metered …".
    pub cost_total: String,
    /// The cost table: LLM (of which background jobs), infra, labor, total — the total
    /// is the sum of the rows that are not sub-items (SPEC §7.4).
    pub cost_rows: Vec<CostRow>,
    /// "Ledger lines the total does not count (…):", when there are such lines.
    pub ledger_intro: Option<String>,
    /// One sentence per ledger line the total does not count: its amount, its change
    /// and why it is not counted.
    pub ledger_not_counted: Vec<String>,
    /// Metered LLM cost by model: the largest few, the rest folded into one row.
    pub models: Vec<ModelRow>,
    /// Channels: the largest few, the rest folded into one row.
    pub channels: Vec<ChannelRow>,
    /// "Handoffs by initiator: AI 17.5%, user 9.5% of conversations."
    pub handoff_split: String,
    /// The unclassified share as a sentence, when there are conversations.
    pub unclassified: Option<String>,
    /// One sentence per data-quality note.
    pub quality_notes: Vec<String>,
    /// The definitions appendix: every metric, in report order.
    pub definitions: Vec<Definition>,
    /// The definitions appendix: what each trap checks.
    pub trap_definitions: Vec<TrapDefinition>,
    /// "About this report": (label, value) lines.
    pub about: Vec<AboutLine>,
    // SPEC §6 (see [`super::drilldown`]).
    /// What "within noise" means, at the review's confidence level.
    pub noise_explainer: String,
    /// What "CI" means (the tables that show intervals).
    pub interval_explainer: String,
    /// The segment tables: by channel, then top issues (empty without conversations).
    pub segments: Vec<SegmentTable>,
    /// One sentence per rate whose move is not within noise: mix vs rate.
    pub drivers: Vec<String>,
    /// Said instead when there is no drivers sentence.
    pub drivers_none: &'static str,
    /// The workload table and "Did the AI save money?".
    pub workload: WorkloadView,
    /// The events drawn on the trend charts, numbered as there.
    pub events: Vec<EventView>,
}

/// A banner: something the reader must know before reading any number.
#[derive(Debug, Clone, Serialize)]
pub struct BannerView {
    /// `sample` or `provisional`.
    pub kind: &'static str,
    /// A leading emoji for Markdown (🧪, ⏳).
    pub emoji: &'static str,
    /// "Sample data" or "Provisional".
    pub label: &'static str,
    /// The label as it leads the sentence: "Sample data:".
    pub lead: String,
    /// One plain sentence.
    pub text: String,
}

/// The executive summary.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryView {
    /// "7 of 12 metrics met their target; 4 missed; 1 has no data."
    pub scorecard: String,
    /// "7 of 12 met" (the summary card).
    pub met_of_counted: String,
    /// "4 missed · 1 no data".
    pub missed_and_no_data: String,
    /// "Biggest improvements: …." (a sentence, also when there are none).
    pub better_line: String,
    /// "Biggest setbacks: …."
    pub worse_line: String,
    /// Under a "Biggest improvements" heading when there are none: why, capitalised.
    pub better_none: Option<String>,
    /// Under a "Biggest setbacks" heading when there are none: why, capitalised.
    pub worse_none: Option<String>,
    /// One item per biggest move for the better.
    pub better: Vec<String>,
    /// One item per biggest move for the worse.
    pub worse: Vec<String>,
    /// "Reporting traps: 2 of 3 triggered — …."
    pub traps_line: String,
    /// "2 of 3 triggered".
    pub traps_of_three: String,
    /// The triggered traps' names in one list, or that none fired.
    pub trap_names: String,
    /// Whether any trap fired.
    pub any_trap: bool,
    /// "Volume: 4,000 conversations (web 52.5%, …)."
    pub volume: Option<String>,
    /// "Cost: USD 5.00 per conversation; USD 100.00 in total (LLM …, infra …, labor …)."
    pub cost: String,
    /// The cost per conversation, formatted.
    pub cost_per_conversation: String,
    /// "provisional · +4.1% vs last month" (the cost card's small print).
    pub cost_change: String,
    /// The share of the target bar for met, missed and no data, in percent.
    pub bar: [f64; 3],
}

/// A trap callout, ready for a template.
#[derive(Debug, Clone, Serialize)]
pub struct CalloutView {
    /// The trap id, e.g. `faking_deflection`.
    pub id: &'static str,
    pub name: &'static str,
    /// `triggered`, `clear` or `not_judged`.
    pub state: &'static str,
    /// "Check this", "OK", "Not yet".
    pub tag: &'static str,
    /// A leading emoji for Markdown quotes (🚨, ✅, ⏳).
    pub emoji: &'static str,
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
    /// "Layer 1 — Coverage".
    pub heading: String,
    pub rows: Vec<MetricRow>,
}

/// One metric's row, every cell formatted.
#[derive(Debug, Clone, Serialize)]
pub struct MetricRow {
    pub id: MetricId,
    pub title: &'static str,
    /// Counted among the 12 (false for FRT p50, which carries a note instead).
    pub counted: bool,
    pub value: String,
    pub previous: String,
    /// ▲ ▼ ▶ or empty.
    pub arrow: &'static str,
    /// "+1.2 pp", or "–" without a previous month.
    pub delta: String,
    /// `better`, `worse`, `flat` or empty (for styling): `flat`, the neutral colour, also
    /// for a change within noise or one that shows as zero.
    pub movement: &'static str,
    /// The movement in words (empty without a previous month).
    pub movement_word: &'static str,
    /// 🟢 🔴 ⚪ or empty.
    pub movement_dot: &'static str,
    pub target: String,
    /// `met`, `missed`, `no_data` (for styling).
    pub status: &'static str,
    /// The status in words.
    pub status_word: &'static str,
    /// The status with its emoji.
    pub status_badge: String,
    /// "within noise" when the change is within the noise band (SPEC §6.1), else empty.
    pub noise: &'static str,
    /// "95% CI 53.5%–56.5%", or empty without an interval.
    pub interval: String,
}

/// A chart as the report refers to it.
#[derive(Debug, Clone, Serialize)]
pub struct ChartView {
    pub name: String,
    pub title: String,
    pub description: String,
    /// "title: description", the image's alt text.
    pub alt: String,
    /// The PNG's path relative to the report, `charts/<name>.png`.
    pub path: String,
    /// The PNG as a `data:` URI (HTML embeds it; Markdown links `path`).
    pub data_uri: String,
    /// Display size in CSS pixels (the PNG is drawn at twice this).
    pub width: u32,
    pub height: u32,
}

/// One line of the cost table.
#[derive(Debug, Clone, Serialize)]
pub struct CostRow {
    pub label: &'static str,
    pub amount: String,
    /// Share of the total, or empty.
    pub share: String,
    /// The total line (shown bold).
    pub total: bool,
    /// Part of the row above ("of which"), not added to the total again.
    pub sub_item: bool,
}

/// One model's metered cost.
#[derive(Debug, Clone, Serialize)]
pub struct ModelRow {
    pub model: String,
    pub calls: String,
    pub cost: String,
}

/// One channel's conversations.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelRow {
    pub channel: String,
    pub conversations: String,
    pub share: String,
}

/// One metric of the definitions appendix.
#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    pub id: MetricId,
    pub title: &'static str,
    pub definition: &'static str,
    /// "target > 95.0%".
    pub target: String,
}

/// One trap of the definitions appendix.
#[derive(Debug, Clone, Serialize)]
pub struct TrapDefinition {
    pub name: &'static str,
    pub definition: &'static str,
}

/// One line of "About this report".
#[derive(Debug, Clone, Serialize)]
pub struct AboutLine {
    pub label: &'static str,
    pub value: String,
}

/// How many channels or models a table shows before folding the rest into "other":
/// with the header that keeps every table within Lark's 9 rows.
const TOP_ROWS: usize = 7;

impl ReportView {
    /// The view of a review in the presentation's language (charts empty).
    pub fn new(review: &Review, p: &Presentation) -> Self {
        let w: &Words = p.words;
        let pr = &review.provenance;
        let currency = &review.currency;
        let money = |x: f64| p.money(x, currency);
        let s = &review.summary;
        let cost_metric = review.metrics.get(&MetricId::CostPerConversation);
        let share_of_bar = |n: usize| {
            if s.counted > 0 {
                n as f64 / s.counted as f64 * 100.0
            } else {
                0.0
            }
        };
        let trap_names: Vec<&str> = s
            .triggered_traps
            .iter()
            .map(|id| p.trap_name(id.as_str()))
            .collect();
        let summary = SummaryView {
            scorecard: p.scorecard(review),
            met_of_counted: say!(w.met_of_counted, met = s.met, counted = s.counted),
            missed_and_no_data: say!(w.missed_and_no_data, missed = s.missed, no_data = s.no_data),
            better_line: p.better_moves(review),
            worse_line: p.worse_moves(review),
            better_none: p
                .no_moves(review, &s.better_moves, w.none_improved)
                .map(capitalised),
            worse_none: p
                .no_moves(review, &s.worse_moves, w.none_worse)
                .map(capitalised),
            better: s
                .better_moves
                .iter()
                .map(|m| p.move_text(m, currency))
                .collect(),
            worse: s
                .worse_moves
                .iter()
                .map(|m| p.move_text(m, currency))
                .collect(),
            traps_line: p.traps_line(review),
            traps_of_three: say!(w.traps_of_three, count = trap_names.len()),
            any_trap: !trap_names.is_empty(),
            trap_names: if trap_names.is_empty() {
                w.no_trap_fired.to_string()
            } else {
                trap_names.join(w.list_separator)
            },
            volume: p.volume(review),
            cost: p.cost_line(review),
            cost_per_conversation: cost_metric
                .map(|m| p.value(m.value, m.unit, currency))
                .unwrap_or_else(|| p.no_data().to_string()),
            cost_change: {
                let change = say!(
                    w.vs_last_month,
                    change = p.relative(cost_metric.and_then(|m| m.delta_rel))
                );
                if review.cost_breakdown.provisional {
                    format!("{} · {change}", w.provisional_word)
                } else {
                    change
                }
            },
            bar: [
                share_of_bar(s.met),
                share_of_bar(s.missed),
                share_of_bar(s.no_data),
            ],
        };
        let c = &review.cost_breakdown;
        let share = |x: f64| {
            if c.total > 0.0 {
                p.percent(x / c.total)
            } else {
                String::new()
            }
        };
        let provisional = if c.provisional {
            w.provisional_suffix
        } else {
            ""
        };
        let about_source = say!(
            w.about_source_value,
            kind = pr.source_kind,
            source = pr.source,
            schema = pr.schema,
            note = pr
                .source_note
                .as_ref()
                .map(|n| say!(w.about_note, note = n))
                .unwrap_or_default()
        );
        let rows = &pr.row_counts;
        let generated_at = p.utc(pr.generated_at);
        let (noise_explainer, interval_explainer) = p.noise_explainer(review);
        let (ledger_intro, ledger_not_counted) = p.ledger_not_counted(review);
        Self {
            ledger_intro,
            ledger_not_counted,
            lang: p.language.tag(),
            title: p.title(review),
            month_name: p.month_name(review.month),
            period: p.period(review),
            source: say!(w.source_with_schema, source = pr.source, schema = pr.schema),
            generated_at: generated_at.clone(),
            generated_iso: pr.generated_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            banners: p
                .banners(review)
                .into_iter()
                .map(|b| {
                    let (kind, emoji) = match b.kind {
                        BannerKind::Sample => ("sample", "🧪"),
                        BannerKind::Provisional => ("provisional", "⏳"),
                    };
                    BannerView {
                        kind,
                        emoji,
                        lead: format!("{}{}", b.label, w.colon),
                        label: b.label,
                        text: b.text,
                    }
                })
                .collect(),
            summary,
            callouts: p
                .callouts(review)
                .into_iter()
                .map(|c| {
                    let (state, emoji) = match c.state {
                        CalloutState::Triggered => ("triggered", "🚨"),
                        CalloutState::Clear => ("clear", "✅"),
                        CalloutState::NotJudged => ("not_judged", "⏳"),
                    };
                    CalloutView {
                        id: c.trap,
                        name: c.name,
                        state,
                        tag: c.tag,
                        emoji,
                        headline: c.headline,
                        findings: c.findings,
                        evidence: c
                            .evidence
                            .into_iter()
                            .map(|(label, value)| Evidence { label, value })
                            .collect(),
                        check: c.check,
                    }
                })
                .collect(),
            layers: Layer::ALL
                .iter()
                .map(|layer| LayerView {
                    number: layer.number(),
                    heading: p.layer_heading(*layer),
                    rows: MetricId::ALL
                        .iter()
                        .filter(|id| id.layer() == *layer)
                        .filter_map(|id| review.metrics.get(id))
                        .map(|m| metric_row(m, p, currency))
                        .collect(),
                })
                .collect(),
            trends_heading: say!(w.trends_heading, count = review.trend.months.len()),
            charts: Vec::new(),
            cost_total: say!(
                w.cost_total_sentence,
                total = money(c.total),
                provisional = provisional
            ),
            cost_rows: vec![
                CostRow {
                    label: w.cost_llm,
                    amount: money(c.llm),
                    share: share(c.llm),
                    total: false,
                    sub_item: false,
                },
                CostRow {
                    label: w.cost_of_which_background,
                    amount: money(c.llm_background),
                    share: String::new(),
                    total: false,
                    sub_item: true,
                },
                CostRow {
                    label: w.cost_infra,
                    amount: money(c.infra),
                    share: share(c.infra),
                    total: false,
                    sub_item: false,
                },
                CostRow {
                    label: w.cost_labor,
                    amount: money(c.labor),
                    share: share(c.labor),
                    total: false,
                    sub_item: false,
                },
                CostRow {
                    label: w.cost_total,
                    amount: money(c.total),
                    share: share(c.total),
                    total: true,
                    sub_item: false,
                },
            ],
            models: fold_models(&c.llm_by_model, p)
                .into_iter()
                .map(|m| ModelRow {
                    model: m.model,
                    calls: p.count(m.calls),
                    cost: money(m.cost),
                })
                .collect(),
            channels: fold_channels(&review.channels, p)
                .into_iter()
                .map(|c| ChannelRow {
                    channel: c.channel,
                    conversations: p.count(c.conversations),
                    share: p.percent(c.share),
                })
                .collect(),
            handoff_split: p.handoff_split(review),
            unclassified: p.unclassified(review),
            quality_notes: p.quality_notes(review),
            definitions: MetricId::ALL
                .iter()
                .filter_map(|id| review.metrics.get(id))
                .map(|m| Definition {
                    id: m.id,
                    title: p.metric_title(m.id),
                    definition: p.metric_definition(m.id),
                    target: say!(w.target_is, target = p.target(&m.target, m.unit, currency)),
                })
                .collect(),
            trap_definitions: p
                .trap_definitions()
                .iter()
                .map(|(name, definition)| TrapDefinition { name, definition })
                .collect(),
            about: vec![
                AboutLine {
                    label: w.about_source,
                    value: about_source,
                },
                AboutLine {
                    label: w.about_month,
                    value: say!(
                        w.about_bounds,
                        start = p.local(pr.month_starts_at, &pr.time_zone),
                        end = p.local(pr.month_ends_at, &pr.time_zone),
                        tz = pr.time_zone
                    ),
                },
                AboutLine {
                    label: w.about_data_read,
                    value: p.utc(pr.read_at),
                },
                AboutLine {
                    label: w.about_generated,
                    value: say!(
                        w.about_generated_value,
                        at = generated_at,
                        version = pr.tool_version
                    ),
                },
                AboutLine {
                    label: w.about_rows,
                    value: say!(
                        w.about_rows_value,
                        conversations = p.count(rows.conversations),
                        llm_calls = p.count(rows.llm_usage),
                        ledger_lines = p.count(rows.cost_ledger),
                        kb_checks = p.count(rows.kb_evals),
                        edits = p.count(rows.reply_edits)
                    ),
                },
                AboutLine {
                    label: w.about_currency,
                    value: review.currency.clone(),
                },
                AboutLine {
                    label: w.about_format,
                    value: say!(w.about_format_value, version = review.schema_version),
                },
            ],
            noise_explainer,
            interval_explainer,
            segments: p.segment_tables(review),
            drivers: p.driver_sentences(review),
            drivers_none: p.drivers_none(review),
            workload: p.workload(review),
            events: p.events(review),
        }
    }
}

fn metric_row(m: &MetricReport, p: &Presentation, currency: &str) -> MetricRow {
    let shows_zero = m.delta_abs.is_some_and(|d| p.rounds_to_zero(d, m.unit));
    let within_noise = m.significance == Significance::WithinNoise;
    MetricRow {
        id: m.id,
        title: p.metric_title(m.id),
        counted: m.counted,
        value: p.value(m.value, m.unit, currency),
        previous: p.value(m.previous, m.unit, currency),
        arrow: if shows_zero { "" } else { p.arrow(m.delta_abs) },
        delta: p.delta(m.delta_abs, m.unit, currency),
        // A change within noise is drawn in the neutral colour (SPEC §7.6).
        movement: match m.movement {
            _ if shows_zero || within_noise => "flat",
            Some(Movement::Better) => "better",
            Some(Movement::Worse) => "worse",
            Some(Movement::Flat) => "flat",
            None => "",
        },
        // A change that shows as zero is "no change", never better or worse.
        movement_word: if m.movement.is_some() && !shows_zero {
            p.movement(m.movement)
        } else {
            ""
        },
        movement_dot: if shows_zero || within_noise {
            p.movement_dot(Some(Movement::Flat))
        } else {
            p.movement_dot(m.movement)
        },
        target: p.target(&m.target, m.unit, currency),
        status: match m.status {
            Status::Met => "met",
            Status::Missed => "missed",
            Status::NoData => "no_data",
            Status::NotMeasured => "not_measured",
        },
        status_word: p.status(m.status),
        status_badge: p.status_badge(m.status),
        noise: p.noise_mark(m),
        interval: m
            .interval
            .map(|i| p.interval(&i, m.unit, currency))
            .unwrap_or_default(),
    }
}

fn fold_models(models: &[ModelCost], p: &Presentation) -> Vec<ModelCost> {
    if models.len() <= TOP_ROWS + 1 {
        return models.to_vec();
    }
    let mut out = models[..TOP_ROWS].to_vec();
    let rest = &models[TOP_ROWS..];
    out.push(ModelCost {
        model: say!(p.words.other_models, count = rest.len()),
        calls: rest.iter().map(|m| m.calls).sum(),
        cost: rest.iter().map(|m| m.cost).sum(),
    });
    out
}

fn fold_channels(channels: &[ChannelShare], p: &Presentation) -> Vec<ChannelShare> {
    if channels.len() <= TOP_ROWS + 1 {
        return channels.to_vec();
    }
    let mut out = channels[..TOP_ROWS].to_vec();
    let rest = &channels[TOP_ROWS..];
    out.push(ChannelShare {
        channel: say!(p.words.other_channels, count = rest.len()),
        conversations: rest.iter().map(|c| c.conversations).sum(),
        share: rest.iter().map(|c| c.share).sum(),
    });
    out
}

/// The sentence with its first letter upper-cased (a no-op for Chinese).
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Presentation {
    /// SPEC §7.4: the ledger lines the cost total does not count, each with its change
    /// and why; `(None, [])` when every booked line is counted.
    pub fn ledger_not_counted(&self, review: &Review) -> (Option<String>, Vec<String>) {
        let w = self.words;
        let c = &review.cost_breakdown;
        let currency = &review.currency;
        let lines: Vec<String> = c
            .ledger
            .iter()
            .filter(|e| {
                matches!(
                    e.counted_as,
                    CountedAs::LlmReconciliation | CountedAs::NotCounted
                )
            })
            .filter_map(|e| {
                let amount = e.amount?;
                let why = match e.counted_as {
                    CountedAs::LlmReconciliation => w.ledger_why_llm,
                    _ => w.ledger_why_not_counted,
                };
                Some(match e.previous {
                    Some(previous) => say!(
                        w.ledger_line,
                        category = e.category,
                        amount = self.money(amount, currency),
                        change = self.delta(Some(amount - previous), Unit::Money, currency),
                        previous = self.money(previous, currency),
                        why = why
                    ),
                    None => say!(
                        w.ledger_line_new,
                        category = e.category,
                        amount = self.money(amount, currency),
                        why = why
                    ),
                })
            })
            .collect();
        if lines.is_empty() {
            return (None, lines);
        }
        let intro = say!(
            w.ledger_intro,
            ledger_total = c
                .ledger_total
                .map_or_else(|| self.no_data().to_string(), |t| self.money(t, currency))
        );
        (Some(intro), lines)
    }
}
