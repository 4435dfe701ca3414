//! `report.pdf` (issue 25): typeset in-process with Typst from bundled fonts only, and
//! checked with the tools a reader's machine has — poppler (`pdfinfo`, `pdffonts`,
//! `pdftotext`, `pdftoppm`) and `qpdf`. They are installed by scripts/test.sh; a missing
//! one fails the test.

use crate::cli_support;

use std::path::Path;
use std::process::Command;

use aikpi::aggregates::Aggregates;
use aikpi::outputs::pdf::fonts::{FontFile, Fonts};
use aikpi::outputs::pdf::{typeset, Job, PdfError};
use aikpi::presentation::{Language, Presentation};
use aikpi::review::settings::ReviewSettings;
use aikpi::review::{self, ReviewContext};
use chrono::{DateTime, Utc};
use cli_support::*;

fn clock() -> DateTime<Utc> {
    NOW.parse().expect("test clock")
}

/// A small template reading `data.json`, the way the real one reads its document.
const TINY: &str = r#"#let d = json("data.json")
#set page(paper: "a4")
#set text(font: ("Noto Sans", "WenQuanYi Micro Hei"))
= #d.title
#d.body
"#;

fn tiny(title: &str, body: &str) -> Result<Vec<u8>, PdfError> {
    let data = serde_json::json!({ "title": title, "body": body });
    typeset(Job {
        origin: "the test template",
        template: TINY,
        files: vec![("data.json".to_string(), data.to_string().into_bytes())],
        now: clock(),
    })
}

/// Runs a tool on `pdf` (written to a temporary file) and returns its standard output.
fn tool(program: &str, args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    tool_on(program, args, &path)
}

fn tool_on(program: &str, args: &[&str], path: &Path) -> String {
    let output = Command::new(program)
        .env("TZ", "UTC")
        .args(args)
        .arg(path)
        .args(if program == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} is not installed (scripts/test.sh installs it): {e}")
        });
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("tool output is UTF-8")
}

#[test]
fn every_face_of_the_bundled_fonts_loads_the_cjk_collection_included() {
    let fonts = Fonts::bundled().unwrap();
    let families = fonts.family_names();
    for family in [
        "Noto Sans",
        "WenQuanYi Micro Hei",
        // The second face of wqy-microhei.ttc: every index of the collection is read.
        "WenQuanYi Micro Hei Mono",
    ] {
        assert!(
            families.iter().any(|f| f == family),
            "{family} missing from {families:?}"
        );
    }
}

#[test]
fn the_bundled_fonts_are_parsed_once_per_process() {
    let first = Fonts::bundled().unwrap();
    let second = Fonts::bundled().unwrap();
    // The same faces, not a second parse of the ~5 MB CJK collection.
    assert!(std::ptr::eq(first, second));
}

#[test]
fn a_damaged_font_is_a_clear_error() {
    let broken = FontFile {
        name: "NotoSans-Regular.ttf",
        bytes: b"this is not a font",
    };
    let error = Fonts::load(&[broken], &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot write report.pdf: the bundled font NotoSans-Regular.ttf cannot be used: it \
         holds no font face Typst can read. Rebuild aikpi from an unmodified checkout \
         (assets/fonts, the notosans crate)."
    );
}

#[test]
fn a_missing_font_family_is_a_clear_error() {
    let error = Fonts::load(
        &aikpi::outputs::pdf::fonts::BUNDLED[..1],
        &["WenQuanYi Micro Hei"],
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot write report.pdf: the bundled font WenQuanYi Micro Hei cannot be used: no \
         bundled font file holds this family. Rebuild aikpi from an unmodified checkout \
         (assets/fonts, the notosans crate)."
    );
}

