//! Writing the output set into `--out` so that it changes as a whole (SPEC §5).
//!
//! The new set is written into a staging folder beside `--out`, then swapped in with one
//! atomic `renameat2(RENAME_EXCHANGE)` (Linux) and the old set removed. A reader sees
//! the old set or the new one, never a new `report.html` beside an old `report.md`; a
//! failure while writing leaves the old set untouched. A lock file beside `--out`
//! serialises concurrent runs into the same folder.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Marks a folder as written by aikpi, so that it may be replaced as a whole.
pub const MARKER_FILE: &str = ".aikpi-report";

/// One file of the output set, by its path relative to `--out`.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// Why the outputs could not be written (exit code 4). Every failure leaves the previous
/// set in `--out` as it was, and the messages say so.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "cannot write the report into {}: {source}. {} Nothing was changed: the previous \
         report in --out, if any, is intact.",
        .path.display(),
        write_fix(.source)
    )]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "{} is not a folder aikpi can write the report into. Choose another --out (a new or \
         empty folder, or one holding an earlier aikpi report).",
        .0.display()
    )]
    NotAFolder(PathBuf),
    #[error(
        "{} holds files that aikpi did not write; refusing to replace them. Choose an empty \
         or new --out folder.",
        .0.display()
    )]
    ForeignFolder(PathBuf),
}

/// What to do about a failed write, by its cause.
pub fn write_fix(e: &io::Error) -> String {
    crate::advice::io_advice(e, crate::advice::FileUse::OutFolder)
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `files` as the complete content of `out`, replacing any previous aikpi report there.
pub fn publish(out: &Path, files: &[OutputFile]) -> Result<(), OutputError> {
    publish_with(out, files, &mut |path, bytes| fs::write(path, bytes))
}

/// [`publish`] with the per-file writer as a seam, so tests can make a write fail half-way.
/// Every file written is flushed to disk (see [`flush_to_disk`]) before the set is swapped in.
pub fn publish_with(
    out: &Path,
    files: &[OutputFile],
    write_file: &mut dyn FnMut(&Path, &[u8]) -> io::Result<()>,
) -> Result<(), OutputError> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| OutputError::NotAFolder(out.to_path_buf()))?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // A file where a folder of the path should be: say so rather than "File exists".
    if let Some(file) = out.ancestors().find(|a| a.exists() && !a.is_dir()) {
        return Err(OutputError::NotAFolder(file.to_path_buf()));
    }
    fs::create_dir_all(&parent).map_err(io_err(&parent))?;

    // Held until this function returns; a second run into the same --out waits here.
    let lock_path = parent.join(format!(".{name}.lock"));
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_err(&lock_path))?;
    lock.lock().map_err(io_err(&lock_path))?;

    if out.exists() {
        if !out.is_dir() {
            return Err(OutputError::NotAFolder(out.to_path_buf()));
        }
        let empty = fs::read_dir(out).map_err(io_err(out))?.next().is_none();
        if !empty && !out.join(MARKER_FILE).exists() {
            return Err(OutputError::ForeignFolder(out.to_path_buf()));
        }
    }

    // A run killed while staging (SIGKILL, SIGTERM, power loss) leaves its staging folder;
    // under the lock no other run is writing one, so every one left is stale.
    remove_stale_staging(&parent, &name);
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    let result = write_staging(&staging, files, write_file).and_then(|()| swap_in(&staging, out));
    // After a swap the staging path holds the old set; after a failure, the partial new one.
    if staging.exists() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// Whether `entry` is a staging folder of `--out` `name`: `.NAME.staging-PID`, or
/// `.NAME.staging-PID.old` (the old set moved aside on filesystems without an exchange).
fn is_staging_of(entry: &str, name: &str) -> bool {
    let Some(rest) = entry
        .strip_prefix('.')
        .and_then(|e| e.strip_prefix(name))
        .and_then(|e| e.strip_prefix(".staging-"))
    else {
        return false;
    };
    let pid = rest.strip_suffix(".old").unwrap_or(rest);
    !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit())
}

