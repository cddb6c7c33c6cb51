//! Errors of toolchain detection, building and encoding.

use std::io;
use std::path::PathBuf;

/// What went wrong while building a rule component.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No toolchain that can build for wasm32 was found.
    #[error(
        "no Rust toolchain here can build {target}:\n{tried}\nInstall one of:\n  \
         - rustup's target:  rustup target add {target}\n  \
         - Debian's packages: apt-get install rustc-web cargo-web rust-web-src (plus rustup's rust-lld, or lld)"
    )]
    NoToolchain {
        /// The target.
        target: &'static str,
        /// What was looked for, one line per route.
        tried: String,
    },
    /// A toolchain named explicitly is not available.
    #[error("the {route} toolchain is not usable here: {reason}")]
    RouteUnavailable {
        /// The route name.
        route: &'static str,
        /// Why.
        reason: String,
    },
    /// Running a program failed.
    #[error("cannot run {}", program.display())]
    Spawn {
        /// The program.
        program: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// `cargo build` failed.
    #[error("cargo build for {target} failed (exit status {status}); its output is above")]
    Cargo {
        /// The target.
        target: &'static str,
        /// The exit status.
        status: String,
    },
    /// A file could not be read or written.
    #[error("cannot access {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The core module could not be encoded as a component.
    #[error("cannot encode the core module as a component: {0}")]
    Componentize(String),
}