#[test]
fn a_template_asking_for_a_font_that_is_not_bundled_fails_instead_of_substituting() {
    let error = typeset(Job {
        origin: "the test template",
        template: "#set text(font: \"Comic Sans MS\", fallback: false)\nHello",
        files: Vec::new(),
        now: clock(),
    })
    .unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("cannot write report.pdf: the test template failed: report.typ:1: unknown font family: comic sans ms"),
        "{message}"
    );
}

#[test]
fn text_no_bundled_font_draws_is_an_error_not_an_empty_box() {
    // Egyptian hieroglyphs: in neither Noto Sans nor WenQuanYi Micro Hei.
    let error = tiny("Channels", "web and 𓀀").unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot write report.pdf: no bundled font draws '𓀀' (U+13000) (in \"𓀀\"); \
         the PDF uses only Noto Sans and WenQuanYi Micro Hei."
    );
}

#[test]
fn chinese_text_comes_back_from_the_pdf() {
    let pdf = tiny(
        "客服月度回顾 2026年10月",
        "自动化率 62.3%，人工接手 1,299 次。",
    )
    .unwrap();
    // pdftotext puts spaces between Chinese and digits: compare without whitespace.
    let text = squeeze(&tool("pdftotext", &[], &pdf));
    assert!(text.contains("客服月度回顾2026年10月"), "{text}");
    assert!(text.contains("自动化率62.3%，人工接手1,299次。"), "{text}");
    let fonts = tool("pdffonts", &[], &pdf);
    assert!(fonts.contains("WenQuanYiMicroHei"), "{fonts}");
}

#[test]
fn data_is_printed_literally_never_run_as_typst() {
    let hostile = r#"#eval("1+1") ]*_$\ #set page(fill: red) <x> @y // not a comment"#;
    let pdf = tiny(hostile, hostile).unwrap();
    // A long heading wraps: compare without whitespace.
    let text = squeeze(&tool("pdftotext", &[], &pdf));
    assert_eq!(text.matches(&squeeze(hostile)).count(), 2, "{text}");
}

#[test]
fn the_same_input_and_clock_give_the_same_bytes() {
    let first = tiny("October 2026", "Deflection 62.3%").unwrap();
    let second = tiny("October 2026", "Deflection 62.3%").unwrap();
    assert!(first == second, "two runs differ");
    let info = tool("pdfinfo", &[], &first);
    assert!(
        squeeze(&info).contains("CreationDate:FriNov2009:00:002026UTC"),
        "{info}"
    );
}

// --- report.pdf as `aikpi report` writes it -------------------------------------------

/// The sample's review in `lang`, as the report computes it (for the words to look for).
fn sample_view(lang: Language) -> aikpi::presentation::view::ReportView {
    let aggregates: Aggregates =
        serde_json::from_str(aikpi::app::SAMPLE_AGGREGATES).expect("the sample parses");
    let review = review::review(
        &aggregates,
        &ReviewSettings::default(),
        &ReviewContext {
            generated_at: clock(),
            sample: true,
            language: lang.tag().to_string(),
        },
    )
    .expect("the sample reviews");
    aikpi::presentation::view::ReportView::new(&review, &Presentation::new(lang))
}

/// Runs `aikpi report` with `args` into a new folder and returns it and report.pdf's bytes.
fn report_pdf(args: &[&str]) -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    aikpi()
        .arg("report")
        .args(args)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let pdf = std::fs::read(out.join("report.pdf")).expect("report.pdf written");
    (dir, pdf)
}

/// Text without any whitespace: a table cell or a headline may wrap anywhere, and
/// Chinese has no spaces to keep.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_a4_with_pages(pdf: &[u8]) -> usize {
    let info = tool("pdfinfo", &[], pdf);
    assert!(
        // 595.276 x 841.89 pt: poppler prints the width to three decimals.
        info.contains("Page size:       595.276 x 841.89 pts (A4)"),
        "{info}"
    );
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo reports the pages");
    assert!(pages > 1, "{info}");
    pages
}

