//! aikpi — the monthly business review of an AI customer-support operation.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! source ──► aggregates ──► review ──► charts ──► render ──► deliver
//! ```
//!
//! * [`source`] reads [`aggregates::Aggregates`] from PostgreSQL or from a file.
//! * [`review`] turns aggregates into metrics, deltas, statuses and traps — pure code.
//! * [`charts`] draws the review; [`render`] writes it as HTML, Markdown and JSON.
//! * [`deliver`] puts the outputs on disk atomically and emails the summary.

pub mod aggregates;
pub mod app;
pub mod charts;
pub mod cli;
pub mod config;
pub mod deliver;
pub mod period;
pub mod progress;
pub mod render;
pub mod review;
pub mod seed;
pub mod source;
pub mod timings;
