//! Rendering the review: HTML, Markdown, JSON (and the Notion zip).

pub mod email;
pub mod format;
