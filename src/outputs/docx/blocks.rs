//! The document's blocks in Word: one function per block kind, each adding only Word
//! syntax (styles, runs, tables, pictures) to what the presentation already said.
//!
//! A section is a `Heading1`; a block's own heading (a sub-heading, a layer's or a
//! segment table's title) a `Heading2`; a chart's title a `Heading3`. Which sections come
//! in which order is the document's business: nothing here knows a section by name.

use docx_rs::{AlignmentType, LineSpacing, Paragraph as WordParagraph, Pic, Run, Table};

use super::grid::{Cell, Grid};
use super::{
    bullet, callout_box, clean, heading, para, scale, small, spacer, style_ids, Chart, DocxError,
    Element, CHART_MAX_HEIGHT_EMU, CHART_WIDTH_EMU, GREEN, GREY, RED,
};
use crate::presentation::document::{
    Answer, Block, ChartBlock, Definitions, Facts, Heading, List, Paragraph, RowStyle, RunStyle,
    Section, SegmentTableBlock, Table as FigureTable,
};
use crate::presentation::view::{CalloutView, LayerView, SummaryView};
use crate::presentation::Words;
use crate::say;

/// The body being written: its elements in order and the charts placed so far (drawings
/// are numbered in document order).
pub(super) struct Body<'a> {
    pub(super) elements: Vec<Element>,
    pub(super) placed: Vec<&'a Chart>,
    words: &'a Words,
    charts: &'a [Chart],
}

impl<'a> Body<'a> {
    pub(super) fn new(words: &'a Words, charts: &'a [Chart]) -> Self {
        Self {
            elements: Vec::new(),
            placed: Vec::new(),
            words,
            charts,
        }
    }

    fn p(&mut self, p: WordParagraph) {
        self.elements.push(Element::P(p));
    }

    fn t(&mut self, t: Table) {
        self.elements.push(Element::T(t));
    }

    /// A section: its heading, then its blocks. Where a section places titled charts and
    /// none was drawn, it says so where the first would have been.
    pub(super) fn section(&mut self, section: &Section) -> Result<(), DocxError> {
        self.elements.push(heading(1, &section.heading));
        let mut first_chart = None;
        let mut charts_shown = false;
        for block in &section.blocks {
            match block {
                Block::Heading(h) => self.heading(h),
                Block::Paragraph(p) => self.paragraph(p),
                Block::Note(p) => self.note(p),
                Block::List(l) => self.list(l),
                Block::KeyFigures(s) => self.key_figures(s),
                Block::Callout(c) => self.callout(c),
                Block::MetricTable(layer) => self.metric_table(layer),
                Block::SegmentTable(t) => self.segment_table(t),
                Block::Table(t) => self.table(t),
                Block::Tables(group) => {
                    for t in &group.tables {
                        self.table(t);
                    }
                }
                Block::Chart(c) => {
                    if c.titled && first_chart.is_none() {
                        first_chart = Some(self.elements.len());
                    }
                    charts_shown |= self.chart(c)?;
                }
                Block::Answer(a) => self.answer(a),
                Block::Definitions(d) => self.definitions(d),
                Block::Facts(f) => self.facts(f),
            }
        }
        if let (Some(at), false) = (first_chart, charts_shown) {
            self.elements
                .insert(at, Element::P(para(self.words.no_charts)));
        }
        Ok(())
    }

    fn heading(&mut self, h: &Heading) {
        self.elements.push(heading(2, &h.text));
    }

    fn paragraph(&mut self, p: &Paragraph) {
        self.p(runs(WordParagraph::new(), p, |r| r));
    }

    fn note(&mut self, p: &Paragraph) {
        self.p(runs(WordParagraph::new(), p, |r| r.size(17).color(GREY))
            .line_spacing(LineSpacing::new().before(60).after(160)));
    }

    fn list(&mut self, l: &List) {
        for (i, item) in l.items.iter().enumerate() {
            if l.numbered {
                // Numbered as the charts mark them, not by Word's own counter.
                let number = item.number.unwrap_or(i + 1);
                self.p(WordParagraph::new()
                    .add_run(Run::new().add_text(format!("{number}  ")).bold())
                    .add_run(Run::new().add_text(clean(&item.text))));
            } else {
                self.p(bullet(&item.text));
            }
        }
    }

    fn key_figures(&mut self, s: &SummaryView) {
        self.p(WordParagraph::new()
            .add_run(Run::new().add_text(clean(&s.scorecard)).bold())
            .size(22));
        let mut items = vec![&s.better_line, &s.worse_line, &s.traps_line];
        items.extend(s.volume.as_ref());
        items.push(&s.cost);
        for item in items {
            self.p(bullet(item));
        }
    }

