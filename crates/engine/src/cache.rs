//! A content-addressed cache of compiled components.
//!
//! Compiling a component with Cranelift costs far more than running it over
//! a handful of documents, so the native code of every component this engine
//! compiles is kept on disk, named by the SHA-256 of the component's bytes
//! and a hash of everything in the engine that affects code generation
//! (wasmtime's version, its configuration, the host). A later run with the
//! same component and the same engine maps the code instead of compiling it.
//!
//! The directory is `$BULWARK_CACHE_DIR`, else `$XDG_CACHE_HOME/bulwark`,
//! else `$HOME/.cache/bulwark`; it is created with mode 0700. Entries are
//! written to a temporary file and renamed into place, so concurrent runs
//! never see half an entry. A cache that cannot be read or written is not an
//! error: the component is compiled as if there were none.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;

/// Where compiled components are kept.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: dir.into() }
    }

    /// The cache directory the environment names, if any: see the module
    /// documentation. `BULWARK_CACHE_DIR` set to an empty string or `off`
    /// disables the cache.
    pub fn from_env() -> Option<Cache> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(dir) = std::env::var_os("BULWARK_CACHE_DIR") {
            if dir.is_empty() || dir == "off" {
                return None;
            }
            return Some(Cache::new(dir));
        }
        if let Some(xdg) = var("XDG_CACHE_HOME") {
            return Some(Cache::new(Path::new(&xdg).join("bulwark")));
        }
        var("HOME").map(|home| Cache::new(Path::new(&home).join(".cache").join("bulwark")))
    }

    /// The directory entries live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry for `bytes` compiled by `engine`.
    fn entry(&self, engine: &wasmtime::Engine, bytes: &[u8]) -> PathBuf {
        let hex = sha256_hex(bytes);
        self.dir
            .join(format!("{hex}-{:016x}.cwasm", engine_tag(engine)))
    }

    /// The cached compilation of `bytes`, if there is a usable one.
    pub(crate) fn get(&self, engine: &wasmtime::Engine, bytes: &[u8]) -> Option<Component> {
        let path = self.entry(engine, bytes);
        if !path.is_file() {
            return None;
        }
        map(engine, &path)
    }

    /// Where the precompiled code of the embedded component whose digest
    /// is `sha256` is kept for `engine`.
    fn embedded_entry(&self, engine: &wasmtime::Engine, sha256: &str) -> PathBuf {
        self.dir
            .join("builtin")
            .join(format!("{sha256}-{:016x}.cwasm", engine_tag(engine)))
    }

    /// The embedded component whose digest is `sha256`, mapped from its
    /// copy of `precompiled` in the cache; the copy is written first when
    /// there is none, or it is not of `precompiled`'s length, or wasmtime
    /// refuses it. `None` when it cannot be written or mapped (the caller
    /// then reads `precompiled` itself).
    pub(crate) fn embedded(
        &self,
        engine: &wasmtime::Engine,
        sha256: &str,
        precompiled: &[u8],
    ) -> Option<Component> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let path = self.embedded_entry(engine, sha256);
        let kept = std::fs::metadata(&path)
            .is_ok_and(|m| m.is_file() && m.len() == precompiled.len() as u64);
        if let Some(component) = kept.then(|| map(engine, &path)).flatten() {
            return Some(component);
        }
        write_private(&path, precompiled).ok()?;
        map(engine, &path)
    }

    /// Stores the compilation of `bytes`; failures are ignored.
    pub(crate) fn put(&self, engine: &wasmtime::Engine, bytes: &[u8], component: &Component) {
        let _ = self.try_put(engine, bytes, component);
    }

    fn try_put(
        &self,
        engine: &wasmtime::Engine,
        bytes: &[u8],
        component: &Component,
    ) -> std::io::Result<()> {
        let code = component.serialize().map_err(std::io::Error::other)?;
        write_private(&self.entry(engine, bytes), &code)
    }
}

/// A hash of everything in `engine` that affects code generation, for the
/// names of entries.
fn engine_tag(engine: &wasmtime::Engine) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    h.finish()
}

/// The compiled component in `path`, mapped, if wasmtime accepts it.
fn map(engine: &wasmtime::Engine, path: &Path) -> Option<Component> {
    // SAFETY: `deserialize_file` trusts that the file holds code that
    // wasmtime itself produced. Entries are only ever written by this
    // cache, from `Component::serialize` or from precompiled code embedded
    // in this binary at build time, into a directory private to the user
    // (mode 0700), under a name bound to the component's digest; wasmtime
    // checks the version and configuration recorded in the entry and
    // refuses one from another engine. Anyone able to write that directory
    // could equally replace this program.
    #[allow(unsafe_code)]
    let component = unsafe { Component::deserialize_file(engine, path) };
    component.ok()
}

/// The SHA-256 of `bytes`, lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Writes `bytes` to `path` through a temporary file renamed into place,
/// its directory made private to the user (mode 0700) first.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no directory"))?;
    create_private_dir(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAT: &str = "(component)";

    #[test]
    fn round_trips_and_keys_by_content_and_engine() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let cache = Cache::new(dir.path().join("nested"));
        let engine = wasmtime::Engine::new(wasmtime::Config::new().wasm_component_model(true))?;
        let bytes = WAT.as_bytes();
        assert!(cache.get(&engine, bytes).is_none());
        let component = Component::new(&engine, bytes)?;
        cache.put(&engine, bytes, &component);
        assert!(cache.get(&engine, bytes).is_some());
        assert_eq!(std::fs::read_dir(cache.dir())?.count(), 1);

        // Other bytes, or an engine configured differently, miss.
        let other = b"(component (core module))";
        assert!(cache.get(&engine, other).is_none());
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true).epoch_interruption(true);
        let engine2 = wasmtime::Engine::new(&config)?;
        assert!(cache.get(&engine2, bytes).is_none());
        Ok(())
    }

    #[test]
    fn a_corrupt_entry_is_a_miss() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let cache = Cache::new(dir.path());
        let engine = wasmtime::Engine::new(wasmtime::Config::new().wasm_component_model(true))?;
        let bytes = WAT.as_bytes();
        std::fs::write(cache.entry(&engine, bytes), b"not compiled code")?;
        assert!(cache.get(&engine, bytes).is_none());
        Ok(())
    }

    #[test]
    fn an_unwritable_cache_is_ignored() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"")?;
        let cache = Cache::new(file.join("below-a-file"));
        let engine = wasmtime::Engine::new(wasmtime::Config::new().wasm_component_model(true))?;
        let bytes = WAT.as_bytes();
        let component = Component::new(&engine, bytes)?;
        cache.put(&engine, bytes, &component);
        assert!(cache.get(&engine, bytes).is_none());
        Ok(())
    }
}
