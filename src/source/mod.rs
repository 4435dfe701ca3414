//! Where aggregates come from: PostgreSQL (the primary source) or an aggregates file.
//!
//! Every failure is a [`SourceError`] whose message is one self-contained paragraph: what
//! went wrong, where (with any password redacted), and what to do about it. The CLI maps
//! all of them to exit code 3 (data source).

pub mod postgres;

use std::path::{Path, PathBuf};

use crate::aggregates::{Aggregates, AggregatesError};

/// Why aggregates could not be read, or the database could not be prepared or seeded.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The server could not be reached, refused the login, or the URL is malformed.
    #[error(
        "cannot connect to PostgreSQL at {location}: {cause}. Check the connection string \
         (--database-url or DATABASE_URL; the password may also come from PGPASSWORD), that \
         the server is running and reachable from this machine, and that the role may log in."
    )]
    Connect {
        /// The connection string with any password replaced by `***`.
        location: String,
        /// The driver's explanation (scrubbed of the password).
        cause: String,
    },

    /// A session setting (search_path, statement_timeout, read-only) could not be applied.
    #[error("connected to PostgreSQL at {location}, but could not {step}: {cause}.")]
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

    /// A relation of the contract is neither a table nor a view in the schema.
    #[error(
        "relation `{relation}` does not exist in schema `{schema}`. aikpi reads the five \
         relations of the data contract in README.md (conversations, llm_usage, cost_ledger, \
         kb_evals, reply_edits): create them with `aikpi migrate`, or create a view named \
         `{relation}` over your own tables."
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

    /// A report query failed (timeout, permission, a view that errors, ...).
    #[error(
        "the {aggregation} query failed: {cause}. If it timed out, raise the statement timeout \
         or check that the indexes of the data contract in README.md exist."
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

    /// An aggregates file could not be read.
    #[error("cannot read the aggregates file {}: {source}.", .path.display())]
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
    #[error("the aggregates file {} cannot be reviewed: {source}.", .path.display())]
    FileInvalid {
        path: PathBuf,
        #[source]
        source: AggregatesError,
    },
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
    redact_password_params(&redact_userinfo(url))
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
    fn scrubs_passwords_from_messages() {
        let url = "postgres://alice:hunter22@db/mbr";
        assert_eq!(
            scrub("password authentication failed (hunter22)", url),
            "password authentication failed (***)"
        );
    }
}
