//! Rule modules: the built-in packs, and extra modules pinned by their
//! SHA-256 and, when trusted keys are configured, signed by one of them.
//!
//! An extra module that does not match its pin or whose signature does
//! not verify refuses the run; one that does not load as a rule module is a
//! rule failure (the run goes on with the others and fails closed). Two
//! modules declaring the same rule id refuse the run. The same module
//! given twice (on the command line and in the configuration) is loaded
//! once.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bulwark_core::{RuleFailure, RuleFailureKind};
use bulwark_engine::{Cache, Engine, Limits, Module};
use bulwark_evidence::VerifyingKey;

use crate::builtin::Builtin;
use crate::error::{Error, KeyError};

/// The CPU deadline of one rule on one document, unless configured.
pub const DEFAULT_RULE_TIMEOUT: Duration = Duration::from_millis(500);
/// The memory of one rule module instance, unless configured.
pub const DEFAULT_RULE_MEMORY: u64 = 256 << 20;

/// The limits rules run under when nothing is configured.
pub fn default_limits() -> Limits {
    Limits {
        timeout: DEFAULT_RULE_TIMEOUT,
        memory: usize::try_from(DEFAULT_RULE_MEMORY).unwrap_or(usize::MAX),
    }
}

/// `bytes` as a component: a core module carrying wit-bindgen's
/// component-type section (what `cargo build` leaves before `bulwark
/// build`) is encoded here; a component is returned as it is.
///
/// # Errors
///
/// When a core module cannot be encoded (it lacks the type section, or
/// its exports do not match it).
pub fn component_of(bytes: &[u8]) -> Result<Cow<'_, [u8]>, bulwark_build::Error> {
    if bytes.starts_with(b"\0asm") && !bulwark_build::is_component(bytes) {
        return bulwark_build::componentize(bytes).map(Cow::Owned);
    }
    Ok(Cow::Borrowed(bytes))
}

/// An extra rule module to load, with its pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraModule {
    /// The component file.
    pub path: PathBuf,
    /// Its SHA-256, hex: the file must have it.
    pub sha256: String,
    /// Its signature (a DSSE envelope written by `bulwark sign`); default:
    /// `PATH.sig`. Checked only when trusted keys are configured.
    pub signature: Option<PathBuf>,
    /// The configuration entry that declared it, for errors at its line.
    pub declared: Option<bulwark_config::At>,
}

/// Where a loaded module came from, for the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The module's name.
    pub name: String,
    /// The SHA-256 of its component.
    pub sha256: String,
    /// `built-in`, or the path it was loaded from.
    pub source: String,
    /// The id of the trusted key that signed it, when signatures are
    /// checked.
    pub signed_by: Option<String>,
    /// For a module from a registry: `oci://HOST/REPO[:TAG]@sha256:…`.
    pub reference: Option<String>,
    /// For a module from a registry: its manifest's digest.
    pub manifest_digest: Option<String>,
}

/// An extra rule module in a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciExtra {
    /// The reference; its digest is required.
    pub module: crate::oci::OciModule,
    /// The configuration entry that declared it, for errors at its line.
    pub declared: Option<bulwark_config::At>,
}

/// An engine with its modules loaded.
#[derive(Debug)]
pub struct Loaded {
    /// The engine the modules run in.
    pub engine: Engine,
    /// The modules, built-in packs first.
    pub modules: Vec<Module>,
    /// Extra modules that could not be loaded: the run continues with the
    /// others and fails closed.
    pub failures: Vec<RuleFailure>,
    /// Every module given, loaded or not.
    pub origins: Vec<Origin>,
}

/// Where a module's signature is unless said otherwise: `MODULE.sig`.
pub fn default_signature_path(module: &Path) -> PathBuf {
    let mut name = module.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// Reads a public key (SPKI PEM).
///
/// # Errors
///
/// [`Error::TrustedKey`] naming the file.
pub fn read_trusted_key(path: &Path) -> Result<VerifyingKey, Error> {
    let read = || -> Result<VerifyingKey, KeyError> {
        let pem = std::fs::read_to_string(path)?;
        Ok(VerifyingKey::from_public_key_pem(&pem)?)
    };
    read().map_err(|source| Error::TrustedKey {
        path: path.to_path_buf(),
        source,
    })
}

/// What to load.
#[derive(Debug, Clone)]
pub(crate) struct ModuleSet<'a> {
    /// The built-in packs to load (all of them, some, or none).
    pub(crate) builtins: Vec<&'static Builtin>,
    /// Extra modules, in order.
    pub(crate) extra: Vec<ExtraModule>,
    /// Extra modules from registries, in order, and how to fetch them.
    pub(crate) oci: Vec<OciExtra>,
    pub(crate) fetcher: &'a crate::oci::Fetcher,
    /// Keys extra modules must be signed with; empty: not checked.
    pub(crate) trusted: Vec<VerifyingKey>,
    /// Limits for every call.
    pub(crate) limits: Limits,
    /// Whether compiled components may be cached.
    pub(crate) cache: bool,
    /// The configuration that pinned some of the extra modules, for errors
    /// at their line.
    pub(crate) config: Option<&'a bulwark_config::Config>,
}

