//! `report.html`: one self-contained file — CSS inline, charts embedded as PNG `data:`
//! URIs, no external requests (a Content-Security-Policy in the page enforces it) —
//! that reads on a laptop and prints on A4.

use super::view::{self, ReportView};
use super::{RenderError, Templates};
use crate::charts::Chart;
use crate::review::Review;

/// The template `render_html` renders.
pub const TEMPLATE: &str = "report.html";

/// Renders the review as one self-contained HTML page.
pub fn render_html(
    review: &Review,
    charts: &[Chart],
    templates: &Templates,
) -> Result<String, RenderError> {
    let view = ReportView::new(review, charts, true)?;
    let context = view::context(review, &view)?;
    templates.render(TEMPLATE, &context)
}
