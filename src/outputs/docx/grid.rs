//! Tables of figures in Word: a header row, then body rows, in the `TableGrid` style.
//!
//! Columns get widths measured from their text rather than fixed per table, so one
//! function lays out every table the document holds (metric, segment, workload, cost,
//! channels, and any table a new section brings). The widths are fixed in the file
//! (`w:tblLayout fixed`): importers (Lark, LibreOffice) honour fixed widths but treat
//! `w:noWrap` and autofit each their own way. Each column is at least as wide as its
//! longest word, header or cell, so no word breaks in the middle while the table fits the
//! page; figures are right-aligned.

use docx_rs::{
    AlignmentType, LineSpacing, Paragraph, Run, Shading, ShdType, Table, TableBorderPosition,
    TableBorders, TableCell, TableCellMargins, TableLayoutType, TableRow, VAlignType, WidthType,
};

use super::{clean, rule_border, style_ids, HEADER_FILL, INK, TEXT_WIDTH};

/// The left and right cell margins (twips) of every table cell.
const CELL_MARGIN: usize = 100;
/// Headers are set at 9 pt, figures at the body's 10 pt: measure at 10 pt, 200 twips
/// to the em.
const EM: usize = 200;
/// A column never gets narrower than this (twips), however short its text.
const MIN_COLUMN: usize = 700;

/// A table to lay out: its columns, then its rows of cells.
pub(super) struct Grid<'a> {
    columns: Vec<(&'a str, bool)>,
    rows: Vec<Vec<Cell>>,
}

/// One cell: its paragraphs and their plain text (what its width is measured from).
#[derive(Default)]
pub(super) struct Cell {
    paragraphs: Vec<Paragraph>,
    lines: Vec<String>,
}

impl Cell {
    /// A cell of one paragraph of one run.
    pub(super) fn run(run: Run, text: &str) -> Self {
        Cell::default().with(Paragraph::new().add_run(run), text)
    }

    /// A cell of one plain line.
    pub(super) fn text(text: &str) -> Self {
        Cell::run(Run::new().add_text(clean(text)), text)
    }

    /// The cell with one more paragraph, whose visible text is `text`.
    pub(super) fn with(mut self, paragraph: Paragraph, text: &str) -> Self {
        self.paragraphs.push(paragraph);
        self.lines.push(text.to_string());
        self
    }
}

impl<'a> Grid<'a> {
    /// A table under these column labels; `numeric` columns hold figures (right-aligned).
    pub(super) fn new(columns: impl IntoIterator<Item = (&'a str, bool)>) -> Self {
        Self {
            columns: columns.into_iter().collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a body row (one cell per column).
    pub(super) fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// The Word table.
    pub(super) fn build(self) -> Table {
        let widths = self.widths();
        let header = TableRow::new(
            self.columns
                .iter()
                .zip(&widths)
                .map(|(&(label, numeric), &w)| {
                    TableCell::new()
                        .width(w, WidthType::Dxa)
                        .shading(Shading::new().shd_type(ShdType::Clear).fill(HEADER_FILL))
                        .vertical_align(VAlignType::Center)
                        .add_paragraph(align(
                            Paragraph::new()
                                .add_run(
                                    Run::new().add_text(clean(label)).bold().color(INK).size(18),
                                )
                                .size(18)
                                .keep_next(true),
                            numeric,
                        ))
                })
                .collect(),
        )
        .cant_split();
        let mut rows = vec![header];
        for cells in self.rows {
            let cells = cells
                .into_iter()
                .zip(&widths)
                .zip(&self.columns)
                .map(|((cell, &w), &(_, numeric))| {
                    let mut out = TableCell::new()
                        .width(w, WidthType::Dxa)
                        .vertical_align(VAlignType::Center);
                    for p in cell.paragraphs {
                        out = out.add_paragraph(align(
                            p.size(18).line_spacing(LineSpacing::new().after(0)),
                            numeric,
                        ));
                    }
                    out
                })
                .collect();
            rows.push(TableRow::new(cells).cant_split());
        }
        let borders = TableBorders::new()
            .set(rule_border(TableBorderPosition::Top))
            .set(rule_border(TableBorderPosition::Bottom))
            .set(rule_border(TableBorderPosition::Left))
            .set(rule_border(TableBorderPosition::Right))
            .set(rule_border(TableBorderPosition::InsideH))
            .set(rule_border(TableBorderPosition::InsideV));
        Table::new(rows)
            .style(style_ids::TABLE_GRID)
            .set_grid(widths.clone())
            .width(widths.iter().sum(), WidthType::Dxa)
            .layout(TableLayoutType::Fixed)
            .set_borders(borders)
            .margins(TableCellMargins::new().margin(50, CELL_MARGIN, 50, CELL_MARGIN))
    }

    /// Column widths (twips) summing to the text width: every column first gets its
    /// longest word (of the header or a cell), then the rest goes where text would
    /// otherwise wrap.
    fn widths(&self) -> Vec<usize> {
        let pad = 2 * CELL_MARGIN + EM / 3;
        // The longest word of a column, header or cell: a word that does not fit breaks
        // mid-word ("whatsap" / "p"), which reads worse than a line that wraps.
        let least: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (label, _))| {
                let cells = self
                    .rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .flat_map(|c| c.lines.iter())
                    .flat_map(|l| l.split_whitespace());
                label
                    .split_whitespace()
                    .chain(cells)
                    .map(|word| text_width(word) + pad)
                    .max()
                    .unwrap_or(0)
                    .max(MIN_COLUMN)
            })
            .collect();
        let wanted: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (label, _))| {
                let cells = self
                    .rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .flat_map(|c| c.lines.iter())
                    .map(|l| text_width(l) + pad);
                cells
                    .chain([text_width(label) + pad])
                    .max()
                    .unwrap_or(0)
                    .max(least[i])
            })
            .collect();
        fit(&least, &wanted, TEXT_WIDTH)
    }
}

