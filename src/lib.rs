//! aikpi — the monthly business review of an AI customer-support operation.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! source ──► aggregates ──► review ──► presentation ──► outputs ──► deliver
//! ```
//!
//! * [`source`] reads [`aggregates::Aggregates`] from PostgreSQL or from a file.
//! * [`review`] turns aggregates into metrics, deltas, statuses and traps — pure code
//!   that returns data and enums, never sentences.
//! * [`presentation`] owns every word (one table per language), number and date format.
//! * [`outputs`] lays the presentation out: JSON, charts, HTML, Markdown, the Notion
//!   zip, Word and the email bodies, one file per format behind one trait.
//! * [`deliver`] puts the outputs on disk atomically and emails the summary.

pub mod advice;
pub mod aggregates;
pub mod app;
pub mod check;
pub mod cli;
pub mod config;
pub mod contract;
pub mod deliver;
pub mod mapping;
pub mod outputs;
pub mod period;
pub mod presentation;
pub mod progress;
pub mod review;
pub mod seed;
pub mod source;
pub mod timings;
