//! The report as one ordered document: sections with typed ids, each a list of blocks.
//!
//! [`Document::new`] is the one place the report's outline is written: which sections
//! come in which order, and what each holds. Every format walks the same document and
//! adds only syntax — Markdown and HTML through their templates (the document is the
//! template context's `document`), Word and the PDF in code. Every word in it comes from
//! the language's [`Words`] table and every number and date from the presentation's
//! formatting (through the [`ReportView`] of the run), so a format cannot say anything
//! the others do not.
//!
//! A block is typed by what it *is* (a paragraph, a metric table, a callout, a chart),
//! not by how it looks: how a callout is boxed, or whether a chart gets a heading, is
//! the format's business. Blocks serialise with a `kind` tag (`paragraph`, `callout`,
//! …) so a template can dispatch on `block.kind`.

use serde::Serialize;

use super::chart_id::ChartId;
use super::drilldown::SegmentTable;
use super::story::StoryView;
use super::view::{AboutLine, BannerView, CalloutView, LayerView, ReportView, SummaryView};
use super::{Presentation, Words};
use crate::review::Review;

/// The whole report: its front matter, then its sections in reading order.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
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
    /// Banners above the first section (sample data, provisional numbers or cost).
    pub banners: Vec<BannerView>,
    /// The sections, in report order.
    pub sections: Vec<Section>,
}

/// Which section: the one name of each part of the report's outline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionId {
    /// The executive summary: scorecard, biggest moves, traps, volume, cost.
    Summary,
    /// The three reporting-trap callouts.
    Traps,
    /// The 12 metrics, one table per layer.
    Metrics,
    /// SPEC §6.3: channel mix versus rates within channels.
    Drivers,
    /// The trend charts and the events drawn on them.
    Trends,
    /// SPEC §6.2: the segment tables.
    Segments,
    /// SPEC §6.4: human workload and cost per resolution.
    Workload,
    /// The month's cost by line and by model.
    Cost,
    /// Conversations by channel.
    Channels,
    /// What was left out and why.
    DataQuality,
    /// The definitions appendix.
    Definitions,
    /// Provenance: source, month bounds, rows read.
    About,
}

impl SectionId {
    /// The section's anchor: its HTML `id`, stable across languages.
    pub fn anchor(self) -> &'static str {
        match self {
            SectionId::Summary => "summary",
            SectionId::Traps => "traps",
            SectionId::Metrics => "metrics",
            SectionId::Drivers => "drivers",
            SectionId::Trends => "charts",
            SectionId::Segments => "segments",
            SectionId::Workload => "workload",
            SectionId::Cost => "cost",
            SectionId::Channels => "channels",
            SectionId::DataQuality => "quality",
            SectionId::Definitions => "definitions",
            SectionId::About => "about",
        }
    }
}

/// One section: its heading and its blocks.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: SectionId,
    /// [`SectionId::anchor`], for templates.
    pub anchor: &'static str,
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// One block of a section. Serialised with `kind` naming the variant in snake case.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// A sub-heading within the section.
    Heading(Heading),
    /// A paragraph of runs.
    Paragraph(Paragraph),
    /// Small print that qualifies what is around it (an explainer, an assumption).
    Note(Paragraph),
    /// A bulleted (or numbered) list.
    List(List),
    /// The summary's key figures: scorecard, traps, cost and the biggest moves.
    KeyFigures(Box<SummaryView>),
    /// A reporting-trap callout.
    Callout(CalloutView),
    /// One layer's metric table, with its heading.
    MetricTable(LayerView),
    /// One segment table, in the parts that keep it within Lark's row limit.
    SegmentTable(SegmentTableBlock),
    /// A plain table of figures.
    Table(Table),
    /// Tables that belong side by side where the page allows (cost lines and models).
    Tables(TableGroup),
    /// A chart, by id: formats look up its drawing, title and description.
    Chart(ChartBlock),
    /// A question and its answer, boxed (the workload's "Did the AI save money?").
    Answer(Answer),
    /// Terms and what they mean (the definitions appendix).
    Definitions(Definitions),
    /// Labelled facts, one a line ("About this report").
    Facts(Facts),
}

/// A sub-heading, one level below the section's.
#[derive(Debug, Clone, Serialize)]
pub struct Heading {
    pub text: String,
    /// An anchor for formats that link to it (HTML `id`), if it has one.
    pub anchor: Option<&'static str>,
}

