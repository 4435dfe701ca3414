//! The emailed summary's HTML body in a real browser: fluid up to 640 px, so it reads on
//! a 390 px phone without scrolling sideways and prints on A4, in both languages; and
//! built only from what Gmail, Apple Mail and Outlook keep (tables and inline styles, no
//! `<style>`, flex, grid or positioning; no fixed width but Outlook's own), with nothing
//! doiuse-email (caniemail.com's data) says Gmail or Apple Mail do not support.
//!
//! Chromium is required: without it this test fails (never skips) and says how to get it.

use crate::browser;
use crate::common;
use crate::fonts;

use std::path::PathBuf;
use std::process::Command;

use base64::Engine;

use aikpi::outputs::charts;
use aikpi::outputs::Templates;
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
    let (mut page, _) = common::email_bodies(review, &p, &templates, &inline, &attached);
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

/// doiuse-email, as scripts/test.sh installs it from the npm registry.
fn doiuse_email() -> PathBuf {
    let dir = std::env::var_os("AIKPI_DOIUSE_EMAIL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/doiuse/node_modules/doiuse-email")
        });
    let entry = dir.join("index.js");
    assert!(
        entry.is_file(),
        "doiuse-email is not installed at {}, so the email body cannot be checked against \
         what Gmail and Apple Mail support. Run the suite with `bash scripts/test.sh` (it \
         installs doiuse-email from the npm registry), or set AIKPI_DOIUSE_EMAIL to the \
         package's folder.",
        dir.display()
    );
    entry
}

#[test]
fn the_email_body_is_doiuse_email_clean_for_gmail_and_apple_mail() {
    let entry = doiuse_email();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (name, page) in email_pages() {
        let path = dir.path().join(format!("{name}.html"));
        std::fs::write(&path, page).expect("write the email body");
        files.push(path);
    }
    let script = r#"
const { pathToFileURL } = await import('node:url');
const fs = await import('node:fs');
const [entry, ...files] = process.argv.slice(1);
const { doIUseEmail } = await import(pathToFileURL(entry).href);
const out = {};
for (const f of files)
  for (const client of ['gmail.*', 'apple-mail.*'])
    out[f.split('/').pop() + ' ' + client] = doIUseEmail(fs.readFileSync(f, 'utf8'), { emailClients: [client] }).errors ?? [];
console.log(JSON.stringify(out));
"#;
    let output = Command::new("node")
        .args(["--input-type=module", "-e", script, "--"])
        .arg(&entry)
        .args(&files)
        .output()
        .unwrap_or_else(|e| {
            panic!("node is needed to run doiuse-email ({e}); `bash scripts/test.sh` installs it")
        });
    assert!(
        output.status.success(),
        "doiuse-email failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("doiuse-email's JSON");
    let errors: Vec<_> = result
        .as_object()
        .expect("an object")
        .iter()
        .filter(|(_, errors)| errors.as_array().is_some_and(|e| !e.is_empty()))
        .collect();
    assert!(
        errors.is_empty(),
        "what Gmail or Apple Mail drop in the email body: {errors:#?}"
    );
    assert_eq!(result.as_object().map(|o| o.len()), Some(files.len() * 2));
}
