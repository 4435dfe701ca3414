//! The fonts compiled into the binary, and the one family each chart is drawn in.
//!
//! Text is drawn with fonts registered with plotters (plotters' `ab_glyph` feature, not
//! `ttf`): drawing never looks a font up on the machine, so charts render the same on a
//! server with no fonts installed. Noto Sans draws Latin text; WenQuanYi Micro Hei draws
//! Chinese (the zh-CN report, and any chart whose data names — a channel called 微信 —
//! need it). plotters has no per-glyph fallback, so each chart is drawn in the one font
//! that covers all of its text.

use std::cell::Cell;
use std::sync::OnceLock;

use plotters::style::{FontDesc, FontFamily, FontStyle, RGBColor, TextStyle};

use super::ChartError;
use crate::presentation::Language;

/// Noto Sans (SIL Open Font License 1.1; see `assets/fonts/OFL.txt`).
const FONT_REGULAR: &[u8] = notosans::REGULAR_TTF;
const FONT_BOLD: &[u8] = notosans::BOLD_TTF;
/// WenQuanYi Micro Hei (Apache License 2.0; see `assets/fonts/wqy-microhei.COPYRIGHT`),
/// from Debian's `fonts-wqy-microhei`. A TrueType collection: ab_glyph reads its first
/// face (index 0, the proportional Micro Hei; face 1 is the monospaced one). The PDF
/// uses these same bytes (every face), so the binary holds the 5 MB file once.
pub const FONT_CJK: &[u8] = include_bytes!("../../../assets/fonts/wqy-microhei.ttc");
/// The family name Noto Sans is registered under.
const LATIN_FAMILY: &str = "sans-serif";
/// The family name WenQuanYi Micro Hei is registered under.
const CJK_FAMILY: &str = "aikpi-cjk";

/// Registers the bundled fonts with plotters, once per process.
///
/// plotters keeps fonts in a global table; registering parses the font's tables, which
/// for the 5 MB CJK collection is worth doing once, and a failure must be reported on
/// every call, so the outcome is memoised. The CJK font has no bold face: its regular
/// face stands in for bold.
pub fn register_bundled_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let register = |family, style, bytes, what: &str| {
                plotters::style::register_font(family, style, bytes)
                    .map_err(|_| format!("{what} is not a valid font"))
            };
            register(
                LATIN_FAMILY,
                FontStyle::Normal,
                FONT_REGULAR,
                "Noto Sans Regular",
            )?;
            register(LATIN_FAMILY, FontStyle::Bold, FONT_BOLD, "Noto Sans Bold")?;
            register(
                CJK_FAMILY,
                FontStyle::Normal,
                FONT_CJK,
                "WenQuanYi Micro Hei",
            )?;
            register(CJK_FAMILY, FontStyle::Bold, FONT_CJK, "WenQuanYi Micro Hei")
        })
        .clone()
        .map_err(ChartError::Font)
}

/// Whether Noto Sans lacks glyphs for a character that WenQuanYi Micro Hei has: CJK
/// ideographs, kana, hangul, CJK punctuation and full-width forms.
fn needs_cjk_font(c: char) -> bool {
    matches!(u32::from(c), 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
}

/// The family that draws every piece of `texts`: the CJK font for a Chinese report or
/// when any text needs it, Noto Sans otherwise (it reads better for Latin text).
pub fn font_family_for<'a>(
    language: Language,
    texts: impl IntoIterator<Item = &'a str>,
) -> &'static str {
    let cjk =
        language == Language::ZhCn || texts.into_iter().any(|t| t.chars().any(needs_cjk_font));
    if cjk {
        CJK_FAMILY
    } else {
        LATIN_FAMILY
    }
}

thread_local! {
    /// The family of the chart being drawn on this thread (set by [`use_family_for`]):
    /// every text style of a chart uses it, and threading it through each drawing
    /// helper would only repeat it.
    static FAMILY: Cell<&'static str> = const { Cell::new(LATIN_FAMILY) };
}

/// Makes the family that covers `texts` the one [`font`] draws in on this thread.
pub(super) fn use_family_for<'a>(language: Language, texts: impl IntoIterator<Item = &'a str>) {
    FAMILY.with(|f| f.set(font_family_for(language, texts)));
}

/// A text style in the chart's family: `size` CSS pixels at scale `s`.
pub(super) fn font(size: f64, s: f64, color: RGBColor, bold: bool) -> TextStyle<'static> {
    // `FontDesc::style` keeps the regular face's glyphs (plotters 0.3.7), so the face
    // is chosen when the font is created.
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    let family = FAMILY.with(Cell::get);
    FontDesc::new(FontFamily::Name(family), size * s, style).color(&color)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_fonts_register_and_measure_text_in_their_own_faces() {
        register_bundled_font().expect("the bundled fonts load");
        register_bundled_font().expect("and again: the outcome is kept");
        // A family plotters does not know cannot measure text: these widths exist only
        // because the registration took.
        let width = |family: &'static str, style: FontStyle, text: &str| {
            FontDesc::new(FontFamily::Name(family), 20.0, style)
                .box_size(text)
                .unwrap_or_else(|e| panic!("{family} measures {text:?}: {e:?}"))
                .0
        };
        let regular = width(LATIN_FAMILY, FontStyle::Normal, "Deflection rate");
        let bold = width(LATIN_FAMILY, FontStyle::Bold, "Deflection rate");
        assert!(regular > 100, "{regular}");
        assert!(
            bold > regular,
            "bold is its own, wider face: {bold} vs {regular}"
        );
        // Four ideographs of the CJK face, each a square a little narrower than the
        // 20 px size (68 px measured).
        let cjk = width(CJK_FAMILY, FontStyle::Normal, "微信渠道");
        assert!((60..=80).contains(&cjk), "{cjk}");
    }
}