    fn callout(&mut self, callout: &CalloutView) {
        let w = self.words;
        let (symbol, ink, fill, edge) = match callout.state {
            "triggered" => ("⚠", "9C4A00", "FFF4E5", "E69138"),
            "clear" => ("✓", GREEN, "EEF6EE", "6AA84F"),
            _ => ("…", GREY, "F2F2F2", "A6A6A6"),
        };
        let title = say!(
            w.label_value,
            label = format!("{} · {}", callout.tag, callout.name),
            value = callout.headline
        );
        let mut paragraphs = vec![WordParagraph::new()
            .add_run(
                Run::new()
                    .add_text(clean(&format!("{symbol} {title}")))
                    .bold()
                    .color(ink)
                    .size(22),
            )
            .keep_next(true)];
        paragraphs.extend(callout.findings.iter().map(para));
        let mut evidence = WordParagraph::new().add_run(small(&format!("{} ", w.evidence), GREY));
        for (i, e) in callout.evidence.iter().enumerate() {
            let sep = if i == 0 { "" } else { " · " };
            evidence = evidence
                .add_run(small(&format!("{sep}{} ", e.label), GREY))
                .add_run(small(&e.value, "262626").bold());
        }
        paragraphs.push(evidence);
        paragraphs.push(
            WordParagraph::new()
                .add_run(Run::new().add_text(w.what_to_check).bold())
                .add_run(Run::new().add_text(w.colon_gap))
                .add_run(Run::new().add_text(clean(&callout.check))),
        );
        self.t(callout_box(paragraphs, fill, edge));
        self.p(spacer());
    }

    fn metric_table(&mut self, layer: &LayerView) {
        let w = self.words;
        self.elements.push(heading(2, &layer.heading));
        let mut grid = Grid::new([
            (w.col_metric, false),
            (w.col_value, true),
            (w.col_previous, true),
            (w.col_change, true),
            (w.col_target, false),
            (w.col_status, false),
        ]);
        for m in &layer.rows {
            let mut metric = Cell::text(m.title);
            if !m.counted {
                // FRT p50 is shown beside p90 but the "n of 12" count judges FRT on p90 only.
                metric = metric.with(
                    WordParagraph::new().add_run(small(w.not_counted, GREY)),
                    w.not_counted,
                );
            }
            let colour = match m.movement {
                "better" => GREEN,
                "worse" => RED,
                _ => GREY,
            };
            let delta = format!("{} {}", m.arrow, m.delta);
            let delta = delta.trim();
            let mut change = Cell::run(
                Run::new().add_text(clean(delta)).color(colour).bold(),
                delta,
            );
            if !m.movement_word.is_empty() {
                change = change.with(
                    WordParagraph::new().add_run(small(m.movement_word, colour)),
                    m.movement_word,
                );
            }
            if !m.noise.is_empty() {
                change = change.with(
                    WordParagraph::new().add_run(small(m.noise, GREY).italic()),
                    m.noise,
                );
            }
            let mut value = Cell::run(Run::new().add_text(clean(&m.value)).bold(), &m.value);
            if !m.interval.is_empty() {
                value = value.with(
                    WordParagraph::new().add_run(small(&m.interval, GREY)),
                    &m.interval,
                );
            }
            let status_colour = match m.status {
                "met" => GREEN,
                "missed" => RED,
                _ => GREY,
            };
            grid.row(vec![
                metric,
                value,
                Cell::text(&m.previous),
                change,
                Cell::text(&m.target),
                Cell::run(
                    Run::new()
                        .add_text(m.status_word)
                        .color(status_colour)
                        .bold(),
                    m.status_word,
                ),
            ]);
        }
        self.t(grid.build());
        self.p(spacer());
    }

    /// Each part (at most Lark's 9 rows with its header) is its own table under its
    /// title: "(1 of 2)" tells the reader it goes on. The parts' note about Lark's limit
    /// is for whoever imports the file, not for readers, so Word does not show it.
    fn segment_table(&mut self, block: &SegmentTableBlock) {
        for part in &block.parts {
            self.elements.push(heading(2, &part.title));
            let mut grid = Grid::new(
                part.columns
                    .iter()
                    .enumerate()
                    .map(|(i, label)| (*label, i > 0)),
            );
            for r in &part.rows {
                let name = Run::new().add_text(clean(&r.name));
                let name = if r.unclassified {
                    name.italic()
                } else {
                    name.bold()
                };
                let mut cells = vec![Cell::run(name, &r.name)];
                for c in &r.cells {
                    let mut cell = Cell::text(&c.value);
                    if !c.change.is_empty() {
                        cell = cell.with(
                            WordParagraph::new().add_run(small(&c.change, GREY)),
                            &c.change,
                        );
                    }
                    cells.push(cell);
                }
                grid.row(cells);
            }
            self.t(grid.build());
            self.p(spacer());
        }
    }

