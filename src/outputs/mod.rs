//! The outputs: every format the review is written in, each behind one small trait
//! ([`Output`]) in its own file — adding a format is adding a file plus its line in
//! [`FORMATS`], which drives `--format`, its default and the rendering order.
//!
//! Outputs sit below the presentation layer: they take the words, numbers and dates
//! from [`crate::presentation`] (through the one [`ReportView`] of the run and the
//! [`Document`] built from it, which Markdown and HTML walk) and only lay them out. JSON is the exception that proves the rule: it is the review itself,
//! unrounded, with ids and no words.
//!
//! | file | writes |
//! |---|---|
//! | [`json`] | `report.json` |
//! | [`charts`] | `charts/<name>.png` and `.svg` (drawn first: other formats embed them) |
//! | [`html`] | `report.html` |
//! | [`markdown`] | `report.md` |
//! | [`notion_zip`] | `report-notion.zip` (report.md with its charts) |
//! | [`docx`] | `report.docx` |
//! | [`pdf`] | `report.pdf` |
//! | [`email_body`] | the email's HTML and plain-text bodies |

pub mod charts;
pub mod docx;
pub mod email_body;
pub mod escape;
pub mod html;
pub mod json;
pub mod markdown;
pub mod notion_zip;
pub mod pdf;
pub mod templates;

use std::path::PathBuf;

use base64::Engine as _;

pub use charts::Chart;
pub use templates::Templates;

use crate::presentation::document::Document;
use crate::presentation::view::{ChartView, ReportView};
use crate::presentation::Presentation;
use crate::review::Review;
use crate::say;

/// Everything an output renders from: the review, how the run speaks, the one view of
/// the review in that language, the charts already drawn and the templates.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub review: &'a Review,
    pub presentation: &'a Presentation,
    /// The view of the review (charts not yet attached; outputs add the ones they show).
    pub view: &'a ReportView,
    /// The document built from the view: the outline every format walks.
    pub document: &'a Document,
    pub charts: &'a [Chart],
    pub templates: &'a Templates,
}

/// One file an output produced, relative to the report folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl File {
    /// A file at `path` (relative to the report folder).
    pub fn new(path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// One output format.
pub trait Output {
    /// The format's name, as in `--format` (`json`, `html`, `md`, `docx`, …).
    fn name(&self) -> &'static str;

    /// Renders the format's files.
    fn render(&self, input: &Input<'_>) -> Result<Vec<File>, FormatError>;
}

/// One format of `--format`: its name, its help and the outputs that write it.
#[derive(Debug)]
pub struct Format {
    /// The name in `--format`.
    pub name: &'static str,
    /// What `aikpi help report` says of it, if anything.
    pub help: Option<&'static str>,
    /// It shows the charts: they are drawn before it.
    pub shows_charts: bool,
    /// `charts/` (each chart as PNG and SVG) is written beside it: report.md links the
    /// PNGs, and a reader of report.html or report.docx takes them for slides. The PDF
    /// embeds its charts as vector graphics and asks for no files, so `--format pdf`
    /// writes report.pdf alone.
    pub writes_charts: bool,
    /// The outputs that write its files, in order.
    pub outputs: &'static [&'static (dyn Output + Sync)],
}

impl std::fmt::Debug for dyn Output + Sync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every format, in rendering order; `--format` accepts these names and defaults to all.
/// A new format is its file in `outputs/` plus one line here.
pub static FORMATS: [Format; 5] = [
    Format {
        name: "json",
        help: None,
        shows_charts: false,
        writes_charts: false,
        outputs: &[&json::Json],
    },
    Format {
        name: "docx",
        help: Some("Word (report.docx): carries its charts into Lark, Word and Google Docs"),
        shows_charts: true,
        writes_charts: true,
        outputs: &[&docx::WordDocument],
    },
    Format {
        name: "html",
        help: None,
        shows_charts: true,
        writes_charts: true,
        outputs: &[&html::Html],
    },
    Format {
        name: "md",
        help: None,
        shows_charts: true,
        writes_charts: true,
        outputs: &[&notion_zip::NotionZip, &markdown::Markdown],
    },
    Format {
        name: "pdf",
        help: Some("PDF (report.pdf): A4, the whole review, for printing and board packs"),
        shows_charts: true,
        writes_charts: false,
        outputs: &[&pdf::Pdf],
    },
];

/// The default of `--format`: every format, comma-separated.
pub fn default_formats() -> &'static str {
    static ALL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ALL.get_or_init(|| FORMATS.iter().map(|f| f.name).collect::<Vec<_>>().join(","))
}

/// The outputs that write `formats`, in rendering order: `charts/` (when a format
/// writes it, [`Format::writes_charts`]) before the first format that does.
pub fn selected(formats: &[&Format]) -> Vec<&'static dyn Output> {
    let mut out: Vec<&'static dyn Output> = Vec::new();
    let mut charts_written = false;
    for format in FORMATS
        .iter()
        .filter(|f| formats.iter().any(|w| w.name == f.name))
    {
        if format.writes_charts && !charts_written {
            out.push(&charts::Charts);
            charts_written = true;
        }
        out.extend(format.outputs.iter().map(|o| *o as &dyn Output));
    }
    out
}

/// Why an output could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Charts(#[from] charts::ChartError),
    /// A format's own failure (its file's error type), reported as it says.
    #[error(transparent)]
    Format(Box<dyn std::error::Error + Send + Sync>),
}

