//! Where aggregates come from: PostgreSQL (the primary source) or an aggregates file.
//!
//! Every failure is a [`SourceError`] whose message is one self-contained paragraph: what
//! went wrong, where (with any password redacted), and what to do about it. The CLI maps
//! all of them to exit code 3 (data source).

pub mod empty_month;
pub mod postgres;

use std::path::{Path, PathBuf};

use crate::aggregates::{Aggregates, AggregatesError};

/// Why aggregates could not be read, or the database could not be prepared or seeded.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The server could not be reached, refused the login, or the URL is malformed.
    #[error("cannot connect to PostgreSQL at {location}: {cause}. {fix}")]
    Connect {
        /// The connection string with any password replaced by `***`.
        location: String,
        /// The driver's explanation (scrubbed of the password).
        cause: String,
        /// What to do about this cause, in one or two sentences.
        fix: &'static str,
    },

    /// A session setting (search_path, statement_timeout, read-only) could not be applied.
    #[error(
        "connected to PostgreSQL at {location}, but could not {step}: {cause}. Run the report \
         again; if this repeats, look for this session in the server's log."
    )]
    Session {
        location: String,
        /// What was being set up, e.g. "set the search_path".
        step: &'static str,
        cause: String,
    },

    /// The configured schema is not in the database.
    #[error(
        "the schema {search_path} does not exist in this database. Pass the schema that holds \
         the five relations of the data contract in README.md with --schema, or create it and \
         its tables with `aikpi migrate --schema NAME`."
    )]
    SchemaMissing {
        /// The session's search_path, as PostgreSQL quotes it.
        search_path: String,
    },

    /// The schema exists, but the role lacks the USAGE right on it (PostgreSQL then hides
    /// it from the session as if it did not exist).
    #[error(
        "the schema `{schema}` exists, but the connected role may not use it (it lacks the \
         USAGE right on the schema). Ask its owner to `GRANT USAGE ON SCHEMA` it to the role \
         of the connection string, with SELECT on the five relations of the data contract in \
         README.md."
    )]
    SchemaNotUsable { schema: String },

    /// A relation of the contract is neither a table nor a view in the schema.
    #[error(
        "relation `{relation}` does not exist in schema `{schema}`. aikpi reads the five \
         relations of the data contract in README.md (conversations, llm_usage, cost_ledger, \
         kb_evals, reply_edits): create them with `aikpi migrate`, or create a view named \
         `{relation}` over your own tables{}. `aikpi check` lists everything to fix.",
        absent_switch(.relation)
    )]
    MissingRelation {
        schema: String,
        relation: &'static str,
    },

    /// A column of the contract is missing from a relation.
    #[error(
        "relation `{schema}.{relation}` has no column `{column}` (expected {expected}). Add it, \
         or expose it under that name in a view, as described in the data contract in README.md."
    )]
    MissingColumn {
        schema: String,
        relation: &'static str,
        column: &'static str,
        /// The type the contract requires, in words.
        expected: &'static str,
    },

    /// A column of the contract has a type the queries cannot use correctly.
    #[error(
        "column `{schema}.{relation}.{column}` has type {found}, but the data contract in \
         README.md requires {expected}. Cast it in a view (e.g. `{column}::{cast}`) or change \
         the column type."
    )]
    WrongColumnType {
        schema: String,
        relation: &'static str,
        column: &'static str,
        /// The type found, as PostgreSQL formats it.
        found: String,
        /// The type the contract requires, in words.
        expected: &'static str,
        /// A cast that fixes it.
        cast: &'static str,
    },

    /// The role may not read a relation of the contract.
    #[error(
        "relation `{schema}.{relation}` exists, but the connected role may not read it. Grant \
         SELECT on it to the role of the connection string (aikpi only reads)."
    )]
    NotReadable {
        schema: String,
        relation: &'static str,
    },

    /// A report query was cancelled by the session's statement timeout.
    #[error(
        "the {aggregation} query was cancelled by the statement timeout{}. Raise \
         `statement_timeout_seconds` in the config file (0 = no limit), or check that the \
         indexes of the data contract in README.md exist (`aikpi migrate` creates them for \
         its tables; views need them on the tables behind them). Nothing was written.",
        .seconds.map(|s| format!(" of {s} s")).unwrap_or_default()
    )]
    Timeout {
        /// Which aggregation, e.g. "conversation aggregates".
        aggregation: &'static str,
        /// The configured limit, when known.
        seconds: Option<u64>,
    },

    /// The connection broke while a query ran (server restart, failover, terminated
    /// backend, network).
    #[error(
        "the connection to PostgreSQL was lost during the {aggregation} query ({cause}): the \
         server ended the session (a restart, a failover, or an administrator terminating \
         it) or the network dropped it. Nothing was written; check that the server is up, \
         then run the report again."
    )]
    ConnectionLost {
        aggregation: &'static str,
        cause: String,
    },

    /// A hot standby cancelled the read (or ended its session) because replaying the
    /// primary's changes conflicted with the report's snapshot, on every attempt.
    #[error(
        "the {aggregation} query was cancelled by the hot standby ({cause}) {}: replaying \
         the primary's changes (e.g. a VACUUM removing old row versions) conflicted with \
         the report's snapshot. On the standby, turn on `hot_standby_feedback` (the primary \
         then keeps those rows until the report is done) or raise \
         `max_standby_streaming_delay` above the report's running time (replay then waits \
         for it, e.g. 5min); or raise `read_retries` in the config file, or read from the \
         primary. Nothing was written.",
        attempts_text(*.attempts)
    )]
    RecoveryConflict {
        aggregation: &'static str,
        cause: String,
        /// How many times the whole read was attempted, each on a fresh snapshot.
        attempts: u32,
    },

    /// A report query failed (permission, a view that errors, ...).
    #[error(
        "the {aggregation} query failed: {cause}. Check that the role can read the five \
         relations of the data contract in README.md and the tables behind any views (in \
         psql, `SELECT * FROM <relation> LIMIT 1` as the same role shows a view's own error)."
    )]
    Query {
        /// Which aggregation, e.g. "conversation aggregates".
        aggregation: &'static str,
        cause: String,
    },

    /// The aggregates request itself is unusable (a programming or usage error).
    #[error("cannot read aggregates: {0}.")]
    InvalidRequest(String),

    /// `aikpi migrate` failed.
    #[error("cannot create the contract tables in schema `{schema}`: {cause}.")]
    Migrate { schema: String, cause: String },

    /// `migrate` and `migrate --partitioned` were mixed on one schema.
    #[error(
        "schema `{schema}` already holds the {} layout of `conversations` and `llm_usage`, \
         so `aikpi migrate{}` cannot create the other one there. {}",
        if *.partitioned { "partitioned" } else { "unpartitioned" },
        if *.partitioned { "" } else { " --partitioned" },
        if *.partitioned {
            "Add months with `aikpi migrate --partitioned --from-month YYYY-MM --to-month \
             YYYY-MM` instead, or migrate a new schema."
        } else {
            "Migrate the partitioned layout into a new schema (`aikpi migrate --partitioned \
             --schema NAME …`) and copy the rows over (docs/SCALING.md)."
        }
    )]
    LayoutMismatch { schema: String, partitioned: bool },

    /// `aikpi seed` refuses to write into a table that already holds rows.
    #[error(
        "table `{schema}.{table}` already holds rows, so `aikpi seed` refuses to write: \
         generated rows must never mix with real data. Seed an empty schema instead \
         (`aikpi migrate --schema NAME`, then `aikpi seed --schema NAME`), or pass --append \
         if you really mean to add generated rows to this data."
    )]
    SeedRefused { schema: String, table: &'static str },

    /// Writing generated rows failed; the seed transaction was rolled back.
    #[error("seeding failed while writing `{table}`: {cause}. Nothing was written (the seed runs in one transaction).")]
    Seed { table: &'static str, cause: String },

    /// `aikpi rollup` cannot keep stored months exact in this schema.
    #[error(
        "cannot store a rollup in schema `{schema}`: {reason}. The rollup needs what `aikpi \
         migrate` creates (migrations/0004): the change log, and its triggers on plain tables \
         `conversations` and `llm_usage`, enabled ALWAYS. Run `aikpi migrate` on this schema, and \
         enable a disabled trigger again with `ALTER TABLE … ENABLE ALWAYS TRIGGER …`; views, \
         partitioned and foreign tables are always read in full (docs/PERFORMANCE.md). \
         Reports still work without a rollup."
    )]
    RollupUnavailable { schema: String, reason: String },

    /// Another `aikpi rollup` holds the schema's rollup lock.
    #[error(
        "another `aikpi rollup` is storing months in schema `{schema}` right now; wait for it \
         to finish (one at a time keeps the stored months consistent). Nothing was written."
    )]
    RollupBusy { schema: String },

    /// Transactions that were running when the rollup began did not end in time.
    #[error(
        "`aikpi rollup` waited {seconds} s for {count} transaction(s) that were running when it \
         began (it must see what they write); they are still open (see pg_stat_activity and \
         pg_prepared_xacts). End them or run the rollup later. Nothing was written."
    )]
    RollupWaited { seconds: u64, count: i64 },

    /// An aggregates file could not be read.
    #[error(
        "cannot read the aggregates file {}: {source}. Check the path given with --from; \
         `aikpi aggregates --month YYYY-MM -o FILE` writes one.",
        .path.display()
    )]
    FileRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// An aggregates file is not valid aggregates JSON.
    #[error(
        "the aggregates file {} is not valid aggregates JSON: {source}. Write it with \
         `aikpi aggregates --month YYYY-MM > FILE.json`.",
        .path.display()
    )]
    FileParse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },

    /// An aggregates file parsed but breaks an invariant of the review.
    #[error(
        "the aggregates file {} cannot be reviewed: {source}. Write it again with `aikpi \
         aggregates` of this version.",
        .path.display()
    )]
    FileInvalid {
        path: PathBuf,
        #[source]
        source: AggregatesError,
    },
}

