//! What a long read is doing, shown on a terminal while it runs.
//!
//! A six-month report on a large database reads for many seconds; on a terminal the
//! report shows each read phase with its elapsed time on stderr (indicatif), so it never
//! looks hung. Nothing is drawn when stderr is not a terminal (cron, CI, pipes) or with
//! `--quiet`, and everything drawn is cleared when the reading ends: stdout and the final
//! one-line summary are the same either way.
//!
//! Like [`crate::timings`], phases are reported through a process-wide handle, so the
//! source code only marks where a phase starts and ends ([`phase`]).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

static ACTIVE: Mutex<Option<MultiProgress>> = Mutex::new(None);

/// Shows phases on stderr until the returned guard is dropped, if `wanted` and stderr is a
/// terminal; otherwise [`phase`] draws nothing.
pub fn show(wanted: bool) -> Shown {
    let on = wanted && std::io::stderr().is_terminal();
    if on {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        if let Ok(mut active) = ACTIVE.lock() {
            *active = Some(multi);
        }
    }
    Shown { on }
}

/// While it lives, phases are drawn; dropping it clears them from the terminal.
#[must_use = "phases are shown only while the guard lives"]
pub struct Shown {
    on: bool,
}

impl Drop for Shown {
    fn drop(&mut self) {
        if !self.on {
            return;
        }
        if let Ok(mut active) = ACTIVE.lock() {
            if let Some(multi) = active.take() {
                let _ = multi.clear();
            }
        }
    }
}

/// One phase, e.g. a query: a spinner with its elapsed time while it runs, a tick and its
/// duration once it is done (when it is dropped).
pub struct Phase {
    bar: Option<ProgressBar>,
    name: String,
    started: Instant,
}

/// Starts showing the phase `name`, e.g. `reading LLM usage` (if phases are shown at all).
pub fn phase(name: &str) -> Phase {
    let bar = ACTIVE.lock().ok().and_then(|active| {
        active.as_ref().map(|multi| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} … {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(name.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        })
    });
    Phase {
        bar,
        name: name.to_string(),
        started: Instant::now(),
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.set_style(
                ProgressStyle::with_template("{msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.finish_with_message(format!(
                "✓ {} ({:.1} s)",
                self.name,
                self.started.elapsed().as_secs_f64()
            ));
        }
    }
}

/// Prints `line` on stderr, above any phases being shown (so a redraw never erases it).
pub fn notice(line: &str) {
    let active = ACTIVE.lock().ok().and_then(|active| active.clone());
    match active {
        Some(multi) => multi.suspend(|| eprintln!("{line}")),
        None => eprintln!("{line}"),
    }
}
