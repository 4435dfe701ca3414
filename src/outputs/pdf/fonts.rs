//! The fonts of the PDF: only what is bundled in the binary, never the system's.
//!
//! Latin text is set in Noto Sans (the `notosans` crate, SIL OFL 1.1), Chinese in
//! WenQuanYi Micro Hei (`assets/fonts/wqy-microhei.ttc`, Apache 2.0) — the fonts the
//! charts draw with, so a report reads the same on paper as in its charts. A font that
//! does not load is an error here, before any layout, rather than boxes on the page.
//!
//! The bundled fonts are parsed once per process ([`Fonts::bundled`]): the CJK
//! collection alone is ~5 MB, and a run renders the PDF once per language.

use std::sync::OnceLock;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

use super::PdfError;

/// A font file compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct FontFile {
    /// The file's name, for error messages (`NotoSans-Regular.ttf`).
    pub name: &'static str,
    pub bytes: &'static [u8],
}

/// The families the built-in template sets text in: Latin first, then the Chinese one,
/// which Typst falls back to for every character the first lacks.
pub const FAMILIES: [&str; 2] = ["Noto Sans", "WenQuanYi Micro Hei"];

/// Every font file the PDF may use.
pub const BUNDLED: [FontFile; 4] = [
    FontFile {
        name: "NotoSans-Regular.ttf",
        bytes: notosans::REGULAR_TTF,
    },
    FontFile {
        name: "NotoSans-Bold.ttf",
        bytes: notosans::BOLD_TTF,
    },
    FontFile {
        name: "NotoSans-Italic.ttf",
        bytes: notosans::ITALIC_TTF,
    },
    FontFile {
        name: "wqy-microhei.ttc",
        bytes: crate::outputs::charts::fonts::FONT_CJK,
    },
];

/// Loaded fonts and the book Typst selects them from.
pub struct Fonts {
    pub(super) book: LazyHash<FontBook>,
    pub(super) fonts: Vec<Font>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("faces", &self.fonts.len())
            .finish()
    }
}

/// Why a font could not be loaded: which file or family, and what is wrong with it.
/// Kept apart from [`PdfError`] so the bundled fonts' outcome can be kept and told again.
#[derive(Debug, Clone)]
struct FontProblem {
    name: String,
    problem: String,
}

impl From<FontProblem> for PdfError {
    fn from(p: FontProblem) -> Self {
        PdfError::Font {
            name: p.name,
            problem: p.problem,
        }
    }
}

impl Fonts {
    /// The bundled fonts, loaded on the first call and shared by every later one (a
    /// damaged bundle gives the same error every time).
    pub fn bundled() -> Result<&'static Self, PdfError> {
        static LOADED: OnceLock<Result<Fonts, FontProblem>> = OnceLock::new();
        LOADED
            .get_or_init(|| Self::faces(&BUNDLED, &FAMILIES))
            .as_ref()
            .map_err(|p| p.clone().into())
    }

    /// Loads every face of every file (a `.ttc` collection holds several), and checks
    /// that each of `families` is among them.
    pub fn load(files: &[FontFile], families: &[&str]) -> Result<Self, PdfError> {
        Self::faces(files, families).map_err(PdfError::from)
    }

    fn faces(files: &[FontFile], families: &[&str]) -> Result<Self, FontProblem> {
        let mut fonts = Vec::new();
        for file in files {
            let faces: Vec<Font> = Font::iter(Bytes::new(file.bytes)).collect();
            if faces.is_empty() {
                return Err(FontProblem {
                    name: file.name.to_string(),
                    problem: "it holds no font face Typst can read".to_string(),
                });
            }
            fonts.extend(faces);
        }
        let book = FontBook::from_fonts(&fonts);
        for family in families {
            if !book.contains_family(&family.to_lowercase()) {
                return Err(FontProblem {
                    name: (*family).to_string(),
                    problem: "no bundled font file holds this family".to_string(),
                });
            }
        }
        Ok(Self {
            book: LazyHash::new(book),
            fonts,
        })
    }

    /// The family names of the loaded faces, in load order, without repeats.
    pub fn family_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for font in &self.fonts {
            let family = font.info().family.clone();
            if !names.contains(&family) {
                names.push(family);
            }
        }
        names
    }
}
