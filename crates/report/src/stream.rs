//! Reports written as the scan goes: one part per input file, drawn by the
//! worker that scanned the file, written in file order by one writer.
//!
//! A scan never holds more than the files in flight: each file's findings
//! are sorted, drawn ([`Style::render`]) and dropped where they were found,
//! and the writer ([`Stream`]) only puts the drawn parts out in order and
//! adds what needs the whole run at the end ([`Tail`]).

use std::borrow::Cow;
use std::io;
use std::sync::Arc;

use bulwark_core::{CoverageEntry, Finding, InputKind, RuleFailure, ScanError, SourceFile, Span};
use codespan_reporting::term::termcolor::WriteColor;

use crate::github::GithubStyle;
use crate::junit::JunitRules;
use crate::sarif::SarifRun;
use crate::{Summary, github, human, json, junit, sarif};

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
        sort_findings(&mut findings);
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
    pub suppressed: &'a [crate::Suppressed],
    /// The configured exceptions and their use.
    pub exceptions: &'a [crate::ExceptionStatus],
    /// What became of every candidate, by name.
    pub coverage: &'a [CoverageEntry],
    /// Counts and verdict.
    pub summary: &'a Summary,
}

/// An output format that can be written a file at a time.
#[derive(Debug, Clone)]
pub enum Style {
    /// rustc-style diagnostics with masked snippets.
    Human {
        /// Draw with ANSI colours.
        color: bool,
    },
    /// The JSON report (see [`json`]).
    Json {
        /// The version of bulwark, recorded in the report.
        tool_version: String,
    },
    /// A SARIF 2.1.0 log (see [`sarif`]).
    Sarif(Arc<SarifRun>),
    /// JUnit XML (see [`junit`]).
    Junit(Arc<JunitRules>),
    /// GitHub Actions workflow commands (see [`github`]).
    Github(Arc<GithubStyle>),
    /// The Markdown job summary (see [`github`]): written whole at the
    /// end, listing the first findings.
    Markdown(Arc<GithubStyle>),
}

impl Style {
    /// Draws one file's part of the report. Runs on the worker that scanned
    /// the file, so drawing is spread over the cores.
    ///
    /// # Errors
    ///
    /// Drawing into memory fails only if a diagnostic cannot be laid out.
    pub fn render(&self, file: &FileReport) -> io::Result<Vec<u8>> {
        match self {
            Style::Human { color } => human::render_file(file, *color),
            Style::Json { .. } => json::render_findings(&file.findings),
            Style::Sarif(run) => sarif::render_results(run, &file.findings),
            Style::Junit(rules) => junit::render_file(rules, file),
            Style::Github(style) => Ok(github::render_findings(style, &file.findings)),
            Style::Markdown(style) => Ok(github::render_rows(style, &file.findings)),
        }
    }

    /// Whether parts are elements of one JSON array, separated by commas.
    fn comma_separated(&self) -> bool {
        matches!(self, Style::Json { .. } | Style::Sarif(_))
    }
}

/// Writes parts in order between a header and a tail.
pub struct Stream<'w> {
    out: &'w mut dyn WriteColor,
    style: Style,
    parts: usize,
    /// The job summary's rows, kept until the end, and how many rows
    /// were left out.
    rows: Vec<u8>,
    kept: usize,
    more: usize,
}

