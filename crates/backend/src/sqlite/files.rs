//! The file store beside an SQLite store: the files attached to documents, kept
//! under `X.files/sha256/<first 2 hex digits>/<the other 62>` for a store at
//! `X.db`, each named by the SHA-256 of its bytes. The same bytes attached twice
//! are kept once, a file is never changed once written, and one is written
//! whole or not at all (a temporary file in the same folder, synced, then
//! renamed into place).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::files::{check_hash, sha256_hex, too_large};
use crate::{Error, Result};
use tend_domain::{DocumentFile, MAX_FILE_BYTES, file_name_problem, is_sha256, media_type_of};

/// Where a store keeps its files.
#[derive(Debug, Clone)]
pub(crate) struct FileStore {
    root: PathBuf,
}

impl FileStore {
    /// The file store of the store at `db`: `X.files` beside `X.db` (`X.files`
    /// beside a store file without an extension too).
    pub(crate) fn beside(db: &Path) -> FileStore {
        FileStore {
            root: db.with_extension("files"),
        }
    }

    /// The folder every file is under.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file of `sha256` is (or would be). The hash must be checked
    /// first: it becomes part of a path.
    fn path_of(&self, sha256: &str) -> PathBuf {
        self.root
            .join("sha256")
            .join(&sha256[..2])
            .join(&sha256[2..])
    }

    /// Whether the file of `sha256` is kept.
    pub(crate) fn contains(&self, sha256: &str) -> bool {
        is_sha256(sha256) && self.path_of(sha256).is_file()
    }

    /// The path of a kept file, or why there is none.
    pub(crate) fn existing(&self, sha256: &str) -> Result<PathBuf> {
        check_hash(sha256)?;
        let path = self.path_of(sha256);
        if path.is_file() {
            Ok(path)
        } else {
            Err(Error::FileNotFound {
                sha256: sha256.to_string(),
            })
        }
    }

    /// Keeps `bytes` as the file `name` and answers what a document records of
    /// it. Bytes already kept are not written again.
    pub(crate) fn put(&self, name: &str, bytes: &[u8]) -> Result<DocumentFile> {
        let file = described(name, bytes)?;
        let target = self.path_of(&file.sha256);
        if !target.is_file() {
            self.write_new(&target, bytes)?;
        }
        Ok(file)
    }

    /// Writes a file that is not kept yet: into a temporary file in its folder,
    /// synced, renamed into place, and the folder synced so the rename lasts.
    fn write_new(&self, target: &Path, bytes: &[u8]) -> Result<()> {
        let dir = target.parent().unwrap_or(&self.root);
        let failed = |what: &str, e: std::io::Error| {
            Error::storage(format!("cannot {what} in {}: {e}", dir.display()))
        };
        std::fs::create_dir_all(dir).map_err(|e| failed("create the folder", e))?;
        let mut temp = tempfile::Builder::new()
            .prefix(".incoming-")
            .tempfile_in(dir)
            .map_err(|e| failed("create a temporary file", e))?;
        temp.write_all(bytes)
            .and_then(|()| temp.as_file().sync_all())
            .map_err(|e| failed("write a file", e))?;
        match temp.persist_noclobber(target) {
            Ok(_) => {}
            // Written meanwhile by another writer of the same bytes: the same file.
            Err(e) if target.is_file() => drop(e),
            Err(e) => return Err(failed("keep a file", e.error)),
        }
        sync_dir(dir);
        Ok(())
    }

    /// The bytes of a kept file.
    pub(crate) fn read(&self, sha256: &str) -> Result<Vec<u8>> {
        let path = self.existing(sha256)?;
        std::fs::read(&path)
            .map_err(|e| Error::storage(format!("cannot read {}: {e}", path.display())))
    }
}

/// What a document records of `bytes` kept as the file `name`, once the name
/// and the size are checked.
pub(crate) fn described(name: &str, bytes: &[u8]) -> Result<DocumentFile> {
    if let Some(problem) = file_name_problem(name) {
        return Err(Error::invalid("name", format!("'{name}' {problem}")));
    }
    let size = bytes.len() as u64;
    if size > MAX_FILE_BYTES {
        return Err(too_large(name, size));
    }
    Ok(DocumentFile {
        sha256: sha256_hex(bytes),
        name: name.to_string(),
        size,
        media_type: media_type_of(name).map(str::to_string),
    })
}

/// Syncs a folder, so that a file renamed into it survives a crash (on Unix; a
/// folder cannot be opened to be synced elsewhere, and NTFS keeps renames).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Err(e) = std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!("cannot sync the folder {}: {e}", dir.display());
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_are_kept_once_under_their_hash() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = FileStore::beside(&dir.path().join("team.db"));
        assert_eq!(files.root(), dir.path().join("team.files"));
        let a = files
            .put("deck.pdf", b"%PDF-1.7 quarterly review")
            .expect("put");
        assert_eq!(a.size, 25);
        assert_eq!(a.media_type.as_deref(), Some("application/pdf"));
        let kept = dir
            .path()
            .join("team.files/sha256")
            .join(&a.sha256[..2])
            .join(&a.sha256[2..]);
        assert_eq!(
            std::fs::read(&kept).expect("kept"),
            b"%PDF-1.7 quarterly review"
        );
        let b = files
            .put("copy.pdf", b"%PDF-1.7 quarterly review")
            .expect("put again");
        assert_eq!(
            (b.sha256.as_str(), b.name.as_str()),
            (a.sha256.as_str(), "copy.pdf")
        );
        let folder = kept.parent().expect("its folder");
        let entries: Vec<_> = std::fs::read_dir(folder).expect("list").collect();
        assert_eq!(entries.len(), 1, "one file, no temporary file left");
        assert_eq!(
            files.read(&a.sha256).expect("read"),
            b"%PDF-1.7 quarterly review"
        );
        // SHA-256 of the empty string, a known value.
        let empty = files.put("empty.txt", b"").expect("an empty file");
        assert_eq!(
            empty.sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn bad_hashes_and_names_are_refused_and_missing_files_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = FileStore::beside(&dir.path().join("team.db"));
        assert!(matches!(
            files.read("../../etc/passwd"),
            Err(Error::Invalid { field, .. }) if field == "sha256"
        ));
        let absent = "0".repeat(64);
        assert_eq!(
            files.read(&absent),
            Err(Error::FileNotFound { sha256: absent })
        );
        assert!(matches!(
            files.put("a/b.pdf", b"x"),
            Err(Error::Invalid { field, .. }) if field == "name"
        ));
    }
}
