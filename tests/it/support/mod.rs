//! Shared helpers of the email tests: a real SMTP server on loopback (aiosmtpd, started
//! per test), a throwaway certificate authority (openssl), a review and charts.
//!
//! Missing tools make the tests FAIL with a message naming `scripts/test.sh`; they
//! never skip, so a green run always means the email path was exercised for real.

use crate::common::dec;
use crate::common::healthy_month as month;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use aikpi::aggregates::{Aggregates, LedgerLine, SourceInfo, AGGREGATES_FORMAT_VERSION};
use aikpi::config::{EmailSettings, SmtpSecurity, SmtpServer};
use aikpi::deliver::email::{self, EmailAttachment, EmailError};
use aikpi::outputs::Chart;
use aikpi::outputs::Templates;
use aikpi::presentation::Presentation;
use aikpi::review::settings::ReviewSettings;
use aikpi::review::{review, Review, ReviewContext};
use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use mail_parser::{MessagePart, MimeHeaders, PartType};
use tempfile::TempDir;

const PYTHON: &str = "/usr/bin/python3";
/// How long the test SMTP server may take to say it listens (Python starting on a
/// loaded machine).
const READY_WITHIN: Duration = Duration::from_secs(60);
const HOW_TO_FIX: &str =
    "run the suite with `bash scripts/test.sh`, which installs python3-aiosmtpd and openssl";

/// Panics (fails the test) when the SMTP server or openssl is missing.
pub fn require_tools() {
    let aiosmtpd = Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        aiosmtpd,
        "the email tests need a real SMTP server: {PYTHON} cannot import aiosmtpd; {HOW_TO_FIX}"
    );
    let openssl = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        openssl,
        "the email tests need `openssl` to make a test certificate; {HOW_TO_FIX}"
    );
}

/// A throwaway CA and a server certificate for localhost / 127.0.0.1.
pub struct Pki {
    /// The folder of the files below, deleted when the PKI is dropped.
    _dir: TempDir,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl ({e}); {HOW_TO_FIX}"));
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Pki {
    pub fn generate() -> Pki {
        require_tools();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut ca_args = vec!["req", "-x509"];
        ca_args.extend(ec);
        ca_args.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=aikpi test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(d, &ca_args);
        let mut csr_args = vec!["req"];
        csr_args.extend(ec);
        csr_args.extend([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        openssl(d, &csr_args);
        // rustls (webpki) insists on subjectAltName; CN alone is not enough.
        std::fs::write(
            d.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "2",
                "-extfile",
                "server.ext",
            ],
        );
        Pki {
            ca: d.join("ca.pem"),
            cert: d.join("server.pem"),
            key: d.join("server.key"),
            _dir: dir,
        }
    }
}

/// How the test server protects the session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServerMode {
    /// STARTTLS offered and required before MAIL/AUTH.
    StartTls,
    /// TLS from the first byte.
    ImplicitTls,
    /// No TLS at all.
    Plain,
}

/// A running aiosmtpd; killed on drop.
pub struct TestServer {
    child: Child,
    // Closing stdin tells the server to exit, even if this process dies first.
    stdin: Option<ChildStdin>,
    pub port: u16,
    pub out: TempDir,
}

impl TestServer {
    pub fn start(tls: ServerMode, pki: Option<&Pki>, login: Option<(&str, &str)>) -> TestServer {
        require_tools();
        let out = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/smtp_server.py");
        let mut cmd = Command::new(PYTHON);
        cmd.arg(&script).arg("--out").arg(out.path());
        let cert_args = |flag: &str, cmd: &mut Command| {
            let pki = pki.expect("a TLS server needs the test PKI");
            cmd.arg(flag).arg(&pki.cert).arg(&pki.key);
        };
        match tls {
            ServerMode::StartTls => cert_args("--starttls", &mut cmd),
            ServerMode::ImplicitTls => cert_args("--implicit-tls", &mut cmd),
            ServerMode::Plain => {}
        }
        if let Some((user, password)) = login {
            cmd.args(["--user", user, "--password", password]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {PYTHON} ({e}); {HOW_TO_FIX}"));
        let stdin = child.stdin.take();
        // The READY line is read on a thread of its own so that a server that never says
        // it is up fails the test (after a bounded wait) instead of hanging it.
        let stdout = child.stdout.take().expect("the server's piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(READY_WITHIN) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "waited {READY_WITHIN:?} for the test SMTP server's `READY <port>` line, \
                     in vain: killed it\n{HOW_TO_FIX}"
                );
            }
        };
        let port = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|p| p.parse::<u16>().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("the test SMTP server did not start (said {line:?}): {err}\n{HOW_TO_FIX}");
        };
        TestServer {
            child,
            stdin,
            port,
            out,
        }
    }

