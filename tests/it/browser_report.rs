//! report.html in a real browser: headless Chromium with networking off must decode
//! every chart, log nothing to the console (no CSP violation, no blocked request, no
//! script error), and show database strings as text; it must fit a 390 px phone and
//! print on A4 with every column of every table on the page. A screenshot is kept
//! under `target/tmp/artifacts/browser/` for people to look at.
//!
//! Chromium is required: without it this test fails (never skips) and says how to get it.

use crate::browser;
use crate::common;
use crate::fonts;
use crate::services;

use std::path::{Path, PathBuf};
use std::process::Output;

use browser::run_chromium_env;

use aikpi::outputs::{charts, html, render_text, Templates};
use aikpi::presentation::{Language, Presentation};

/// Runs headless Chromium on a local file with every network path closed.
fn run_chromium(page: &Path, extra: &[&str]) -> Output {
    run_chromium_env(page, extra, &[])
}

/// Screenshots `report` (the page `page`) into
/// `target/tmp/artifacts/browser/<name>-chromium.png`,
/// keeping the page beside it: the page logs nothing to the console (a CSP violation,
/// a blocked request or a script error would each log one) and the shot is a real image.
fn screenshot(report: &Path, page: &str, name: &str, env: &[(&str, &Path)]) {
    let artifacts = services::artifacts("browser");
    services::keep_artifact(&artifacts.join(format!("{name}.html")), page.as_bytes());
    let shot_path = artifacts.join(format!("{name}-chromium.png"));
    let _ = std::fs::remove_file(&shot_path);
    let shot = run_chromium_env(
        report,
        &[
            "--window-size=1280,2400",
            &format!("--screenshot={}", shot_path.display()),
        ],
        env,
    );
    let console = console_messages(&shot.stderr);
    assert!(console.is_empty(), "console messages: {console:#?}");
    let png = std::fs::read(&shot_path).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real screenshot"
    );
}

/// Console messages from the page (Chromium logs them as `INFO:CONSOLE`).
fn console_messages(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect()
}

#[test]
fn report_html_renders_in_headless_chromium() {
    let review = common::fixture_review();
    let p = Presentation::default();
    let charts = charts::draw_all(&review, &p).expect("charts");
    let templates = Templates::new(None).expect("templates");
    let page = render_text(&html::Html, &review, &p, &charts, &templates).expect("html");

    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report.html");
    std::fs::write(&report, &page).expect("write report.html");

    // 1. The report as shipped: no console message at all (a CSP violation, a blocked
    //    request or a script error would each log one), and a screenshot to keep.
    screenshot(&report, &page, "report", &[]);

    // 2. A copy with a probe script (the report's CSP forbids scripts, so the copy
    //    allows inline ones): every <img> decoded, no resource fetched, the hostile
    //    channel name present as text.
    let xss = serde_json::to_string(common::XSS_CHANNEL)
        .expect("json string")
        .replace("</", "<\\/");
    let probe = format!(
        r#"<script>
function aikpiProbe() {{
  const imgs = Array.from(document.images);
  const result = {{
    images: imgs.length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    resources: performance.getEntriesByType('resource').map(e => e.name),
    xssAsText: document.body.innerText.includes({xss}),
    scripts: document.scripts.length
  }};
  const pre = document.createElement('pre');
  pre.id = 'aikpi-probe';
  // The markers are split in the source so that only the result carries them whole.
  pre.textContent = 'AIKPI' + '_PROBE_START' + JSON.stringify(result) + 'AIKPI' + '_PROBE_END';
  document.body.appendChild(pre);
}}
if (document.readyState === 'complete') aikpiProbe(); else window.addEventListener('load', aikpiProbe);
</script>
</body>"#
    );
    assert!(
        page.contains("default-src 'none'"),
        "the report carries its CSP"
    );
    let probed = page
        .replacen(
            "default-src 'none';",
            "default-src 'none'; script-src 'unsafe-inline';",
            1,
        )
        .replacen("</body>", &probe, 1);
    let probe_page = dir.path().join("probe.html");
    std::fs::write(&probe_page, probed).expect("write probe page");
    let dump = run_chromium(&probe_page, &["--dump-dom", "--virtual-time-budget=10000"]);
    let dom = String::from_utf8_lossy(&dump.stdout);
    let json = dom
        .split_once("AIKPI_PROBE_START")
        .and_then(|(_, rest)| rest.split_once("AIKPI_PROBE_END"))
        .map(|(json, _)| crate::common::decode_entities(json))
        .unwrap_or_else(|| {
            panic!(
                "probe did not run; DOM tail: {}",
                &dom[dom.len().saturating_sub(500)..]
            )
        });
    let result: serde_json::Value = serde_json::from_str(&json).expect("probe JSON");
    assert_eq!(
        result["images"],
        charts.len(),
        "every chart is an <img>: {result}"
    );
    assert_eq!(
        result["broken"],
        serde_json::json!([]),
        "images that did not decode: {result}"
    );
    assert_eq!(
        result["resources"],
        serde_json::json!([]),
        "no resource fetched: {result}"
    );
    assert_eq!(
        result["xssAsText"], true,
        "the channel name shows as text: {result}"
    );
    assert_eq!(result["scripts"], 1, "only the probe is a script: {result}");
    let console = console_messages(&dump.stderr);
    assert!(
        console.is_empty(),
        "console messages with the probe: {console:#?}"
    );
}

