//! Rendering the review: HTML, Markdown, JSON (and the Notion zip).

pub mod docx;
pub mod email;
pub mod format;
pub mod narrative;
