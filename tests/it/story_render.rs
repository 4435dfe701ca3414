//! SPEC §7 in every format: the four answers at the top, no contradiction between the
//! summary, the callouts and the tables, no "−0.0"-style change anywhere, and a cost
//! table whose rows add up to its total — on the sample and on the fixture with
//! triggered traps, in both languages.

use crate::common;

use std::io::Read;

use aikpi::outputs::charts::{self, Chart};
use aikpi::outputs::docx::render_docx;
use aikpi::outputs::{html, markdown, render_text, Templates};
use aikpi::presentation::view::ReportView;
use aikpi::presentation::{Language, Presentation};
use aikpi::review::metrics::MetricId;
use aikpi::review::Review;

/// Every text output of a review: (name, text).
fn outputs(review: &Review, language: Language) -> Vec<(String, String)> {
    let p = Presentation::new(language);
    let charts = charts::draw_all(review, &p).expect("charts draw");
    let templates = Templates::new(None).expect("built-in templates load");
    let mut out = vec![
        (
            "report.md".to_string(),
            render_text(&markdown::Markdown, review, &p, &charts, &templates).expect("md"),
        ),
        (
            "report.html".to_string(),
            render_text(&html::Html, review, &p, &charts, &templates).expect("html"),
        ),
    ];
    let attached = ["report.html"];
    let inline: Vec<(&str, &Chart)> = vec![("chart-1@aikpi", &charts[0])];
    let (email_html, email_text) = common::email_bodies(review, &p, &templates, &inline, &attached);
    out.push(("email.html".to_string(), email_html));
    out.push(("email.txt".to_string(), email_text));
    let view = ReportView::new(review, &p);
    let document = aikpi::presentation::document::Document::new(review, &view, &p);
    let docx = render_docx(&document, &view.generated_iso, &p, &charts).expect("docx");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document.xml")
        .read_to_string(&mut xml)
        .expect("utf-8");
    out.push(("report.docx".to_string(), xml_text(&xml)));
    for chart in &charts {
        out.push((format!("charts/{}.svg", chart.name), xml_text(&chart.svg)));
    }
    out
}

