//! `cargo xtask schemas`: regenerates the stream schemas and the connector specification.

use std::path::Path;

use anyhow::{Context, Result};

/// Writes the generated files; with `check`, fails instead when one is stale.
pub(crate) fn run(root: &Path, check: bool) -> Result<()> {
    let crate_dir = root.join("crates/notion-streams");
    let mut stale = Vec::new();
    for (path, contents) in notion_streams::schema::generated_files() {
        let full = crate_dir.join(&path);
        let current = std::fs::read_to_string(&full).unwrap_or_default();
        if current == contents {
            continue;
        }
        if check {
            stale.push(path);
            continue;
        }
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&full, contents).with_context(|| format!("writing {}", full.display()))?;
        eprintln!("updated crates/notion-streams/{path}");
    }
    if !stale.is_empty() {
        anyhow::bail!(
            "stale generated files: {}; run `cargo xtask schemas` and commit",
            stale.join(", ")
        );
    }
    Ok(())
}
