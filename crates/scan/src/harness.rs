//! Fixtures that say which findings they expect, checked against a
//! scanner: what `bulwark test` runs, and what bulwark's own suite runs in
//! process over every built-in pack.
//!
//! An expectation is a comment `# expect: RULE-ID[, RULE-ID…]`:
//!
//! - on a line of its own, it is about the next line that is neither blank
//!   nor a comment (in every kind of file; in a Dockerfile the only form,
//!   since `#` after an instruction is part of it);
//! - after YAML content, it is about its own line.
//!
//! Or a sidecar file `FIXTURE.expect` with lines `LINE RULE-ID[, RULE-ID…]`
//! (`#` starts a comment). A finding lands on the line its span starts on.
//! Each expectation must be met by exactly one finding: two findings of a
//! rule on one line need the rule named twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bulwark_core::{InputKind, RuleFailure};
use serde::Serialize;

use crate::scanner::{Flow, Request, Scanner};

/// One expected finding: a rule on a line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Expected {
    /// 1-based line.
    pub line: usize,
    /// The rule.
    pub rule_id: String,
}

/// A finding nobody expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unexpected {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The rule.
    pub rule_id: String,
    /// Its message.
    pub message: String,
}

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

const MARKER: &str = "# expect:";

/// The rule ids after the marker, separated by commas or spaces.
fn rule_ids(text: &str) -> Vec<String> {
    text.split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The expectations written in `text` as comments.
pub fn inline_expectations(text: &str, kind: InputKind) -> Vec<Expected> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let ids = rule_ids(&line[at + MARKER.len()..]);
        let own_line = line[..at].trim().is_empty();
        let target = if own_line {
            // The next line that is content.
            lines
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, l)| {
                    let t = l.trim();
                    !t.is_empty() && !t.starts_with('#')
                })
                .map(|(j, _)| j + 1)
        } else if kind == InputKind::Dockerfile {
            // Part of the instruction, not a comment.
            None
        } else {
            Some(i + 1)
        };
        if let Some(line) = target {
            out.extend(ids.into_iter().map(|rule_id| Expected { line, rule_id }));
        }
    }
    out
}

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
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let (number, rules) = line.split_once([' ', '\t']).unwrap_or((line, ""));
        let Some(number) = number.parse::<usize>().ok().filter(|n| *n > 0) else {
            return Err(Error::Sidecar {
                path,
                line: i + 1,
                message: format!("expected `LINE RULE-ID[, RULE-ID…]`, found `{line}`"),
            });
        };
        let ids = rule_ids(rules);
        if ids.is_empty() {
            return Err(Error::Sidecar {
                path,
                line: i + 1,
                message: format!("no rule id after line {number}"),
            });
        }
        out.extend(ids.into_iter().map(|rule_id| Expected {
            line: number,
            rule_id,
        }));
    }
    Ok(Some(out))
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
        expected.retain(|e| counts(&e.rule_id));
        outcome.expected = expected.len();
        // Match each finding with an expectation of its rule on its line.
        let mut open: BTreeMap<(usize, String), usize> = BTreeMap::new();
        for e in &expected {
            *open.entry((e.line, e.rule_id.clone())).or_insert(0) += 1;
        }
        for f in findings.into_iter().filter(|f| counts(&f.rule_id)) {
            match open.get_mut(&(f.location.line, f.rule_id.to_string())) {
                Some(n) if *n > 0 => *n -= 1,
                _ => outcome.unexpected.push(Unexpected {
                    line: f.location.line,
                    column: f.location.column,
                    rule_id: f.rule_id.to_string(),
                    message: f.message,
                }),
            }
        }
        for ((line, rule_id), n) in open {
            for _ in 0..n {
                outcome.missing.push(Expected {
                    line,
                    rule_id: rule_id.clone(),
                });
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(expected: &[Expected]) -> Vec<(usize, &str)> {
        expected
            .iter()
            .map(|e| (e.line, e.rule_id.as_str()))
            .collect()
    }

    #[test]
    fn comments_name_the_next_content_line_or_their_own() {
        let dockerfile =
            "FROM a\n# expect: r1, r2\n\n# another comment\nUSER root\nRUN x # expect: r3\n";
        assert_eq!(
            lines(&inline_expectations(dockerfile, InputKind::Dockerfile)),
            [(5, "r1"), (5, "r2")]
        );
        let yaml = "a:\n  b: 1  # expect: r3\n  # expect: r4\n  c: 2\n";
        assert_eq!(
            lines(&inline_expectations(yaml, InputKind::Compose)),
            [(2, "r3"), (4, "r4")]
        );
    }
}
