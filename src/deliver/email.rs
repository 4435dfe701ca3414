//! The emailed executive summary: build the MIME message, write it as `.eml` for a dry
//! run, or send it over SMTP (lettre, rustls — no OpenSSL).
//!
//! The message:
//!
//! ```text
//! multipart/mixed
//! ├── multipart/alternative
//! │   ├── text/plain                 the summary as text (every headline number)
//! │   └── multipart/related          type="text/html"
//! │       ├── text/html              email-safe HTML; <img src="cid:…">
//! │       └── image/png …            the key charts, Content-Disposition: inline
//! ├── text/html  report.html         attachment
//! ├── application/zip  report-notion.zip
//! └── (report.docx when email.attach_docx, report.pdf when email.attach_pdf)
//! ```
//!
//! Sending talks SMTP step by step ([`SmtpConnection`]) rather than through
//! `SmtpTransport`, so that every failure is known by the step it happened in
//! (connect, TLS, login, sender, recipient, data) and explained as such in one
//! [`EmailError`] paragraph that names the server but never the password.
//!
//! The date and Message-ID come from the injected clock and the content, and the MIME
//! boundaries from a hash of the content, so a dry run is byte-for-byte reproducible.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailParameter};
use lettre::Message;

use crate::config::{EmailSettings, SmtpSecurity, SmtpServer, DEFAULT_SUBJECT};
use crate::outputs::email_body::{self as body, EmailHtml, EmailText};
use crate::outputs::{Chart, FormatError, Input, Output, RenderError, Templates};
use crate::presentation::chart_id::ChartId;
use crate::presentation::document::Document;
use crate::presentation::view::ReportView;
use crate::presentation::Presentation;
use crate::review::Review;
use crate::say;

/// What the summary says: the run's review in its language, its charts and templates.
#[derive(Debug, Clone, Copy)]
pub struct Summary<'a> {
    pub review: &'a Review,
    pub presentation: &'a Presentation,
    pub charts: &'a [Chart],
    pub templates: &'a Templates,
}

/// Charts shown inline, in order: the all-metrics status view first, then deflection
/// next to the return rate (trap 1), then cost per conversation over the trend. Typed, so
/// renaming a chart cannot silently drop it from the email; one not drawn is skipped.
pub const KEY_CHARTS: [ChartId; 3] = [
    ChartId::StatusOverview,
    ChartId::DeflectionVsReturn,
    ChartId::CostPerConversation,
];
/// At most this many inline charts: each is a PNG the reader downloads on a phone.
pub const MAX_INLINE_CHARTS: usize = 3;

/// Login mechanisms offered, in order of preference. Both send the password in the
/// clear inside the session, which is why sending refuses to run without TLS unless
/// the URL says `tls=none`.
const MECHANISMS: [Mechanism; 2] = [Mechanism::Plain, Mechanism::Login];

/// The SMTP password. Debug and Display print `***`, so the password cannot leak
/// through a log line, an error or a panic message.
#[derive(Clone)]
pub struct SmtpPassword(String);

impl SmtpPassword {
    /// Wraps a password (tests, or a secret store).
    pub fn new(password: impl Into<String>) -> Self {
        SmtpPassword(password.into())
    }

    /// Reads the password from the environment variable `var`.
    pub fn from_env(var: &str, username: &str) -> Result<Self, EmailError> {
        match std::env::var(var) {
            Ok(p) if !p.is_empty() => Ok(SmtpPassword(p)),
            _ => Err(EmailError::MissingPassword {
                var: var.to_string(),
                username: username.to_string(),
            }),
        }
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SmtpPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpPassword(***)")
    }
}

