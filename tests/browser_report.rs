//! report.html in a real browser: headless Chromium with networking off must decode
//! every chart, log nothing to the console (no CSP violation, no blocked request, no
//! script error), and show database strings as text. A screenshot is kept under
//! `tests/artifacts/` for people to look at.
//!
//! Chromium is required: without it this test fails (never skips) and says how to get it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use aikpi::outputs::{charts, html, render_text, Templates};
use aikpi::presentation::Presentation;

fn chromium() -> PathBuf {
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

/// Runs headless Chromium on a local file with every network path closed.
fn run_chromium(page: &Path, extra: &[&str]) -> Output {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut cmd = Command::new(chromium());
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

/// Console messages from the page (Chromium logs them as `INFO:CONSOLE`).
fn console_messages(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
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
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifact dir");
    std::fs::write(artifacts.join("report.html"), &page).expect("keep report.html");
    let screenshot = artifacts.join("report-chromium.png");
    let _ = std::fs::remove_file(&screenshot);
    let shot = run_chromium(
        &report,
        &[
            "--window-size=1280,2400",
            &format!("--screenshot={}", screenshot.display()),
        ],
    );
    let console = console_messages(&shot.stderr);
    assert!(console.is_empty(), "console messages: {console:#?}");
    let png = std::fs::read(&screenshot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real screenshot"
    );

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
        .map(|(json, _)| unescape(json))
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
