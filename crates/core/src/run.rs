//! The run model: what a scan concluded, as plain data every output
//! format, the evidence and the pipeline share.
//!
//! [`Verdict`] and [`Summary`] are the result; [`Tally`] counts as a run
//! goes; [`ScanReport`] holds a whole run; [`Suppressed`] and
//! [`ExceptionStatus`] account for every finding set aside. Nothing here
//! decides a verdict from configuration or draws anything.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{CoverageCounts, CoverageEntry, Finding, RuleFailure, ScanError, Severity};

/// Whether the run passes its gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// No blocking finding, no failure, no input error.
    Pass,
    /// At least one finding at or above the threshold.
    Fail,
    /// An input could not be read or parsed: the result is incomplete.
    InputError,
    /// A rule failed to give a verdict: the result cannot be trusted.
    RuleFailure,
}

/// Counts of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Files scanned (parsed successfully).
    pub files: usize,
    /// Documents evaluated.
    pub documents: usize,
    /// Rules enabled.
    pub rules: usize,
    /// Findings in total.
    pub findings: usize,
    /// Findings per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Findings at or above the threshold.
    pub blocking: usize,
    /// The threshold.
    pub fail_on: Severity,
    /// The verdict.
    pub verdict: Verdict,
}

impl Summary {
    /// `3 findings in 2 files (4 documents, 57 rules)`.
    pub fn counts(&self) -> String {
        format!(
            "{} finding{} in {} file{} ({} document{}, {} rule{})",
            self.findings,
            plural(self.findings),
            self.files,
            plural(self.files),
            self.documents,
            plural(self.documents),
            self.rules,
            plural(self.rules)
        )
    }
}

impl Verdict {
    /// How reports name the verdict: `pass`, `fail`, `input error`, `rule
    /// failure`.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::InputError => "input error",
            Verdict::RuleFailure => "rule failure",
        }
    }
}

/// `s` unless `n` is one.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Everything a run reports, sorted deterministically.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    /// Findings, by file, line, column, rule.
    pub findings: Vec<Finding>,
    /// Rules that failed.
    pub failures: Vec<RuleFailure>,
    /// Inputs that could not be scanned.
    pub errors: Vec<ScanError>,
    /// Counts and verdict.
    pub summary: Summary,
    /// Inputs not scanned for a reason the user must hear (a Helm chart
    /// without `helm`); they do not change the verdict.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    /// What became of every candidate file.
    #[serde(serialize_with = "serialize_coverage")]
    pub coverage: Vec<CoverageEntry>,
}

/// The coverage account as reports write it: counts, then every entry.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Coverage<'a> {
    /// How many entries of each status.
    pub counts: CoverageCounts,
    /// Every entry, by name.
    pub files: &'a [CoverageEntry],
}

impl<'a> Coverage<'a> {
    /// The account of `entries`.
    pub fn of(entries: &'a [CoverageEntry]) -> Coverage<'a> {
        Coverage {
            counts: CoverageCounts::of(entries),
            files: entries,
        }
    }
}

fn serialize_coverage<S: serde::Serializer>(
    entries: &[CoverageEntry],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    Coverage::of(entries).serialize(serializer)
}

/// Counts of findings and files as a run goes, folded into a [`Summary`]
/// at its end.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Files scanned (parsed successfully).
    pub files: usize,
    /// Documents evaluated.
    pub documents: usize,
    /// Findings in total.
    pub findings: usize,
    /// Findings per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Findings at or above the threshold.
    pub blocking: usize,
}

impl Tally {
    /// Counts `findings` against the threshold `fail_on`.
    pub fn add_findings(&mut self, findings: &[Finding], fail_on: Severity) {
        for f in findings {
            *self.by_severity.entry(f.severity).or_insert(0) += 1;
        }
        self.findings += findings.len();
        self.blocking += findings.iter().filter(|f| f.severity >= fail_on).count();
    }

    /// Adds another tally's counts.
    pub fn merge(&mut self, other: Tally) {
        self.files += other.files;
        self.documents += other.documents;
        self.findings += other.findings;
        self.blocking += other.blocking;
        for (severity, n) in other.by_severity {
            *self.by_severity.entry(severity).or_insert(0) += n;
        }
    }