impl fmt::Display for SmtpPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The password for `settings`: `None` when no username is configured (an
/// unauthenticated relay), an error when a username is configured but its environment
/// variable is unset or empty.
pub fn password_from_env(settings: &EmailSettings) -> Result<Option<SmtpPassword>, EmailError> {
    settings
        .username
        .as_deref()
        .map(|user| SmtpPassword::from_env(&settings.password_env, user))
        .transpose()
}

/// A file attached to the email.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailAttachment {
    /// The file name the reader sees.
    pub filename: String,
    /// MIME type, e.g. `application/zip`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The report files attached, with their MIME types.
pub const REPORT_ATTACHMENTS: [(&str, &str); 2] = [
    ("report.html", "text/html; charset=utf-8"),
    ("report-notion.zip", "application/zip"),
];
/// The Word report, attached when `email.attach_docx` is set.
pub const DOCX_ATTACHMENT: (&str, &str) = (
    "report.docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
);
/// The PDF report, attached when `email.attach_pdf` is set.
pub const PDF_ATTACHMENT: (&str, &str) = ("report.pdf", "application/pdf");

impl EmailAttachment {
    /// Reads the attachments from the written output folder (`--out`), so the email
    /// carries exactly the files on disk: `report.html` and `report-notion.zip` when
    /// they were written (`--format` may leave html out), and `report.docx` when
    /// `email.attach_docx` asks for it — then it must exist.
    pub fn from_output_dir(
        settings: &EmailSettings,
        out: &Path,
    ) -> Result<Vec<EmailAttachment>, EmailError> {
        let mut wanted: Vec<((&str, &str), bool)> =
            REPORT_ATTACHMENTS.iter().map(|&a| (a, false)).collect();
        if settings.attach_docx {
            wanted.push((DOCX_ATTACHMENT, true));
        }
        if settings.attach_pdf {
            wanted.push((PDF_ATTACHMENT, true));
        }
        let mut found = Vec::new();
        for ((name, content_type), required) in wanted {
            let path = out.join(name);
            match std::fs::read(&path) {
                Ok(bytes) => found.push(EmailAttachment {
                    filename: name.to_string(),
                    content_type: content_type.to_string(),
                    bytes,
                }),
                Err(e) if e.kind() == io::ErrorKind::NotFound && !required => {}
                Err(source) => return Err(EmailError::Attachment { path, source }),
            }
        }
        Ok(found)
    }
}

/// Why the email could not be built, written or sent. Each message is one paragraph
/// that names the server (`host:port`) and the cause, never a credential.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("email is not configured: {0}. See docs/EMAIL.md for an example [email] table")]
    NotConfigured(String),
    #[error("`{address}` is not an email address ({reason}); write e.g. ops@example.com or \"Support Ops <ops@example.com>\"")]
    Address { address: String, reason: String },
    #[error("no SMTP password: email.username is `{username}` but the environment variable {var} is not set (or empty). Export the password in {var} (the name comes from email.password_env); it is never read from a flag or the config file")]
    MissingPassword { var: String, username: String },
    #[error("cannot use the certificate file {path} (email.ca_file): {reason}")]
    CaFile { path: PathBuf, reason: String },
    #[error("cannot read {path} to attach it to the email: {source}")]
    Attachment { path: PathBuf, source: io::Error },
    #[error("cannot build the email: {0}")]
    Build(String),
    #[error("cannot render the email body: {0}")]
    Render(#[source] RenderError),
    #[error("cannot write the email preview {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("the email preview {path} {why}. Choose another --email-dry-run file, or move that one away first")]
    DryRunTarget { path: PathBuf, why: DryRunRefusal },
    #[error("cannot reach the SMTP server {server}: {cause}. Check the host and port in email.smtp_url (587 is STARTTLS submission, 465 implicit TLS) and that this machine may connect to it")]
    Unreachable { server: String, cause: String },
    #[error("the TLS handshake with the SMTP server {server} failed: {cause}. If the server's certificate comes from your organisation's own authority, point email.ca_file at that CA's PEM file; if the port expects STARTTLS rather than implicit TLS, use smtp://…:587")]
    Tls { server: String, cause: String },
    #[error("the SMTP server {server} requires STARTTLS, but email.smtp_url says tls=none (plaintext). Remove `?tls=none` so aikpi upgrades the connection with STARTTLS")]
    StartTlsRequired { server: String },
    #[error("the SMTP server {server} does not offer STARTTLS, so aikpi will not send the login and the report over it unencrypted. Use smtps://host:465 if the server speaks implicit TLS; `?tls=none` is meant only for a relay on the same machine")]
    StartTlsUnavailable { server: String },
    #[error("the SMTP server {server} refused the login of `{username}`: {reply}. Check email.username and the password in the environment variable {var}")]
    AuthRefused {
        server: String,
        username: String,
        var: String,
        reply: String,
    },
    #[error("the SMTP server {server} offers no login method aikpi supports (PLAIN or LOGIN) on this connection")]
    AuthUnavailable { server: String },
    #[error("the SMTP server {server} requires a login: {reply}. Set email.username and export the password in {var}")]
    AuthRequired {
        server: String,
        var: String,
        reply: String,
    },
    #[error("the SMTP server {server} refused the sender {sender}: {reply}. Check email.from: many servers only accept the account's own address")]
    SenderRefused {
        server: String,
        sender: String,
        reply: String,
    },
    #[error("the SMTP server {server} refused the recipient {recipient}: {reply}. Check email.to / email.cc (or --email-to); nothing was sent")]
    RecipientRefused {
        server: String,
        recipient: String,
        reply: String,
    },
    #[error("the SMTP server {server} refused the message: {reply}")]
    MessageRefused { server: String, reply: String },
    #[error("the conversation with the SMTP server {server} failed: {cause}")]
    Protocol { server: String, cause: String },
}

/// Parses `--email-to` values (each may hold several addresses separated by commas).
pub fn parse_recipients(values: &[String]) -> Result<Vec<Mailbox>, EmailError> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.parse::<Mailbox>().map_err(|e| EmailError::Address {
                address: a.to_string(),
                reason: e.to_string(),
            })
        })
        .collect()
}