/// The report page in a language, with its charts.
fn report_page(language: Language) -> (String, usize) {
    let review = common::fixture_sample_review();
    let p = Presentation::new(language);
    let charts = charts::draw_all(&review, &p).expect("charts");
    let templates = Templates::new(None).expect("templates");
    let page = render_text(&html::Html, &review, &p, &charts, &templates).expect("html");
    (page, charts.len())
}

/// The page with a script allowed and `script` run at load; its result (a JSON value
/// the script passes to `aikpiDone`) is read back from the dumped DOM.
fn probe(
    page: &str,
    dir: &Path,
    name: &str,
    script: &str,
    env: &[(&str, &Path)],
) -> serde_json::Value {
    let probed = page
        .replacen(
            "default-src 'none';",
            "default-src 'none'; script-src 'unsafe-inline';",
            1,
        )
        .replacen(
            "</body>",
            &format!(
                "<script>\nfunction aikpiDone(result) {{\n  const pre = document.createElement('pre');\n  pre.textContent = 'AIKPI' + '_PROBE_START' + JSON.stringify(result) + 'AIKPI' + '_PROBE_END';\n  document.body.appendChild(pre);\n}}\n{script}\n</script>\n</body>"
            ),
            1,
        );
    let path = dir.join(name);
    std::fs::write(&path, probed).expect("write probe page");
    let dump = run_chromium_env(&path, &["--dump-dom", "--virtual-time-budget=30000"], env);
    let dom = String::from_utf8_lossy(&dump.stdout);
    let json = dom
        .split_once("AIKPI_PROBE_START")
        .and_then(|(_, rest)| rest.split_once("AIKPI_PROBE_END"))
        .map(|(json, _)| crate::common::decode_entities(json))
        .unwrap_or_else(|| {
            panic!(
                "{name}: the probe did not finish; DOM tail: {}",
                &dom[dom.len().saturating_sub(500)..]
            )
        });
    serde_json::from_str(&json).expect("probe JSON")
}

