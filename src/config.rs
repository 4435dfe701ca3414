//! Configuration: built-in defaults < TOML file < environment < flags, resolved in one
//! place into a checked [`Config`].
//!
//! The file is parsed strictly: an unknown key is an error that names it, so a typo in
//! a target never silently falls back to a default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use lettre::message::Mailbox;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::presentation::display_names::{DisplayNames, NameKind};
use crate::presentation::Language;
use crate::review::exact::{self, Exact};
use crate::review::metrics::{MetricId, Unit};
use crate::review::settings::{CostCategories, EventNote, ReviewSettings, Target, TrapThresholds};
use crate::source::postgres::ReadOptions;

/// The defaults, as a commented file (`aikpi config init` writes it out).
pub const DEFAULT_CONFIG_TOML: &str = include_str!("../config/aikpi.toml");

/// Why the configuration was refused (exit code 2). Each message is one paragraph that
/// names the problem and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {}.", .path.display(), read_problem(.source))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the config file {} is larger than {} KiB; a configuration is a few kilobytes of \
         TOML. Check that --config (or AIKPI_CONFIG) names the configuration file.",
        .path.display(),
        CONFIG_FILE_MAX_BYTES / 1024
    )]
    TooLarge { path: PathBuf },
    #[error(
        "the config file {} is not valid: {message}. Fix it there; `aikpi config init` prints \
         every key with its default and meaning.",
        .path.display()
    )]
    Parse { path: PathBuf, message: String },
    #[error(
        "`{name}` is not an IANA time zone name{hint}. Set --tz, AIKPI_TZ or `time_zone` in the \
         config file to a name such as UTC, Europe/Berlin or Asia/Shanghai."
    )]
    TimeZone {
        name: String,
        /// ` (did you mean `…`?)` or empty.
        hint: String,
    },
    #[error(
        "invalid configuration: {0}. Correct it in the config file, or in the flag or \
         environment variable that sets it; `aikpi config init` prints every key with its \
         default."
    )]
    Invalid(String),
    #[error(
        "the config file {} has an invalid value: {message}. Correct it there; `aikpi config \
         init` prints every key with its default.",
        .path.display()
    )]
    InvalidInFile { path: PathBuf, message: String },
}

impl ConfigError {
    /// An unknown time zone, with the nearest known name when one is close.
    fn time_zone(name: &str) -> ConfigError {
        ConfigError::TimeZone {
            name: name.to_string(),
            hint: did_you_mean(
                name.trim(),
                chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()),
            ),
        }
    }
}

/// " (did you mean `x`?)" for the known name closest to `wanted`, or "" when none is
/// close enough to be a typo. One rule for every name aikpi suggests (config keys,
/// metric ids, time zones): case-insensitive Damerau–Levenshtein distance of at most 3
/// edits, or a third of the known name's length when that is more (`deflection` is
/// `deflection_rate` cut short).
fn did_you_mean<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let wanted = wanted.to_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(&wanted, &k.to_lowercase()), k))
        .filter(|(distance, k)| *distance <= (k.chars().count() / 3).max(3))
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

/// Why a config file could not be read, and what to do, in words.
fn read_problem(e: &std::io::Error) -> String {
    crate::advice::io_advice(e, crate::advice::FileUse::ConfigFile)
}

/// The largest config file read, in bytes: a configuration is a few kilobytes, and a
/// path to a device or a huge file must not fill the memory.
pub const CONFIG_FILE_MAX_BYTES: u64 = 1024 * 1024;

/// The most entries a list in the config file may have (cost categories, recipients,
/// annotations): far more than any real configuration, few enough to stay small.
pub const LIST_MAX_ENTRIES: usize = 1000;

/// PostgreSQL's own bounds of `work_mem`, in kB (64 kB … `INT_MAX` kB).
const WORK_MEM_KB: std::ops::RangeInclusive<u64> = 64..=2_147_483_647;

/// The longest statement timeout PostgreSQL takes (`INT_MAX` milliseconds), in seconds.
const STATEMENT_TIMEOUT_MAX_SECONDS: i64 = 2_147_483;

/// Reads the config file, at most [`CONFIG_FILE_MAX_BYTES`] of it (also from a device
/// or a pipe, which have no size to check beforehand).
fn read_config_text(path: &Path) -> Result<String, ConfigError> {
    use std::io::Read;
    let read = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read)?;
    let mut bytes = Vec::new();
    file.take(CONFIG_FILE_MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read)?;
    if bytes.len() as u64 > CONFIG_FILE_MAX_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    String::from_utf8(bytes)
        .map_err(|e| read(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// Refuses a list longer than [`LIST_MAX_ENTRIES`], naming its key.
fn check_list_length(key: &str, length: usize) -> Result<(), ConfigError> {
    if length > LIST_MAX_ENTRIES {
        return Err(ConfigError::Invalid(format!(
            "{key} has {length} entries; at most {LIST_MAX_ENTRIES} are allowed"
        )));
    }
    Ok(())
}

/// The `[targets]`, `[tolerances]`, … of the file, every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub time_zone: Option<String>,
    pub schema: Option<String>,
    pub trend_months: Option<i64>,
    pub currency: Option<String>,
    pub statement_timeout_seconds: Option<i64>,
    pub work_mem: Option<String>,
    pub read_connections: Option<i64>,
    pub parallel_workers: Option<i64>,
    pub read_retries: Option<i64>,
    pub templates: Option<String>,
    /// The language of every output (`en`, `zh-CN`).
    pub language: Option<String>,
    pub significance_level: Option<f64>,
    pub top_issues: Option<i64>,
    pub max_channels: Option<i64>,
    #[serde(default)]
    pub annotations: Vec<AnnotationFile>,
    #[serde(default)]
    pub targets: BTreeMap<String, Target>,
    #[serde(default)]
    pub tolerances: BTreeMap<String, f64>,
    #[serde(default)]
    pub traps: TrapsFile,
    #[serde(default)]
    pub costs: CostsFile,
    #[serde(default)]
    pub email: EmailFile,
    /// `[display_names]`: checked by [`display_names`], which names what it refuses.
    #[serde(default)]
    pub display_names: toml::Table,
    /// `[contract]`: the optional relations a team does not collect.
    #[serde(default)]
    pub contract: crate::contract::Contract,
}

/// One `[[annotations]]` entry: a known event to mark on the trend charts.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnotationFile {
    /// `"YYYY-MM-DD"`.
    pub date: Option<String>,
    /// 1–80 characters.
    pub label: Option<String>,
}

/// The longest annotation label, in characters.
pub const ANNOTATION_LABEL_MAX: usize = 80;