/// For a relation a team may not collect: how to declare it absent (SPEC §3).
fn absent_switch(relation: &str) -> String {
    if crate::contract::Contract::is_optional(relation) {
        format!(
            "; or, if your team does not collect {relation}, declare it absent in the config \
             file with `{relation} = \"absent\"` under `[contract]` (its metric is then \
             reported as not measured)"
        )
    } else {
        String::new()
    }
}

/// "on the only attempt" / "on each of the 2 attempts, each on a fresh snapshot".
fn attempts_text(attempts: u32) -> String {
    if attempts <= 1 {
        "on the only attempt (read_retries = 0)".to_string()
    } else {
        format!("on each of {attempts} attempts, each on a fresh snapshot")
    }
}

/// Whether a server error is a hot standby's recovery conflict: 40001 on a statement or
/// on an idle-in-transaction session (FATAL), 57P04 when the conflict ended the session
/// because of a dropped database, 40P01 for a buffer-pin deadlock with replay. A
/// read-only REPEATABLE READ transaction gets no other serialization failure.
pub(crate) fn is_recovery_conflict(code: &str, message: &str) -> bool {
    match code {
        "40001" | "57P04" => true,
        "40P01" => message.contains("recovery"),
        _ => false,
    }
}

impl SourceError {
    /// A connection attempt to `url` (shown as `location`) failed: the cause in words and
    /// the fix for that cause.
    pub(crate) fn connect(location: &str, url: &str, e: &sqlx::Error) -> SourceError {
        const GENERIC: &str = "Check the connection string (--database-url or DATABASE_URL; \
            the password preferably in PGPASSWORD), that the server is running and reachable \
            from this machine, and that the role may log in.";
        let (cause, fix) = match e {
            sqlx::Error::Configuration(inner) => (
                format!("the connection string is not valid ({inner})"),
                "Write it as postgres://USER@HOST:PORT/DATABASE, with the password in \
                 PGPASSWORD (or ~/.pgpass) rather than in the URL.",
            ),
            sqlx::Error::Io(io) => (
                io.to_string(),
                match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => {
                        "Nothing accepts connections at that address: is PostgreSQL running \
                         there? Check the host and port in --database-url or DATABASE_URL."
                    }
                    _ => {
                        "Check the host and port in --database-url or DATABASE_URL, and that \
                         this machine can reach the server (network, firewall)."
                    }
                },
            ),
            sqlx::Error::Tls(inner) => (
                format!("TLS failed ({inner})"),
                "Check the sslmode (and sslrootcert) parameters of the connection string \
                 against the server's TLS setup.",
            ),
            sqlx::Error::Database(db) => (
                db.message().to_string(),
                match db.code().as_deref() {
                    Some("3D000") => {
                        "Check the database name at the end of the connection string \
                         (postgres://USER@HOST:PORT/DATABASE); `psql -l` lists the databases."
                    }
                    Some("28P01") => {
                        "Check the password: set it in PGPASSWORD or ~/.pgpass (a password on \
                         the command line is visible in `ps`), or ask the administrator to \
                         reset it."
                    }
                    Some("28000") => {
                        "Check the user name in the connection string (or PGUSER): the role \
                         must exist, have LOGIN, and be allowed to connect from this machine \
                         (pg_hba.conf)."
                    }
                    // 53300 is every connection limit; only the text says whose.
                    Some("53300") if db.message().contains("for role") => {
                        "The role has used up its own connection limit (its CONNECTION \
                         LIMIT): close its idle sessions, or ask the administrator to raise \
                         it with ALTER ROLE … CONNECTION LIMIT."
                    }
                    Some("53300") if db.message().contains("for database") => {
                        "The database has used up its connection limit (its CONNECTION \
                         LIMIT): close idle sessions to it, or ask the administrator to raise \
                         it with ALTER DATABASE … CONNECTION LIMIT."
                    }
                    Some("53300") => {
                        "The server has no free connection slot: try again later, or ask the \
                         administrator to raise max_connections."
                    }
                    Some("57P03") => "The server is starting or shutting down: try again shortly.",
                    _ => GENERIC,
                },
            ),
            other => (other.to_string(), GENERIC),
        };
        SourceError::Connect {
            location: location.to_string(),
            cause: scrub(&cause, url),
            fix,
        }
    }

    /// The server did not answer a connection attempt in time.
    pub(crate) fn no_answer(location: &str, waited: std::time::Duration) -> SourceError {
        SourceError::Connect {
            location: location.to_string(),
            cause: format!("no answer within {} seconds", waited.as_secs()),
            fix: "Check the host and port in --database-url or DATABASE_URL, and that no \
                  firewall drops the connection.",
        }
    }

    /// A query of `aggregation` failed: a statement timeout, a lost connection, or
    /// another failure, each with its own advice.
    pub(crate) fn query(aggregation: &'static str, e: &sqlx::Error) -> SourceError {
        let lost = |cause: String| SourceError::ConnectionLost { aggregation, cause };
        match e {
            sqlx::Error::Database(db) => {
                let code = db.code();
                let code = code.as_deref().unwrap_or("");
                if code == "57014" {
                    SourceError::Timeout {
                        aggregation,
                        seconds: None,
                    }
                } else if is_recovery_conflict(code, db.message()) {
                    SourceError::RecoveryConflict {
                        aggregation,
                        cause: db.message().to_string(),
                        attempts: 1,
                    }
                } else if code.starts_with("57P") || code.starts_with("08") {
                    lost(db.message().to_string())
                } else {
                    SourceError::Query {
                        aggregation,
                        cause: db.message().to_string(),
                    }
                }
            }
            sqlx::Error::Io(io) => lost(io.to_string()),
            sqlx::Error::Protocol(p) => lost(p.clone()),
            other => SourceError::Query {
                aggregation,
                cause: other.to_string(),
            },
        }
    }
}