#[test]
fn the_zh_cn_report_renders_in_chinese_in_headless_chromium() {
    let (page, charts) = report_page(Language::ZhCn);
    assert!(page.contains("<html lang=\"zh-CN\">"));
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = fonts::bundled_fontconfig(dir.path());
    let env = [("FONTCONFIG_FILE", conf.as_path())];
    let report = dir.path().join("report.html");
    std::fs::write(&report, &page).expect("write report.html");

    screenshot(&report, &page, "report-zh-CN", &env);

    // The page as the browser reads it: Chinese headings, every chart decoded, and
    // Chinese glyphs drawn in the page's font: two different characters must ink a
    // canvas differently (missing glyphs would be the same box each time).
    let result = probe(
        &page,
        dir.path(),
        "probe-zh.html",
        r#"window.addEventListener('load', () => {
  const h1 = document.querySelector('h1').innerText;
  const draw = (ch) => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 64;
    const g = c.getContext('2d');
    g.fillStyle = '#fff'; g.fillRect(0, 0, 64, 64);
    g.fillStyle = '#000'; g.font = '48px ' + getComputedStyle(document.body).fontFamily;
    g.textBaseline = 'top'; g.fillText(ch, 4, 4);
    return g.getImageData(0, 0, 64, 64).data;
  };
  const a = draw('覆'), b = draw('盖');
  let inked = 0, differ = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (a[i] < 128) inked++;
    if ((a[i] < 128) !== (b[i] < 128)) differ++;
  }
  aikpiDone({
    lang: document.documentElement.lang,
    h1,
    h2: Array.from(document.querySelectorAll('h2')).map(h => h.innerText),
    images: document.images.length,
    broken: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length,
    inked,
    differ
  });
});"#,
        &env,
    );
    assert_eq!(result["lang"], "zh-CN");
    assert_eq!(result["h1"], "2026年10月", "{result}");
    assert_eq!(result["h2"][0], "管理层摘要", "{result}");
    assert_eq!(result["images"], charts);
    assert_eq!(result["broken"], 0, "{result}");
    assert!(
        result["inked"].as_u64().unwrap_or(0) > 100,
        "a CJK glyph inks the canvas: {result}"
    );
    assert!(
        result["differ"].as_u64().unwrap_or(0) > 100,
        "覆 and 盖 are drawn as different glyphs, not boxes: {result}"
    );
}

/// axe-core, as scripts/test.sh installs it from the npm registry.
fn axe_source() -> String {
    let path = std::env::var_os("AIKPI_AXE_CORE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/axe/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is not installed at {} ({e}), so report.html cannot be checked for \
             WCAG 2 AA. Run the suite with `bash scripts/test.sh` (it installs axe-core \
             from the npm registry), or set AIKPI_AXE_CORE to axe.min.js.",
            path.display()
        )
    })
}

#[test]
fn report_html_has_no_wcag_2_aa_violation_in_either_language_on_screen_and_phone() {
    let axe = axe_source().replace("</script", "<\\/script");
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = fonts::bundled_fontconfig(dir.path());
    let env = [("FONTCONFIG_FILE", conf.as_path())];
    for language in Language::ALL {
        let (page, _) = report_page(language);
        let script = format!(
            "{axe}\nwindow.addEventListener('load', () => {{\n  axe.run(document, {{ runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }}, resultTypes: ['violations'] }})\n    .then(r => aikpiDone({{ violations: r.violations.map(v => ({{ id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary) }})) }}))\n    .catch(e => aikpiDone({{ error: String(e) }}));\n}});"
        );
        let result = probe(
            &page,
            dir.path(),
            &format!("axe-{language}.html"),
            &script,
            &env,
        );
        assert_eq!(result["error"], serde_json::Value::Null, "{result}");
        assert_eq!(
            result["violations"],
            serde_json::json!([]),
            "{language}: WCAG 2 AA violations in report.html:\n{:#}",
            result["violations"]
        );
        // On a phone the metric tables stack and the charts scroll in their own box.
        let result = browser::probe_at(
            &page,
            dir.path(),
            &format!("axe-phone-{language}"),
            browser::PHONE_WIDTH,
            &script,
            &env,
        );
        assert_eq!(result["error"], serde_json::Value::Null, "{result}");
        assert_eq!(
            result["violations"],
            serde_json::json!([]),
            "{language}: WCAG 2 AA violations in report.html at 390 px:\n{:#}",
            result["violations"]
        );
    }
}

