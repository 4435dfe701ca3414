//! report.docx as a package: styles, headings, the four layer tables, one embedded PNG
//! per chart, callouts and banners — checked in the OOXML itself.

use crate::common;
use crate::common::{word_text as text, xml_elements as elements};
use crate::docx_fixture;

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use aikpi::outputs::docx::DocxError;
use aikpi::outputs::Chart;
use docx_fixture::render_docx;

/// Every part of the package by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("report.docx is a zip");
    let mut parts = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("zip entry");
        if file.is_dir() {
            continue;
        }
        let mut data = Vec::new();
        file.read_to_end(&mut data).expect("read zip entry");
        parts.insert(file.name().to_string(), data);
    }
    parts
}

fn text_part(parts: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(
        parts
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .clone(),
    )
    .expect("utf-8 xml")
}

/// (style id, text) of every paragraph styled as a heading or title, in order.
fn headings(document: &str) -> Vec<(String, String)> {
    elements(document, "w:p")
        .into_iter()
        .filter_map(|p| {
            let marker = "<w:pStyle w:val=\"";
            let at = p.find(marker)? + marker.len();
            let style = &p[at..at + p[at..].find('"')?];
            (style.starts_with("Heading") || style == "Title").then(|| (style.to_string(), text(p)))
        })
        .collect()
}

fn render(charts: &[Chart]) -> (Vec<u8>, BTreeMap<String, Vec<u8>>) {
    let bytes = render_docx(&docx_fixture::october_review(), charts).expect("render docx");
    let parts = unzip(&bytes);
    (bytes, parts)
}

#[test]
fn styles_are_real_word_styles() {
    let (_, parts) = render(&docx_fixture::charts());
    let styles = text_part(&parts, "word/styles.xml");
    for (id, name) in [
        ("Heading1", "heading 1"),
        ("Heading2", "heading 2"),
        ("Heading3", "heading 3"),
        ("Title", "Title"),
        ("TableGrid", "Table Grid"),
    ] {
        let style = elements(&styles, "w:style")
            .into_iter()
            .find(|s| s.contains(&format!("w:styleId=\"{id}\"")))
            .unwrap_or_else(|| panic!("style {id} is not defined"));
        assert!(
            style.contains(&format!("<w:name w:val=\"{name}\"")),
            "{style}"
        );
    }
    let heading1 = elements(&styles, "w:style")
        .into_iter()
        .find(|s| s.contains("w:styleId=\"Heading1\""))
        .expect("Heading1");
    assert!(heading1.contains("<w:outlineLvl w:val=\"0\""), "{heading1}");
}

#[test]
fn document_has_the_report_headings_in_the_documents_order() {
    let (_, parts) = render(&docx_fixture::charts());
    let document = text_part(&parts, "word/document.xml");
    let found = headings(&document);
    let expected = [
        ("Title", "AI support monthly business review — October 2026"),
        ("Heading1", "Executive summary"),
        ("Heading2", "Read with care"),
        ("Heading1", "What the numbers may hide"),
        ("Heading1", "The 12 metrics, layer by layer"),
        ("Heading2", "Layer 1 — Coverage"),
        ("Heading2", "Layer 2 — Resolution"),
        ("Heading2", "Layer 3 — Experience"),
        ("Heading2", "Layer 4 — Cost & training"),
        (
            "Heading1",
            "Why the rates moved: channel mix or rates within channels",
        ),
        ("Heading1", "Trends over the last 3 months"),
        ("Heading3", "Deflection vs 24h return rate"),
        ("Heading3", "CSAT (AI and human)"),
        ("Heading3", "Cost breakdown by month"),
        ("Heading1", "Segments: channels and top issues"),
        ("Heading1", "Human workload and cost per resolution"),
        ("Heading1", "Cost"),
        ("Heading1", "Channels"),
        ("Heading1", "Data quality"),
        ("Heading1", "Definitions"),
        ("Heading2", "Reporting traps"),
        ("Heading1", "How this report was made"),
    ];
    let found_ref: Vec<(&str, &str)> = found
        .iter()
        .map(|(s, t)| (s.as_str(), t.as_str()))
        .collect();
    assert_eq!(found_ref, expected);
}

