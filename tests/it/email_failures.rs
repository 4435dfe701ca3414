//! Sending failures against a real SMTP server on loopback: each becomes the right
//! `EmailError`, one paragraph that names the server and never the password.

use crate::services;
use crate::support;

use aikpi::config::{EmailSettings, SmtpSecurity};
use aikpi::deliver::email::{self, EmailError, SmtpPassword};
use support::{Pki, ServerMode, TestServer, PASSWORD, USER};

fn send(settings: &EmailSettings, password: Option<&str>) -> EmailError {
    let message = support::build_message(
        settings,
        &support::sample_review(),
        &support::sample_charts(),
        &support::attachments(),
        &support::templates(),
        support::now(),
    )
    .unwrap();
    let password = password.map(SmtpPassword::new);
    email::send(settings, &message, password.as_ref()).expect_err("sending must fail")
}

/// The message is one paragraph naming host:port, and neither Display nor Debug leaks
/// the password.
fn assert_clear(err: &EmailError, port: u16) -> String {
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("127.0.0.1:{port}")),
        "names the server: {msg}"
    );
    assert!(!msg.contains('\n'), "one paragraph: {msg}");
    for shown in [msg.clone(), format!("{err:?}")] {
        assert!(!shown.contains(PASSWORD), "password leaked: {shown}");
    }
    msg
}

#[test]
fn no_server_on_the_port() {
    support::require_tools();
    let port = crate::services::free_port();
    let settings = support::settings(port, SmtpSecurity::StartTls, None, Some(USER));
    let err = send(&settings, Some(PASSWORD));
    assert!(matches!(err, EmailError::Unreachable { .. }), "{err:?}");
    let msg = assert_clear(&err, port);
    assert!(msg.contains("connection refused"), "{msg}");
}

#[test]
fn a_server_that_never_answers_times_out_with_a_hint() {
    // Accepts the TCP connection and says nothing, like an implicit-TLS port does to a
    // client that waits for a plaintext greeting.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // The connection is held until the client gives up and closes it (its timeout), not
    // for a fixed time: on a loaded machine a fixed hold can end before the client has
    // even started to wait, and the test would see a closed connection, not a timeout.
    let holder = std::thread::spawn(move || {
        let mut stream = services::accept_within(&listener, services::PATIENCE, "the client");
        stream
            .set_read_timeout(Some(services::PATIENCE))
            .expect("a read timeout");
        let mut sink = Vec::new();
        // Ends at the client's close (EOF or reset); a client that never closes ends it
        // after PATIENCE, and the assertions below name what went wrong.
        let _ = std::io::Read::read_to_end(&mut stream, &mut sink);
    });
    let mut settings = support::settings(port, SmtpSecurity::StartTls, None, Some(USER));
    settings.timeout = std::time::Duration::from_secs(1);
    let err = send(&settings, Some(PASSWORD));
    assert!(matches!(err, EmailError::Unreachable { .. }), "{err:?}");
    let msg = assert_clear(&err, port);
    assert!(
        msg.contains("no answer within 1 s") && msg.contains("smtps://"),
        "{msg}"
    );
    services::join_within(
        holder,
        services::PATIENCE,
        "the client to close its connection",
    );
}

#[test]
fn wrong_password() {
    let pki = Pki::generate();
    let server = TestServer::start(ServerMode::StartTls, Some(&pki), Some((USER, PASSWORD)));
    let settings = support::settings(
        server.port,
        SmtpSecurity::StartTls,
        Some(&pki.ca),
        Some(USER),
    );
    let wrong = "Wr0ng-Pa55word-also-secret";
    let err = send(&settings, Some(wrong));
    assert!(matches!(err, EmailError::AuthRefused { .. }), "{err:?}");
    let msg = assert_clear(&err, server.port);
    assert!(
        !msg.contains(wrong) && !format!("{err:?}").contains(wrong),
        "{msg}"
    );
    assert!(msg.contains("535"), "carries the server's reply: {msg}");
    assert!(
        msg.contains(USER) && msg.contains("AIKPI_TEST_SMTP_PASSWORD_UNSET"),
        "{msg}"
    );
    assert_eq!(server.received(), 0);
}

