//! Content digests, verified while the bytes stream past.

use std::io::Read;

use sha2::{Digest as _, Sha256};

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Returns true if and only if `digest` is `sha256:` and 64 lowercase hex
/// digits: the only algorithm bulwark reads, and a safe file name.
pub fn is_sha256(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// A reader that hashes what passes through it and counts it.
pub struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> Hashing<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Hashing<R> {
        Hashing {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// Bytes read so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Reads what is left, then the digest of everything read.
    ///
    /// # Errors
    ///
    /// The inner reader's.
    pub fn finish(mut self) -> std::io::Result<(String, u64)> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok((
            format!("sha256:{}", hex::encode(self.hasher.finalize())),
            self.count,
        ))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_what_streams_past() {
        let mut r = Hashing::new(&b"hello"[..]);
        let mut two = [0u8; 2];
        r.read_exact(&mut two).expect("read");
        assert_eq!(r.count(), 2);
        assert_eq!(r.finish().expect("finish"), (sha256(b"hello"), 5));
        assert!(is_sha256(&sha256(b"")));
        assert!(!is_sha256("sha256:../../etc/passwd"));
        assert!(!is_sha256(&format!("sha512:{}", "a".repeat(64))));
    }
}