/// A paragraph: its runs read one after the other, separated by a space.
#[derive(Debug, Clone, Serialize)]
pub struct Paragraph {
    pub runs: Vec<Run>,
}

/// A piece of text with one style.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub style: RunStyle,
    pub text: String,
}

/// How a run is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStyle {
    Plain,
    Strong,
    Emphasis,
}

/// A list of items.
#[derive(Debug, Clone, Serialize)]
pub struct List {
    /// What the list holds, for styling: `drivers`, `events` or `notes`.
    pub role: ListRole,
    /// Whether the items carry numbers (an ordered list).
    pub numbered: bool,
    pub items: Vec<ListItem>,
}

/// What a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListRole {
    /// One sentence per rate whose move is explained by mix or rate.
    Drivers,
    /// The events drawn on the trend charts, numbered as there.
    Events,
    /// Data-quality notes.
    Notes,
    /// SPEC §7.3: one sentence per metric whose change must be read with care.
    ReadWithCare,
    /// SPEC §7.4: the ledger lines a cost total does not count, and why.
    Ledger,
}

/// One list item.
#[derive(Debug, Clone, Serialize)]
pub struct ListItem {
    /// The item's number where the list is numbered (events: their marker on the charts).
    pub number: Option<usize>,
    pub text: String,
}

/// A segment table: its parts, each within Lark's row limit (formats without a limit
/// join them).
#[derive(Debug, Clone, Serialize)]
pub struct SegmentTableBlock {
    pub parts: Vec<SegmentTable>,
}

/// A table of figures: a label column, then figures.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// What the table is, for styling (`workload`), if it needs saying.
    pub role: Option<&'static str>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

/// A column's label and alignment.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub label: &'static str,
    /// Right-aligned figures (every column but the label column).
    pub numeric: bool,
}

/// One row of a [`Table`].
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub cells: Vec<String>,
    pub style: RowStyle,
}

/// How a row reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStyle {
    Plain,
    /// A total line (set bold).
    Total,
    /// An estimate rather than a measured figure (set in italics).
    Estimate,
    /// Part of the row above ("of which …"): not added to the total again.
    SubItem,
}

/// Tables shown side by side where the format allows.
#[derive(Debug, Clone, Serialize)]
pub struct TableGroup {
    pub tables: Vec<Table>,
}

/// A chart placed in the document.
#[derive(Debug, Clone, Serialize)]
pub struct ChartBlock {
    pub chart: ChartId,
    /// Whether the chart has its own sub-heading (the trend charts) or sits within the
    /// section's text (the drivers chart, shown narrower).
    pub titled: bool,
}

/// A question answered in a few paragraphs.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub question: &'static str,
    pub paragraphs: Vec<String>,
    /// The answer rests on provisional numbers.
    pub provisional: bool,
}

/// Terms and their meaning.
#[derive(Debug, Clone, Serialize)]
pub struct Definitions {
    pub items: Vec<Definition>,
}

/// One term of [`Definitions`].
#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    pub term: &'static str,
    /// A qualifier shown beside the term ("target > 95.0%"), if any.
    pub detail: Option<String>,
    pub text: &'static str,
}

/// Labelled facts.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub items: Vec<AboutLine>,
}

fn plain(text: impl Into<String>) -> Run {
    Run {
        style: RunStyle::Plain,
        text: text.into(),
    }
}

fn paragraph(text: impl Into<String>) -> Block {
    Block::Paragraph(Paragraph {
        runs: vec![plain(text)],
    })
}

fn list(role: ListRole, texts: &[String]) -> Block {
    Block::List(List {
        role,
        numbered: false,
        items: texts
            .iter()
            .map(|text| ListItem {
                number: None,
                text: text.clone(),
            })
            .collect(),
    })
}

fn columns(labels: &[&'static str]) -> Vec<Column> {
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| Column {
            label,
            numeric: i > 0,
        })
        .collect()
}

