//! `aikpi mapping`: the views shipped in `mappings/<source>/` that make contract
//! relations from a vendor's own tables, printed for a given source and target schema.
//!
//! The two schema names are the only text filled in, each as a quoted identifier
//! (`"name"`, a `"` doubled), so no name a user passes can become SQL of its own.

/// A mapping aikpi ships: its source name and its files, in the order to apply them.
pub struct Mapping {
    pub source: &'static str,
    pub files: &'static [(&'static str, &'static str)],
}

/// Every mapping shipped.
pub const MAPPINGS: [Mapping; 3] = [
    Mapping {
        source: "intercom",
        files: &[(
            "conversations.sql",
            include_str!("../mappings/intercom/conversations.sql"),
        )],
    },
    Mapping {
        source: "litellm",
        files: &[(
            "llm_usage.sql",
            include_str!("../mappings/litellm/llm_usage.sql"),
        )],
    },
    Mapping {
        source: "zendesk",
        files: &[(
            "conversations.sql",
            include_str!("../mappings/zendesk/conversations.sql"),
        )],
    },
];

/// Why a mapping cannot be printed (a usage error, exit 2).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MappingError {
    #[error("there is no mapping for `{0}`; aikpi ships mappings for: {1}")]
    UnknownSource(String, String),
    #[error(
        "{flag} `{name}` is not a PostgreSQL schema name: give 1–63 bytes without a NUL \
         character"
    )]
    BadSchema { flag: &'static str, name: String },
}

/// The mapping of `source` with `{{source_schema}}` and `{{schema}}` filled in.
pub fn render(source: &str, source_schema: &str, schema: &str) -> Result<String, MappingError> {
    let Some(mapping) = MAPPINGS.iter().find(|m| m.source == source) else {
        let known: Vec<&str> = MAPPINGS.iter().map(|m| m.source).collect();
        return Err(MappingError::UnknownSource(
            source.to_string(),
            known.join(", "),
        ));
    };
    let from = quoted("--source-schema", source_schema)?;
    let to = quoted("--schema", schema)?;
    let mut out = String::new();
    for (_, text) in mapping.files {
        // One pass over the text: a schema name holding "{{schema}}" is never expanded.
        let mut rest = *text;
        while let Some(at) = rest.find("{{") {
            out.push_str(&rest[..at]);
            let after = &rest[at..];
            if let Some(tail) = after.strip_prefix("{{source_schema}}") {
                out.push_str(&from);
                rest = tail;
            } else if let Some(tail) = after.strip_prefix("{{schema}}") {
                out.push_str(&to);
                rest = tail;
            } else {
                out.push_str("{{");
                rest = &after[2..];
            }
        }
        out.push_str(rest);
        out.push('\n');
    }
    Ok(out)
}

/// `name` as a quoted identifier.
fn quoted(flag: &'static str, name: &str) -> Result<String, MappingError> {
    if name.is_empty() || name.len() > 63 || name.contains('\0') {
        return Err(MappingError::BadSchema {
            flag,
            name: name.to_string(),
        });
    }
    Ok(format!("\"{}\"", name.replace('"', "\"\"")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_quoted_identifiers_and_never_expanded_twice() {
        let sql = render("litellm", "raw\"; DROP TABLE x; --", "{{source_schema}}").unwrap();
        assert!(sql.contains("FROM \"raw\"\"; DROP TABLE x; --\".\"LiteLLM_SpendLogs\""));
        assert!(sql.contains("CREATE OR REPLACE VIEW \"{{source_schema}}\".llm_usage"));
    }

    #[test]
    fn an_unknown_source_lists_the_shipped_ones() {
        assert_eq!(
            render("salesforce", "a", "b").unwrap_err().to_string(),
            "there is no mapping for `salesforce`; aikpi ships mappings for: intercom, litellm, \
             zendesk"
        );
    }
}
