//! Rendering the review: HTML, Markdown, JSON (and the Notion zip).

pub mod escape;
pub mod format;
pub mod json;

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The review could not be serialised.
    #[error("cannot serialise the review as JSON: {0}")]
    Json(#[source] serde_json::Error),
}