/// The pages whose layout must hold, in a language: the sample (trap evidence, every
/// chart) and the drill-down fixture (segment tables in parts, events, long issue ids).
fn layout_pages(language: Language) -> Vec<(&'static str, String)> {
    let page = |review: &aikpi::review::Review| {
        let p = Presentation::new(language);
        let charts = charts::draw_all(review, &p).expect("charts");
        let templates = Templates::new(None).expect("templates");
        render_text(&html::Html, review, &p, &charts, &templates).expect("html")
    };
    vec![
        ("sample", page(&common::fixture_sample_review())),
        ("drilldown", page(&common::fixture_drilldown_review())),
    ]
}

#[test]
fn report_html_fits_a_390_px_phone_in_either_language() {
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = fonts::bundled_fontconfig(dir.path());
    let env = [("FONTCONFIG_FILE", conf.as_path())];
    for language in Language::ALL {
        for (name, page) in layout_pages(language) {
            let layout = browser::layout_at(
                &page,
                dir.path(),
                &format!("phone-{name}-{language}"),
                browser::PHONE_WIDTH,
                &env,
            );
            let what = format!("report.html ({name}, {language}) at 390 px");
            browser::assert_fits(&what, &layout, browser::PHONE_WIDTH);
            // Shrunk to the phone's width a chart's text would be 4 px high: each is
            // shown at the width it was drawn for, scrolling inside its figure.
            let images = layout["images"].as_array().expect("images");
            assert!(!images.is_empty(), "{what}: the charts are there");
            for image in images {
                assert_eq!(
                    image[0], image[1],
                    "{what}: drawn vs shown width: {layout:#}"
                );
            }
        }
    }
}

#[test]
fn report_html_laid_out_for_print_keeps_every_box_inside_the_a4_width_with_no_scrollbar() {
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = fonts::bundled_fontconfig(dir.path());
    let env = [("FONTCONFIG_FILE", conf.as_path())];
    for language in Language::ALL {
        for (name, page) in layout_pages(language) {
            let what = format!("report.html ({name}, {language}) laid out for A4");
            let layout = browser::layout_at(
                &browser::as_printed(&page),
                dir.path(),
                &format!("print-{name}-{language}"),
                browser::A4_CONTENT_WIDTH,
                &env,
            );
            browser::assert_fits(&what, &layout, browser::A4_CONTENT_WIDTH);
            assert_eq!(
                layout["scrollbars"],
                serde_json::json!([]),
                "{what}: boxes that would print a scrollbar: {layout:#}"
            );
            assert_eq!(
                layout["clipped"],
                serde_json::json!([]),
                "{what}: boxes that would clip their content: {layout:#}"
            );
        }
    }
}

#[test]
fn report_html_printed_to_a4_by_chromium_shows_every_column_of_every_table_inside_the_margins() {
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = fonts::bundled_fontconfig(dir.path());
    let env = [("FONTCONFIG_FILE", conf.as_path())];
    for language in Language::ALL {
        for (name, page) in layout_pages(language) {
            let what = format!("report.html ({name}, {language}) printed to A4");
            let pdf =
                browser::print_to_pdf(&page, dir.path(), &format!("a4-{name}-{language}"), &env);
            let words = browser::pdf_words(&pdf);
            assert!(!words.is_empty(), "{what}: the PDF has text");
            // A clipped column shows as words cut at, or running past, the right margin.
            let margin = browser::A4_SIDE_MARGIN_PT;
            let outside: Vec<_> = words
                .iter()
                .filter(|w| w.x_min < margin - 1.0 || w.x_max > w.page_width - margin + 1.0)
                .collect();
            assert!(
                outside.is_empty(),
                "{what}: words outside the page's content box: {outside:#?}"
            );
            // Every header of every table is printed whole, once per table at least.
            let text = browser::pdf_text_squeezed(&pdf);
            let mut headers = std::collections::BTreeMap::<String, usize>::new();
            for h in browser::header_cells(&page) {
                let squeezed: String = h.chars().filter(|c| !c.is_whitespace()).collect();
                *headers.entry(squeezed.to_uppercase()).or_default() += 1;
            }
            assert!(!headers.is_empty(), "{what}: the page has tables");
            for (header, count) in headers {
                assert!(
                    text.matches(&header).count() >= count,
                    "{what}: the column header {header:?} is printed fewer than {count} times"
                );
            }
        }
    }
}
