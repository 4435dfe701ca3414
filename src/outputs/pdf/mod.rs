//! `report.pdf`: the document typeset in-process with Typst, A4, for board packs.
//!
//! The template (`templates/report.typ`, or `report.typ` in a `--templates` folder)
//! walks the document it reads from `document.json` in its world — the data never
//! becomes Typst markup, so a channel named `#eval("1+1")` is printed as it is. Charts
//! are placed from their SVGs (vector). Fonts are only the bundled ones ([`fonts`]);
//! the creation date is the run's clock, so the same input and `--now` give the same
//! bytes.

pub mod fonts;
mod world;

use std::collections::BTreeMap;

use serde::Serialize;

pub use world::Job;

use super::{check_chart_name, File, FormatError, Input, Output};
use crate::presentation::document::Document;
use crate::presentation::Words;

/// `report.pdf`.
#[derive(Debug, Clone, Copy)]
pub struct Pdf;

impl Output for Pdf {
    fn name(&self) -> &'static str {
        "pdf"
    }

    fn render(&self, input: &Input<'_>) -> Result<Vec<File>, FormatError> {
        Ok(vec![File::new("report.pdf", render(input)?)])
    }
}

/// What the template reads from `document.json`.
#[derive(Serialize)]
struct TemplateData<'a> {
    document: &'a Document,
    w: &'a Words,
    /// Each chart by name: the SVG's path in the world, its title and description.
    charts: BTreeMap<&'a str, ChartFile<'a>>,
    sample: bool,
}

#[derive(Serialize)]
struct ChartFile<'a> {
    file: String,
    title: &'a str,
    description: &'a str,
}

fn render(input: &Input<'_>) -> Result<Vec<u8>, FormatError> {
    let mut files = Vec::new();
    let mut charts = BTreeMap::new();
    for chart in input.charts {
        check_chart_name(&chart.name).map_err(FormatError::Render)?;
        // SVG: Typst draws it as vector graphics, sharp at any zoom and in print.
        let file = format!("charts/{}.svg", chart.name);
        files.push((file.clone(), chart.svg.clone().into_bytes()));
        charts.insert(
            chart.name.as_str(),
            ChartFile {
                file,
                title: &chart.title,
                description: &chart.description,
            },
        );
    }
    let data = TemplateData {
        document: input.document,
        w: input.presentation.words,
        charts,
        sample: input.review.sample,
    };
    let json = serde_json::to_vec(&data).map_err(PdfError::Data)?;
    files.push(("document.json".to_string(), json));
    let (origin, template) = input.templates.typst();
    Ok(typeset(Job {
        origin: &origin,
        template,
        files,
        now: input.review.provenance.generated_at,
    })?)
}

/// Why `report.pdf` could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// A bundled font is damaged or missing.
    #[error(
        "cannot write report.pdf: the bundled font {name} cannot be used: {problem}. \
         Rebuild aikpi from an unmodified checkout (assets/fonts, the notosans crate)."
    )]
    Font { name: String, problem: String },
    /// The template failed (a syntax error, an unknown variable, a font it names that
    /// is not bundled).
    #[error(
        "cannot write report.pdf: {origin} failed: {message}. Fix report.typ in the \
         --templates folder, or remove it to use the built-in one."
    )]
    Template { origin: String, message: String },
    /// Text no bundled font can draw (it would print as empty boxes).
    #[error(
        "cannot write report.pdf: no bundled font draws {characters} (in \"{text}\"); the \
         PDF uses only Noto Sans and WenQuanYi Micro Hei."
    )]
    MissingGlyphs { characters: String, text: String },
    /// The document could not be serialised for the template.
    #[error("cannot write report.pdf: cannot serialise the document: {0}")]
    Data(#[source] serde_json::Error),
    /// Typst could not write the PDF.
    #[error("cannot write report.pdf: {0}")]
    Export(String),
}

impl From<PdfError> for FormatError {
    fn from(e: PdfError) -> Self {
        FormatError::format(e)
    }
}

/// Typesets `template` with `files` in its world (data, images) and the bundled fonts.
pub fn typeset(job: Job<'_>) -> Result<Vec<u8>, PdfError> {
    world::compile(job, fonts::Fonts::bundled()?)
}
