//! What the formats draw: one file's part of a run ([`FileReport`]), and
//! what only the end of the run knows ([`Tail`]). Plain data; every format
//! reads it, none writes it.

use std::borrow::Cow;
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
    /// The texts of the file's secrets, as messages may quote them.
    secret_texts: Vec<String>,
}

impl FileReport {
    /// Sorts `findings` into report order and drops exact duplicates (two
    /// rules never share an id, so these are one rule reporting one place
    /// twice), and masks every secret known in the file (marked by a rule,
    /// or found by the shared detector in its text) in every finding's
    /// message and detail and every error message.
    pub fn new(
        mut findings: Vec<Finding>,
        mut errors: Vec<ScanError>,
        source: Option<Arc<SourceFile>>,
        mut secrets: Vec<Span>,
    ) -> FileReport {
        bulwark_core::sort_findings(&mut findings);
        secrets.extend(findings.iter().flat_map(|f| f.redactions.iter().copied()));
        if let Some(source) = &source
            && (!findings.is_empty() || !errors.is_empty())
        {
            secrets.extend(crate::masking::detect(source.text()));
        }
        secrets.sort_unstable();
        secrets.dedup();
        let texts = source
            .as_ref()
            .map(|s| crate::masking::secret_texts(s.text(), &secrets))
            .unwrap_or_default();
        for f in &mut findings {
            if let Cow::Owned(m) = crate::masking::mask_message(&f.message, &texts) {
                f.message = m;
            }
            if let Some(detail) = &f.detail
                && let Cow::Owned(d) = crate::masking::mask_message(detail, &texts)
            {
                f.detail = Some(d);
            }
        }
        for e in &mut errors {
            if let Cow::Owned(m) = crate::masking::mask_message(&e.message, &texts) {
                e.message = m;
            }
        }
        crate::fingerprint::assign(&mut findings, source.as_deref(), &secrets);
        FileReport {
            findings,
            errors,
            source,
            secrets,
            name: None,
            kind: None,
            secret_texts: texts,
        }
    }

    /// `message` (about this file) with every secret known in the file,
    /// and every secret the detector finds in `message` itself, masked.
    pub fn mask<'a>(&self, message: &'a str) -> Cow<'a, str> {
        crate::masking::mask_message(message, &self.secret_texts)
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
