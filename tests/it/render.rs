//! report.md, report.html, report.json and report-notion.zip from the fixed fixture:
//! snapshots, structure, escaping of database strings, the published JSON Schema.

use crate::common;
use crate::services;

use std::collections::BTreeSet;
use std::io::Read;

use aikpi::outputs::charts::{self, Chart};
use aikpi::outputs::email_body as email;
use aikpi::outputs::{html, json, markdown, notion_zip, render_text, Templates};
use aikpi::presentation::narrative::CalloutState;
use aikpi::presentation::view::ReportView;
use aikpi::presentation::{Language, Presentation};
use aikpi::review::Review;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use common::{SPECIAL_CATEGORY, XSS_CHANNEL};

fn rendered(review: &Review) -> (Vec<Chart>, String, String) {
    let p = Presentation::default();
    let charts = charts::draw_all(review, &p).expect("charts draw");
    let templates = Templates::new(None).expect("built-in templates load");
    let md = render_text(&markdown::Markdown, review, &p, &charts, &templates)
        .expect("markdown renders");
    let html = render_text(&html::Html, review, &p, &charts, &templates).expect("html renders");
    (charts, md, html)
}

/// Snapshots must not move with the crate version or with chart pixels: the version
/// and the embedded PNG bytes are replaced by placeholders.
fn stable(text: &str) -> String {
    let mut out = text.replace(
        &format!("aikpi {}", env!("CARGO_PKG_VERSION")),
        "aikpi [version]",
    );
    const DATA: &str = "data:image/png;base64,";
    let mut start = 0;
    while let Some(i) = out[start..].find(DATA) {
        let from = start + i + DATA.len();
        let len = out[from..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
            .unwrap_or(out.len() - from);
        out.replace_range(from..from + len, "[png]");
        start = from + "[png]".len();
    }
    out
}

#[test]
fn report_md_snapshot() {
    let (_, md, _) = rendered(&common::fixture_review());
    insta::assert_snapshot!("report_md", stable(&md));
}

#[test]
fn report_html_snapshot() {
    let (_, _, html) = rendered(&common::fixture_review());
    insta::assert_snapshot!("report_html", stable(&html));
}

/// The Markdown as a GFM parser sees it.
struct MdOutline {
    headings: Vec<(HeadingLevel, String)>,
    /// Tables with the heading they sit under, and their rows' cell texts.
    tables: Vec<(String, Vec<Vec<String>>)>,
    images: Vec<String>,
    html: Vec<String>,
}

fn outline(md: &str) -> MdOutline {
    let mut o = MdOutline {
        headings: Vec::new(),
        tables: Vec::new(),
        images: Vec::new(),
        html: Vec::new(),
    };
    let mut text = String::new();
    let mut in_heading = None;
    let mut row: Vec<String> = Vec::new();
    for event in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                in_heading = Some(level);
                text.clear();
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(level) = in_heading.take() {
                    o.headings.push((level, text.clone()));
                }
            }
            Event::Start(Tag::Table(_)) => {
                let under = o.headings.last().map(|h| h.1.clone()).unwrap_or_default();
                o.tables.push((under, Vec::new()));
            }
            Event::Start(Tag::TableRow) | Event::Start(Tag::TableHead) => row.clear(),
            Event::End(TagEnd::TableRow) | Event::End(TagEnd::TableHead) => {
                if let Some(t) = o.tables.last_mut() {
                    t.1.push(row.clone());
                }
            }
            Event::Start(Tag::TableCell) => text.clear(),
            Event::End(TagEnd::TableCell) => row.push(text.clone()),
            Event::Start(Tag::Image { dest_url, .. }) => o.images.push(dest_url.to_string()),
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::Html(h) | Event::InlineHtml(h) => o.html.push(h.to_string()),
            _ => {}
        }
    }
    o
}

