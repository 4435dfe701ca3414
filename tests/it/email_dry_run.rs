//! `--email-dry-run FILE.eml`: the exact message, written without any network, and
//! byte-for-byte reproducible for the same inputs and clock.

use crate::services;
use crate::support;

use aikpi::config::SmtpSecurity;
use aikpi::deliver::email::{self, EmailAttachment};
use aikpi::outputs::{charts, Templates};
use aikpi::presentation::Presentation;
use mail_parser::MessageParser;

#[test]
fn the_dry_run_writes_the_exact_message_without_network() {
    // Port 9 on loopback: nothing listens, and nothing may try.
    let settings = support::settings(9, SmtpSecurity::StartTls, None, Some(support::USER));
    let review = support::sample_review();
    let charts = support::sample_charts();
    let build = || {
        support::build_message(
            &settings,
            &review,
            &charts,
            &support::attachments(),
            &support::templates(),
            support::now(),
        )
        .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("preview.eml");
    email::write_dry_run(&path, &build()).unwrap();
    let raw = std::fs::read(&path).unwrap();
    support::assert_summary_message(&raw, &review, &charts);
    support::assert_same_bytes(&raw, &build().formatted(), "same inputs, same bytes");
    assert!(
        raw.windows(2).all(|w| w[1] != b'\n' || w[0] == b'\r'),
        "RFC 5322 line ends"
    );
    assert!(raw.is_ascii(), "7-bit clean: no 8BITMIME needed");
}

#[test]
fn data_derived_strings_are_escaped_in_the_html() {
    let hostile = "<img src=x onerror=alert(1)> & \"cloud\"";
    let review = support::review_with(hostile);
    let settings = support::settings(9, SmtpSecurity::StartTls, None, None);
    let message = support::build_message(
        &settings,
        &review,
        &support::sample_charts(),
        &[],
        &support::templates(),
        support::now(),
    )
    .unwrap();
    let raw = message.formatted();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    let html = parsed.body_html(0).unwrap();
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;cloud&quot;"),
        "the category is shown, escaped"
    );
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains(hostile), "the text part shows it verbatim");
}

#[test]
fn the_text_part_is_plain_text_not_html_escaped() {
    let category = "A&B <x>";
    let review = support::review_with_names(category, "web");
    let settings = support::settings(9, SmtpSecurity::StartTls, None, None);
    let message = support::build_message(
        &settings,
        &review,
        &support::sample_charts(),
        &support::attachments(),
        &support::templates(),
        support::now(),
    )
    .unwrap();
    let raw = message.formatted();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains("A&B <x> (USD"), "{text}");
    for entity in ["&amp;", "&lt;", "&gt;", "&quot;", "&#"] {
        assert!(
            !text.contains(entity),
            "text part holds {entity:?}:\n{text}"
        );
    }
    let html = parsed.body_html(0).unwrap();
    assert!(html.contains("A&amp;B &lt;x&gt; (USD"), "{html}");
    assert!(!html.contains(category));
}

#[test]
fn a_template_folder_overrides_the_email_bodies() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("email.txt"),
        "Custom: {{ email.headline }} | {{ view.summary.volume }}\n{{ email.attached }}\n",
    )
    .unwrap();
    let templates = Templates::new(Some(dir.path())).unwrap();
    let review = support::review_with_names("cloud_services", "A&B <x>");
    let settings = support::settings(9, SmtpSecurity::StartTls, None, None);
    let message = support::build_message(
        &settings,
        &review,
        &support::sample_charts(),
        &support::attachments(),
        &templates,
        support::now(),
    )
    .unwrap();
    let raw = message.formatted();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        parsed.body_text(0).unwrap().replace("\r\n", "\n"),
        "Custom: 8 of 12 targets met, 2 figures to check before quoting | Volume: 20 conversations (A&B <x> 100.0%).\n\
         The full report is attached: report.html (open in a browser) and report-notion.zip (import into Notion).\n"
    );
    // The HTML body is still the built-in one.
    let html = parsed.body_html(0).unwrap();
    assert!(html.contains("width=\"640\""), "{html}");

    // A broken override fails the build, naming the template, before anything is sent.
    std::fs::write(dir.path().join("email.html"), "{{ nope.missing }}").unwrap();
    let templates = Templates::new(Some(dir.path())).unwrap();
    let err = support::build_message(&settings, &review, &[], &[], &templates, support::now())
        .unwrap_err();
    assert!(matches!(err, email::EmailError::Render(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("email.html") && msg.contains("nope.missing"),
        "{msg}"
    );
}

#[test]
fn charts_are_optional_and_chosen_by_name() {
    let settings = support::settings(9, SmtpSecurity::StartTls, None, None);
    let review = support::sample_review();
    let message = support::build_message(
        &settings,
        &review,
        &[],
        &support::attachments(),
        &support::templates(),
        support::now(),
    )
    .unwrap();
    let raw = message.formatted();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    let tree = support::mime_tree(&parsed);
    assert!(!tree.contains("image/png"), "{tree}");
    assert!(
        tree.contains("multipart/related\n      text/html\n"),
        "{tree}"
    );

    // The charts the sample really draws: the email shows the status tiles, deflection
    // beside the return rate and cost per conversation, in that order (not the cost
    // breakdown, which a substring match on "cost" once picked in made-up lists).
    let drawn = charts::draw_all(&review, &Presentation::default()).expect("charts draw");
    let names: Vec<&str> = email::key_charts(&drawn)
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "status_overview",
            "deflection_vs_return",
            "cost_per_conversation"
        ]
    );
    let without_status: Vec<_> = drawn
        .iter()
        .filter(|c| c.name != "status_overview")
        .cloned()
        .collect();
    let names: Vec<&str> = email::key_charts(&without_status)
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["deflection_vs_return", "cost_per_conversation"]);
    // None of the key charts drawn (a template set that draws others): the first ones.
    let others: Vec<_> = drawn
        .iter()
        .filter(|c| {
            ![
                "status_overview",
                "deflection_vs_return",
                "cost_per_conversation",
            ]
            .contains(&c.name.as_str())
        })
        .cloned()
        .collect();
    let names: Vec<&str> = email::key_charts(&others)
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["segments", "frt"], "falls back to the first charts");
}

