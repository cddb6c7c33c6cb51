//! Loading a rule component: compile once, check its shape, read its rules.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use bulwark_core::{RuleFailureKind, RuleMeta};
use wasmtime::Store;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker};

use crate::bindings::{Contract, Guest, Pre};
use crate::state::State;
use crate::{Engine, Error};

/// A compiled rule module, ready to instantiate on any thread.
#[derive(Clone)]
pub struct Module {
    pub(crate) name: String,
    code: Code,
    /// The contract version it was built against.
    pub(crate) contract: Contract,
    pub(crate) rules: Vec<RuleMeta>,
    /// Per rule, in `rules` order: what its findings share.
    pub(crate) shared: Vec<Shared>,
    /// `name`, shared by the module's findings.
    pub(crate) label: Arc<str>,
    pub(crate) precompiled: bool,
    /// The component's imports and exports, by name.
    pub(crate) interface: Interface,
}

/// The names of a component's imports and of its exports.
type Interface = (Vec<String>, Vec<String>);

/// A module's code: linked when loaded, or on first use for a built-in
/// module whose rules were declared ahead.
#[derive(Clone)]
enum Code {
    Linked(Pre),
    OnFirstUse(Arc<Deferred>),
}

/// A component embedded in the binary, linked on first use.
struct Deferred {
    bytes: &'static [u8],
    sha256: &'static str,
    precompiled: Option<&'static [u8]>,
    linked: OnceLock<Result<Pre, String>>,
}

/// What loading a module reads from it, written down ahead of time for a
/// built-in module ([`Module::declaration`], [`Engine::declare_embedded`]):
/// its contract, its imports and exports, its rules.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Declaration {
    contract: String,
    imports: Vec<String>,
    exports: Vec<String>,
    rules: Vec<RuleMeta>,
}

/// The parts of a rule's metadata every one of its findings carries.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub(crate) id: Arc<str>,
    pub(crate) title: Arc<str>,
    pub(crate) controls: Arc<[String]>,
    pub(crate) remediation: Arc<str>,
}

impl From<&RuleMeta> for Shared {
    fn from(r: &RuleMeta) -> Shared {
        Shared {
            id: r.id.as_str().into(),
            title: r.title.as_str().into(),
            controls: r.controls.clone().into(),
            remediation: r.remediation.as_str().into(),
        }
    }
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.name)
            .field("rules", &self.rules.len())
            .finish()
    }
}

impl Module {
    /// The module's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version of the `bulwark:rules` contract the module was built
    /// against (`0.1.0`, `0.2.0`).
    pub fn contract(&self) -> &'static str {
        self.contract.version()
    }

    /// The module's code, linked now if it was not yet (a built-in module
    /// declared ahead is linked by the first worker that runs it).
    pub(crate) fn pre(&self, engine: &Engine) -> Result<&Pre, RuleFailureKind> {
        match &self.code {
            Code::Linked(pre) => Ok(pre),
            Code::OnFirstUse(deferred) => deferred
                .linked
                .get_or_init(|| engine.link_deferred(&self.name, self.contract, deferred))
                .as_ref()
                .map_err(|message| RuleFailureKind::Load {
                    message: message.clone(),
                }),
        }
    }

    /// What loading the module read from it, as JSON: what
    /// [`Engine::declare_embedded`] is given for a built-in module.
    pub fn declaration(&self) -> String {
        let declaration = Declaration {
            contract: self.contract.version().to_owned(),
            imports: self.interface.0.clone(),
            exports: self.interface.1.clone(),
            rules: self.rules.clone(),
        };
        // Strings, lists and enums only: serialising cannot fail.
        let mut json = serde_json::to_string_pretty(&declaration).unwrap_or_default();
        json.push('\n');
        json
    }

    /// The rules the module declares, in its order.
    pub fn rules(&self) -> &[RuleMeta] {
        &self.rules
    }

    /// The names of the component's imports and of its exports (what an
    /// OCI artifact's config records).
    pub fn interface(&self) -> (&[String], &[String]) {
        (&self.interface.0, &self.interface.1)
    }

    /// Returns true if and only if the module was loaded from code compiled
    /// ahead of time ([`Engine::load_precompiled`]), not compiled here; for
    /// a module declared ahead ([`Engine::declare_embedded`]), not linked
    /// yet, that it comes with such code.
    pub fn is_precompiled(&self) -> bool {
        self.precompiled
    }
}