/// The text without its embedded images (base64 holds "+0" by chance).
fn without_data_uris(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("base64,") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "base64,".len()..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
            .unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The text of an XML document: its tags dropped, each replaced by a space.
fn xml_text(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The sample shipped in `samples/`, reviewed as `report --sample` does.
fn shipped_sample() -> Review {
    let aggregates: aikpi::aggregates::Aggregates =
        serde_json::from_str(include_str!("../../samples/aggregates.json")).expect("the sample");
    aikpi::review::review(
        &aggregates,
        &aikpi::review::settings::ReviewSettings::default(),
        &aikpi::review::ReviewContext {
            generated_at: "2026-11-02T08:00:00Z".parse().expect("an instant"),
            sample: true,
            language: "en".to_string(),
        },
    )
    .expect("the sample reviews")
}

fn reviews() -> Vec<(&'static str, Review)> {
    vec![
        ("sample", shipped_sample()),
        ("fixture with triggered traps", common::fixture_review()),
    ]
}

/// A change written with a sign but zero digits: "−0.0", "+0.00", "±0.0", "-USD 0.00".
fn signed_zero(text: &str) -> Option<String> {
    // "±" is never right for a change: a zero change is "no change".
    let chars: Vec<char> = text.chars().collect();
    if let Some(i) = chars.iter().position(|c| *c == '±') {
        return Some(
            chars[i.saturating_sub(30)..(i + 10).min(chars.len())]
                .iter()
                .collect(),
        );
    }
    for (i, c) in chars.iter().enumerate() {
        if !matches!(c, '−' | '+' | '±' | '-') {
            continue;
        }
        // Skip a currency code between the sign and the digits ("−USD 0.00").
        let mut j = i + 1;
        while j < chars.len() && (chars[j].is_ascii_uppercase() || chars[j] == ' ') {
            j += 1;
        }
        let digits: String = chars[j..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == '.' || **c == ',')
            .collect();
        if !digits.is_empty() && digits.chars().all(|c| matches!(c, '0' | '.' | ',')) {
            // A date, a range or base64 ("2026-10-01", "a+0b") is not a change: its
            // sign follows a letter or a digit.
            if i > 0 && (chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '/') {
                continue;
            }
            let from = i.saturating_sub(30);
            return Some(
                chars[from..(j + digits.len()).min(chars.len())]
                    .iter()
                    .collect(),
            );
        }
    }
    None
}

#[test]
fn the_signed_zero_finder_finds_what_it_must() {
    assert!(signed_zero("▼ −0.0 pp worse").is_some());
    assert!(signed_zero("±0.0 pp from channel mix").is_some());
    assert!(signed_zero("−USD 0.00 (−5.5%)").is_some());
    assert!(signed_zero("+0.00").is_some());
    assert!(signed_zero("1,300 | ±0 (±0.0%)").is_some());
    assert!(signed_zero("−0 conversations").is_some());
    assert!(signed_zero("−0.1 pp, 1.0–2.0, 2026-10-01, no change").is_none());
}

#[test]
fn no_output_writes_a_change_that_rounds_to_zero_with_a_sign() {
    for (name, review) in reviews() {
        for language in Language::ALL {
            for (file, text) in outputs(&review, language) {
                if let Some(found) = signed_zero(&without_data_uris(&text)) {
                    panic!("{name} ({language}) {file}: a signed zero in “{found}”");
                }
            }
        }
    }
}

#[test]
fn a_caveated_metric_is_read_with_care_and_never_a_biggest_move_in_any_format() {
    for (name, review) in reviews() {
        let caveated: Vec<MetricId> = review
            .metrics
            .values()
            .filter(|m| !m.caveats.is_empty())
            .map(|m| m.id)
            .collect();
        assert!(!caveated.is_empty(), "{name}: the test needs a caveat");
        for language in Language::ALL {
            let p = Presentation::new(language);
            let view = ReportView::new(&review, &p);
            for id in &caveated {
                let title = p.metric_title(*id);
                for moves in [&view.summary.better, &view.summary.worse] {
                    assert!(
                        moves.iter().all(|m| !m.starts_with(title)),
                        "{name} ({language}): {title} is a biggest move: {moves:?}"
                    );
                }
                let story = p.story(&review);
                let sentence = story
                    .read_with_care
                    .iter()
                    .find(|s| s.starts_with(title))
                    .unwrap_or_else(|| {
                        panic!("{name} ({language}): no read-with-care for {title}")
                    });
                for (file, text) in outputs(&review, language) {
                    if file.starts_with("charts/") || file == "report.docx" {
                        continue;
                    }
                    // The sentence is in every report format (escaping aside, its start).
                    let start: String = sentence.chars().take(12).collect();
                    assert!(
                        text.contains(&start),
                        "{name} ({language}) {file}: no “{start}…”"
                    );
                }
            }
        }
    }
}

#[test]
fn the_top_of_the_report_answers_the_four_questions_in_order() {
    for (name, review) in reviews() {
        for language in Language::ALL {
            let p = Presentation::new(language);
            let w = p.words;
            let questions = [
                w.story_deflection_question,
                w.story_human_question,
                w.story_csat_question,
                w.savings_question,
            ];
            for (file, text) in outputs(&review, language) {
                if file.starts_with("charts/") || file == "report.docx" {
                    continue;
                }
                let at: Vec<usize> = questions
                    .iter()
                    .map(|q| {
                        text.find(q)
                            .unwrap_or_else(|| panic!("{name} ({language}) {file}: no “{q}”"))
                    })
                    .collect();
                assert!(
                    at.windows(2).all(|w| w[0] < w[1]),
                    "{name} ({language}) {file}: questions out of order"
                );
                // The money answer leads with what was booked, the estimate after it.
                let money = &text[at[3]..];
                let booked = money.find(if language == Language::En {
                    "Booked labor cost"
                } else {
                    "账面人工成本"
                });
                let estimate = money.find(if language == Language::En {
                    "Estimated labor cost avoided"
                } else {
                    "估算节省的人工成本"
                });
                if let (Some(b), Some(e)) = (booked, estimate) {
                    assert!(b < e, "{name} ({language}) {file}: estimate before booked");
                } else {
                    assert!(
                        booked.is_some(),
                        "{name} ({language}) {file}: no booked cost"
                    );
                }
            }
        }
    }
}

/// Parses a money cell: "USD 1,894.79" → 189479 cents.
fn cents(cell: &str) -> Option<i64> {
    let number: String = cell
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-' || *c == '−')
        .collect();
    let negative = number.starts_with('-') || number.starts_with('−');
    let digits: String = number.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || !number.contains('.') {
        return None;
    }
    let value: i64 = digits.parse().ok()?;
    Some(if negative { -value } else { value })
}

#[test]
fn the_rendered_cost_table_adds_up_to_its_total() {
    for (name, review) in reviews() {
        for language in Language::ALL {
            let p = Presentation::new(language);
            let w = p.words;
            let (_, md) = outputs(&review, language)
                .into_iter()
                .find(|(f, _)| f == "report.md")
                .expect("report.md");
            let header = format!("| {} |", w.col_cost_line);
            let table = &md[md.find(&header).expect("the cost table")..];
            let rows: Vec<Vec<String>> = table
                .lines()
                .skip(2)
                .take_while(|l| l.starts_with('|'))
                .map(|l| {
                    l.trim_matches('|')
                        .split('|')
                        .map(|c| c.trim().to_string())
                        .collect()
                })
                .collect();
            let (total, lines) = rows.split_last().expect("a total row");
            assert!(
                total[0].contains(w.cost_total),
                "{name}: last row {total:?}"
            );
            let sum: i64 = lines
                .iter()
                .filter(|r| !r[0].starts_with(w.cost_of_which_background))
                .map(|r| cents(&r[1]).expect("an amount"))
                .sum();
            assert_eq!(
                Some(sum),
                cents(&total[1]),
                "{name} ({language}): the rows {lines:?} do not add up to {total:?}"
            );
        }
    }
}

#[test]
fn every_ledger_line_the_total_leaves_out_is_named_with_its_change_and_why() {
    let review = shipped_sample();
    for language in Language::ALL {
        let p = Presentation::new(language);
        let (intro, lines) = p.ledger_not_counted(&review);
        assert!(intro.is_some(), "{language}: the sample has cloud_services");
        let cloud = lines
            .iter()
            .find(|l| l.starts_with("cloud_services"))
            .expect("the cloud_services line");
        assert!(cloud.contains("USD 137.80"), "{cloud}");
        assert!(cloud.contains("+USD 76.87"), "{cloud}");
        assert!(cloud.contains(p.words.ledger_why_not_counted), "{cloud}");
    }
}
