//! Headless Chromium for the tests that look at a page the way a reader does: run it
//! with every network path closed, and measure a page's layout on a phone's width, in
//! print emulation at the A4 content width, and printed to a real A4 PDF.
//!
//! Chromium is required: without it these tests fail (never skip) and say how to get it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// The width of the phone the layout must fit (an iPhone 12–15 in CSS pixels).
pub const PHONE_WIDTH: u32 = 390;

/// The width of A4's content box under report.css's `@page` margins (210 mm − 2 × 12 mm
/// = 186 mm) in CSS pixels (96 per inch).
pub const A4_CONTENT_WIDTH: u32 = 703;

/// The A4 page margin left and right in PDF points (12 mm), as report.css's `@page` sets it.
pub const A4_SIDE_MARGIN_PT: f64 = 12.0 * 72.0 / 25.4;

pub fn chromium() -> PathBuf {
    let candidates = [
        std::env::var_os("AIKPI_CHROMIUM").map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
        Some(PathBuf::from("/usr/bin/chromium-browser")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "Chromium is not installed, so report.html cannot be checked in a browser. \
                 Run the suite with `bash .ci/run` (it installs Debian's chromium), or \
                 `apt-get install -y chromium`, or point AIKPI_CHROMIUM at a binary."
            )
        })
}

/// Runs headless Chromium on a local file with every network path closed, with extra
/// environment variables (a fontconfig file).
pub fn run_chromium_env(page: &Path, extra: &[&str], env: &[(&str, &Path)]) -> Output {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut cmd = Command::new(chromium());
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        // Network off: no name resolves and every request goes to a closed port.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra)
    .arg(format!("file://{}", page.display()));
    // Output goes to files, not pipes: the dumped DOM (charts inlined) is far larger
    // than a pipe buffer, and nothing reads a pipe while we wait for the exit.
    let logs = tempfile::tempdir().expect("log dir");
    let (out_path, err_path) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = cmd
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("start chromium");
    // A hung browser must not hang the suite.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().expect("wait chromium").is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = Output {
        status: child.wait().expect("chromium status"),
        stdout: std::fs::read(&out_path).expect("stdout"),
        stderr: std::fs::read(&err_path).expect("stderr"),
    };
    assert!(
        output.status.success(),
        "chromium failed on {}: {}",
        page.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Measures the page it runs in (`aikpiLayout()`): the viewport's width, the document's scroll width,
/// every element box that reaches past the viewport without a scrolling box around it,
/// every table or figure wider than its container without one, every element that
/// scrolls sideways, every element that clips its content sideways, column headers
/// whose text runs into the next one's, and each image's drawn and shown width.
const LAYOUT_PROBE: &str = r#"
function aikpiLayout() {
  const width = document.documentElement.clientWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
    ' "' + (el.textContent || el.getAttribute('alt') || '').trim().replace(/\s+/g, ' ').slice(0, 40) + '"';
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const inScroller = el => { for (let p = el.parentElement; p; p = p.parentElement) if (scrolls(p)) return true; return false; };
  const outside = [], wider = [], scrollbars = [], clipped = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const box = Math.round(r.left) + '..' + Math.round(r.right);
    if ((r.left < -0.5 || r.right > width + 0.5) && !inScroller(el)) outside.push(name(el) + ' ' + box);
    if (['TABLE', 'FIGURE', 'IMG'].includes(el.tagName) && el.parentElement &&
        r.width > el.parentElement.clientWidth + 0.5 && !inScroller(el)) wider.push(name(el) + ' ' + box);
    if (el.scrollWidth > el.clientWidth + 1) {
      const o = getComputedStyle(el).overflowX;
      if (o === 'auto' || o === 'scroll') scrollbars.push(name(el));
      // A box that hides what does not fit; a visually hidden header row is meant to.
      if ((o === 'hidden' || o === 'clip') && el.clientWidth > 1) clipped.push(name(el));
    }
  }
  // Column headers whose words run into the next header's ("VALUEPREVIOUSCHANGE").
  const crowded = [];
  const textBox = el => { const r = document.createRange(); r.selectNodeContents(el); return r.getBoundingClientRect(); };
  // A header row kept for screen readers only sits in a 1 px box that hides it.
  const visuallyHidden = el => { for (let p = el; p; p = p.parentElement) { if (p.getBoundingClientRect().width <= 1 && getComputedStyle(p).overflow === 'hidden') return true; } return false; };
  for (const row of document.querySelectorAll('thead tr, tr:has(> th)')) {
    if (visuallyHidden(row)) continue;
    const cells = Array.from(row.children).filter(c => c.tagName === 'TH' && c.getClientRects().length > 0 && c.clientWidth > 1);
    for (let i = 1; i < cells.length; i++) {
      const a = textBox(cells[i - 1]), b = textBox(cells[i]);
      const sameLine = a.top < b.bottom && b.top < a.bottom;
      if (a.width > 0 && b.width > 0 && sameLine && b.left - a.right < 4)
        crowded.push(cells[i - 1].textContent.trim() + ' | ' + cells[i].textContent.trim());
    }
  }
  // Each image's width attribute (the size it was drawn for) beside the width shown.
  const images = Array.from(document.images).map(i => [Number(i.getAttribute('width')), Math.round(i.getBoundingClientRect().width)]);
  return { width, scrollWidth: document.documentElement.scrollWidth, outside, wider, scrollbars, clipped, crowded, images };
}
"#;