/// Returns true if and only if `id` is a kebab-case rule id: lower-case
/// ASCII letters and digits in words joined by single dashes.
fn is_rule_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The most rules one module may declare.
pub const MAX_RULES: usize = 1000;
/// The most bytes of a rule's title.
pub const MAX_TITLE: usize = 200;
/// The most bytes of a rule's remediation text.
pub const MAX_REMEDIATION: usize = 4096;
/// The most bytes of a rule's explanation.
pub const MAX_EXPLANATION: usize = 64 * 1024;
/// The most controls one rule may map to, and the most bytes of each.
pub const MAX_CONTROLS: (usize, usize) = (32, 128);

/// What in a rule's metadata is over the contract's limits, if anything.
fn over_limit(rule: &RuleMeta) -> Option<String> {
    let (controls, control_len) = MAX_CONTROLS;
    if rule.title.len() > MAX_TITLE {
        return Some(format!("a title over {MAX_TITLE} bytes"));
    }
    if rule.remediation.len() > MAX_REMEDIATION {
        return Some(format!("a remediation over {MAX_REMEDIATION} bytes"));
    }
    if rule.explanation.len() > MAX_EXPLANATION {
        return Some(format!("an explanation over {MAX_EXPLANATION} bytes"));
    }
    if rule.controls.len() > controls || rule.controls.iter().any(|c| c.len() > control_len) {
        return Some(format!(
            "more than {controls} controls, or one over {control_len} bytes"
        ));
    }
    None
}

impl Engine {
    /// Compiles the component `bytes` as module `name` and reads its rules.
    ///
    /// # Errors
    ///
    /// [`Error::Compile`] for bytes that are not a component,
    /// [`Error::Imports`] for a component that imports anything,
    /// [`Error::WrongWorld`] for one that does not export `bulwark:rules`,
    /// [`Error::Rules`] when `rules()` traps or runs out of time or memory,
    /// [`Error::InvalidRules`] for empty, malformed or duplicate ids.
    pub fn load(&self, name: &str, bytes: &[u8]) -> Result<Module, Error> {
        let component = self.compile(name, bytes)?;
        self.link(name, component, false)
    }

    /// [`Engine::load`] for a component compiled ahead of time by
    /// [`precompile`](crate::precompile) from the same `bytes`: mapped as it
    /// is, with no compilation, when this engine can run it (same wasmtime
    /// version and configuration, a host with the CPU features it was built
    /// for), and compiled from `bytes` (through the cache) otherwise.
    ///
    /// # Safety
    ///
    /// `precompiled` must be the unaltered output of
    /// [`precompile`](crate::precompile) for `bytes`, from a trusted source
    /// (bytes embedded in this binary at build time, say): wasmtime checks
    /// that it is compatible, not that its code is safe.
    ///
    /// # Errors
    ///
    /// As [`Engine::load`].
    #[allow(unsafe_code)]
    pub unsafe fn load_precompiled(
        &self,
        name: &str,
        bytes: &[u8],
        precompiled: &[u8],
    ) -> Result<Module, Error> {
        // SAFETY: as the caller vouches.
        #[allow(unsafe_code)]
        let (component, mapped) = unsafe { self.embedded(name, bytes, None, precompiled)? };
        self.link(name, component, mapped)
    }

    /// The component `precompiled` stands for: mapped from the cache when
    /// `sha256` names it there (kept there first if it is not), else
    /// `precompiled` as it is, else, when this engine cannot run that code,
    /// `bytes` compiled. The flag is true when it is the precompiled code.
    ///
    /// # Safety
    ///
    /// As [`Engine::load_embedded`] (`sha256` as there, when given).
    #[allow(unsafe_code)]
    unsafe fn embedded(
        &self,
        name: &str,
        bytes: &[u8],
        sha256: Option<&str>,
        precompiled: &[u8],
    ) -> Result<(Component, bool), Error> {
        if let Some(sha256) = sha256
            && let Some(component) = self
                .cache
                .as_ref()
                .and_then(|cache| cache.embedded(&self.inner, sha256, precompiled))
        {
            return Ok((component, true));
        }
        // SAFETY: the caller vouches for `precompiled`; wasmtime checks its
        // version, configuration and CPU features against this engine.
        #[allow(unsafe_code)]
        match unsafe { Component::deserialize(&self.inner, precompiled) } {
            Ok(component) => Ok((component, true)),
            Err(_) => Ok((self.compile(name, bytes)?, false)),
        }
    }