/// Checks, before any report work, that the settings can build (and unless `dry_run`,
/// send) a message: server, sender, recipients, and the password variable. Meant for
/// the command line to fail early with exit code 2 instead of 5.
pub fn check_ready(settings: &EmailSettings, dry_run: bool) -> Result<(), EmailError> {
    if settings.from.is_none() {
        return Err(EmailError::NotConfigured(
            "email.from is not set".to_string(),
        ));
    }
    if settings.to.is_empty() {
        return Err(EmailError::NotConfigured(
            "no recipient: set email.to or pass --email-to".to_string(),
        ));
    }
    if !dry_run {
        if settings.server.is_none() {
            return Err(EmailError::NotConfigured(
                "email.smtp_url is not set".to_string(),
            ));
        }
        password_from_env(settings)?;
    }
    Ok(())
}

/// The charts shown inline ([`KEY_CHARTS`] that were drawn, in that order); when none
/// of them was drawn, the first ones, so the email never goes out chartless.
pub fn key_charts(charts: &[Chart]) -> Vec<&Chart> {
    let mut chosen: Vec<&Chart> = KEY_CHARTS
        .iter()
        .filter_map(|id| charts.iter().find(|c| c.name == id.name()))
        .collect();
    if chosen.is_empty() {
        chosen = charts.iter().take(2).collect();
    }
    chosen.truncate(MAX_INLINE_CHARTS);
    chosen
}

/// The subject: the template with `{month}` and `{headline}` filled in. The default
/// template is the language's own; a configured one is used as written.
pub fn subject(settings: &EmailSettings, review: &Review, p: &Presentation) -> String {
    let template = if settings.subject == DEFAULT_SUBJECT {
        p.words.email_subject
    } else {
        &settings.subject
    };
    let subject = say!(
        template,
        month = p.month_name(review.month),
        headline = body::headline(review, p)
    );
    // Marked in front in Chinese, where a truncated subject keeps its start.
    if review.sample {
        say!(p.words.email_sample, text = subject)
    } else {
        subject
    }
}

