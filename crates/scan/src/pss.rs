//! Which Pod Security Standards policy judges a Kubernetes object: the
//! run's level and version, or the labels of its namespace.
//!
//! A cluster pins its policy per namespace with the labels
//! `pod-security.kubernetes.io/{enforce,warn,audit}` (a level) and
//! `pod-security.kubernetes.io/{enforce,warn,audit}-version` (`latest` or
//! `v1.N`). When the scanned set holds a Namespace with such labels, the
//! objects that name it in `metadata.namespace` are judged as the cluster
//! would judge them: at the `enforce` level and version; the `warn` and
//! `audit` policies report what `enforce` lets through, at lower severity
//! (`low` and `info`). An aspect a namespace does not label takes the
//! run's setting. `--pss-level` or `--pss-version` on the command line
//! judges every object, labels or not.

use std::collections::HashMap;

use bulwark_config::{PssLevel, PssVersion};
use bulwark_core::{Document, InputKind, Node, PssJudgement, RuleMeta};

/// The newest Kubernetes policy version (`v1.37`) the built-in pack
/// implements; `latest` judges as it, and so does any later `v1.N`.
pub const NEWEST_MINOR: u32 = 37;

/// The label prefix of Pod Security admission.
const PREFIX: &str = "pod-security.kubernetes.io/";

/// A Pod Security level, `privileged` (no control) included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Unrestricted: no control applies.
    Privileged,
    /// The baseline profile.
    Baseline,
    /// The restricted profile (baseline included).
    Restricted,
}

impl Level {
    fn parse(text: &str) -> Option<Level> {
        match text {
            "privileged" => Some(Level::Privileged),
            "baseline" => Some(Level::Baseline),
            "restricted" => Some(Level::Restricted),
            _ => None,
        }
    }

    /// `privileged`, `baseline` or `restricted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }

    /// The profile a rule belongs to, from its controls (`PSS-baseline …`,
    /// `PSS-restricted …`); `None` for a rule of no profile.
    pub fn of_rule(rule: &RuleMeta) -> Option<Level> {
        if rule
            .controls
            .iter()
            .any(|c| c.starts_with("PSS-restricted"))
        {
            Some(Level::Restricted)
        } else if rule.controls.iter().any(|c| c.starts_with("PSS-baseline")) {
            Some(Level::Baseline)
        } else {
            None
        }
    }
}

impl From<PssLevel> for Level {
    fn from(level: PssLevel) -> Level {
        match level {
            PssLevel::Baseline => Level::Baseline,
            PssLevel::Restricted => Level::Restricted,
        }
    }
}

/// A level at a policy version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Policy {
    /// The level.
    pub level: Level,
    /// The policy version.
    pub version: PssVersion,
}

/// How a policy is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    /// Violations are findings at their severity.
    Enforce,
    /// Violations `enforce` lets through are reported at `low`.
    Warn,
    /// Violations neither lets through are reported at `info`.
    Audit,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::Enforce, Mode::Warn, Mode::Audit];

    fn label(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Warn => "warn",
            Mode::Audit => "audit",
        }
    }
}

/// One policy an object is judged under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judge {
    /// How.
    pub mode: Mode,
    /// At what.
    pub policy: Policy,
    /// The namespace whose labels asked for it.
    pub namespace: Option<String>,
}

impl Judge {
    /// What a finding judged by this policy records.
    pub fn judgement(&self) -> PssJudgement {
        PssJudgement {
            level: self.policy.level.as_str().to_owned(),
            version: self.policy.version.to_string(),
            mode: self.mode.label().to_owned(),
            namespace: self.namespace.clone(),
        }
    }

    /// Returns true if and only if a finding of a rule of profile `rule`
    /// is a violation of this policy.
    pub fn covers(&self, rule: Level) -> bool {
        rule != Level::Privileged && rule <= self.policy.level
    }
}