impl FormatError {
    /// A format's own error.
    pub fn format(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        FormatError::Format(Box::new(e))
    }
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The review could not be serialised.
    #[error("cannot serialise the review as JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// A template folder could not be read, or holds something it may not.
    #[error(
        "template folder {}: {message}. Fix it, or point --templates (AIKPI_TEMPLATES, \
         `templates` in the config file) at a folder of your templates, or drop it to use \
         the built-in ones.",
        .path.display()
    )]
    Overrides { path: PathBuf, message: String },
    /// Templates did not parse (a syntax error, a missing parent or macro file).
    #[error(
        "templates from {origin} do not load: {message}. Fix the template named there (tera \
         syntax), or remove it from the folder to use the built-in one."
    )]
    Templates { origin: String, message: String },
    /// A template failed while rendering (unknown variable, filter error, …).
    #[error(
        "template `{template}` failed to render: {message}. Fix that template in the \
         --templates folder, or remove it to use the built-in one; templates may only include \
         templates of their folder and cannot read the environment."
    )]
    Template { template: String, message: String },
    /// A template ran away (output or `range` beyond the limits); a setup error, exit 2.
    #[error(
        "template `{template}` {limit}; its loops run away (check `range` and nested `for`). \
         Fix that template in the --templates folder, or remove it to use the built-in one."
    )]
    Runaway { template: String, limit: String },
    /// The review could not be turned into a template context.
    #[error("cannot build the template context: {0}")]
    Context(String),
    /// A chart name that is not a plain file stem.
    #[error("chart name `{0}` is not a plain file name (a–z, 0–9, `_`, `-`)")]
    ChartName(String),
    /// The Notion zip could not be written.
    #[error("cannot build report-notion.zip: {0}")]
    Zip(String),
}

/// A chart's file stem must be a plain name: it becomes a path in `charts/` and a
/// link in Markdown, so anything else is refused rather than escaped.
pub(crate) fn check_chart_name(name: &str) -> Result<(), RenderError> {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if plain {
        Ok(())
    } else {
        Err(RenderError::ChartName(name.to_string()))
    }
}

/// A chart as a template refers to it; `embed` adds its `data:` URI.
pub(crate) fn chart_view(
    chart: &Chart,
    presentation: &Presentation,
    embed: bool,
) -> Result<ChartView, RenderError> {
    check_chart_name(&chart.name)?;
    // Charts are drawn at 2×; a default size when the header is unreadable.
    let (width, height) = chart
        .pixel_size()
        .map_or((900, 420), |(w, h)| (w / 2, h / 2));
    Ok(ChartView {
        name: chart.name.clone(),
        title: chart.title.clone(),
        description: chart.description.clone(),
        alt: say!(
            presentation.words.chart_alt,
            title = chart.title,
            description = chart.description
        ),
        path: format!("charts/{}.png", chart.name),
        data_uri: if embed {
            format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(&chart.png)
            )
        } else {
            String::new()
        },
        width,
        height,
    })
}

/// The view with the charts attached (embedded as `data:` URIs for HTML).
pub(crate) fn view_with_charts(input: &Input<'_>, embed: bool) -> Result<ReportView, RenderError> {
    let mut view = input.view.clone();
    view.charts = input
        .charts
        .iter()
        .map(|c| chart_view(c, input.presentation, embed))
        .collect::<Result<_, _>>()?;
    Ok(view)
}

/// Renders one template with the report's context.
pub(crate) fn render_template(
    input: &Input<'_>,
    name: &str,
    view: &ReportView,
) -> Result<String, RenderError> {
    let context = templates::context(input.review, view, input.document, input.presentation)?;
    input.templates.render(name, &context)
}

/// Renders one output on its own, computing the view for it: for callers that want a
/// single format (tools, tests) rather than the run's whole set.
pub fn render_one(
    output: &dyn Output,
    review: &Review,
    presentation: &Presentation,
    charts: &[Chart],
    templates: &Templates,
) -> Result<Vec<File>, FormatError> {
    let view = ReportView::new(review, presentation);
    let document = Document::new(review, &view, presentation);
    output.render(&Input {
        review,
        presentation,
        view: &view,
        document: &document,
        charts,
        templates,
    })
}

/// [`render_one`] for a format of one text file (HTML, Markdown, JSON, an email body).
pub fn render_text(
    output: &dyn Output,
    review: &Review,
    presentation: &Presentation,
    charts: &[Chart],
    templates: &Templates,
) -> Result<String, FormatError> {
    let files = render_one(output, review, presentation, charts, templates)?;
    let bytes = files
        .into_iter()
        .next()
        .map(|f| f.bytes)
        .unwrap_or_default();
    String::from_utf8(bytes).map_err(|e| FormatError::Render(RenderError::Context(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(formats: &[&str]) -> Vec<&'static str> {
        let chosen: Vec<&Format> = FORMATS
            .iter()
            .filter(|f| formats.contains(&f.name))
            .collect();
        selected(&chosen).iter().map(|o| o.name()).collect()
    }

    #[test]
    fn the_registry_renders_charts_once_before_the_first_format_that_shows_them() {
        assert_eq!(names(&["json"]), ["json"]);
        assert_eq!(
            names(&["md", "json"]),
            ["json", "charts", "notion-zip", "md"]
        );
        assert_eq!(
            names(&["html", "md", "json", "docx"]),
            ["json", "charts", "docx", "html", "notion-zip", "md"]
        );
    }

    #[test]
    fn every_format_has_a_unique_name_and_the_default_is_all_of_them() {
        let mut all: Vec<&str> = FORMATS.iter().map(|f| f.name).collect();
        assert_eq!(default_formats(), all.join(","));
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), FORMATS.len());
    }
}
