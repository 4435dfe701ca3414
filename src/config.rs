//! Configuration: built-in defaults < TOML file < environment < flags, resolved in one
//! place into a checked [`Config`].
//!
//! The file is parsed strictly: an unknown key is an error that names it, so a typo in
//! a target never silently falls back to a default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::review::exact::{self, Exact};
use crate::review::metrics::{MetricId, Unit};
use crate::review::settings::{CostCategories, ReviewSettings, Target, TrapThresholds};

/// The defaults, as a commented file (`aikpi config init` writes it out).
pub const DEFAULT_CONFIG_TOML: &str = include_str!("../config/aikpi.toml");

/// Why the configuration was refused (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("`{0}` is not an IANA time zone (e.g. UTC, Europe/Berlin, Asia/Shanghai)")]
    TimeZone(String),
    #[error("invalid configuration: {0}")]
    Invalid(String),
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
    pub templates: Option<String>,
    #[serde(default)]
    pub targets: BTreeMap<String, Target>,
    #[serde(default)]
    pub tolerances: BTreeMap<String, f64>,
    #[serde(default)]
    pub traps: TrapsFile,
    #[serde(default)]
    pub costs: CostsFile,
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
}

/// `[costs]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostsFile {
    pub infra_categories: Option<Vec<String>>,
    pub labor_categories: Option<Vec<String>>,
    pub llm_category: Option<String>,
}

/// Values given on the command line or through the environment (already merged by clap:
/// a flag wins over its environment variable). `None` = not given.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub time_zone: Option<String>,
    pub schema: Option<String>,
    pub templates: Option<PathBuf>,
}

/// The checked configuration of a run.
#[derive(Debug, Clone)]
pub struct Config {
    pub time_zone: Tz,
    pub schema: String,
    pub statement_timeout: Option<Duration>,
    pub templates: Option<PathBuf>,
    /// Sentiment at or above which a give-up exit is frustrated (applied in the database).
    pub frustrated_sentiment_min: Decimal,
    pub review: ReviewSettings,
    /// Where the file came from, if any (for messages).
    pub file: Option<PathBuf>,
}

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
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.to_path_buf(),
                    source,
                })?;
                parse_file(&text).map_err(|message| ConfigError::Parse {
                    path: p.to_path_buf(),
                    message,
                })?
            }
        };
        Config::resolve(file, path, overrides)
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
            .map_err(|_| ConfigError::TimeZone(tz_name.clone()))?;
        let schema = overrides
            .schema
            .clone()
            .or(file.schema)
            .unwrap_or_else(|| "public".to_string());
        if schema.is_empty() || schema.len() > 63 {
            return Err(invalid(format!(
                "schema `{schema}` must be 1–63 characters (a PostgreSQL identifier)"
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
            s if s > 0 => Some(Duration::from_secs(s as u64)),
            s => {
                return Err(invalid(format!(
                    "statement_timeout_seconds = {s} must be 0 (no limit) or more"
                )))
            }
        };
        let templates = overrides.templates.clone().or_else(|| {
            file.templates
                .filter(|t| !t.trim().is_empty())
                .map(PathBuf::from)
        });

        let mut review = ReviewSettings {
            trend_months: trend_months as usize,
            currency: currency.trim().to_string(),
            ..ReviewSettings::default()
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
        };
        let sentiment = traps.frustrated_sentiment_min.unwrap_or(0.5);
        share_or_positive("traps.frustrated_sentiment_min", sentiment, true)?;
        let frustrated_sentiment_min: Decimal = sentiment.to_string().parse().map_err(|_| {
            invalid(format!(
                "traps.frustrated_sentiment_min = {sentiment} is not a decimal"
            ))
        })?;

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

        Ok(Config {
            time_zone,
            schema,
            statement_timeout,
            templates,
            frustrated_sentiment_min,
            review,
            file: path.map(Path::to_path_buf),
        })
    }
}

/// Parses the file text strictly; the message names the offending key and line.
pub fn parse_file(text: &str) -> Result<ConfigFile, String> {
    toml::from_str(text).map_err(|e| {
        let message = e.to_string().trim().to_string();
        match suggest_known_key(&message) {
            Some(hint) => format!("{message}\n{hint}"),
            None => message,
        }
    })
}

/// For toml's "unknown field `x`, expected one of `a`, `b`", the nearest known key.
fn suggest_known_key(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    let (unknown, expected) = rest.split_once('`')?;
    let nearest = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|known| (strsim::damerau_levenshtein(unknown, known), known))
        .filter(|(distance, known)| *distance <= 3.max(known.len() / 3))
        .min()?;
    Some(format!("did you mean `{}`?", nearest.1))
}

fn metric_key(key: &str, table: &str) -> Result<MetricId, ConfigError> {
    MetricId::from_name(key).ok_or_else(|| {
        let known: Vec<&str> = MetricId::ALL.iter().map(|id| id.as_str()).collect();
        let nearest = known
            .iter()
            .min_by_key(|k| strsim::damerau_levenshtein(key, k))
            .filter(|k| strsim::damerau_levenshtein(key, k) <= 3.max(k.len() / 3))
            .map(|k| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default();
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
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = parse_file("trend_monthz = 3").unwrap_err();
        assert!(err.contains("trend_monthz"), "{err}");
        assert!(err.contains("did you mean `trend_months`?"), "{err}");
        let err = parse_file("[traps]\nprompt_coverge_min = 0.9").unwrap_err();
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
    }
}
