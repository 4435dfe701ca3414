//! The SPEC §6 sections of `report.docx`: why the rates moved (drivers), the segment
//! tables, the human workload with "Did the AI save money?", and the events list.
//!
//! Lark splits a table longer than 9 rows on import; the segment tables come from the
//! view already in parts of at most 8 rows, the first part noting the split.

use docx_rs::{Paragraph, Run, Table};

use super::{
    body_row, bullet, callout_box, grid_table, header_row, heading, note, para, small, spacer,
    Block, GREY,
};
use crate::presentation::drilldown::SegmentTable;
use crate::presentation::view::ReportView;
use crate::presentation::Words;

/// Segment tables with the metrics of resolution: name, conversations, share, 4 rates.
const RESOLUTION_COLUMNS: [usize; 7] = [1838, 1300, 1000, 1375, 1375, 1375, 1375];
/// Segment tables with the metrics of experience: name and 5 figures.
const EXPERIENCE_COLUMNS: [usize; 6] = [1838, 1560, 1560, 1560, 1560, 1560];
/// The workload table: figure, value, previous, change.
const WORKLOAD_COLUMNS: [usize; 4] = [4038, 1900, 1900, 1800];

/// "Why the rates moved": one bullet per rate moved beyond noise.
pub(super) fn drivers(view: &ReportView, w: &Words, body: &mut Vec<Block>) {
    body.push(heading(1, w.drivers_heading));
    body.push(Block::P(para(w.drivers_intro)));
    if view.drivers.is_empty() {
        body.push(Block::P(para(view.drivers_none)));
    }
    for d in &view.drivers {
        body.push(Block::P(bullet(d)));
    }
}

/// The events under the trend charts, numbered as the charts mark them.
pub(super) fn events(view: &ReportView, w: &Words, body: &mut Vec<Block>) {
    if view.events.is_empty() {
        return;
    }
    body.push(heading(2, w.events_heading));
    body.push(Block::P(note(w.events_intro)));
    for e in &view.events {
        body.push(Block::P(
            Paragraph::new()
                .add_run(Run::new().add_text(format!("{}  ", e.number)).bold())
                .add_run(Run::new().add_text(super::clean(&e.text))),
        ));
    }
}

/// The channel and top-issue tables, each within Lark's 9 rows.
pub(super) fn segments(view: &ReportView, w: &Words, body: &mut Vec<Block>) {
    body.push(heading(1, w.segments_heading));
    if view.segments.is_empty() {
        body.push(Block::P(para(w.segments_none)));
        return;
    }
    body.push(Block::P(para(w.segments_intro)));
    for table in &view.segments {
        segment_table(table, body);
    }
}

fn segment_table(table: &SegmentTable, body: &mut Vec<Block>) {
    let widths: &[usize] = if table.columns.len() == RESOLUTION_COLUMNS.len() {
        &RESOLUTION_COLUMNS
    } else {
        &EXPERIENCE_COLUMNS
    };
    body.push(heading(2, &table.title));
    if let Some(text) = &table.note {
        body.push(Block::P(note(text)));
    }
    let mut rows = vec![header_row(&table.columns, widths)];
    for r in &table.rows {
        let name = Run::new().add_text(super::clean(&r.name));
        let mut cells = vec![vec![Paragraph::new().add_run(if r.unclassified {
            name.italic()
        } else {
            name.bold()
        })]];
        for c in &r.cells {
            let mut cell = vec![para(&c.value)];
            if !c.change.is_empty() {
                cell.push(Paragraph::new().add_run(small(&c.change, GREY)));
            }
            cells.push(cell);
        }
        rows.push(body_row(cells, widths));
    }
    body.push(Block::T(grid_table(rows, widths)));
    body.push(Block::P(spacer()));
}

/// The workload table, what the estimate assumes and "Did the AI save money?".
pub(super) fn workload(view: &ReportView, w: &Words, body: &mut Vec<Block>) {
    let wl = &view.workload;
    body.push(heading(1, w.workload_heading));
    body.push(Block::P(para(&wl.intro)));
    let mut rows = vec![header_row(
        &[w.col_figure, w.col_value, w.col_previous, w.col_change],
        &WORKLOAD_COLUMNS,
    )];
    for r in &wl.rows {
        let label = Run::new().add_text(r.label);
        rows.push(body_row(
            vec![
                vec![Paragraph::new().add_run(if r.estimate { label.italic() } else { label })],
                vec![Paragraph::new().add_run(Run::new().add_text(super::clean(&r.value)).bold())],
                vec![para(&r.previous)],
                vec![para(&r.change)],
            ],
            &WORKLOAD_COLUMNS,
        ));
    }
    body.push(Block::T(grid_table(rows, &WORKLOAD_COLUMNS)));
    body.push(Block::P(note(wl.assumption)));
    let (fill, edge) = if wl.provisional {
        ("FFF4E5", "E69138")
    } else {
        ("EEF3FA", "5B9BD5")
    };
    let mut paragraphs = vec![Paragraph::new()
        .add_run(Run::new().add_text(wl.question).bold().size(22))
        .keep_next(true)];
    paragraphs.extend(wl.answer.iter().map(para));
    body.push(Block::T(savings_box(paragraphs, fill, edge)));
    body.push(Block::P(spacer()));
}

fn savings_box(paragraphs: Vec<Paragraph>, fill: &str, edge: &str) -> Table {
    callout_box(paragraphs, fill, edge)
}
