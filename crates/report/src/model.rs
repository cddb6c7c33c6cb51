//! What the formats draw: one file's part of a run ([`FileReport`]), and
//! what only the end of the run knows ([`Tail`]). Plain data; every format
//! reads it, none writes it.

use std::sync::Arc;

use bulwark_core::Summary;
use bulwark_core::{CoverageEntry, Finding, InputKind, RuleFailure, ScanError, SourceFile, Span};

/// Everything one input file produced, findings sorted.
#[derive(Debug, Default)]
pub struct FileReport {
    /// Findings, by line, column, rule; duplicates removed.
    pub findings: Vec<Finding>,
    /// Why the file (or part of it) could not be scanned.
    pub errors: Vec<ScanError>,
    /// The file's text, when a finding or an error shows a snippet of it.
    pub source: Option<Arc<SourceFile>>,
    /// Spans of secret values in the file, masked wherever its text is
    /// shown (also those found by rules whose findings are not reported).
    pub secrets: Vec<Span>,
    /// The file's name as reported (set by the scan; JUnit lists every
    /// file scanned, with or without findings).
    pub name: Option<Arc<str>>,
    /// The kind of the file's documents, when it was scanned.
    pub kind: Option<InputKind>,
}

impl FileReport {
    /// A file's report: `findings` sorted into report order (exact
    /// duplicates dropped), and the spans the findings redact added to
    /// `secrets`. Messages are shown as they are: masking them is the
    /// pipeline's job, done before.
    pub fn new(
        mut findings: Vec<Finding>,
        errors: Vec<ScanError>,
        source: Option<Arc<SourceFile>>,
        mut secrets: Vec<Span>,
    ) -> FileReport {
        bulwark_core::sort_findings(&mut findings);
        secrets.extend(findings.iter().flat_map(|f| f.redactions.iter().copied()));
        secrets.sort_unstable();
        secrets.dedup();
        FileReport {
            findings,
            errors,
            source,
            secrets,
            name: None,
            kind: None,
        }
    }
}

/// What only the end of a run knows.
#[derive(Debug, Clone, Copy)]
pub struct Tail<'a> {
    /// Rules that failed, sorted.
    pub failures: &'a [RuleFailure],
    /// Every input error of the run, sorted (the human report has already
    /// shown them with their files; JSON lists them here).
    pub errors: &'a [ScanError],
    /// Inputs not scanned for a reason the user must hear.
    pub notices: &'a [String],
    /// Findings set aside, and why.
    pub suppressed: &'a [bulwark_core::Suppressed],
    /// The configured exceptions and their use.
    pub exceptions: &'a [bulwark_core::ExceptionStatus],
    /// What became of every candidate, by name.
    pub coverage: &'a [CoverageEntry],
    /// Counts and verdict.
    pub summary: &'a Summary,
}