/// Removes what earlier, interrupted runs into `--out` `name` left in `parent`. Only
/// called with the lock held. Best effort: a folder that cannot be removed now is tried
/// again by the next run, and never becomes part of a report.
fn remove_stale_staging(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        if is_staging_of(&entry.file_name().to_string_lossy(), name) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn write_staging(
    staging: &Path,
    files: &[OutputFile],
    write_file: &mut dyn FnMut(&Path, &[u8]) -> io::Result<()>,
) -> Result<(), OutputError> {
    if staging.exists() {
        fs::remove_dir_all(staging).map_err(io_err(staging))?;
    }
    fs::create_dir_all(staging).map_err(io_err(staging))?;
    let mut all = files.to_vec();
    all.push(OutputFile {
        path: PathBuf::from(MARKER_FILE),
        bytes: b"This folder was written by aikpi and is replaced as a whole on the next run.\n"
            .to_vec(),
    });
    let mut written = Vec::with_capacity(all.len());
    for file in &all {
        let path = staging.join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        write_file(&path, &file.bytes).map_err(io_err(&path))?;
        written.push(path);
    }
    flush_to_disk(&written)
}

/// Flushes every written file to disk, all at once: one `fsync` a file on threads of its
/// own, so that the filesystem can commit them together rather than one journal commit
/// after the other (the sample report's 26 files into a new folder: 10–13 ms of writing
/// and flushing this way, 15–23 ms one file after the other; ext4, issue 12).
fn flush_to_disk(paths: &[PathBuf]) -> Result<(), OutputError> {
    std::thread::scope(|scope| {
        let flushes: Vec<_> = paths
            .iter()
            .map(|path| (path, scope.spawn(move || File::open(path)?.sync_all())))
            .collect();
        flushes.into_iter().try_for_each(|(path, flush)| {
            flush
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the flush to disk stopped")))
                .map_err(io_err(path))
        })
    })
}

fn swap_in(staging: &Path, out: &Path) -> Result<(), OutputError> {
    if !out.exists() {
        return fs::rename(staging, out).map_err(io_err(out));
    }
    match exchange(staging, out) {
        Ok(()) => Ok(()),
        // Filesystems without RENAME_EXCHANGE: move the old set aside, then the new one in.
        // Between the two renames `out` is briefly absent — never mixed.
        Err(_) => {
            let aside = staging.with_extension("old");
            fs::rename(out, &aside).map_err(io_err(out))?;
            if let Err(source) = fs::rename(staging, out) {
                let _ = fs::rename(&aside, out);
                return Err(OutputError::Io {
                    path: out.to_path_buf(),
                    source,
                });
            }
            fs::rename(&aside, staging).map_err(io_err(&aside))
        }
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no atomic exchange",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: PathBuf::from(path),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_new_set_replaces_the_old_one_as_a_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        publish(&out, &[file("report.md", "old"), file("charts/a.png", "a")]).unwrap();
        publish(&out, &[file("report.md", "new")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "new");
        assert!(
            !out.join("charts/a.png").exists(),
            "stale files of the old set are gone"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("staging"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_write_failing_half_way_leaves_the_previous_set_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        publish(
            &out,
            &[file("report.html", "old html"), file("report.md", "old md")],
        )
        .unwrap();
        let mut written = 0;
        let mut failing = |path: &Path, bytes: &[u8]| {
            written += 1;
            if written == 2 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            fs::write(path, bytes)
        };
        let err = publish_with(
            &out,
            &[file("report.html", "new html"), file("report.md", "new md")],
            &mut failing,
        )
        .unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        assert_eq!(
            fs::read_to_string(out.join("report.html")).unwrap(),
            "old html"
        );
        assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "old md");
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.contains("staging")),
            "no partial files left: {names:?}"
        );
    }

    #[test]
    fn concurrent_runs_into_one_folder_do_not_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let out = out.clone();
                std::thread::spawn(move || {
                    let tag = format!("run {i}");
                    publish(&out, &[file("report.html", &tag), file("report.md", &tag)]).unwrap();
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let html = fs::read_to_string(out.join("report.html")).unwrap();
        let md = fs::read_to_string(out.join("report.md")).unwrap();
        assert_eq!(html, md, "both files come from the same run");
    }

    #[test]
    fn staging_folders_left_by_interrupted_runs_are_removed_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        publish(&out, &[file("report.md", "old")]).unwrap();
        for left in [".report.staging-4242", ".report.staging-17.old"] {
            fs::create_dir(dir.path().join(left)).unwrap();
            fs::write(dir.path().join(left).join("report.md"), "partial").unwrap();
        }
        // Not ours: another --out's staging, and a look-alike that is no staging folder.
        fs::create_dir(dir.path().join(".other.staging-1")).unwrap();
        fs::create_dir(dir.path().join(".report.staging-notes")).unwrap();
        publish(&out, &[file("report.md", "new")]).unwrap();
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                ".other.staging-1",
                ".report.lock",
                ".report.staging-notes",
                "report"
            ]
        );
        assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "new");
    }

    #[test]
    fn a_folder_with_foreign_files_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("thesis.tex"), "precious").unwrap();
        let err = publish(dir.path(), &[file("report.md", "x")]).unwrap_err();
        assert!(matches!(err, OutputError::ForeignFolder(_)));
        assert_eq!(
            fs::read_to_string(dir.path().join("thesis.tex")).unwrap(),
            "precious"
        );
    }
}
