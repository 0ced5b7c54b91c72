//! The content-addressed store: each file under the SHA-256 of its bytes,
//! `<root>/ab/abcdef….<ext>`, written to a temporary file while it downloads and renamed into
//! place once complete, so that a stored file is always whole.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

/// The directory of temporary files, inside the root.
const TMP: &str = "tmp";
/// Temporary files older than this are left over from a process that stopped; a sweep removes
/// them.
const STALE_TEMP: Duration = Duration::from_secs(24 * 60 * 60);

/// A content-addressed file store.
///
/// Stored files are named by *local paths* relative to the directory that holds the store
/// (`notion.db.files/ab/abcdef….png` for a store at `notion.db.files`), so that the store and
/// a database that lists them can move together.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    /// The root's own name: the first component of every local path.
    name: String,
    next_temp: AtomicU64,
}

/// What [`Store::sweep`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Stored files no longer referenced.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Temporary files left over from a process that stopped.
    pub temporary: u64,
}

impl Store {
    /// The store beside a database file: `<db>.files` (`notion.db` → `notion.db.files`).
    pub fn beside(db: &Path) -> PathBuf {
        let mut name = db
            .file_name()
            .map_or_else(|| OsString::from("notion.db"), OsString::from);
        name.push(".files");
        db.with_file_name(name)
    }

    /// Opens a store at `root`, creating the directory if needed.
    pub fn open(root: impl Into<PathBuf>) -> Result<Store> {
        let root = root.into();
        let tmp = root.join(TMP);
        std::fs::create_dir_all(&tmp).map_err(|e| Error::io("create", &tmp, e))?;
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty() && n != "..")
            .unwrap_or_else(|| "files".into());
        Ok(Store {
            root,
            name,
            next_temp: AtomicU64::new(0),
        })
    }

    /// The store's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The local path of the file with this SHA-256 (lowercase hex) and extension.
    pub fn local_path(&self, sha256: &str, extension: Option<&str>) -> String {
        let dir = sha256.get(..2).unwrap_or("00");
        match extension {
            Some(ext) => format!("{}/{dir}/{sha256}.{ext}", self.name),
            None => format!("{}/{dir}/{sha256}", self.name),
        }
    }

    /// Where a local path of this store is on disk; `None` for anything that is not the name
    /// of a stored file of this store (so that no local path leads outside it).
    pub fn resolve(&self, local_path: &str) -> Option<PathBuf> {
        let rest = local_path.strip_prefix(&self.name)?.strip_prefix('/')?;
        let (dir, file) = rest.split_once('/')?;
        is_stored_name(dir, file).then(|| self.root.join(dir).join(file))
    }

    /// Whether the file at a local path is stored, with this size.
    pub fn holds(&self, local_path: &str, size: u64) -> bool {
        self.resolve(local_path)
            .and_then(|p| std::fs::metadata(p).ok())
            .is_some_and(|m| m.is_file() && m.len() == size)
    }

    /// A new temporary file, removed when dropped unless kept.
    pub(crate) async fn temp(&self) -> Result<Temp> {
        let n = self.next_temp.fetch_add(1, Ordering::Relaxed);
        let path = self
            .root
            .join(TMP)
            .join(format!("{}-{n}.part", std::process::id()));
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| Error::io("create", &path, e))?;
        Ok(Temp {
            path,
            file: Some(file),
        })
    }

    /// Moves a complete temporary file into place under its hash and returns its local path.
    /// A file already stored under that name has the same content and is replaced atomically.
    pub(crate) async fn keep(
        &self,
        mut temp: Temp,
        sha256: &str,
        extension: Option<&str>,
    ) -> Result<String> {
        let local = self.local_path(sha256, extension);
        let target = self
            .resolve(&local)
            .ok_or_else(|| Error::Record(format!("{local} is not a stored file's name")))?;
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| Error::io("create", dir, e))?;
        }
        if let Some(file) = temp.file.take() {
            drop(file);
        }
        tokio::fs::rename(&temp.path, &target)
            .await
            .map_err(|e| Error::io("move a download into", &target, e))?;
        temp.path = PathBuf::new();
        Ok(local)
    }

    /// Removes stored files that `referenced` says nothing refers to any more (given each
    /// stored file's local path), the directories left empty, and temporary files left over
    /// from a process that stopped. Anything else in the directory is left alone.
    pub fn sweep<E: From<Error>>(
        &self,
        mut referenced: impl FnMut(&str) -> Result<bool, E>,
    ) -> Result<Swept, E> {
        let mut swept = Swept::default();
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(swept),
            Err(e) => return Err(Error::io("read", &self.root, e).into()),
        };
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("read", &self.root, e))?;
            let dir_name = entry.file_name().to_string_lossy().into_owned();
            let dir = entry.path();
            if dir_name == TMP {
                swept.temporary += sweep_temporary(&dir)?;
                continue;
            }
            if !(dir_name.len() == 2 && is_hex(&dir_name) && dir.is_dir()) {
                continue;
            }
            let files = std::fs::read_dir(&dir).map_err(|e| Error::io("read", &dir, e))?;
            for file in files {
                let file = file.map_err(|e| Error::io("read", &dir, e))?;
                let file_name = file.file_name().to_string_lossy().into_owned();
                if !is_stored_name(&dir_name, &file_name) {
                    continue;
                }
                let local = format!("{}/{dir_name}/{file_name}", self.name);
                if referenced(&local)? {
                    continue;
                }
                let path = file.path();
                let len = file.metadata().map(|m| m.len()).unwrap_or(0);
                match std::fs::remove_file(&path) {
                    Ok(()) => {
                        swept.files += 1;
                        swept.bytes += len;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io("remove", path, e).into()),
                }
            }
            // Only an empty directory is removed; one that is not is kept.
            let _ = std::fs::remove_dir(&dir);
        }
        Ok(swept)
    }
}

