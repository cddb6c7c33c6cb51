//! Write bulwark rule modules in Rust.
//!
//! A rule module is a WebAssembly component exporting the `bulwark:rules`
//! WIT interface. This crate holds the one set of guest bindings for that
//! interface and everything a rule needs around it:
//!
//! - [`Rule`]: a rule's metadata stated next to its check function;
//! - [`Pack`] and [`export_pack!`]: a set of rules exported as a component;
//! - typed views of each input document ([`dockerfile::Dockerfile`],
//!   [`compose::Compose`], [`kubernetes::Object`] with its pod spec resolved
//!   whatever the workload kind, Helm values as [`json::Json`]) that know
//!   their own JSON pointers;
//! - [`Findings`]: the collector a check reports into, with redaction of
//!   secret values;
//! - [`secrets`], [`packages`]: shared detectors (literal secrets, package
//!   manager commands) so every pack judges them alike.
//!
//! ```ignore
//! use bulwark_sdk::{Check, Pack, Rule, Severity};
//!
//! struct MyPack;
//! impl Pack for MyPack {
//!     const RULES: &'static [Rule] = &[Rule {
//!         id: "acme-no-latest",
//!         title: "Base images are pinned",
//!         severity: Severity::Medium,
//!         controls: &["ACME 1.2"],
//!         remediation: "Pin a tag or digest.",
//!         explanation: "…",
//!         check: Check::Dockerfile(|df, out| {
//!             for stage in df.stages() {
//!                 if stage.from().tag() == Some("latest") {
//!                     out.report(stage.from().pointer(), "base image uses `latest`");
//!                 }
//!             }
//!         }),
//!     }];
//! }
//! bulwark_sdk::export_pack!(MyPack);
//! ```
//!
//! # Where a finding lands
//!
//! A finding carries a JSON pointer into the document; bulwark maps it to
//! the span of the value it names and reports that `file:line:column`:
//!
//! - a scalar: its own text (`/spec/containers/0/securityContext/privileged`
//!   lands on `true`, not on the line of `securityContext:`);
//! - a mapping (YAML): its first key's line, so pointing at a container
//!   lands on its `- name:` line;
//! - a Dockerfile instruction, flag, pair or shell command: that text (the
//!   views' `pointer` fields and `*_pointer()` methods give them).
//!
//! Point at the value that is wrong, so the line reported is the line to
//! change.
//!
//! # Absent keys
//!
//! A pointer must name something in the document. To report a setting that
//! is missing, point at the object that should hold it (a container's
//! `at.pointer()`, a service's `at.pointer()`). [`json::Json::pointer_to`]
//! builds the pointer of a key whether or not it is present; reporting one
//! for an absent key is refused by bulwark as a **rule failure** (exit code
//! 3, naming the module and rule), not placed somewhere near.
#![deny(missing_docs)]

// The generated bindings name this crate by its path, also from inside it.
extern crate self as bulwark_sdk;

pub mod command;
pub mod compose;
pub mod dockerfile;
mod findings;
pub mod image;
pub mod json;
pub mod kubernetes;
pub mod packages;
pub mod pointer;
/// The literal-secret detector every rule uses (the `bulwark-secrets`
/// crate, which bulwark itself also uses to mask what it prints).
pub use bulwark_secrets as secrets;

/// The guest bindings of the `bulwark:rules` WIT package.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        // A copy of the repository's `wit/`, so the crate stands alone when
        // published (the test suite checks the two are identical).
        path: "wit",
        world: "rule-module",
        pub_export_macro: true,
        export_macro_name: "export_bindings",
        default_bindings_module: "bulwark_sdk::bindings",
        runtime_path: "bulwark_sdk::__private::wit_bindgen::rt",
    });
}

#[doc(hidden)]
pub mod __private {
    pub use wit_bindgen;

    pub use crate::export::{Exported, Prepared};
}

mod export;

pub use crate::findings::{Finding, Findings};
pub use serde_json::Value;

use bindings::bulwark::rules::types as wit;

/// Finding severities, least to most severe.
pub use wit::Severity;

/// The kinds of input document.
pub use wit::InputKind;

/// A document as the host handed it over.
#[derive(Debug)]
pub struct Document {
    /// The input kind.
    pub kind: InputKind,
    /// The source path relative to the scan root (information only).
    pub path: String,
    /// Settings from the host configuration (a JSON object).
    pub settings: Value,
    parsed: Parsed,
    /// The Kubernetes views, found on first use.
    kubernetes: std::cell::OnceCell<Option<kubernetes::Found>>,
}