impl ModuleSet<'_> {
    /// Creates the engine and loads every module.
    pub(crate) fn load(&self) -> Result<Loaded, Error> {
        let cache = if self.cache { Cache::from_env() } else { None };
        let engine = Engine::new(self.limits)
            .map_err(Error::Engine)?
            .with_cache(cache);
        // Known by their declarations: each is mapped and linked only when
        // a document of a kind its rules judge comes.
        let mut modules = self
            .builtins
            .iter()
            .map(|builtin| builtin.load(&engine))
            .collect::<Result<Vec<_>, _>>()?;
        let mut origins: Vec<Origin> = self
            .builtins
            .iter()
            .map(|builtin| Origin {
                name: builtin.name.to_owned(),
                sha256: builtin.sha256.to_owned(),
                source: "built-in".to_owned(),
                signed_by: None,
                reference: None,
                manifest_digest: None,
            })
            .collect();
        let mut failures = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for extra in &self.extra {
            let path = &extra.path;
            let bytes = std::fs::read(path).map_err(|source| Error::ReadModule {
                path: path.clone(),
                source,
            })?;
            let actual = bulwark_evidence::sha256_hex(&bytes);
            if actual != extra.sha256 {
                return Err(match (self.config, extra.declared) {
                    (Some(config), Some(at)) => {
                        bulwark_config::Error::Invalid(vec![config.problem(
                            at,
                            bulwark_config::Code::PinMismatch,
                            format!(
                                "rule module {} does not match its pin: sha256 {} pinned, {actual} on disk; refusing to run it",
                                path.display(),
                                extra.sha256
                            ),
                        )])
                        .into()
                    }
                    _ => Error::PinMismatch {
                        path: path.clone(),
                        pinned: extra.sha256.clone(),
                        actual,
                    },
                });
            }
            // The same module named twice (command line and configuration)
            // is one module.
            if seen.contains(&actual) {
                continue;
            }
            seen.push(actual.clone());
            let signed_by = if self.trusted.is_empty() {
                None
            } else {
                let signature = extra
                    .signature
                    .clone()
                    .unwrap_or_else(|| default_signature_path(path));
                let envelope =
                    std::fs::read(&signature).map_err(|source| Error::SignatureUnreadable {
                        module: path.clone(),
                        signature: signature.clone(),
                        source,
                    })?;
                let signer =
                    bulwark_evidence::module::verify_module(&envelope, &bytes, &self.trusted)
                        .map_err(|source| Error::SignatureRefused {
                            module: path.clone(),
                            signature,
                            source,
                        })?;
                Some(signer)
            };
            let name = path.file_stem().map_or_else(
                || path.display().to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            origins.push(Origin {
                name: name.clone(),
                sha256: actual,
                source: path.display().to_string(),
                signed_by,
                reference: None,
                manifest_digest: None,
            });
            let loaded = component_of(&bytes)
                .map_err(|e| crate::error::chain(&e))
                .and_then(|component| {
                    engine
                        .load(&name, &component)
                        .map_err(|e| crate::error::chain(&e))
                });
            match loaded {
                Ok(module) => modules.push(module),
                Err(message) => failures.push(RuleFailure {
                    module: name,
                    rule_id: None,
                    file: path.display().to_string(),
                    kind: RuleFailureKind::Load { message },
                }),
            }
        }
        for extra in &self.oci {
            let (module, origin) = self.load_oci(&engine, extra)?;
            if seen.contains(&origin.sha256) {
                continue;
            }
            seen.push(origin.sha256.clone());
            origins.push(origin);
            modules.push(module);
        }
        let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
        for m in &modules {
            for r in m.rules() {
                if let Some(other) = owners.insert(&r.id, m.name()) {
                    return Err(Error::DuplicateRule {
                        id: r.id.clone(),
                        first: other.to_owned(),
                        second: m.name().to_owned(),
                    });
                }
            }
        }
        Ok(Loaded {
            engine,
            modules,
            failures,
            origins,
        })
    }
}

