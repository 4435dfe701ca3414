//! Delivery: the output set on disk, and the emailed executive summary.

pub mod email;
pub mod files;