/// FNV-1a: a stable content hash for Message-ID, Content-IDs and boundaries (std's
/// hasher may change between Rust versions, which would change dry-run output).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // Separate parts so ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A chart name reduced to characters that are safe in a Content-ID.
fn cid_token(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn content_type(text: &str) -> Result<ContentType, EmailError> {
    ContentType::parse(text).map_err(|e| EmailError::Build(format!("content type `{text}`: {e}")))
}

/// Builds the complete message (headers, both bodies, inline charts, attachments).
///
/// The bodies are rendered from `templates` (`email.txt`, `email.html`: the built-ins
/// or a user's overrides). `now` is the run's clock: it becomes the Date header and seeds the Message-ID, so
/// the same inputs always give the same bytes.
pub fn build_message(
    settings: &EmailSettings,
    summary: &Summary<'_>,
    attachments: &[EmailAttachment],
    now: DateTime<Utc>,
) -> Result<Message, EmailError> {
    let review = summary.review;
    let view = ReportView::new(review, summary.presentation);
    let document = Document::new(review, &view, summary.presentation);
    let input = Input {
        review,
        presentation: summary.presentation,
        view: &view,
        document: &document,
        charts: &[],
        templates: summary.templates,
    };
    let render = |output: &dyn Output| -> Result<String, EmailError> {
        let files = output.render(&input).map_err(|e| match e {
            FormatError::Render(e) => EmailError::Render(e),
            other => EmailError::Build(other.to_string()),
        })?;
        let bytes = files
            .into_iter()
            .next()
            .map(|f| f.bytes)
            .unwrap_or_default();
        String::from_utf8(bytes).map_err(|e| EmailError::Build(e.to_string()))
    };
    let from = settings
        .from
        .clone()
        .ok_or_else(|| EmailError::NotConfigured("email.from is not set".to_string()))?;
    if settings.to.is_empty() {
        return Err(EmailError::NotConfigured(
            "no recipient: set email.to or pass --email-to".to_string(),
        ));
    }
    let subject = subject(settings, review, summary.presentation);
    let attached: Vec<&EmailAttachment> = attachments
        .iter()
        // The Word and PDF reports join only when asked for, whatever the caller passed.
        .filter(|a| a.filename != DOCX_ATTACHMENT.0 || settings.attach_docx)
        .filter(|a| a.filename != PDF_ATTACHMENT.0 || settings.attach_pdf)
        .collect();
    let attached_names: Vec<&str> = attached.iter().map(|a| a.filename.as_str()).collect();
    let text = render(&EmailText {
        attached: &attached_names,
    })?;

    let recipients: String = settings
        .to
        .iter()
        .chain(&settings.cc)
        .map(|m| m.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let seed = fnv1a(&[
        now.to_rfc3339().as_bytes(),
        from.to_string().as_bytes(),
        recipients.as_bytes(),
        subject.as_bytes(),
        text.as_bytes(),
    ]);
    let tag = format!("{seed:016x}");

    let key = key_charts(summary.charts);
    let cids: Vec<String> = key
        .iter()
        .map(|c| format!("chart-{}.{tag}@aikpi", cid_token(&c.name)))
        .collect();
    let inline: Vec<body::InlineChart<'_>> = cids
        .iter()
        .map(String::as_str)
        .zip(key.iter().copied())
        .collect();
    let html = render(&EmailHtml {
        inline: &inline,
        attached: &attached_names,
    })?;

    let mut related = MultiPart::builder()
        .header(content_type(&format!(
            "multipart/related; type=\"text/html\"; boundary=\"aikpi-related-{tag}\""
        ))?)
        .build()
        .singlepart(SinglePart::html(html));
    let png = content_type("image/png")?;
    for (cid, chart) in &inline {
        related = related.singlepart(
            Attachment::new_inline_with_name(
                cid.to_string(),
                format!("{}.png", cid_token(&chart.name)),
            )
            .body(chart.png.clone(), png.clone()),
        );
    }
    let alternative = MultiPart::alternative()
        .boundary(format!("aikpi-alternative-{tag}"))
        .singlepart(SinglePart::plain(text))
        .multipart(related);
    let mut mixed = MultiPart::mixed()
        .boundary(format!("aikpi-mixed-{tag}"))
        .multipart(alternative);
    for a in attached {
        mixed = mixed.singlepart(
            Attachment::new(a.filename.clone())
                .body(a.bytes.clone(), content_type(&a.content_type)?),
        );
    }

    let domain = from.email.domain().to_string();
    let mut builder = Message::builder()
        .from(from)
        .subject(subject)
        .date(SystemTime::from(now))
        .message_id(Some(format!(
            "<aikpi.{}.{}.{tag}@{domain}>",
            review.month,
            now.timestamp()
        )))
        .user_agent(format!("aikpi/{}", env!("CARGO_PKG_VERSION")));
    for to in &settings.to {
        builder = builder.to(to.clone());
    }
    for cc in &settings.cc {
        builder = builder.cc(cc.clone());
    }
    builder
        .multipart(mixed)
        .map_err(|e| EmailError::Build(e.to_string()))
}

/// Writes the exact message that would be sent (RFC 5322, CRLF line ends) to `path`;
/// opens in any mail client. No network.
///
/// Replaces only an email aikpi wrote ([`check_dry_run_target`]) and never follows a
/// link: the message goes into a new file beside `path`, renamed over it when complete.
pub fn write_dry_run(path: &Path, message: &Message) -> Result<(), EmailError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    check_dry_run_target(path)?;
    let write_err = |source| EmailError::Write {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .ok_or_else(|| write_err(io::Error::from(io::ErrorKind::InvalidInput)))?;
    let mut partial = std::ffi::OsString::from(".");
    partial.push(name);
    partial.push(format!(".partial-{}", std::process::id()));
    let partial = path.with_file_name(partial);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(&partial)
        .and_then(|mut file| file.write_all(&message.formatted()))
        .and_then(|()| std::fs::rename(&partial, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written.map_err(write_err)
}

/// How much of an existing file is read to tell whether it is an email aikpi wrote.
const DRY_RUN_SNIFF_BYTES: u64 = 64 * 1024;

/// Checks that `--email-dry-run` may write `path`: it does not exist yet, or it is a
/// plain file holding an email aikpi wrote (its `User-Agent: aikpi/…` header). A link
/// or any other file is refused, so a preview never overwrites what aikpi did not write.
pub fn check_dry_run_target(path: &Path) -> Result<(), EmailError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let refuse = |why: DryRunRefusal| EmailError::DryRunTarget {
        path: path.to_path_buf(),
        why,
    };
    let meta = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(EmailError::Write {
                path: path.to_path_buf(),
                source,
            })
        }
        Ok(meta) => meta,
    };
    if meta.file_type().is_symlink() {
        return Err(refuse(DryRunRefusal::Link));
    }
    if !meta.is_file() {
        return Err(refuse(DryRunRefusal::NotAFile));
    }
    let mut head = Vec::new();
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
        .and_then(|file| file.take(DRY_RUN_SNIFF_BYTES).read_to_end(&mut head))
        .map_err(|source| EmailError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    let text = String::from_utf8_lossy(&head);
    let headers = text.split("\r\n\r\n").next().unwrap_or_default();
    if headers
        .split("\r\n")
        .any(|line| line.starts_with("User-Agent: aikpi/"))
    {
        Ok(())
    } else {
        Err(refuse(DryRunRefusal::NotOurs))
    }
}

/// Why `--email-dry-run` will not write to an existing path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRunRefusal {
    /// A symbolic link: writing would change whatever it points to.
    Link,
    /// A folder, device or pipe.
    NotAFile,
    /// A file that is not an email aikpi wrote.
    NotOurs,
}

impl fmt::Display for DryRunRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DryRunRefusal::Link => "is a symbolic link, and aikpi does not write through links",
            DryRunRefusal::NotAFile => "is not a plain file",
            DryRunRefusal::NotOurs => {
                "already exists and is not an email aikpi wrote, and aikpi does not overwrite it"
            }
        })
    }
}