#[test]
fn server_requires_starttls_but_plaintext_was_configured() {
    let pki = Pki::generate();
    let server = TestServer::start(ServerMode::StartTls, Some(&pki), Some((USER, PASSWORD)));
    // With a login: the server hides AUTH until STARTTLS.
    let settings = support::settings(server.port, SmtpSecurity::Plaintext, None, Some(USER));
    let err = send(&settings, Some(PASSWORD));
    assert!(
        matches!(err, EmailError::StartTlsRequired { .. }),
        "{err:?}"
    );
    let msg = assert_clear(&err, server.port);
    assert!(msg.contains("tls=none"), "{msg}");
    // Without a login: the server refuses MAIL FROM with 530.
    let settings = support::settings(server.port, SmtpSecurity::Plaintext, None, None);
    let err = send(&settings, None);
    assert!(
        matches!(err, EmailError::StartTlsRequired { .. }),
        "{err:?}"
    );
    assert_eq!(server.received(), 0);
}

#[test]
fn starttls_is_never_skipped_when_the_server_does_not_offer_it() {
    support::require_tools();
    let server = TestServer::start(ServerMode::Plain, None, None);
    let settings = support::settings(server.port, SmtpSecurity::StartTls, None, Some(USER));
    let err = send(&settings, Some(PASSWORD));
    assert!(
        matches!(err, EmailError::StartTlsUnavailable { .. }),
        "{err:?}"
    );
    assert_clear(&err, server.port);
    assert_eq!(server.received(), 0);
}

#[test]
fn an_untrusted_certificate_is_a_tls_failure_that_points_at_ca_file() {
    let pki = Pki::generate();
    let server = TestServer::start(ServerMode::StartTls, Some(&pki), Some((USER, PASSWORD)));
    let settings = support::settings(server.port, SmtpSecurity::StartTls, None, Some(USER));
    let err = send(&settings, Some(PASSWORD));
    assert!(matches!(err, EmailError::Tls { .. }), "{err:?}");
    let msg = assert_clear(&err, server.port);
    assert!(
        msg.contains("certificate") && msg.contains("email.ca_file"),
        "{msg}"
    );

    // Implicit TLS against the same kind of server, for the handshake-at-connect path.
    let implicit = TestServer::start(ServerMode::ImplicitTls, Some(&pki), Some((USER, PASSWORD)));
    let settings = support::settings(implicit.port, SmtpSecurity::ImplicitTls, None, Some(USER));
    let err = send(&settings, Some(PASSWORD));
    assert!(matches!(err, EmailError::Tls { .. }), "{err:?}");
    assert_clear(&err, implicit.port);
}

#[test]
fn a_refused_recipient_is_named_and_nothing_is_sent() {
    let pki = Pki::generate();
    let server = TestServer::start(ServerMode::StartTls, Some(&pki), Some((USER, PASSWORD)));
    let mut settings = support::settings(
        server.port,
        SmtpSecurity::StartTls,
        Some(&pki.ca),
        Some(USER),
    );
    settings.cc = vec!["nobody@example.com".parse().unwrap()];
    let err = send(&settings, Some(PASSWORD));
    assert!(
        matches!(err, EmailError::RecipientRefused { .. }),
        "{err:?}"
    );
    let msg = assert_clear(&err, server.port);
    assert!(
        msg.contains("nobody@example.com") && msg.contains("550"),
        "{msg}"
    );
    assert_eq!(server.received(), 0);
}

#[test]
fn a_missing_password_variable_is_named_before_connecting() {
    let mut settings = support::settings(
        crate::services::free_port(),
        SmtpSecurity::StartTls,
        None,
        Some(USER),
    );
    settings.password_env = "AIKPI_TEST_PASSWORD_THAT_IS_NOT_SET".into();
    let err = email::password_from_env(&settings).unwrap_err();
    assert!(matches!(err, EmailError::MissingPassword { .. }), "{err:?}");
    assert!(err
        .to_string()
        .contains("AIKPI_TEST_PASSWORD_THAT_IS_NOT_SET"));
    assert!(email::check_ready(&settings, false).is_err());
    assert!(
        email::check_ready(&settings, true).is_ok(),
        "a dry run needs no password"
    );
    // send() refuses too, without touching the network.
    let err = send(&settings, None);
    assert!(matches!(err, EmailError::MissingPassword { .. }), "{err:?}");
}

#[test]
fn the_password_type_never_prints_its_value() {
    let p = SmtpPassword::new(PASSWORD);
    assert_eq!(format!("{p}"), "***");
    assert!(!format!("{p:?}").contains(PASSWORD));
}
