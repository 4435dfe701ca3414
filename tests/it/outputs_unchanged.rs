//! Every text a reader gets, pinned whole: report.md, report.html, the Word document's
//! body and both email bodies, for the fixture, the drill-down fixture (segments split in
//! parts, drivers, events) and a month without data, in English and Chinese. These were
//! written before the outputs were moved onto the one document (issue #25) and prove
//! the move changed no byte; a change of wording or layout shows here as a diff to
//! review (`cargo insta review`).

use crate::common;

use std::io::Read;

use aikpi::outputs::charts::{self, Chart};
use aikpi::outputs::docx::WordDocument;
use aikpi::outputs::{html, markdown, render_one, render_text, Templates};
use aikpi::presentation::{Language, Presentation};
use aikpi::review::Review;

/// The fixture with every month empty: no conversations, no cost, no segments.
fn empty_review() -> Review {
    let mut aggregates = common::fixture_aggregates();
    for m in &mut aggregates.months {
        *m = aikpi::aggregates::MonthAggregates::empty(m.month, m.starts_at, m.ends_at);
    }
    aikpi::review::review(
        &aggregates,
        &aikpi::review::settings::ReviewSettings::default(),
        &aikpi::review::ReviewContext {
            generated_at: "2026-11-02T08:00:00Z".parse().expect("instant"),
            sample: false,
            language: "en".to_string(),
        },
    )
    .expect("an empty window reviews")
}

/// Neither the crate version nor chart pixels may move a snapshot.
fn stable(text: &str) -> String {
    let mut out = text.replace(
        &format!("aikpi {}", env!("CARGO_PKG_VERSION")),
        "aikpi [version]",
    );
    const DATA: &str = "data:image/png;base64,";
    let mut start = 0;
    while let Some(i) = out[start..].find(DATA) {
        let from = start + i + DATA.len();
        let len = out[from..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
            .unwrap_or(out.len() - from);
        out.replace_range(from..from + len, "[png]");
        start = from + "[png]".len();
    }
    out
}

struct Rendered {
    md: String,
    html: String,
    docx_body: String,
    email_html: String,
    email_text: String,
}

fn render(review: &Review, language: Language) -> Rendered {
    let p = Presentation::new(language);
    let charts: Vec<Chart> = charts::draw_all(review, &p).expect("charts draw");
    let templates = Templates::new(None).expect("built-in templates load");
    let md = render_text(&markdown::Markdown, review, &p, &charts, &templates).expect("md");
    let html = render_text(&html::Html, review, &p, &charts, &templates).expect("html");
    let docx = render_one(&WordDocument, review, &p, &charts, &templates).expect("docx");
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(&docx[0].bytes)).expect("docx is a zip");
    let mut body = String::new();
    archive
        .by_name("word/document.xml")
        .expect("the body part")
        .read_to_string(&mut body)
        .expect("UTF-8 body");
    // One paragraph or table a line, so a change reads as a diff of lines.
    let docx_body = body
        .replace("<w:p>", "\n<w:p>")
        .replace("<w:p ", "\n<w:p ")
        .replace("<w:tbl>", "\n<w:tbl>");
    let attached = ["report.html", "report-notion.zip", "report.docx"];
    let inline = [("chart-1@aikpi", &charts[0]), ("chart-2@aikpi", &charts[2])];
    let (email_html, email_text) = common::email_bodies(review, &p, &templates, &inline, &attached);
    Rendered {
        md,
        html,
        docx_body,
        email_html,
        email_text,
    }
}

/// Pins every text of a review; the Word body (large XML) only where `docx` says, as the
/// other reviews add no layout of their own to it.
fn pin_everything(name: &str, review: &Review, language: Language, docx: bool) {
    let r = render(review, language);
    insta::assert_snapshot!(format!("{name}_md"), stable(&r.md));
    insta::assert_snapshot!(format!("{name}_html"), stable(&r.html));
    if docx {
        insta::assert_snapshot!(format!("{name}_docx_body"), stable(&r.docx_body));
    }
    insta::assert_snapshot!(format!("{name}_email_html"), stable(&r.email_html));
    insta::assert_snapshot!(format!("{name}_email_text"), stable(&r.email_text));
}

#[test]
fn the_fixture_reads_the_same_in_every_format_in_english() {
    pin_everything("fixture_en", &common::fixture_review(), Language::En, true);
}

#[test]
fn the_fixture_reads_the_same_in_every_format_in_chinese() {
    pin_everything(
        "fixture_zh",
        &common::fixture_review(),
        Language::ZhCn,
        false,
    );
}

#[test]
fn the_sample_fixture_reads_the_same_in_every_format() {
    pin_everything(
        "sample_en",
        &common::fixture_sample_review(),
        Language::En,
        false,
    );
}

#[test]
fn the_drilldown_reads_the_same_in_every_format_in_english() {
    pin_everything(
        "drilldown_en",
        &common::fixture_drilldown_review(),
        Language::En,
        false,
    );
}

#[test]
fn the_drilldown_reads_the_same_in_every_format_in_chinese() {
    pin_everything(
        "drilldown_zh",
        &common::fixture_drilldown_review(),
        Language::ZhCn,
        true,
    );
}

#[test]
fn a_month_without_data_reads_the_same_in_every_format() {
    pin_everything("empty_en", &empty_review(), Language::En, true);
}
