//! Notion's code-block languages as fence info strings.

/// The info string of a code fence for a Notion language: the name highlighters know
/// (`plain text` → `text`, `c++` → `cpp`, …), else the name lowercased with spaces as `-` and
/// only `[a-z0-9+#._-]` kept.
pub(crate) fn fence_info(language: &str) -> String {
    let lower = language.trim().to_lowercase();
    let known = match lower.as_str() {
        "plain text" | "ascii art" | "notion formula" => "text",
        "c++" => "cpp",
        "c#" => "csharp",
        "f#" => "fsharp",
        "objective-c" => "objectivec",
        "vb.net" => "vbnet",
        "visual basic" => "vb",
        "llvm ir" => "llvm",
        "docker" => "dockerfile",
        "webassembly" => "wasm",
        "markup" => "html",
        "assembly" => "asm",
        "shell" => "sh",
        "java/c/c++/c#" => "c",
        "coffeescript" => "coffee",
        "livescript" => "livescript",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    lower
        .chars()
        .map(|c| if c == ' ' { '-' } else { c })
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '.' | '_' | '-'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fence_info;

    #[test]
    fn maps_notion_names() {
        for (notion, info) in [
            ("plain text", "text"),
            ("c++", "cpp"),
            ("c#", "csharp"),
            ("rust", "rust"),
            ("JavaScript", "javascript"),
            ("java/c/c++/c#", "c"),
            ("llvm ir", "llvm"),
            ("some new `lang`", "some-new-lang"),
            ("", ""),
        ] {
            assert_eq!(fence_info(notion), info, "{notion}");
        }
    }
}
