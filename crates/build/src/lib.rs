//! Builds rule crates into WebAssembly components.
//!
//! The principal type is [`Toolchain`]: a Rust toolchain able to compile for
//! `wasm32-unknown-unknown`, found by [`Toolchain::detect`]. Two kinds are
//! recognised ([`Route`]): rustup's toolchain with the wasm32 target
//! installed, and Debian's `rustc-web`/`cargo-web`/`rust-web-src` packages,
//! which have no prebuilt wasm32 standard library, so std is built from
//! source (`-Zbuild-std`) and linked with an `rust-lld` found beside them or
//! in rustup's toolchain. Nothing is installed: when neither is present, the
//! error says what is missing and how to get it.
//!
//! [`Toolchain::build`] compiles a workspace's cdylib crates with flags that
//! make the output reproducible (paths remapped, no debug info, one codegen
//! unit); [`componentize`] turns the core module into a component with the
//! `wit-component` crate.
#![deny(missing_docs)]

mod error;
mod toolchain;

pub use crate::error::Error;
pub use crate::toolchain::{Route, Toolchain};

/// The wasm target rule modules are built for.
pub const TARGET: &str = "wasm32-unknown-unknown";

/// Encodes a core module that carries wit-bindgen's component-type custom
/// section as a component.
///
/// # Errors
///
/// [`Error::Componentize`] when the module lacks the type information, or
/// its exports or imports do not match it.
pub fn componentize(core_module: &[u8]) -> Result<Vec<u8>, Error> {
    wit_component::ComponentEncoder::default()
        .module(core_module)
        .and_then(|encoder| encoder.validate(true).encode())
        .map_err(|e| Error::Componentize(format!("{e:#}")))
}

/// Returns true if and only if `bytes` is a component (not a core module).
pub fn is_component(bytes: &[u8]) -> bool {
    // Both start with `\0asm`; the layer field (bytes 6..8) is 1 for
    // components and 0 for core modules.
    bytes.len() >= 8 && bytes.starts_with(b"\0asm") && bytes[6..8] == [1, 0]
}

/// The interfaces a component imports and exports, by name
/// (`bulwark:rules/rules@0.3.0`), read from its type information without
/// compiling it.
///
/// # Errors
///
/// [`Error::Componentize`] when `bytes` is not a component that decodes.
pub fn interface(bytes: &[u8]) -> Result<(Vec<String>, Vec<String>), Error> {
    if !is_component(bytes) {
        return Err(Error::Componentize(
            "not a WebAssembly component".to_owned(),
        ));
    }
    let decoded =
        wit_component::decode(bytes).map_err(|e| Error::Componentize(format!("{e:#}")))?;
    let wit_component::DecodedWasm::Component(resolve, world) = decoded else {
        return Err(Error::Componentize(
            "a WIT package, not a component".to_owned(),
        ));
    };
    let world = &resolve.worlds[world];
    let imports = world.imports.keys().map(|k| resolve.name_world_key(k));
    let exports = world.exports.keys().map(|k| resolve.name_world_key(k));
    Ok((imports.collect(), exports.collect()))
}
