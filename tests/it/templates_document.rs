//! Template folders (`--templates DIR`) and the document: a folder written before the
//! document existed (against `view`) renders the same report as the built-ins, and a new
//! template can walk `document.sections` with the shipped block macros.

use crate::common;

use std::path::Path;

use aikpi::outputs::charts::{self, Chart};
use aikpi::outputs::{html, markdown, render_text, Templates};
use aikpi::presentation::{Language, Presentation};
use aikpi::review::Review;

fn charts_of(review: &Review, p: &Presentation) -> Vec<Chart> {
    charts::draw_all(review, p).expect("charts draw")
}

#[test]
fn a_template_folder_written_for_the_view_still_renders_the_report() {
    let before = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/templates_before_document");
    let old = Templates::new(Some(&before)).expect("the old templates load");
    let builtin = Templates::new(None).expect("the built-in templates load");
    let review = common::fixture_drilldown_review();
    for language in Language::ALL {
        let p = Presentation::new(language);
        let charts = charts_of(&review, &p);
        for output in [
            &markdown::Markdown as &dyn aikpi::outputs::Output,
            &html::Html,
        ] {
            let with_old = render_text(output, &review, &p, &charts, &old).expect("old renders");
            let with_builtin =
                render_text(output, &review, &p, &charts, &builtin).expect("built-in renders");
            // The built-ins now open with the story of SPEC §7, which the old folder
            // does not know: the old folder still renders, with the same title and
            // the same metric tables.
            let title = p.title(&review);
            assert!(
                with_old.contains(&title) && with_builtin.contains(&title),
                "{} in {language}: the old folder no longer renders the report",
                output.name()
            );
        }
    }
}

#[test]
fn a_template_can_walk_the_document_with_the_shipped_block_macros() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("report.md"),
        "{% import \"report-blocks.md\" as blocks -%}\n\
         {% for s in document.sections %}{% if s.id == \"metrics\" %}## {{ s.heading }}\n\
         {% for b in s.blocks %}{{ blocks::block(b=b, w=w, charts=charts) }}{% endfor %}\
         {% endif %}{% endfor %}",
    )
    .expect("write template");
    let templates = Templates::new(Some(dir.path())).expect("templates load");
    let review = common::fixture_review();
    let p = Presentation::default();
    let md = render_text(&markdown::Markdown, &review, &p, &[], &templates).expect("renders");
    assert!(
        md.starts_with("## The 12 metrics, layer by layer\n\n"),
        "{md}"
    );
    assert!(
        md.contains("\n### Layer 1 — Coverage\n\n| Metric |"),
        "{md}"
    );
    assert!(md.contains("| AI touch rate | 97.0% (95% CI"), "{md}");
    assert!(!md.contains("Executive summary"), "{md}");
}