#[test]
fn report_md_has_the_expected_structure() {
    let review = common::fixture_review();
    let (charts, md, _) = rendered(&review);
    let o = outline(&md);

    assert!(
        o.headings.iter().all(|(l, _)| *l <= HeadingLevel::H3),
        "headings H1–H3 only: {:?}",
        o.headings
    );
    let h = |level: HeadingLevel| -> Vec<&str> {
        o.headings
            .iter()
            .filter(|(l, _)| *l == level)
            .map(|(_, t)| t.as_str())
            .collect()
    };
    assert_eq!(
        h(HeadingLevel::H1),
        ["AI support monthly business review — October 2026"]
    );
    assert_eq!(
        h(HeadingLevel::H2),
        [
            "Executive summary",
            "What the numbers may hide",
            "The 12 metrics, layer by layer",
            "Why the rates moved: channel mix or rates within channels",
            "Trends over the last 6 months",
            "Segments: channels and top issues",
            "Human workload and cost per resolution",
            "Cost",
            "Channels",
            "Data quality",
            "Definitions",
            "How this report was made",
        ]
    );
    let mut h3 = vec![
        "Read with care",
        "Layer 1 — Coverage",
        "Layer 2 — Resolution",
        "Layer 3 — Experience",
        "Layer 4 — Cost & training",
    ];
    // The drivers chart sits under its section's H2, without a heading of its own.
    h3.extend(
        charts
            .iter()
            .filter(|c| c.id() != Some(aikpi::presentation::chart_id::ChartId::Drivers))
            .map(|c| c.title.as_str()),
    );
    let view = ReportView::new(&review, &Presentation::default());
    h3.extend(view.segments.iter().map(|t| t.title.as_str()));
    h3.push("Reporting traps");
    assert_eq!(h(HeadingLevel::H3), h3);

    let layer_tables: Vec<&(String, Vec<Vec<String>>)> = o
        .tables
        .iter()
        .filter(|(under, _)| under.starts_with("Layer "))
        .collect();
    assert_eq!(layer_tables.len(), 4, "one table per layer");
    let mut ids_seen = 0;
    for (under, rows) in &layer_tables {
        assert!(rows.len() <= 9, "{under}: Lark splits tables over 9 rows");
        assert_eq!(rows[0][0], "Metric");
        ids_seen += rows.len() - 1;
    }
    assert_eq!(ids_seen, 13, "every metric id (FRT p50 included) has a row");
    for (under, rows) in &o.tables {
        assert!(rows.len() <= 9, "{under}: table of {} rows", rows.len());
    }

    // Every image link is a chart PNG that the zip and charts/ carry.
    let files: BTreeSet<String> = charts
        .iter()
        .map(|c| format!("charts/{}.png", c.name))
        .collect();
    assert_eq!(o.images.len(), charts.len());
    for image in &o.images {
        assert!(files.contains(image), "{image} is one of the chart files");
    }
    assert!(o.html.is_empty(), "no raw HTML in report.md: {:?}", o.html);
}

#[test]
fn database_strings_show_as_text_in_markdown() {
    let (_, md, _) = rendered(&common::fixture_review());
    let o = outline(&md);
    let channels = o
        .tables
        .iter()
        .find(|(under, _)| under == "Channels")
        .expect("channels table");
    assert!(
        channels.1.iter().any(|row| row[0] == XSS_CHANNEL),
        "the channel name reads back as the literal text: {:?}",
        channels.1
    );
    assert!(
        channels.1.iter().all(|row| row.len() == 3),
        "no cell was split by `|`"
    );
    // The category is quoted in the trap callout; its text survives parsing verbatim.
    let plain: String = Parser::new_ext(&md, Options::ENABLE_TABLES)
        .filter_map(|e| match e {
            Event::Text(t) => Some(t.to_string()),
            _ => None,
        })
        .collect();
    assert!(plain.contains(SPECIAL_CATEGORY), "category text survives");
    assert!(outline(&md).html.is_empty(), "no live HTML");
}