/// The layout of `page` (a self-contained HTML page) as Chromium lays it out `width`
/// CSS pixels wide, measured by [`LAYOUT_PROBE`] once every image has loaded.
pub fn layout_at(
    page: &str,
    dir: &Path,
    name: &str,
    width: u32,
    env: &[(&str, &Path)],
) -> serde_json::Value {
    let script =
        format!("{LAYOUT_PROBE}\nwindow.addEventListener('load', () => aikpiDone(aikpiLayout()));");
    probe_at(page, dir, name, width, &script, env)
}

/// Runs `script` in `page` laid out `width` CSS pixels wide and returns the value the
/// script passes to `aikpiDone`. Headless Chromium's window is never narrower than
/// 500 px, so the page is shown in a frame of that width, which is the viewport its
/// media queries and boxes see; the frame posts the result to the page around it.
pub fn probe_at(
    page: &str,
    dir: &Path,
    name: &str,
    width: u32,
    script: &str,
    env: &[(&str, &Path)],
) -> serde_json::Value {
    // The report's CSP forbids scripts; the measured copy allows inline ones. A page
    // without a CSP (the email body) gets the script all the same.
    let framed = page
        .replacen(
            "default-src 'none';",
            "default-src 'none'; script-src 'unsafe-inline';",
            1,
        )
        .replacen(
            "</body>",
            &format!(
                "<script>\nfunction aikpiDone(result) {{ parent.postMessage(JSON.stringify(result), '*'); }}\n{script}\n</script>\n</body>"
            ),
            1,
        );
    let inner = dir.join(format!("{name}-page.html"));
    std::fs::write(&inner, framed).expect("write the measured page");
    let outer = dir.join(format!("{name}.html"));
    std::fs::write(
        &outer,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\">\n<iframe src=\"{}\" title=\"page\" style=\"display:block;border:0;width:{width}px;height:2400px\"></iframe>\n<pre id=\"result\"></pre>\n<script>\nwindow.addEventListener('message', e => {{ document.getElementById('result').textContent = 'AIKPI' + '_PROBE_START' + e.data + 'AIKPI' + '_PROBE_END'; }});\n</script>\n</body></html>",
            inner.file_name().and_then(|n| n.to_str()).expect("file name")
        ),
    )
    .expect("write the frame page");
    let window = format!("--window-size={},2600", width.max(500) + 40);
    let dump = run_chromium_env(
        &outer,
        &["--dump-dom", "--virtual-time-budget=30000", &window],
        env,
    );
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

/// `page` with its print rules applied on screen and its screen-only rules off, the
/// way Chromium applies them when it prints: `@media print` becomes `@media all` and
/// `@media screen` becomes `@media print`.
pub fn as_printed(page: &str) -> String {
    page.replace("@media print", "@media aikpi-print")
        .replace("@media screen", "@media print")
        .replace("@media aikpi-print", "@media all")
}

