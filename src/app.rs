//! The run: command-line arguments in, files (and an exit code) out.
//!
//! Reads top to bottom as the pipeline: source → aggregates → review → presentation →
//! outputs → deliver. Every failure is a [`RunError`] whose exit code follows SPEC §5.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::aggregates::{Aggregates, AggregatesError, SourceInfo};
use crate::cli::{
    AggregatesArgs, CheckArgs, CheckFormat, Cli, Command, ConfigCommand, DatabaseArgs, FailOn,
    Format, MigrateArgs, ReportArgs, RollupArgs, SeedArgs,
};
use crate::config::{Config, ConfigError, Overrides};
use crate::deliver::email::{self, EmailAttachment, EmailError};
use crate::deliver::files::{self, OutputError, OutputFile};
use crate::outputs::{self, charts, FormatError, RenderError, Templates};
use crate::period::Month;
use crate::presentation::display_names;
use crate::presentation::document::Document;
use crate::presentation::view::ReportView;
use crate::presentation::Presentation;
use crate::review::{self, Review, ReviewContext};
use crate::source::empty_month::EmptyMonth;
use crate::source::{self, postgres, SourceError};
use crate::{progress, seed, timings};

/// The sample shipped with aikpi (`samples/README.md` says how it was made).
pub const SAMPLE_AGGREGATES: &str = include_str!("../samples/aggregates.json");

/// Why a run failed; [`RunError::exit_code`] maps it to SPEC §5.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("the aggregates cannot be reviewed: {0}")]
    Aggregates(#[from] AggregatesError),
    /// SPEC §7.7: the report month has no conversations (and no --allow-empty).
    #[error(transparent)]
    EmptyMonth(Box<EmptyMonth>),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("cannot draw the charts: {0}")]
    Charts(#[from] charts::ChartError),
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A single file (`aggregates --output`, `config init FILE`) could not be written.
    #[error("cannot write {}: {}", .path.display(), file_problem(.source))]
    WriteFile {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A format's own failure (e.g. the Word package could not be written).
    #[error(transparent)]
    Format(Box<dyn std::error::Error + Send + Sync>),
    /// The template folder (`--templates`, config `templates`) cannot be used.
    #[error("{0}")]
    TemplatesSetup(RenderError),
    /// The email settings cannot work; found before any report work.
    #[error("{0}")]
    EmailSetup(EmailError),
    /// The report was written, but the email failed.
    #[error("the report was written, but the email failed: {0}")]
    Email(EmailError),
}

impl From<FormatError> for RunError {
    fn from(e: FormatError) -> Self {
        match e {
            FormatError::Render(e) => RunError::Render(e),
            FormatError::Charts(e) => RunError::Charts(e),
            FormatError::Format(e) => RunError::Format(e),
        }
    }
}

impl RunError {
    /// The process exit code (SPEC §5).
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Usage(_)
            | RunError::Config(_)
            | RunError::EmailSetup(_)
            | RunError::TemplatesSetup(_)
            | RunError::Render(RenderError::Runaway { .. }) => 2,
            RunError::Source(_) | RunError::Aggregates(_) | RunError::EmptyMonth(_) => 3,
            RunError::Render(_)
            | RunError::Charts(_)
            | RunError::Output(_)
            | RunError::WriteFile { .. }
            | RunError::Format(_) => 4,
            RunError::Email(_) => 5,
        }
    }
}

/// Why a single file could not be written, and what to do.
fn file_problem(e: &std::io::Error) -> String {
    crate::advice::io_advice(e, crate::advice::FileUse::OutputFile)
}

/// Exit code of a successful run that `--fail-on` turned into a signal for cron/CI.
pub const EXIT_FAIL_ON: i32 = 6;

/// Runs the command; `Ok` carries the exit code (0, or 6 for `--fail-on`).
pub fn run(cli: Cli) -> Result<i32, RunError> {
    let now = clock(cli.now.as_deref())?;
    match cli.command {
        Command::Report(args) => timings::time("total", || report(args, now)),
        Command::Check(args) => check(args, now),
        Command::Mapping(args) => mapping(&args).map(|()| 0),
        Command::Aggregates(args) => aggregates(args, now).map(|()| 0),
        Command::Migrate(args) => migrate(args).map(|()| 0),
        Command::Rollup(args) => rollup(args, now).map(|()| 0),
        Command::Seed(args) => seed_database(args).map(|()| 0),
        Command::Config(ConfigCommand::Init { path }) => config_init(path.as_deref()).map(|()| 0),
    }
}

