//! SPEC §7.8, names people read: config `[display_names]` maps data ids (a channel, an
//! issue key, a ledger category, a model) to the words readers see, optionally per
//! language. `report.json` keeps the ids; every other output asks [`DisplayNames`].

use std::collections::BTreeMap;

use super::Language;
use crate::review::Review;

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

/// The review as readers see it: every data id they read (channels, issue keys, ledger
/// categories, models) replaced by its display name in `language`. `report.json` is
/// written from the review itself, so it keeps the ids (SPEC §7.8); every other format
/// and the charts are drawn from this copy.
pub fn as_readers_see_it(review: &Review, names: &DisplayNames, language: Language) -> Review {
    let mut r = review.clone();
    if names.is_empty() {
        return r;
    }
    let name = |kind: NameKind, id: &mut String| {
        let shown = names.name(language, kind, id);
        if shown != id.as_str() {
            *id = shown.to_string();
        }
    };
    for c in &mut r.channels {
        name(NameKind::Channel, &mut c.channel);
    }
    for c in &mut r.segments.channels {
        if let Some(channel) = &mut c.channel {
            name(NameKind::Channel, channel);
        }
    }
    for i in &mut r.segments.top_issues {
        if let Some(key) = &mut i.issue_key {
            name(NameKind::IssueKey, key);
        }
    }
    for d in r.drivers.values_mut().flatten() {
        for c in &mut d.by_channel {
            if let Some(channel) = &mut c.channel {
                name(NameKind::Channel, channel);
            }
        }
    }
    let cost = &mut r.cost_breakdown;
    for e in &mut cost.ledger {
        name(NameKind::LedgerCategory, &mut e.category);
    }
    for m in &mut cost.llm_by_model {
        name(NameKind::Model, &mut m.model);
    }
    for c in &mut cost.missing_categories {
        name(NameKind::LedgerCategory, c);
    }
    if let Some(other) = &mut r.traps.hidden_llm_cost.evidence.largest_other_category {
        name(NameKind::LedgerCategory, &mut other.category);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_see_names_where_the_review_keeps_ids() {
        let aggregates: crate::aggregates::Aggregates =
            serde_json::from_str(include_str!("../../samples/aggregates.json")).expect("sample");
        let review = crate::review::review(
            &aggregates,
            &crate::review::settings::ReviewSettings::default(),
            &crate::review::ReviewContext {
                generated_at: "2026-11-02T08:00:00Z".parse().expect("instant"),
                sample: true,
                language: "en".to_string(),
            },
        )
        .expect("the sample reviews");
        let mut names = DisplayNames::default();
        names.insert(None, NameKind::Channel, "whatsapp", "WhatsApp");
        names.insert(
            None,
            NameKind::LedgerCategory,
            "cloud_services",
            "Cloud services",
        );
        names.insert(
            Some(Language::ZhCn),
            NameKind::LedgerCategory,
            "cloud_services",
            "云服务",
        );
        let shown = as_readers_see_it(&review, &names, Language::En);
        assert!(shown.channels.iter().any(|c| c.channel == "WhatsApp"));
        assert!(shown
            .segments
            .channels
            .iter()
            .all(|c| c.channel.as_deref() != Some("whatsapp")));
        assert!(shown
            .cost_breakdown
            .ledger
            .iter()
            .any(|e| e.category == "Cloud services"));
        let zh = as_readers_see_it(&review, &names, Language::ZhCn);
        assert_eq!(
            zh.traps
                .hidden_llm_cost
                .evidence
                .largest_other_category
                .as_ref()
                .map(|c| c.category.as_str()),
            Some("云服务")
        );
        // The review itself keeps the ids.
        assert!(review.channels.iter().any(|c| c.channel == "whatsapp"));
    }

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