#[test]
fn every_section_of_the_document_is_a_heading_1_in_its_order_in_both_languages() {
    use aikpi::presentation::document::Document;
    use aikpi::presentation::view::ReportView;
    use aikpi::presentation::{Language, Presentation};
    let review = common::fixture_drilldown_review();
    for language in Language::ALL {
        let p = Presentation::new(language);
        let document = Document::new(&review, &ReportView::new(&review, &p), &p);
        let bytes = docx_fixture::render_docx_in(&review, &[], language).expect("render docx");
        let found: Vec<String> = headings(&text_part(&unzip(&bytes), "word/document.xml"))
            .into_iter()
            .filter(|(style, _)| style == "Heading1")
            .map(|(_, text)| text)
            .collect();
        let sections: Vec<&str> = document
            .sections
            .iter()
            .map(|s| s.heading.as_str())
            .collect();
        assert_eq!(found, sections, "{language}");
    }
}

#[test]
fn figures_are_right_aligned_in_every_table_and_labels_are_not() {
    let review = common::fixture_drilldown_review();
    let bytes = docx_fixture::render_docx(&review, &[]).expect("render docx");
    let document = text_part(&unzip(&bytes), "word/document.xml");
    let right = "<w:jc w:val=\"right\"";
    let mut checked = 0;
    // Tables of figures: more than one column (callouts are one-cell tables).
    for table in elements(&document, "w:tbl")
        .into_iter()
        .filter(|t| elements(elements(t, "w:tr")[0], "w:tc").len() > 1)
    {
        let header: Vec<String> = elements(elements(table, "w:tr")[0], "w:tc")
            .iter()
            .map(|c| text(c))
            .collect();
        // Which columns hold figures, as the Markdown report aligns them.
        let numeric = |i: usize, label: &str| i > 0 && !matches!(label, "Target" | "Status");
        for row in elements(table, "w:tr") {
            for (i, cell) in elements(row, "w:tc").into_iter().enumerate() {
                let aligned = elements(cell, "w:p").iter().all(|p| p.contains(right));
                let none = elements(cell, "w:p").iter().all(|p| !p.contains(right));
                if numeric(i, &header[i]) {
                    assert!(aligned, "{} | {}: {cell}", header[i], text(cell));
                } else {
                    assert!(none, "{} | {}: {cell}", header[i], text(cell));
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked} cells checked");
}

#[test]
fn four_layer_tables_with_one_row_per_metric() {
    let (_, parts) = render(&docx_fixture::charts());
    let document = text_part(&parts, "word/document.xml");
    let tables = elements(&document, "w:tbl");
    let layer_tables: Vec<&str> = tables
        .iter()
        .copied()
        .filter(|t| text(t).contains("MetricValuePreviousChange"))
        .collect();
    assert_eq!(layer_tables.len(), 4);
    let rows: Vec<usize> = layer_tables
        .iter()
        .map(|t| elements(t, "w:tr").len())
        .collect();
    // Header + Coverage (touch, FRT p90, FRT p50, AHT), Resolution (3), Experience (3), Cost (3).
    assert_eq!(rows, [5, 4, 4, 4]);
    let first_rows: Vec<String> = elements(layer_tables[0], "w:tr")
        .iter()
        .map(|r| text(r))
        .collect();
    assert!(
        first_rows[0].starts_with("MetricValuePrevious"),
        "{first_rows:?}"
    );
    assert!(
        first_rows[1].starts_with(
            "AI touch rate95.4%95% CI 95.0%–95.8%95.2%▲ +0.2 ppbetterwithin noise> 95.0%met"
        ),
        "{first_rows:?}"
    );
    // 24h return rate: 12.0% against < 10.0%, worse than September's 10.5%.
    let resolution = text(layer_tables[1]);
    assert!(
        resolution
            .contains("24h return rate12.0%95% CI 11.4%–12.7%10.5%▲ +1.5 ppworse< 10.0%missed"),
        "{resolution}"
    );
    // Lark splits tables longer than 9 rows: none may be.
    for t in &tables {
        assert!(elements(t, "w:tr").len() <= 9, "{}", text(t));
    }
    // Better moves are green, worse moves red.
    assert!(resolution.contains("missed"));
    let return_row = elements(layer_tables[1], "w:tr")
        .into_iter()
        .find(|r| text(r).starts_with("24h return rate"))
        .expect("return row");
    assert!(return_row.contains("w:val=\"C0392B\""), "worse is red");
    let touch_row = elements(layer_tables[0], "w:tr")[1];
    assert!(touch_row.contains("w:val=\"1E7B34\""), "better is green");
}

#[test]
fn every_chart_is_an_inline_png_drawing() {
    let charts = docx_fixture::charts();
    let (_, parts) = render(&charts);
    let document = text_part(&parts, "word/document.xml");
    let rels = text_part(&parts, "word/_rels/document.xml.rels");
    let drawings = elements(&document, "w:drawing");
    assert_eq!(drawings.len(), charts.len());
    for (drawing, chart) in drawings.iter().zip(&charts) {
        assert!(drawing.contains("<wp:inline"), "charts flow with the text");
        let marker = "r:embed=\"";
        let at = drawing.find(marker).expect("r:embed") + marker.len();
        let id = &drawing[at..at + drawing[at..].find('"').expect("quote")];
        let relationship = elements(&rels, "Relationship")
            .into_iter()
            .find(|r| r.contains(&format!("Id=\"{id}\"")))
            .unwrap_or_else(|| panic!("no relationship {id}"));
        let target_at = relationship.find("Target=\"").expect("Target") + 8;
        let target = &relationship
            [target_at..target_at + relationship[target_at..].find('"').expect("quote")];
        let part = format!("word/{target}");
        assert!(part.starts_with("word/media/"), "{part}");
        let png = parts.get(&part).unwrap_or_else(|| panic!("{part} missing"));
        assert_eq!(png, &chart.png, "the chart's own bytes are embedded");
        let decoder = png::Decoder::new(Cursor::new(png.as_slice()));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
        let info = reader.next_frame(&mut pixels).expect("PNG decodes");
        // 16 cm wide, same aspect ratio as the image.
        let extent = elements(drawing, "wp:extent")[0];
        let cx: u64 = attr(extent, "cx").parse().expect("cx");
        let cy: u64 = attr(extent, "cy").parse().expect("cy");
        assert_eq!(cx, 5_760_000);
        assert_eq!(cy, cx * u64::from(info.height) / u64::from(info.width));
    }
    // Unique drawing ids (Word rejects duplicates in some cases) and alt text.
    for (i, (drawing, chart)) in drawings.iter().zip(&charts).enumerate() {
        let doc_pr = elements(drawing, "wp:docPr")[0];
        assert_eq!(attr(doc_pr, "id"), (i + 1).to_string(), "{doc_pr}");
        assert_eq!(attr(doc_pr, "name"), chart.title);
        assert_eq!(attr(doc_pr, "descr"), chart.description);
    }
    let content_types = text_part(&parts, "[Content_Types].xml");
    assert!(
        content_types.contains("Extension=\"png\""),
        "{content_types}"
    );
}

fn attr<'a>(xml: &'a str, name: &str) -> &'a str {
    let marker = format!(" {name}=\"");
    let at = xml.find(&marker).map(|i| i + marker.len()).unwrap_or(0);
    &xml[at..at + xml[at..].find('"').unwrap_or(0)]
}

#[test]
fn trap_callouts_are_shaded_single_cell_tables_for_executives() {
    let (_, parts) = render(&docx_fixture::charts());
    let document = text_part(&parts, "word/document.xml");
    let callouts: Vec<&str> = elements(&document, "w:tbl")
        .into_iter()
        .filter(|t| elements(t, "w:tc").len() == 1)
        // The "Did the AI save money?" box is shaded too, but is no trap.
        .filter(|t| !text(t).starts_with("Did the AI save money?"))
        .collect();
    assert_eq!(callouts.len(), 3);
    for c in &callouts {
        assert!(c.contains("<w:shd "), "callouts are shaded");
        assert!(text(c).contains("What to check: "));
    }
    let first = text(callouts[0]);
    assert!(
        first.contains(
            "⚠ Check this · Faking deflection: Deflection may include customers who gave up"
        ),
        "{first}"
    );
    assert!(
        first.contains("12.0% of conversations came back about the same issue within 24 hours"),
        "{first}"
    );
    let csat = text(callouts[1]);
    assert!(
        csat.contains("Only 70.4% of closed conversations were asked for a rating."),
        "{csat}"
    );
    let cost = text(callouts[2]);
    assert!(cost.contains("the ledger has no LLM line"), "{cost}");
    assert!(cost.contains("cloud_services (USD 5,000.00)"), "{cost}");
}

#[test]
fn summary_and_banners_say_what_matters() {
    let (_, parts) = render(&docx_fixture::charts());
    let all = text(&text_part(&parts, "word/document.xml"));
    assert!(
        all.contains("Period: 1 October 2026 – 31 October 2026 · time zone UTC"),
        "{all}"
    );
    assert!(
        all.contains("⚠ Provisional: 50 conversations still open."),
        "{all}"
    );
    assert!(!all.contains("Sample data:"));
    assert!(all.contains("of 12 metrics met their target"));
    assert!(all.contains("Reporting traps: 3 of 3 triggered"));
    assert!(all.contains("Volume: 10,000 conversations (web 52.0%, app 30.0%, email 18.0%)."));
    assert!(
        all.contains("800 conversations have no issue_key"),
        "data-quality notes"
    );
    assert!(all.contains(
        aikpi::presentation::Presentation::default()
            .metric_definition(aikpi::review::metrics::MetricId::DeflectionRate)
    ));
    assert!(
        all.contains("postgres://aikpi:***@db.internal/support"),
        "provenance"
    );

    let sample = docx_fixture::review_of(&docx_fixture::aggregates(), true);
    let bytes = render_docx(&sample, &[]).expect("render");
    let all = text(&text_part(&unzip(&bytes), "word/document.xml"));
    assert!(all.contains("⚠ Sample data: "));
    assert!(all.contains("No charts were rendered for this report."));
}

#[test]
fn output_is_reproducible() {
    let charts = docx_fixture::charts();
    let (a, _) = render(&charts);
    let (b, _) = render(&charts);
    assert!(a == b, "the same review renders to the same bytes");
}

#[test]
fn text_from_the_database_cannot_break_the_xml() {
    let mut aggregates = docx_fixture::aggregates();
    let october = aggregates.months.last_mut().expect("october");
    october
        .conversations
        .channels
        .insert("<web> & \"chat\"\u{1}".into(), 1);
    let review = docx_fixture::review_of(&aggregates, false);
    let bytes = render_docx(&review, &[]).expect("render");
    let all = text(&text_part(&unzip(&bytes), "word/document.xml"));
    assert!(all.contains("<web> & \"chat\""), "escaped, not dropped");
    assert!(!all.contains('\u{1}'));
}

#[test]
fn a_chart_that_is_not_a_png_is_an_error_not_a_panic() {
    let mut charts = docx_fixture::charts();
    charts[1].png = b"<svg/>".to_vec();
    match render_docx(&docx_fixture::october_review(), &charts) {
        Err(DocxError::InvalidChart { name, .. }) => assert_eq!(name, "csat"),
        other => panic!("expected InvalidChart, got {other:?}"),
    }
}

#[test]
fn an_unbooked_ledger_makes_cost_provisional_and_trap_3_waits() {
    let mut aggregates = docx_fixture::aggregates();
    aggregates
        .months
        .last_mut()
        .expect("october")
        .ledger
        .clear();
    let review = docx_fixture::review_of(&aggregates, false);
    let bytes = render_docx(&review, &[]).expect("render");
    let all = text(&text_part(&unzip(&bytes), "word/document.xml"));
    assert!(
        all.contains("Cost: the ledger has no infra or labor line for October 2026 yet"),
        "{all}"
    );
    assert!(
        all.contains(
            "… Not yet · Hidden LLM cost: Not judged yet: the ledger is not booked for October 2026"
        ),
        "{all}"
    );
    assert!(all.contains("Reporting traps: 2 of 3 triggered"), "{all}");
}

#[test]
fn a_first_month_with_no_rows_still_renders_a_readable_document() {
    let mut aggregates = docx_fixture::aggregates();
    let october = aggregates.months.pop().expect("october");
    aggregates.months = vec![aikpi::aggregates::MonthAggregates::empty(
        october.month,
        october.starts_at,
        october.ends_at,
    )];
    let review = docx_fixture::review_of(&aggregates, false);
    let bytes = render_docx(&review, &[]).expect("render");
    let document = text_part(&unzip(&bytes), "word/document.xml");
    let all = text(&document);
    assert!(
        all.contains("0 of 12 metrics met their target; 0 missed; 12 have no data."),
        "{all}"
    );
    assert!(
        all.contains("Biggest improvements: no previous month to compare with."),
        "{all}"
    );
    assert!(
        all.contains("No rows broke the data contract this month."),
        "{all}"
    );
    let layer_tables = elements(&document, "w:tbl")
        .into_iter()
        .filter(|t| text(t).contains("MetricValuePreviousChange"))
        .count();
    assert_eq!(layer_tables, 4);
}

// --- SPEC §6 (issue 10)

#[test]
fn the_drilldown_sections_are_in_the_document_within_larks_row_limit_in_both_languages() {
    use aikpi::presentation::view::ReportView;
    use aikpi::presentation::{Language, Presentation};
    let review = common::fixture_drilldown_review();
    for language in Language::ALL {
        let p = Presentation::new(language);
        let w = p.words;
        let view = ReportView::new(&review, &p);
        let charts = aikpi::outputs::charts::draw_all(&review, &p).expect("charts draw");
        let bytes = docx_fixture::render_docx_in(&review, &charts, language).expect("render docx");
        let document = text_part(&unzip(&bytes), "word/document.xml");
        let all = text(&document);
        let mut phrases: Vec<&str> = vec![
            w.drivers_heading,
            w.segments_heading,
            w.unclassified_issue,
            w.workload_heading,
            w.wl_labor_cost_avoided_estimate,
            w.estimate_assumption,
            w.savings_question,
            w.events_heading,
            w.within_noise,
        ];
        phrases.extend(view.drivers.iter().map(String::as_str));
        phrases.extend(view.workload.answer.iter().map(String::as_str));
        phrases.extend(view.events.iter().map(|e| e.text.as_str()));
        phrases.extend(view.segments.iter().map(|t| t.title.as_str()));
        for phrase in phrases {
            assert!(
                all.contains(phrase),
                "{language}: report.docx lacks {phrase:?}"
            );
        }
        // Lark's row limit is the importer's business: readers see the parts, not a note.
        let notes: Vec<&str> = view
            .segments
            .iter()
            .filter_map(|t| t.note.as_deref())
            .collect();
        assert!(!notes.is_empty(), "{language}: the fixture splits a table");
        for note in notes {
            assert!(
                !all.contains(note),
                "{language}: report.docx shows {note:?}"
            );
        }
        let tables = elements(&document, "w:tbl");
        for t in &tables {
            assert!(elements(t, "w:tr").len() <= 9, "{language}: {}", text(t));
        }
        // Ten issues: each issue table comes in two parts (header + 8, header + 2).
        let issue_rows: Vec<usize> = tables
            .iter()
            .filter(|t| text(t).starts_with(w.col_issue))
            .map(|t| elements(t, "w:tr").len())
            .collect();
        assert_eq!(issue_rows, [9, 3, 9, 3], "{language}");
        // The drivers chart comes first in the document, and its drawing says so.
        let drawings = elements(&document, "w:drawing");
        assert_eq!(drawings.len(), charts.len());
        let drivers = charts
            .iter()
            .find(|c| c.id() == Some(aikpi::presentation::chart_id::ChartId::Drivers))
            .expect("drivers chart");
        assert!(
            drawings[0].contains(&format!("name=\"{}\"", drivers.title)),
            "{language}: {}",
            drawings[0]
        );
    }
}