fn clock(now: Option<&str>) -> Result<DateTime<Utc>, RunError> {
    match now {
        None => Ok(Utc::now()),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                RunError::Usage(format!(
                    "AIKPI_NOW / --now `{text}` is not an RFC 3339 instant: {e}"
                ))
            }),
    }
}

fn load_config(
    db: &DatabaseArgs,
    templates: Option<PathBuf>,
    language: Option<String>,
) -> Result<Config, RunError> {
    let overrides = Overrides {
        time_zone: db.tz.clone(),
        schema: db.schema.clone(),
        templates,
        language,
    };
    Ok(Config::load(db.config.as_deref(), &overrides)?)
}

fn parse_month(text: Option<&str>) -> Result<Option<Month>, RunError> {
    text.map(|t| {
        t.parse::<Month>()
            .map_err(|e| RunError::Usage(format!("--month {e}")))
    })
    .transpose()
}

/// Refuses a month that has not ended yet unless asked for a partial month.
fn check_month_is_over(
    month: Month,
    now: DateTime<Utc>,
    tz: Tz,
    allow_partial: bool,
) -> Result<(), RunError> {
    let current = Month::of_date(now.with_timezone(&tz).date_naive());
    if month > current {
        return Err(RunError::Usage(format!(
            "{month} is in the future (it is {current} in {tz}); pick a month that has data, e.g. --month {}",
            current.previous()
        )));
    }
    if month == current && !allow_partial {
        return Err(RunError::Usage(format!(
            "{month} has not ended yet in {tz}; report on it anyway with --allow-partial-month (the report then says \"partial month\"), or pick --month {}",
            current.previous()
        )));
    }
    Ok(())
}

fn database_url(db: &DatabaseArgs) -> Result<&str, RunError> {
    let url = db
        .database_url
        .as_ref()
        .map(crate::cli::DatabaseUrl::expose)
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| {
        RunError::Usage(
            "no database given: pass --database-url or set DATABASE_URL (the password preferably in PGPASSWORD)"
                .to_string(),
        )
    })?;
    // Another database's URL fails here, not at connect: it is a wrong setting, not a
    // connection problem. The URL itself is not repeated (it may hold a password).
    if let Some((scheme, _)) = url.trim().split_once("://") {
        if !["postgres", "postgresql"].contains(&scheme.to_ascii_lowercase().as_str()) {
            // A scheme is letters, digits, `+`, `-`, `.`; anything else is not echoed.
            let shown = if scheme.len() <= 20
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            {
                format!("`{scheme}://`")
            } else {
                "something else".to_string()
            };
            return Err(RunError::Usage(format!(
                "the database URL (--database-url or DATABASE_URL) starts with {shown}, but \
                 aikpi reads PostgreSQL only: give a postgres:// or postgresql:// URL"
            )));
        }
    }
    Ok(url)
}

/// Reads the window of months ending with `month` from PostgreSQL; on a terminal, shows
/// what it is reading while it reads, unless `show_progress` is false (`--quiet`).
fn read_from_database(
    url: &str,
    config: &Config,
    month: Month,
    now: DateTime<Utc>,
    note: Option<String>,
    show_progress: bool,
) -> Result<postgres::ReportRead, RunError> {
    let request = aggregates_request(url, config, month, now, note);
    let runtime = runtime()?;
    let started = Instant::now();
    let shown = progress::show(show_progress);
    let target = postgres::ReadTarget {
        url,
        schema: &config.schema,
        statement_timeout: config.statement_timeout,
        options: &config.read,
        retries: config.read_retries,
        contract: config.contract,
    };
    let read = runtime.block_on(postgres::read_report(&target, &request, &mut |conflict| {
        if let SourceError::RecoveryConflict {
            aggregation, cause, ..
        } = conflict
        {
            progress::notice(&format!(
                "aikpi: note: the hot standby cancelled the {aggregation} query ({cause}); \
                 reading everything again on a fresh snapshot (read_retries)."
            ));
        }
    }));
    drop(shown);
    timings::record("database", started.elapsed());
    if let Ok(postgres::ReportRead {
        stored: Some(stored),
        ..
    }) = &read
    {
        notify_stored(stored);
    }
    read.map_err(|e| match e {
        // The driver only knows a statement was cancelled; the configured limit says why.
        SourceError::Timeout { aggregation, .. } => match config.statement_timeout {
            Some(limit) => SourceError::Timeout {
                aggregation,
                seconds: Some(limit.as_secs()),
            },
            None => SourceError::Query {
                aggregation,
                cause: "the server cancelled it (no statement timeout was set, so an \
                        administrator or pg_cancel_backend did)"
                    .to_string(),
            },
        },
        e => e,
    })
    .map_err(RunError::from)
}