/// The labels of one namespace: per mode, a level and a version, each
/// when labelled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Labels {
    level: [Option<Level>; 3],
    version: [Option<PssVersion>; 3],
}

impl Labels {
    fn is_empty(&self) -> bool {
        self.level.iter().all(Option::is_none) && self.version.iter().all(Option::is_none)
    }
}

/// The labelled namespaces of a scanned set.
#[derive(Debug, Clone, Default)]
pub struct Namespaces {
    labels: HashMap<String, Labels>,
}

/// Returns true if and only if `text` may hold a Namespace with Pod
/// Security labels: the files worth parsing ahead of the run.
pub fn may_label(text: &[u8]) -> bool {
    memchr::memmem::find(text, PREFIX.as_bytes()).is_some()
}

/// Returns true if and only if `doc` is a `v1` Namespace: what
/// [`Namespaces::add`] reads.
pub(crate) fn is_namespace(doc: &Document) -> bool {
    doc.kind == InputKind::Kubernetes
        && doc.root.get("kind").and_then(Node::as_str) == Some("Namespace")
        && doc.root.get("apiVersion").and_then(Node::as_str) == Some("v1")
}

impl Namespaces {
    /// The labels, the same text in every process (sorted by namespace).
    pub(crate) fn describe(&self) -> String {
        let sorted: std::collections::BTreeMap<&String, &Labels> = self.labels.iter().collect();
        format!("{sorted:?}")
    }

    /// Adds the Namespaces among `documents` (of file `file`), and says in
    /// `notices` what it cannot use: a label value that is no level or
    /// version, a namespace labelled twice differently.
    pub fn add(&mut self, file: &str, documents: &[Document], notices: &mut Vec<String>) {
        for doc in documents {
            if !is_namespace(doc) {
                continue;
            }
            let Some(metadata) = doc.root.get("metadata") else {
                continue;
            };
            let Some(name) = metadata.get("name").and_then(Node::as_str) else {
                continue;
            };
            let labels = read_labels(file, name, metadata.get("labels"), notices);
            if labels.is_empty() {
                continue;
            }
            match self.labels.get(name) {
                Some(known) if *known != labels => notices.push(format!(
                    "namespace `{name}` is declared again in {file} with other Pod Security labels; the first declaration applies"
                )),
                Some(_) => {}
                None => {
                    self.labels.insert(name.to_owned(), labels);
                }
            }
        }
    }

    /// Returns true if and only if no namespace is labelled.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The policies `doc` is judged under, `enforce` first, given the
    /// run's `default` policy.
    pub fn judges(&self, doc: &Document, default: Policy) -> Vec<Judge> {
        let labelled = doc
            .root
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str)
            .and_then(|ns| Some((ns, self.labels.get(ns)?)));
        let Some((ns, labels)) = labelled else {
            return vec![Judge {
                mode: Mode::Enforce,
                policy: default,
                namespace: None,
            }];
        };
        let mut judges: Vec<Judge> = Vec::new();
        for (i, mode) in Mode::ALL.into_iter().enumerate() {
            if mode != Mode::Enforce && labels.level[i].is_none() && labels.version[i].is_none() {
                continue;
            }
            let policy = Policy {
                level: labels.level[i].unwrap_or(default.level),
                version: labels.version[i].unwrap_or(default.version),
            };
            // A policy an earlier one already covers adds nothing.
            if judges.iter().any(|j| j.policy == policy) {
                continue;
            }
            judges.push(Judge {
                mode,
                policy,
                namespace: Some(ns.to_owned()),
            });
        }
        judges
    }
}

