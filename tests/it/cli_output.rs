//! Writing the output set (issue 6, SPEC §5): an unwritable or full output folder ends
//! with exit code 4, a clear paragraph, no partial files and the previous set intact;
//! two runs into one `--out` leave one consistent set.
//!
//! The full-disk and read-only cases mount a tiny tmpfs, which needs root (CI runs the
//! tests as root); without it they fail, never skip.

use crate::cli_support;
use crate::services;

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use cli_support::*;

#[test]
fn an_out_folder_under_a_regular_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "not a folder").unwrap();
    let before = names(dir.path());
    for out in [file.join("report"), file.clone()] {
        let output = aikpi()
            .args(["report", "--sample", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let message = failure(&output, 4);
        assert_mentions(&message, &["notes.txt", "--out"]);
        assert_eq!(names(dir.path()), before, "nothing written beside it");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
    }
}

/// A tmpfs of `size` mounted at `dir/name`, unmounted when dropped.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    fn mount(dir: &Path, name: &str, size: &str) -> Tmpfs {
        services::require_root("it mounts a small tmpfs to fill a disk and make it read-only");
        let path = dir.join(name);
        std::fs::create_dir(&path).unwrap();
        let status = StdCommand::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .expect("mount(8) runs");
        assert!(
            status.success(),
            "mounting a tmpfs needs root (the test suite runs as root)"
        );
        Tmpfs { path }
    }

    fn remount(&self, options: &str) {
        let status = StdCommand::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.path)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = StdCommand::new("umount").arg(&self.path).status();
    }
}

/// The size of the default report set, so the tmpfs fits one set but not two.
fn report_set_bytes() -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("probe");
    aikpi()
        .args(["report", "--sample", "--out"])
        .arg(&out)
        .assert()
        .success();
    snapshot(&out).values().map(|b| b.len() as u64).sum()
}

#[test]
fn a_disk_filling_up_half_way_leaves_the_previous_set_intact() {
    let set = report_set_bytes();
    // Room for the previous set plus about half of the new one (tmpfs rounds to pages;
    // a folder costs a page).
    let size = (set + set / 2) / 1024 + 64;
    let dir = tempfile::tempdir().unwrap();
    let disk = Tmpfs::mount(dir.path(), "disk", &format!("{size}k"));
    let previous = PreviousReport::make(&disk.path.join("report"));

    let output = aikpi()
        .args(["report", "--sample", "--out"])
        .arg(&previous.out)
        .output()
        .unwrap();
    let message = failure(&output, 4);
    assert_mentions(
        &message,
        &[
            "No space left on device",
            "Free some space",
            "previous report",
            "intact",
        ],
    );
    previous.assert_untouched();

    // With room again, the next run replaces the set and nothing is left beside it.
    disk.remount(&format!("size={}k", size * 4));
    aikpi()
        .args(["report", "--sample", "--out"])
        .arg(&previous.out)
        .assert()
        .success();
    assert_eq!(names(&disk.path), ["report"]);
}

#[test]
fn a_read_only_out_folder_leaves_the_previous_set_intact() {
    let dir = tempfile::tempdir().unwrap();
    let disk = Tmpfs::mount(dir.path(), "disk", "8m");
    let previous = PreviousReport::make(&disk.path.join("report"));
    disk.remount("ro");
    let output = aikpi()
        .args(["report", "--sample", "--out"])
        .arg(&previous.out)
        .output()
        .unwrap();
    let message = failure(&output, 4);
    assert_mentions(&message, &["Read-only file system", "--out"]);
    previous.assert_untouched();
}

#[test]
fn concurrent_runs_into_one_out_leave_one_consistent_set() {
    // Each run writes different bytes into every file (a different currency and clock),
    // so a mixed set would show; references say what each run's set is.
    let dir = tempfile::tempdir().unwrap();
    let currencies = ["USD", "EUR", "GBP", "JPY"];
    let config = |c: &str| {
        let path = dir.path().join(format!("{c}.toml"));
        std::fs::write(&path, format!("currency = \"{c}\"\n")).unwrap();
        path
    };
    let clock = |i: usize| format!("2026-11-2{i}T09:00:00Z");
    let mut references = Vec::new();
    for (i, c) in currencies.iter().enumerate() {
        let out = dir.path().join(format!("ref-{c}"));
        aikpi()
            .env("AIKPI_NOW", clock(i))
            .args(["report", "--sample", "--config"])
            .arg(config(c))
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        references.push(snapshot(&out));
    }
    for name in ["report.html", "report.md", "report.json", "report.docx"] {
        let a = &references[0][Path::new(name)];
        assert!(
            references[1..].iter().all(|r| r[Path::new(name)] != *a),
            "{name} differs between the runs"
        );
    }

    let out = dir.path().join("shared");
    for round in 0..3 {
        let children: Vec<_> = currencies
            .iter()
            .enumerate()
            .map(|(i, c)| {
                aikpi_std()
                    .env("AIKPI_NOW", clock(i))
                    .args(["report", "--sample", "--config"])
                    .arg(config(c))
                    .arg("--out")
                    .arg(&out)
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = services::finish_within(child, services::PATIENCE, "aikpi report");
            assert!(output.status.success(), "{}", stderr(&output));
        }
        let got = snapshot(&out);
        assert!(
            references.contains(&got),
            "round {round}: the set in --out is exactly one run's set"
        );
        let leftovers: Vec<String> = names(dir.path())
            .into_iter()
            .filter(|n| n.contains("staging") || n.ends_with(".old"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