impl AnnotationFile {
    /// Checks entry `number` (1-based); the message names the entry by number and label.
    fn check(self, number: usize) -> Result<EventNote, ConfigError> {
        let label = self.label.unwrap_or_default().trim().to_string();
        let entry = if label.is_empty() {
            format!("[[annotations]] entry {number}")
        } else {
            format!("[[annotations]] entry {number} (\"{label}\")")
        };
        let invalid = |why: String| Err(ConfigError::Invalid(format!("{entry}: {why}")));
        let Some(text) = self.date else {
            return invalid(
                "it has no date; write date = \"YYYY-MM-DD\", e.g. \"2026-10-15\"".to_string(),
            );
        };
        // Exactly YYYY-MM-DD: chrono alone would also take "2026-1-5".
        let shaped = text.len() == 10
            && text.char_indices().all(|(i, c)| {
                if i == 4 || i == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            });
        let date = chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .filter(|_| shaped);
        let Some(date) = date else {
            return invalid(format!(
                "date \"{text}\" is not a calendar date written YYYY-MM-DD, e.g. \"2026-10-15\""
            ));
        };
        if label.is_empty() {
            return invalid("its label is empty; say in a few words what happened, e.g. label = \"Switched to a new model\"".to_string());
        }
        let length = label.chars().count();
        if length > ANNOTATION_LABEL_MAX {
            return invalid(format!(
                "its label is {length} characters long; shorten it to at most {ANNOTATION_LABEL_MAX}"
            ));
        }
        Ok(EventNote { date, label })
    }
}

/// `[traps]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrapsFile {
    pub frustrated_sentiment_min: Option<f64>,
    pub frustrated_exit_share_max: Option<f64>,
    pub prompt_coverage_min: Option<f64>,
    pub prompt_rate_gap_max: Option<f64>,
    pub booked_llm_share_min: Option<f64>,
    pub prompt_change_max: Option<f64>,
}

/// `[costs]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostsFile {
    pub infra_categories: Option<Vec<String>>,
    pub labor_categories: Option<Vec<String>>,
    pub llm_category: Option<String>,
}

/// `[email]`: how the executive summary is sent. The password is never here: the file
/// names the environment variable that holds it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailFile {
    /// `smtps://host:465` (implicit TLS), `smtp://host:587` (STARTTLS, required), or
    /// `smtp://host:25?tls=none` (plaintext, only when said explicitly).
    pub smtp_url: Option<String>,
    pub username: Option<String>,
    /// Name of the environment variable holding the SMTP password.
    pub password_env: Option<String>,
    pub from: Option<String>,
    pub to: Option<OneOrMany>,
    pub cc: Option<OneOrMany>,
    /// Subject template with `{month}` and `{headline}` placeholders.
    pub subject: Option<String>,
    /// A PEM file of extra certificate authorities to trust (a corporate CA).
    pub ca_file: Option<String>,
    /// Also attach `report.docx`.
    pub attach_docx: Option<bool>,
    /// Also attach `report.pdf`.
    pub attach_pdf: Option<bool>,
    /// Give up on an unresponsive SMTP server after this many seconds.
    pub timeout_seconds: Option<i64>,
}

/// A single address or a list of them (`to = "a@x"` or `to = ["a@x", "b@x"]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// The default environment variable holding the SMTP password.
pub const DEFAULT_PASSWORD_ENV: &str = "AIKPI_SMTP_PASSWORD";
/// The default subject template.
pub const DEFAULT_SUBJECT: &str = "Support MBR {month}: {headline}";
/// The placeholders a subject template may use.
pub const SUBJECT_PLACEHOLDERS: [&str; 2] = ["{month}", "{headline}"];

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// TLS from the first byte (`smtps://`, port 465).
    ImplicitTls,
    /// Plain connect, then STARTTLS; refusing to continue without it (`smtp://`, port 587).
    StartTls,
    /// No encryption at all (`smtp://…?tls=none`): only for a local relay.
    Plaintext,
}

/// The SMTP server of `email.smtp_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
}

impl std::fmt::Display for SmtpServer {
    /// `host:port` — what error messages name (never credentials).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl SmtpServer {
    /// Parses `smtps://host[:port]`, `smtp://host[:port][?tls=required|none]`.
    ///
    /// Credentials in the URL are refused rather than ignored: a password in a config
    /// file is exactly what `password_env` exists to avoid.
    pub fn parse(text: &str) -> Result<SmtpServer, String> {
        let url = url::Url::parse(text.trim()).map_err(|e| {
            format!("email.smtp_url `{text}` is not a URL ({e}); write e.g. smtp://smtp.example.com:587")
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            // Do not echo the URL: it holds a secret.
            return Err("email.smtp_url must not contain a user or password; set email.username and put the password in the environment variable named by email.password_env".to_string());
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(format!("email.smtp_url `{text}` names no host")),
        };
        if !(url.path().is_empty() || url.path() == "/") || url.fragment().is_some() {
            return Err(format!(
                "email.smtp_url `{text}` has a path; write only scheme, host, port and ?tls="
            ));
        }
        let mut tls: Option<String> = None;
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "tls" => tls = Some(value.into_owned()),
                other => {
                    return Err(format!(
                        "email.smtp_url `{text}`: unknown parameter `{other}` (only `tls=required` or `tls=none`)"
                    ))
                }
            }
        }
        let security = match (url.scheme(), tls.as_deref()) {
            ("smtps", None) => SmtpSecurity::ImplicitTls,
            ("smtp", None | Some("required")) => SmtpSecurity::StartTls,
            ("smtp", Some("none")) => SmtpSecurity::Plaintext,
            // Opportunistic STARTTLS silently falls back to plaintext when an attacker
            // strips the STARTTLS capability; we only offer the two honest choices.
            ("smtp", Some(other)) => {
                return Err(format!(
                    "email.smtp_url `{text}`: tls={other} is not supported; use tls=required (the default for smtp://) or tls=none for a local relay without encryption"
                ))
            }
            ("smtps", Some(_)) => {
                return Err(format!(
                    "email.smtp_url `{text}`: smtps:// is always TLS; drop the tls= parameter"
                ))
            }
            (other, _) => {
                return Err(format!(
                    "email.smtp_url `{text}`: scheme `{other}` is not smtp:// or smtps://"
                ))
            }
        };
        let default_port = match security {
            SmtpSecurity::ImplicitTls => 465,
            // Submission with STARTTLS; a bare smtp:// for a plaintext relay means port 25.
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Plaintext => 25,
        };
        Ok(SmtpServer {
            host,
            port: url.port().unwrap_or(default_port),
            security,
        })
    }
}