/// Asserts the measured layout fits its width: the document does not scroll sideways,
/// and no element box, table or figure reaches past it outside a scrolling box.
pub fn assert_fits(what: &str, layout: &serde_json::Value, width: u32) {
    assert_eq!(layout["width"], width, "{what}: the viewport: {layout:#}");
    assert!(
        layout["scrollWidth"].as_u64().unwrap_or(u64::MAX) <= u64::from(width),
        "{what}: the page scrolls sideways: {layout:#}"
    );
    assert_eq!(
        layout["outside"],
        serde_json::json!([]),
        "{what}: boxes past the edge: {layout:#}"
    );
    assert_eq!(
        layout["wider"],
        serde_json::json!([]),
        "{what}: tables or figures wider than their container: {layout:#}"
    );
    assert_eq!(
        layout["crowded"],
        serde_json::json!([]),
        "{what}: column headers run into each other: {layout:#}"
    );
}

/// Prints `page` to an A4 PDF with Chromium (`--print-to-pdf`, no header or footer)
/// and returns the PDF's path.
pub fn print_to_pdf(page: &str, dir: &Path, name: &str, env: &[(&str, &Path)]) -> PathBuf {
    let html = dir.join(format!("{name}.html"));
    std::fs::write(&html, page).expect("write the page to print");
    let pdf = dir.join(format!("{name}.pdf"));
    run_chromium_env(
        &html,
        &[
            &format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer",
        ],
        env,
    );
    assert!(pdf.is_file(), "{name}: chromium wrote no PDF");
    pdf
}

/// One word poppler found on a PDF page, with its box in points.
#[derive(Debug)]
// `page` and `text` are read only through Debug, in the failure messages.
#[allow(dead_code)]
pub struct PdfWord {
    pub page: usize,
    pub page_width: f64,
    pub x_min: f64,
    pub x_max: f64,
    pub text: String,
}

fn pdftotext(args: &[&str], pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(args)
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "pdftotext (poppler-utils) is needed to read the printed report ({e}); \
                 run the suite with `bash scripts/test.sh`, which installs it"
            )
        });
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
}

/// Every word of the PDF with its page and box (`pdftotext -bbox`).
pub fn pdf_words(pdf: &Path) -> Vec<PdfWord> {
    let xml = pdftotext(&["-bbox"], pdf);
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let from = tag.find(&key).expect("attribute") + key.len();
        let len = tag[from..].find('"').expect("closing quote");
        tag[from..from + len].parse().expect("a number")
    };
    let mut words = Vec::new();
    for (index, page) in xml.split("<page ").skip(1).enumerate() {
        let page_width = attr(page, "width");
        for word in page.split("<word ").skip(1) {
            let (tag, rest) = word.split_once('>').expect("word tag");
            let text = rest.split_once("</word>").map_or(rest, |(t, _)| t);
            words.push(PdfWord {
                page: index + 1,
                page_width,
                x_min: attr(tag, "xMin"),
                x_max: attr(tag, "xMax"),
                text: crate::common::decode_entities(text),
            });
        }
    }
    words
}

/// The PDF's text in drawing order with all white space removed, upper-cased (headers
/// are upper-cased by CSS, and a header may wrap onto two lines).
pub fn pdf_text_squeezed(pdf: &Path) -> String {
    pdftotext(&["-raw"], pdf)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

/// The text of every `<th>` of an HTML page, tags removed and entities decoded.
pub fn header_cells(page: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<th") {
        let after = &rest[start + 3..];
        // `<thead>` is no header cell.
        if !(after.starts_with('>') || after.starts_with(' ')) {
            rest = after;
            continue;
        }
        let open_end = after.find('>').expect("end of <th>") + 1;
        let close = after.find("</th>").expect("</th>");
        let inner = &after[open_end..close];
        let mut text = String::new();
        let mut in_tag = false;
        for c in inner.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        cells.push(crate::common::decode_entities(&text));
        rest = &after[close..];
    }
    cells
}