fn assert_every_font_embedded(pdf: &[u8]) {
    let fonts = tool("pdffonts", &[], pdf);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in rows {
        // name, type (one or two words), encoding, then emb sub uni and the object id.
        let columns: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(columns[columns.len() - 5], "yes", "not embedded: {row}");
    }
}

fn assert_qpdf_checks(pdf: &[u8]) {
    let check = tool("qpdf", &["--check"], pdf);
    assert!(
        check.contains("No syntax or stream encoding errors found"),
        "{check}"
    );
}

/// Every page has ink between its header and footer.
fn assert_no_blank_page(pdf: &[u8], pages: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let prefix = dir.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-r", "30", "-gray"])
        .arg(&path)
        .arg(&prefix)
        .status()
        .expect("pdftoppm is installed (scripts/test.sh installs it)");
    assert!(status.success());
    let mut images: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    images.sort();
    assert_eq!(images.len(), pages);
    for image in images {
        let bytes = std::fs::read(&image).unwrap();
        // P5 <width> <height> 255, then one byte a pixel.
        let header: Vec<&[u8]> = bytes.splitn(5, |b| b.is_ascii_whitespace()).collect();
        let width: usize = std::str::from_utf8(header[1]).unwrap().parse().unwrap();
        let height: usize = std::str::from_utf8(header[2]).unwrap().parse().unwrap();
        let pixels = &header[4][..width * height];
        let body = &pixels[width * height / 8..width * height * 7 / 8];
        let dark = body.iter().filter(|&&p| p < 160).count();
        assert!(
            // A page of two thin trend lines at 30 dpi has ~250 dark pixels; a blank one none.
            dark > body.len() / 2000,
            "{} is blank between header and footer ({dark} dark pixels)",
            image.display()
        );
    }
}

fn assert_says_everything(pdf: &[u8], lang: Language) {
    let text = squeeze(&tool("pdftotext", &[], pdf));
    let view = sample_view(lang);
    let words = Presentation::new(lang).words;
    let mut expected: Vec<String> = vec![
        view.month_name.clone(),
        words.banner_sample_label.to_string(),
    ];
    expected.extend(
        view.layers
            .iter()
            .flat_map(|l| l.rows.iter().map(|r| r.title.to_string())),
    );
    expected.extend(
        view.callouts
            .iter()
            .flat_map(|c| [c.name.to_string(), c.headline.clone()]),
    );
    assert!(view.layers.iter().map(|l| l.rows.len()).sum::<usize>() >= 12);
    assert_eq!(view.callouts.len(), 3);
    for needle in expected {
        assert!(
            text.contains(&squeeze(&needle)),
            "report.pdf does not say {needle:?}"
        );
    }
    // The month and "sample data" on every page (header and footer).
    let pages = tool("pdftotext", &[], pdf);
    for (i, page) in pages
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .enumerate()
    {
        let page = squeeze(page);
        for needle in [&view.month_name, words.banner_sample_label] {
            assert!(
                page.contains(&squeeze(needle)),
                "page {} lacks {needle:?}",
                i + 1
            );
        }
    }
}

#[test]
fn report_sample_writes_an_a4_pdf_every_tool_accepts_in_english() {
    let (_dir, pdf) = report_pdf(&["--sample"]);
    let pages = assert_a4_with_pages(&pdf);
    assert_every_font_embedded(&pdf);
    assert_qpdf_checks(&pdf);
    assert_says_everything(&pdf, Language::En);
    assert_no_blank_page(&pdf, pages);
}

#[test]
fn report_sample_writes_an_a4_pdf_every_tool_accepts_in_chinese() {
    let (_dir, pdf) = report_pdf(&["--sample", "--lang", "zh-CN"]);
    let pages = assert_a4_with_pages(&pdf);
    assert_every_font_embedded(&pdf);
    assert_qpdf_checks(&pdf);
    assert_says_everything(&pdf, Language::ZhCn);
    assert_no_blank_page(&pdf, pages);
}