/// Tells the user which months came from the rollup, so a surprising number can be
/// traced (and `--no-rollup` tried).
fn notify_stored(stored: &postgres::StoredMonths) {
    let (Some(first), Some(last)) = (stored.months.first(), stored.months.last()) else {
        return;
    };
    let months = match stored.months.len() {
        1 => first.month.to_string(),
        _ => format!("{} to {}", first.month, last.month),
    };
    progress::notice(&format!(
        "aikpi: notice: {months} read from the rollup stored {} (nothing they depend on \
         changed since); --no-rollup reads every month from the tables",
        stored.stored_at.format("%Y-%m-%d %H:%M UTC")
    ));
}

/// The window of months a report on `month` reads.
fn aggregates_request(
    url: &str,
    config: &Config,
    month: Month,
    now: DateTime<Utc>,
    note: Option<String>,
) -> postgres::AggregatesRequest {
    postgres::AggregatesRequest {
        months: month.window(config.review.trend_months.max(2)),
        tz: config.time_zone,
        frustrated_sentiment_min: config.frustrated_sentiment_min,
        max_channels: config.review.max_channels,
        source: SourceInfo {
            kind: "postgres".to_string(),
            location: source::redact_url(url),
            schema: config.schema.clone(),
            note,
        },
        read_at: now,
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, RunError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| RunError::Usage(format!("cannot start the async runtime: {e}")))
}

/// Narrows file aggregates to the requested month (default: the file's last).
fn select_month(
    mut aggregates: Aggregates,
    month: Option<Month>,
    what: &str,
) -> Result<Aggregates, RunError> {
    aggregates.validate()?;
    if let Some(m) = month {
        let Some(pos) = aggregates.months.iter().position(|a| a.month == m) else {
            let first = aggregates
                .months
                .first()
                .map(|a| a.month.to_string())
                .unwrap_or_default();
            let last = aggregates
                .months
                .last()
                .map(|a| a.month.to_string())
                .unwrap_or_default();
            return Err(RunError::Usage(format!(
                "{what} covers {first} to {last}; it has no {m}. Pick a --month in that range, or read {m} from the database (--database-url)"
            )));
        };
        aggregates.months.truncate(pos + 1);
    }
    Ok(aggregates)
}

