//! Escaping of text for Markdown: inline text, line starts, code spans, link destinations,
//! autolinks and HTML.

/// Appends `chars` as Markdown inline text that reads back as exactly these characters.
///
/// Escaped everywhere: `` ` `` `*` `[` `]` `<` `~` `|` `$` (inline code, emphasis, links, HTML,
/// strikethrough, table cells, math). `_` is escaped unless it sits between two alphanumeric
/// characters (where it can neither open nor close emphasis); `\` unless what follows is not
/// ASCII punctuation; `&` only where it would start an entity reference. What a line may not
/// start with (`#`, `>`, `-`, `1.`, …) is handled per line by [`escape_line_start`].
///
/// `chars` is one segment of uniform markup: what lies beyond either end is unknown markup, so
/// the characters at the ends are escaped as if their neighbours were punctuation.
pub(crate) fn push_text(out: &mut String, chars: &[char]) {
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        match c {
            '\\' => {
                // At the end, markup or a hard break may follow.
                let escape = next.is_none_or(|n| n.is_ascii_punctuation());
                out.push_str(if escape { "\\\\" } else { "\\" });
            }
            '`' | '*' | '[' | ']' | '<' | '~' | '|' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                let intraword = prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric);
                if !intraword {
                    out.push('\\');
                }
                out.push('_');
            }
            '&' => {
                if entity_follows(&chars[i + 1..]) {
                    out.push('\\');
                }
                out.push('&');
            }
            '\0' => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
}

/// Appends `text` (one line, no markup around it) as Markdown inline text.
pub(crate) fn push_plain(out: &mut String, text: &str) {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    push_text(out, &chars);
}

/// Whether `rest` (what follows an `&`) makes it an entity or numeric character reference.
fn entity_follows(rest: &[char]) -> bool {
    let body: String = rest.iter().take(34).take_while(|c| **c != ';').collect();
    if rest.get(body.chars().count()) != Some(&';') || body.is_empty() {
        return false;
    }
    if let Some(num) = body.strip_prefix('#') {
        if let Some(hex) = num.strip_prefix(['x', 'X']) {
            return (1..=6).contains(&hex.len()) && hex.chars().all(|c| c.is_ascii_hexdigit());
        }
        return (1..=7).contains(&num.len()) && num.chars().all(|c| c.is_ascii_digit());
    }
    body.len() <= 32
        && body.starts_with(|c: char| c.is_ascii_alphabetic())
        && body.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Escapes what would make `line` (a line of paragraph text, no leading whitespace) start a
/// block other than a paragraph: an ATX heading, a block quote, a list item, a thematic break
/// or a setext underline. Everything else a line could start with is escaped wherever it
/// appears ([`push_text`]).
pub(crate) fn escape_line_start(line: &mut String) {
    let bytes = line.as_bytes();
    let Some(&first) = bytes.first() else {
        return;
    };
    let blank_or_end = |at: usize| matches!(bytes.get(at), None | Some(b' ' | b'\t'));
    let escape_at = match first {
        b'#' => {
            let hashes = bytes.iter().take_while(|b| **b == b'#').count();
            (hashes <= 6 && blank_or_end(hashes)).then_some(0)
        }
        b'>' => Some(0),
        b'-' => {
            (blank_or_end(1) || bytes.iter().all(|b| matches!(b, b'-' | b' ' | b'\t'))).then_some(0)
        }
        b'+' => blank_or_end(1).then_some(0),
        b'=' => bytes
            .iter()
            .all(|b| matches!(b, b'=' | b' ' | b'\t'))
            .then_some(0),
        b'0'..=b'9' => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            (digits <= 9
                && matches!(bytes.get(digits), Some(b'.' | b')'))
                && blank_or_end(digits + 1))
            .then_some(digits)
        }
        _ => None,
    };
    if let Some(at) = escape_at {
        line.insert(at, '\\');
    }
}

/// Escapes a closing sequence of `#` at the end of a heading's text, which CommonMark would
/// otherwise drop.
pub(crate) fn escape_heading_end(text: &mut String) {
    let trimmed = text.trim_end_matches('#');
    if trimmed.len() == text.len() {
        return;
    }
    if trimmed.is_empty() || trimmed.ends_with([' ', '\t']) {
        let at = trimmed.len();
        text.insert(at, '\\');
    }
}

/// Appends `code` as an inline code span: a backtick fence longer than any run of backticks
/// inside, padded with spaces when the code starts or ends with a backtick or a space. In a
/// table cell, `|` is escaped (GitHub removes the backslash before reading the span).
pub(crate) fn push_code_span(out: &mut String, code: &str, in_table: bool) {
    let fence = "`".repeat(longest_run(code, '`') + 1);
    let pad = code.starts_with('`')
        || code.ends_with('`')
        || (code.starts_with(' ') && code.ends_with(' ') && !code.trim_matches(' ').is_empty());
    out.push_str(&fence);
    if pad {
        out.push(' ');
    }
    if in_table {
        out.push_str(&code.replace('|', "\\|"));
    } else {
        out.push_str(code);
    }
    if pad {
        out.push(' ');
    }
    out.push_str(&fence);
}