#[test]
fn database_strings_show_as_text_in_html() {
    let (_, _, html) = rendered(&common::fixture_review());
    assert!(!html.contains("<script"), "no script element at all");
    assert!(
        !html.contains("<img src=x"),
        "the category's tag is not live"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt; | **x**"));
    assert!(html.contains("cloud_services &lt;img src=x onerror=alert(2)&gt; _[x](y)_"));
    assert!(
        html.contains("Content-Security-Policy"),
        "a CSP blocks scripts and external requests even if escaping failed"
    );
}

#[test]
fn html_is_self_contained() {
    let (charts, _, html) = rendered(&common::fixture_review());
    for external in [
        "http://", "https://", "src=\"//", "<link", "@import", "url(",
    ] {
        assert!(!html.contains(external), "external reference {external:?}");
    }
    assert_eq!(
        html.matches("<img src=\"data:image/png;base64,").count(),
        charts.len(),
        "every chart embedded"
    );
    for section in [
        "id=\"summary\"",
        "id=\"traps\"",
        "id=\"metrics\"",
        "id=\"charts\"",
        "id=\"quality\"",
        "id=\"definitions\"",
        "<footer>",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert_eq!(html.matches("<table class=\"layer\"").count(), 4);
    assert!(html.contains("@page { size: A4"));
}

#[test]
fn banners_follow_the_review() {
    let (_, md, html) = rendered(&common::fixture_review());
    assert!(
        md.contains("37 conversations still open") && html.contains("37 conversations still open")
    );
    assert!(
        md.contains("the ledger has no labor line")
            && html.contains("the ledger has no labor line")
    );
    assert!(!md.contains("Sample data") && !html.contains("Sample data"));

    let (_, md, html) = rendered(&common::fixture_sample_review());
    assert!(
        md.contains("> 🧪 **Sample data:**"),
        "sample banner in Markdown"
    );
    assert!(
        html.contains("<div class=\"banner sample\""),
        "sample banner in HTML"
    );
}

#[test]
fn trap_callouts_are_quotes_with_a_leading_emoji() {
    let (_, md, _) = rendered(&common::fixture_review());
    assert!(md.contains(
        "> 🚨 **Check this · Faking deflection: Deflection may include customers who gave up**"
    ));
    assert!(md.contains("> ✅ **OK · Inflated CSAT: Rating prompts cover closures evenly**"));
    assert!(md.contains(
        "> 🚨 **Check this · Hidden LLM cost: LLM spend may be hidden in another cost line**"
    ));
}

#[test]
fn report_json_is_the_review_unrounded() {
    let review = common::fixture_review();
    let text = json::render_json(&review).expect("json");
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(value["schema_version"], 2);
    assert_eq!(value["metrics"]["return_rate_24h"]["value"], 0.12);
    assert_eq!(
        value["metrics"]["feedback_loop_rate"]["value"],
        serde_json::Value::Null
    );
    assert_eq!(value["traps"]["faking_deflection"]["triggered"], true);
    assert_eq!(value["cost_breakdown"]["provisional"], true);
    assert!(text.ends_with('\n'));
}

/// `schema/report.schema.json` is generated from the `Review` type; this fails when the
/// committed file is stale. Regenerate with `AIKPI_UPDATE_SCHEMA=1 cargo test --test it render::`.
#[test]
fn committed_json_schema_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/report.schema.json");
    let schema = json::json_schema();
    if std::env::var_os("AIKPI_UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &schema).expect("write schema");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == schema,
        "schema/report.schema.json is stale: run `AIKPI_UPDATE_SCHEMA=1 cargo test --test it render::` and commit it"
    );
    let value: serde_json::Value = serde_json::from_str(&schema).expect("schema is JSON");
    assert_eq!(value["title"], "Review");
}

#[test]
fn notion_zip_holds_the_markdown_and_every_linked_image() {
    let (charts, md, _) = rendered(&common::fixture_review());
    let bytes = notion_zip::notion_zip(&md, &charts).expect("zip");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).expect("a zip");
    let names: BTreeSet<String> = zip.file_names().map(str::to_string).collect();
    let mut expected: BTreeSet<String> = charts
        .iter()
        .map(|c| format!("charts/{}.png", c.name))
        .collect();
    expected.insert("report.md".into());
    assert_eq!(names, expected);
    let mut inner = String::new();
    zip.by_name("report.md")
        .expect("report.md")
        .read_to_string(&mut inner)
        .expect("utf-8");
    assert_eq!(inner, md);
    for image in outline(&md).images {
        let mut png = Vec::new();
        zip.by_name(&image)
            .expect("linked image in zip")
            .read_to_end(&mut png)
            .expect("read");
        assert!(png.starts_with(b"\x89PNG"), "{image} is a PNG");
    }
    assert_eq!(
        notion_zip::notion_zip(&md, &charts).expect("zip"),
        bytes,
        "reproducible bytes"
    );
}

