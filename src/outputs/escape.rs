//! Escaping text that comes from the database (channel names, ledger categories, model
//! names) for the formats that would otherwise interpret it.
//!
//! HTML escaping is tera's ([`tera::escape_html`]). Markdown needs its own: no crate
//! covers GFM's extensions (tables, autolinks, strikethrough), and the rule is short —
//! CommonMark lets a backslash escape any ASCII punctuation, so escaping generously is
//! harmless and keeps the rendered text identical.
//!
//! Both also neutralise text that would act on the reader's screen rather than be read:
//! control characters and terminal escape sequences are removed ([`controls_removed`]),
//! and bidirectional controls are removed and right-to-left data isolated
//! ([`isolated`]), so a U+202E in a channel name cannot reverse the sentence around it.

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
    let flat: String = controls_removed(text)
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
        // cmark-gfm links `user\@host.example` (and `&#64;`) all the same; a word joiner
        // after the `@` looks like nothing and ends the address it would link. Only
        // where it would link: a name character before the `@`, a letter or digit after.
        let local = |c: char| c.is_ascii_alphanumeric() || ".+-_".contains(c);
        if c == '@'
            && i > 0
            && local(chars[i - 1])
            && next.is_some_and(|n| n.is_ascii_alphanumeric())
        {
            out.push(WORD_JOINER);
        }
    }
    isolated(&out)
}

/// Escapes `text` for HTML text and attribute values.
pub fn html(text: &str) -> String {
    isolated(&tera::escape_html(&controls_removed(text)))
}

/// U+2060, invisible and without width.
const WORD_JOINER: char = '\u{2060}';
/// U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE.
const ISOLATE: (char, char) = ('\u{2068}', '\u{2069}');

/// `text` without control characters (C0 other than tab and line breaks, DEL, C1),
/// terminal escape sequences (`ESC [ … m`, `ESC ] … BEL`) or bidirectional controls
/// (embeddings, overrides, isolates, marks): what is left is only what is read.
pub fn controls_removed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape_sequence(&mut chars),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Skips the rest of a terminal escape sequence whose ESC was just read: CSI
/// (`[` parameters, final byte `@`–`~`), OSC, DCS and the like (up to BEL or ESC `\`),
/// or a single character.
fn skip_escape_sequence(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => {
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
        Some(']' | 'P' | '^' | '_' | 'X') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                    break;
                }
            }
        }
        _ => {}
    }
}

/// Unicode's explicit directional formatting characters (UAX #9): ALM, LRM, RLM,
/// LRE…RLO, LRI…PDI.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` is written right to left (Hebrew, Arabic, Syriac, Thaana, N'Ko, …, and
/// their presentation forms).
fn is_right_to_left(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{08ff}' | '\u{fb1d}'..='\u{fdff}' | '\u{fe70}'..='\u{feff}' | '\u{10800}'..='\u{10fff}' | '\u{1e800}'..='\u{1efff}')
}

/// `text` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE when it holds
/// right-to-left letters, so that it keeps its own direction without turning the
/// sentence around it; left-to-right text is left as it is.
pub fn isolated(text: &str) -> String {
    if text.chars().any(is_right_to_left) {
        format!("{}{text}{}", ISOLATE.0, ISOLATE.1)
    } else {
        text.to_string()
    }
}

/// A complete rendered template with any control character or bidirectional override
/// removed that reached it unescaped (plain-text templates, `| safe` values); the
/// isolates the escape functions add are kept.
pub fn rendered(text: &str) -> String {
    let keep = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || c == ISOLATE.0
            || c == ISOLATE.1
            || !(c.is_control() || is_bidi_control(c))
    };
    if text.chars().all(keep) && !text.contains('\u{1b}') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            skip_escape_sequence(&mut chars);
        } else if keep(c) {
            out.push(c);
        }
    }
    out
}

/// `text` for a terminal (standard error): control characters other than line breaks
/// and tabs, escape sequences and bidirectional controls removed, so a server's reply or
/// a name from the data cannot move the cursor, recolour or retitle the terminal.
pub fn terminal(text: &str) -> String {
    controls_removed(text)
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
        assert_eq!(markdown("ops@example.com"), "ops\\@\u{2060}example.com");
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
            assert_eq!(text.replace(WORD_JOINER, ""), s.trim(), "{s:?} round-trips");
        }
    }

    #[test]
    fn control_characters_and_terminal_escapes_are_removed() {
        let hostile = "web\u{1b}[31m red\u{1b}[0m\u{1b}]0;owned\u{7} \u{9b}x\u{0}\u{7f}";
        assert_eq!(markdown(hostile), "web red x");
        assert_eq!(html(hostile), "web red x");
        assert_eq!(terminal("535 bad\u{1b}[2J\r\n"), "535 bad\r\n");
        assert_eq!(
            rendered("a\u{1b}[1mb\u{202e}c\u{2068}d\u{2069}\n"),
            "abc\u{2068}d\u{2069}\n"
        );
    }

    #[test]
    fn bidi_controls_are_removed_and_right_to_left_data_isolated() {
        assert_eq!(html("web\u{202e}lanigiro"), "weblanigiro");
        assert_eq!(markdown("\u{2067}app"), "app");
        assert_eq!(html("قناة"), "\u{2068}قناة\u{2069}");
        assert_eq!(markdown("قناة 1"), "\u{2068}قناة 1\u{2069}");
    }

    #[test]
    fn cmark_gfm_makes_no_link_of_an_escaped_address() {
        let mut child = std::process::Command::new("cmark-gfm")
            .args(["-e", "autolink", "-e", "table"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("cmark-gfm (scripts/test.sh installs it)");
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        let text = format!(
            "{}\n\n| a |\n|---|\n| {} |\n",
            markdown("write to user@evil.example"),
            markdown("x@y.example")
        );
        stdin.write_all(text.as_bytes()).unwrap();
        drop(stdin);
        let html = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
        assert!(!html.contains("<a "), "{html}");
        assert!(html.contains("user@\u{2060}evil.example"), "{html}");
    }
}