    /// The n-th (1-based) message the server accepted, raw, and its envelope.
    pub fn wait_for_message(&self, n: usize) -> (Vec<u8>, serde_json::Value) {
        let eml = self.out.path().join(format!("{n}.eml"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while !eml.exists() {
            assert!(
                Instant::now() < deadline,
                "no message {n} arrived at the test server"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let envelope = std::fs::read_to_string(self.out.path().join(format!("{n}.json"))).unwrap();
        (
            std::fs::read(eml).unwrap(),
            serde_json::from_str(&envelope).unwrap(),
        )
    }

    /// How many messages the server accepted.
    pub fn received(&self) -> usize {
        std::fs::read_dir(self.out.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .map(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .unwrap_or(false)
            })
            .count()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub const USER: &str = "mbr-bot@example.com";
pub const PASSWORD: &str = "s3cret-Pa55word-never-printed";

/// Email settings for a server on 127.0.0.1.
pub fn settings(
    port: u16,
    security: SmtpSecurity,
    ca: Option<&Path>,
    user: Option<&str>,
) -> EmailSettings {
    EmailSettings {
        server: Some(SmtpServer {
            host: "127.0.0.1".into(),
            port,
            security,
        }),
        username: user.map(String::from),
        password_env: "AIKPI_TEST_SMTP_PASSWORD_UNSET".into(),
        from: Some("Support Ops <mbr-bot@example.com>".parse().unwrap()),
        to: vec![
            "VP Support <vp@example.com>".parse().unwrap(),
            "cfo@example.com".parse().unwrap(),
        ],
        cc: vec!["leads@example.com".parse().unwrap()],
        ca_file: ca.map(Path::to_path_buf),
        timeout: Duration::from_secs(10),
        ..EmailSettings::default()
    }
}

/// The built-in templates (email.html, email.txt), as the command line loads them
/// without a template folder.
pub fn templates() -> Templates {
    Templates::new(None).expect("the built-in templates load")
}

/// Builds the summary in English, as `aikpi report --email` does by default.
pub fn build_message(
    settings: &EmailSettings,
    review: &Review,
    charts: &[Chart],
    attachments: &[EmailAttachment],
    templates: &Templates,
    now: DateTime<Utc>,
) -> Result<lettre::Message, EmailError> {
    let presentation = Presentation::default();
    let summary = email::Summary {
        review,
        presentation: &presentation,
        charts,
        templates,
    };
    email::build_message(settings, &summary, attachments, now)
}

pub fn now() -> DateTime<Utc> {
    "2026-11-03T08:00:00Z".parse().unwrap()
}

/// Money and sentiment sums are exact at any size (`BigDecimal`).
fn big(s: &str) -> BigDecimal {
    s.parse().expect("a decimal")
}

/// A two-month review with the 24h return rate missed (trap 1) and the LLM line
/// hidden in a ledger category whose name is hostile markup (trap 3), so escaping is
/// exercised on the way.
pub fn review_with(hostile_category: &str) -> Review {
    review_with_names(hostile_category, "web")
}

/// [`review_with`], with the month's only channel named `channel` (it shows in the
/// summary's volume line).
pub fn review_with_names(hostile_category: &str, channel: &str) -> Review {
    let prev = month("2026-09");
    let mut cur = month("2026-10");
    cur.conversations.channels = [(channel.to_string(), 20)].into_iter().collect();
    cur.conversations.returned_24h = 3; // 15%: misses "< 10%"
    cur.conversations.csat_ai.sum = 46; // 4.6: better than 4.5
    cur.ledger.retain(|l| l.category != "llm");
    cur.ledger.push(LedgerLine {
        category: hostile_category.into(),
        amount: big("12.00"),
    });
    let read_at = cur.ends_at + chrono::Duration::days(3);
    let aggregates = Aggregates {
        format_version: AGGREGATES_FORMAT_VERSION,
        source: SourceInfo {
            kind: "postgres".into(),
            location: "postgres://reporter:***@db/support".into(),
            schema: "public".into(),
            note: None,
        },
        time_zone: "UTC".into(),
        read_at,
        frustrated_sentiment_min: dec("0.5"),
        months: vec![prev, cur],
        absent_relations: Vec::new(),
    };
    let context = ReviewContext {
        generated_at: now(),
        sample: false,
        language: "en".to_string(),
    };
    review(&aggregates, &ReviewSettings::default(), &context).unwrap()
}

pub fn sample_review() -> Review {
    review_with("cloud_services")
}

/// A small real PNG (plotters' bitmap backend encodes by file extension).
pub fn png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    use plotters::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chart.png");
    {
        let root = BitMapBackend::new(&path, (width, height)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let colour = RGBColor(seed, 90, 200);
        root.draw(&Rectangle::new(
            [(10, 10), (width as i32 / 2, height as i32 - 10)],
            colour.filled(),
        ))
        .unwrap();
        root.present().unwrap();
    }
    std::fs::read(path).unwrap()
}

/// Charts as the chart module names them, plus one the email does not show inline.
pub fn sample_charts() -> Vec<Chart> {
    let chart = |name: &str, title: &str, seed: u8| Chart {
        name: name.into(),
        title: title.into(),
        description: format!("{title} & context for readers with images blocked"),
        png: png(120, 60, seed),
        svg: "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".into(),
    };
    vec![
        chart("csat", "CSAT trend", 10),
        chart("status_overview", "All 12 metrics against target", 20),
        chart("deflection_vs_return", "Deflection vs 24h return rate", 30),
        chart("cost_per_conversation", "Cost per conversation", 40),
    ]
}

/// The MIME tree of a parsed message, one part per line, indented two spaces a level:
/// `type/subtype [inline|attachment] [filename]`.
pub fn mime_tree(message: &mail_parser::Message<'_>) -> String {
    fn walk(
        message: &mail_parser::Message<'_>,
        part: &MessagePart<'_>,
        depth: usize,
        out: &mut String,
    ) {
        let ct = part
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
            .unwrap_or_else(|| "text/plain".into());
        let mut line = format!("{}{}", "  ".repeat(depth), ct.to_ascii_lowercase());
        if let Some(d) = part.content_disposition() {
            line.push(' ');
            line.push_str(d.ctype());
        }
        if let Some(name) = part.attachment_name() {
            if part
                .content_disposition()
                .is_some_and(|d| d.is_attachment())
            {
                line.push(' ');
                line.push_str(name);
            }
        }
        out.push_str(&line);
        out.push('\n');
        if let PartType::Multipart(children) = &part.body {
            for &id in children {
                let child = message.part(id).expect("child part");
                walk(message, child, depth + 1, out);
            }
        }
    }
    let mut out = String::new();
    walk(message, message.root_part(), 0, &mut out);
    out
}

/// The expected tree for `attachments` given.
pub const EXPECTED_TREE: &str = "\
multipart/mixed
  multipart/alternative
    text/plain
    multipart/related
      text/html
      image/png inline
      image/png inline
      image/png inline
  text/html attachment report.html
  application/zip attachment report-notion.zip
";

pub fn attachments() -> Vec<aikpi::deliver::email::EmailAttachment> {
    use aikpi::deliver::email::EmailAttachment;
    vec![
        EmailAttachment {
            filename: "report.html".into(),
            content_type: "text/html; charset=utf-8".into(),
            bytes: b"<!DOCTYPE html><html><body><h1>Full report</h1></body></html>".to_vec(),
        },
        EmailAttachment {
            filename: "report-notion.zip".into(),
            content_type: "application/zip".into(),
            // Not a real zip; the bytes only need to survive the trip intact.
            bytes: (0u8..=255).cycle().take(3000).collect(),
        },
    ]
}

/// Checks the structure and content every sent or previewed summary must have.
pub fn assert_summary_message(raw: &[u8], review: &Review, charts: &[Chart]) {
    let message = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("the message parses");
    assert_eq!(mime_tree(&message), EXPECTED_TREE);

    // Text part: the headline numbers, readable without HTML.
    let text = message.body_text(0).expect("a text/plain body");
    let met = format!("{} of 12 targets met", review.summary.met);
    assert!(text.contains(&met), "text part lacks {met:?}:\n{text}");
    let deflection = Presentation::default().percent(
        review.metrics[&aikpi::review::metrics::MetricId::DeflectionRate]
            .value
            .unwrap(),
    );
    assert!(
        text.contains(&format!("Deflection rate: {deflection}")),
        "{text}"
    );
    assert!(text.contains("24h return rate: 15.0%"), "{text}");

    // HTML: email-safe, every cid: resolves to an inline PNG part.
    let html = message.body_html(0).expect("a text/html body").into_owned();
    for banned in [
        "data:",
        "<svg",
        "<link",
        "@import",
        "url(",
        "src=\"http",
        "<script",
    ] {
        assert!(!html.contains(banned), "HTML body contains {banned:?}");
    }
    assert!(html.contains("width=\"640\""), "fixed-width layout");
    assert!(html.contains(&met), "numbers are text in the HTML too");
    let cids: Vec<&str> = html
        .split("src=\"cid:")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert_eq!(cids.len(), 3, "three key charts inline");
    assert_eq!(html.matches("<img ").count(), cids.len());
    assert_eq!(
        html.matches(" alt=\"").count(),
        cids.len(),
        "every image has alt text"
    );
    for cid in &cids {
        let part = message
            .parts
            .iter()
            .find(|p| p.content_id() == Some(*cid))
            .unwrap_or_else(|| panic!("cid:{cid} has no part"));
        let ct = part.content_type().unwrap();
        assert_eq!((ct.ctype(), ct.subtype()), ("image", Some("png")));
        assert!(part.content_disposition().unwrap().is_inline());
        let bytes = part.contents();
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "cid:{cid} is a PNG"
        );
        assert!(
            charts.iter().any(|c| c.png == bytes),
            "cid:{cid} is one of the charts"
        );
    }
    // The status overview leads; the CSAT trend is not a key chart.
    assert!(cids[0].starts_with("chart-status_overview."), "{cids:?}");
    assert!(!cids.iter().any(|c| c.contains("trend_csat")));

    // Attachments intact.
    for a in attachments() {
        let part = message
            .attachments()
            .find(|p| p.attachment_name() == Some(a.filename.as_str()))
            .unwrap_or_else(|| panic!("{} is attached", a.filename));
        assert_eq!(part.contents(), a.bytes.as_slice(), "{} intact", a.filename);
    }
}

/// Byte equality with a readable report: the first difference and its surroundings.
pub fn assert_same_bytes(actual: &[u8], expected: &[u8], what: &str) {
    if actual == expected {
        return;
    }
    let at = actual
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(actual.len().min(expected.len()));
    let around = |b: &[u8]| {
        String::from_utf8_lossy(&b[at.saturating_sub(80)..(at + 80).min(b.len())]).into_owned()
    };
    panic!(
        "{what}: {} vs {} bytes, first difference at byte {at}\nactual:   {:?}\nexpected: {:?}",
        actual.len(),
        expected.len(),
        around(actual),
        around(expected)
    );
}
