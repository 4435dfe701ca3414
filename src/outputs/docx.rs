//! `report.docx`: the review as a Word document, for Lark (Feishu) Docs, Word, Google
//! Docs and Notion's Word importer.
//!
//! Lark imports one file at a time, so a Markdown report arrives there without its
//! charts; a .docx carries its images inside. Importers map *named styles* to native
//! blocks, so headings use real `Heading1`–`Heading3` styles (names `heading 1`–`3`,
//! with outline levels), tables use a `TableGrid` table style, and lists use Word
//! numbering. Callouts are shaded single-cell tables: the closest thing to a callout that
//! survives import. Every table stays within 9 rows because Lark splits longer ones.
//!
//! Word walks the run's [`Document`] like every other format: the front matter, then
//! each section as a `Heading1` and its blocks, one function per block kind
//! ([`blocks`]), tables laid out by [`grid`]. The outline, every word, number and date
//! come from the document, so a new section appears here with no Word code. A Chinese
//! report sets an East Asian font (`w:eastAsia`) in the styles.

use std::io::Cursor;

use docx_rs::{
    AbstractNumbering, AlignmentType, BorderType, Docx, Footer, IndentLevel, Level, LevelJc,
    LevelText, LineSpacing, LineSpacingType, NumberFormat, Numbering, NumberingId, PageMargin,
    PageNum, Paragraph, ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts,
    Shading, ShdType, SpecialIndentType, Start, Style, StyleType, Table, TableBorder,
    TableBorderPosition, TableBorders, TableCell, TableCellBorder, TableCellBorderPosition,
    TableCellBorders, TableCellMargins, TableLayoutType, TableRow, WidthType,
};

mod blocks;
mod grid;

use super::{Chart, File, FormatError, Input, Output};
use crate::presentation::document::Document;
use crate::presentation::{Language, Presentation};

/// The file it writes.
pub const FILE: &str = "report.docx";

/// `report.docx`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WordDocument;

impl Output for WordDocument {
    fn name(&self) -> &'static str {
        "docx"
    }

    fn render(&self, input: &Input<'_>) -> Result<Vec<File>, FormatError> {
        Ok(vec![File::new(
            FILE,
            render_docx(
                input.document,
                &input.view.generated_iso,
                input.presentation,
                input.charts,
            )
            .map_err(FormatError::format)?,
        )])
    }
}