impl Document {
    /// The document of a review, from the run's view of it (built once per run). The
    /// story (SPEC §7's four answers) is worded here and nowhere else, so every format
    /// and the email get the answers from the document.
    pub fn new(review: &Review, view: &ReportView, p: &Presentation) -> Self {
        let w = p.words;
        let section = |id: SectionId, heading: &str, blocks: Vec<Block>| Section {
            id,
            anchor: id.anchor(),
            heading: heading.to_string(),
            blocks,
        };
        Self {
            lang: view.lang,
            title: view.title.clone(),
            month_name: view.month_name.clone(),
            period: view.period.clone(),
            source: view.source.clone(),
            generated_at: view.generated_at.clone(),
            banners: view.banners.clone(),
            sections: vec![
                section(
                    SectionId::Summary,
                    w.executive_summary,
                    summary(&p.story(review), view, w),
                ),
                section(SectionId::Traps, w.traps_heading, traps(view, w)),
                section(SectionId::Metrics, w.metrics_heading, metrics(view, w)),
                section(SectionId::Drivers, w.drivers_heading, drivers(view, w)),
                section(SectionId::Trends, &view.trends_heading, trends(view, w)),
                section(SectionId::Segments, w.segments_heading, segments(view, w)),
                section(SectionId::Workload, w.workload_heading, workload(view, w)),
                section(SectionId::Cost, w.cost_heading, cost(view, w)),
                section(SectionId::Channels, w.channels_heading, channels(view, w)),
                section(
                    SectionId::DataQuality,
                    w.data_quality_heading,
                    data_quality(view, w),
                ),
                section(
                    SectionId::Definitions,
                    w.definitions_heading,
                    definitions(view, w),
                ),
                section(
                    SectionId::About,
                    w.about_heading,
                    vec![Block::Facts(Facts {
                        items: view.about.clone(),
                    })],
                ),
            ],
        }
    }

    /// The section with this id, if the document has it.
    pub fn section(&self, id: SectionId) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }
}

/// SPEC §7: the four answers first, in §1's order, then what to read with care, then the
/// key figures.
fn summary(story: &StoryView, view: &ReportView, w: &Words) -> Vec<Block> {
    let mut blocks: Vec<Block> = story
        .answers
        .iter()
        .map(|a| {
            Block::Paragraph(Paragraph {
                runs: vec![
                    Run {
                        style: RunStyle::Strong,
                        text: a.question.to_string(),
                    },
                    plain(&a.text),
                ],
            })
        })
        .collect();
    if !story.read_with_care.is_empty() {
        blocks.push(Block::Heading(Heading {
            text: w.read_with_care.to_string(),
            anchor: Some("read-with-care"),
        }));
        blocks.push(list(ListRole::ReadWithCare, &story.read_with_care));
    }
    blocks.push(Block::KeyFigures(Box::new(view.summary.clone())));
    blocks
}

fn traps(view: &ReportView, w: &Words) -> Vec<Block> {
    let mut blocks = vec![paragraph(w.traps_intro)];
    blocks.extend(view.callouts.iter().cloned().map(Block::Callout));
    blocks
}

fn metrics(view: &ReportView, w: &Words) -> Vec<Block> {
    let mut blocks = vec![
        paragraph(w.metrics_intro),
        Block::Note(Paragraph {
            runs: vec![
                plain(&view.noise_explainer),
                plain(&view.interval_explainer),
            ],
        }),
    ];
    blocks.extend(view.layers.iter().cloned().map(Block::MetricTable));
    blocks
}

fn drivers(view: &ReportView, w: &Words) -> Vec<Block> {
    let mut blocks = vec![paragraph(w.drivers_intro)];
    if view.drivers.is_empty() {
        blocks.push(paragraph(view.drivers_none));
    } else {
        blocks.push(list(ListRole::Drivers, &view.drivers));
    }
    blocks.push(Block::Chart(ChartBlock {
        chart: ChartId::Drivers,
        titled: false,
    }));
    blocks
}

fn trends(view: &ReportView, w: &Words) -> Vec<Block> {
    let mut blocks: Vec<Block> = ChartId::ALL
        .into_iter()
        .filter(|id| *id != ChartId::Drivers)
        .map(|chart| {
            Block::Chart(ChartBlock {
                chart,
                titled: true,
            })
        })
        .collect();
    if !view.events.is_empty() {
        blocks.push(Block::Heading(Heading {
            text: w.events_heading.to_string(),
            anchor: Some("events"),
        }));
        blocks.push(paragraph(w.events_intro));
        blocks.push(Block::List(List {
            role: ListRole::Events,
            numbered: true,
            items: view
                .events
                .iter()
                .map(|e| ListItem {
                    number: Some(e.number),
                    text: e.text.clone(),
                })
                .collect(),
        }));
    }
    blocks
}