impl<'w> Stream<'w> {
    /// Starts a report on `out`; `early` are input errors known before any
    /// file is scanned (unreadable directories), which the human report
    /// shows first.
    ///
    /// # Errors
    ///
    /// Any error writing to `out`.
    pub fn begin(
        out: &'w mut dyn WriteColor,
        style: Style,
        early: &[ScanError],
    ) -> io::Result<Stream<'w>> {
        match &style {
            Style::Human { .. } => human::write_errors(out, early)?,
            Style::Json { tool_version } => json::write_header(out, tool_version)?,
            Style::Sarif(run) => sarif::write_header(out, run)?,
            Style::Junit(_) => junit::write_header(out, early)?,
            // Input errors are annotated with the tail, which lists all.
            Style::Github(_) | Style::Markdown(_) => {}
        }
        Ok(Stream {
            out,
            style,
            parts: 0,
            rows: Vec::new(),
            kept: 0,
            more: 0,
        })
    }

    /// Writes one file's part, as [`Style::render`] drew it.
    ///
    /// # Errors
    ///
    /// Any error writing to the output.
    pub fn part(&mut self, part: &[u8]) -> io::Result<()> {
        if part.is_empty() {
            return Ok(());
        }
        if let Style::Markdown(_) = self.style {
            for row in part.split_inclusive(|&b| b == b'\n') {
                if self.kept < github::SUMMARY_ROWS {
                    self.rows.extend_from_slice(row);
                    self.kept += 1;
                } else {
                    self.more += 1;
                }
            }
            return Ok(());
        }
        if self.style.comma_separated() {
            self.out
                .write_all(if self.parts == 0 { b"\n" } else { b",\n" })?;
        }
        self.parts += 1;
        self.out.write_all(part)
    }

    /// Ends the report with what only the end of the run knows, and
    /// flushes.
    ///
    /// # Errors
    ///
    /// Any error writing to the output.
    pub fn finish(self, tail: Tail<'_>) -> io::Result<()> {
        match &self.style {
            Style::Human { .. } => human::write_tail(self.out, tail)?,
            Style::Json { .. } => json::write_tail(self.out, self.parts > 0, tail)?,
            Style::Sarif(run) => sarif::write_tail(self.out, run, self.parts > 0, tail)?,
            Style::Junit(_) => junit::write_tail(self.out, tail)?,
            Style::Github(style) => github::write_tail(self.out, style, tail)?,
            Style::Markdown(style) => {
                github::write_summary(self.out, style, &self.rows, self.more, tail)?;
            }
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use bulwark_core::{InputKind, Severity, Span};
    use codespan_reporting::term::termcolor::NoColor;

    use super::*;
    use crate::{ScanReport, Tally};

    fn finding(source: &SourceFile, rule: &str, span: Span, secret: Option<Span>) -> Finding {
        Finding {
            rule_id: rule.into(),
            severity: Severity::High,
            title: "title".into(),
            controls: vec!["CIS-4.1".to_owned()].into(),
            file: source.name().into(),
            location: source.location(span),
            template: None,
            message: format!("{rule} \"quoted\"\nsecond line"),
            detail: None,
            remediation: "fix it".into(),
            module: "m".into(),
            pointer: "/a/0".to_owned(),
            fingerprint: String::new(),
            kind: InputKind::Dockerfile,
            span,
            redactions: secret.into_iter().collect(),
        }
    }

    fn files() -> Vec<FileReport> {
        let a = Arc::new(SourceFile::new(
            "a/Dockerfile",
            "FROM x\nENV TOKEN=hunter2\n",
        ));
        let b = Arc::new(SourceFile::new("b/Dockerfile", "FROM y\nUSER root\n"));
        vec![
            FileReport::new(
                vec![
                    finding(&a, "R2", Span::new(7, 24), Some(Span::new(17, 24))),
                    finding(&a, "R1", Span::new(0, 6), None),
                ],
                Vec::new(),
                Some(a),
                Vec::new(),
            ),
            FileReport::default(),
            FileReport::new(
                vec![finding(&b, "R1", Span::new(7, 16), None)],
                Vec::new(),
                Some(b),
                vec![Span::new(12, 16)],
            ),
        ]
    }

    fn streamed(style: Style, files: &[FileReport]) -> String {
        let mut out = NoColor::new(Vec::new());
        let mut tally = Tally::default();
        let mut stream = Stream::begin(&mut out, style.clone(), &[]).unwrap();
        for file in files {
            tally.add_findings(&file.findings, Severity::Low);
            stream.part(&style.render(file).unwrap()).unwrap();
        }
        let summary = tally.summary(3, Severity::Low, &[], &[]);
        let notices = vec!["a notice".to_owned()];
        stream
            .finish(Tail {
                failures: &[],
                errors: &[],
                notices: &notices,
                suppressed: &[],
                exceptions: &[],
                coverage: &[],
                summary: &summary,
            })
            .unwrap();
        String::from_utf8(out.into_inner()).unwrap()
    }

    #[test]
    fn streamed_json_is_the_whole_document_pretty_printed() {
        let style = Style::Json {
            tool_version: "9.9.9".to_owned(),
        };
        for files in [files(), Vec::new()] {
            let text = streamed(style.clone(), &files);
            let findings: Vec<Finding> = files.iter().flat_map(|f| f.findings.clone()).collect();
            let report =
                ScanReport::new(findings, Vec::new(), Vec::new(), (0, 0, 3), Severity::Low)
                    .with_notices(vec!["a notice".to_owned()]);
            // The layout as one serde value, fields in declaration order.
            #[derive(serde::Serialize)]
            struct Whole<'a> {
                schema_version: u32,
                tool: serde_json::Value,
                #[serde(flatten)]
                report: &'a ScanReport,
            }
            let whole = Whole {
                schema_version: crate::json::SCHEMA_VERSION,
                tool: serde_json::json!({"name": "bulwark", "version": "9.9.9"}),
                report: &report,
            };
            let expected = serde_json::to_string_pretty(&whole).unwrap() + "\n";
            assert_eq!(text, expected);
        }
    }

    #[test]
    fn human_parts_are_in_file_order_with_secrets_masked() {
        let text = streamed(Style::Human { color: false }, &files());
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("ENV TOKEN=*******"), "{text}");
        // A secret no reported finding marked is masked all the same.
        assert!(text.contains("USER ****"), "{text}");
        let at = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{needle} in {text}"))
        };
        assert!(at("a/Dockerfile:1:1") < at("a/Dockerfile:2:1"));
        assert!(at("a/Dockerfile:2:1") < at("b/Dockerfile:2:1"));
        assert!(at("b/Dockerfile:2:1") < at("a notice"));
        assert!(text.ends_with("3 at or above `low`\n"), "{text}");
    }
}
