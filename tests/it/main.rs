//! The integration tests: one crate, one binary (as casey/just does). Each former
//! `tests/NAME.rs` is the module `NAME` here; the helpers are shared modules: one fixture
//! builder (`common`, `docx_fixture`, `support`), one service harness (`services`, with
//! `cli_support` for the command line and `cluster_support` for test-owned PostgreSQL
//! clusters). One binary links the crate (and Typst) once instead of once per file.
//!
//! Run one module with `cargo test --test it NAME::` (for example `render::`).
//! The tests share one process: none may change process-wide state (the environment,
//! the current folder, the umask, signal dispositions); a child process gets what it
//! needs through `Command`.

// Shared helpers.
mod browser;
mod cli_support;
mod cluster_support;
mod common;
mod database;
mod docx_fixture;
mod fonts;
mod mapping_support;
mod services;
mod support;

// One module per former test file.
mod browser_email;
mod browser_report;
mod charts;
mod check;
mod cli_configuration;
mod cli_database;
mod cli_database_rights;
mod cli_display_names;
mod cli_empty_month;
mod cli_exit_codes;
mod cli_input;
mod cli_neighbours;
mod cli_output;
mod cli_progress;
mod cli_security;
mod docx_libreoffice;
mod docx_package;
mod email_dry_run;
mod email_failures;
mod email_send;
mod faults;
mod foreign;
mod hostile_data;
mod hostile_sql;
mod json_schema;
mod languages;
mod load;
mod mapping_intercom;
mod mapping_litellm;
mod mapping_zendesk;
mod markdown_cmark_gfm;
mod not_measured;
mod outputs_unchanged;
mod partitioned;
mod pdf;
mod postgres_aggregates;
mod postgres_channels;
mod postgres_contract;
mod postgres_indexes;
mod postgres_performance;
mod postgres_review;
mod postgres_sample;
mod postgres_seed;
mod postgres_story;
mod render;
mod review_noise_segments;
mod review_properties;
mod review_rules;
mod review_story;
mod rollup;
mod source_layout;
mod standby;
mod story_render;
mod templates_document;
