//! Command-line types (clap). Parsing only; `app.rs` decides what they mean.
//!
//! Every argument that reads the environment sets `hide_env_values`: `--help` must never
//! print a value (DATABASE_URL may carry a password; `tests/it/cli_security.rs` checks).

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
    /// Say whether a report can run on the schema, and what to fix: relations, columns
    /// and types, values outside the contract, rows per month, indexes (reads only).
    Check(CheckArgs),
    /// Print the views that make contract relations from a vendor's tables (mappings/).
    Mapping(MappingArgs),
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
    pub database_url: Option<DatabaseUrl>,

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

/// A database URL as given. It may hold a password, so it prints (`Debug`, `Display`)
/// only with its passwords replaced by `***`; [`DatabaseUrl::expose`] is for connecting.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL itself, passwords included: only for connecting.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(DatabaseUrl(text.to_string()))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({:?})", crate::source::redact_url(&self.0))
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::source::redact_url(&self.0))
    }
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
        default_value = crate::outputs::default_formats()
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
    #[arg(long, env = "AIKPI_LANG", value_name = "LANG", hide_env_values = true)]
    pub lang: Option<String>,

    /// Report on the current, unfinished month (the report says "partial month").
    #[arg(long)]
    pub allow_partial_month: bool,

    /// Write the report even when the month has no conversations (otherwise exit 3: a
    /// wrong --month, --schema or --tz must not go out as a report of zeros).
    #[arg(long)]
    pub allow_empty: bool,

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

/// An output format: one of [`crate::outputs::FORMATS`], the registry of formats.
#[derive(Debug, Clone, Copy)]
pub struct Format(pub &'static crate::outputs::Format);

impl PartialEq for Format {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for Format {}

impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: std::sync::OnceLock<Vec<Format>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| crate::outputs::FORMATS.iter().map(Format).collect())
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let value = clap::builder::PossibleValue::new(self.0.name);
        Some(match self.0.help {
            Some(help) => value.help(help),
            None => value,
        })
    }
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

/// `aikpi check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The report month to check, YYYY-MM [default: the last complete month in the time zone].
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// `text` (a readable summary) or `json` (for scripts; schema/check.schema.json).
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: CheckFormat,

    /// Language of the summary: en (default) or zh-CN (config `language`).
    #[arg(long, env = "AIKPI_LANG", value_name = "LANG")]
    pub lang: Option<String>,
}

/// `aikpi mapping`.
#[derive(Debug, Args)]
pub struct MappingArgs {
    /// The source: intercom, litellm or zendesk (docs/MAPPINGS.md).
    #[arg(value_name = "SOURCE")]
    pub source: String,

    /// The schema holding the vendor's tables.
    #[arg(long, value_name = "NAME")]
    pub source_schema: String,

    /// The schema to create the views in [default: the configured schema, else public].
    #[arg(
        long,
        env = "AIKPI_SCHEMA",
        value_name = "NAME",
        hide_env_values = true
    )]
    pub schema: Option<String>,
}

/// How `aikpi check` prints what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// The verdict, then each finding with its fix.
    Text,
    /// The whole result as JSON.
    Json,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_never_prints_its_password() {
        let url: DatabaseUrl = "postgres://u:Sw0rdf1sh@h/db?pass%77ord=Sw0rdf1sh"
            .parse()
            .unwrap();
        for printed in [format!("{url:?}"), url.to_string()] {
            assert!(!printed.contains("Sw0rdf1sh"), "{printed}");
        }
        assert!(url.expose().contains("Sw0rdf1sh"));
    }
}
