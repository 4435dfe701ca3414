//! `report.json`: the review as it is, unrounded, with ids and no words, and its
//! published JSON Schema.

use super::{File, FormatError, Input, Output, RenderError};
use crate::review::Review;

/// `report.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

/// The file it writes.
pub const FILE: &str = "report.json";

impl Output for Json {
    fn name(&self) -> &'static str {
        "json"
    }

    fn render(&self, input: &Input<'_>) -> Result<Vec<File>, FormatError> {
        Ok(vec![File::new(FILE, render_json(input.review)?)])
    }
}

/// The review as pretty-printed JSON (ratios as fractions, nothing rounded), ending in a
/// newline.
pub fn render_json(review: &Review) -> Result<String, RenderError> {
    let mut json = serde_json::to_string_pretty(review).map_err(RenderError::Json)?;
    json.push('\n');
    Ok(json)
}

/// The JSON Schema of `report.json`, as committed at `schema/report.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Review);
    // Serialising a `serde_json::Value`-backed schema cannot fail.
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