/// Widths that sum to `total`: `wanted` when it fits (the label column takes what is
/// left), else `least` plus a share of the rest in proportion to what each still wants,
/// else `least` scaled down.
fn fit(least: &[usize], wanted: &[usize], total: usize) -> Vec<usize> {
    let sum = |v: &[usize]| v.iter().sum::<usize>();
    let mut out: Vec<usize> = if sum(wanted) <= total {
        wanted.to_vec()
    } else if sum(least) <= total {
        let spare = total - sum(least);
        let missing: Vec<usize> = wanted.iter().zip(least).map(|(w, l)| w - l).collect();
        let all_missing = sum(&missing).max(1);
        least
            .iter()
            .zip(&missing)
            .map(|(l, m)| l + m * spare / all_missing)
            .collect()
    } else {
        let all = sum(least).max(1);
        least.iter().map(|l| l * total / all).collect()
    };
    // Rounding and room to spare go to the first (label) column.
    let used = sum(&out);
    if let Some(first) = out.first_mut() {
        *first = (*first + total).saturating_sub(used);
    }
    out
}

/// The width (twips) of a line of text, erring wide: East Asian characters take a full
/// em, every other character seven tenths of one — bold DejaVu Sans, what LibreOffice
/// sets when Arial is not installed, is that wide.
fn text_width(text: &str) -> usize {
    text.chars()
        .map(|c| if is_wide(c) { EM * 10 } else { EM * 7 })
        .sum::<usize>()
        / 10
}

/// Full-width characters: CJK ideographs, kana, Hangul and full-width punctuation.
fn is_wide(c: char) -> bool {
    matches!(c, '\u{1100}'..='\u{115F}' | '\u{2E80}'..='\u{A4CF}' | '\u{AC00}'..='\u{D7A3}' | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FF60}' | '\u{FFE0}'..='\u{FFE6}' | '\u{20000}'..='\u{3FFFD}')
}

fn align(p: Paragraph, numeric: bool) -> Paragraph {
    if numeric {
        p.align(AlignmentType::Right)
    } else {
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_fill_the_text_width_and_keep_header_words_whole() {
        let least = [1000, 1500, 1500];
        // Everything fits: each gets what it wants, the label column the rest.
        assert_eq!(fit(&least, &[2000, 1500, 1600], 9000), [5900, 1500, 1600]);
        // Not everything fits: every column keeps its least width.
        let out = fit(&least, &[9000, 3000, 1500], 6000);
        assert_eq!(out.iter().sum::<usize>(), 6000);
        assert!(out.iter().zip(&least).all(|(o, l)| o >= l), "{out:?}");
        // Not even the least fits: scaled down, still summing to the width.
        assert_eq!(fit(&least, &least, 2000).iter().sum::<usize>(), 2000);
    }

    #[test]
    fn chinese_text_is_measured_a_full_em_a_character() {
        assert_eq!(text_width("会话数"), 3 * EM);
        assert_eq!(text_width("Calls"), 5 * EM * 7 / 10);
    }
}