    /// [`Engine::load_precompiled`] for a component embedded in this
    /// binary, whose SHA-256 (`sha256`, lower-case hex) was computed when
    /// the binary was built: with a cache, the precompiled code is kept
    /// there once (`builtin/`, named by the digest and the engine) and
    /// mapped from that file on later runs, instead of being copied into
    /// fresh memory on every start; pages of it no rule runs are never
    /// read. Without a cache, or when the file cannot be written or
    /// mapped, it is [`Engine::load_precompiled`].
    ///
    /// # Safety
    ///
    /// As [`Engine::load_precompiled`]; `sha256` must be the digest of
    /// `bytes`, so that no other code is ever kept under its name.
    ///
    /// # Errors
    ///
    /// As [`Engine::load`].
    #[allow(unsafe_code)]
    pub unsafe fn load_embedded(
        &self,
        name: &str,
        bytes: &[u8],
        sha256: &str,
        precompiled: &[u8],
    ) -> Result<Module, Error> {
        // SAFETY: as the caller vouches.
        #[allow(unsafe_code)]
        let (component, mapped) = unsafe { self.embedded(name, bytes, Some(sha256), precompiled)? };
        self.link(name, component, mapped)
    }

    /// Checks `component`'s imports and exports and reads its rules.
    fn link(&self, name: &str, component: Component, precompiled: bool) -> Result<Module, Error> {
        let (pre, interface) = self.bind(name, &component)?;
        let mut store = self.store();
        let rules_error = |store: &Store<State>, e: wasmtime::Error| Error::Rules {
            module: name.to_owned(),
            kind: crate::evaluator::classify(self, store, &e),
        };
        let instance: Guest = pre
            .instantiate(&mut store)
            .map_err(|e| rules_error(&store, e))?;
        store.set_epoch_deadline(self.startup_ticks());
        let rules: Vec<RuleMeta> = instance
            .rules(&mut store)
            .map_err(|e| rules_error(&store, e))?;
        check_rules(name, &rules)?;
        Ok(Module {
            name: name.to_owned(),
            contract: pre.contract(),
            code: Code::Linked(pre),
            shared: rules.iter().map(Shared::from).collect(),
            rules,
            label: name.into(),
            precompiled,
            interface,
        })
    }

    /// A built-in module whose rules, contract and interface were written
    /// down when it was built ([`Module::declaration`] of the same
    /// component, `declaration`): nothing is mapped, compiled or run until
    /// a document needs it, so a run pays only for the modules its inputs
    /// use. The first use links it as [`Engine::load_embedded`] would
    /// (from `precompiled` when there is one and it fits this engine) and
    /// checks that it is built against the contract declared; if it cannot
    /// be linked, every document it was to judge gets a rule failure.
    ///
    /// # Safety
    ///
    /// As [`Engine::load_embedded`], for `precompiled`; `declaration` must
    /// be [`Module::declaration`] of `bytes` (a test must hold them equal:
    /// the rules are not read from the module again).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRules`] for a declaration that does not parse or
    /// breaks the limits [`Engine::load`] enforces.
    #[allow(unsafe_code)]
    pub unsafe fn declare_embedded(
        &self,
        name: &str,
        bytes: &'static [u8],
        sha256: &'static str,
        precompiled: Option<&'static [u8]>,
        declaration: &str,
    ) -> Result<Module, Error> {
        let invalid = |reason: String| Error::InvalidRules {
            module: name.to_owned(),
            reason,
        };
        let declared: Declaration = serde_json::from_str(declaration)
            .map_err(|e| invalid(format!("its declaration does not parse: {e}")))?;
        let contract = Contract::ALL
            .into_iter()
            .find(|c| c.version() == declared.contract)
            .ok_or_else(|| {
                invalid(format!(
                    "it declares contract `{}`",
                    declared.contract.escape_debug()
                ))
            })?;
        check_rules(name, &declared.rules)?;
        Ok(Module {
            name: name.to_owned(),
            code: Code::OnFirstUse(Arc::new(Deferred {
                bytes,
                sha256,
                precompiled,
                linked: OnceLock::new(),
            })),
            contract,
            shared: declared.rules.iter().map(Shared::from).collect(),
            rules: declared.rules,
            label: name.into(),
            precompiled: precompiled.is_some(),
            interface: (declared.imports, declared.exports),
        })
    }

    /// Links a module declared by [`Engine::declare_embedded`], for its
    /// first use.
    fn link_deferred(
        &self,
        name: &str,
        contract: Contract,
        deferred: &Deferred,
    ) -> Result<Pre, String> {
        let component = match deferred.precompiled {
            // SAFETY: `declare_embedded`'s caller vouched for it.
            #[allow(unsafe_code)]
            Some(precompiled) => unsafe {
                self.embedded(name, deferred.bytes, Some(deferred.sha256), precompiled)
                    .map(|(component, _)| component)
            },
            None => self.compile(name, deferred.bytes),
        };
        let (pre, _) = component
            .and_then(|c| self.bind(name, &c))
            .map_err(|e| bulwark_core::error_chain(&e))?;
        if pre.contract() != contract {
            return Err(format!(
                "module `{name}` is built against bulwark:rules@{}, not the {} it declares",
                pre.contract().version(),
                contract.version()
            ));
        }
        Ok(pre)
    }

