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

/// `bulwark:rules@0.2.0`, frozen (`wit/v0.2.0`).
pub(crate) mod v2 {
    wasmtime::component::bindgen!({
        path: "../../wit/v0.2.0",
        world: "rule-module",
    });
    pub(crate) use self::bulwark::rules::types as wit;
}

use std::cell::OnceCell;

use bulwark_core::{Document, InputKind, RuleMeta, Severity};
use wasmtime::Store;
use wasmtime::component::{InstancePre, ResourceAny};

use crate::state::State;

pub(crate) use self::bulwark::rules::types as wit;

/// A module instantiated, whichever contract version it was built against.
pub(crate) enum Guest {
    /// `bulwark:rules@0.1.0`.
    V1(v1::RuleModule),
    /// `bulwark:rules@0.2.0`.
    V2(v2::RuleModule),
    /// The current version.
    V3(RuleModule),
}

/// A module ready to instantiate, whichever contract version.
#[derive(Clone)]
pub(crate) enum Pre {
    /// `bulwark:rules@0.1.0`.
    V1(v1::RuleModulePre<State>),
    /// `bulwark:rules@0.2.0`.
    V2(v2::RuleModulePre<State>),
    /// The current version.
    V3(RuleModulePre<State>),
}

impl Pre {
    /// Binds `pre` to the current contract, else to an earlier one; the
    /// error is the current contract's when none fits.
    pub(crate) fn new(pre: InstancePre<State>) -> wasmtime::Result<Pre> {
        match RuleModulePre::new(pre.clone()) {
            Ok(v3) => Ok(Pre::V3(v3)),
            Err(e) => v2::RuleModulePre::new(pre.clone())
                .map(Pre::V2)
                .or_else(|_| v1::RuleModulePre::new(pre).map(Pre::V1))
                .map_err(|_| e),
        }
    }

    pub(crate) fn instantiate(&self, store: &mut Store<State>) -> wasmtime::Result<Guest> {
        match self {
            Pre::V1(p) => p.instantiate(store).map(Guest::V1),
            Pre::V2(p) => p.instantiate(store).map(Guest::V2),
            Pre::V3(p) => p.instantiate(store).map(Guest::V3),
        }
    }

    /// The contract version the module was built against.
    pub(crate) fn contract(&self) -> Contract {
        match self {
            Pre::V1(_) => Contract::V1,
            Pre::V2(_) => Contract::V2,
            Pre::V3(_) => Contract::V3,
        }
    }
}

/// A version of the `bulwark:rules` contract bulwark runs modules of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contract {
    /// `bulwark:rules@0.1.0`.
    V1,
    /// `bulwark:rules@0.2.0`.
    V2,
    /// The current version.
    V3,
}

impl Contract {
    /// Every version, the current first.
    pub(crate) const ALL: [Contract; 3] = [Contract::V3, Contract::V2, Contract::V1];

    /// The version's number.
    pub(crate) fn version(self) -> &'static str {
        match self {
            Contract::V1 => "0.1.0",
            Contract::V2 => "0.2.0",
            Contract::V3 => bulwark_core::WIT_PACKAGE_VERSION,
        }
    }
}

/// YAML documents from sources this large or larger go to current modules
/// as JSON text: the tree, four numbers a value, is two to six times the
/// text's size, and the host holds it while the module holds its copy, so
/// for a large document the smaller form is worth the module's parse.
/// Dockerfiles always go as trees: the SDK reads a Dockerfile in place from
/// its tree, so text would be parsed into one beside it (a 10 MB Dockerfile
/// is 148 MB of JSON text and 207 MB of tree, and a module has 256 MiB).
const TREE_BELOW: usize = 1024 * 1024;

/// One document in the form each contract version receives, each made on
/// first use and shared by every module of that version: modules built
/// against 0.1.0 and 0.2.0 get JSON text, current ones a flat tree, or
/// JSON text for YAML documents from sources of [`TREE_BELOW`] or more and
/// for a document too large for the tree's 32-bit offsets.
pub(crate) struct Handover<'a> {
    doc: &'a Document,
    v1: OnceCell<Option<v1::wit::Document>>,
    v2: OnceCell<v2::wit::Document>,
    v3: OnceCell<wit::Document>,
}

