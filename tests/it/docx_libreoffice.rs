//! Proof that a real office suite reads report.docx: LibreOffice converts it to PDF and
//! the PDF's text holds the title, metric names, formatted values and callouts.
//!
//! Needs `soffice` (Debian `libreoffice-writer`) and `pdftotext` (`poppler-utils`);
//! `bash .ci/run` installs both. Without them this test fails: a skipped test would
//! let a broken document ship. Set `AIKPI_DOCX_KEEP=DIR` to keep the .docx and .pdf.

use crate::docx_fixture;
use crate::fonts;
use crate::services;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use aikpi::presentation::Language;
use docx_fixture::{render_docx, render_docx_in};

const INSTALL_HINT: &str =
    "run `bash .ci/run` (it installs libreoffice-writer and poppler-utils), \
     or `apt-get install -y libreoffice-writer poppler-utils`";

/// Runs a tool, failing the test with an install hint when it is missing and killing it
/// when it hangs (a first LibreOffice start on a slow machine takes tens of seconds).
fn run(program: &str, args: &[&str], limit: Duration) -> Output {
    run_env(program, args, limit, &[])
}

/// [`run`] with extra environment variables.
fn run_env(program: &str, args: &[&str], limit: Duration, env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(program);
    for (key, value) in env {
        command.env(key, value);
    }
    let child = command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{program}` ({e}): {INSTALL_HINT}"));
    // Its output is read while it runs: a converter that prints more than a pipe buffer
    // would otherwise block forever on a full pipe.
    let output = services::finish_within(child, limit, &format!("`{program}`"));
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

/// One LibreOffice start at a time. Two first starts in fresh profiles at once can abort
/// in `dp_misc::syncRepositories` (both sync the shared bundled-extension repository):
/// seen on CI as "Fatal exception: Signal 6", a crash of the office suite, not of the
/// document. The tests in this file run on parallel threads, so they take this lock.
static SOFFICE: Mutex<()> = Mutex::new(());

/// Converts a .docx to PDF with LibreOffice in a fresh profile under `scratch` (no
/// interference from, or with, a LibreOffice the user has open); returns the PDF.
fn convert_to_pdf(docx: &Path, out: &Path, scratch: &Path, env: &[(&str, &Path)]) -> PathBuf {
    // A test that panicked while holding the lock leaves nothing half-done behind it.
    let _one_at_a_time = SOFFICE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let profile = format!(
        "-env:UserInstallation={}",
        file_url(&scratch.join("profile"))
    );
    run_env(
        "soffice",
        &[
            &profile,
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            out.to_str().expect("utf-8 path"),
            docx.to_str().expect("utf-8 path"),
        ],
        Duration::from_secs(300),
        env,
    );
    let pdf = out.join(docx.with_extension("pdf").file_name().expect("a file name"));
    assert!(pdf.exists(), "LibreOffice wrote no PDF");
    pdf
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

    let pdf = convert_to_pdf(&docx_path, &out, dir.path(), &[]);
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

#[test]
fn libreoffice_prints_the_zh_cn_report_with_chinese_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("output dir");
    let docx_path = out.join("report.docx");
    let bytes = render_docx_in(
        &docx_fixture::october_review(),
        &docx_fixture::charts(),
        Language::ZhCn,
    )
    .expect("render docx");
    let styles = {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("a zip");
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("word/styles.xml").expect("styles"),
            &mut xml,
        )
        .expect("utf-8");
        xml
    };
    assert!(
        styles.contains("w:eastAsia=\"Microsoft YaHei\""),
        "an East Asian font in the styles"
    );
    std::fs::write(&docx_path, bytes).expect("write docx");

    let conf = fonts::bundled_fontconfig(dir.path());
    let env = [("FONTCONFIG_FILE", conf.as_path())];
    let pdf = convert_to_pdf(&docx_path, &out, dir.path(), &env);
    let pdf_str = pdf.to_str().expect("utf-8 path");
    let text = run("pdftotext", &[pdf_str, "-"], Duration::from_secs(60));
    let text = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for expected in [
        // pdftotext puts a space between Chinese and digits ("2026 年 10 月").
        "AI 客服月度经营回顾 — 2026 年 10 月",
        "管理层摘要",
        "数据背后的风险",
        "第 2 层 — 解决",
        "24 小时重复进线率",
        "核查建议：",
        "指标定义",
    ] {
        assert!(
            text.contains(expected),
            "the PDF lacks {expected:?}:\n{text}"
        );
    }
    // The Chinese text is set in a font that has its glyphs, embedded in the PDF.
    let fonts = run_env("pdffonts", &[pdf_str], Duration::from_secs(60), &env);
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(
        fonts.contains("WenQuanYi") || fonts.contains("WenQuanYiMicroHei"),
        "a CJK font is embedded: {fonts}"
    );
}
