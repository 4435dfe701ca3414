//! SPEC §7.8, names people read: config `[display_names]` maps data ids (a channel, an
//! issue key, a ledger category, a model) to the words readers see, optionally per
//! language. `report.json` keeps the ids; every other output asks [`DisplayNames`].

use std::collections::BTreeMap;

use super::Language;

/// The kinds of data id that can be given a display name: the tables of
/// `[display_names]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NameKind {
    Channel,
    IssueKey,
    LedgerCategory,
    Model,
}

impl NameKind {
    /// Every kind, in the order they are listed to users.
    pub const ALL: [NameKind; 4] = [
        NameKind::Channel,
        NameKind::IssueKey,
        NameKind::LedgerCategory,
        NameKind::Model,
    ];

    /// The table name in `[display_names]`.
    pub fn table(self) -> &'static str {
        match self {
            NameKind::Channel => "channel",
            NameKind::IssueKey => "issue_key",
            NameKind::LedgerCategory => "ledger_category",
            NameKind::Model => "model",
        }
    }

    /// The kind whose table is called `table`.
    pub fn from_table(table: &str) -> Option<NameKind> {
        NameKind::ALL.into_iter().find(|k| k.table() == table)
    }
}

/// The configured display names: language-neutral tables and per-language tables, the
/// latter consulted first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisplayNames {
    names: BTreeMap<(Option<LanguageKey>, NameKind), BTreeMap<String, String>>,
}

/// [`Language`] as a map key (it has no order of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct LanguageKey(&'static str);

impl From<Language> for LanguageKey {
    fn from(language: Language) -> Self {
        LanguageKey(language.tag())
    }
}

impl DisplayNames {
    /// Adds `id = name` to the table of `kind`, for every language (`None`) or one.
    pub fn insert(&mut self, language: Option<Language>, kind: NameKind, id: &str, name: &str) {
        self.names
            .entry((language.map(LanguageKey::from), kind))
            .or_default()
            .insert(id.to_string(), name.to_string());
    }

    /// No name is configured at all.
    pub fn is_empty(&self) -> bool {
        self.names.values().all(BTreeMap::is_empty)
    }

    /// The name readers see for `id` in `language`: the language's table, then the
    /// language-neutral one, then the id as it is.
    pub fn name<'a>(&'a self, language: Language, kind: NameKind, id: &'a str) -> &'a str {
        [Some(LanguageKey::from(language)), None]
            .into_iter()
            .find_map(|lang| self.names.get(&(lang, kind))?.get(id))
            .map_or(id, String::as_str)
    }

    /// The name of a channel.
    pub fn channel<'a>(&'a self, language: Language, id: &'a str) -> &'a str {
        self.name(language, NameKind::Channel, id)
    }

    /// The name of an issue key.
    pub fn issue_key<'a>(&'a self, language: Language, id: &'a str) -> &'a str {
        self.name(language, NameKind::IssueKey, id)
    }

    /// The name of a ledger category.
    pub fn ledger_category<'a>(&'a self, language: Language, id: &'a str) -> &'a str {
        self.name(language, NameKind::LedgerCategory, id)
    }

    /// The name of an LLM model.
    pub fn model<'a>(&'a self, language: Language, id: &'a str) -> &'a str {
        self.name(language, NameKind::Model, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_table_wins_over_the_neutral_one_and_unmapped_ids_stay_as_they_are() {
        let mut names = DisplayNames::default();
        names.insert(None, NameKind::Channel, "whatsapp", "WhatsApp");
        names.insert(Some(Language::ZhCn), NameKind::Channel, "web", "网页");
        names.insert(None, NameKind::Channel, "web", "Web");
        assert_eq!(names.channel(Language::En, "whatsapp"), "WhatsApp");
        assert_eq!(names.channel(Language::ZhCn, "whatsapp"), "WhatsApp");
        assert_eq!(names.channel(Language::ZhCn, "web"), "网页");
        assert_eq!(names.channel(Language::En, "web"), "Web");
        assert_eq!(names.channel(Language::En, "email"), "email");
        // A name of one kind is not a name of another.
        assert_eq!(names.model(Language::En, "whatsapp"), "whatsapp");
    }
}
