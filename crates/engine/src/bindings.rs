//! Host bindings of the `bulwark:rules` WIT package, every version the host
//! runs, and conversions between generated and `bulwark_core` types.
//! Generated types stop here: the rest of the engine speaks the current
//! version's types ([`wit`]) and [`Guest`], whichever version a module was
//! built against.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "rule-module",
});

/// `bulwark:rules@0.1.0`, frozen (`wit/v0.1.0`).
pub(crate) mod v1 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.1.0",
        world: "rule-module",
    });
    pub(crate) use self::bulwark::rules::types as wit;
}

use bulwark_core::{InputKind, RuleMeta, Severity};
use wasmtime::Store;
use wasmtime::component::{InstancePre, ResourceAny};

use crate::state::State;

pub(crate) use self::bulwark::rules::types as wit;

/// A module instantiated, whichever contract version it was built against.
pub(crate) enum Guest {
    /// `bulwark:rules@0.1.0`.
    V1(v1::RuleModule),
    /// The current version.
    V2(RuleModule),
}

/// A module ready to instantiate, whichever contract version.
#[derive(Clone)]
pub(crate) enum Pre {
    /// `bulwark:rules@0.1.0`.
    V1(v1::RuleModulePre<State>),
    /// The current version.
    V2(RuleModulePre<State>),
}

impl Pre {
    /// Binds `pre` to the current contract, else to 0.1.0; the error is the
    /// current contract's when neither fits.
    pub(crate) fn new(pre: InstancePre<State>) -> wasmtime::Result<Pre> {
        match RuleModulePre::new(pre.clone()) {
            Ok(v2) => Ok(Pre::V2(v2)),
            Err(e) => v1::RuleModulePre::new(pre).map(Pre::V1).map_err(|_| e),
        }
    }

    pub(crate) fn instantiate(&self, store: &mut Store<State>) -> wasmtime::Result<Guest> {
        match self {
            Pre::V1(p) => p.instantiate(store).map(Guest::V1),
            Pre::V2(p) => p.instantiate(store).map(Guest::V2),
        }
    }

    /// The contract version the module was built against.
    pub(crate) fn version(&self) -> &'static str {
        match self {
            Pre::V1(_) => "0.1.0",
            Pre::V2(_) => "0.2.0",
        }
    }
}

type Evaluated = Result<Vec<wit::Finding>, wit::RuleError>;

impl Guest {
    pub(crate) fn rules(&self, store: &mut Store<State>) -> wasmtime::Result<Vec<RuleMeta>> {
        Ok(match self {
            Guest::V1(g) => g
                .bulwark_rules_rules()
                .call_rules(store)?
                .into_iter()
                .map(Into::into)
                .collect(),
            Guest::V2(g) => g
                .bulwark_rules_rules()
                .call_rules(store)?
                .into_iter()
                .map(Into::into)
                .collect(),
        })
    }

    /// Prepares `doc`. A 0.1.0 module is never handed a kind it cannot
    /// name (its rules declare none).
    pub(crate) fn prepare(
        &self,
        store: &mut Store<State>,
        doc: &wit::Document,
        opts: &wit::Options,
    ) -> wasmtime::Result<ResourceAny> {
        match self {
            Guest::V1(g) => {
                let kind = v1_kind(doc.kind).ok_or_else(|| {
                    wasmtime::Error::msg("a bulwark:rules@0.1.0 module cannot read this kind")
                })?;
                g.bulwark_rules_rules().prepared().call_constructor(
                    store,
                    &v1::wit::Document {
                        kind,
                        path: doc.path.clone(),
                        json: doc.json.clone(),
                    },
                    &v1::wit::Options {
                        settings: opts.settings.clone(),
                    },
                )
            }
            Guest::V2(g) => g
                .bulwark_rules_rules()
                .prepared()
                .call_constructor(store, doc, opts),
        }
    }

    pub(crate) fn evaluate(
        &self,
        store: &mut Store<State>,
        handle: ResourceAny,
        id: &str,
    ) -> wasmtime::Result<Evaluated> {
        match self {
            Guest::V1(g) => g
                .bulwark_rules_rules()
                .prepared()
                .call_evaluate(store, handle, id)
                .map(from_v1),
            Guest::V2(g) => g
                .bulwark_rules_rules()
                .prepared()
                .call_evaluate(store, handle, id),
        }
    }

