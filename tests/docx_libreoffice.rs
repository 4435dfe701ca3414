//! Proof that a real office suite reads report.docx: LibreOffice converts it to PDF and
//! the PDF's text holds the title, metric names, formatted values and callouts.
//!
//! Needs `soffice` (Debian `libreoffice-writer`) and `pdftotext` (`poppler-utils`);
//! `bash .ci/run` installs both. Without them this test fails: a skipped test would
//! let a broken document ship. Set `AIKPI_DOCX_KEEP=DIR` to keep the .docx and .pdf.

mod docx_fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use docx_fixture::render_docx;

const INSTALL_HINT: &str =
    "run `bash .ci/run` (it installs libreoffice-writer and poppler-utils), \
     or `apt-get install -y libreoffice-writer poppler-utils`";

/// Runs a tool, failing the test with an install hint when it is missing and killing it
/// when it hangs (a first LibreOffice start on a slow machine takes tens of seconds).
fn run(program: &str, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{program}` ({e}): {INSTALL_HINT}"));
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                panic!("`{program}` did not finish within {limit:?}");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("waiting for `{program}`: {e}"),
        }
    }
    let output = child.wait_with_output().expect("collect output");
    assert!(
        output.status.success(),
        "`{program} {}` failed: {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn libreoffice_reads_the_report_and_prints_its_content() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out: PathBuf = std::env::var_os("AIKPI_DOCX_KEEP")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("out"));
    std::fs::create_dir_all(&out).expect("output dir");
    let docx_path = out.join("report.docx");
    let review = docx_fixture::october_review();
    let bytes = render_docx(&review, &docx_fixture::charts()).expect("render docx");
    std::fs::write(&docx_path, bytes).expect("write docx");

    // A fresh profile: no interference from (or with) a LibreOffice the user has open.
    let profile = format!(
        "-env:UserInstallation={}",
        file_url(&dir.path().join("profile"))
    );
    let out_str = out.to_str().expect("utf-8 path");
    let docx_str = docx_path.to_str().expect("utf-8 path");
    run(
        "soffice",
        &[
            &profile,
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            out_str,
            docx_str,
        ],
        Duration::from_secs(300),
    );
    let pdf = out.join("report.pdf");
    assert!(pdf.exists(), "LibreOffice wrote no PDF");
    let text = run(
        "pdftotext",
        &[pdf.to_str().expect("utf-8 path"), "-"],
        Duration::from_secs(60),
    );
    // Line breaks fall wherever the layout puts them: compare words, not lines.
    let text = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for expected in [
        "AI support monthly business review — October 2026",
        "Executive summary",
        "Layer 2 — Resolution",
        "24h return rate",
        "Deflection rate",
        "12.0%",
        "USD 3.59",
        "Deflection may include customers who gave up",
        "What to check:",
        "Trends over the last 3 months",
        "Definitions",
    ] {
        assert!(
            text.contains(expected),
            "the PDF lacks {expected:?}:\n{text}"
        );
    }
    // The charts survive as images: `pdfimages -list` prints two header lines, then one
    // line per image.
    let images = run(
        "pdfimages",
        &["-list", pdf.to_str().expect("utf-8 path")],
        Duration::from_secs(60),
    );
    let listed = String::from_utf8_lossy(&images.stdout)
        .lines()
        .count()
        .saturating_sub(2);
    assert_eq!(
        listed,
        docx_fixture::charts().len(),
        "one image per chart in the PDF"
    );
}
