//! Writes the SHA-256 of every built-in component (`rules-wasm/dist/*.wasm`)
//! into `OUT_DIR/NAME.sha256` as a string literal, so a run names the
//! modules it embeds without hashing them at every start.

// A build script speaks to cargo on its standard output.
#![allow(clippy::disallowed_macros)]

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The packs `src/builtin.rs` embeds.
const PACKS: [&str; 5] = [
    "cis-docker-build",
    "cis-docker-runtime",
    "pod-security",
    "secrets",
    "image",
];

fn main() {
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    for name in PACKS {
        let path = format!("../../rules-wasm/dist/{name}.wasm");
        println!("cargo:rerun-if-changed={path}");
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
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