impl<'a> Handover<'a> {
    pub(crate) fn new(doc: &'a Document) -> Handover<'a> {
        Handover {
            doc,
            v1: OnceCell::new(),
            v2: OnceCell::new(),
            v3: OnceCell::new(),
        }
    }

    fn path(&self) -> String {
        self.doc.source.name().to_owned()
    }

    /// The JSON text, written once whichever version asks first.
    fn json(&self) -> String {
        if let Some(wit::Document {
            content: wit::Content::Json(json),
            ..
        }) = self.v3.get()
        {
            return json.clone();
        }
        if let Some(v2) = self.v2.get() {
            return v2.json.clone();
        }
        if let Some(Some(v1)) = self.v1.get() {
            return v1.json.clone();
        }
        self.doc.to_json()
    }

    fn v1(&self) -> Option<&v1::wit::Document> {
        self.v1
            .get_or_init(|| {
                Some(v1::wit::Document {
                    kind: v1_kind(self.doc.kind.into())?,
                    path: self.path(),
                    json: self.json(),
                })
            })
            .as_ref()
    }

    fn v2(&self) -> &v2::wit::Document {
        self.v2.get_or_init(|| v2::wit::Document {
            kind: v2_kind(self.doc.kind.into()),
            path: self.path(),
            json: self.json(),
        })
    }

    fn v3(&self) -> &wit::Document {
        self.v3.get_or_init(|| {
            let tree = match self.doc.kind {
                InputKind::Dockerfile => self.doc.root.to_tree(),
                _ if self.doc.source.text().len() >= TREE_BELOW => None,
                _ => self.doc.root.to_tree(),
            };
            wit::Document {
                kind: self.doc.kind.into(),
                path: self.path(),
                content: match tree {
                    Some(t) => wit::Content::Tree(wit::Tree {
                        nodes: t.nodes,
                        strings: t.strings,
                    }),
                    None => wit::Content::Json(self.json()),
                },
            }
        })
    }

    /// The size in bytes of what a module built against `contract` is
    /// handed, which its deadlines scale with (making that form if not made
    /// yet).
    pub(crate) fn size(&self, contract: Contract) -> usize {
        match contract {
            Contract::V1 => self.v1().map_or(0, |d| d.json.len()),
            Contract::V2 => self.v2().json.len(),
            Contract::V3 => match &self.v3().content {
                wit::Content::Json(json) => json.len(),
                wit::Content::Tree(t) => t.nodes.len() * 4 + t.strings.len(),
            },
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
            Guest::V3(g) => g
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
        doc: &Handover<'_>,
        opts: &wit::Options,
    ) -> wasmtime::Result<ResourceAny> {
        match self {
            Guest::V1(g) => {
                let doc = doc.v1().ok_or_else(|| {
                    wasmtime::Error::msg("a bulwark:rules@0.1.0 module cannot read this kind")
                })?;
                g.bulwark_rules_rules().prepared().call_constructor(
                    store,
                    doc,
                    &v1::wit::Options {
                        settings: opts.settings.clone(),
                    },
                )
            }
            Guest::V2(g) => g.bulwark_rules_rules().prepared().call_constructor(
                store,
                doc.v2(),
                &v2::wit::Options {
                    settings: opts.settings.clone(),
                },
            ),
            Guest::V3(g) => {
                g.bulwark_rules_rules()
                    .prepared()
                    .call_constructor(store, doc.v3(), opts)
            }
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
                .call_evaluate(store, handle, id)
                .map(from_v2),
            Guest::V3(g) => g
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
                .call_evaluate_all(store, handle, ids)
                .map(|all| all.into_iter().map(from_v2).collect()),
            Guest::V3(g) => g
                .bulwark_rules_rules()
                .prepared()
                .call_evaluate_all(store, handle, ids),
        }
    }
}

/// What a module of an earlier version returns, as the current version's
/// types: the generated types differ by version, their shapes do not.
macro_rules! earlier {
    ($v:ident, $from:ident, reads: |$m:ident| $reads:expr) => {
        fn $from(r: Result<Vec<$v::wit::Finding>, $v::wit::RuleError>) -> Evaluated {
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
                Err($v::wit::RuleError::InvalidDocument(m)) => {
                    Err(wit::RuleError::InvalidDocument(m))
                }
                Err($v::wit::RuleError::Internal(m)) => Err(wit::RuleError::Internal(m)),
            }
        }

        impl From<$v::wit::Severity> for Severity {
            fn from(s: $v::wit::Severity) -> Severity {
                match s {
                    $v::wit::Severity::Info => Severity::Info,
                    $v::wit::Severity::Low => Severity::Low,
                    $v::wit::Severity::Medium => Severity::Medium,
                    $v::wit::Severity::High => Severity::High,
                    $v::wit::Severity::Critical => Severity::Critical,
                }
            }
        }

        impl From<$v::wit::RuleMeta> for RuleMeta {
            fn from($m: $v::wit::RuleMeta) -> RuleMeta {
                RuleMeta {
                    kinds: $m.kinds.iter().map(|&k| InputKind::from(k)).collect(),
                    reads: $reads,
                    id: $m.id,
                    title: $m.title,
                    severity: $m.severity.into(),
                    controls: $m.controls,
                    remediation: $m.remediation,
                    explanation: $m.explanation,
                }
            }
        }
    };
}

earlier!(v1, from_v1, reads: |m| Vec::new());
earlier!(v2, from_v2, reads: |m| m.reads);

impl From<v1::wit::InputKind> for InputKind {
    fn from(k: v1::wit::InputKind) -> InputKind {
        match k {
            v1::wit::InputKind::Dockerfile => InputKind::Dockerfile,
            v1::wit::InputKind::Compose => InputKind::Compose,
            v1::wit::InputKind::Kubernetes => InputKind::Kubernetes,
            v1::wit::InputKind::HelmValues => InputKind::HelmValues,
        }
    }
}

impl From<v2::wit::InputKind> for InputKind {
    fn from(k: v2::wit::InputKind) -> InputKind {
        match k {
            v2::wit::InputKind::Dockerfile => InputKind::Dockerfile,
            v2::wit::InputKind::Compose => InputKind::Compose,
            v2::wit::InputKind::Kubernetes => InputKind::Kubernetes,
            v2::wit::InputKind::HelmValues => InputKind::HelmValues,
            v2::wit::InputKind::Image => InputKind::Image,
        }
    }
}

fn v2_kind(k: wit::InputKind) -> v2::wit::InputKind {
    match k {
        wit::InputKind::Dockerfile => v2::wit::InputKind::Dockerfile,
        wit::InputKind::Compose => v2::wit::InputKind::Compose,
        wit::InputKind::Kubernetes => v2::wit::InputKind::Kubernetes,
        wit::InputKind::HelmValues => v2::wit::InputKind::HelmValues,
        wit::InputKind::Image => v2::wit::InputKind::Image,
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
