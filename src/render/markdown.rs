//! `report.md`: GitHub-flavoured Markdown that imports into Notion and Lark — headings
//! H1–H3 only, one table per layer (Lark splits tables over 9 rows), callouts as `>`
//! quotes with a leading emoji, charts as `charts/<name>.png` relative links. Every
//! value is escaped for Markdown by the template engine (see [`super::escape`]).

use super::view::{self, ReportView};
use super::{RenderError, Templates};
use crate::charts::Chart;
use crate::review::Review;

/// The template `render_markdown` renders.
pub const TEMPLATE: &str = "report.md";

/// Renders the review as GitHub-flavoured Markdown.
pub fn render_markdown(
    review: &Review,
    charts: &[Chart],
    templates: &Templates,
) -> Result<String, RenderError> {
    let view = ReportView::new(review, charts, false)?;
    let context = view::context(review, &view)?;
    templates.render(TEMPLATE, &context)
}
