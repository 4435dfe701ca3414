//! Where aggregates come from: PostgreSQL (the primary source) or an aggregates file.

pub mod postgres;