/// Reads an aggregates file written by `aikpi aggregates` and checks its invariants.
pub fn load_aggregates_file(path: impl AsRef<Path>) -> Result<Aggregates, SourceError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| SourceError::FileRead {
        path: path.to_path_buf(),
        source,
    })?;
    let aggregates: Aggregates =
        serde_json::from_str(&text).map_err(|source| SourceError::FileParse {
            path: path.to_path_buf(),
            source,
        })?;
    aggregates
        .validate()
        .map_err(|source| SourceError::FileInvalid {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(aggregates)
}

/// The connection string with every password replaced by `***`, for messages and
/// report metadata.
///
/// Handles the URL forms (`postgres://user:pass@host/db`, `postgresql://…`), password
/// query parameters (`?password=…`, `&sslpassword=…`) and libpq keyword strings
/// (`host=… password=…`). Never panics; when in doubt it redacts more, not less.
pub fn redact_url(url: &str) -> String {
    redact_password_params(&redact_query_secrets(&redact_userinfo(url)))
}

/// Redacts the value of every query parameter of a URL whose key, percent-decoded and in
/// any case, names a password (`password`, `sslpassword`, `pass%77ord`): libpq decodes
/// the keys before it reads them, so a literal match alone would miss them.
fn redact_query_secrets(url: &str) -> String {
    let Some(query_start) = url
        .find("://")
        .and_then(|s| url[s..].find('?').map(|q| s + q + 1))
    else {
        return url.to_string();
    };
    let query_end = url[query_start..]
        .find('#')
        .map_or(url.len(), |f| query_start + f);
    let params: Vec<String> = url[query_start..query_end]
        .split('&')
        .map(|param| {
            let Some((key, _)) = param.split_once('=') else {
                return param.to_string();
            };
            let decoded: String = url::form_urlencoded::parse(key.as_bytes())
                .map(|(k, _)| k.into_owned())
                .collect();
            if decoded.to_lowercase().contains("password") {
                format!("{key}=***")
            } else {
                param.to_string()
            }
        })
        .collect();
    format!(
        "{}{}{}",
        &url[..query_start],
        params.join("&"),
        &url[query_end..]
    )
}

/// The password embedded in a connection string, if any (used to scrub driver messages).
fn embedded_password(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let at = userinfo_end(rest)?;
    let (_, password) = rest[..at].split_once(':')?;
    (!password.is_empty()).then_some(password)
}

/// Where the userinfo of a URL's authority ends (the index of its `@` in `rest`, the text
/// after `scheme://`).
fn userinfo_end(rest: &str) -> Option<usize> {
    // libpq ends the userinfo at the first '@' before the path; a password with an
    // unencoded '@' is invalid there, but redact up to the last '@' of the authority so it
    // never leaks. A '/' inside an unencoded password hides the '@' behind it, so fall
    // back to the first '@' when the text before it looks like userinfo (has a ':' and no
    // query).
    let authority_end = rest.find('/').unwrap_or(rest.len());
    if let Some(at) = rest[..authority_end].rfind('@') {
        return Some(at);
    }
    let at = rest.find('@')?;
    let before = &rest[..at];
    (before.contains(':') && !before.contains('?')).then_some(at)
}

fn redact_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let Some(at) = userinfo_end(rest) else {
        return url.to_string();
    };
    match rest[..at].split_once(':') {
        Some((user, password)) if !password.is_empty() => {
            format!("{}{user}:***{}", &url[..rest_start], &rest[at..])
        }
        _ => url.to_string(),
    }
}