#[test]
fn attachments_come_from_the_output_folder() {
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("report.html"), "<html></html>").unwrap();
    std::fs::write(out.path().join("report-notion.zip"), [0x50, 0x4b, 3, 4]).unwrap();
    let mut settings = support::settings(9, SmtpSecurity::StartTls, None, None);
    let found = EmailAttachment::from_output_dir(&settings, out.path()).unwrap();
    let names: Vec<&str> = found.iter().map(|a| a.filename.as_str()).collect();
    assert_eq!(names, ["report.html", "report-notion.zip"]);

    settings.attach_docx = true;
    let err = EmailAttachment::from_output_dir(&settings, out.path()).unwrap_err();
    assert!(err.to_string().contains("report.docx"), "{err}");
    std::fs::write(out.path().join("report.docx"), b"PK").unwrap();
    let found = EmailAttachment::from_output_dir(&settings, out.path()).unwrap();
    assert_eq!(found.len(), 3);

    settings.attach_pdf = true;
    let err = EmailAttachment::from_output_dir(&settings, out.path()).unwrap_err();
    assert!(err.to_string().contains("report.pdf"), "{err}");
    std::fs::write(out.path().join("report.pdf"), b"%PDF-1.7").unwrap();
    let found = EmailAttachment::from_output_dir(&settings, out.path()).unwrap();
    let names: Vec<&str> = found.iter().map(|a| a.filename.as_str()).collect();
    assert_eq!(
        names,
        [
            "report.html",
            "report-notion.zip",
            "report.docx",
            "report.pdf"
        ]
    );
    assert_eq!(found[3].content_type, "application/pdf");
}

#[test]
fn email_to_replaces_the_audience() {
    let mut settings = support::settings(9, SmtpSecurity::StartTls, None, None);
    let to =
        email::parse_recipients(&["me@example.com, Ops <ops@example.com>".to_string()]).unwrap();
    settings.override_recipients(to);
    assert_eq!(settings.to.len(), 2);
    assert!(
        settings.cc.is_empty(),
        "a test send never copies the usual audience"
    );
    let err = email::parse_recipients(&["not-an-address".to_string()]).unwrap_err();
    assert!(err.to_string().contains("not-an-address"), "{err}");
}

/// Writes a preview for a human to look at — always to
/// `target/tmp/artifacts/email/preview.eml`, and also to `AIKPI_EMAIL_PREVIEW=FILE` when
/// set — and checks that what was written is the message, whole.
#[test]
fn preview_for_humans() {
    let settings = support::settings(9, SmtpSecurity::StartTls, None, None);
    let message = support::build_message(
        &settings,
        &support::sample_review(),
        &support::sample_charts(),
        &support::attachments(),
        &support::templates(),
        support::now(),
    )
    .unwrap();
    let mut paths = vec![services::artifacts("email").join("preview.eml")];
    paths.extend(std::env::var_os("AIKPI_EMAIL_PREVIEW").map(std::path::PathBuf::from));
    for path in paths {
        email::write_dry_run(&path, &message).unwrap();
        let written = std::fs::read(&path).unwrap();
        support::assert_same_bytes(&written, &message.formatted(), "the preview");
        support::assert_summary_message(
            &written,
            &support::sample_review(),
            &support::sample_charts(),
        );
    }
}