/// The module's settings from their JSON text (an empty object when empty).
fn parse_settings(settings: &str) -> Result<Value, String> {
    if settings.trim().is_empty() {
        Ok(Value::Object(Default::default()))
    } else {
        serde_json::from_str(settings).map_err(|e| format!("settings are not valid JSON: {e}"))
    }
}

#[derive(Debug)]
enum Parsed {
    Dockerfile(Box<dockerfile::Dockerfile>),
    Json(json::Tree),
}

impl Document {
    /// Parses a document of `kind` from its JSON text.
    ///
    /// # Errors
    ///
    /// A message when the JSON does not follow the schema for `kind`.
    pub fn parse(
        kind: InputKind,
        path: String,
        json: &str,
        settings: &str,
    ) -> Result<Document, String> {
        let settings = parse_settings(settings)?;
        let parsed = match kind {
            InputKind::Dockerfile => Parsed::Dockerfile(Box::new(
                dockerfile::Dockerfile::from_json(json)
                    .map_err(|e| format!("dockerfile document: {e}"))?,
            )),
            _ => Parsed::Json(
                json::Tree::parse(json).map_err(|e| format!("document is not valid JSON: {e}"))?,
            ),
        };
        Ok(Document::assemble(kind, path, settings, parsed))
    }

    /// A document of `kind` from the flat tree the host wrote (`tree` in
    /// `wit/rules.wit`: `nodes`, four numbers a value, and `strings`),
    /// checked, then read as it is.
    ///
    /// # Errors
    ///
    /// A message when the tree is malformed or does not follow the schema
    /// for `kind`.
    pub fn from_tree(
        kind: InputKind,
        path: String,
        nodes: Vec<u32>,
        strings: String,
        settings: &str,
    ) -> Result<Document, String> {
        let settings = parse_settings(settings)?;
        let tree = json::Tree::from_parts(nodes, strings)
            .map_err(|e| format!("document is not a valid tree: {e}"))?;
        let parsed = match kind {
            InputKind::Dockerfile => Parsed::Dockerfile(Box::new(
                dockerfile::Dockerfile::from_tree(tree)
                    .map_err(|e| format!("dockerfile document: {e}"))?,
            )),
            _ => Parsed::Json(tree),
        };
        Ok(Document::assemble(kind, path, settings, parsed))
    }

    fn assemble(kind: InputKind, path: String, settings: Value, parsed: Parsed) -> Document {
        Document {
            kind,
            path,
            settings,
            parsed,
            kubernetes: std::cell::OnceCell::new(),
        }
    }

    /// The Dockerfile view, for `dockerfile` documents.
    pub fn dockerfile(&self) -> Option<&dockerfile::Dockerfile> {
        match &self.parsed {
            Parsed::Dockerfile(d) => Some(d),
            Parsed::Json(_) => None,
        }
    }

    /// The parsed document, for YAML kinds.
    pub fn tree(&self) -> Option<&json::Tree> {
        match &self.parsed {
            Parsed::Json(tree) => Some(tree),
            Parsed::Dockerfile(_) => None,
        }
    }

    /// The document root with pointers, for YAML kinds.
    pub fn root(&self) -> Option<json::Json<'_>> {
        self.tree().map(json::Json::root)
    }

    /// The Compose view, for `compose` documents.
    pub fn compose(&self) -> Option<compose::Compose<'_>> {
        (self.kind == InputKind::Compose)
            .then(|| self.root())
            .flatten()
            .map(|root| compose::Compose { root })
    }

    /// The image view, for `image` documents.
    pub fn image(&self) -> Option<image::Image<'_>> {
        (self.kind == InputKind::Image)
            .then(|| self.root())
            .flatten()
            .map(|root| image::Image {
                root,
                settings: &self.settings,
            })
    }

    /// The Kubernetes view, for `kubernetes` documents.
    ///
    /// Its pod and containers are found once for the document, whichever
    /// rule asks first; every other rule reads them from there.
    pub fn kubernetes(&self) -> Option<kubernetes::Object<'_>> {
        if self.kind != InputKind::Kubernetes {
            return None;
        }
        let root = self.root()?;
        self.kubernetes
            .get_or_init(|| kubernetes::Found::new(root, &self.settings))
            .as_ref()
            .map(|found| found.object(root))
    }
}

