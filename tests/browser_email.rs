//! The emailed summary's HTML body in a real browser: fluid up to 640 px, so it reads on
//! a 390 px phone without scrolling sideways and prints on A4, in both languages; and
//! built only from what Gmail, Apple Mail and Outlook keep (tables and inline styles, no
//! `<style>`, flex, grid or positioning; no fixed width but Outlook's own).
//!
//! Chromium is required: without it this test fails (never skips) and says how to get it.

mod browser;
mod common;
mod fonts;

use base64::Engine;

use aikpi::outputs::charts;
use aikpi::outputs::email_body::EmailHtml;
use aikpi::outputs::{render_text, Templates};
use aikpi::presentation::{Language, Presentation};
use aikpi::review::Review;

/// The HTML body for `review` in `language` with three charts inline, as a browser
/// shows it once the message's parts are resolved: each `cid:` image becomes its PNG.
fn email_page(review: &Review, language: Language) -> String {
    let p = Presentation::new(language);
    let charts = charts::draw_all(review, &p).expect("charts");
    let templates = Templates::new(None).expect("templates");
    let cids = ["chart-1@aikpi", "chart-2@aikpi", "chart-3@aikpi"];
    let inline: Vec<_> = cids.iter().copied().zip(charts.iter()).collect();
    let attached = ["report.html", "report-notion.zip", "report.docx"];
    let mut page = render_text(
        &EmailHtml {
            inline: &inline,
            attached: &attached,
        },
        review,
        &p,
        &[],
        &templates,
    )
    .expect("email html");
    for (cid, chart) in &inline {
        let png = base64::engine::general_purpose::STANDARD.encode(&chart.png);
        page = page.replace(
            &format!("cid:{cid}"),
            &format!("data:image/png;base64,{png}"),
        );
    }
    page
}

/// The bodies whose layout must hold: the sample (both traps' evidence) and the
/// drill-down fixture, in each language.
fn email_pages() -> Vec<(String, String)> {
    let mut pages = Vec::new();
    for language in Language::ALL {
        pages.push((
            format!("sample-{language}"),
            email_page(&common::fixture_sample_review(), language),
        ));
        pages.push((
            format!("drilldown-{language}"),
            email_page(&common::fixture_drilldown_review(), language),
        ));
    }
    pages
}

#[test]
fn the_email_body_fits_a_390_px_phone_and_an_a4_page_in_either_language() {
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = fonts::bundled_fontconfig(dir.path());
    let env = [("FONTCONFIG_FILE", conf.as_path())];
    for (name, page) in email_pages() {
        let what = format!("the email body ({name}) at 390 px");
        let layout = browser::layout_at(
            &page,
            dir.path(),
            &format!("phone-{name}"),
            browser::PHONE_WIDTH,
            &env,
        );
        browser::assert_fits(&what, &layout, browser::PHONE_WIDTH);
        assert_eq!(
            layout["scrollbars"],
            serde_json::json!([]),
            "{what}: {layout:#}"
        );

        let what = format!("the email body ({name}) laid out for A4");
        let layout = browser::layout_at(
            &browser::as_printed(&page),
            dir.path(),
            &format!("print-{name}"),
            browser::A4_CONTENT_WIDTH,
            &env,
        );
        browser::assert_fits(&what, &layout, browser::A4_CONTENT_WIDTH);
        assert_eq!(
            layout["scrollbars"],
            serde_json::json!([]),
            "{what}: {layout:#}"
        );
        assert_eq!(
            layout["clipped"],
            serde_json::json!([]),
            "{what}: {layout:#}"
        );
    }
}

#[test]
fn the_email_body_uses_only_what_mail_clients_keep() {
    for (name, page) in email_pages() {
        // Gmail drops <style> in many contexts and every client drops external CSS, so
        // the layout is tables and inline styles only.
        for banned in [
            "<style",
            "<link",
            "display:flex",
            "display: flex",
            "display:grid",
            "display: grid",
            "position:",
            "position: ",
            "float:",
        ] {
            assert!(
                !page.contains(banned),
                "the email body ({name}) uses {banned:?}, which mail clients drop"
            );
        }
        // Fluid up to 640 px: no fixed width in CSS (`width:640px`), and the one fixed
        // width attribute is Outlook for Windows' own (it ignores max-width), inside a
        // conditional comment no other client reads.
        let outside_outlook: String = page
            .split("<!--[if mso]>")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    part.split_once("<![endif]-->").map_or("", |(_, rest)| rest)
                }
            })
            .collect();
        for style in outside_outlook.split("style=\"").skip(1) {
            let style = style.split('"').next().unwrap_or_default();
            for decl in style.split(';') {
                let decl = decl.trim().replace(' ', "");
                assert!(
                    !(decl.starts_with("width:") && decl.ends_with("px")),
                    "the email body ({name}) has a fixed width {decl:?} in {style:?}"
                );
            }
        }
        for table in outside_outlook.split("<table").skip(1) {
            let tag = table.split('>').next().unwrap_or_default();
            if let Some((_, value)) = tag.split_once(" width=\"") {
                let value = value.split('"').next().unwrap_or_default();
                assert_eq!(value, "100%", "the email body ({name}): <table{tag}>");
            }
        }
        assert!(
            outside_outlook.contains("width:100%;max-width:640px;"),
            "the email body ({name}) is fluid up to 640 px"
        );
    }
}
