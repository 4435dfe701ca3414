//! Escaping text that comes from the database (channel names, ledger categories, model
//! names) for the formats that would otherwise interpret it.
//!
//! HTML escaping is tera's ([`tera::escape_html`]). Markdown needs its own: no crate
//! covers GFM's extensions (tables, autolinks, strikethrough), and the rule is short —
//! CommonMark lets a backslash escape any ASCII punctuation, so escaping generously is
//! harmless and keeps the rendered text identical.

/// Escapes `text` so that GitHub-flavoured Markdown (and Notion's or Lark's importer)
/// shows it literally, on one line, safe inside a table cell, a list item or a quote.
///
/// * line breaks and tabs become spaces and the ends are trimmed (a break would end a
///   table row or a quote; leading spaces could start a code block);
/// * `\ ` * _ [ ] < > | ~ & # $` get a backslash everywhere (emphasis, code, links,
///   raw HTML, table cells, strikethrough, entities, headings, math in some importers);
/// * a leading list marker (`-`, `+`, `*` or `1.`/`1)` followed by a space) and a
///   leading run of `-`/`=` (thematic break, setext underline) get one too — but not
///   `+4.1%` or `62.3%`, which cannot start a block;
/// * GFM autolinks are broken up (`://`, `www.`, `@`), so a URL-like string stays text.
pub fn markdown(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let flat = flat.trim();
    let chars: Vec<char> = flat.chars().collect();
    let mut out = String::with_capacity(flat.len() + 8);
    let leading_digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    // A block marker needs a space (or the end) after it.
    let ends_marker = |i: usize| chars.get(i + 1).is_none_or(|c| c.is_whitespace());
    let only = |m: char| chars.iter().all(|c| *c == m || *c == ' ');
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let escape = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '$' => true,
            '-' | '+' | '=' => i == 0 && (ends_marker(0) || only(c)),
            '.' | ')' => i > 0 && i == leading_digits && ends_marker(i),
            ':' => next == Some('/') && chars.get(i + 2) == Some(&'/'),
            '@' => true,
            _ => false,
        };
        // `www.` starts an extended autolink; escaping its dot is enough to stop it.
        let www_dot =
            c == '.' && i >= 3 && chars[i - 3..i].iter().all(|w| w.eq_ignore_ascii_case(&'w'));
        if escape || www_dot {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes `text` for HTML text and attribute values.
pub fn html(text: &str) -> String {
    tera::escape_html(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_specials_are_escaped() {
        assert_eq!(
            markdown("<script>alert(1)</script> | **x**"),
            r"\<script\>alert(1)\</script\> \| \*\*x\*\*"
        );
        assert_eq!(markdown("# not a heading"), r"\# not a heading");
        assert_eq!(markdown("- not a list"), r"\- not a list");
        assert_eq!(markdown("12. not a list"), r"12\. not a list");
        assert_eq!(markdown("a.b 1.5"), "a.b 1.5");
        assert_eq!(markdown("97.0%"), "97.0%");
        assert_eq!(markdown("+4.1%"), "+4.1%");
        assert_eq!(markdown("-USD 3.00"), "-USD 3.00");
        assert_eq!(markdown("+ item"), r"\+ item");
        assert_eq!(markdown("---"), r"\---");
        assert_eq!(markdown("=="), r"\==");
        assert_eq!(markdown("3)"), r"3\)");
        assert_eq!(
            markdown("[x](y) `c` ~s~ &amp;"),
            r"\[x\](y) \`c\` \~s\~ \&amp;"
        );
        assert_eq!(markdown("two\nlines\r\n"), "two lines");
        assert_eq!(markdown("https://evil.example"), r"https\://evil.example");
        assert_eq!(markdown("see www.example.com"), r"see www\.example.com");
        assert_eq!(markdown("ops@example.com"), r"ops\@example.com");
        assert_eq!(markdown("web"), "web");
        assert_eq!(markdown("CSAT (AI) 4.10 − 62.3%"), "CSAT (AI) 4.10 − 62.3%");
    }

    #[test]
    fn escaped_markdown_parses_back_to_the_same_text() {
        use pulldown_cmark::{Event, Options, Parser};
        let nasty = [
            "<script>alert(1)</script> | **x**",
            "cloud_services <img src=x onerror=alert(2)> _[x](y)_",
            "# h",
            "1) x",
            "+ x",
            "---",
            "- x",
            "a\\b",
            "`code` ~~gone~~ $x$",
            "http://x.example www.y.example z@w.example",
        ];
        for s in nasty {
            let table = format!("| a |\n|---|\n| {} |\n", markdown(s));
            let mut text = String::new();
            for event in Parser::new_ext(
                &table,
                Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
            ) {
                match event {
                    Event::Text(t) => text.push_str(&t),
                    Event::Start(pulldown_cmark::Tag::TableCell) => text.clear(),
                    Event::Html(h) | Event::InlineHtml(h) => panic!("{s:?} produced HTML {h:?}"),
                    Event::Start(tag) => {
                        assert!(
                            matches!(
                                tag,
                                pulldown_cmark::Tag::Table(_)
                                    | pulldown_cmark::Tag::TableHead
                                    | pulldown_cmark::Tag::TableRow
                            ),
                            "{s:?} produced {tag:?}"
                        )
                    }
                    _ => {}
                }
            }
            assert_eq!(text, s.trim(), "{s:?} round-trips");
        }
    }
}
