//! Every format in both languages: a zh-CN report holds no English outside ids, units,
//! the data's own names and the terms Chinese teams keep in Latin letters, and every
//! label reads the same in every format of a language.

use crate::cli_support;
use crate::common;

use std::io::Read;

use aikpi::outputs::email_body::{EmailHtml, EmailText};
use aikpi::outputs::{charts, docx, html, markdown, notion_zip, render_one, Chart, Output};
use aikpi::outputs::{render_text, Templates};
use aikpi::presentation::zh_cn::{latin_words, KEPT_IN_LATIN};
use aikpi::presentation::{Language, Presentation};
use aikpi::review::metrics::{Layer, MetricId};
use aikpi::review::Review;
use pulldown_cmark::{Event, Options, Parser};

/// The text a reader sees in each format, by format name.
struct Rendered {
    formats: Vec<(&'static str, String)>,
    charts: Vec<Chart>,
}

fn render_all(review: &Review, language: Language) -> Rendered {
    let p = Presentation::new(language);
    let charts = charts::draw_all(review, &p).expect("charts draw");
    let templates = Templates::new(None).expect("templates");
    let text = |output: &dyn Output, charts: &[Chart]| {
        render_text(output, review, &p, charts, &templates).expect("renders")
    };
    let attached = ["report.html", "report-notion.zip", "report.docx"];
    let inline = [("chart-1@aikpi", &charts[0])];
    let docx_bytes = render_one(&docx::WordDocument, review, &p, &charts, &templates)
        .expect("docx")
        .remove(0)
        .bytes;
    let zip_bytes = render_one(&notion_zip::NotionZip, review, &p, &charts, &templates)
        .expect("zip")
        .remove(0)
        .bytes;
    let formats = vec![
        ("report.html", html_text(&text(&html::Html, &charts))),
        (
            "report.md",
            markdown_text(&text(&markdown::Markdown, &charts)),
        ),
        (
            "report-notion.zip",
            markdown_text(&zip_entry(&zip_bytes, "report.md")),
        ),
        ("report.docx", docx_text(&docx_bytes)),
        (
            "email.html",
            html_text(&text(
                &EmailHtml {
                    inline: &inline,
                    attached: &attached,
                },
                &[],
            )),
        ),
        (
            "email.txt",
            text(
                &EmailText {
                    attached: &attached,
                },
                &[],
            ),
        ),
        (
            "charts",
            charts
                .iter()
                .map(|c| format!("{}\n{}\n{}", c.title, c.description, svg_text(&c.svg)))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    ];
    Rendered { formats, charts }
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut text = String::new();
    zip.by_name(name)
        .expect("entry")
        .read_to_string(&mut text)
        .expect("utf-8");
    text
}

/// Text nodes and `alt`/`title` texts of an HTML page, without `<style>`.
fn html_text(page: &str) -> String {
    let mut out = String::new();
    let mut rest = page;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push('\n');
        let tag_end = rest[open..].find('>').map_or(rest.len(), |i| open + i + 1);
        let tag = &rest[open..tag_end];
        for attr in ["alt=\"", "title=\""] {
            if let Some(i) = tag.find(attr) {
                let value = &tag[i + attr.len()..];
                out.push_str(&value[..value.find('"').unwrap_or(value.len())]);
                out.push('\n');
            }
        }
        rest = &rest[tag_end..];
        if tag.starts_with("<style") {
            let close = rest.find("</style>").unwrap_or(rest.len());
            rest = &rest[close..];
        }
    }
    out.push_str(rest);
    crate::common::decode_entities(&out)
}

/// The text of a Markdown document as a reader sees it (escapes resolved).
fn markdown_text(md: &str) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// The runs of a Word document (body and footer).
fn docx_text(bytes: &[u8]) -> String {
    ["word/document.xml", "word/footer1.xml"]
        .iter()
        .map(|part| crate::common::word_text(&zip_entry(bytes, part)) + "\n")
        .collect()
}

fn svg_text(svg: &str) -> String {
    svg.split("<text")
        .skip(1)
        .filter_map(|piece| {
            let body = &piece[piece.find('>')? + 1..];
            Some(crate::common::decode_entities(
                &body[..body.find("</text>")?],
            ))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a Chinese report may keep in Latin letters: the data's own names, ids, units.
fn names_of(review: &Review) -> Vec<String> {
    let mut names: Vec<String> = review.channels.iter().map(|c| c.channel.clone()).collect();
    // SPEC §6: issue keys and event labels are the data's own words, like channels.
    names.extend(
        review
            .segments
            .top_issues
            .iter()
            .filter_map(|i| i.issue_key.clone()),
    );
    names.extend(review.annotations.iter().map(|a| a.label.clone()));
    names.extend(
        review
            .cost_breakdown
            .llm_by_model
            .iter()
            .map(|m| m.model.clone()),
    );
    names.extend(review.cost_breakdown.missing_categories.iter().cloned());
    names.extend(
        review
            .traps
            .hidden_llm_cost
            .evidence
            .largest_other_category
            .iter()
            .map(|c| c.category.clone()),
    );
    let p = &review.provenance;
    names.extend([
        p.source.clone(),
        p.source_kind.clone(),
        p.schema.clone(),
        p.time_zone.clone(),
        p.tool_version.clone(),
        review.currency.clone(),
    ]);
    names.extend(p.source_note.iter().cloned());
    names.extend(MetricId::ALL.iter().map(|id| id.as_str().to_string()));
    names.extend(["faking_deflection", "inflated_csat", "hidden_llm_cost"].map(String::from));
    // Longest first, so a name is removed before any name inside it.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names
}

/// The Latin words of a zh-CN output that are not kept on purpose, with their context.
fn english_left(text: &str, names: &[String]) -> Vec<String> {
    // A chart shortens a long name to fit ("<script>alert(1)</script> | *…"): still a name.
    let shortened = |line: &str| {
        line.trim()
            .strip_suffix('…')
            .is_some_and(|head| names.iter().any(|n| n.starts_with(head.trim_end())))
    };
    let text: String = text
        .lines()
        .filter(|line| !shortened(line))
        .collect::<Vec<_>>()
        .join("\n");
    let mut cleaned = text.to_string();
    for name in names {
        cleaned = cleaned.replace(name.as_str(), " ");
    }
    cleaned
        .lines()
        .flat_map(|line| {
            latin_words(line)
                .into_iter()
                .filter(|w| !KEPT_IN_LATIN.contains(&w.as_str()))
                .map(move |w| format!("`{w}` in: {}", line.trim()))
        })
        .collect()
}

#[test]
fn every_zh_cn_format_is_chinese_outside_ids_units_and_names() {
    for review in [common::fixture_sample_review(), common::fixture_review()] {
        let names = names_of(&review);
        let rendered = render_all(&review, Language::ZhCn);
        for (format, text) in &rendered.formats {
            assert!(
                text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{format} has Chinese text"
            );
            let left = english_left(text, &names);
            assert!(
                left.is_empty(),
                "{format} (zh-CN) has English left:\n{}",
                left.join("\n")
            );
        }
        assert_eq!(
            rendered.charts.len(),
            aikpi::presentation::chart_id::ChartId::ALL.len()
        );
    }
}

#[test]
fn the_english_report_is_english() {
    let review = common::fixture_sample_review();
    for (format, text) in render_all(&review, Language::En).formats {
        assert!(
            !text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{format} (en) has Chinese text"
        );
    }
}

/// The labels every format of a language writes, as the words table has them.
fn shared_labels(p: &Presentation) -> Vec<String> {
    let w = p.words;
    let mut labels: Vec<String> = [
        w.traps_heading,
        w.biggest_improvements,
        w.biggest_setbacks,
        w.col_metric,
        w.col_value,
        w.col_target,
        w.col_status,
        w.col_change,
        w.not_counted,
        w.trap_hidden_llm_cost,
        w.evidence,
        w.what_to_check,
        w.tag_triggered,
        w.banner_sample_label,
    ]
    .map(String::from)
    .to_vec();
    labels.extend(Layer::ALL.iter().map(|l| p.layer_heading(*l)));
    labels.extend(
        MetricId::ALL
            .iter()
            .map(|id| p.metric_title(*id).to_string()),
    );
    labels
}

/// The labels of the three report documents (HTML, Markdown, Word) beyond the shared ones.
fn report_labels(p: &Presentation) -> Vec<String> {
    let w = p.words;
    [
        w.executive_summary,
        w.metrics_heading,
        w.traps_intro,
        w.col_previous,
        w.cost_heading,
        w.col_cost_line,
        w.col_amount,
        w.col_share,
        w.cost_llm,
        w.cost_infra,
        w.cost_labor,
        w.cost_of_which_background,
        w.cost_total,
        w.col_model,
        w.col_calls,
        w.col_metered_cost,
        w.channels_heading,
        w.col_channel,
        w.col_conversations,
        w.data_quality_heading,
        w.data_quality_intro,
        w.definitions_heading,
        w.reporting_traps,
        w.about_heading,
        w.about_source,
        w.about_rows,
        w.trap_faking_deflection,
        w.trap_inflated_csat,
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn every_label_reads_the_same_in_every_format_of_a_language() {
    let review = common::fixture_sample_review();
    for language in Language::ALL {
        let p = Presentation::new(language);
        let rendered = render_all(&review, language);
        let mut trends = rendered
            .charts
            .iter()
            .map(|c| c.title.clone())
            .collect::<Vec<_>>();
        trends.push(aikpi::say!(
            p.words.trends_heading,
            count = review.trend.months.len()
        ));
        for (format, text) in &rendered.formats {
            let mut labels = match *format {
                "charts" => continue,
                "email.html" => shared_labels(&p),
                // A list, not a table: no column headers but Target and Change.
                "email.txt" => {
                    let w = p.words;
                    let headers = [w.col_metric, w.col_value, w.col_status];
                    shared_labels(&p)
                        .into_iter()
                        .filter(|l| !headers.contains(&l.as_str()))
                        .collect()
                }
                _ => {
                    let mut all = shared_labels(&p);
                    all.extend(report_labels(&p));
                    all.extend(trends.iter().cloned());
                    all
                }
            };
            labels.push(p.title(&review));
            for label in labels {
                // Plain-text email headings are upper-cased; the rest are verbatim.
                let found = text.contains(&label)
                    || (*format == "email.txt" && text.contains(&label.to_uppercase()));
                assert!(found, "{language}: {format} lacks the label {label:?}");
            }
        }
    }
}

#[test]
fn report_sample_lang_zh_cn_writes_the_full_set_and_json_keeps_english_keys() {
    let out = tempfile::tempdir().expect("temp dir");
    let assert = cli_support::aikpi()
        .args(["report", "--sample", "--lang", "zh-CN", "--out"])
        .arg(out.path())
        .assert()
        .success();
    // The command's one line is in the report's language too.
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.starts_with("aikpi：2026-10 月报（样本数据）已写入 ")
            && stderr.contains("— 12 项指标中 11 项达标；待核查："),
        "{stderr}"
    );
    for file in [
        "report.html",
        "report.md",
        "report.json",
        "report-notion.zip",
        "report.docx",
        "charts/status_overview.png",
        "charts/status_overview.svg",
    ] {
        assert!(out.path().join(file).is_file(), "{file} written");
    }
    let json = std::fs::read_to_string(out.path().join("report.json")).expect("json");
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(value["provenance"]["language"], "zh-CN");
    assert_eq!(value["data_quality"]["notes"][0]["key"], "unclassified");
    assert!(
        !json.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "no translated keys or values in report.json"
    );
    let page = std::fs::read_to_string(out.path().join("report.html")).expect("html");
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
}

#[test]
fn an_unknown_language_is_a_config_error_naming_the_supported_ones() {
    cli_support::aikpi()
        .args(["report", "--sample", "--lang", "fr", "--format", "json", "--out"])
        .arg(tempfile::tempdir().expect("temp dir").path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "language `fr` (from --lang, AIKPI_LANG or `language` in the config file) is not supported; supported: en, zh-CN",
        ));
}

#[test]
fn the_email_subject_speaks_the_report_language_unless_configured() {
    use aikpi::config::EmailSettings;
    use aikpi::deliver::email::subject;
    let review = common::fixture_review();
    let settings = EmailSettings::default();
    let zh = subject(&settings, &review, &Presentation::new(Language::ZhCn));
    assert!(zh.starts_with("AI 客服月报（2026年10月）："), "{zh}");
    let en = subject(&settings, &review, &Presentation::new(Language::En));
    assert!(en.starts_with("AI support review, October 2026: "), "{en}");
    let custom = EmailSettings {
        subject: "MBR {month}".to_string(),
        ..EmailSettings::default()
    };
    assert_eq!(
        subject(&custom, &review, &Presentation::new(Language::ZhCn)),
        "MBR 2026年10月"
    );
}
