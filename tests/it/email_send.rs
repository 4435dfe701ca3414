//! Sending the executive summary to a real SMTP server on loopback (aiosmtpd): STARTTLS
//! with a login, implicit TLS, and an explicit plaintext relay. The captured message is
//! parsed back and checked part by part.

use crate::support;

use aikpi::config::SmtpSecurity;
use aikpi::deliver::email::{self, SmtpPassword};
use mail_parser::MessageParser;
use support::{Pki, ServerMode, TestServer, PASSWORD, USER};

#[test]
fn starttls_with_login_delivers_the_summary_as_built() {
    let pki = Pki::generate();
    let server = TestServer::start(ServerMode::StartTls, Some(&pki), Some((USER, PASSWORD)));
    let settings = support::settings(
        server.port,
        SmtpSecurity::StartTls,
        Some(&pki.ca),
        Some(USER),
    );
    let review = support::sample_review();
    let charts = support::sample_charts();
    let message = support::build_message(
        &settings,
        &review,
        &charts,
        &support::attachments(),
        &support::templates(),
        support::now(),
    )
    .unwrap();

    email::send(&settings, &message, Some(&SmtpPassword::new(PASSWORD))).unwrap();

    let (raw, envelope) = server.wait_for_message(1);
    assert_eq!(
        envelope["tls"], true,
        "the session was upgraded with STARTTLS"
    );
    assert_eq!(envelope["authenticated"], true);
    assert_eq!(envelope["mail_from"], "mbr-bot@example.com");
    let mut rcpt: Vec<String> = envelope["rcpt_tos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    rcpt.sort();
    assert_eq!(
        rcpt,
        ["cfo@example.com", "leads@example.com", "vp@example.com"],
        "To and Cc are in the envelope"
    );
    // What arrived is exactly what a dry run writes. lettre ends DATA with CRLF.CRLF
    // after a message that already ends in CRLF, so the server sees one more empty
    // line (in the multipart epilogue, which readers ignore).
    let wire = raw.strip_suffix(b"\r\n").unwrap_or(&raw);
    support::assert_same_bytes(wire, &message.formatted(), "the wire bytes equal the .eml");

    support::assert_summary_message(&raw, &review, &charts);
    let parsed = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        parsed.subject(),
        Some("AI support review, October 2026: 8 of 12 targets met, 2 figures to check before quoting")
    );
    assert_eq!(
        parsed.date().unwrap().to_timestamp(),
        support::now().timestamp()
    );
    let id = parsed.message_id().unwrap();
    assert!(
        id.starts_with("aikpi.2026-10.") && id.ends_with("@example.com"),
        "{id}"
    );
    let from = parsed.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (Some("Support Ops"), Some("mbr-bot@example.com"))
    );
    let to: Vec<&str> = parsed
        .to()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, ["vp@example.com", "cfo@example.com"]);
    let cc: Vec<&str> = parsed
        .cc()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(cc, ["leads@example.com"]);
}

#[test]
fn implicit_tls_delivers() {
    let pki = Pki::generate();
    let server = TestServer::start(ServerMode::ImplicitTls, Some(&pki), Some((USER, PASSWORD)));
    let settings = support::settings(
        server.port,
        SmtpSecurity::ImplicitTls,
        Some(&pki.ca),
        Some(USER),
    );
    let review = support::sample_review();
    let charts = support::sample_charts();
    let message = support::build_message(
        &settings,
        &review,
        &charts,
        &support::attachments(),
        &support::templates(),
        support::now(),
    )
    .unwrap();
    email::send(&settings, &message, Some(&SmtpPassword::new(PASSWORD))).unwrap();
    let (raw, envelope) = server.wait_for_message(1);
    assert_eq!(envelope["tls"], true);
    support::assert_summary_message(&raw, &review, &charts);
}

#[test]
fn an_explicit_plaintext_relay_delivers_without_login() {
    support::require_tools();
    let server = TestServer::start(ServerMode::Plain, None, None);
    let settings = support::settings(server.port, SmtpSecurity::Plaintext, None, None);
    let review = support::sample_review();
    let charts = support::sample_charts();
    let message = support::build_message(
        &settings,
        &review,
        &charts,
        &support::attachments(),
        &support::templates(),
        support::now(),
    )
    .unwrap();
    email::send(&settings, &message, None).unwrap();
    let (raw, envelope) = server.wait_for_message(1);
    assert_eq!(envelope["tls"], false);
    support::assert_summary_message(&raw, &review, &charts);
}