fn segments(view: &ReportView, w: &Words) -> Vec<Block> {
    if view.segments.is_empty() {
        return vec![paragraph(w.segments_none)];
    }
    let mut blocks = vec![paragraph(w.segments_intro)];
    let mut parts: Vec<SegmentTable> = Vec::new();
    for part in &view.segments {
        parts.push(part.clone());
        if part.last {
            blocks.push(Block::SegmentTable(SegmentTableBlock {
                parts: std::mem::take(&mut parts),
            }));
        }
    }
    // A table whose last part is not marked last still shows.
    if !parts.is_empty() {
        blocks.push(Block::SegmentTable(SegmentTableBlock { parts }));
    }
    blocks
}

fn workload(view: &ReportView, w: &Words) -> Vec<Block> {
    let wl = &view.workload;
    vec![
        paragraph(&wl.intro),
        Block::Table(Table {
            role: Some("workload"),
            columns: columns(&[w.col_figure, w.col_value, w.col_previous, w.col_change]),
            rows: wl
                .rows
                .iter()
                .map(|r| Row {
                    cells: vec![
                        r.label.to_string(),
                        r.value.clone(),
                        r.previous.clone(),
                        r.change.clone(),
                    ],
                    style: if r.estimate {
                        RowStyle::Estimate
                    } else {
                        RowStyle::Plain
                    },
                })
                .collect(),
        }),
        Block::Note(Paragraph {
            runs: vec![plain(wl.assumption)],
        }),
        Block::Answer(Answer {
            question: wl.question,
            paragraphs: wl.answer.clone(),
            provisional: wl.provisional,
        }),
    ]
}

fn cost(view: &ReportView, w: &Words) -> Vec<Block> {
    let mut tables = vec![Table {
        role: None,
        columns: columns(&[w.col_cost_line, w.col_amount, w.col_share]),
        rows: view
            .cost_rows
            .iter()
            .map(|c| Row {
                cells: vec![c.label.to_string(), c.amount.clone(), c.share.clone()],
                style: if c.total {
                    RowStyle::Total
                } else if c.sub_item {
                    RowStyle::SubItem
                } else {
                    RowStyle::Plain
                },
            })
            .collect(),
    }];
    if !view.models.is_empty() {
        tables.push(Table {
            role: None,
            columns: columns(&[w.col_model, w.col_calls, w.col_metered_cost]),
            rows: view
                .models
                .iter()
                .map(|m| Row {
                    cells: vec![m.model.clone(), m.calls.clone(), m.cost.clone()],
                    style: RowStyle::Plain,
                })
                .collect(),
        });
    }
    let mut blocks = vec![
        Block::Paragraph(Paragraph {
            runs: vec![plain(&view.cost_total), plain(&view.handoff_split)],
        }),
        Block::Tables(TableGroup { tables }),
    ];
    if let Some(intro) = &view.ledger_intro {
        blocks.push(paragraph(intro));
        blocks.push(list(ListRole::Ledger, &view.ledger_not_counted));
    }
    blocks
}

fn channels(view: &ReportView, w: &Words) -> Vec<Block> {
    if view.channels.is_empty() {
        return vec![paragraph(w.no_conversations)];
    }
    vec![Block::Table(Table {
        role: None,
        columns: columns(&[w.col_channel, w.col_conversations, w.col_share]),
        rows: view
            .channels
            .iter()
            .map(|c| Row {
                cells: vec![c.channel.clone(), c.conversations.clone(), c.share.clone()],
                style: RowStyle::Plain,
            })
            .collect(),
    })]
}

fn data_quality(view: &ReportView, w: &Words) -> Vec<Block> {
    let mut blocks = if view.quality_notes.is_empty() {
        vec![paragraph(w.data_quality_clean)]
    } else {
        vec![
            paragraph(w.data_quality_intro),
            list(ListRole::Notes, &view.quality_notes),
        ]
    };
    if let Some(unclassified) = &view.unclassified {
        blocks.push(paragraph(unclassified));
    }
    blocks
}

fn definitions(view: &ReportView, w: &Words) -> Vec<Block> {
    vec![
        Block::Definitions(Definitions {
            items: view
                .definitions
                .iter()
                .map(|d| Definition {
                    term: d.title,
                    detail: Some(d.target.clone()),
                    text: d.definition,
                })
                .collect(),
        }),
        Block::Heading(Heading {
            text: w.reporting_traps.to_string(),
            anchor: None,
        }),
        Block::Definitions(Definitions {
            items: view
                .trap_definitions
                .iter()
                .map(|t| Definition {
                    term: t.name,
                    detail: None,
                    text: t.definition,
                })
                .collect(),
        }),
    ]
}

#[cfg(test)]
mod tests;
