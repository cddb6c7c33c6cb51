//! A rule pack's checks, run natively over the pack's fixtures.
//!
//! The packs are WebAssembly components in production; their checks are
//! plain Rust functions, so they also compile for the host. This crate
//! runs them there, over the same fixtures and with the same expectations
//! as `bulwark test` runs the components (`bulwark_core::expect`), on
//! documents parsed by bulwark's own parsers (`bulwark-inputs`) and with
//! JSON pointers mapped back to lines as the host maps them. A pack's
//! tests call [`check_fixtures`]; a mutation tester (`cargo mutants`) then
//! sees every change to a check that no fixture notices.
//!
//! Fixtures live in `fixtures/<rule-id>/<kind>/<case>/<file>`: a fixture is
//! about the rule its directory names, and only that rule's findings count.
#![deny(missing_docs)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bulwark_core::expect::{self, Expected, Found, Unexpected};
use bulwark_inputs::Loaded;
use bulwark_sdk::{Document, InputKind, Rule};

/// The settings the host hands every module by default.
const SETTINGS: &str = r#"{"pss_level":"restricted"}"#;

/// How one fixture went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The fixture.
    pub path: PathBuf,
    /// The rule it is about.
    pub rule: String,
    /// How many findings it expects.
    pub expected: usize,
    /// Expectations no finding met.
    pub missing: Vec<Expected>,
    /// Findings no expectation named.
    pub unexpected: Vec<Unexpected>,
    /// Why it could not be checked.
    pub errors: Vec<String>,
}

impl Outcome {
    /// Every expectation met, nothing unexpected, no error.
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.errors.is_empty()
    }
}

/// Every file under `dir`, sorted, sidecars (`*.expect`) left out.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_none_or(|e| e != "expect") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The SDK's name for a kind.
fn sdk_kind(kind: bulwark_core::InputKind) -> InputKind {
    match kind {
        bulwark_core::InputKind::Dockerfile => InputKind::Dockerfile,
        bulwark_core::InputKind::Compose => InputKind::Compose,
        bulwark_core::InputKind::Kubernetes => InputKind::Kubernetes,
        bulwark_core::InputKind::HelmValues => InputKind::HelmValues,
        bulwark_core::InputKind::Image => InputKind::Image,
    }
}

/// The Pod Security policy version each Namespace of a fixture pins
/// (`pod-security.kubernetes.io/enforce-version`), by namespace name: the
/// host judges the objects of a labelled namespace at that version, and so
/// does this harness.
fn namespace_versions(documents: &[bulwark_core::Document]) -> Vec<(String, String)> {
    documents
        .iter()
        .filter(|d| d.kind == bulwark_core::InputKind::Kubernetes)
        .filter_map(|d| {
            let v: serde_json::Value = serde_json::from_str(&d.to_json()).ok()?;
            if v.get("kind")?.as_str()? != "Namespace" {
                return None;
            }
            let meta = v.get("metadata")?;
            let version = meta
                .get("labels")?
                .get("pod-security.kubernetes.io/enforce-version")?
                .as_str()?;
            Some((meta.get("name")?.as_str()?.to_owned(), version.to_owned()))
        })
        .collect()
}

/// The settings for `doc`: the defaults, with the policy version of its
/// namespace when a Namespace of the fixture pins one.
fn settings_for(doc: &bulwark_core::Document, versions: &[(String, String)]) -> String {
    let mut settings: serde_json::Value =
        serde_json::from_str(SETTINGS).unwrap_or(serde_json::Value::Null);
    if doc.kind == bulwark_core::InputKind::Kubernetes
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&doc.to_json())
        && let Some(ns) = v
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(|n| n.as_str())
        && let Some((_, version)) = versions.iter().find(|(name, _)| name == ns)
    {
        settings["pss_version"] = serde_json::Value::String(version.clone());
    }
    settings.to_string()
}