    fn table(&mut self, table: &FigureTable) {
        let mut grid = Grid::new(table.columns.iter().map(|c| (c.label, c.numeric)));
        for row in &table.rows {
            grid.row(
                row.cells
                    .iter()
                    .enumerate()
                    .map(|(i, text)| {
                        let run = Run::new().add_text(clean(text));
                        let run = match row.style {
                            RowStyle::Total => run.bold(),
                            RowStyle::Estimate if i == 0 => run.italic(),
                            _ => run,
                        };
                        Cell::run(run, text)
                    })
                    .collect(),
            );
        }
        self.t(grid.build());
        self.p(spacer());
    }

    /// A chart's title (when it has its own), the picture and its description. A chart
    /// that was not drawn is left out; returns whether it was shown.
    fn chart(&mut self, block: &ChartBlock) -> Result<bool, DocxError> {
        let Some(chart) = self.charts.iter().find(|c| c.id() == Some(block.chart)) else {
            return Ok(false);
        };
        let (pw, ph) = chart
            .pixel_size()
            .map_err(|reason| DocxError::InvalidChart {
                name: chart.name.clone(),
                reason,
            })?;
        let mut width = CHART_WIDTH_EMU;
        let mut height = scale(CHART_WIDTH_EMU, ph, pw);
        if height > CHART_MAX_HEIGHT_EMU {
            width = scale(CHART_MAX_HEIGHT_EMU, pw, ph);
            height = CHART_MAX_HEIGHT_EMU;
        }
        self.placed.push(chart);
        // Fixed ids keep the package byte-for-byte reproducible; docx-rs would otherwise
        // number images from a process-wide counter.
        let pic = Pic::new_with_dimensions(chart.png.clone(), pw, ph)
            .id(format!("rIdImage{}", self.placed.len()))
            .size(width, height);
        if block.titled {
            self.p(para(&chart.title)
                .style(style_ids::HEADING3)
                .keep_next(true));
        }
        self.p(WordParagraph::new()
            .align(AlignmentType::Center)
            .keep_next(true)
            .add_run(Run::new().add_image(pic)));
        self.p(para(&chart.description).style(style_ids::CAPTION));
        Ok(true)
    }

    fn answer(&mut self, a: &Answer) {
        let (fill, edge) = if a.provisional {
            ("FFF4E5", "E69138")
        } else {
            ("EEF3FA", "5B9BD5")
        };
        let mut paragraphs = vec![WordParagraph::new()
            .add_run(Run::new().add_text(a.question).bold().size(22))
            .keep_next(true)];
        paragraphs.extend(a.paragraphs.iter().map(para));
        self.t(callout_box(paragraphs, fill, edge));
        self.p(spacer());
    }

    fn definitions(&mut self, d: &Definitions) {
        for item in &d.items {
            match &item.detail {
                Some(detail) => {
                    self.p(WordParagraph::new()
                        .add_run(Run::new().add_text(item.term).bold())
                        .add_run(small(&format!("  {detail}"), GREY))
                        .keep_next(true)
                        .line_spacing(LineSpacing::new().after(0)));
                    self.p(para(item.text));
                }
                None => self.p(WordParagraph::new()
                    .add_run(Run::new().add_text(label(self.words, item.term)).bold())
                    .add_run(Run::new().add_text(item.text))),
            }
        }
    }

    fn facts(&mut self, f: &Facts) {
        let last = f.items.len().saturating_sub(1);
        for (i, line) in f.items.iter().enumerate() {
            self.p(WordParagraph::new()
                .add_run(small(&label(self.words, line.label), GREY).bold())
                .add_run(small(&line.value, "262626"))
                .line_spacing(LineSpacing::new().after(40))
                // Keep a short block of facts on one page.
                .keep_next(i < last));
        }
    }
}

/// "Label: " in the language (the colon differs).
fn label(w: &Words, text: &str) -> String {
    format!("{text}{} ", w.colon)
}

/// A paragraph's runs, a space between two, each set as its style says and then by `set`.
fn runs(mut out: WordParagraph, p: &Paragraph, set: impl Fn(Run) -> Run) -> WordParagraph {
    for (i, r) in p.runs.iter().enumerate() {
        let text = if i == 0 {
            clean(&r.text)
        } else {
            format!(" {}", clean(&r.text))
        };
        let run = Run::new().add_text(text);
        let run = match r.style {
            RunStyle::Plain => run,
            RunStyle::Strong => run.bold(),
            RunStyle::Emphasis => run.italic(),
        };
        out = out.add_run(set(run));
    }
    out
}
