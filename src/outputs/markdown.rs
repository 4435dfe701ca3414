//! `report.md`: GitHub-flavoured Markdown that imports into Notion and Lark — headings
//! H1–H3 only, one table per layer (Lark splits tables over 9 rows), callouts as `>`
//! quotes with a leading emoji, charts as `charts/<name>.png` relative links. Every
//! value is escaped for Markdown by the template engine (see [`super::escape`]).

use super::{render_template, view_with_charts, File, FormatError, Input, Output, RenderError};

/// The template it renders.
pub const TEMPLATE: &str = "report.md";

/// `report.md`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Markdown;

impl Output for Markdown {
    fn name(&self) -> &'static str {
        "md"
    }

    fn render(&self, input: &Input<'_>) -> Result<Vec<File>, FormatError> {
        Ok(vec![File::new(TEMPLATE, render_markdown(input)?)])
    }
}

/// The Markdown text (the Notion zip holds the same).
pub fn render_markdown(input: &Input<'_>) -> Result<String, RenderError> {
    let view = view_with_charts(input, false)?;
    render_template(input, TEMPLATE, &view)
}