fn report(args: ReportArgs, now: DateTime<Utc>) -> Result<i32, RunError> {
    let mut config = load_config(&args.database, args.templates.clone(), args.lang.clone())?;
    let emailing = args.email || args.email_dry_run.is_some();
    if emailing {
        // Fail on email settings now (exit 2), not after the report work.
        if !args.email_to.is_empty() {
            let to = email::parse_recipients(&args.email_to).map_err(RunError::EmailSetup)?;
            config.email.override_recipients(to);
        }
        email::check_ready(&config.email, !args.email).map_err(RunError::EmailSetup)?;
        if let Some(path) = &args.email_dry_run {
            email::check_dry_run_target(path).map_err(RunError::EmailSetup)?;
        }
        // The attachment is read from the written set: a set without it would fail the
        // email only after all the report work.
        for (attach, format) in [
            (config.email.attach_docx, "docx"),
            (config.email.attach_pdf, "pdf"),
        ] {
            if attach && !args.format.iter().any(|f| f.0.name == format) {
                return Err(RunError::Usage(format!(
                    "email.attach_{format} = true attaches report.{format}, but --format does \
                     not include {format}, so no report.{format} is written. Add {format} to \
                     --format (e.g. --format json,{format}), or set email.attach_{format} = false"
                )));
            }
        }
    }
    // Loaded once, before any data work: a broken template folder is a setup error.
    let templates =
        Templates::new(config.templates.as_deref()).map_err(RunError::TemplatesSetup)?;
    let month = parse_month(args.month.as_deref())?;
    let tz_flag = args.database.tz.as_deref();

    let (aggregates, sample) = if args.sample || args.from.is_some() {
        // clap makes --from and --sample exclusive.
        let (parsed, what) = match &args.from {
            Some(path) => {
                let mut parsed = source::load_aggregates_file(path)?;
                // A file written by hand or by another tool may carry a password.
                parsed.source.location = source::redact_url(&parsed.source.location);
                (parsed, path.display().to_string())
            }
            None => {
                let parsed: Aggregates = serde_json::from_str(SAMPLE_AGGREGATES)
                    .map_err(|e| RunError::Usage(format!("the built-in sample is damaged: {e}")))?;
                (parsed, "the sample".to_string())
            }
        };
        if let Some(tz) = tz_flag {
            if tz.trim() != parsed.time_zone {
                return Err(RunError::Usage(format!(
                    "{what} was aggregated in the time zone {}; --tz {tz} cannot be applied to it (month bounds are fixed when aggregates are read)",
                    parsed.time_zone
                )));
            }
        }
        let with_conversations: Vec<Month> = parsed
            .months
            .iter()
            .filter(|m| m.conversations.total > 0)
            .map(|m| m.month)
            .collect();
        let selected = select_month(parsed, month, &what)?;
        if !args.allow_empty {
            if let Some(empty) = EmptyMonth::from_file(&selected, &what, &with_conversations) {
                return Err(RunError::EmptyMonth(Box::new(empty)));
            }
        }
        (selected, args.sample)
    } else if let Ok(url) = database_url(&args.database) {
        let month = month.unwrap_or_else(|| Month::last_complete(now, config.time_zone));
        check_month_is_over(month, now, config.time_zone, args.allow_partial_month)?;
        config.read.use_rollup = !args.no_rollup;
        let read = read_from_database(url, &config, month, now, None, !args.quiet)?;
        if let (Some(neighbours), false) = (read.empty_month, args.allow_empty) {
            let empty = EmptyMonth::from_database(&read.aggregates, config.time_zone, neighbours);
            if let Some(empty) = empty {
                return Err(RunError::EmptyMonth(Box::new(empty)));
            }
        }
        (read.aggregates, false)
    } else {
        return Err(RunError::Usage(
            "no data source: give a database with --database-url or DATABASE_URL, an aggregates file with --from FILE, or try the shipped sample with --sample".to_string(),
        ));
    };

    let review = timings::time("review", || {
        review::review(
            &aggregates,
            &config.review,
            &ReviewContext {
                generated_at: now,
                sample,
                language: config.language.tag().to_string(),
            },
        )
    })?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("aikpi-report-{}", review.month)));
    let presentation = Presentation::new(config.language);
    // Readers see display names (SPEC §7.8); report.json keeps the ids.
    let shown = display_names::as_readers_see_it(&review, &config.display_names, config.language);
    let (outputs, charts) = render_outputs(
        (&review, &shown),
        &presentation,
        &templates,
        &args.format,
        emailing,
    )?;
    timings::time("publish", || files::publish(&out, &outputs))?;
    eprintln!("{}", summary_line(&review, &presentation, &out, &outputs));

    // Only now, with the report complete on disk: a failed send never loses it.
    if emailing {
        let run = EmailRun {
            review: &shown,
            presentation: &presentation,
            charts: &charts,
            templates: &templates,
        };
        deliver_email(&args, &config, &run, &out, now).map_err(RunError::Email)?;
    }

    let fail = match args.fail_on {
        Some(FailOn::Missed) => review.summary.missed > 0,
        Some(FailOn::Trap) => !review.summary.triggered_traps.is_empty(),
        None => false,
    };
    Ok(if fail { EXIT_FAIL_ON } else { 0 })
}

/// What the email is made of: the run's review, language, charts and templates.
struct EmailRun<'a> {
    review: &'a Review,
    presentation: &'a Presentation,
    charts: &'a [charts::Chart],
    templates: &'a Templates,
}