/// Checks one fixture against `rules`.
pub fn check_fixture(rules: &[Rule], path: &Path) -> Outcome {
    let name = path.display().to_string();
    let ids: Vec<&str> = rules.iter().map(|r| r.id).collect();
    let rule = expect::rule_of_fixture(&name, &ids).unwrap_or_default();
    let mut outcome = Outcome {
        path: path.to_path_buf(),
        rule: rule.to_owned(),
        expected: 0,
        missing: Vec::new(),
        unexpected: Vec::new(),
        errors: Vec::new(),
    };
    if rule.is_empty() {
        outcome
            .errors
            .push("not under a directory named after a rule of the pack".to_owned());
        return outcome;
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            outcome.errors.push(format!("reading: {e}"));
            return outcome;
        }
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let loaded =
        bulwark_inputs::load_bytes(&name, bulwark_inputs::classify_name(&file_name), bytes);
    let (source, documents, kind) = match loaded {
        Ok(Loaded::Documents {
            source,
            documents,
            errors,
            kind,
        }) => {
            outcome.errors.extend(errors.iter().map(|e| e.to_string()));
            (source, documents, kind)
        }
        Ok(other) => {
            outcome.errors.push(format!("not scanned: {other:?}"));
            return outcome;
        }
        Err(e) => {
            outcome.errors.push(e.to_string());
            return outcome;
        }
    };
    let sidecar = {
        let mut p = path.as_os_str().to_owned();
        p.push(".expect");
        std::fs::read_to_string(PathBuf::from(p)).ok()
    };
    let mut expected = match sidecar {
        Some(text) => match expect::sidecar_expectations(&text) {
            Ok(e) => e,
            Err(e) => {
                outcome
                    .errors
                    .push(format!("sidecar line {}: {}", e.line, e.message));
                return outcome;
            }
        },
        None => expect::inline_expectations(
            source.text(),
            kind.unwrap_or(bulwark_core::InputKind::Kubernetes),
        ),
    };
    for e in &expected {
        if !ids.contains(&e.rule_id.as_str()) {
            outcome.errors.push(format!(
                "line {}: expects `{}`, which the pack does not declare",
                e.line, e.rule_id
            ));
        }
    }
    expected.retain(|e| e.rule_id == rule);
    outcome.expected = expected.len();
    let mut found = Vec::new();
    let versions = namespace_versions(&documents);
    for doc in &documents {
        let settings = settings_for(doc, &versions);
        // Both forms the host hands a document over in: JSON text, and the
        // flat tree it sends modules of the current contract for every kind
        // but Dockerfiles. Rules must not tell them apart.
        let kind = sdk_kind(doc.kind);
        let from_json = Document::parse(kind, name.clone(), &doc.to_json(), &settings);
        let from_tree = match doc.root.to_tree() {
            Some(t) => Document::from_tree(kind, name.clone(), t.nodes, t.strings, &settings),
            None => Err("the document does not fit a tree".to_owned()),
        };
        let (from_json, from_tree) = match (from_json, from_tree) {
            (Ok(json), Ok(tree)) => (json, tree),
            (Err(e), _) | (_, Err(e)) => {
                outcome
                    .errors
                    .push(format!("the SDK refused a document: {e}"));
                continue;
            }
        };
        let parsed = if doc.kind == bulwark_core::InputKind::Dockerfile {
            &from_json
        } else {
            &from_tree
        };
        for r in rules
            .iter()
            .filter(|r| r.id == rule && r.check.applies_to(parsed.kind))
        {
            let findings = r.run(parsed).into_inner();
            if findings != r.run(&from_json).into_inner()
                || findings != r.run(&from_tree).into_inner()
            {
                outcome.errors.push(format!(
                    "{}: the document read from JSON text and from a tree gave different findings",
                    r.id
                ));
            }
            for f in findings {
                match doc.span_of(&f.pointer) {
                    Some(span) => {
                        let at = doc.source.location(span);
                        found.push(Found {
                            line: at.line,
                            column: at.column,
                            rule_id: r.id.to_owned(),
                            message: f.message,
                        });
                    }
                    // The host makes this a rule failure.
                    None => outcome
                        .errors
                        .push(format!("{}: pointer `{}` names nothing", r.id, f.pointer)),
                }
            }
        }
    }
    // The host reports a finding once, however often a rule repeats it.
    found.sort_by(|a, b| {
        (a.line, a.column, &a.rule_id, &a.message).cmp(&(b.line, b.column, &b.rule_id, &b.message))
    });
    found.dedup();
    (outcome.missing, outcome.unexpected) = expect::compare(&expected, found);
    outcome
}

/// Checks every fixture under `dir` against `rules`, and that every rule
/// has a failing and a passing fixture for each kind it applies to.
///
/// # Panics
///
/// With a report of every fixture that failed and every rule without
/// fixtures, so that a test calling it fails with all of them.
pub fn check_fixtures(rules: &[Rule], dir: &Path) {
    let mut report = String::new();
    let fixtures = files(dir);
    let outcomes: Vec<Outcome> = fixtures.iter().map(|p| check_fixture(rules, p)).collect();
    for o in outcomes.iter().filter(|o| !o.ok()) {
        let _ = writeln!(report, "FAIL {}", o.path.display());
        for m in &o.missing {
            let at = m.column.map(|c| format!(":{c}")).unwrap_or_default();
            let _ = writeln!(
                report,
                "  {}{at}: expected {}, found none",
                m.line, m.rule_id
            );
        }
        for u in &o.unexpected {
            let _ = writeln!(
                report,
                "  {}:{}: unexpected {}: {}",
                u.line, u.column, u.rule_id, u.message
            );
        }
        for e in &o.errors {
            let _ = writeln!(report, "  {e}");
        }
    }
    for o in &outcomes {
        let case = o
            .path
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if case.starts_with("fail") != (o.expected > 0) {
            let _ = writeln!(
                report,
                "{}: a `{case}` case expects {} finding(s)",
                o.path.display(),
                o.expected
            );
        }
    }
    for rule in rules {
        for kind in rule.kinds() {
            let kind_dir = match kind {
                InputKind::Dockerfile => "dockerfile",
                InputKind::Compose => "compose",
                InputKind::Kubernetes => "kubernetes",
                InputKind::HelmValues => "helm-values",
                InputKind::Image => "image",
            };
            let prefix = dir.join(rule.id).join(kind_dir);
            let cases: Vec<&Outcome> = outcomes
                .iter()
                .filter(|o| o.path.starts_with(&prefix))
                .collect();
            for side in ["fail", "pass"] {
                let has = cases.iter().any(|o| {
                    o.path
                        .strip_prefix(&prefix)
                        .ok()
                        .and_then(|p| p.iter().next())
                        .is_some_and(|c| c.to_string_lossy().starts_with(side))
                });
                if !has {
                    let _ = writeln!(
                        report,
                        "rule `{}` has no `{side}` fixture for {kind_dir}",
                        rule.id
                    );
                }
            }
        }
    }
    assert!(
        report.is_empty(),
        "{} fixtures, problems:\n{report}",
        outcomes.len()
    );
}