    pub(crate) fn evaluate_all(
        &self,
        store: &mut Store<State>,
        handle: ResourceAny,
        ids: &[String],
    ) -> wasmtime::Result<Vec<Evaluated>> {
        match self {
            Guest::V1(g) => g
                .bulwark_rules_rules()
                .prepared()
                .call_evaluate_all(store, handle, ids)
                .map(|all| all.into_iter().map(from_v1).collect()),
            Guest::V2(g) => g
                .bulwark_rules_rules()
                .prepared()
                .call_evaluate_all(store, handle, ids),
        }
    }
}

fn v1_kind(k: wit::InputKind) -> Option<v1::wit::InputKind> {
    Some(match k {
        wit::InputKind::Dockerfile => v1::wit::InputKind::Dockerfile,
        wit::InputKind::Compose => v1::wit::InputKind::Compose,
        wit::InputKind::Kubernetes => v1::wit::InputKind::Kubernetes,
        wit::InputKind::HelmValues => v1::wit::InputKind::HelmValues,
        wit::InputKind::Image => return None,
    })
}

fn from_v1(r: Result<Vec<v1::wit::Finding>, v1::wit::RuleError>) -> Evaluated {
    match r {
        Ok(findings) => Ok(findings
            .into_iter()
            .map(|f| wit::Finding {
                rule_id: f.rule_id,
                message: f.message,
                pointer: f.pointer,
                detail: f.detail,
                redact: f.redact,
            })
            .collect()),
        Err(v1::wit::RuleError::InvalidDocument(m)) => Err(wit::RuleError::InvalidDocument(m)),
        Err(v1::wit::RuleError::Internal(m)) => Err(wit::RuleError::Internal(m)),
    }
}

impl From<v1::wit::RuleMeta> for RuleMeta {
    fn from(m: v1::wit::RuleMeta) -> RuleMeta {
        RuleMeta {
            id: m.id,
            title: m.title,
            severity: match m.severity {
                v1::wit::Severity::Info => Severity::Info,
                v1::wit::Severity::Low => Severity::Low,
                v1::wit::Severity::Medium => Severity::Medium,
                v1::wit::Severity::High => Severity::High,
                v1::wit::Severity::Critical => Severity::Critical,
            },
            kinds: m
                .kinds
                .into_iter()
                .map(|k| match k {
                    v1::wit::InputKind::Dockerfile => InputKind::Dockerfile,
                    v1::wit::InputKind::Compose => InputKind::Compose,
                    v1::wit::InputKind::Kubernetes => InputKind::Kubernetes,
                    v1::wit::InputKind::HelmValues => InputKind::HelmValues,
                })
                .collect(),
            controls: m.controls,
            remediation: m.remediation,
            explanation: m.explanation,
            reads: Vec::new(),
        }
    }
}

impl From<wit::Severity> for Severity {
    fn from(s: wit::Severity) -> Severity {
        match s {
            wit::Severity::Info => Severity::Info,
            wit::Severity::Low => Severity::Low,
            wit::Severity::Medium => Severity::Medium,
            wit::Severity::High => Severity::High,
            wit::Severity::Critical => Severity::Critical,
        }
    }
}

impl From<wit::InputKind> for InputKind {
    fn from(k: wit::InputKind) -> InputKind {
        match k {
            wit::InputKind::Dockerfile => InputKind::Dockerfile,
            wit::InputKind::Compose => InputKind::Compose,
            wit::InputKind::Kubernetes => InputKind::Kubernetes,
            wit::InputKind::HelmValues => InputKind::HelmValues,
            wit::InputKind::Image => InputKind::Image,
        }
    }
}

impl From<InputKind> for wit::InputKind {
    fn from(k: InputKind) -> wit::InputKind {
        match k {
            InputKind::Dockerfile => wit::InputKind::Dockerfile,
            InputKind::Compose => wit::InputKind::Compose,
            InputKind::Kubernetes => wit::InputKind::Kubernetes,
            InputKind::HelmValues => wit::InputKind::HelmValues,
            InputKind::Image => wit::InputKind::Image,
        }
    }
}

impl From<wit::RuleMeta> for RuleMeta {
    fn from(m: wit::RuleMeta) -> RuleMeta {
        RuleMeta {
            id: m.id,
            title: m.title,
            severity: m.severity.into(),
            kinds: m.kinds.into_iter().map(Into::into).collect(),
            controls: m.controls,
            remediation: m.remediation,
            explanation: m.explanation,
            reads: m.reads,
        }
    }
}