    /// The summary of a run with `rules` rules enabled: rule failures make
    /// it untrustworthy, input errors incomplete, blocking findings a fail.
    pub fn summary(
        self,
        rules: usize,
        fail_on: Severity,
        failures: &[RuleFailure],
        errors: &[ScanError],
    ) -> Summary {
        let verdict = if !failures.is_empty() {
            Verdict::RuleFailure
        } else if !errors.is_empty() {
            Verdict::InputError
        } else if self.blocking > 0 {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        Summary {
            files: self.files,
            documents: self.documents,
            rules,
            findings: self.findings,
            by_severity: self.by_severity,
            blocking: self.blocking,
            fail_on,
            verdict,
        }
    }
}

/// Sorts rule failures and input errors into report order.
pub fn sort_problems(failures: &mut [RuleFailure], errors: &mut [ScanError]) {
    failures.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.kind.to_string().cmp(&b.kind.to_string()))
    });
    errors.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
    });
}

impl ScanReport {
    /// Builds a report: sorts everything and computes the summary.
    pub fn new(
        mut findings: Vec<Finding>,
        mut failures: Vec<RuleFailure>,
        mut errors: Vec<ScanError>,
        counts: (usize, usize, usize),
        fail_on: Severity,
    ) -> ScanReport {
        sort_findings(&mut findings);
        sort_problems(&mut failures, &mut errors);
        let (files, documents, rules) = counts;
        let mut tally = Tally {
            files,
            documents,
            ..Tally::default()
        };
        tally.add_findings(&findings, fail_on);
        let summary = tally.summary(rules, fail_on, &failures, &errors);
        ScanReport {
            findings,
            failures,
            errors,
            summary,
            notices: Vec::new(),
            coverage: Vec::new(),
        }
    }

    /// Adds notices, sorted.
    pub fn with_notices(mut self, mut notices: Vec<String>) -> ScanReport {
        notices.sort();
        self.notices = notices;
        self
    }
}

/// Sorts findings into report order, in place (a stable sort would copy
/// half of a large report aside). Equal keys with different spans or
/// pointers are ordered by those, so the order never depends on the sort's
/// stability; exact duplicates are dropped.
pub fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_unstable_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| {
                (a.location.end_line, a.location.end_column)
                    .cmp(&(b.location.end_line, b.location.end_column))
            })
            .then_with(|| a.pointer.cmp(&b.pointer))
            .then_with(|| a.detail.cmp(&b.detail))
    });
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.location == b.location);
}

/// How a finding was set aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// A `# bulwark:ignore RULE -- reason` comment on the line before.
    Inline,
    /// A `bulwark.dev/ignore.RULE: reason` annotation on the object.
    Annotation,
    /// An exception in the configuration file.
    Exception,
}

/// One suppressed finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    /// The rule.
    pub rule_id: Arc<str>,
    /// The finding's severity.
    pub severity: Severity,
    /// The file.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Where the finding ends (SARIF regions).
    #[serde(skip)]
    pub end: (usize, usize),
    /// The template the document was rendered from.
    #[serde(skip)]
    pub template: Option<String>,
    /// The finding's fingerprint (see [`Finding::fingerprint`]), so a
    /// suppression can be matched with the finding it hides.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// The finding's message, secrets masked.
    pub message: String,
    /// How it was set aside.
    pub kind: SuppressionKind,
    /// Why.
    pub reason: String,
    /// Who answers for it (exceptions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The last day it applies (exceptions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where the suppression was written, `file:line`.
    pub declared_at: String,
}

/// A configured exception and what became of it in this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionStatus {
    /// The rule it lifts.
    pub rule: String,
    /// The paths it covers (globs); empty: every path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// The Kubernetes objects it covers (`kind`, `name`, `namespace`).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub object: std::collections::BTreeMap<String, String>,
    /// Why.
    pub reason: String,
    /// Who answers for it.
    pub owner: String,
    /// The last day it applies.
    pub expires: String,
    /// Whether it is in force.
    pub status: ExceptionState,
    /// How many findings it set aside in this run.
    pub applied: usize,
    /// Where it is written, `file:line`.
    pub declared_at: String,
}

/// Whether a configured exception is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExceptionState {
    /// Applied to the findings it covers.
    Active,
    /// Past its `expires` date: no longer applied.
    Expired,
}