impl ModuleSet<'_> {
    /// Fetches, verifies and loads one registry module. Anything wrong
    /// with it refuses the run: it was never run, so it cannot have
    /// failed as a rule.
    fn load_oci(&self, engine: &Engine, extra: &OciExtra) -> Result<(Module, Origin), Error> {
        let module = &extra.module;
        let at = |text: String| match (self.config, extra.declared) {
            (Some(config), Some(at)) => {
                format!(
                    "{}:{}:{}: {text}",
                    config.path.display(),
                    at.line,
                    at.column
                )
            }
            _ => text,
        };
        let Some(digest) = module.digest.clone() else {
            let pin = self.fetcher.resolve(module).ok().map(|d| module.pinned(&d));
            return Err(Error::ModuleUnpinned {
                module: at(module.unpinned()),
                pin,
            });
        };
        let fetched = self.fetcher.module(module, &digest).map_err(|e| match e {
            Error::ModuleArtifact { module, why } => Error::ModuleArtifact {
                module: at(module),
                why,
            },
            other => other,
        })?;
        let signed_by = if self.trusted.is_empty() {
            None
        } else {
            Some(self.fetcher.signer(module, &fetched, &self.trusted)?)
        };
        let refuse = |why: String| Error::ModuleArtifact {
            module: at(module.to_string()),
            why,
        };
        let component = component_of(&fetched.wasm).map_err(|e| refuse(crate::error::chain(&e)))?;
        let loaded = engine
            .load(&fetched.name, &component)
            .map_err(|e| refuse(crate::error::chain(&e)))?;
        Ok((
            loaded,
            Origin {
                name: fetched.name.clone(),
                // The layer's digest, checked when it was read: hashing
                // the module again costs milliseconds a megabyte.
                sha256: fetched.manifest.layer.digest[7..].to_owned(),
                source: module.pinned(&digest),
                signed_by,
                reference: Some(module.pinned(&digest)),
                manifest_digest: Some(digest),
            },
        ))
    }
}

/// Loads `bytes` as a rule module named `name` (a core module is made a
/// component first) and describes it for its artifact: the component to
/// push and what the artifact says about it.
///
/// # Errors
///
/// Why it does not load as a rule module.
pub fn describe(
    name: &str,
    bytes: &[u8],
) -> Result<(Vec<u8>, bulwark_image::registry::artifact::ModuleInfo), String> {
    let component = component_of(bytes)
        .map_err(|e| crate::error::chain(&e))?
        .into_owned();
    let engine =
        bulwark_engine::Engine::new(default_limits()).map_err(|e| crate::error::chain(&e))?;
    let module = engine
        .load(name, &component)
        .map_err(|e| crate::error::chain(&e))?;
    let (imports, exports) = module.interface();
    let info = bulwark_image::registry::artifact::ModuleInfo {
        name: name.to_owned(),
        rules: module.rules().iter().map(|r| r.id.clone()).collect(),
        contract: module.contract().to_owned(),
        imports: imports.to_vec(),
        exports: exports.to_vec(),
        annotations: std::collections::BTreeMap::new(),
    };
    Ok((component, info))
}

/// Checks, without compiling it, that `fetched` is a component of the
/// `bulwark:rules` world: it exports the rules interface and imports
/// nothing but WASI 0.2 and the contract's types. Loading it checks the
/// same again, and more.
///
/// # Errors
///
/// [`Error::ModuleArtifact`] saying what it is instead.
pub fn check_world(
    module: &crate::oci::OciModule,
    fetched: &crate::oci::Fetched,
) -> Result<(), Error> {
    let refuse = |why: String| crate::oci::module_error(module, why);
    let component = component_of(&fetched.wasm).map_err(|e| {
        refuse(format!(
            "its layer is not a rule component: {}",
            crate::error::chain(&e)
        ))
    })?;
    let (imports, exports) = bulwark_build::interface(&component).map_err(|e| {
        refuse(format!(
            "its layer is not a rule component: {}",
            crate::error::chain(&e)
        ))
    })?;
    let wanted: Vec<String> = std::iter::once(bulwark_core::WIT_PACKAGE_VERSION)
        .chain(bulwark_core::WIT_EARLIER_VERSIONS)
        .map(|v| format!("bulwark:rules/rules@{v}"))
        .collect();
    if !exports.iter().any(|e| wanted.contains(e)) {
        return Err(refuse(format!(
            "it does not export the bulwark:rules@{} interface (nor {}); it exports {}",
            bulwark_core::WIT_PACKAGE_VERSION,
            bulwark_core::wit_earlier_versions(),
            list(&exports)
        )));
    }
    let foreign: Vec<String> = imports
        .into_iter()
        .filter(|i| {
            !(i.starts_with("bulwark:rules/") || (i.starts_with("wasi:") && i.contains("@0.2.")))
        })
        .collect();
    if !foreign.is_empty() {
        return Err(refuse(format!(
            "it imports {}; rule modules import nothing but WASI 0.2",
            list(&foreign)
        )));
    }
    Ok(())
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "nothing".to_owned();
    }
    names
        .iter()
        .take(8)
        .map(|n| format!("`{}`", n.escape_debug()))
        .collect::<Vec<_>>()
        .join(", ")
}
