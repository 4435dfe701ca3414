//! Writing the output set into `--out` so that it changes as a whole (SPEC §5), and only
//! ever replacing what aikpi wrote.
//!
//! The new set is written into a staging folder beside `--out`, then swapped in with one
//! atomic `renameat2(RENAME_EXCHANGE)` (Linux) and the old set removed. A reader sees
//! the old set or the new one, never a new `report.html` beside an old `report.md`; a
//! failure while writing leaves the old set untouched. A lock on the folder that holds
//! `--out` serialises concurrent runs; it is a lock on the folder itself rather than a
//! lock file, so nothing is left beside `--out` and no planted link is ever followed.
//!
//! The marker file lists every file of the set with its size and SHA-256 (the manifest).
//! A re-run replaces the folder only when every file in it is listed there, unchanged: a
//! note saved into the report folder, or an edited `report.md`, is never lost.
//!
//! Longer than most files because of its tests (the code is about 420 lines): each way a
//! neighbour's file could be lost is pinned here, next to the code that keeps it.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Marks a folder as written by aikpi and lists its files (the manifest).
pub const MARKER_FILE: &str = ".aikpi-report";

/// The first line of the marker; the manifest follows it.
const MARKER_HEADER: &str =
    "This folder was written by aikpi and is replaced as a whole on the next run, as long as \
     it holds only the files listed below, unchanged.\nSHA-256 bytes path\n";

/// A marker larger than this is no manifest of aikpi's (a report has a few dozen files).
const MARKER_MAX_BYTES: u64 = 1 << 20;

/// How many foreign files an error names before it says "and N more".
const NAMED_FILES_MAX: usize = 10;

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
        "{} is a symbolic link to {}, which is not a folder; aikpi writes a report only into \
         the folder a link points to. Point the link at a folder, or choose another --out.",
        .link.display(),
        .target.display()
    )]
    DanglingLink { link: PathBuf, target: PathBuf },
    #[error(
        "{} holds files that aikpi did not write, or changed since it wrote them: {}; \
         refusing to replace the folder. Nothing was changed. Move those files elsewhere \
         and run again, or choose an empty or new --out folder.",
        .path.display(),
        name_list(.files)
    )]
    ForeignFolder { path: PathBuf, files: Vec<String> },
}

/// `a, b, c and 4 more`.
fn name_list(files: &[String]) -> String {
    let mut text = files
        .iter()
        .take(NAMED_FILES_MAX)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if files.len() > NAMED_FILES_MAX {
        text.push_str(&format!(" and {} more", files.len() - NAMED_FILES_MAX));
    }
    text
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
    // `--out` a symbolic link: write into the folder it points to, never replace the link.
    let out = &follow_link(out)?;
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

    // Held until this function returns; a second run into the same folder waits here.
    let lock = File::open(&parent).map_err(io_err(&parent))?;
    lock.lock().map_err(io_err(&parent))?;

    if fs::symlink_metadata(out).is_ok() {
        if !out.is_dir() {
            return Err(OutputError::NotAFolder(out.to_path_buf()));
        }
        let foreign = foreign_files(out).map_err(io_err(out))?;
        if !foreign.is_empty() {
            return Err(OutputError::ForeignFolder {
                path: out.to_path_buf(),
                files: foreign,
            });
        }
    }

    // A run killed while staging (SIGKILL, SIGTERM, power loss) leaves its staging folder;
    // under the lock no other run is writing one, so every one left is stale.
    remove_stale_staging(&parent, &name);
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    let result = write_staging(&staging, files, write_file).and_then(|()| swap_in(&staging, out));
    // After a swap the staging path holds the old set; after a failure, the partial new one.
    if fs::symlink_metadata(&staging).is_ok() {
        remove_tree(&staging);
    }
    result
}

/// `out` itself, or the folder it points to when it is a symbolic link (a link to
/// anything but a folder is refused: following it would create or replace its target).
fn follow_link(out: &Path) -> Result<PathBuf, OutputError> {
    match fs::symlink_metadata(out) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = fs::read_link(out).map_err(io_err(out))?;
            match fs::canonicalize(out) {
                Ok(resolved) if resolved.is_dir() => Ok(resolved),
                _ => Err(OutputError::DanglingLink {
                    link: out.to_path_buf(),
                    target,
                }),
            }
        }
        _ => Ok(out.to_path_buf()),
    }
}

/// The files in `out` that a new set may not replace: every file not in the marker's
/// manifest or different from it, every link and every folder the manifest does not
/// reach into, by path relative to `out` (`comments.md`, `charts/ (changed)`).
fn foreign_files(out: &Path) -> io::Result<Vec<String>> {
    let manifest = read_manifest(&out.join(MARKER_FILE)).unwrap_or_default();
    let mut foreign = Vec::new();
    walk_foreign(out, Path::new(""), &manifest, &mut foreign)?;
    foreign.sort();
    Ok(foreign)
}

