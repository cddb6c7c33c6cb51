//! Writes the SHA-256 of every component in `rules-wasm/dist/*.wasm`
//! into `OUT_DIR/NAME.sha256` as a string literal, so a run names the
//! modules it embeds without hashing them at every start.

// A build script speaks to cargo on its standard output.
#![allow(clippy::disallowed_macros)]

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

fn main() {
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    // Every component there, so `src/builtin.rs` alone lists the packs.
    let dist = Path::new("../../rules-wasm/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    let entries = std::fs::read_dir(dist).unwrap_or_else(|e| panic!("{}: {e}", dist.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".wasm"))
        else {
            continue;
        };
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut hex = String::with_capacity(64);
        for b in Sha256::digest(&bytes) {
            let _ = write!(hex, "{b:02x}");
        }
        std::fs::write(
            Path::new(&out).join(format!("{name}.sha256")),
            format!("{hex:?}"),
        )
        .unwrap_or_else(|e| panic!("writing the digest of {name}: {e}"));
    }
}