/// The length of the longest run of `c` in `text`.
pub(crate) fn longest_run(text: &str, c: char) -> usize {
    let mut longest = 0;
    let mut current = 0;
    for ch in text.chars() {
        if ch == c {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

/// Appends `url` as a link destination: parentheses and backslashes escaped, characters a
/// destination cannot hold (spaces, `<`, `>`, controls; `|` in a table cell) percent-encoded.
pub(crate) fn push_destination(out: &mut String, url: &str, in_table: bool) {
    if url.is_empty() {
        out.push_str("<>");
        return;
    }
    for c in url.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '|' if in_table => out.push_str("%7C"),
            ' ' | '<' | '>' => percent_encode(out, c),
            c if c.is_control() => percent_encode(out, c),
            c => out.push(c),
        }
    }
}

fn percent_encode(out: &mut String, c: char) {
    let mut buf = [0; 4];
    for b in c.encode_utf8(&mut buf).bytes() {
        out.push_str(&format!("%{b:02X}"));
    }
}

/// Whether `url` can be written as an autolink `<url>`: an absolute URI with a scheme and no
/// spaces, controls, `<` or `>` (nor `|` in a table cell).
pub(crate) fn is_autolink(url: &str, in_table: bool) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    (2..=32).contains(&scheme.len())
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        && !rest.is_empty()
        && !url.chars().any(|c| {
            c.is_whitespace() || c.is_control() || c == '<' || c == '>' || (in_table && c == '|')
        })
}

/// Escapes text for HTML (element content and attribute values).
pub(crate) fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Keeps the characters of a name that may appear inside an HTML comment (`[A-Za-z0-9_.]`).
pub(crate) fn comment_safe(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        let mut out = String::new();
        push_text(&mut out, &s.chars().collect::<Vec<_>>());
        out
    }

    #[test]
    fn escapes_inline_syntax_but_not_plain_punctuation() {
        assert_eq!(text("a*b*c"), "a\\*b\\*c");
        assert_eq!(text("[x](y)"), "\\[x\\](y)");
        assert_eq!(text("snake_case_name"), "snake_case_name");
        assert_eq!(text("_lead"), "\\_lead");
        assert_eq!(text("C:\\Users"), "C:\\Users");
        assert_eq!(text("a\\*"), "a\\\\\\*");
        assert_eq!(text("end\\"), "end\\\\");
        assert_eq!(
            text("AT&T &amp; &#35; &#x1F; &"),
            "AT&T \\&amp; \\&#35; \\&#x1F; &"
        );
        assert_eq!(
            text("Hello, world! (really?) #1 - 2 + 3 = 5."),
            "Hello, world! (really?) #1 - 2 + 3 = 5."
        );
        assert_eq!(
            text("<b> `x` ~y~ $5 a|b"),
            "\\<b> \\`x\\` \\~y\\~ \\$5 a\\|b"
        );
    }

    #[test]
    fn escapes_block_starts() {
        for (line, want) in [
            ("# h", "\\# h"),
            ("#tag", "#tag"),
            ("####### seven", "####### seven"),
            ("> q", "\\> q"),
            ("- item", "\\- item"),
            ("-5 degrees", "-5 degrees"),
            ("---", "\\---"),
            ("- - -", "\\- - -"),
            ("+ x", "\\+ x"),
            ("+1", "+1"),
            ("===", "\\==="),
            ("=x", "=x"),
            ("1. one", "1\\. one"),
            ("2020) was", "2020\\) was"),
            ("3.14", "3.14"),
            ("1234567890. long", "1234567890. long"),
            ("1.", "1\\."),
        ] {
            let mut s = line.to_owned();
            escape_line_start(&mut s);
            assert_eq!(s, want, "{line}");
        }
    }

    #[test]
    fn escapes_heading_closing_sequences() {
        for (text, want) in [
            ("C#", "C#"),
            ("Issue #", "Issue \\#"),
            ("Issue ##", "Issue \\##"),
            ("#", "\\#"),
            ("plain", "plain"),
        ] {
            let mut s = text.to_owned();
            escape_heading_end(&mut s);
            assert_eq!(s, want, "{text}");
        }
    }

    #[test]
    fn code_spans_outrun_backticks() {
        let mut out = String::new();
        push_code_span(&mut out, "a ``b`` c", false);
        assert_eq!(out, "```a ``b`` c```");
        out.clear();
        push_code_span(&mut out, "`tick", false);
        assert_eq!(out, "`` `tick ``");
        out.clear();
        push_code_span(&mut out, "a|b", true);
        assert_eq!(out, "`a\\|b`");
    }

    #[test]
    fn destinations_and_autolinks() {
        let mut out = String::new();
        push_destination(&mut out, "https://x.org/a (b)?q=1 2", false);
        assert_eq!(out, "https://x.org/a%20\\(b\\)?q=1%202");
        assert!(is_autolink("https://example.com/a_b?c=d", false));
        assert!(!is_autolink("example.com", false));
        assert!(!is_autolink("https://x.org/a b", false));
        assert!(!is_autolink("https://x.org/a|b", true));
        assert_eq!(html("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(comment_safe("ai_block-->"), "ai_block");
    }
}