/// Sends the executive summary, or writes it to the dry-run file.
fn deliver_email(
    args: &ReportArgs,
    config: &Config,
    run: &EmailRun<'_>,
    out: &Path,
    now: DateTime<Utc>,
) -> Result<(), EmailError> {
    let attachments = EmailAttachment::from_output_dir(&config.email, out)?;
    // The bodies are templates too (email.html, email.txt): a template folder overrides them.
    let message = email::build_message(
        &config.email,
        &email::Summary {
            review: run.review,
            presentation: run.presentation,
            charts: run.charts,
            templates: run.templates,
        },
        &attachments,
        now,
    )?;
    if let Some(path) = &args.email_dry_run {
        email::write_dry_run(path, &message)?;
        eprintln!(
            "aikpi: wrote the email that would be sent to {}",
            path.display()
        );
    }
    if args.email {
        let password = email::password_from_env(&config.email)?;
        email::send(&config.email, &message, password.as_ref())?;
        let recipients = config.email.to.len() + config.email.cc.len();
        eprintln!("aikpi: emailed the executive summary to {recipients} recipient(s)");
    }
    Ok(())
}

/// Renders every requested format from the one review, through one [`Output`] each;
/// the charts are returned too, for the email.
/// `reviews`: the review (for report.json, which keeps the ids) and the review as readers
/// see it (display names, for every other format and the charts).
fn render_outputs(
    (review, shown): (&Review, &Review),
    presentation: &Presentation,
    templates: &Templates,
    formats: &[Format],
    emailing: bool,
) -> Result<(Vec<OutputFile>, Vec<charts::Chart>), RunError> {
    let formats: Vec<&outputs::Format> = formats.iter().map(|f| f.0).collect();
    let documents = formats.iter().any(|f| f.shows_charts);
    let charts = if emailing || documents {
        timings::time("charts", || charts::draw_all(shown, presentation))?
    } else {
        Vec::new()
    };
    let view = ReportView::new(shown, presentation);
    let document = Document::new(shown, &view, presentation);
    let input = outputs::Input {
        review,
        presentation,
        view: &view,
        document: &document,
        charts: &charts,
        templates,
    };
    let mut files = Vec::new();
    for output in outputs::selected(&formats) {
        // "render <format>": scripts/bench.sh adds up the stages by these names.
        let stage = format!("render {}", output.name());
        let rendered = timings::time(&stage, || output.render(&input))?;
        files.extend(rendered.into_iter().map(|f| OutputFile {
            path: f.path,
            bytes: f.bytes,
        }));
    }
    Ok((files, charts))
}

/// The one line printed when the report is written, in the report's language.
fn summary_line(
    review: &Review,
    presentation: &Presentation,
    out: &Path,
    outputs: &[OutputFile],
) -> String {
    let names: Vec<String> = outputs
        .iter()
        .filter(|o| o.path.parent().is_none_or(|p| p.as_os_str().is_empty()))
        .map(|o| o.path.display().to_string())
        .collect();
    let charts = outputs
        .iter()
        .filter(|o| o.path.starts_with("charts"))
        .count()
        / 2;
    presentation.run_summary(review, &out.display().to_string(), &names, charts)
}

fn aggregates(args: AggregatesArgs, now: DateTime<Utc>) -> Result<(), RunError> {
    let mut config = load_config(&args.database, None, None)?;
    config.read.use_rollup = !args.no_rollup;
    let url = database_url(&args.database)?;
    let month = parse_month(args.month.as_deref())?
        .unwrap_or_else(|| Month::last_complete(now, config.time_zone));
    check_month_is_over(month, now, config.time_zone, args.allow_partial_month)?;
    let aggregates =
        read_from_database(url, &config, month, now, args.note.clone(), !args.quiet)?.aggregates;
    let mut json = serde_json::to_string_pretty(&aggregates)
        .map_err(|e| RunError::Usage(format!("cannot serialise the aggregates: {e}")))?;
    json.push('\n');
    match &args.output {
        Some(path) => std::fs::write(path, json).map_err(|source| RunError::WriteFile {
            path: path.clone(),
            source,
        }),
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(json.as_bytes())
                .map_err(|source| RunError::WriteFile {
                    path: PathBuf::from("<stdout>"),
                    source,
                })
        }
    }
}