    /// Checks `component`'s imports and exports: its code, ready to
    /// instantiate, and the names of its imports and exports.
    fn bind(&self, name: &str, component: &Component) -> Result<(Pre, Interface), Error> {
        // Interfaces that only define types (`bulwark:rules/types`) appear as
        // imports with nothing in them to call; anything else is a capability
        // a rule module must not have.
        let mut type_only = Vec::new();
        let mut imports = Vec::new();
        let mut wasi = false;
        for (import, item) in component.component_type().imports(&self.inner) {
            // WASI is linked granting nothing (see `State`).
            if import.starts_with("wasi:") && import.contains("@0.2.") {
                wasi = true;
                continue;
            }
            let only_types = match &item.ty {
                ComponentItem::ComponentInstance(instance) => instance
                    .exports(&self.inner)
                    .all(|(_, export)| matches!(export.ty, ComponentItem::Type(_))),
                _ => false,
            };
            if only_types {
                type_only.push(import.to_owned());
            } else {
                imports.push(import.to_owned());
            }
        }
        if !imports.is_empty() {
            return Err(Error::Imports {
                module: name.to_owned(),
                imports,
            });
        }
        let interface = (
            component
                .component_type()
                .imports(&self.inner)
                .map(|(name, _)| name.to_owned())
                .collect(),
            component
                .component_type()
                .exports(&self.inner)
                .map(|(name, _)| name.to_owned())
                .collect(),
        );
        let mut linker = Linker::<State>::new(&self.inner);
        if wasi {
            wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|source| {
                Error::WrongWorld {
                    module: name.to_owned(),
                    source,
                }
            })?;
        }
        for import in &type_only {
            linker
                .instance(import)
                .map_err(|source| Error::WrongWorld {
                    module: name.to_owned(),
                    source,
                })?;
        }
        let pre = linker
            .instantiate_pre(component)
            .and_then(Pre::new)
            .map_err(|source| Error::WrongWorld {
                module: name.to_owned(),
                source,
            })?;
        Ok((pre, interface))
    }

    /// Compiles `bytes`, or maps an earlier compilation from the cache.
    fn compile(&self, name: &str, bytes: &[u8]) -> Result<Component, Error> {
        if let Some(component) = self.cache.as_ref().and_then(|c| c.get(&self.inner, bytes)) {
            return Ok(component);
        }
        let component = Component::new(&self.inner, bytes).map_err(|source| Error::Compile {
            module: name.to_owned(),
            source,
        })?;
        if let Some(cache) = &self.cache {
            cache.put(&self.inner, bytes, &component);
        }
        Ok(component)
    }

    /// A fresh store under this engine's limits, armed for a module's
    /// start (see [`Engine::startup`]); calls re-arm it with their own
    /// deadline.
    pub(crate) fn store(&self) -> Store<State> {
        let mut store = Store::new(&self.inner, State::new(self.limits.memory));
        store.limiter(|s| s);
        store.epoch_deadline_trap();
        store.set_epoch_deadline(self.startup_ticks());
        store
    }
}

/// Checks the rules a module declares against the contract's limits.
fn check_rules(name: &str, rules: &[RuleMeta]) -> Result<(), Error> {
    let invalid = |reason: String| Error::InvalidRules {
        module: name.to_owned(),
        reason,
    };
    if rules.is_empty() {
        return Err(invalid("it declares no rules".to_owned()));
    }
    if rules.len() > MAX_RULES {
        return Err(invalid(format!(
            "it declares {} rules, over the limit of {MAX_RULES}",
            rules.len()
        )));
    }
    let mut seen = HashSet::new();
    for rule in rules {
        if let Some(what) = over_limit(rule) {
            return Err(invalid(format!(
                "rule `{}` has {what}",
                if is_rule_id(&rule.id) {
                    rule.id.as_str()
                } else {
                    "?"
                }
            )));
        }
        if !is_rule_id(&rule.id) {
            return Err(invalid(format!(
                "`{}` is not a kebab-case rule id",
                rule.id.escape_debug()
            )));
        }
        if !seen.insert(rule.id.as_str()) {
            return Err(invalid(format!("rule id `{}` is declared twice", rule.id)));
        }
        if rule.kinds.is_empty() {
            return Err(invalid(format!(
                "rule `{}` applies to no input kind",
                rule.id
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_rule_id;

    #[test]
    fn accepts_only_kebab_case_ids() {
        for id in ["docker-user-root", "pss-1", "a"] {
            assert!(is_rule_id(id), "{id}");
        }
        for id in ["", "Docker", "a--b", "-a", "a-", "a_b", "a b"] {
            assert!(!is_rule_id(id), "{id}");
        }
    }
}
