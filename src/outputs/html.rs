//! `report.html`: one self-contained file — CSS inline, charts embedded as PNG `data:`
//! URIs, no external requests (a Content-Security-Policy in the page enforces it) —
//! that reads on a laptop and prints on A4. Its `lang` is the run's language.

use super::{render_template, view_with_charts, File, FormatError, Input, Output};

/// The template it renders.
pub const TEMPLATE: &str = "report.html";

/// `report.html`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl Output for Html {
    fn name(&self) -> &'static str {
        "html"
    }

    fn render(&self, input: &Input<'_>) -> Result<Vec<File>, FormatError> {
        let view = view_with_charts(input, true)?;
        let html = render_template(input, TEMPLATE, &view)?;
        Ok(vec![File::new(TEMPLATE, html)])
    }
}
