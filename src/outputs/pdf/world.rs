//! The Typst world of one PDF: the template, the files it reads, the bundled fonts and
//! the run's clock — and nothing else (no system fonts, no packages, no file system).

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

use super::fonts::Fonts;
use super::PdfError;

/// The path of the main source in the world.
const MAIN: &str = "report.typ";

/// A compilation's inputs: the main source (a template), the files it may read (data
/// and images), by path relative to it.
pub struct Job<'a> {
    /// Where the template came from, for error messages ("the built-in report.typ").
    pub origin: &'a str,
    pub template: &'a str,
    pub files: Vec<(String, Vec<u8>)>,
    /// The run's clock: the PDF's creation date and Typst's `datetime.today()`.
    pub now: DateTime<Utc>,
}

struct ReportWorld<'a> {
    library: LazyHash<Library>,
    fonts: &'a Fonts,
    main: Source,
    files: HashMap<FileId, Bytes>,
    now: DateTime<Utc>,
}

fn file_id(path: &str) -> Result<FileId, PdfError> {
    let vpath = VirtualPath::new(path)
        .map_err(|e| PdfError::Export(format!("{path} is not a file name for Typst: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(PathBuf::from(id.get().vpath().get_with_slash()))
}

impl World for ReportWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.text().to_string()));
        }
        self.files.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        // Typst asks for the local date without an offset; the run's clock is UTC.
        let hours = offset.map_or(0, |o| o.hours() as i64);
        let date = (self.now + Duration::hours(hours)).date_naive();
        Datetime::from_ymd(
            date.year(),
            u8::try_from(date.month()).ok()?,
            u8::try_from(date.day()).ok()?,
        )
    }
}

/// Compiles the job into PDF bytes. Warnings that would leave text unreadable (a font
/// family the template names but no bundled font has) are errors, and so is a glyph no
/// bundled font draws.
pub fn compile(job: Job<'_>, fonts: &Fonts) -> Result<Vec<u8>, PdfError> {
    let main = Source::new(file_id(MAIN)?, job.template.to_string());
    let mut files = HashMap::new();
    for (path, bytes) in job.files {
        files.insert(file_id(&path)?, Bytes::new(bytes));
    }
    let world = ReportWorld {
        library: LazyHash::new(Library::builder().build()),
        fonts,
        main,
        files,
        now: job.now,
    };
    let warned = typst::compile::<PagedDocument>(&world);
    let template_error = |diagnostics: &[SourceDiagnostic]| PdfError::Template {
        origin: job.origin.to_string(),
        message: diagnostics
            .iter()
            .map(|d| describe(&world, d))
            .collect::<Vec<_>>()
            .join("; "),
    };
    let document = warned
        .output
        .map_err(|errors| template_error(errors.as_slice()))?;
    let font_warnings: Vec<SourceDiagnostic> = warned
        .warnings
        .iter()
        .filter(|w| w.message.contains("font"))
        .cloned()
        .collect();
    if !font_warnings.is_empty() {
        return Err(template_error(&font_warnings));
    }
    check_glyphs(&document)?;
    let options = typst_pdf::PdfOptions {
        timestamp: Some(timestamp(job.now)?),
        creator: Smart::Custom(Some(format!("aikpi {}", env!("CARGO_PKG_VERSION")))),
        ..typst_pdf::PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errors| {
        PdfError::Export(
            errors
                .iter()
                .map(|d| describe(&world, d))
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

fn timestamp(now: DateTime<Utc>) -> Result<typst_pdf::Timestamp, PdfError> {
    let datetime = u8::try_from(now.month())
        .ok()
        .zip(u8::try_from(now.day()).ok())
        .and_then(|(month, day)| {
            Datetime::from_ymd_hms(
                now.year(),
                month,
                day,
                u8::try_from(now.hour()).ok()?,
                u8::try_from(now.minute()).ok()?,
                u8::try_from(now.second()).ok()?,
            )
        })
        .ok_or_else(|| PdfError::Export(format!("the clock {now} is not a date Typst accepts")))?;
    Ok(typst_pdf::Timestamp::new_utc(datetime))
}

/// "report.typ:12: unknown variable: x (hint: …)".
fn describe(world: &ReportWorld<'_>, diagnostic: &SourceDiagnostic) -> String {
    let place = diagnostic.span.id().and_then(|id| {
        let source = world.source(id).ok()?;
        let range = world.range(diagnostic.span)?;
        let line = source.lines().byte_to_line(range.start)?;
        Some(format!(
            "{}:{}: ",
            id.get().vpath().get_without_slash(),
            line + 1
        ))
    });
    let mut text = format!("{}{}", place.unwrap_or_default(), diagnostic.message);
    for hint in &diagnostic.hints {
        text.push_str(&format!(" (hint: {})", hint.v));
    }
    // One paragraph: the run's error is one line.
    text.replace('\n', " ")
}

/// Refuses a document with a glyph no font had (Typst would draw an empty box).
fn check_glyphs(document: &PagedDocument) -> Result<(), PdfError> {
    let mut missing: Vec<char> = Vec::new();
    let mut context = String::new();
    for page in document.pages() {
        missing_glyphs(&page.frame, &mut missing, &mut context);
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(PdfError::MissingGlyphs {
            characters: missing
                .iter()
                .map(|c| format!("{c:?} (U+{:04X})", u32::from(*c)))
                .collect::<Vec<_>>()
                .join(", "),
            text: context,
        })
    }
}

fn missing_glyphs(frame: &Frame, missing: &mut Vec<char>, context: &mut String) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => missing_glyphs(&group.frame, missing, context),
            FrameItem::Text(text) => {
                for glyph in text.glyphs.iter().filter(|g| g.id == 0) {
                    let chars = text.text.get(glyph.range()).unwrap_or_default();
                    for c in chars.chars().filter(|c| !c.is_whitespace()) {
                        if !missing.contains(&c) {
                            missing.push(c);
                        }
                    }
                    if context.is_empty() {
                        context.push_str(&text.text);
                    }
                }
            }
            _ => {}
        }
    }
}
