//! Errors loading rule modules.

use bulwark_core::RuleFailureKind;

/// A rule module that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The wasmtime engine could not be configured.
    #[error("cannot configure the WebAssembly engine")]
    Engine(#[source] wasmtime::Error),
    /// The thread that enforces deadlines could not start.
    #[error("cannot start the rule deadline thread")]
    Ticker(#[source] std::io::Error),
    /// The bytes are not a valid component.
    #[error("module `{module}` is not a valid WebAssembly component")]
    Compile {
        /// The module's name.
        module: String,
        /// wasmtime's reason.
        #[source]
        source: wasmtime::Error,
    },
    /// The component imports something; rule modules must import nothing.
    #[error(
        "module `{module}` imports {}; rule modules import nothing but WASI 0.2, which is linked granting nothing (no filesystem, network or environment)",
        imports.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
    )]
    Imports {
        /// The module's name.
        module: String,
        /// What it imports.
        imports: Vec<String>,
    },
    /// The component does not export the `bulwark:rules` interface.
    #[error(
        "module `{module}` does not export the bulwark:rules@{} interface (nor {})",
        bulwark_core::WIT_PACKAGE_VERSION,
        bulwark_core::wit_earlier_versions()
    )]
    WrongWorld {
        /// The module's name.
        module: String,
        /// wasmtime's reason.
        #[source]
        source: wasmtime::Error,
    },
    /// Calling `rules()` failed.
    #[error("module `{module}` failed while listing its rules: it {kind}")]
    Rules {
        /// The module's name.
        module: String,
        /// What went wrong.
        kind: RuleFailureKind,
    },
    /// The rule metadata breaks the contract.
    #[error("module `{module}` declares invalid rules: {reason}")]
    InvalidRules {
        /// The module's name.
        module: String,
        /// What is wrong.
        reason: String,
    },
}