/// The step of the SMTP conversation a failure happened in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Connect,
    StartTls,
    Login,
    Sender,
    Recipient,
    Data,
}

/// A failed conversation, before it is explained as an [`EmailError`].
#[derive(Debug)]
enum Failure {
    /// lettre reported an error (a negative reply, an I/O or TLS failure) in this step;
    /// for [`Step::Recipient`], with the refused address.
    Smtp(Step, lettre::transport::smtp::Error, Option<String>),
    /// STARTTLS is required but the server does not offer it.
    NoStartTls,
    /// Plaintext was configured, and the server offers a login only after STARTTLS.
    LoginNeedsStartTls,
    /// The server offers none of [`MECHANISMS`].
    NoLoginMethod,
    /// A non-ASCII address and a server without SMTPUTF8.
    NoSmtpUtf8,
}

/// Sends `message` through the configured server.
///
/// `password` is required when `email.username` is set (see [`password_from_env`]).
/// The connection is TLS unless the URL says `tls=none`; with STARTTLS the upgrade is
/// mandatory, so a stripped STARTTLS capability fails instead of downgrading.
pub fn send(
    settings: &EmailSettings,
    message: &Message,
    password: Option<&SmtpPassword>,
) -> Result<(), EmailError> {
    let server = settings
        .server
        .as_ref()
        .ok_or_else(|| EmailError::NotConfigured("email.smtp_url is not set".to_string()))?;
    let credentials = match (&settings.username, password) {
        (Some(user), Some(p)) => Some(Credentials::new(user.clone(), p.expose().to_string())),
        (Some(user), None) => {
            return Err(EmailError::MissingPassword {
                var: settings.password_env.clone(),
                username: user.clone(),
            })
        }
        (None, _) => None,
    };
    let secret = password.map(SmtpPassword::expose);
    let tls = match server.security {
        SmtpSecurity::Plaintext => None,
        SmtpSecurity::ImplicitTls | SmtpSecurity::StartTls => {
            Some(tls_parameters(settings, server)?)
        }
    };
    let hello = ClientId::default();
    let wrapper = match server.security {
        SmtpSecurity::ImplicitTls => tls.as_ref(),
        SmtpSecurity::StartTls | SmtpSecurity::Plaintext => None,
    };
    let mut conn = SmtpConnection::connect(
        (server.host.as_str(), server.port),
        Some(settings.timeout),
        &hello,
        wrapper,
        None,
    )
    .map_err(|e| {
        explain(
            Failure::Smtp(Step::Connect, e, None),
            settings,
            server,
            secret,
        )
    })?;

    let result = converse(
        &mut conn,
        server,
        tls.as_ref(),
        &hello,
        credentials,
        message,
    );
    match result {
        Ok(()) => {
            // The message is accepted once DATA is answered; a failing QUIT changes nothing.
            let _ = conn.quit();
            Ok(())
        }
        Err(failure) => {
            conn.abort();
            Err(explain(failure, settings, server, secret))
        }
    }
}

