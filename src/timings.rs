//! `AIKPI_TIMINGS=1`: how long each stage of a run took, on stderr.
//!
//! Off by default and free when off. When on, every stage prints one line as it ends,
//! `aikpi timing: <stage> <milliseconds> ms`, e.g. for `scripts/bench.sh`, which adds up
//! the stages outside the database. Concurrent database queries print in the order they
//! finish.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Whether `AIKPI_TIMINGS` is set to something other than empty or `0`.
pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var("AIKPI_TIMINGS").is_ok_and(|v| !v.is_empty() && v != "0"))
}

/// Prints the duration of `stage` when timings are enabled.
pub fn record(stage: &str, took: Duration) {
    if enabled() {
        eprintln!(
            "aikpi timing: {stage} {:.1} ms",
            took.as_secs_f64() * 1000.0
        );
    }
}

/// Runs `f` and records how long it took as `stage`.
pub fn time<T>(stage: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = f();
    record(stage, started.elapsed());
    result
}

/// Awaits `f` and records how long it took as `stage`.
pub async fn time_async<T>(stage: &str, f: impl std::future::Future<Output = T>) -> T {
    let started = Instant::now();
    let result = f.await;
    record(stage, started.elapsed());
    result
}
