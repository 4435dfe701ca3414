//! The presentation layer: everything an output says, in one language.
//!
//! The review returns data and enums; this layer turns them into words, numbers and
//! dates for people. Every output (JSON aside) takes its text from here, so HTML,
//! Markdown, Word, the email and the charts say the same thing in the same words.
//!
//! * [`words`] — the [`Words`] type: one field per phrase; [`en`] and [`zh_cn`] fill it.
//! * [`numbers`] — every rounding and number format (display only; JSON is unrounded).
//! * [`chart_id`] — [`chart_id::ChartId`], the one name of each chart.
//! * [`dates`] — months, days and instants as each language writes them.
//! * [`display_names`] — [`DisplayNames`], the names readers see for data ids (SPEC §7.8).
//! * [`narrative`] — the sentences of the report, built from the words and numbers.
//! * [`story`] — SPEC §7 worded: the four answers at the top, the metrics to read with care.
//! * [`view`] — what every format shows, computed once: the template context.
//! * [`document`] — the report's outline: ordered sections of typed blocks, which
//!   every format walks.
//! * [`drilldown`] — SPEC §6 worded: noise marks, segments, drivers, workload, events.

pub mod chart_id;
pub mod check;
pub mod dates;
pub mod display_names;
pub mod document;
pub mod drilldown;
pub mod en;
pub mod narrative;
pub mod numbers;
pub mod story;
pub mod view;
pub mod words;
pub mod zh_cn;

use std::fmt;
use std::str::FromStr;

pub use display_names::DisplayNames;
pub use words::Words;

/// A language the outputs can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// English (the default).
    #[default]
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl Language {
    /// Every supported language, in the order they are listed to users.
    pub const ALL: [Language; 2] = [Language::En, Language::ZhCn];

    /// The BCP 47 tag, as in config, `--lang` and the HTML `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::ZhCn => "zh-CN",
        }
    }

    /// The table of words of the language.
    pub fn words(self) -> &'static Words {
        match self {
            Language::En => &en::EN,
            Language::ZhCn => &zh_cn::ZH_CN,
        }
    }

    /// The tags of every supported language, for messages: "en, zh-CN".
    pub fn supported() -> String {
        Language::ALL.map(Language::tag).join(", ")
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A language tag that aikpi has no words for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}`")]
pub struct UnknownLanguage(pub String);

impl FromStr for Language {
    type Err = UnknownLanguage;

    /// Tags compare without regard to case, `_` for `-` (`zh_cn`, `zh-Hans` for zh-CN).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let tag = s.trim().replace('_', "-").to_ascii_lowercase();
        match tag.as_str() {
            "en" | "en-us" | "en-gb" => Ok(Language::En),
            "zh-cn" | "zh-hans" | "zh-hans-cn" => Ok(Language::ZhCn),
            _ => Err(UnknownLanguage(s.to_string())),
        }
    }
}

/// How the outputs of one run speak: a language and its words. Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct Presentation {
    /// The language of every output.
    pub language: Language,
    /// Its table of words.
    pub words: &'static Words,
}

impl Presentation {
    /// The presentation in `language`.
    pub fn new(language: Language) -> Self {
        Self {
            language,
            words: language.words(),
        }
    }
}

impl Default for Presentation {
    fn default() -> Self {
        Presentation::new(Language::En)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_parse_loosely_and_print_canonically() {
        assert_eq!("zh-CN".parse::<Language>(), Ok(Language::ZhCn));
        assert_eq!("zh_cn".parse::<Language>(), Ok(Language::ZhCn));
        assert_eq!(" EN ".parse::<Language>(), Ok(Language::En));
        assert_eq!(
            "fr".parse::<Language>(),
            Err(UnknownLanguage("fr".to_string()))
        );
        assert_eq!(Language::ZhCn.to_string(), "zh-CN");
        assert_eq!(Language::supported(), "en, zh-CN");
    }
}