/// One file of the manifest: its size and SHA-256 (lowercase hex).
#[derive(Debug, PartialEq, Eq)]
struct Listed {
    bytes: u64,
    sha256: String,
}

fn walk_foreign(
    root: &Path,
    relative: &Path,
    manifest: &BTreeMap<String, Listed>,
    foreign: &mut Vec<String>,
) -> io::Result<()> {
    for entry in fs::read_dir(root.join(relative))? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        let key = manifest_key(&path);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            let prefix = format!("{key}/");
            if manifest.keys().any(|k| k.starts_with(&prefix)) {
                walk_foreign(root, &path, manifest, foreign)?;
            } else {
                foreign.push(prefix);
            }
        } else if key == MARKER_FILE {
            // The marker is aikpi's by name; what it lists is what counts.
        } else if !kind.is_file() {
            foreign.push(key);
        } else {
            match manifest.get(&key) {
                None => foreign.push(key),
                Some(listed) if *listed != hash_file(&root.join(&path))? => {
                    foreign.push(format!("{key} (changed)"))
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// A path relative to `--out` as the manifest writes it: `/`-separated.
fn manifest_key(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn hash_file(path: &Path) -> io::Result<Listed> {
    let mut file = File::options()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)?;
    let mut hasher = Sha256::new();
    let bytes = io::copy(&mut file, &mut hasher)?;
    Ok(Listed {
        bytes,
        sha256: hex(&hasher.finalize()),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The marker's manifest; `None` when there is no marker or it is not one of aikpi's (a
/// hand-made marker lists nothing, so it protects nothing from being kept).
fn read_manifest(marker: &Path) -> Option<BTreeMap<String, Listed>> {
    let file = File::options()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(marker)
        .ok()?;
    let mut text = String::new();
    file.take(MARKER_MAX_BYTES).read_to_string(&mut text).ok()?;
    let listing = text.strip_prefix(MARKER_HEADER)?;
    let mut manifest = BTreeMap::new();
    for line in listing.lines() {
        let mut fields = line.splitn(3, ' ');
        let (Some(sha256), Some(bytes), Some(path)) = (fields.next(), fields.next(), fields.next())
        else {
            return None;
        };
        let bytes = bytes.parse().ok()?;
        let listed = Listed {
            bytes,
            sha256: sha256.to_string(),
        };
        manifest.insert(path.to_string(), listed);
    }
    Some(manifest)
}

/// The marker's text for `files`: the header, then one `SHA-256 bytes path` line a file.
fn marker_text(files: &[OutputFile]) -> String {
    let mut text = MARKER_HEADER.to_string();
    for file in files {
        text.push_str(&format!(
            "{} {} {}\n",
            hex(&Sha256::digest(&file.bytes)),
            file.bytes.len(),
            manifest_key(&file.path)
        ));
    }
    text
}

/// Removes a folder aikpi made, even where the old set's folders were made read-only
/// (an unprivileged user cannot remove entries from a folder without write permission).
fn remove_tree(path: &Path) {
    if fs::remove_dir_all(path).is_ok() {
        return;
    }
    make_writable(path);
    let _ = fs::remove_dir_all(path);
}

fn make_writable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = fs::symlink_metadata(path) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let mut permissions = meta.permissions();
    permissions.set_mode(permissions.mode() | 0o700);
    let _ = fs::set_permissions(path, permissions);
    if let Ok(entries) = fs::read_dir(path) {
        for entry in entries.flatten() {
            make_writable(&entry.path());
        }
    }
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
            remove_tree(&entry.path());
        }
    }
}

fn write_staging(
    staging: &Path,
    files: &[OutputFile],
    write_file: &mut dyn FnMut(&Path, &[u8]) -> io::Result<()>,
) -> Result<(), OutputError> {
    // A new folder of our own (stale ones were removed under the lock): never one that
    // is already there, nor the target of a planted link.
    fs::create_dir(staging).map_err(io_err(staging))?;
    let mut all = files.to_vec();
    all.push(OutputFile {
        path: PathBuf::from(MARKER_FILE),
        bytes: marker_text(files).into_bytes(),
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
            let mut aside = staging.as_os_str().to_owned();
            aside.push(".old");
            let aside = PathBuf::from(aside);
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
            [".other.staging-1", ".report.staging-notes", "report"]
        );
        assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "new");
    }

    #[test]
    fn a_folder_with_foreign_files_is_never_replaced() {
        // `--out` inside the test's own folder: the run locks (and would stage beside)
        // the folder that holds `--out`, which must not be the shared /tmp.
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("thesis");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("thesis.tex"), "precious").unwrap();
        let err = publish(&out, &[file("report.md", "x")]).unwrap_err();
        assert!(matches!(err, OutputError::ForeignFolder { .. }));
        assert_eq!(
            fs::read_to_string(out.join("thesis.tex")).unwrap(),
            "precious"
        );
        assert_eq!(
            names_in(dir.path()),
            ["thesis"],
            "nothing left beside --out"
        );
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn files_added_to_an_earlier_report_are_named_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        publish(&out, &[file("report.md", "old"), file("charts/a.png", "a")]).unwrap();
        fs::write(out.join("comments.md"), "notes").unwrap();
        fs::write(out.join("~$report.docx"), "lock of an open Word").unwrap();
        fs::create_dir(out.join("drafts")).unwrap();
        fs::write(out.join("charts/mine.png"), "mine").unwrap();
        let err = publish(&out, &[file("report.md", "new")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} holds files that aikpi did not write, or changed since it wrote them: \
                 charts/mine.png, comments.md, drafts/, ~$report.docx; refusing to replace \
                 the folder. Nothing was changed. Move those files elsewhere and run again, \
                 or choose an empty or new --out folder.",
                out.display()
            )
        );
        assert_eq!(
            fs::read_to_string(out.join("comments.md")).unwrap(),
            "notes"
        );
        assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "old");
        assert!(out.join("~$report.docx").exists() && out.join("drafts").is_dir());
        assert_eq!(
            names_in(dir.path()),
            ["report"],
            "nothing left beside --out"
        );
    }

    #[test]
    fn an_edited_report_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        publish(&out, &[file("report.md", "old"), file("report.html", "h")]).unwrap();
        fs::write(out.join("report.md"), "old, with my comments").unwrap();
        let err = publish(&out, &[file("report.md", "new")]).unwrap_err();
        assert!(
            err.to_string().contains(": report.md (changed); refusing"),
            "{err}"
        );
        assert_eq!(
            fs::read_to_string(out.join("report.md")).unwrap(),
            "old, with my comments"
        );
        // Deleting a file of the set loses nothing: the next run replaces the rest.
        fs::remove_file(out.join("report.md")).unwrap();
        publish(&out, &[file("report.md", "new")]).unwrap();
        assert_eq!(names_in(&out), [MARKER_FILE, "report.md"]);
    }

    #[test]
    fn a_hand_made_marker_does_not_make_other_files_replaceable() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        fs::create_dir(&out).unwrap();
        fs::write(out.join(MARKER_FILE), "written by aikpi, honest").unwrap();
        fs::write(out.join("keep.txt"), "keep").unwrap();
        let err = publish(&out, &[file("report.md", "new")]).unwrap_err();
        assert!(err.to_string().contains(": keep.txt; refusing"), "{err}");
        assert_eq!(fs::read_to_string(out.join("keep.txt")).unwrap(), "keep");
        // A marker alone, hand-made or left by an older aikpi, is replaced.
        fs::remove_file(out.join("keep.txt")).unwrap();
        publish(&out, &[file("report.md", "new")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "new");
    }

    #[test]
    fn a_link_in_the_report_folder_is_named_and_its_target_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        publish(&out, &[file("report.md", "old")]).unwrap();
        fs::write(dir.path().join("precious"), "p").unwrap();
        std::os::unix::fs::symlink(dir.path().join("precious"), out.join("report.md.bak")).unwrap();
        let err = publish(&out, &[file("report.md", "new")]).unwrap_err();
        assert!(
            err.to_string().contains(": report.md.bak; refusing"),
            "{err}"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("precious")).unwrap(),
            "p"
        );
    }

    #[test]
    fn nothing_is_left_beside_out_and_a_planted_lock_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("report");
        let target = dir.path().join("created-by-aikpi");
        std::os::unix::fs::symlink(&target, dir.path().join(".report.lock")).unwrap();
        publish(&out, &[file("report.md", "one")]).unwrap();
        publish(&out, &[file("report.md", "two")]).unwrap();
        fs::write(out.join("mine.txt"), "mine").unwrap();
        publish(&out, &[file("report.md", "three")]).unwrap_err();
        assert!(
            fs::symlink_metadata(&target).is_err(),
            "the link was followed"
        );
        assert_eq!(names_in(dir.path()), [".report.lock", "report"]);
    }

    #[test]
    fn out_as_a_link_to_a_folder_writes_into_that_folder() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("2026-10");
        fs::create_dir(&real).unwrap();
        let link = dir.path().join("latest");
        std::os::unix::fs::symlink("2026-10", &link).unwrap();
        publish(&link, &[file("report.md", "one")]).unwrap();
        publish(&link, &[file("report.md", "two")]).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(real.join("report.md")).unwrap(), "two");
        assert_eq!(names_in(dir.path()), ["2026-10", "latest"]);
    }

    #[test]
    fn out_as_a_dangling_link_is_refused_and_its_target_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("latest");
        std::os::unix::fs::symlink("nowhere", &link).unwrap();
        let err = publish(&link, &[file("report.md", "one")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} is a symbolic link to nowhere, which is not a folder; aikpi writes a \
                 report only into the folder a link points to. Point the link at a folder, or \
                 choose another --out.",
                link.display()
            )
        );
        assert_eq!(names_in(dir.path()), ["latest"]);
    }
}
