//! Why a scanner could not be built or a run could not start.
//!
//! Problems with inputs are not errors: they are reported per file and the
//! scan goes on. These are the failures that stop a run before it starts
//! (a module that does not match its pin, a configuration naming rules
//! that do not exist) or while writing what it must write.

use std::path::PathBuf;

/// Why a scan could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The WebAssembly engine could not start.
    #[error("starting the rule engine")]
    Engine(#[source] bulwark_engine::Error),
    /// A built-in rule module could not be loaded (the binary is broken).
    #[error("loading the built-in rule module {name}")]
    Builtin {
        /// The pack.
        name: String,
        /// Why.
        #[source]
        source: bulwark_engine::Error,
    },
    /// An extra rule module could not be read.
    #[error("reading rule module {}", path.display())]
    ReadModule {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An extra rule module given with `--rules` does not match its pin.
    #[error(
        "--rules: rule module {} does not match its pin: sha256 {pinned} pinned, {actual} on disk; refusing to run it",
        path.display()
    )]
    PinMismatch {
        /// The file.
        path: PathBuf,
        /// The pinned digest.
        pinned: String,
        /// The file's digest.
        actual: String,
    },
    /// Trusted keys are configured and a module's signature cannot be read.
    #[error(
        "rule module {}: trusted keys are configured, but its signature {} cannot be read (sign it with `bulwark sign {} --key KEY`)",
        module.display(), signature.display(), module.display()
    )]
    SignatureUnreadable {
        /// The module.
        module: PathBuf,
        /// Where its signature was looked for.
        signature: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// A module's signature does not verify with any trusted key.
    #[error(
        "rule module {}: signature {} refused; refusing to run it",
        module.display(),
        signature.display()
    )]
    SignatureRefused {
        /// The module.
        module: PathBuf,
        /// The signature file.
        signature: PathBuf,
        /// Why.
        #[source]
        source: bulwark_evidence::module::ModuleSignatureError,
    },
    /// A registry module is not pinned by its manifest digest.
    #[error(
        "{module}: a rule module from a registry must be pinned by its manifest digest: {}",
        match pin { Some(pin) => format!("`{pin}` (its tag names that digest now; check it against the module's publisher first)"), None => "`oci://HOST/REPO:TAG@sha256:DIGEST` (`bulwark pull` prints it)".to_owned() }
    )]
    ModuleUnpinned {
        /// The module as written.
        module: String,
        /// The reference pinned to what its tag names now, when known.
        pin: Option<String>,
    },
    /// A registry module could not be fetched.
    #[error("rule module {module}")]
    ModuleRegistry {
        /// The module.
        module: String,
        /// The registry's error.
        #[source]
        source: bulwark_image::registry::Error,
    },
    /// A registry module is not a usable rule module.
    #[error("rule module {module}: {why}; refusing to run it")]
    ModuleArtifact {
        /// The module.
        module: String,
        /// What is wrong.
        why: String,
    },
    /// `--offline` and a module (or its signature) is not in the cache.
    #[error(
        "rule module {module}: --offline, and {what} needs the registry ({}); fetch it first with `bulwark pull`",
        match cache { Some(dir) => format!("not in the cache {dir}"), None => "the cache is off".to_owned() }
    )]
    ModuleOffline {
        /// The module.
        module: String,
        /// What needed the network.
        what: String,
        /// The cache directory, if any.
        cache: Option<String>,
    },
    /// Trusted keys are configured and a registry module has no signature
    /// by one of them.
    #[error("rule module {module}: {why}; refusing to run it")]
    ModuleSignature {
        /// The module.
        module: String,
        /// What was found instead.
        why: String,
    },
    /// A trusted key could not be read.
    #[error("reading the trusted key {}", path.display())]
    TrustedKey {
        /// The key file.
        path: PathBuf,
        /// Why.
        #[source]
        source: KeyError,
    },
    /// Two modules declare the same rule id.
    #[error("rule id `{id}` is declared by both module `{first}` and module `{second}`")]
    DuplicateRule {
        /// The rule id.
        id: String,
        /// The module loaded first.
        first: String,
        /// The other.
        second: String,
    },
    /// The configuration is wrong (every problem listed).
    #[error(transparent)]
    Config(#[from] bulwark_config::Error),
    /// `--rule` names a rule no module declares.
    #[error("--rule {0}: no such rule (`bulwark rules list` shows them all)")]
    UnknownRule(String),
    /// The rules selected leave none to run.
    #[error(
        "no rule is enabled{0}: a run that checks nothing cannot pass (see `bulwark rules list`; --parse-only only reads the inputs)"
    )]
    NothingEnabled(String),
    /// A baseline could not be read or written.
    #[error("{action} the baseline {}", path.display())]
    Baseline {
        /// `reading` or `writing`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: crate::baseline::Error,
    },
}

/// Why a key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// It could not be read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// It is not a key.
    #[error(transparent)]
    Key(#[from] bulwark_evidence::Error),
}

/// `err` and its causes on one line.
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    bulwark_core::error_chain(err)
}