/// The resolved `[email]` table. Every part is optional until an email is actually
/// built or sent, so a config without `[email]` is still valid for reports.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailSettings {
    pub server: Option<SmtpServer>,
    /// SMTP login; `None` sends without authentication (a local relay).
    pub username: Option<String>,
    /// The environment variable that holds the password (its name, never its value).
    pub password_env: String,
    pub from: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// Subject template; placeholders checked at load time.
    pub subject: String,
    /// Extra trusted CA certificates (PEM), resolved against the config file's folder.
    pub ca_file: Option<PathBuf>,
    pub attach_docx: bool,
    pub attach_pdf: bool,
    pub timeout: Duration,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            server: None,
            username: None,
            password_env: DEFAULT_PASSWORD_ENV.to_string(),
            from: None,
            to: Vec::new(),
            cc: Vec::new(),
            subject: DEFAULT_SUBJECT.to_string(),
            ca_file: None,
            attach_docx: false,
            attach_pdf: false,
            timeout: Duration::from_secs(60),
        }
    }
}

impl EmailSettings {
    /// Replaces the recipients (`--email-to`): the given addresses become `to` and `cc`
    /// is dropped, so a test send to yourself never copies the usual audience.
    pub fn override_recipients(&mut self, to: Vec<Mailbox>) {
        self.to = to;
        self.cc.clear();
    }

    fn resolve(file: EmailFile, config_path: Option<&Path>) -> Result<EmailSettings, ConfigError> {
        let invalid = ConfigError::Invalid;
        let defaults = EmailSettings::default();
        let server = file
            .smtp_url
            .filter(|u| !u.trim().is_empty())
            .map(|u| SmtpServer::parse(&u))
            .transpose()
            .map_err(invalid)?;
        let username = file.username.filter(|u| !u.trim().is_empty());
        let password_env = file
            .password_env
            .unwrap_or(defaults.password_env)
            .trim()
            .to_string();
        let env_name_ok = !password_env.is_empty()
            && password_env
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !env_name_ok {
            // Likely the password itself was pasted here; say so without repeating it.
            return Err(invalid(
                "email.password_env must be the NAME of an environment variable (letters, digits, _), e.g. AIKPI_SMTP_PASSWORD — not the password".to_string(),
            ));
        }
        if is_someone_elses_secret(&password_env) {
            return Err(invalid(format!(
                "email.password_env = \"{password_env}\" names a variable of the database \
                 connection or of aikpi itself, whose value must never go to the SMTP server; \
                 put the SMTP password in a variable of its own, e.g. {DEFAULT_PASSWORD_ENV} \
                 (DATABASE_URL, PG* and AIKPI_* other than {DEFAULT_PASSWORD_ENV} are refused)"
            )));
        }
        if let (Some(server), Some(_)) = (&server, &username) {
            if server.security == SmtpSecurity::Plaintext && !is_loopback(&server.host) {
                return Err(invalid(format!(
                    "email.smtp_url sends to {server} with tls=none while email.username is set: \
                     the password would cross the network unencrypted. tls=none is only for a \
                     relay on this machine (localhost, 127.0.0.1, ::1); use smtps:// or smtp:// \
                     (STARTTLS) for {}",
                    server.host
                )));
            }
        }
        let from = file
            .from
            .filter(|f| !f.trim().is_empty())
            .map(|f| parse_mailbox("email.from", &f))
            .transpose()?;
        let list = |key: &str, v: Option<OneOrMany>| -> Result<Vec<Mailbox>, ConfigError> {
            let addresses = v.map(OneOrMany::into_vec).unwrap_or_default();
            check_list_length(key, addresses.len())?;
            addresses
                .iter()
                .filter(|a| !a.trim().is_empty())
                .map(|a| parse_mailbox(key, a))
                .collect()
        };
        let to = list("email.to", file.to)?;
        let cc = list("email.cc", file.cc)?;
        let subject = file.subject.unwrap_or(defaults.subject);
        check_subject_template(&subject).map_err(invalid)?;
        let ca_file = file.ca_file.filter(|p| !p.trim().is_empty()).map(|p| {
            let p = PathBuf::from(p);
            match config_path.and_then(Path::parent) {
                // Relative to the config file, so a cron job's working folder does not matter.
                Some(dir) if p.is_relative() => dir.join(p),
                _ => p,
            }
        });
        let timeout = match file.timeout_seconds {
            None => defaults.timeout,
            Some(s) if (1..=3600).contains(&s) => Duration::from_secs(s as u64),
            Some(s) => {
                return Err(invalid(format!(
                    "email.timeout_seconds = {s} must be between 1 and 3600"
                )))
            }
        };
        Ok(EmailSettings {
            server,
            username,
            password_env,
            from,
            to,
            cc,
            subject,
            ca_file,
            attach_docx: file.attach_docx.unwrap_or(defaults.attach_docx),
            attach_pdf: file.attach_pdf.unwrap_or(defaults.attach_pdf),
            timeout,
        })
    }
}

/// Whether the environment variable `name` belongs to the database connection (libpq's
/// `PG*`, `DATABASE_URL`) or to aikpi (`AIKPI_*`), other than the SMTP password's default
/// variable: its value is never sent to an SMTP server.
fn is_someone_elses_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper != DEFAULT_PASSWORD_ENV
        && (upper == "DATABASE_URL" || upper.starts_with("PG") || upper.starts_with("AIKPI_"))
}

/// Whether `host` is this machine: the only place a plaintext SMTP login may go.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Parses one address (`ops@example.com` or `Support Ops <ops@example.com>`).
pub fn parse_mailbox(key: &str, text: &str) -> Result<Mailbox, ConfigError> {
    text.trim().parse::<Mailbox>().map_err(|e| {
        ConfigError::Invalid(format!(
            "{key}: `{text}` is not an email address ({e}); write e.g. ops@example.com or \"Support Ops <ops@example.com>\""
        ))
    })
}