#[test]
fn two_reports_with_the_same_clock_write_the_same_pdf() {
    let (_a, first) = report_pdf(&["--sample", "--format", "pdf"]);
    let (_b, second) = report_pdf(&["--sample", "--format", "pdf"]);
    assert!(first == second, "report.pdf differs between two runs");
}

#[test]
fn hostile_names_in_the_data_print_literally_in_the_pdf() {
    let channel = r#"#eval("1+1")"#;
    let issue = r"]*_$\ <b>x</b> @ref";
    let mut aggregates: serde_json::Value =
        serde_json::from_str(aikpi::app::SAMPLE_AGGREGATES).unwrap();
    for month in aggregates["months"].as_array_mut().unwrap() {
        for [table, key] in [["conversations", "channels"], ["segments", "channels"]] {
            // Months before the segments were measured have none.
            let Some(map) = month
                .pointer_mut(&format!("/{table}/{key}"))
                .and_then(|v| v.as_object_mut())
            else {
                continue;
            };
            let email = map.remove("email").expect("the sample has email");
            map.insert(channel.to_string(), email);
        }
        for segment in month
            .pointer_mut("/segments/issues")
            .and_then(|v| v.as_array_mut())
            .into_iter()
            .flatten()
        {
            if segment["issue_key"] == "order.where_is_my_order" {
                segment["issue_key"] = issue.into();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("aggregates.json");
    std::fs::write(&file, aggregates.to_string()).unwrap();
    let (_out, pdf) = report_pdf(&["--from", file.to_str().unwrap(), "--format", "pdf"]);
    let text = tool("pdftotext", &[], &pdf);
    assert!(text.contains(channel), "{text}");
    assert!(text.contains(issue), "{text}");
}

#[test]
fn a_broken_report_typ_in_the_template_folder_fails_with_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.typ"), "#let x = \n#nonsense(").unwrap();
    let out = dir.path().join("report");
    let output = aikpi()
        .args(["report", "--sample", "--format", "pdf", "--templates"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let message = failure(&output, 4);
    assert_mentions(
        &message,
        &["report.pdf", "report.typ of template folder", "report.typ:"],
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn report_pdf_is_listed_in_the_manifest_of_written_files() {
    let (dir, pdf) = report_pdf(&["--sample"]);
    let manifest = std::fs::read_to_string(dir.path().join("report").join(".aikpi-report"))
        .expect("the manifest is written");
    let line = manifest
        .lines()
        .find(|l| l.ends_with(" report.pdf"))
        .unwrap_or_else(|| panic!("report.pdf not in the manifest:\n{manifest}"));
    assert!(line.contains(&format!(" {} ", pdf.len())), "{line}");
}

#[test]
fn format_pdf_alone_writes_report_pdf_and_no_chart_files() {
    let (dir, _pdf) = report_pdf(&["--sample", "--format", "pdf"]);
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("report"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The PDF carries its charts inside; the manifest is aikpi's record of what it wrote.
    assert_eq!(names, [".aikpi-report", "report.pdf"]);
}

#[test]
fn attach_pdf_without_pdf_in_format_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("aikpi.toml");
    std::fs::write(
        &config,
        "[email]\nfrom = \"mbr@example.com\"\nto = \"cfo@example.com\"\nattach_pdf = true\n",
    )
    .unwrap();
    let out = dir.path().join("report");
    let eml = dir.path().join("x.eml");
    let output = aikpi()
        .args(["report", "--sample", "--format", "json,docx", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .arg("--email-dry-run")
        .arg(&eml)
        .output()
        .unwrap();
    assert_eq!(
        failure(&output, 2),
        "email.attach_pdf = true attaches report.pdf, but --format does not include pdf, so \
         no report.pdf is written. Add pdf to --format (e.g. --format json,pdf), or set \
         email.attach_pdf = false"
    );
    assert!(!out.exists() && !eml.exists());
}
