//! Shared helpers of the command-line tests (`tests/cli_*.rs`): an `aikpi` command that
//! starts from an empty environment and is killed when it hangs,
//! snapshots of an output folder, the URL of a `#[sqlx::test]` database, and the checks
//! every failure must pass (one paragraph, the exit code of SPEC §5, `--out` untouched).

use crate::database;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A reachable address where nothing listens (bound, then released).
pub use crate::services::free_port as closed_port;
use assert_cmd::Command;
use sqlx::PgPool;

/// The clock every test runs with: the report month 2026-10 is over and settled.
pub const NOW: &str = "2026-11-20T09:00:00Z";

/// `aikpi` (a std command, for runs that are spawned and waited on) started from an
/// EMPTY environment: nothing of the test run's environment (an exported `AIKPI_TZ`,
/// `DATABASE_URL`, `PGPASSWORD`, `LANG`, `HOME` with a `.pgpass`, …) reaches it. It gets
/// only the fixed clock `AIKPI_NOW`; a test adds what it means to test (`.env(…)`,
/// `--database-url`). No `PATH` either: aikpi runs no other program.
pub fn aikpi_std() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_aikpi"));
    cmd.env_clear();
    cmd.env("AIKPI_NOW", NOW);
    cmd
}

/// How long one `aikpi` run may take before the test kills it and fails (a sample
/// report takes a few seconds; a loaded 2-core machine, many more).
pub const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

/// [`aikpi_std`] as an `assert_cmd` command, killed (and the test failed) past
/// [`RUN_LIMIT`].
pub fn aikpi() -> Command {
    let mut cmd = Command::from_std(aikpi_std());
    cmd.timeout(RUN_LIMIT);
    cmd
}

/// Every file under `dir` (hidden ones too) by relative path, with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The names in a folder (to prove no staging folder or stray file was left behind).
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A previous report in `out` (from the shipped sample), as a failing run will find it.
pub struct PreviousReport {
    pub out: PathBuf,
    files: BTreeMap<PathBuf, Vec<u8>>,
    siblings: Vec<String>,
}

impl PreviousReport {
    /// Writes the sample report into `out` and remembers every byte of it.
    pub fn make(out: &Path) -> PreviousReport {
        aikpi()
            .args(["report", "--sample", "--out"])
            .arg(out)
            .assert()
            .success();
        let files = snapshot(out);
        assert!(
            files.contains_key(Path::new("report.html"))
                && files.contains_key(Path::new("report.md")),
            "the previous report is complete: {:?}",
            files.keys().collect::<Vec<_>>()
        );
        PreviousReport {
            out: out.to_path_buf(),
            files,
            siblings: names(out.parent().unwrap()),
        }
    }

    /// The previous report is byte for byte what it was, and nothing was left beside it.
    pub fn assert_untouched(&self) {
        let now = snapshot(&self.out);
        assert_eq!(
            now.keys().collect::<Vec<_>>(),
            self.files.keys().collect::<Vec<_>>(),
            "the same files are in --out"
        );
        for (path, bytes) in &self.files {
            assert!(
                now[path] == *bytes,
                "{} changed after a failed run",
                path.display()
            );
        }
        assert_eq!(
            names(self.out.parent().unwrap()),
            self.siblings,
            "no staging folder or partial file left beside --out"
        );
    }
}

/// A finished command's standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The run failed with `code`, and said so in one paragraph: a single `aikpi: error:`
/// line, nothing on standard output. Returns the message.
pub fn failure(output: &Output, code: i32) -> String {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(code), "exit code; stderr: {err}");
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let text = err.trim_end();
    assert!(text.starts_with("aikpi: error: "), "{err}");
    assert!(
        !text.contains('\n'),
        "the error is one paragraph (one line):\n{err}"
    );
    text.trim_start_matches("aikpi: error: ").to_string()
}

/// Asserts that `message` contains every one of `parts`.
#[track_caller]
pub fn assert_mentions(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            message.contains(part),
            "the message should mention {part:?}:\n{message}"
        );
    }
}

/// The URL of the `#[sqlx::test]` database, with a password added when given.
pub fn db_url(pool: &PgPool, password: Option<&str>) -> String {
    database::url(pool, password)
}

/// The name of the `#[sqlx::test]` database.
pub fn db_name(pool: &PgPool) -> String {
    pool.connect_options()
        .get_database()
        .expect("a test database")
        .to_string()
}

/// One conversation row in `schema.conversations`, SQL text for the tests' fixtures.
pub fn conversation(
    id: &str,
    started: &str,
    ai_csat: Option<i32>,
    sentiment: Option<f64>,
    close_reason: &str,
) -> String {
    let opt = |v: Option<String>| v.unwrap_or_else(|| "NULL".to_string());
    format!(
        "INSERT INTO conversations VALUES ('{id}', 'u-{id}', 'billing', 'web', \
         '{started}', '{started}', timestamptz '{started}' + interval '2 s', \
         timestamptz '{started}' + interval '5 min', '{close_reason}', true, NULL, NULL, \
         true, {}, NULL, {});",
        opt(ai_csat.map(|v| v.to_string())),
        opt(sentiment.map(|v| v.to_string())),
    )
}

/// `aikpi seed` into `url` (schema `public`): `months` months of synthetic data ending
/// with the report month 2026-10, `per_month` conversations each.
pub fn seed(url: &str, months: u32, per_month: u32) {
    aikpi()
        .args(["seed", "--database-url", url, "--end-month", "2026-10"])
        .args(["--months", &months.to_string()])
        .args(["--conversations-per-month", &per_month.to_string()])
        .assert()
        .success();
}