/// Only `{month}` and `{headline}` may appear in braces.
fn check_subject_template(subject: &str) -> Result<(), String> {
    if subject.trim().is_empty() {
        return Err("email.subject must not be empty".to_string());
    }
    if subject.contains(['\r', '\n']) {
        return Err("email.subject must be one line".to_string());
    }
    let mut rest = subject;
    while let Some(start) = rest.find('{') {
        let after = &rest[start..];
        let end = after.find('}').ok_or_else(|| {
            format!("email.subject `{subject}` has an unclosed `{{`; placeholders are {{month}} and {{headline}}")
        })?;
        let placeholder = &after[..=end];
        if !SUBJECT_PLACEHOLDERS.contains(&placeholder) {
            return Err(format!(
                "email.subject `{subject}` uses unknown placeholder {placeholder}; known: {{month}}, {{headline}}"
            ));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

/// Values given on the command line or through the environment (already merged by clap:
/// a flag wins over its environment variable). `None` = not given.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub time_zone: Option<String>,
    pub schema: Option<String>,
    pub templates: Option<PathBuf>,
    /// `--lang` / `AIKPI_LANG`.
    pub language: Option<String>,
}

/// The checked configuration of a run.
#[derive(Debug, Clone)]
pub struct Config {
    pub time_zone: Tz,
    pub schema: String,
    pub statement_timeout: Option<Duration>,
    /// How the report reads PostgreSQL: `work_mem` of its own sessions and how many
    /// read-only connections share the work (docs/PERFORMANCE.md).
    pub read: ReadOptions,
    /// How many times a read cancelled by a hot standby's recovery conflict starts again
    /// on a fresh snapshot before the report fails (docs/SCALING.md).
    pub read_retries: u32,
    pub templates: Option<PathBuf>,
    /// The language of every output.
    pub language: Language,
    /// Sentiment at or above which a give-up exit is frustrated (applied in the database).
    pub frustrated_sentiment_min: Decimal,
    pub review: ReviewSettings,
    /// `[email]`: SMTP server, recipients, subject.
    pub email: EmailSettings,
    /// `[display_names]`: the names readers see for channels, issue keys, ledger
    /// categories and models (SPEC §7.8).
    pub display_names: DisplayNames,
    /// Where the file came from, if any (for messages).
    pub file: Option<PathBuf>,
    /// `[contract]`: the optional relations declared absent.
    pub contract: crate::contract::Contract,
}

/// Retries of a read cancelled by a recovery conflict, unless the file says otherwise.
pub const DEFAULT_READ_RETRIES: i64 = 1;

impl Default for Config {
    fn default() -> Self {
        Config::resolve(ConfigFile::default(), None, &Overrides::default())
            .expect("built-in defaults are valid")
    }
}

impl Config {
    /// Reads `path` (if given) and applies the overrides.
    pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let file = match path {
            None => ConfigFile::default(),
            Some(p) => {
                let text = read_config_text(p)?;
                parse_file(&text).map_err(|message| ConfigError::Parse {
                    path: p.to_path_buf(),
                    message,
                })?
            }
        };
        Config::resolve(file, path, overrides).map_err(|e| match (e, path) {
            (ConfigError::Invalid(message), Some(p)) => ConfigError::InvalidInFile {
                path: p.to_path_buf(),
                message,
            },
            (e, _) => e,
        })
    }

    fn resolve(
        file: ConfigFile,
        path: Option<&Path>,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let invalid = |msg: String| ConfigError::Invalid(msg);
        let tz_name = overrides
            .time_zone
            .clone()
            .or(file.time_zone)
            .unwrap_or_else(|| "UTC".to_string());
        let time_zone: Tz = tz_name
            .trim()
            .parse()
            .map_err(|_| ConfigError::time_zone(&tz_name))?;
        let schema = overrides
            .schema
            .clone()
            .or(file.schema)
            .unwrap_or_else(|| "public".to_string());
        if schema.is_empty() || schema.len() > 63 {
            return Err(invalid(format!(
                "schema `{schema}` (from --schema, AIKPI_SCHEMA or the config file) must be 1–63 characters (a PostgreSQL identifier)"
            )));
        }
        let trend_months = file.trend_months.unwrap_or(6);
        if !(1..=36).contains(&trend_months) {
            return Err(invalid(format!(
                "trend_months = {trend_months} must be between 1 and 36"
            )));
        }
        let currency = file.currency.unwrap_or_else(|| "USD".to_string());
        if currency.trim().is_empty() || currency.chars().count() > 8 {
            return Err(invalid(format!(
                "currency `{currency}` must be a short code such as USD or EUR"
            )));
        }
        let statement_timeout = match file.statement_timeout_seconds.unwrap_or(600) {
            0 => None,
            s @ 1..=STATEMENT_TIMEOUT_MAX_SECONDS => Some(Duration::from_secs(s as u64)),
            s => {
                return Err(invalid(format!(
                    "statement_timeout_seconds = {s} must be between 0 (no limit) and \
                     {STATEMENT_TIMEOUT_MAX_SECONDS} (PostgreSQL's longest statement timeout, \
                     about 24 days)"
                )))
            }
        };
        let read_defaults = ReadOptions::default();
        let work_mem = file.work_mem.or(read_defaults.work_mem).unwrap_or_default();
        let work_mem = work_mem.trim();
        if !work_mem.is_empty() && !is_memory_size(work_mem) {
            return Err(invalid(format!(
                "work_mem = \"{work_mem}\" must be a PostgreSQL memory size such as \"64MB\" or \"1GB\" (kB, MB, GB or TB), or \"\" for the server's setting"
            )));
        }
        if !work_mem.is_empty() && !memory_kb(work_mem).is_some_and(|kb| WORK_MEM_KB.contains(&kb))
        {
            return Err(invalid(format!(
                "work_mem = \"{work_mem}\" is outside PostgreSQL's range for it: between \
                 \"64kB\" and \"2147483647kB\" (just under 2 TB)"
            )));
        }
        let read_connections = file
            .read_connections
            .unwrap_or(read_defaults.connections as i64);
        if !(1..=16).contains(&read_connections) {
            return Err(invalid(format!(
                "read_connections = {read_connections} must be between 1 and 16"
            )));
        }
        // One level of parallelism by default: several read connections already run the
        // queries side by side, so their sessions get no parallel workers; one connection
        // keeps the server's setting.
        let parallel_workers = match file.parallel_workers {
            None if read_connections > 1 => Some(0),
            None => None,
            Some(n @ 0..=64) => Some(n as u32),
            Some(n) => {
                return Err(invalid(format!(
                    "parallel_workers = {n} must be between 0 and 64 (leave it out for the default)"
                )))
            }
        };
        let read = ReadOptions {
            work_mem: (!work_mem.is_empty()).then(|| work_mem.to_string()),
            connections: read_connections as usize,
            parallel_workers,
            use_rollup: true,
        };
        let language = match overrides.language.clone().or(file.language) {
            None => Language::default(),
            Some(tag) => tag.parse().map_err(|_| {
                invalid(format!(
                    "language `{tag}` (from --lang, AIKPI_LANG or `language` in the config file) is not supported; supported: {}",
                    Language::supported()
                ))
            })?,
        };
        let read_retries = file.read_retries.unwrap_or(DEFAULT_READ_RETRIES);
        if !(0..=10).contains(&read_retries) {
            return Err(invalid(format!(
                "read_retries = {read_retries} must be between 0 and 10"
            )));
        }
        let templates = overrides.templates.clone().or_else(|| {
            file.templates
                .filter(|t| !t.trim().is_empty())
                .map(PathBuf::from)
        });

        let review_defaults = ReviewSettings::default();
        let significance_level = file
            .significance_level
            .unwrap_or(review_defaults.significance_level);
        if !(significance_level > 0.0 && significance_level < 1.0) {
            return Err(invalid(format!(
                "significance_level = {significance_level} must be between 0 and 1 (exclusive), e.g. 0.05 for 95 % intervals"
            )));
        }
        let top_issues = file.top_issues.unwrap_or(review_defaults.top_issues as i64);
        if top_issues < 1 {
            return Err(invalid(format!(
                "top_issues = {top_issues} must be 1 or more"
            )));
        }
        let max_channels = file
            .max_channels
            .unwrap_or(review_defaults.max_channels as i64);
        if max_channels < 1 {
            return Err(invalid(format!(
                "max_channels = {max_channels} must be 1 or more"
            )));
        }
        check_list_length("[[annotations]]", file.annotations.len())?;
        let annotations = file
            .annotations
            .into_iter()
            .enumerate()
            .map(|(i, a)| a.check(i + 1))
            .collect::<Result<Vec<_>, _>>()?;
        let mut review = ReviewSettings {
            trend_months: trend_months as usize,
            currency: currency.trim().to_string(),
            significance_level,
            top_issues: usize::try_from(top_issues).unwrap_or(usize::MAX),
            max_channels: usize::try_from(max_channels).unwrap_or(usize::MAX),
            annotations,
            ..review_defaults
        };
        for (key, target) in file.targets {
            let id = metric_key(&key, "targets")?;
            check_target(id, &target)?;
            review.targets.insert(id, target);
        }
        for (key, tolerance) in file.tolerances {
            let id = metric_key(&key, "tolerances")?;
            let t = share_or_positive(&format!("tolerances.{key}"), tolerance, false)?;
            review.tolerances.insert(id, t);
        }
        let defaults = TrapThresholds::default();
        let traps = file.traps;
        review.traps = TrapThresholds {
            frustrated_exit_share_max: opt_share(
                "traps.frustrated_exit_share_max",
                traps.frustrated_exit_share_max,
            )?
            .unwrap_or(defaults.frustrated_exit_share_max),
            prompt_coverage_min: opt_share("traps.prompt_coverage_min", traps.prompt_coverage_min)?
                .unwrap_or(defaults.prompt_coverage_min),
            prompt_rate_gap_max: opt_share("traps.prompt_rate_gap_max", traps.prompt_rate_gap_max)?
                .unwrap_or(defaults.prompt_rate_gap_max),
            booked_llm_share_min: opt_share(
                "traps.booked_llm_share_min",
                traps.booked_llm_share_min,
            )?
            .unwrap_or(defaults.booked_llm_share_min),
            prompt_change_max: opt_share("traps.prompt_change_max", traps.prompt_change_max)?
                .unwrap_or(defaults.prompt_change_max),
        };
        let sentiment = traps.frustrated_sentiment_min.unwrap_or(0.5);
        share_or_positive("traps.frustrated_sentiment_min", sentiment, true)?;
        let frustrated_sentiment_min: Decimal = sentiment.to_string().parse().map_err(|_| {
            invalid(format!(
                "traps.frustrated_sentiment_min = {sentiment} is not a decimal"
            ))
        })?;

        for (key, list) in [
            ("costs.infra_categories", &file.costs.infra_categories),
            ("costs.labor_categories", &file.costs.labor_categories),
        ] {
            check_list_length(key, list.as_ref().map_or(0, Vec::len))?;
        }
        let cost_defaults = CostCategories::default();
        review.costs = CostCategories {
            infra: file.costs.infra_categories.unwrap_or(cost_defaults.infra),
            labor: file.costs.labor_categories.unwrap_or(cost_defaults.labor),
            llm: file.costs.llm_category.unwrap_or(cost_defaults.llm),
        };
        if review.costs.infra.contains(&review.costs.llm)
            || review.costs.labor.contains(&review.costs.llm)
        {
            return Err(invalid(format!(
                "costs.llm_category `{}` is also an infra or labor category; it would be counted twice",
                review.costs.llm
            )));
        }

        let email = EmailSettings::resolve(file.email, path)?;
        let display_names = display_names(file.display_names)?;

        Ok(Config {
            time_zone,
            schema,
            statement_timeout,
            read,
            read_retries: read_retries as u32,
            templates,
            language,
            frustrated_sentiment_min,
            review,
            email,
            display_names,
            file: path.map(Path::to_path_buf),
            contract: file.contract,
        })
    }
}

/// A memory size of [`is_memory_size`]'s form in kB; `None` when it does not fit a `u64`.
fn memory_kb(text: &str) -> Option<u64> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let factor: u64 = match &text[digits.len()..] {
        "" | "kB" => 1,
        "MB" => 1 << 10,
        "GB" => 1 << 20,
        _ => 1 << 30,
    };
    digits.parse::<u64>().ok()?.checked_mul(factor)
}

