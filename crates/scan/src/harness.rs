//! Fixtures that say which findings they expect, checked against a
//! scanner: what `bulwark test` runs, and what bulwark's own suite runs in
//! process over every built-in pack.
//!
//! Expectations are written as [`bulwark_core::expect`] says (`# expect:`
//! comments or a `FIXTURE.expect` sidecar). A fixture that lives under a
//! directory named after a rule of the modules under test
//! (`fixtures/docker-user-root/…`) is about that rule alone, unless
//! `--rule` says which rules count.

use std::path::{Path, PathBuf};

use bulwark_core::{InputKind, RuleFailure};
use serde::Serialize;

use crate::scanner::{Flow, Request, Scanner};

pub use bulwark_core::expect::{Expected, Unexpected};

/// How one fixture went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The fixture, as named.
    pub file: String,
    /// Every expectation met, nothing unexpected, no error.
    pub ok: bool,
    /// How many findings it expects.
    pub expected: usize,
    /// Expectations no finding met.
    pub missing: Vec<Expected>,
    /// Findings no expectation named.
    pub unexpected: Vec<Unexpected>,
    /// Why the fixture could not be checked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// Every fixture's outcome, and the rule failures met.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// One per fixture, in name order.
    pub outcomes: Vec<Outcome>,
    /// Rules that failed.
    pub failures: Vec<RuleFailure>,
}

impl Checked {
    /// How many fixtures failed.
    pub fn failed(&self) -> usize {
        self.outcomes.iter().filter(|o| !o.ok).count()
    }
}

/// Why fixtures could not be checked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A sidecar file cannot be read.
    #[error("reading {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A sidecar line is not `LINE RULE-ID[, …]`.
    #[error("{}:{line}: {message}", path.display())]
    Sidecar {
        /// The sidecar.
        path: PathBuf,
        /// Its line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An expectation names a rule no module under test declares.
    #[error("{file}:{line}: expects `{rule_id}`, which module `{modules}` does not declare")]
    UnknownRule {
        /// The modules under test.
        modules: String,
        /// The fixture.
        file: String,
        /// The line.
        line: usize,
        /// The rule.
        rule_id: String,
    },
    /// A fixture path cannot be scanned.
    #[error("{0}")]
    Path(String),
    /// No fixture under the paths given.
    #[error(
        "no fixtures found under {0} (Dockerfiles, Compose files, Kubernetes manifests, Helm values)"
    )]
    NoFixtures(String),
}

pub use bulwark_core::expect::inline_expectations;

/// The expectations of the sidecar `FIXTURE.expect`, if there is one.
///
/// # Errors
///
/// When the sidecar cannot be read or a line of it is not `LINE RULE-ID`.
pub fn sidecar_expectations(fixture: &Path) -> Result<Option<Vec<Expected>>, Error> {
    let mut name = fixture.as_os_str().to_owned();
    name.push(".expect");
    let path = PathBuf::from(name);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Read { path, source }),
    };
    bulwark_core::expect::sidecar_expectations(&text)
        .map(Some)
        .map_err(|e| Error::Sidecar {
            path,
            line: e.line,
            message: e.message,
        })
}

/// Scans `fixtures` (files or directories of them) with `scanner` and
/// checks each fixture's findings against its expectations. Only the
/// rules of `checked` count (every rule the scanner reports when empty);
/// an expectation of a rule the scanner does not declare is an error.
///
/// # Errors
///
/// A fixture path that cannot be scanned, a sidecar that cannot be read,
/// an expectation of an unknown rule, or no fixture at all.
pub fn check(
    scanner: &Scanner,
    fixtures: &[PathBuf],
    checked: &[String],
) -> Result<Checked, Error> {
    let declared: Vec<String> = scanner
        .modules()
        .iter()
        .flat_map(|m| m.rules().iter().map(|r| r.id.clone()))
        .collect();
    let counts = |id: &str| checked.is_empty() || checked.iter().any(|c| c == id);
    let prepared = scanner.prepare(Request {
        paths: fixtures.to_vec(),
        keep_findings: true,
        ..Request::default()
    });
    if let Some(e) = prepared.early_errors().first() {
        return Err(Error::Path(format!("{}: {}", e.location(), e.message)));
    }
    let mut files = Vec::new();
    let mut out = Checked::default();
    let phases = crate::profile::Phases::new(false);
    let run = scanner.run(prepared, &phases, &|_| Vec::new(), &mut |outcome, _| {
        use bulwark_core::CoverageStatus::{Error, Scanned, Skipped};
        let scanned = matches!(
            outcome.coverage.as_ref().map(|c| &c.status),
            Some(Scanned { .. } | Error { .. } | Skipped { .. })
        );
        if scanned && let Some(entry) = &outcome.coverage {
            files.push((
                entry.path.clone(),
                outcome.report.kind,
                outcome.report.findings.clone(),
                outcome
                    .report
                    .errors
                    .iter()
                    .map(|e| format!("{}: {}", e.location(), e.message))
                    .chain(outcome.notice.clone())
                    .chain(match &entry.status {
                        bulwark_core::CoverageStatus::Skipped { reason } => {
                            Some(format!("{}: skipped: {reason}", entry.path))
                        }
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ));
        }
        Flow::Continue
    });
    out.failures = run.failures;
    for (file, kind, findings, errors) in files {
        let mut outcome = Outcome {
            file: file.clone(),
            ok: false,
            expected: 0,
            missing: Vec::new(),
            unexpected: Vec::new(),
            errors,
        };
        let path = Path::new(&file);
        let mut expected = match sidecar_expectations(path)? {
            Some(sidecar) => sidecar,
            None => std::fs::read_to_string(path)
                .map(|text| inline_expectations(&text, kind.unwrap_or(InputKind::Kubernetes)))
                .unwrap_or_default(),
        };
        for e in &expected {
            if !declared.contains(&e.rule_id) {
                return Err(Error::UnknownRule {
                    modules: scanner
                        .modules()
                        .iter()
                        .map(|m| m.name())
                        .collect::<Vec<_>>()
                        .join("`, `"),
                    file,
                    line: e.line,
                    rule_id: e.rule_id.clone(),
                });
            }
        }
        // `--rule` decides which rules count; otherwise a fixture under a
        // directory named after a rule is about that rule alone.
        let ids: Vec<&str> = declared.iter().map(String::as_str).collect();
        let own = bulwark_core::expect::rule_of_fixture(&file, &ids).filter(|_| checked.is_empty());
        let counts = |id: &str| match own {
            Some(rule) => id == rule,
            None => counts(id),
        };
        expected.retain(|e| counts(&e.rule_id));
        outcome.expected = expected.len();
        let found = findings
            .into_iter()
            .filter(|f| counts(&f.rule_id))
            .map(|f| bulwark_core::expect::Found {
                line: f.location.line,
                column: f.location.column,
                rule_id: f.rule_id.to_string(),
                message: f.message,
            });
        (outcome.missing, outcome.unexpected) = bulwark_core::expect::compare(&expected, found);
        outcome.ok = outcome.missing.is_empty()
            && outcome.unexpected.is_empty()
            && outcome.errors.is_empty();
        out.outcomes.push(outcome);
    }
    if out.outcomes.is_empty() {
        return Err(Error::NoFixtures(
            fixtures
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    Ok(out)
}
