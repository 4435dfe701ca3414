//! report.md through GitHub's own Markdown implementation (`cmark-gfm`, with the table,
//! autolink and tagfilter extensions): the same structure as pulldown-cmark sees, and
//! database strings as text — no tag, no link.
//!
//! `cmark-gfm` is required: without it this test fails (never skips) and says how to get it.

use crate::common;
use crate::services;

use std::io::Write;
use std::process::{Command, Stdio};

use aikpi::outputs::{charts, markdown, render_text, Templates};
use aikpi::presentation::Presentation;

fn cmark_gfm(md: &str) -> String {
    let bin = ["/usr/bin/cmark-gfm", "/usr/local/bin/cmark-gfm"]
        .into_iter()
        .find(|p| std::path::Path::new(p).is_file())
        .unwrap_or_else(|| {
            panic!(
                "cmark-gfm is not installed, so report.md cannot be checked against GitHub's \
                 parser. Run the suite with `bash .ci/run` (it installs it), or \
                 `apt-get install -y cmark-gfm`."
            )
        });
    let mut child = Command::new(bin)
        .args([
            "-e",
            "table",
            "-e",
            "autolink",
            "-e",
            "tagfilter",
            "-e",
            "strikethrough",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start cmark-gfm");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(md.as_bytes())
        .expect("write markdown");
    let out = services::finish_within(child, services::PATIENCE, "cmark-gfm");
    assert!(out.status.success(), "cmark-gfm failed");
    String::from_utf8(out.stdout).expect("utf-8 html")
}

#[test]
fn report_md_reads_the_same_in_cmark_gfm() {
    let review = common::fixture_review();
    let p = Presentation::default();
    let charts = charts::draw_all(&review, &p).expect("charts");
    let templates = Templates::new(None).expect("templates");
    let md = render_text(&markdown::Markdown, &review, &p, &charts, &templates).expect("markdown");
    let html = cmark_gfm(&md);

    assert_eq!(html.matches("<h1>").count(), 1);
    assert!(!html.contains("<h4") && !html.contains("<h5") && !html.contains("<h6"));
    // 4 layer tables + workload + cost lines + models + channels, and the segment
    // tables (in parts of at most 8 rows).
    let segments = aikpi::presentation::view::ReportView::new(&review, &p)
        .segments
        .len();
    assert_eq!(html.matches("<table>").count(), 8 + segments, "{html}");
    for chart in &charts {
        assert!(
            html.contains(&format!("<img src=\"charts/{}.png\"", chart.name)),
            "{} linked",
            chart.name
        );
    }
    // The hostile strings are text: escaped entities, never tags or links.
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; | **x**"),
        "channel as text"
    );
    assert!(html.contains("cloud_services &lt;img src=x onerror=alert(2)&gt; _[x](y)_"));
    assert!(!html.contains("<script") && !html.contains("<img src=x"));
    assert!(
        !html.contains("<a href"),
        "no link was made from database text"
    );
    assert_eq!(
        html.matches("<blockquote>").count(),
        6,
        "2 banners + 3 trap callouts + \"Did the AI save money?\""
    );
}

#[test]
fn the_drilldown_sections_read_the_same_in_cmark_gfm() {
    let review = common::fixture_drilldown_review();
    let p = Presentation::default();
    let charts = charts::draw_all(&review, &p).expect("charts");
    let templates = Templates::new(None).expect("templates");
    let md = render_text(&markdown::Markdown, &review, &p, &charts, &templates).expect("markdown");
    let html = cmark_gfm(&md);
    // The 8 tables above + 2 channel tables + 2 issue tables in 2 parts each.
    assert_eq!(html.matches("<table>").count(), 14, "{html}");
    assert_eq!(
        aikpi::presentation::view::ReportView::new(&review, &p)
            .segments
            .len(),
        6
    );
    for table in html.split("<table>").skip(1) {
        let table = &table[..table.find("</table>").expect("closed table")];
        assert!(table.matches("<tr>").count() <= 9, "Lark's 9 rows: {table}");
    }
    assert!(html.contains("<em>(unclassified)</em>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; | **x**"));
    assert!(
        html.contains("KB release &lt;v2&gt; *bold*"),
        "event label as text"
    );
    assert!(!html.contains("<script") && !html.contains("<a href"));
}