/// Checks `[display_names]`: tables of names by kind, optionally inside a language's
/// table (`[display_names.zh-CN.channel]`).
fn display_names(file: toml::Table) -> Result<DisplayNames, ConfigError> {
    let mut names = DisplayNames::default();
    let kinds: Vec<&str> = NameKind::ALL.iter().map(|k| k.table()).collect();
    for (key, value) in file {
        if let Some(kind) = NameKind::from_table(&key) {
            add_names(
                &mut names,
                None,
                kind,
                &format!("display_names.{key}"),
                value,
            )?;
            continue;
        }
        let Ok(language) = key.parse::<Language>() else {
            let nearest = did_you_mean(&key, kinds.iter().copied());
            return Err(ConfigError::Invalid(format!(
                "[display_names] has an unknown table `{key}`{nearest}; the tables are {}, each \
                 also inside a language ({}), e.g. [display_names.zh-CN.channel]",
                kinds.join(", "),
                Language::supported()
            )));
        };
        let toml::Value::Table(tables) = value else {
            return Err(ConfigError::Invalid(format!(
                "display_names.{key} must hold tables of names, e.g. [display_names.{key}.channel]"
            )));
        };
        for (table, value) in tables {
            let Some(kind) = NameKind::from_table(&table) else {
                let nearest = did_you_mean(&table, kinds.iter().copied());
                return Err(ConfigError::Invalid(format!(
                    "[display_names.{key}] has an unknown table `{table}`{nearest}; the tables are {}",
                    kinds.join(", ")
                )));
            };
            let path = format!("display_names.{key}.{table}");
            add_names(&mut names, Some(language), kind, &path, value)?;
        }
    }
    Ok(names)
}