fn redact_password_params(text: &str) -> String {
    const KEY: &str = "password=";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(found) = lower[pos..].find(KEY) {
        let value_start = pos + found + KEY.len();
        out.push_str(&text[pos..value_start]);
        let value = &text[value_start..];
        let value_len = if let Some(quoted) = value.strip_prefix('\'') {
            // libpq keyword form: 'quoted value' (\' escapes a quote).
            let mut escaped = false;
            let mut end = value.len();
            for (i, ch) in quoted.char_indices() {
                match ch {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '\'' => {
                        end = i + 2;
                        break;
                    }
                    _ => {}
                }
            }
            end
        } else {
            value
                .find(|c: char| c == '&' || c == '#' || c.is_whitespace())
                .unwrap_or(value.len())
        };
        if value_len > 0 {
            out.push_str("***");
        }
        pos = value_start + value_len;
    }
    out.push_str(&text[pos..]);
    out
}

/// Removes the connection string's password from a driver message, in case the driver
/// ever echoes it.
pub(crate) fn scrub(message: &str, url: &str) -> String {
    let message = redact_password_params(message);
    match embedded_password(url) {
        // Very short passwords would scrub ordinary letters; a URL is always redacted
        // before it is shown, and driver messages do not echo passwords, so this is
        // defence in depth only.
        Some(password) if password.len() >= 4 => message.replace(password, "***"),
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_userinfo_passwords() {
        assert_eq!(
            redact_url("postgres://alice:s3cret@db.example.com:5432/mbr"),
            "postgres://alice:***@db.example.com:5432/mbr"
        );
        assert_eq!(
            redact_url("postgresql://alice:p%40ss@db/mbr?sslmode=require"),
            "postgresql://alice:***@db/mbr?sslmode=require"
        );
        // Unencoded '@' and '/' in the password still do not leak.
        assert_eq!(
            redact_url("postgres://a:b@c@host/db"),
            "postgres://a:***@host/db"
        );
        assert_eq!(
            redact_url("postgres://a:b/c@host/db"),
            "postgres://a:***@host/db"
        );
    }

    #[test]
    fn leaves_urls_without_password_alone() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/postgres",
            "postgres://127.0.0.1/db",
            "postgres://host/db?options=-c%20x@y",
            "postgres:///db?host=/run/postgresql",
        ] {
            assert_eq!(redact_url(url), url);
        }
    }

    #[test]
    fn redacts_password_parameters_with_percent_encoded_keys() {
        assert_eq!(
            redact_url("postgres://u@h/db?pass%77ord=s3cret&sslmode=require"),
            "postgres://u@h/db?pass%77ord=***&sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://u@h/db?sslmode=disable&%53SL%50ASSWORD=k3y#x"),
            "postgres://u@h/db?sslmode=disable&%53SL%50ASSWORD=***#x"
        );
        assert_eq!(
            redact_url("postgres://u@h/db?p%61ssword"),
            "postgres://u@h/db?p%61ssword"
        );
    }

    #[test]
    fn redacts_password_parameters() {
        assert_eq!(
            redact_url("postgres://alice@db/mbr?password=s3cret&sslmode=require"),
            "postgres://alice@db/mbr?password=***&sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://db/mbr?sslmode=require&PASSWORD=x#frag"),
            "postgres://db/mbr?sslmode=require&PASSWORD=***#frag"
        );
        assert_eq!(
            redact_url("host=db user=alice password='a b\\'c' dbname=mbr"),
            "host=db user=alice password=*** dbname=mbr"
        );
        assert_eq!(
            redact_url("host=db sslpassword=k"),
            "host=db sslpassword=***"
        );
    }

    #[test]
    fn never_panics_on_garbage() {
        for url in [
            "",
            "://",
            "://@",
            ":@",
            "postgres://:@",
            "password=",
            "password='",
            "é://é:é@é",
            "postgres://a:b@",
            "password='\\",
            "x://y:z",
            "??password=&&",
        ] {
            let redacted = redact_url(url);
            assert!(!redacted.contains("é:é@"), "{url} -> {redacted}");
        }
        assert_eq!(redact_url("é://é:é@é"), "é://é:***@é");
    }

    #[test]
    fn recovery_conflicts_are_told_apart_from_other_failures() {
        let cancel = "canceling statement due to conflict with recovery";
        let fatal = "terminating connection due to conflict with recovery";
        assert!(is_recovery_conflict("40001", cancel));
        assert!(is_recovery_conflict("40001", fatal));
        assert!(is_recovery_conflict("57P04", fatal));
        assert!(is_recovery_conflict("40P01", cancel));
        assert!(!is_recovery_conflict("40P01", "deadlock detected"));
        for other in ["57P01", "57014", "42501", "08006", ""] {
            assert!(!is_recovery_conflict(other, cancel), "{other}");
        }
    }

    #[test]
    fn a_recovery_conflict_names_the_standby_settings() {
        let err = SourceError::RecoveryConflict {
            aggregation: "conversation aggregates",
            cause: "canceling statement due to conflict with recovery".into(),
            attempts: 2,
        }
        .to_string();
        for part in [
            "hot_standby_feedback",
            "max_standby_streaming_delay",
            "read_retries",
            "on each of 2 attempts, each on a fresh snapshot",
            "Nothing was written.",
        ] {
            assert!(err.contains(part), "{part}: {err}");
        }
        assert!(!err.contains("Check that the role can read"), "{err}");
    }

    #[test]
    fn scrubs_passwords_from_messages() {
        let url = "postgres://alice:hunter22@db/mbr";
        assert_eq!(
            scrub("password authentication failed (hunter22)", url),
            "password authentication failed (***)"
        );
    }
}