#[test]
fn unsafe_chart_names_are_refused() {
    let (mut charts, md, _) = rendered(&common::fixture_review());
    charts[0].name = "../escape".into();
    let err = notion_zip::notion_zip(&md, &charts).expect_err("refused");
    assert!(err.to_string().contains("../escape"), "{err}");
}

/// `report.json` keys are the SPEC §1 ids (`return_rate_24h`, not serde's `return_rate24h`).
#[test]
fn metric_ids_serialize_as_their_spec_names() {
    for id in aikpi::review::metrics::MetricId::ALL {
        assert_eq!(
            serde_json::to_value(id).expect("serialises"),
            serde_json::Value::String(id.as_str().to_string())
        );
    }
}

/// The email bodies of the fixture, with its first chart inline and both report files
/// attached.
fn email_bodies(review: &Review) -> (String, String) {
    let p = Presentation::default();
    let charts = charts::draw_all(review, &p).expect("charts draw");
    let templates = Templates::new(None).expect("built-in templates load");
    let attached = ["report.html", "report-notion.zip"];
    let inline = [("chart-1@aikpi", &charts[0])];
    let (html, text) = common::email_bodies(review, &p, &templates, &inline, &attached);
    (html, text)
}

#[test]
fn the_email_says_what_the_report_says() {
    let review = common::fixture_review();
    let (html, text) = email_bodies(&review);
    let (_, md, _) = rendered(&review);
    let cur = review.currency.as_str();
    let p = Presentation::default();

    // The same sentences, from the shared narrative, in the report and in both bodies.
    // The four answers first (SPEC §7), then the rest of the summary.
    let mut shared: Vec<String> = p
        .story(&review)
        .answers
        .into_iter()
        .map(|a| a.text)
        .collect();
    shared.push(p.cost_line(&review));
    shared.extend(
        review
            .summary
            .better_moves
            .iter()
            .chain(&review.summary.worse_moves)
            .map(|m| p.move_text(m, cur)),
    );
    shared.extend(p.banners(&review).into_iter().map(|b| b.text));
    for c in p.callouts(&review) {
        if c.state == CalloutState::Clear {
            assert!(!text.contains(&c.headline), "only traps that need a look");
            continue;
        }
        shared.push(c.headline);
        shared.push(c.check);
        shared.extend(c.findings);
    }
    for sentence in &shared {
        assert!(
            text.contains(sentence.as_str()),
            "text lacks {sentence:?}:\n{text}"
        );
        let escaped = aikpi::outputs::escape::html(sentence);
        assert!(html.contains(&escaped), "email HTML lacks {escaped:?}");
    }
    // …which are the report's own.
    for sentence in [p.scorecard(&review), p.traps_line(&review)] {
        assert!(md.contains(&aikpi::outputs::escape::markdown(&sentence)));
    }
    // Every metric's target as the report writes it.
    for m in review.metrics.values() {
        let target = p.target(&m.target, m.unit, cur);
        assert!(text.contains(&format!("(Target {target})")), "{target}");
        assert!(
            md.contains(&aikpi::outputs::escape::markdown(&target)),
            "{target}"
        );
    }
    // The headline is the email's own, and the text is text: no entities, markup as is.
    assert!(text.contains(&email::headline(&review, &p)));
    assert!(text.contains(XSS_CHANNEL) && text.contains(SPECIAL_CATEGORY));
    assert!(!text.contains("&amp;") && !text.contains("&lt;"));
    assert!(!html.contains("<script") && !html.contains("<img src=x"));
    assert!(html.contains("src=\"cid:chart-1@aikpi\""));
}