/// Adds the `id = "name"` entries of the table at `path` (e.g. `display_names.channel`).
fn add_names(
    names: &mut DisplayNames,
    language: Option<Language>,
    kind: NameKind,
    path: &str,
    value: toml::Value,
) -> Result<(), ConfigError> {
    let toml::Value::Table(entries) = value else {
        return Err(ConfigError::Invalid(format!(
            "{path} must be a table of names, e.g. [{path}] with whatsapp = \"WhatsApp\""
        )));
    };
    for (id, name) in entries {
        match name {
            toml::Value::String(name) if !name.trim().is_empty() => {
                names.insert(language, kind, &id, name.trim());
            }
            _ => {
                return Err(ConfigError::Invalid(format!(
                    "{path}.{id} must be the name readers see, in quotes and not empty, e.g. \
                     \"{id}\" = \"Where is my order?\""
                )))
            }
        }
    }
    Ok(())
}

/// A PostgreSQL memory setting: digits and an optional unit (kB when none).
fn is_memory_size(text: &str) -> bool {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && matches!(unit, "" | "kB" | "MB" | "GB" | "TB")
}

/// Parses the file text strictly; the message (one line) names the offending line and,
/// for an unknown key, the key and the nearest known one.
pub fn parse_file(text: &str) -> Result<ConfigFile, String> {
    toml::from_str(text).map_err(|e| {
        let message = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
        let message = unknown_key_message(&message).unwrap_or(message);
        match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
                format!("line {line}, column {column}: {message}")
            }
            None => message,
        }
    })
}

/// For toml's "unknown field `x`, expected one of `a`, `b`": the key, the nearest known
/// key, and the keys allowed there.
fn unknown_key_message(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    let (unknown, expected) = rest.split_once('`')?;
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let hint = did_you_mean(unknown, known.iter().copied());
    let allowed = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "unknown key `{unknown}`{hint}; the keys allowed there are {allowed}"
    ))
}

fn metric_key(key: &str, table: &str) -> Result<MetricId, ConfigError> {
    MetricId::from_name(key).ok_or_else(|| {
        let known: Vec<&str> = MetricId::ALL.iter().map(|id| id.as_str()).collect();
        let nearest = did_you_mean(key, known.iter().copied());
        ConfigError::Invalid(format!(
            "[{table}] has an unknown metric `{key}`{nearest}; known metrics: {}",
            known.join(", ")
        ))
    })
}

fn check_target(id: MetricId, target: &Target) -> Result<(), ConfigError> {
    let bad = |why: &str| ConfigError::Invalid(format!("targets.{id} = \"{target}\": {why}"));
    let zero = exact::integer(0);
    let one = exact::integer(1);
    let in_range = |x: &Exact| match id.unit() {
        Unit::Ratio | Unit::Score => *x >= zero && *x <= one,
        Unit::Rating => *x >= one && *x <= exact::integer(5),
        Unit::Seconds | Unit::Money => *x >= zero,
    };
    match target {
        Target::Above(t) | Target::Below(t) if !in_range(t) => Err(bad(match id.unit() {
            Unit::Ratio | Unit::Score => "a rate's threshold must lie between 0 and 1",
            Unit::Rating => "a rating threshold must lie between 1 and 5",
            _ => "the threshold must not be negative",
        })),
        Target::Range { min, max } if !in_range(min) || !in_range(max) => Err(bad(
            "the range must lie within the metric's possible values",
        )),
        _ => Ok(()),
    }
}

fn share_or_positive(key: &str, x: f64, share: bool) -> Result<Exact, ConfigError> {
    let ok = x.is_finite() && x >= 0.0 && (!share || x <= 1.0);
    let value = exact::threshold(x).filter(|_| ok);
    value.ok_or_else(|| {
        ConfigError::Invalid(if share {
            format!("{key} = {x} must be a share between 0 and 1")
        } else {
            format!("{key} = {x} must be 0 or more")
        })
    })
}

