//! Command-line types (clap). Parsing only; `app.rs` decides what they mean.
//!
//! Every argument that reads the environment sets `hide_env_values`: `--help` must never
//! print a value (DATABASE_URL may carry a password; `tests/cli_security.rs` checks).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Monthly business review of an AI customer-support operation.
///
/// Reads a month (and the months before it) of aggregates from PostgreSQL, computes the
/// 12-metric KPI framework with month-over-month deltas and target status, calls out
/// three reporting traps, and writes charts plus an HTML, Markdown and JSON report.
#[derive(Debug, Parser)]
#[command(name = "aikpi", version, about, long_about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Pretend the clock reads this instant (RFC 3339), for reproducible outputs.
    #[arg(
        long,
        global = true,
        env = "AIKPI_NOW",
        hide = true,
        hide_env_values = true
    )]
    pub now: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute the monthly review and write report.html, report.md, report.json, charts.
    Report(ReportArgs),
    /// Print exactly the aggregates a report is computed from, as JSON.
    Aggregates(AggregatesArgs),
    /// Create the five contract relations in the configured schema (idempotent).
    Migrate(MigrateArgs),
    /// Store the closed months of a report's window, so reports read only the new ones
    /// (exact: a month any later change touches is read from the tables again).
    Rollup(RollupArgs),
    /// Fill the contract relations with realistic generated data.
    Seed(SeedArgs),
    /// Work with the configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// Where the database is and how the month is framed.
#[derive(Debug, Args, Clone)]
pub struct DatabaseArgs {
    /// PostgreSQL URL, e.g. postgres://reporter@db/support. Prefer the DATABASE_URL
    /// environment variable and PGPASSWORD for the password: a flag is visible in `ps`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// PostgreSQL schema holding the contract relations [default: public].
    #[arg(
        long,
        env = "AIKPI_SCHEMA",
        value_name = "NAME",
        hide_env_values = true
    )]
    pub schema: Option<String>,

    /// IANA time zone defining the calendar month [default: UTC].
    #[arg(long, env = "AIKPI_TZ", value_name = "ZONE", hide_env_values = true)]
    pub tz: Option<String>,

    /// TOML configuration file (flags override it).
    #[arg(
        long,
        env = "AIKPI_CONFIG",
        value_name = "FILE",
        hide_env_values = true
    )]
    pub config: Option<PathBuf>,
}

/// `aikpi migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Create `conversations` and `llm_usage` range-partitioned by month, with one
    /// partition per month from --from-month to --to-month (month bounds in --tz). Run it
    /// again with a later --to-month to add months (docs/SCALING.md).
    #[arg(long, requires_all = ["from_month", "to_month"])]
    pub partitioned: bool,

    /// First month to create partitions for (with --partitioned).
    #[arg(long, value_name = "YYYY-MM", requires = "partitioned")]
    pub from_month: Option<String>,

    /// Last month to create partitions for (with --partitioned).
    #[arg(long, value_name = "YYYY-MM", requires = "partitioned")]
    pub to_month: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The report month, YYYY-MM [default: the last complete month in the time zone].
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Render from an aggregates file written by `aikpi aggregates` (no database).
    #[arg(long, value_name = "FILE", conflicts_with = "sample")]
    pub from: Option<PathBuf>,

    /// Render from the sample data shipped with aikpi.
    #[arg(long)]
    pub sample: bool,

    /// Output folder [default: ./aikpi-report-YYYY-MM].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Formats to write, comma-separated (md also writes report-notion.zip).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        default_value = "html,md,json,docx,pdf"
    )]
    pub format: Vec<Format>,

    /// A folder of template overrides (same names as the built-in templates).
    #[arg(
        long,
        env = "AIKPI_TEMPLATES",
        value_name = "DIR",
        hide_env_values = true
    )]
    pub templates: Option<PathBuf>,

    /// Language of every output: en (default) or zh-CN (config `language`).
    #[arg(long, env = "AIKPI_LANG", value_name = "LANG")]
    pub lang: Option<String>,

    /// Report on the current, unfinished month (the report says "partial month").
    #[arg(long)]
    pub allow_partial_month: bool,

    /// Show no progress while reading (progress is only ever shown on a terminal, on stderr).
    #[arg(long, short)]
    pub quiet: bool,

    /// Read every month from the tables, even those `aikpi rollup` stored.
    #[arg(long)]
    pub no_rollup: bool,

    /// Exit with code 6 when any target is missed, or any trap is triggered.
    #[arg(long, value_name = "WHEN")]
    pub fail_on: Option<FailOn>,

    /// Email the executive summary (config [email]) once the report is written.
    #[arg(long)]
    pub email: bool,

    /// Send to these addresses instead of email.to/cc (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ADDRESS")]
    pub email_to: Vec<String>,

    /// Write the exact message that --email would send to FILE (.eml); no network.
    #[arg(long, value_name = "FILE")]
    pub email_dry_run: Option<PathBuf>,
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Html,
    Md,
    Json,
    /// Word (report.docx): carries its charts into Lark, Word and Google Docs.
    Docx,
    /// PDF (report.pdf): A4, the whole review, for printing and board packs.
    Pdf,
}

/// When `--fail-on` turns a successful run into exit code 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any of the 12 metrics missed its target.
    Missed,
    /// Any trap was triggered.
    Trap,
}

#[derive(Debug, Args)]
pub struct AggregatesArgs {
    /// The last month to read, YYYY-MM [default: the last complete month].
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Free text recorded in the file's source note (e.g. the seed command that made the data).
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,

    /// Report on the current, unfinished month.
    #[arg(long)]
    pub allow_partial_month: bool,

    /// Show no progress while reading (progress is only ever shown on a terminal, on stderr).
    #[arg(long, short)]
    pub quiet: bool,

    /// Read every month from the tables, even those `aikpi rollup` stored.
    #[arg(long)]
    pub no_rollup: bool,
}

/// `aikpi rollup`.
#[derive(Debug, Args)]
pub struct RollupArgs {
    /// The report month whose window to store, YYYY-MM [default: the last complete
    /// month]. Its months that ended at least 24 h ago are stored.
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Show no progress (progress is only ever shown on a terminal, on stderr).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The last generated month, YYYY-MM (fixed, so the data does not move with the clock).
    #[arg(long, value_name = "YYYY-MM")]
    pub end_month: String,

    /// How many months to generate, ending with --end-month.
    #[arg(long, default_value_t = 7)]
    pub months: u32,

    /// Conversations per month.
    #[arg(long, default_value_t = 5000)]
    pub conversations_per_month: u32,

    /// Random seed; the same flags always produce the same rows.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Add to tables that already hold rows (never mixes fake rows in by accident).
    #[arg(long)]
    pub append: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write the default configuration (commented TOML).
    Init {
        /// Write here instead of standard output (refuses to overwrite).
        #[arg(value_name = "FILE")]
        path: Option<PathBuf>,
    },
}