/// Why the Word document could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    /// A chart's bytes are not a PNG that can be embedded.
    #[error("chart `{name}` cannot be embedded in report.docx: {reason}")]
    InvalidChart {
        /// The chart's file stem.
        name: String,
        /// What is wrong with its bytes.
        reason: &'static str,
    },
    /// Writing the OOXML package (zip) failed.
    #[error("could not write report.docx: {0}")]
    Package(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The style ids the document defines; importers map them by id and name.
pub mod style_ids {
    /// Document title.
    pub const TITLE: &str = "Title";
    /// The period line under the title.
    pub const SUBTITLE: &str = "Subtitle";
    /// Section headings (Word's built-in id and name `heading 1`).
    pub const HEADING1: &str = "Heading1";
    /// Sub-section headings (one per layer, cost, appendix parts).
    pub const HEADING2: &str = "Heading2";
    /// Chart titles.
    pub const HEADING3: &str = "Heading3";
    /// Chart descriptions and small print.
    pub const CAPTION: &str = "Caption";
    /// Bulleted list items.
    pub const LIST_PARAGRAPH: &str = "ListParagraph";
    /// The table style of every table.
    pub const TABLE_GRID: &str = "TableGrid";
}

// A4 with 2 cm margins leaves 17 cm of text width: 9638 twips (1 cm = 567 twips).
const PAGE_WIDTH: u32 = 11906;
const PAGE_HEIGHT: u32 = 16838;
const MARGIN: i32 = 1134;
const TEXT_WIDTH: usize = 9638;
/// Charts are placed 16 cm wide: readable on A4 and Letter without touching the margins.
const CHART_WIDTH_EMU: u32 = 16 * 360_000;
/// A very tall chart is scaled down to fit well within a page.
const CHART_MAX_HEIGHT_EMU: u32 = 20 * 360_000;
/// The numbering (`w:numId`) of bulleted lists; docx-rs already defines id 1 (decimal).
const BULLETS: usize = 2;

const FONT: &str = "Arial";
/// The East Asian font of a Chinese report: Microsoft YaHei is on every Windows and
/// Office install in China; other systems (macOS, LibreOffice) substitute their own
/// Chinese sans-serif for it.
const FONT_EAST_ASIA_ZH: &str = "Microsoft YaHei";
const INK: &str = "1F3864";
const GREY: &str = "595959";
const GREEN: &str = "1E7B34";
const RED: &str = "C0392B";
const RULE: &str = "BFBFBF";
const HEADER_FILL: &str = "DCE6F2";

/// Renders a document and its charts as a .docx document (the bytes of the zip package).
///
/// Charts appear where the document places them, by [`ChartId`](crate::presentation::chart_id::ChartId),
/// each as an inline PNG 16 cm wide; a chart not drawn is left out. `created_at` (ISO
/// 8601, the review's generation instant) is the package's creation date: the output is
/// the same bytes for the same document and charts.
pub fn render_docx(
    document: &Document,
    created_at: &str,
    p: &Presentation,
    charts: &[Chart],
) -> Result<Vec<u8>, DocxError> {
    let mut doc = base_document(document, created_at, p);
    let mut body = blocks::Body::new(p.words, charts);
    body.elements
        .push(Element::P(para(&document.title).style(style_ids::TITLE)));
    body.elements.push(Element::P(
        para(&document.period).style(style_ids::SUBTITLE),
    ));
    for banner in &document.banners {
        body.elements.push(Element::P(banner_paragraph(
            banner.kind,
            &banner.lead,
            &banner.text,
        )));
    }
    for section in &document.sections {
        body.section(section)?;
    }
    for element in body.elements {
        doc = match element {
            Element::P(p) => doc.add_paragraph(p),
            Element::T(t) => doc.add_table(t),
        };
    }
    let mut xml = doc.build();
    xml.document = describe_drawings(xml.document, &body.placed);
    let mut out = Cursor::new(Vec::new());
    xml.pack(&mut out)
        .map_err(|e| DocxError::Package(Box::new(e)))?;
    Ok(out.into_inner())
}

/// The `<wp:docPr>` docx-rs writes for every picture, always with id 1.
const DOCX_RS_DOC_PR: &str = "<wp:docPr id=\"1\" name=\"Figure\" />";

/// Gives every chart drawing a unique id, its title as name and its description as alt
/// text.
///
/// docx-rs numbers every drawing 1; Word can report "unreadable content" for duplicate
/// drawing ids, and screen readers (and Lark's image blocks) read `descr` as alt text.
/// Drawings are written in chart order, so the n-th one is the n-th chart. If the count
/// does not match (a docx-rs change), the part is left as it was rather than mislabelled.
fn describe_drawings(document: Vec<u8>, charts: &[&Chart]) -> Vec<u8> {
    let text = match String::from_utf8(document) {
        Ok(text) => text,
        // docx-rs writes UTF-8; anything else is returned untouched.
        Err(e) => return e.into_bytes(),
    };
    let pieces: Vec<&str> = text.split(DOCX_RS_DOC_PR).collect();
    if pieces.len() != charts.len() + 1 {
        return text.into_bytes();
    }
    let mut out = String::with_capacity(text.len() + charts.len() * 200);
    for (i, piece) in pieces.iter().enumerate() {
        out.push_str(piece);
        if let Some(chart) = charts.get(i).filter(|_| i + 1 < pieces.len()) {
            out.push_str(&format!(
                "<wp:docPr id=\"{}\" name=\"{}\" descr=\"{}\" />",
                i + 1,
                xml_attribute(&chart.title),
                xml_attribute(&chart.description)
            ));
        }
    }
    out.into_bytes()
}

/// Text as an XML attribute value.
fn xml_attribute(text: &str) -> String {
    clean(text)
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One body element, in order.
// A paragraph is large and a table small; the list lives for one render and holds a few
// hundred items, so boxing every paragraph would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Element {
    P(Paragraph),
    T(Table),
}

fn base_document(document: &Document, created_at: &str, p: &Presentation) -> Docx {
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Right)
            .add_run(small(
                &format!("{} · {} ", document.title, p.words.page),
                GREY,
            ))
            .add_page_num(PageNum::new())
            .size(16)
            .color(GREY),
    );
    let east_asia = match p.language {
        Language::En => FONT,
        Language::ZhCn => FONT_EAST_ASIA_ZH,
    };
    let doc = Docx::new()
        .page_size(PAGE_WIDTH, PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN)
                .right(MARGIN)
                .header(567)
                .footer(567),
        )
        .default_fonts(
            RunFonts::new()
                .ascii(FONT)
                .hi_ansi(FONT)
                .cs(FONT)
                .east_asia(east_asia),
        )
        .default_size(20)
        .default_line_spacing(
            // Without an explicit `auto` rule LibreOffice reads `line` as an exact height,
            // which clips inline charts to one text line and overlaps wrapped headings.
            LineSpacing::new()
                .after(100)
                .line(264)
                .line_rule(LineSpacingType::Auto),
        )
        .created_at(created_at)
        .updated_at(created_at)
        .footer(footer)
        .add_abstract_numbering(
            AbstractNumbering::new(BULLETS).add_level(
                Level::new(
                    0,
                    Start::new(1),
                    NumberFormat::new("bullet"),
                    LevelText::new("•"),
                    LevelJc::new("left"),
                )
                .indent(
                    Some(540),
                    Some(SpecialIndentType::Hanging(270)),
                    None,
                    None,
                ),
            ),
        )
        .add_numbering(Numbering::new(BULLETS, BULLETS));
    styles(doc, east_asia)
}