/// `aikpi check`: whether a report on `--month` can run, and what to fix; exit 0 when it
/// can, 3 when it cannot.
fn check(args: CheckArgs, now: DateTime<Utc>) -> Result<i32, RunError> {
    let config = load_config(&args.database, None, args.lang.clone())?;
    let url = database_url(&args.database)?;
    let month = parse_month(args.month.as_deref())?
        .unwrap_or_else(|| Month::last_complete(now, config.time_zone));
    // A future month is a usage error as for `report`; the current one is a warning.
    check_month_is_over(month, now, config.time_zone, true)?;
    let current = Month::of_date(now.with_timezone(&config.time_zone).date_naive());
    let request = postgres::CheckRequest {
        month,
        months: month.window(config.review.trend_months.max(2)),
        tz: config.time_zone,
        contract: config.contract,
        month_not_over: month == current,
    };
    let target = postgres::ReadTarget {
        url,
        schema: &config.schema,
        statement_timeout: config.statement_timeout,
        options: &config.read,
        retries: 0,
        contract: config.contract,
    };
    let result = runtime()?.block_on(postgres::check_readiness(&target, &request))?;
    let text = match args.format {
        CheckFormat::Text => crate::presentation::check::render_text(&result, config.language),
        CheckFormat::Json => {
            let mut json = serde_json::to_string_pretty(&result)
                .map_err(|e| RunError::Usage(format!("cannot serialise the check: {e}")))?;
            json.push('\n');
            json
        }
    };
    use std::io::Write;
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|source| RunError::WriteFile {
            path: PathBuf::from("<stdout>"),
            source,
        })?;
    Ok(match result.verdict {
        crate::check::Verdict::NotReady => crate::check::EXIT_NOT_READY,
        _ => 0,
    })
}

/// `aikpi mapping`: prints the shipped views for `--source-schema` and `--schema`.
fn mapping(args: &crate::cli::MappingArgs) -> Result<(), RunError> {
    let schema = args.schema.as_deref().unwrap_or("public");
    let sql = crate::mapping::render(&args.source, &args.source_schema, schema)
        .map_err(|e| RunError::Usage(e.to_string()))?;
    use std::io::Write;
    std::io::stdout()
        .write_all(sql.as_bytes())
        .map_err(|source| RunError::WriteFile {
            path: PathBuf::from("<stdout>"),
            source,
        })
}

