//! The report of a run and its summary.

use std::collections::BTreeMap;

use bulwark_core::{Finding, RuleFailure, ScanError, Severity};
use serde::Serialize;

/// Whether the run passes its gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
        // In place: a stable sort would copy half of a large report aside.
        // Equal keys with different spans or pointers are ordered by those,
        // so the order never depends on the sort's stability.
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
        failures.sort_by(|a, b| {
            a.sort_key()
                .cmp(&b.sort_key())
                .then_with(|| a.kind.to_string().cmp(&b.kind.to_string()))
        });
        errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        let mut by_severity = BTreeMap::new();
        for f in &findings {
            *by_severity.entry(f.severity).or_insert(0) += 1;
        }
        let blocking = findings.iter().filter(|f| f.severity >= fail_on).count();
        let verdict = if !failures.is_empty() {
            Verdict::RuleFailure
        } else if !errors.is_empty() {
            Verdict::InputError
        } else if blocking > 0 {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        let (files, documents, rules) = counts;
        let summary = Summary {
            files,
            documents,
            rules,
            findings: findings.len(),
            by_severity,
            blocking,
            fail_on,
            verdict,
        };
        ScanReport {
            findings,
            failures,
            errors,
            summary,
            notices: Vec::new(),
        }
    }

    /// Adds notices, sorted.
    pub fn with_notices(mut self, mut notices: Vec<String>) -> ScanReport {
        notices.sort();
        self.notices = notices;
        self
    }
}