// --- SPEC §6 (issue 10): noise marks, segments, drivers, workload and events in every
// format and both languages, from the hand-made fixture.

/// The report and email bodies of a review in a language: (markdown, html, email html,
/// email text). Also kept in target/tmp/artifacts/drilldown/<lang>/ for a look.
fn rendered_in(review: &Review, language: Language) -> (String, String, String, String) {
    let p = Presentation::new(language);
    let charts = charts::draw_all(review, &p).expect("charts draw");
    let templates = Templates::new(None).expect("built-in templates load");
    let md = render_text(&markdown::Markdown, review, &p, &charts, &templates).expect("md");
    let html = render_text(&html::Html, review, &p, &charts, &templates).expect("html");
    let attached = ["report.html"];
    let inline = [("chart-1@aikpi", &charts[0])];
    let (email_html, email_text) = common::email_bodies(review, &p, &templates, &inline, &attached);
    let dir = services::artifacts(&format!("drilldown/{}", language.tag()));
    for (name, body) in [
        ("report.md", &md),
        ("report.html", &html),
        ("email.html", &email_html),
        ("email.txt", &email_text),
    ] {
        services::keep_artifact(&dir.join(name), body.as_bytes());
    }
    for c in &charts {
        services::keep_artifact(&dir.join(format!("{}.png", c.name)), &c.png);
    }
    (md, html, email_html, email_text)
}

#[test]
fn the_english_drivers_sentence_names_the_mix_and_the_rate_channel() {
    let review = common::fixture_drilldown_review();
    let p = Presentation::default();
    // Handoff moved within noise: no sentence for it, only for deflection.
    assert_eq!(
        p.driver_sentences(&review),
        ["Deflection rate +1.7 pp: +1.2 pp from channel mix (more web), +0.5 pp from rates within channels (web +2.0 pp)"]
    );
    let events: Vec<String> = p.events(&review).into_iter().map(|e| e.text).collect();
    assert_eq!(
        events,
        [
            "15 August 2026: Switched to the new model",
            "1 October 2026: KB release <v2> *bold*"
        ]
    );
}