/// `aikpi rollup`: stores the closed months of the window of `--month`.
fn rollup(args: RollupArgs, now: DateTime<Utc>) -> Result<(), RunError> {
    let config = load_config(&args.database, None, None)?;
    let url = database_url(&args.database)?;
    let month = parse_month(args.month.as_deref())?
        .unwrap_or_else(|| Month::last_complete(now, config.time_zone));
    let request = aggregates_request(url, &config, month, now, None);
    let target = postgres::ReadTarget {
        url,
        schema: &config.schema,
        statement_timeout: config.statement_timeout,
        options: &config.read,
        retries: 0,
        contract: config.contract,
    };
    let runtime = runtime()?;
    let started = Instant::now();
    let shown = progress::show(!args.quiet);
    let summary = runtime.block_on(postgres::rollup(&target, &request));
    drop(shown);
    let summary = summary?;
    let list = |months: &mut dyn Iterator<Item = Month>| {
        months.map(|m| m.to_string()).collect::<Vec<_>>().join(", ")
    };
    let stored = match summary.stored.len() {
        0 => "stored no month".to_string(),
        n => format!(
            "stored {n} closed month{} ({})",
            if n == 1 { "" } else { "s" },
            list(&mut summary.stored.iter().copied())
        ),
    };
    let mut skipped = String::new();
    for (reason, why) in [
        (
            postgres::SkipReason::NotClosed,
            "not closed: 24 h returns are settled 24 h after the month ends",
        ),
        (
            postgres::SkipReason::ReachMoved,
            "a conversation closed while the rollup began; run it again",
        ),
    ] {
        let months: Vec<Month> = summary
            .skipped
            .iter()
            .filter(|(_, r)| *r == reason)
            .map(|(m, _)| *m)
            .collect();
        if !months.is_empty() {
            skipped.push_str(&format!(
                "; left out {} ({why})",
                list(&mut months.into_iter())
            ));
        }
    }
    eprintln!(
        "aikpi: rollup of schema {} in {}: {stored}{skipped}; {:.1} s. Reports read those months \
         from the rollup while nothing they depend on changes.",
        config.schema,
        source::redact_url(url),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Partitions are created for at most this many months in one run (ten years).
const MAX_PARTITION_MONTHS: usize = 120;

fn migrate(args: MigrateArgs) -> Result<(), RunError> {
    let config = load_config(&args.database, None, None)?;
    let url = database_url(&args.database)?;
    let months = match (&args.from_month, &args.to_month) {
        (Some(from), Some(to)) if args.partitioned => Some(partition_months(from, to)?),
        _ => None,
    };
    let runtime = runtime()?;
    match &months {
        Some(months) => runtime.block_on(postgres::migrate_partitioned(
            url,
            &config.schema,
            months,
            config.time_zone,
        ))?,
        None => runtime.block_on(postgres::migrate(url, &config.schema))?,
    }
    let layout = match &months {
        Some(months) => format!(
            " (conversations and llm_usage partitioned by month in {}: {} to {})",
            config.time_zone,
            months[0],
            months[months.len() - 1]
        ),
        None => String::new(),
    };
    eprintln!(
        "aikpi: the contract relations are in place in schema {} of {}{layout}",
        config.schema,
        source::redact_url(url)
    );
    Ok(())
}

/// The months `--from-month` to `--to-month`, both included.
fn partition_months(from: &str, to: &str) -> Result<Vec<Month>, RunError> {
    let parse = |flag: &str, text: &str| {
        text.parse::<Month>()
            .map_err(|e| RunError::Usage(format!("{flag}: {e}")))
    };
    let (first, last) = (parse("--from-month", from)?, parse("--to-month", to)?);
    if first > last {
        return Err(RunError::Usage(format!(
            "--from-month {first} is after --to-month {last}: give the earlier month first"
        )));
    }
    let mut months = vec![first];
    while let Some(&m) = months.last().filter(|m| **m < last) {
        if months.len() == MAX_PARTITION_MONTHS {
            return Err(RunError::Usage(format!(
                "--from-month {first} to --to-month {last} is more than {MAX_PARTITION_MONTHS} months: create partitions for a shorter span, and add later months when they come"
            )));
        }
        months.push(m.next());
    }
    Ok(months)
}

fn seed_database(args: SeedArgs) -> Result<(), RunError> {
    let config = load_config(&args.database, None, None)?;
    let url = database_url(&args.database)?;
    let end_month = args
        .end_month
        .parse::<Month>()
        .map_err(|e| RunError::Usage(format!("--end-month: {e}")))?;
    if args.months == 0 || args.months > 120 {
        return Err(RunError::Usage(format!(
            "--months {} must be between 1 and 120",
            args.months
        )));
    }
    let options = seed::SeedOptions {
        end_month,
        months: args.months,
        conversations_per_month: args.conversations_per_month,
        seed: args.seed,
        tz: config.time_zone,
        append: args.append,
    };
    let summary = runtime()?.block_on(async {
        let mut conn = postgres::connect(url, &config.schema, None, false).await?;
        seed::seed(&mut conn, &options).await
    })?;
    eprintln!(
        "aikpi: seeded schema {} with {} conversations, {} llm_usage rows, {} ledger lines, {} kb_evals, {} reply_edits ({})",
        config.schema,
        summary.conversations,
        summary.llm_usage,
        summary.cost_ledger,
        summary.kb_evals,
        summary.reply_edits,
        options.describe()
    );
    Ok(())
}

fn config_init(path: Option<&Path>) -> Result<(), RunError> {
    match path {
        None => {
            print!("{}", crate::config::DEFAULT_CONFIG_TOML);
            Ok(())
        }
        Some(p) => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(p)
                .map_err(|source| RunError::WriteFile {
                    path: p.to_path_buf(),
                    source,
                })?;
            use std::io::Write;
            file.write_all(crate::config::DEFAULT_CONFIG_TOML.as_bytes())
                .map_err(|source| RunError::WriteFile {
                    path: p.to_path_buf(),
                    source,
                })?;
            eprintln!("aikpi: wrote the default configuration to {}", p.display());
            Ok(())
        }
    }
}