/// Everything after the greeting: STARTTLS, login, envelope, data.
fn converse(
    conn: &mut SmtpConnection,
    server: &SmtpServer,
    tls: Option<&TlsParameters>,
    hello: &ClientId,
    credentials: Option<Credentials>,
    message: &Message,
) -> Result<(), Failure> {
    let at = |step: Step| move |e| Failure::Smtp(step, e, None);

    if server.security == SmtpSecurity::StartTls {
        // `send` builds TLS parameters for every TLS mode; never go on without them.
        let tls = tls.ok_or(Failure::NoStartTls)?;
        if !conn.server_info().supports_feature(Extension::StartTls) {
            return Err(Failure::NoStartTls);
        }
        conn.starttls(tls, hello).map_err(at(Step::StartTls))?;
    }

    if let Some(credentials) = credentials {
        if conn.server_info().get_auth_mechanism(&MECHANISMS).is_none() {
            // Servers hide AUTH until the session is encrypted; a plaintext session
            // that is offered STARTTLS is the tell.
            let tls_offered = conn.server_info().supports_feature(Extension::StartTls);
            return Err(
                if server.security == SmtpSecurity::Plaintext && tls_offered {
                    Failure::LoginNeedsStartTls
                } else {
                    Failure::NoLoginMethod
                },
            );
        }
        conn.auth(&MECHANISMS, &credentials)
            .map_err(at(Step::Login))?;
    }

    let envelope = message.envelope();
    let mut mail_options = Vec::new();
    let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
    let non_ascii =
        envelope.from().is_some_and(|a| !ascii(a)) || envelope.to().iter().any(|a| !ascii(a));
    if non_ascii {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(Failure::NoSmtpUtf8);
        }
        mail_options.push(MailParameter::SmtpUtfEight);
    }
    conn.command(Mail::new(envelope.from().cloned(), mail_options))
        .map_err(at(Step::Sender))?;
    for to in envelope.to() {
        conn.command(Rcpt::new(to.clone(), vec![]))
            .map_err(|e| Failure::Smtp(Step::Recipient, e, Some(to.to_string())))?;
    }
    conn.command(Data).map_err(at(Step::Data))?;
    // `formatted()` is 7-bit clean (lettre encodes bodies as quoted-printable or
    // base64), so no 8BITMIME is needed.
    conn.message(&message.formatted()).map_err(at(Step::Data))?;
    Ok(())
}