#[test]
fn every_format_carries_segments_drivers_workload_events_and_noise_marks_in_both_languages() {
    let review = common::fixture_drilldown_review();
    for language in Language::ALL {
        let p = Presentation::new(language);
        let w = p.words;
        let (md, html, email_html, email_text) = rendered_in(&review, language);
        let view = ReportView::new(&review, &p);
        let in_md = |s: &str| md.contains(&aikpi::outputs::escape::markdown(s));
        let in_html = |s: &str, body: &str| body.contains(&aikpi::outputs::escape::html(s));

        // Report: segment tables (the 10 issues in parts), with the unclassified key.
        let titles: Vec<&str> = view.segments.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles.len(), 6, "{titles:?}");
        let note = view.segments[2].note.as_deref().expect("split note");
        let mut report_words = vec![
            w.segments_heading,
            w.unclassified_issue,
            w.drivers_heading,
            w.workload_heading,
            w.wl_labor_cost_avoided_estimate,
            w.estimate_assumption,
            w.savings_question,
            w.events_heading,
            w.within_noise,
        ];
        let answer: Vec<&str> = view.workload.answer.iter().map(String::as_str).collect();
        report_words.extend(&answer);
        let events: Vec<&str> = view.events.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(events.len(), 2, "only events inside the trend window");
        report_words.extend(&events);
        let drivers: Vec<&str> = view.drivers.iter().map(String::as_str).collect();
        assert_eq!(
            drivers.len(),
            1,
            "no sentence for the within-noise handoff move"
        );
        report_words.extend(&drivers);
        let deflection = review
            .metrics
            .get(&aikpi::review::metrics::MetricId::DeflectionRate)
            .expect("deflection");
        let ci = p.interval(
            &deflection.interval.expect("interval"),
            deflection.unit,
            &review.currency,
        );
        report_words.push(&ci);
        for phrase in &report_words {
            assert!(in_md(phrase), "{language}: report.md lacks {phrase:?}");
            assert!(
                in_html(phrase, &html),
                "{language}: report.html lacks {phrase:?}"
            );
        }
        // Markdown goes to Lark too, so its tables come in parts with a note; a page has
        // no row limit, so HTML joins the parts under one heading.
        for phrase in titles.iter().chain([&note]) {
            assert!(in_md(phrase), "{language}: report.md lacks {phrase:?}");
        }
        for t in &view.segments {
            assert!(
                in_html(&t.base_title, &html),
                "{language}: {}",
                t.base_title
            );
        }
        assert!(
            !in_html(note, &html),
            "{language}: HTML tables are not split"
        );
        assert!(!md.contains("Launch") && !html.contains("Launch"));

        // Email: the drivers sentence, the noise mark, the savings answer with the
        // estimate's assumption, and a pointer to the rest.
        let mut email_words = vec![
            w.within_noise,
            w.savings_question,
            w.estimate_assumption,
            w.email_more_in_report,
        ];
        email_words.extend(&drivers);
        email_words.extend(&answer);
        for phrase in &email_words {
            assert!(
                email_text.contains(phrase),
                "{language}: email text lacks {phrase:?}"
            );
            assert!(
                in_html(phrase, &email_html),
                "{language}: email HTML lacks {phrase:?}"
            );
        }
    }
}

#[test]
fn the_chinese_outputs_hold_no_english_drilldown_words() {
    let review = common::fixture_drilldown_review();
    let (md, html, email_html, email_text) = rendered_in(&review, Language::ZhCn);
    let en = Presentation::default().words;
    for phrase in [
        en.within_noise,
        en.segments_heading,
        en.segments_by_channel,
        en.segments_top_issues,
        en.drivers_heading,
        en.drivers_intro,
        en.workload_heading,
        en.wl_human_handled,
        en.wl_labor_cost_avoided_estimate,
        en.estimate_assumption,
        en.savings_question,
        en.events_heading,
        en.events_intro,
        en.email_more_in_report,
        "from channel mix",
        "from rates within channels",
        "(more ",
        "95% CI",
    ] {
        for (name, body) in [
            ("report.md", &md),
            ("report.html", &html),
            ("email.html", &email_html),
            ("email.txt", &email_text),
        ] {
            assert!(!body.contains(phrase), "zh-CN {name} holds {phrase:?}");
        }
    }
    // The unclassified issue key, in the words of the language.
    let p = Presentation::new(Language::ZhCn);
    let issues = p
        .segment_tables(&review)
        .into_iter()
        .filter(|t| t.kind == "issues")
        .flat_map(|t| t.rows)
        .find(|r| r.unclassified)
        .expect("the unclassified row");
    assert_eq!(issues.name, "（未分类）");
}

#[test]
fn report_md_drilldown_snapshot() {
    let review = common::fixture_drilldown_review();
    let (md, ..) = rendered_in(&review, Language::En);
    insta::assert_snapshot!("report_md_drilldown", stable(&md));
}