/// How a rule inspects a document. The variant says which kinds of
/// document the rule applies to: a rule's kinds are derived from its check
/// ([`Check::kinds`]), so the two cannot disagree.
#[derive(Clone, Copy)]
pub enum Check {
    /// Called for `dockerfile` documents with the typed view.
    Dockerfile(fn(&dockerfile::Dockerfile, &mut Findings)),
    /// Called for `compose` documents.
    Compose(fn(&compose::Compose<'_>, &mut Findings)),
    /// Called for `kubernetes` documents.
    Kubernetes(fn(&kubernetes::Object<'_>, &mut Findings)),
    /// Called for `helm-values` documents, with their root.
    HelmValues(fn(&json::Json<'_>, &mut Findings)),
    /// Called for `image` documents (a built image, one platform), with
    /// the files whose content the rule reads: absolute paths in the image
    /// or `*` / `**/` patterns (`/etc/passwd`, `**/.aws/credentials`).
    Image {
        /// The files whose content the check reads.
        reads: &'static [&'static str],
        /// The check.
        check: fn(&image::Image<'_>, &mut Findings),
    },
    /// Called for every file document (Dockerfile, Compose, Kubernetes,
    /// Helm values), of any kind, whole.
    Any(fn(&Document, &mut Findings)),
    /// Each of these checks, for the documents it takes.
    Each(&'static [Check]),
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Check::Dockerfile(_) => "Check::Dockerfile",
            Check::Compose(_) => "Check::Compose",
            Check::Kubernetes(_) => "Check::Kubernetes",
            Check::HelmValues(_) => "Check::HelmValues",
            Check::Image { .. } => "Check::Image",
            Check::Any(_) => "Check::Any",
            Check::Each(_) => "Check::Each",
        })
    }
}

impl Check {
    /// The kinds of document this check takes, in [`InputKind`] order.
    pub fn kinds(&self) -> Vec<InputKind> {
        let mut kinds = match self {
            Check::Dockerfile(_) => vec![InputKind::Dockerfile],
            Check::Compose(_) => vec![InputKind::Compose],
            Check::Kubernetes(_) => vec![InputKind::Kubernetes],
            Check::HelmValues(_) => vec![InputKind::HelmValues],
            Check::Image { .. } => vec![InputKind::Image],
            Check::Any(_) => vec![
                InputKind::Dockerfile,
                InputKind::Compose,
                InputKind::Kubernetes,
                InputKind::HelmValues,
            ],
            Check::Each(checks) => checks.iter().flat_map(Check::kinds).collect(),
        };
        let order = |k: &InputKind| match k {
            InputKind::Dockerfile => 0,
            InputKind::Compose => 1,
            InputKind::Kubernetes => 2,
            InputKind::HelmValues => 3,
            InputKind::Image => 4,
        };
        kinds.sort_by_key(order);
        kinds.dedup();
        kinds
    }

    /// Whether this check takes documents of `kind` (no allocation: it is
    /// asked for every rule on every document).
    pub fn applies_to(&self, kind: InputKind) -> bool {
        match self {
            Check::Dockerfile(_) => kind == InputKind::Dockerfile,
            Check::Compose(_) => kind == InputKind::Compose,
            Check::Kubernetes(_) => kind == InputKind::Kubernetes,
            Check::HelmValues(_) => kind == InputKind::HelmValues,
            Check::Image { .. } => kind == InputKind::Image,
            Check::Any(_) => kind != InputKind::Image,
            Check::Each(checks) => checks.iter().any(|c| c.applies_to(kind)),
        }
    }

    fn run(&self, doc: &Document, out: &mut Findings) {
        match self {
            Check::Dockerfile(f) => {
                if let Some(df) = doc.dockerfile() {
                    f(df, out);
                }
            }
            Check::Compose(f) => {
                if let Some(c) = doc.compose() {
                    f(&c, out);
                }
            }
            Check::Kubernetes(f) => {
                if let Some(o) = doc.kubernetes() {
                    f(&o, out);
                }
            }
            Check::HelmValues(f) => {
                if doc.kind == InputKind::HelmValues
                    && let Some(root) = doc.root()
                {
                    f(&root, out);
                }
            }
            Check::Image { check, .. } => {
                if let Some(image) = doc.image() {
                    check(&image, out);
                }
            }
            Check::Any(f) => {
                if doc.kind != InputKind::Image {
                    f(doc, out);
                }
            }
            Check::Each(checks) => {
                for c in *checks {
                    c.run(doc, out);
                }
            }
        }
    }

    /// The image files whose content this check reads.
    pub fn reads(&self) -> Vec<String> {
        match self {
            Check::Image { reads, .. } => reads.iter().map(|r| (*r).to_owned()).collect(),
            Check::Each(checks) => checks.iter().flat_map(Check::reads).collect(),
            _ => Vec::new(),
        }
    }
}

/// One rule: its metadata, stated next to its check.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// One-line summary.
    pub title: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Control references (`CIS-Docker 4.1`).
    pub controls: &'static [&'static str],
    /// How to fix a finding.
    pub remediation: &'static str,
    /// The long explanation `bulwark explain` prints (CommonMark).
    pub explanation: &'static str,
    /// The check.
    pub check: Check,
}

impl Rule {
    /// The kinds of document the rule applies to: those its check takes.
    pub fn kinds(&self) -> Vec<InputKind> {
        self.check.kinds()
    }

    /// Runs the rule on `doc`, collecting findings.
    pub fn run(&self, doc: &Document) -> Findings {
        let mut out = Findings::new(self.id);
        self.check.run(doc, &mut out);
        out
    }

    /// The metadata in WIT form.
    pub fn meta(&self) -> wit::RuleMeta {
        wit::RuleMeta {
            id: self.id.to_owned(),
            title: self.title.to_owned(),
            severity: self.severity,
            kinds: self.kinds(),
            controls: self.controls.iter().map(|c| (*c).to_owned()).collect(),
            remediation: self.remediation.to_owned(),
            explanation: self.explanation.to_owned(),
            reads: self.check.reads(),
        }
    }
}

/// A set of rules exported together as one component.
pub trait Pack: 'static {
    /// The pack's rules.
    const RULES: &'static [Rule];
}

/// Exports a [`Pack`] as the component's `bulwark:rules/rules` interface.
///
/// Use it once per rule crate, at the crate root.
#[macro_export]
macro_rules! export_pack {
    ($pack:ty) => {
        const _: () = {
            type __BulwarkExported = $crate::__private::Exported<$pack>;
    $crate::bindings::export_bindings!(__BulwarkExported with_types_in $crate::bindings);
        };
    };
}

/// Runs every rule of `P` that applies to `doc` and returns the findings,
/// for native unit tests of a pack.
pub fn run_pack<P: Pack>(doc: &Document) -> Vec<(&'static str, Finding)> {
    P::RULES
        .iter()
        .filter(|r| r.check.applies_to(doc.kind))
        .flat_map(|r| r.run(doc).into_inner().into_iter().map(move |f| (r.id, f)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing_dockerfile(_: &dockerfile::Dockerfile, _: &mut Findings) {}
    fn nothing_compose(_: &compose::Compose<'_>, _: &mut Findings) {}
    fn nothing_kubernetes(_: &kubernetes::Object<'_>, _: &mut Findings) {}
    fn nothing(_: &Document, _: &mut Findings) {}

    #[test]
    fn a_checks_kinds_are_what_it_inspects_in_order_once() {
        assert_eq!(
            Check::Dockerfile(nothing_dockerfile).kinds(),
            [InputKind::Dockerfile]
        );
        let both = Check::Each(&[
            Check::Kubernetes(nothing_kubernetes),
            Check::Compose(nothing_compose),
            Check::Compose(nothing_compose),
        ]);
        assert_eq!(both.kinds(), [InputKind::Compose, InputKind::Kubernetes]);
        assert!(both.applies_to(InputKind::Compose));
        assert!(both.applies_to(InputKind::Kubernetes));
        assert!(!both.applies_to(InputKind::Dockerfile));
        assert!(!both.applies_to(InputKind::HelmValues));
        assert_eq!(Check::Any(nothing).kinds().len(), 4);
        assert!(Check::Each(&[]).kinds().is_empty());
    }

    #[test]
    fn applies_to_agrees_with_kinds() {
        let checks = [
            Check::Dockerfile(nothing_dockerfile),
            Check::Compose(nothing_compose),
            Check::Kubernetes(nothing_kubernetes),
            Check::HelmValues(|_, _| {}),
            Check::Any(nothing),
            Check::Each(&[Check::Compose(nothing_compose)]),
        ];
        let all = [
            InputKind::Dockerfile,
            InputKind::Compose,
            InputKind::Kubernetes,
            InputKind::HelmValues,
        ];
        for check in checks {
            for kind in all {
                assert_eq!(
                    check.applies_to(kind),
                    check.kinds().contains(&kind),
                    "{check:?} {kind:?}"
                );
            }
        }
    }
}
