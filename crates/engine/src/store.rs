//! A content-addressed store of blobs (rule modules' manifests, layers and
//! signatures from registries), kept in the cache directory beside the
//! compiled components: `DIR/blobs/sha256/HEX`, as in an OCI image layout.
//!
//! Nothing read from it is trusted: every blob is hashed again before it
//! is returned, and one whose bytes do not match its name is removed and
//! reported missing, so a poisoned or damaged cache costs a download,
//! never a wrong module. Blobs are written to a temporary file and
//! renamed into place; directories are private to the user (mode 0700).

use std::path::{Path, PathBuf};

use crate::cache::{sha256_hex, write_private};

/// The blob store in one directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// What [`Store::get`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached {
    /// The blob, its digest checked.
    Hit(Vec<u8>),
    /// No such blob.
    Miss,
    /// A blob was there but its bytes do not hash to its name; it was
    /// removed.
    Corrupt,
}

impl Store {
    /// The store in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The directory blobs live under.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the blob `digest` (`sha256:HEX`) is kept; `None` for a
    /// digest that is not one.
    pub fn path(&self, digest: &str) -> Option<PathBuf> {
        let hex = digest.strip_prefix("sha256:")?;
        (hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| self.dir.join("blobs/sha256").join(hex))
    }

    /// The blob `digest`, when kept and intact.
    pub fn get(&self, digest: &str) -> Cached {
        let Some(path) = self.path(digest) else {
            return Cached::Miss;
        };
        let Ok(bytes) = std::fs::read(&path) else {
            return Cached::Miss;
        };
        if digest[7..] == sha256_hex(&bytes) {
            Cached::Hit(bytes)
        } else {
            let _ = std::fs::remove_file(&path);
            Cached::Corrupt
        }
    }

    /// The blob `digest` when kept and intact, else `None`.
    pub fn get_ok(&self, digest: &str) -> Option<Vec<u8>> {
        match self.get(digest) {
            Cached::Hit(bytes) => Some(bytes),
            Cached::Miss | Cached::Corrupt => None,
        }
    }

    /// Keeps `bytes`; returns their digest.
    ///
    /// # Errors
    ///
    /// When the directory cannot be made or written.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let hex = sha256_hex(bytes);
        write_private(&self.dir.join("blobs/sha256").join(&hex), bytes)?;
        Ok(format!("sha256:{hex}"))
    }

    /// A small named record (`DIR/NAME`), e.g. which signatures were
    /// seen for a manifest; `None` when there is none.
    pub fn record(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join(name)).ok()
    }

    /// Writes the record `name`.
    ///
    /// # Errors
    ///
    /// When the directory cannot be made or written.
    pub fn set_record(&self, name: &str, text: &str) -> std::io::Result<()> {
        write_private(&self.dir.join(name), text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_hashed_again_when_read() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::new(dir.path().join("cache"));
        let digest = store.put(b"module bytes")?;
        assert_eq!(digest, format!("sha256:{}", sha256_hex(b"module bytes")));
        assert_eq!(store.get(&digest), Cached::Hit(b"module bytes".to_vec()));

        // Poisoned: other bytes under the module's name.
        let path = store
            .path(&digest)
            .ok_or_else(|| std::io::Error::other("no path"))?;
        std::fs::write(&path, b"evil bytes")?;
        assert_eq!(store.get(&digest), Cached::Corrupt);
        assert!(!path.exists(), "the corrupt entry is removed");
        assert_eq!(store.get(&digest), Cached::Miss);

        assert_eq!(store.get("sha256:../../etc/passwd"), Cached::Miss);
        assert!(store.path("md5:abc").is_none());
        Ok(())
    }

    #[test]
    fn records_round_trip() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::new(dir.path());
        assert_eq!(store.record("signatures/x"), None);
        store.set_record("signatures/x", "sha256:1\n")?;
        assert_eq!(store.record("signatures/x").as_deref(), Some("sha256:1\n"));
        Ok(())
    }
}
