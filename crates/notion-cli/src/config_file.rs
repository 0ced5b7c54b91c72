//! Writing the configuration file back (rotated OAuth tokens): write-then-rename, with the
//! file's permissions, so that the file is always whole and never more readable than it was.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use notion_streams::Config;

/// Replaces the configuration file at `path` with `config`, atomically.
pub(crate) fn write(path: &Path, config: &Config) -> io::Result<()> {
    let text = serde_json::to_string_pretty(config).map_err(io::Error::other)? + "\n";
    let tmp = temporary_path(path);
    let result = write_new(&tmp, path, text.as_bytes()).and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A name next to `path` (same directory, so the rename is atomic).
fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Creates `tmp` with the permissions of `original` (owner-only when it has none), then writes
/// and syncs `bytes`: the secrets are never in a file more readable than the original.
fn write_new(tmp: &Path, original: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(tmp)?;
    if let Ok(meta) = fs::metadata(original) {
        file.set_permissions(meta.permissions())?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_replaced_with_its_permissions() {
        let dir = std::env::temp_dir().join(format!("notion-source-config-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config");
        fs::write(&path, "{}").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write(&path, &Config::with_token("ntn_new")).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("ntn_new"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        let left: Vec<_> = fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left");
        fs::remove_dir_all(&dir).unwrap();
    }
}