/// Named styles, so importers map headings, captions, lists and tables to native blocks.
fn styles(doc: Docx, east_asia: &str) -> Docx {
    let paragraph = |id: &str, name: &str| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .next("Normal")
    };
    let heading = |level: usize, size: usize, before: u32| {
        paragraph(&format!("Heading{level}"), &format!("heading {level}"))
            .size(size)
            .bold()
            .color(INK)
            .fonts(
                RunFonts::new()
                    .ascii(FONT)
                    .hi_ansi(FONT)
                    .cs(FONT)
                    .east_asia(east_asia),
            )
            .line_spacing(LineSpacing::new().before(before).after(100))
            .outline_lvl(level - 1)
    };
    let table_borders = TableBorders::new()
        .set(rule_border(TableBorderPosition::Top))
        .set(rule_border(TableBorderPosition::Bottom))
        .set(rule_border(TableBorderPosition::Left))
        .set(rule_border(TableBorderPosition::Right))
        .set(rule_border(TableBorderPosition::InsideH))
        .set(rule_border(TableBorderPosition::InsideV));
    doc.add_style(
        paragraph(style_ids::TITLE, "Title")
            .size(36)
            .bold()
            .color(INK)
            .line_spacing(LineSpacing::new().after(80)),
    )
    .add_style(
        paragraph(style_ids::SUBTITLE, "Subtitle")
            .size(22)
            .color(GREY)
            .line_spacing(LineSpacing::new().after(240)),
    )
    .add_style(heading(1, 32, 400))
    .add_style(heading(2, 26, 280))
    .add_style(heading(3, 22, 200))
    .add_style(
        paragraph(style_ids::CAPTION, "caption")
            .size(17)
            .italic()
            .color(GREY)
            .line_spacing(LineSpacing::new().after(200)),
    )
    .add_style(
        paragraph(style_ids::LIST_PARAGRAPH, "List Paragraph")
            .line_spacing(LineSpacing::new().after(60)),
    )
    .add_style(
        Style::new(style_ids::TABLE_GRID, StyleType::Table)
            .name("Table Grid")
            .based_on("TableNormal")
            .set_borders(table_borders),
    )
}

fn rule_border(position: TableBorderPosition) -> TableBorder {
    TableBorder::new(position)
        .border_type(BorderType::Single)
        .size(4)
        .color(RULE)
}

// ---------------------------------------------------------------------------------------
// Building blocks

/// Text as a run, without characters XML 1.0 forbids. Labels such as channel, model and
/// ledger category names come from the database; one stray control character would make
/// Word refuse the whole file.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect()
}

fn para(text: impl AsRef<str>) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(clean(text.as_ref())))
}

fn small(text: &str, colour: &str) -> Run {
    Run::new().add_text(clean(text)).size(17).color(colour)
}

fn heading(level: usize, text: &str) -> Element {
    let style = match level {
        1 => style_ids::HEADING1,
        2 => style_ids::HEADING2,
        _ => style_ids::HEADING3,
    };
    Element::P(para(text).style(style).keep_next(true))
}

fn bullet(text: &str) -> Paragraph {
    para(text)
        .style(style_ids::LIST_PARAGRAPH)
        .numbering(NumberingId::new(BULLETS), IndentLevel::new(0))
}