/// Trusted roots: the public web PKI plus `email.ca_file` when given.
fn tls_parameters(
    settings: &EmailSettings,
    server: &SmtpServer,
) -> Result<TlsParameters, EmailError> {
    let mut builder = TlsParameters::builder(server.host.clone());
    if let Some(path) = &settings.ca_file {
        let pem = std::fs::read(path).map_err(|e| EmailError::CaFile {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if !pem.windows(11).any(|w| w == b"-----BEGIN ") {
            return Err(EmailError::CaFile {
                path: path.clone(),
                reason: "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_string(),
            });
        }
        let cert = Certificate::from_pem(&pem).map_err(|e| EmailError::CaFile {
            path: path.clone(),
            reason: format!("not a PEM certificate ({e})"),
        })?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build_rustls().map_err(|e| EmailError::Tls {
        server: server.to_string(),
        cause: e.to_string(),
    })
}

/// The first I/O error in an error's source chain.
fn io_cause<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            return Some(io);
        }
        current = err.source();
    }
    None
}

/// The server's reply as "535 5.7.8 Authentication credentials invalid".
fn reply_text(e: &lettre::transport::smtp::Error) -> Option<String> {
    use std::error::Error as _;
    let code = e.status()?;
    let text = e.source().map(|s| s.to_string()).unwrap_or_default();
    Some(format!("{code} {text}").trim().to_string())
}

/// The innermost readable cause: the I/O error's text, else lettre's own.
fn cause_text(e: &lettre::transport::smtp::Error) -> String {
    match io_cause(e) {
        Some(io) => io.to_string(),
        None => e.to_string(),
    }
}

/// Removes the password from text that came from the server or the network stack —
/// belt and braces: no SMTP server should echo it, but a broken one might.
fn scrub(text: String, secret: Option<&str>) -> String {
    match secret {
        Some(s) if !s.is_empty() && text.contains(s) => text.replace(s, "***"),
        _ => text,
    }
}

