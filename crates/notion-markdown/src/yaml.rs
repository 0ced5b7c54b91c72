//! A small YAML emitter: a mapping of scalars and lists of scalars, every string written so that
//! YAML 1.1 and 1.2 readers both read it back as the same string.

/// A front-matter value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    /// A JSON number's text.
    Number(String),
    String(String),
    List(Vec<Value>),
}

/// Writes `entries` as a YAML block mapping, one entry per line (lists as block sequences).
pub(crate) fn mapping(entries: &[(String, Value)]) -> String {
    let mut out = String::new();
    for (key, value) in entries {
        let mut written = String::new();
        scalar(&mut written, key);
        // An implicit key is at most 1024 characters; longer ones are written explicitly.
        if written.chars().count() > 1000 {
            out.push_str("? ");
            out.push_str(&written);
            out.push('\n');
        } else {
            out.push_str(&written);
        }
        out.push(':');
        match value {
            Value::List(items) if items.is_empty() => out.push_str(" []\n"),
            Value::List(items) => {
                out.push('\n');
                for item in items {
                    out.push_str("  - ");
                    simple(&mut out, item);
                    out.push('\n');
                }
            }
            other => {
                out.push(' ');
                simple(&mut out, other);
                out.push('\n');
            }
        }
    }
    out
}

/// A non-list value (a nested list is written as its items' text joined by `, `).
fn simple(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => number(out, n),
        Value::String(s) => scalar(out, s),
        Value::List(items) => {
            let joined: Vec<String> = items.iter().map(text).collect();
            scalar(out, &joined.join(", "));
        }
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) | Value::String(n) => n.clone(),
        Value::List(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
    }
}

/// A number as YAML 1.1 and 1.2 both read it: an exponent gets a fraction and a sign
/// (`1e21` → `1.0e+21`). Anything that is not a JSON number is written as a string.
fn number(out: &mut String, n: &str) {
    let valid = !n.is_empty()
        && n.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        && n.chars().any(|c| c.is_ascii_digit());
    if !valid {
        scalar(out, n);
        return;
    }
    match n.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => {
            out.push_str(mantissa);
            if !mantissa.contains('.') {
                out.push_str(".0");
            }
            out.push('e');
            if !exponent.starts_with(['-', '+']) {
                out.push('+');
            }
            out.push_str(exponent);
        }
        None => out.push_str(n),
    }
}

/// Words YAML 1.1 reads as booleans or null.
const RESERVED: [&str; 11] = [
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "nan", "inf",
];

/// Writes a string plain when no YAML reader could take it for anything else (it starts with a
/// letter, has no `:` or `#`, no surrounding or special whitespace, and is not a reserved
/// word); double-quoted and escaped otherwise.
pub(crate) fn scalar(out: &mut String, s: &str) {
    let plain = s.starts_with(char::is_alphabetic)
        && s.trim() == s
        && !s.contains([':', '#'])
        && !s.chars().any(needs_escape)
        && !s.contains(['\t', '\n'])
        && !RESERVED.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if needs_escape(c) => {
                let code = u32::from(c);
                if code <= 0xFF {
                    out.push_str(&format!("\\x{code:02X}"));
                } else {
                    out.push_str(&format!("\\u{code:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Characters outside YAML's printable set, and line separators.
fn needs_escape(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}'..='\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}')
        || c == '\r'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> String {
        let mut out = String::new();
        scalar(&mut out, text);
        out
    }

    #[test]
    fn quotes_what_yaml_would_misread() {
        for (text, want) in [
            ("Launch plan", "Launch plan"),
            ("Über", "Über"),
            ("", "\"\""),
            ("key: value", "\"key: value\""),
            ("https://example.com", "\"https://example.com\""),
            ("a #comment", "\"a #comment\""),
            ("- item", "\"- item\""),
            ("*alias", "\"*alias\""),
            ("&anchor", "\"&anchor\""),
            ("!tag", "\"!tag\""),
            ("[1, 2]", "\"[1, 2]\""),
            ("{a: 1}", "\"{a: 1}\""),
            ("'quoted'", "\"'quoted'\""),
            ("\"dq\"", "\"\\\"dq\\\"\""),
            ("yes", "\"yes\""),
            ("No", "\"No\""),
            ("TRUE", "\"TRUE\""),
            ("null", "\"null\""),
            ("~", "\"~\""),
            ("12", "\"12\""),
            ("1.5", "\"1.5\""),
            ("0x1F", "\"0x1F\""),
            ("2026-10-28", "\"2026-10-28\""),
            ("two\nlines", "\"two\\nlines\""),
            (" padded", "\" padded\""),
            ("tab\there", "\"tab\\there\""),
            ("bell\u{7}", "\"bell\\x07\""),
            ("sep\u{2028}", "\"sep\\L\""),
            ("back\\slash", "back\\slash"),
            ("%percent", "\"%percent\""),
            ("@at", "\"@at\""),
            ("|pipe", "\"|pipe\""),
            (">fold", "\">fold\""),
        ] {
            assert_eq!(s(text), want, "{text:?}");
        }
    }

    #[test]
    fn long_keys_are_explicit() {
        let key = "k".repeat(1200);
        let text = mapping(&[(key.clone(), Value::Bool(true))]);
        assert_eq!(text, format!("? {key}\n: true\n"));
    }

    #[test]
    fn writes_mappings_lists_and_numbers() {
        let entries = vec![
            ("Name".to_owned(), Value::String("Launch".to_owned())),
            (
                "Tags".to_owned(),
                Value::List(vec![
                    Value::String("a".to_owned()),
                    Value::String("b: c".to_owned()),
                ]),
            ),
            ("None".to_owned(), Value::List(Vec::new())),
            ("Done".to_owned(), Value::Bool(true)),
            ("Cost".to_owned(), Value::Number("12.5".to_owned())),
            ("Big".to_owned(), Value::Number("1e21".to_owned())),
            ("Small".to_owned(), Value::Number("2.5E-7".to_owned())),
            ("Due date".to_owned(), Value::Null),
        ];
        assert_eq!(
            mapping(&entries),
            "Name: Launch\nTags:\n  - a\n  - \"b: c\"\nNone: []\nDone: true\nCost: 12.5\n\
             Big: 1.0e+21\nSmall: 2.5e-7\nDue date: null\n"
        );
    }
}