fn opt_share(key: &str, x: Option<f64>) -> Result<Option<Exact>, ConfigError> {
    x.map(|v| share_or_positive(key, v, true)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_default_file_is_the_built_in_default() {
        let file = parse_file(DEFAULT_CONFIG_TOML).unwrap();
        let from_file = Config::resolve(file, None, &Overrides::default()).unwrap();
        let built_in = Config::default();
        assert_eq!(from_file.review, built_in.review);
        assert_eq!(from_file.time_zone, built_in.time_zone);
        assert_eq!(from_file.schema, built_in.schema);
        assert_eq!(
            from_file.frustrated_sentiment_min,
            built_in.frustrated_sentiment_min
        );
        assert_eq!(from_file.email, built_in.email);
        assert_eq!(from_file.read, built_in.read);
        assert_eq!(built_in.read, ReadOptions::default());
    }

    fn email(text: &str) -> Result<EmailSettings, ConfigError> {
        let file = parse_file(text).map_err(ConfigError::Invalid)?;
        Config::resolve(file, None, &Overrides::default()).map(|c| c.email)
    }

    #[test]
    fn smtp_urls_choose_tls_explicitly() {
        let cases = [
            ("smtps://smtp.example.com", 465, SmtpSecurity::ImplicitTls),
            ("smtp://smtp.example.com", 587, SmtpSecurity::StartTls),
            (
                "smtp://smtp.example.com:2587?tls=required",
                2587,
                SmtpSecurity::StartTls,
            ),
            ("smtp://localhost:25?tls=none", 25, SmtpSecurity::Plaintext),
            ("smtp://127.0.0.1?tls=none", 25, SmtpSecurity::Plaintext),
        ];
        for (url, port, security) in cases {
            let s = SmtpServer::parse(url).unwrap();
            assert_eq!((s.port, s.security), (port, security), "{url}");
        }
        assert_eq!(
            SmtpServer::parse("smtp://[::1]:2525?tls=none")
                .unwrap()
                .to_string(),
            "[::1]:2525"
        );
        for bad in [
            "smtp://host?tls=opportunistic",
            "smtps://host?tls=none",
            "http://host",
            "smtp://host/path",
            "smtp://host?foo=1",
            "smtp.example.com:587",
        ] {
            assert!(SmtpServer::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn a_password_in_the_url_is_refused_without_being_repeated() {
        let err = email("[email]\nsmtp_url = \"smtp://me:hunter2@smtp.example.com\"").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("password_env"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
        let err = email("[email]\npassword_env = \"hunter2 secret!\"").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn the_email_table_resolves_addresses_and_the_subject() {
        let e = email(
            "[email]\nsmtp_url = \"smtp://smtp.example.com:587\"\nusername = \"mbr@example.com\"\nfrom = \"Support Ops <mbr@example.com>\"\nto = \"cfo@example.com\"\ncc = [\"a@example.com\", \"b@example.com\"]\nsubject = \"MBR {month} — {headline}\"\ntimeout_seconds = 5",
        )
        .unwrap();
        assert_eq!(e.to.len(), 1);
        assert_eq!(e.cc.len(), 2);
        assert_eq!(e.from.unwrap().name.as_deref(), Some("Support Ops"));
        assert_eq!(e.password_env, DEFAULT_PASSWORD_ENV);
        assert_eq!(e.timeout, Duration::from_secs(5));
        assert!(email("[email]\nto = \"not an address\"").is_err());
        let err = email("[email]\nsubject = \"MBR {monht}\"").unwrap_err();
        assert!(err.to_string().contains("{monht}"), "{err}");
        assert!(
            email("[email]\nsmtp_urls = \"x\"").is_err(),
            "unknown keys are refused"
        );
    }

    #[test]
    fn a_relative_ca_file_is_found_beside_the_config_file() {
        let file = parse_file("[email]\nca_file = \"certs/ca.pem\"").unwrap();
        let config = Config::resolve(
            file,
            Some(Path::new("/etc/aikpi/aikpi.toml")),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(
            config.email.ca_file.as_deref(),
            Some(Path::new("/etc/aikpi/certs/ca.pem"))
        );
    }

    fn review_of(text: &str) -> Result<ReviewSettings, String> {
        Config::resolve(parse_file(text)?, None, &Overrides::default())
            .map(|c| c.review)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn max_channels_is_read_defaults_to_20_and_must_be_1_or_more() {
        assert_eq!(review_of("max_channels = 5").unwrap().max_channels, 5);
        assert_eq!(review_of("").unwrap().max_channels, 20);
        let err = review_of("max_channels = 0").unwrap_err();
        assert!(err.contains("max_channels = 0 must be 1 or more"), "{err}");
    }

    #[test]
    fn significance_level_and_top_issues_are_read_and_checked() {
        let review = review_of("significance_level = 0.1\ntop_issues = 3").unwrap();
        assert_eq!(review.significance_level, 0.1);
        assert_eq!(review.top_issues, 3);
        let defaults = review_of("").unwrap();
        assert_eq!(
            (defaults.significance_level, defaults.top_issues),
            (0.05, 10)
        );
        for bad in [
            "significance_level = 0",
            "significance_level = 1",
            "significance_level = -0.5",
            "significance_level = nan",
        ] {
            let err = review_of(bad).unwrap_err();
            assert!(
                err.contains("must be between 0 and 1 (exclusive)"),
                "{bad}: {err}"
            );
        }
        assert!(review_of("top_issues = 0")
            .unwrap_err()
            .contains("top_issues = 0 must be 1 or more"));
    }

    #[test]
    fn prompt_change_max_is_read_and_checked() {
        let review = review_of("[traps]\nprompt_change_max = 0.05").unwrap();
        assert_eq!(
            review.traps.prompt_change_max,
            exact::ratio(5, 100).unwrap()
        );
        assert_eq!(
            review_of("").unwrap().traps.prompt_change_max,
            exact::ratio(10, 100).unwrap()
        );
        assert!(review_of("[traps]\nprompt_change_max = 1.5")
            .unwrap_err()
            .contains("traps.prompt_change_max = 1.5 must be a share between 0 and 1"));
    }

    fn names_of(text: &str) -> Result<DisplayNames, String> {
        Config::resolve(parse_file(text)?, None, &Overrides::default())
            .map(|c| c.display_names)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn display_names_are_read_per_kind_and_language() {
        let names = names_of(
            "[display_names.channel]\nwhatsapp = \"WhatsApp\"\n\
             [display_names.issue_key]\n\"order.where_is_my_order\" = \"Where is my order?\"\n\
             [display_names.ledger_category]\ncloud_services = \"Cloud services\"\n\
             [display_names.model]\n\"gpt-4o-mini\" = \"GPT-4o mini\"\n\
             [display_names.zh-CN.channel]\nwhatsapp = \"WhatsApp 客服\"\n",
        )
        .unwrap();
        assert_eq!(names.channel(Language::En, "whatsapp"), "WhatsApp");
        assert_eq!(names.channel(Language::ZhCn, "whatsapp"), "WhatsApp 客服");
        assert_eq!(
            names.issue_key(Language::ZhCn, "order.where_is_my_order"),
            "Where is my order?"
        );
        assert_eq!(
            names.ledger_category(Language::En, "cloud_services"),
            "Cloud services"
        );
        assert_eq!(names.model(Language::En, "gpt-4o-mini"), "GPT-4o mini");
        assert_eq!(names.channel(Language::En, "web"), "web");
        assert!(names_of("").unwrap().is_empty());
    }

    #[test]
    fn an_unknown_display_names_table_is_refused_naming_it() {
        assert_eq!(
            names_of("[display_names.channels]\nweb = \"Web\"").unwrap_err(),
            "invalid configuration: [display_names] has an unknown table `channels` (did you \
             mean `channel`?); the tables are channel, issue_key, ledger_category, model, each \
             also inside a language (en, zh-CN), e.g. [display_names.zh-CN.channel]. Correct it \
             in the config file, or in the flag or environment variable that sets it; `aikpi \
             config init` prints every key with its default."
        );
        assert!(names_of("[display_names.zh-CN.chanel]\nweb = \"网页\"")
            .unwrap_err()
            .contains(
                "[display_names.zh-CN] has an unknown table `chanel` (did you mean `channel`?)"
            ));
        assert!(names_of("[display_names.channel]\nweb = 3")
            .unwrap_err()
            .contains("display_names.channel.web must be the name readers see"));
        assert!(names_of("[display_names.channel]\nweb = \" \"")
            .unwrap_err()
            .contains("display_names.channel.web must be the name readers see"));
        assert!(names_of("[display_names]\nchannel = \"web\"")
            .unwrap_err()
            .contains("display_names.channel must be a table of names"));
    }

    #[test]
    fn annotations_are_read_in_order() {
        let review = review_of(
            "[[annotations]]\ndate = \"2026-09-15\"\nlabel = \"Model B\"\n\n[[annotations]]\ndate = \"2026-08-01\"\nlabel = \" KB release 12 \"\n",
        )
        .unwrap();
        let got: Vec<(String, &str)> = review
            .annotations
            .iter()
            .map(|a| (a.date.to_string(), a.label.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-09-15".to_string(), "Model B"),
                ("2026-08-01".to_string(), "KB release 12")
            ]
        );
    }

    #[test]
    fn a_bad_annotation_is_refused_naming_its_entry() {
        let entry = |date: &str, label: &str| {
            format!("[[annotations]]\ndate = \"2026-09-15\"\nlabel = \"ok\"\n\n[[annotations]]\ndate = \"{date}\"\nlabel = \"{label}\"\n")
        };
        assert_eq!(
            review_of(&entry("2026-13-01", "Pricing change")).unwrap_err(),
            "invalid configuration: [[annotations]] entry 2 (\"Pricing change\"): date \"2026-13-01\" is not a calendar date written YYYY-MM-DD, e.g. \"2026-10-15\". Correct it in the config file, or in the flag or environment variable that sets it; `aikpi config init` prints every key with its default."
        );
        assert!(review_of(&entry("2026-9-5", "x"))
            .unwrap_err()
            .contains("entry 2 (\"x\"): date \"2026-9-5\" is not a calendar date"));
        assert!(review_of(&entry("2026-09-31", "x")).is_err());
        assert!(review_of(&entry("2026-09-15", "  "))
            .unwrap_err()
            .contains("[[annotations]] entry 2: its label is empty"));
        let long = "é".repeat(81);
        assert!(review_of(&entry("2026-09-15", &long))
            .unwrap_err()
            .contains("its label is 81 characters long; shorten it to at most 80"));
        assert!(review_of(&entry("2026-09-15", &"é".repeat(80))).is_ok());
        assert!(review_of("[[annotations]]\nlabel = \"Model B\"")
            .unwrap_err()
            .contains("entry 1 (\"Model B\"): it has no date"));
        assert!(
            review_of("[[annotations]]\ndate = \"2026-09-15\"\nlable = \"x\"")
                .unwrap_err()
                .contains("lable")
        );
    }

    #[test]
    fn read_settings_are_checked() {
        let resolve =
            |text: &str| Config::resolve(parse_file(text).unwrap(), None, &Overrides::default());
        let config = resolve("work_mem = \"256MB\"\nread_connections = 2").unwrap();
        assert_eq!(config.read.work_mem.as_deref(), Some("256MB"));
        assert_eq!(config.read.connections, 2);
        assert_eq!(resolve("work_mem = \"\"").unwrap().read.work_mem, None);
        assert_eq!(
            resolve("work_mem = \"65536\"")
                .unwrap()
                .read
                .work_mem
                .as_deref(),
            Some("65536")
        );
        for bad in [
            "work_mem = \"64 MB\"",
            "work_mem = \"64mb\"",
            "work_mem = \"lots\"",
            "work_mem = \"-1MB\"",
        ] {
            let err = resolve(bad).unwrap_err().to_string();
            assert!(err.contains("work_mem"), "{bad}: {err}");
        }
        assert_eq!(resolve("").unwrap().read_retries, 1);
        assert_eq!(resolve("read_retries = 0").unwrap().read_retries, 0);
        for bad in ["read_retries = -1", "read_retries = 11"] {
            let err = resolve(bad).unwrap_err().to_string();
            assert!(err.contains("read_retries"), "{bad}: {err}");
        }
        for bad in ["read_connections = 0", "read_connections = 17"] {
            let err = resolve(bad).unwrap_err().to_string();
            assert!(err.contains("read_connections"), "{bad}: {err}");
        }
        // Several connections: no parallel workers unless asked; one: the server's.
        assert_eq!(resolve("").unwrap().read.parallel_workers, Some(0));
        assert_eq!(
            resolve("read_connections = 1")
                .unwrap()
                .read
                .parallel_workers,
            None
        );
        assert_eq!(
            resolve("parallel_workers = 2")
                .unwrap()
                .read
                .parallel_workers,
            Some(2)
        );
        assert_eq!(
            resolve("read_connections = 1\nparallel_workers = 0")
                .unwrap()
                .read
                .parallel_workers,
            Some(0)
        );
        assert_eq!(
            resolve("parallel_workers = 65").unwrap_err().to_string(),
            "invalid configuration: parallel_workers = 65 must be between 0 and 64 (leave it out \
             for the default). Correct it in the config file, or in the flag or environment \
             variable that sets it; `aikpi config init` prints every key with its default."
        );
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = parse_file("trend_monthz = 3").unwrap_err();
        assert!(err.contains("trend_monthz"), "{err}");
        assert!(err.contains("did you mean `trend_months`?"), "{err}");
        assert!(err.starts_with("line 1, column 1: unknown key"), "{err}");
        assert!(!err.contains('\n'), "one line: {err}");
        let err = parse_file("[traps]\nprompt_coverge_min = 0.9").unwrap_err();
        assert!(err.starts_with("line 2, column 1:"), "{err}");
        assert!(err.contains("did you mean `prompt_coverage_min`?"), "{err}");
        let err = Config::resolve(
            parse_file("[targets]\ndeflection = \"> 0.5\"").unwrap(),
            None,
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("`deflection`"), "{err}");
        assert!(
            err.to_string().contains("did you mean `deflection_rate`?"),
            "{err}"
        );
    }

    #[test]
    fn out_of_range_values_are_refused() {
        for text in [
            "[targets]\nai_touch_rate = \"> 1.5\"",
            "[targets]\ncsat_ai = \"> 6\"",
            "[traps]\nprompt_coverage_min = -0.1",
            "trend_months = 0",
            "[tolerances]\naht_seconds = -1",
        ] {
            let file = parse_file(text).unwrap();
            assert!(
                Config::resolve(file, None, &Overrides::default()).is_err(),
                "{text} should be refused"
            );
        }
    }

    #[test]
    fn flags_override_the_file() {
        let file = parse_file("time_zone = \"Asia/Shanghai\"\nschema = \"ops\"").unwrap();
        let overrides = Overrides {
            time_zone: Some("Europe/Berlin".into()),
            ..Overrides::default()
        };
        let config = Config::resolve(file, None, &overrides).unwrap();
        assert_eq!(config.time_zone, chrono_tz::Europe::Berlin);
        assert_eq!(config.schema, "ops");
    }

    #[test]
    fn an_unknown_time_zone_is_named() {
        let overrides = Overrides {
            time_zone: Some("Mars/Olympus".into()),
            ..Overrides::default()
        };
        let err = Config::resolve(ConfigFile::default(), None, &overrides).unwrap_err();
        assert!(err.to_string().contains("Mars/Olympus"));
        assert!(
            !err.to_string().contains("did you mean"),
            "nothing close: {err}"
        );
        let overrides = Overrides {
            time_zone: Some("Europe/Berln".into()),
            ..Overrides::default()
        };
        let err = Config::resolve(ConfigFile::default(), None, &overrides).unwrap_err();
        assert!(
            err.to_string().contains("did you mean `Europe/Berlin`?"),
            "{err}"
        );
    }
}