/// Removes temporary files older than [`STALE_TEMP`].
fn sweep_temporary(dir: &Path) -> Result<u64> {
    let mut removed = 0;
    let now = SystemTime::now();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io("read", dir, e))? {
        let entry = entry.map_err(|e| Error::io("read", dir, e))?;
        let name = entry.file_name();
        if !name.to_string_lossy().ends_with(".part") {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > STALE_TEMP);
        if old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `dir/file` is the name of a stored file: 64 hex digits starting with `dir`, and an
/// optional extension of 1 to 10 lowercase letters and digits.
fn is_stored_name(dir: &str, file: &str) -> bool {
    let (hash, ext) = match file.split_once('.') {
        Some((h, e)) => (h, Some(e)),
        None => (file, None),
    };
    hash.len() == 64
        && is_hex(hash)
        && dir.len() == 2
        && hash.starts_with(dir)
        && ext.is_none_or(|e| {
            (1..=10).contains(&e.len())
                && e.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// A temporary file being written; removed when dropped unless [`Store::keep`] moved it.
#[derive(Debug)]
pub(crate) struct Temp {
    path: PathBuf,
    file: Option<tokio::fs::File>,
}

impl Temp {
    /// The open file.
    pub(crate) fn file(&mut self) -> Option<&mut tokio::fs::File> {
        self.file.as_mut()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        drop(self.file.take());
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    const SHA: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn the_store_sits_beside_its_database() {
        assert_eq!(
            Store::beside(Path::new("/data/notion.db")),
            PathBuf::from("/data/notion.db.files")
        );
        assert_eq!(
            Store::beside(Path::new("mirror")),
            PathBuf::from("mirror.files")
        );
    }

    #[test]
    fn local_paths_name_only_stored_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("n.db.files")).unwrap();
        let local = store.local_path(SHA, Some("png"));
        assert_eq!(local, format!("n.db.files/ba/{SHA}.png"));
        assert_eq!(
            store.resolve(&local),
            Some(
                dir.path()
                    .join("n.db.files")
                    .join("ba")
                    .join(format!("{SHA}.png"))
            )
        );
        for bad in [
            format!("other/ba/{SHA}.png"),
            format!("n.db.files/bb/{SHA}.png"),
            format!("n.db.files/ba/../{SHA}"),
            "n.db.files/ba/ba".to_string(),
            "n.db.files/../../etc/passwd".to_string(),
            format!("n.db.files/ba/{SHA}.P/NG"),
            format!("n.db.files/tmp/{SHA}"),
        ] {
            assert_eq!(store.resolve(&bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn a_kept_file_is_whole_and_a_dropped_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s")).unwrap();
        let mut temp = store.temp().await.unwrap();
        temp.file().unwrap().write_all(b"abc").await.unwrap();
        temp.file().unwrap().flush().await.unwrap();
        let local = store.keep(temp, SHA, None).await.unwrap();
        assert!(store.holds(&local, 3));
        assert!(!store.holds(&local, 4));
        let mut dropped = store.temp().await.unwrap();
        dropped.file().unwrap().write_all(b"partial").await.unwrap();
        drop(dropped);
        assert_eq!(
            std::fs::read_dir(store.root().join(TMP)).unwrap().count(),
            0
        );
    }

    #[tokio::test]
    async fn a_sweep_removes_what_nothing_references_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s")).unwrap();
        let mut keep = Vec::new();
        for (i, content) in [b"one", b"two"].iter().enumerate() {
            let mut temp = store.temp().await.unwrap();
            temp.file().unwrap().write_all(*content).await.unwrap();
            let sha = format!("{i:0>64}");
            keep.push(store.keep(temp, &sha, Some("txt")).await.unwrap());
        }
        // Someone else's file in the store's directory.
        std::fs::write(store.root().join("README"), "mine").unwrap();
        std::fs::create_dir_all(store.root().join("00")).unwrap();
        std::fs::write(store.root().join("00").join("notes.txt"), "mine").unwrap();
        let swept = store
            .sweep(|local| Ok::<_, Error>(local == keep[1]))
            .unwrap();
        assert_eq!(
            swept,
            Swept {
                files: 1,
                bytes: 3,
                temporary: 0
            }
        );
        assert!(!store.holds(&keep[0], 3));
        assert!(store.holds(&keep[1], 3));
        assert!(store.root().join("README").exists());
        assert!(store.root().join("00").join("notes.txt").exists());
        let swept = store.sweep(|_| Ok::<_, Error>(false)).unwrap();
        assert_eq!(swept.files, 1);
        // A directory that still holds someone else's file stays.
        assert!(store.root().join("00").join("notes.txt").exists());
    }
}