/// The Pod Security labels of namespace `name`.
fn read_labels(file: &str, name: &str, labels: Option<&Node>, notices: &mut Vec<String>) -> Labels {
    let mut out = Labels::default();
    let Some(bulwark_core::Value::Object(entries)) = labels.map(|l| &l.value) else {
        return out;
    };
    for (key, value) in entries {
        let Some(rest) = key.strip_prefix(PREFIX) else {
            continue;
        };
        let (mode, is_version) = match rest.strip_suffix("-version") {
            Some(mode) => (mode, true),
            None => (rest, false),
        };
        let Some(i) = Mode::ALL.iter().position(|m| m.label() == mode) else {
            continue;
        };
        let text = value.as_str().unwrap_or_default();
        let bad = |what: &str| {
            format!(
                "namespace `{name}` in {file}: label `{key}` is not {what}; the run's setting applies"
            )
        };
        if is_version {
            match PssVersion::parse(text) {
                Ok(v) => out.version[i] = Some(v),
                Err(_) => notices.push(bad("`latest` or `v1.N`")),
            }
        } else {
            match Level::parse(text) {
                Some(l) => out.level[i] = Some(l),
                None => notices.push(bad("`privileged`, `baseline` or `restricted`")),
            }
        }
    }
    out
}

/// The settings a module receives for a document judged at `level` and
/// `version`.
pub fn settings(level: Level, version: PssVersion, setuid_allowed: &[String]) -> String {
    let mut settings = serde_json::json!({
        "pss_level": level.as_str(),
        "pss_version": version.to_string(),
    });
    if !setuid_allowed.is_empty() {
        settings["setuid_allowed"] = serde_json::json!(setuid_allowed);
    }
    settings.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<Document> {
        match bulwark_inputs::load_bytes("k.yaml", None, text.as_bytes().to_vec()) {
            Ok(bulwark_inputs::Loaded::Documents { documents, .. }) => documents,
            other => panic!("not documents: {other:?}"),
        }
    }

    const DEFAULT: Policy = Policy {
        level: Level::Restricted,
        version: PssVersion::Latest,
    };

    #[test]
    fn labels_choose_level_version_and_modes() {
        let mut ns = Namespaces::default();
        let mut notices = Vec::new();
        ns.add(
            "ns.yaml",
            &docs(
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n    pod-security.kubernetes.io/enforce-version: v1.24\n    pod-security.kubernetes.io/warn: restricted\n    pod-security.kubernetes.io/audit: restricted\n    pod-security.kubernetes.io/audit-version: soon\n",
            ),
            &mut notices,
        );
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].contains("audit-version"), "{notices:?}");
        let pod = docs(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: legacy\nspec: {}\n",
        );
        let judges = ns.judges(&pod[0], DEFAULT);
        assert_eq!(
            judges
                .iter()
                .map(|j| (j.mode, j.policy.level, j.policy.version))
                .collect::<Vec<_>>(),
            vec![
                (Mode::Enforce, Level::Baseline, PssVersion::Minor(24)),
                (Mode::Warn, Level::Restricted, PssVersion::Latest),
            ],
            "audit restates warn and adds nothing"
        );
        assert_eq!(judges[0].namespace.as_deref(), Some("legacy"));
        let elsewhere = docs("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec: {}\n");
        assert_eq!(
            ns.judges(&elsewhere[0], DEFAULT),
            vec![Judge {
                mode: Mode::Enforce,
                policy: DEFAULT,
                namespace: None
            }]
        );
    }

    #[test]
    fn a_second_declaration_does_not_override_the_first() {
        let mut ns = Namespaces::default();
        let mut notices = Vec::new();
        let a = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n";
        ns.add("one.yaml", &docs(a), &mut notices);
        ns.add(
            "two.yaml",
            &docs(&a.replace("privileged", "restricted")),
            &mut notices,
        );
        ns.add("three.yaml", &docs(a), &mut notices);
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].contains("two.yaml"));
        let pod = docs("apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: a\nspec: {}\n");
        let judges = ns.judges(&pod[0], DEFAULT);
        assert_eq!(judges[0].policy.level, Level::Privileged);
        assert!(!judges[0].covers(Level::Baseline));
        assert!(
            Judge {
                policy: DEFAULT,
                ..judges[0].clone()
            }
            .covers(Level::Baseline)
        );
    }
}