/// An empty paragraph between two tables: Word merges tables that touch.
fn spacer() -> Paragraph {
    Paragraph::new().size(8).line_spacing(
        LineSpacing::new()
            .after(0)
            .line(120)
            .line_rule(LineSpacingType::Auto),
    )
}

fn banner_paragraph(kind: &str, lead: &str, text: &str) -> Paragraph {
    let (ink, fill, edge) = match kind {
        "sample" => ("1F4E79", "E8F0FA", "5B9BD5"),
        _ => ("9C4A00", "FFF4E5", "E69138"),
    };
    let mut p = Paragraph::new()
        .add_run(Run::new().add_text(format!("⚠ {lead} ")).bold().color(ink))
        .add_run(Run::new().add_text(clean(text)))
        .line_spacing(LineSpacing::new().before(60).after(60));
    let border = |position| {
        ParagraphBorder::new(position)
            .val(BorderType::Single)
            .size(4)
            .space(4)
            .color(edge)
    };
    // docx-rs has no paragraph-level builder for shading and borders; set the property.
    p.property = p
        .property
        .clone()
        .shading(Shading::new().shd_type(ShdType::Clear).fill(fill))
        .set_borders(
            ParagraphBorders::with_empty()
                .set(border(ParagraphBorderPosition::Top))
                .set(border(ParagraphBorderPosition::Bottom))
                .set(
                    ParagraphBorder::new(ParagraphBorderPosition::Left)
                        .val(BorderType::Single)
                        .size(24)
                        .space(4)
                        .color(edge),
                )
                .set(border(ParagraphBorderPosition::Right)),
        );
    p
}

fn callout_box(paragraphs: Vec<Paragraph>, fill: &str, edge: &str) -> Table {
    let border = |position, size| {
        TableCellBorder::new(position)
            .border_type(BorderType::Single)
            .size(size)
            .color(edge)
    };
    let mut cell = TableCell::new()
        .width(TEXT_WIDTH, WidthType::Dxa)
        .shading(Shading::new().shd_type(ShdType::Clear).fill(fill))
        .set_borders(
            TableCellBorders::new()
                .set(border(TableCellBorderPosition::Top, 4))
                .set(border(TableCellBorderPosition::Bottom, 4))
                .set(border(TableCellBorderPosition::Right, 4))
                .set(border(TableCellBorderPosition::Left, 24)),
        );
    for p in paragraphs {
        cell = cell.add_paragraph(p);
    }
    // One callout never splits across pages: it is read as one message.
    Table::new(vec![TableRow::new(vec![cell]).cant_split()])
        .style(style_ids::TABLE_GRID)
        .set_grid(vec![TEXT_WIDTH])
        .width(TEXT_WIDTH, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .margins(TableCellMargins::new().margin(100, 160, 100, 200))
}

/// `a × b / c` in EMU without overflow.
fn scale(a: u32, b: u32, c: u32) -> u32 {
    let v = u64::from(a) * u64::from(b) / u64::from(c.max(1));
    u32::try_from(v).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_xml() {
        assert_eq!(clean("we\u{0}b\u{1b}\nchat"), "web chat");
        assert_eq!(clean("在线 <&>"), "在线 <&>");
    }

    #[test]
    fn drawings_get_unique_ids_and_escaped_alt_text() {
        let chart = |title: &str| Chart {
            name: "c".into(),
            title: title.into(),
            description: "A & \"B\" <C>".into(),
            png: Vec::new(),
            svg: String::new(),
        };
        let xml = format!("<a>{DOCX_RS_DOC_PR}</a><b>{DOCX_RS_DOC_PR}</b>");
        let out = describe_drawings(xml.clone().into_bytes(), &[&chart("One"), &chart("Two")]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<a><wp:docPr id=\"1\" name=\"One\" descr=\"A &amp; &quot;B&quot; &lt;C&gt;\" /></a>\
             <b><wp:docPr id=\"2\" name=\"Two\" descr=\"A &amp; &quot;B&quot; &lt;C&gt;\" /></b>"
        );
        // A count that does not match the charts leaves the part alone.
        let out = describe_drawings(xml.clone().into_bytes(), &[&chart("One")]);
        assert_eq!(out, xml.into_bytes());
    }

    #[test]
    fn charts_keep_their_aspect_ratio() {
        assert_eq!(scale(CHART_WIDTH_EMU, 360, 640), 3_240_000);
        assert_eq!(scale(1, 1, 0), 1);
    }
}