/// Explains a failure in one paragraph naming the server and the cause.
fn explain(
    failure: Failure,
    settings: &EmailSettings,
    server: &SmtpServer,
    secret: Option<&str>,
) -> EmailError {
    let name = server.to_string();
    let var = settings.password_env.clone();
    let (step, e, recipient) = match failure {
        Failure::NoStartTls => return EmailError::StartTlsUnavailable { server: name },
        Failure::LoginNeedsStartTls => return EmailError::StartTlsRequired { server: name },
        Failure::NoLoginMethod => return EmailError::AuthUnavailable { server: name },
        Failure::NoSmtpUtf8 => {
            return EmailError::Protocol {
                server: name,
                cause: "an address is not plain ASCII and the server does not support internationalized addresses (SMTPUTF8)".to_string(),
            }
        }
        Failure::Smtp(step, e, recipient) => (step, e, recipient),
    };
    let reply = reply_text(&e).map(|r| scrub(r, secret));
    let cause = scrub(cause_text(&e), secret);
    let io_kind = io_cause(&e).map(io::Error::kind);
    let timed_out = e.is_timeout()
        || matches!(
            io_kind,
            Some(io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
        );
    let timeout_note = || {
        let hint = match server.security {
            SmtpSecurity::ImplicitTls => "",
            // A STARTTLS client on an implicit-TLS port waits for a greeting that never comes.
            SmtpSecurity::StartTls | SmtpSecurity::Plaintext => {
                " (if this port expects TLS from the first byte, as 465 does, use smtps://)"
            }
        };
        format!("no answer within {} s{hint}", settings.timeout.as_secs())
    };
    let tls_failure = e.is_tls() || io_kind == Some(io::ErrorKind::InvalidData);

    match (step, reply) {
        // A negative greeting: the server is there but turns us away.
        (Step::Connect, Some(reply)) => EmailError::Protocol {
            server: name,
            cause: format!("the server refused the connection: {reply}"),
        },
        (Step::Connect, None) if tls_failure && server.security == SmtpSecurity::ImplicitTls => {
            EmailError::Tls {
                server: name,
                cause,
            }
        }
        (Step::Connect, None) => EmailError::Unreachable {
            server: name,
            cause: match io_kind {
                _ if timed_out => timeout_note(),
                Some(io::ErrorKind::ConnectionRefused) => {
                    "connection refused (nothing is listening on that port)".to_string()
                }
                _ => cause,
            },
        },
        (Step::StartTls, Some(reply)) => EmailError::Tls {
            server: name,
            cause: format!("the server refused STARTTLS: {reply}"),
        },
        (Step::StartTls, None) => EmailError::Tls {
            server: name,
            cause: if timed_out { timeout_note() } else { cause },
        },
        (Step::Login, Some(reply)) => EmailError::AuthRefused {
            server: name,
            username: settings.username.clone().unwrap_or_default(),
            var,
            reply,
        },
        (Step::Sender, Some(reply)) => {
            let code = e.status().map(|c| c.to_string()).unwrap_or_default();
            let wants_tls = reply.to_ascii_uppercase().contains("STARTTLS");
            if server.security == SmtpSecurity::Plaintext && wants_tls {
                EmailError::StartTlsRequired { server: name }
            } else if code == "530" {
                EmailError::AuthRequired {
                    server: name,
                    var,
                    reply,
                }
            } else {
                EmailError::SenderRefused {
                    server: name,
                    sender: settings
                        .from
                        .as_ref()
                        .map(|m| m.email.to_string())
                        .unwrap_or_default(),
                    reply,
                }
            }
        }
        (Step::Recipient, Some(reply)) => {
            let wants_tls = reply.to_ascii_uppercase().contains("STARTTLS");
            if server.security == SmtpSecurity::Plaintext && wants_tls {
                EmailError::StartTlsRequired { server: name }
            } else {
                EmailError::RecipientRefused {
                    server: name,
                    recipient: recipient.unwrap_or_default(),
                    reply,
                }
            }
        }
        (Step::Data, Some(reply)) => EmailError::MessageRefused {
            server: name,
            reply,
        },
        // No reply: the connection broke mid-conversation, or TLS failed late.
        (_, None) if tls_failure => EmailError::Tls {
            server: name,
            cause,
        },
        (_, None) => EmailError::Protocol {
            server: name,
            cause: if timed_out {
                timeout_note()
            } else {
                format!("the connection broke: {cause}")
            },
        },
    }
}
