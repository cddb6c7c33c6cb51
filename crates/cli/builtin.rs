//! The rule components built into the binary.
//!
//! They are built from `rules-wasm/` by `cargo xtask build-rules` and
//! committed, so building bulwark needs no wasm toolchain.

/// A component embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// The module's name.
    pub name: &'static str,
    /// The component bytes.
    pub bytes: &'static [u8],
}

/// Every built-in rule pack.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "cis-docker-build",
        bytes: include_bytes!("../../rules-wasm/dist/cis-docker-build.wasm"),
    },
    Builtin {
        name: "cis-docker-runtime",
        bytes: include_bytes!("../../rules-wasm/dist/cis-docker-runtime.wasm"),
    },
    Builtin {
        name: "pod-security",
        bytes: include_bytes!("../../rules-wasm/dist/pod-security.wasm"),
    },
    Builtin {
        name: "secrets",
        bytes: include_bytes!("../../rules-wasm/dist/secrets.wasm"),
    },
];
