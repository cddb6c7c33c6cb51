//! rustc-style diagnostics: severity, rule id, message, `file:line:col`, the
//! source lines with the fault underlined, the controls and the remediation.
//!
//! Source text is masked before rendering wherever any finding marked a
//! secret, so a snippet never shows a secret value, even one another rule
//! points near. The look of the output is pinned in one place:
//! [`codespan_config`]. The common diagnostic (one label on one line of
//! ASCII text) is written directly, byte for byte as codespan draws it
//! (`draw.rs`, checked against codespan by a property test); every other
//! goes to codespan.

use std::borrow::Cow;
use std::io;
use std::sync::{Arc, OnceLock};

use bulwark_core::{Finding, InputKind, RuleFailure, ScanError, Severity, SourceFile};
use codespan_reporting::diagnostic::{Diagnostic, Severity as Level};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, WriteColor};
use codespan_reporting::term::{self, Config, DisplayStyle};

use rayon::prelude::*;

use crate::draw::{self, Drawing, Shown};
use crate::escape::{self, inline};
use crate::format::{Format, Sequence, Writer};
use crate::model::{FileReport, Tail};
use crate::text::plural;
use bulwark_core::Verdict;
use bulwark_core::mask_spans;

/// Findings drawn in parallel before their text is written out.
const RENDER_CHUNK: usize = 1024;

/// rustc-style diagnostics with masked snippets, for people.
#[derive(Debug, Clone, Copy)]
pub struct Human {
    /// Draw with ANSI colours.
    pub color: bool,
}

impl Format for Human {
    fn render(&self, file: &FileReport) -> io::Result<Vec<u8>> {
        render_file(file, self.color)
    }

    fn begin<'w>(
        &'w self,
        out: &'w mut dyn WriteColor,
        early: &[ScanError],
    ) -> io::Result<Box<dyn Writer + 'w>> {
        write_errors(out, early)?;
        Ok(Sequence::plain(
            out,
            Box::new(|out, _, tail| write_tail(out, tail)),
        ))
    }
}

/// The terminal configuration every human diagnostic is rendered with.
pub fn codespan_config() -> Config {
    Config {
        display_style: DisplayStyle::Rich,
        tab_width: 4,
        ..Config::default()
    }
}

fn level(severity: Severity) -> Level {
    match severity {
        Severity::Critical | Severity::High => Level::Error,
        Severity::Medium | Severity::Low => Level::Warning,
        Severity::Info => Level::Note,
    }
}

/// Input errors without a snippet (found before any file was read).
fn write_errors(out: &mut dyn WriteColor, errors: &[ScanError]) -> io::Result<()> {
    let config = codespan_config();
    let files = SimpleFiles::<String, String>::new();
    for error in errors {
        term::emit_to_write_style(
            out,
            &config,
            &files,
            &input_error(error, None).diagnostic(0),
        )
        .map_err(|e| io::Error::other(e.to_string()))?;
    }
    Ok(())
}

/// Draws one file's input errors and findings, its text masked wherever
/// any of its findings marked a secret. A file with many findings is drawn
/// in parallel, a chunk at a time. Each diagnostic is drawn by
/// [`draw::draw`] when it has the common shape, else by codespan.
fn render_file(file: &FileReport, color: bool) -> io::Result<Vec<u8>> {
    let source = file.source.as_ref();
    // Masked, then made safe to print: offsets into the file's text are
    // mapped through `shown`.
    let shown = source.map(|s| escape::Source::new(mask_spans(s.text(), &file.secrets)));
    let name = source.map(|s| inline(s.name()));
    let lines = match (source, name.as_deref(), shown.as_ref()) {
        // Masking keeps every offset when it keeps the length (a character
        // masked is one byte); so does making it safe when nothing was
        // replaced: the source's lines are the shown text's.
        (Some(source), Some(name), Some(shown))
            if shown.unchanged() && shown.text().len() == source.text().len() =>
        {
            Some(Shown::with_starts(name, shown.text(), source.line_starts()))
        }
        (_, Some(name), Some(shown)) => Some(Shown::new(name, shown.text())),
        _ => None,
    };
    // codespan's copy of the file, made the first time it is needed.
    let files: OnceLock<SimpleFiles<String, String>> = OnceLock::new();
    let config = codespan_config();
    // The snippet is shown for diagnostics in the file the source is.
    let here = |name: &str| source.filter(|s| s.name() == name).zip(shown.as_ref());
    let emit = |out: &mut Vec<u8>, d: &Drawing<'_>, labelled: bool| -> io::Result<()> {
        if draw::draw(out, d, lines.as_ref().filter(|_| labelled), color) {
            return Ok(());
        }
        // The file whatever the first diagnostic to need it, so that its
        // id (0) is good for every label after.
        let files = files.get_or_init(|| {
            let mut files = SimpleFiles::new();
            if let Some(lines) = &lines {
                files.add(lines.name().to_owned(), lines.text().to_owned());
            }
            files
        });
        let mut buffer = if color {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        };
        term::emit_to_write_style(&mut buffer, &config, files, &d.diagnostic(0))
            .map_err(|e| io::Error::other(e.to_string()))?;
        out.extend_from_slice(buffer.as_slice());
        Ok(())
    };
    let mut out = Vec::new();
    for error in &file.errors {
        let at = here(&error.file);
        emit(&mut out, &input_error(error, at), at.is_some())?;
    }
    let drawn = |out: &mut Vec<u8>, finding: &Finding| {
        let at = here(&finding.file);
        emit(out, &finding_drawing(finding, at), at.is_some())
    };
    if file.findings.len() <= RENDER_CHUNK {
        for finding in &file.findings {
            drawn(&mut out, finding)?;
        }
        return Ok(out);
    }
    for chunk in file.findings.chunks(RENDER_CHUNK) {
        let parts: Vec<io::Result<Vec<u8>>> = chunk
            .par_iter()
            .map(|finding| {
                let mut part = Vec::new();
                drawn(&mut part, finding)?;
                Ok(part)
            })
            .collect();
        for part in parts {
            out.extend_from_slice(&part?);
        }
    }
    Ok(out)
}

/// Rule failures, notices and the summary line.
fn write_tail(out: &mut dyn WriteColor, tail: Tail<'_>) -> io::Result<()> {
    let config = codespan_config();
    let files = SimpleFiles::<String, String>::new();
    let emit = |out: &mut dyn WriteColor, d: &Diagnostic<usize>| -> io::Result<()> {
        term::emit_to_write_style(out, &config, &files, d)
            .map_err(|e| io::Error::other(e.to_string()))
    };
    for failure in tail.failures {
        emit(out, &failure_diagnostic(failure))?;
    }
    for notice in tail.notices {
        emit(
            out,
            &Diagnostic::note().with_message(inline(notice).into_owned()),
        )?;
    }
    skipped(out, tail)?;
    summary(out, tail)
}

/// A finding as drawn: the snippet is shown when `at` (its file's source and
/// shown text) is known, else its location is a note.
fn finding_drawing<'a>(
    f: &'a Finding,
    at: Option<(&Arc<SourceFile>, &escape::Source)>,
) -> Drawing<'a> {
    let mut notes = Vec::new();
    if at.is_none() {
        notes.push(Cow::Owned(format!(
            "at {}:{}:{}",
            inline(&f.file),
            f.location.line,
            f.location.column
        )));
    }
    if let Some(template) = &f.template {
        notes.push(Cow::Owned(format!(
            "rendered from template {}",
            inline(template)
        )));
    }
    if let Some(traced) = &f.traced {
        notes.push(Cow::Owned(inline(&traced.to_string()).into_owned()));
    }
    if let Some(detail) = &f.detail {
        notes.push(inline(detail));
    }
    notes.push(Cow::Owned(match &f.pss {
        Some(pss) => format!(
            "{} · {} · judged at {}",
            f.severity,
            inline(&f.controls.join(", ")),
            inline(&pss.to_string())
        ),
        None => format!("{} · {}", f.severity, inline(&f.controls.join(", "))),
    }));
    notes.push(Cow::Owned(format!("help: {}", inline(&f.remediation))));
    Drawing {
        level: level(f.severity),
        code: inline(&f.rule_id),
        message: inline(&f.message),
        label: at
            .map(|(source, shown)| (shown.range(first_line(f, Some(source))), inline(&f.title))),
        notes,
    }
}

/// In YAML documents, the finding's span cut at the end of its first line:
/// a finding on a whole mapping (a Compose service, a container) shows
/// where it starts, not every line of it. Dockerfile spans (an instruction
/// with its continuations) are shown whole.
fn first_line(f: &Finding, source: Option<&Arc<SourceFile>>) -> std::ops::Range<usize> {
    let range = f.span.range();
    if f.kind == InputKind::Dockerfile {
        return range;
    }
    let Some(text) = source.and_then(|s| s.text().get(range.clone())) else {
        return range;
    };
    match text.find('\n') {
        Some(i) => range.start..range.start + text[..i].trim_end_matches('\r').len(),
        None => range,
    }
}

fn input_error<'a>(
    e: &'a ScanError,
    at: Option<(&Arc<SourceFile>, &escape::Source)>,
) -> Drawing<'a> {
    let mut d = Drawing {
        level: Level::Error,
        code: Cow::Owned(format!("input-error: {}", inline(&e.code))),
        message: inline(&e.message),
        label: None,
        notes: Vec::new(),
    };
    match (at, e.line) {
        (Some((src, shown)), Some(line)) => {
            let start = src.line_starts().get(line - 1).copied().unwrap_or(0);
            let offset = src.text()[start..]
                .char_indices()
                .nth(e.column.unwrap_or(1).saturating_sub(1))
                .map_or(src.text().len(), |(i, _)| start + i);
            let end = src.text()[offset..]
                .chars()
                .next()
                .map_or(offset, |c| offset + c.len_utf8());
            d.label = Some((shown.range(offset..end), Cow::Borrowed("")));
        }
        _ => d
            .notes
            .push(Cow::Owned(format!("in {}", inline(&e.location())))),
    }
    d
}

fn failure_diagnostic(f: &RuleFailure) -> Diagnostic<usize> {
    Diagnostic::error()
        .with_code("rule-failure")
        .with_message(inline(&f.to_string()).into_owned())
        .with_notes(vec![
            "the verdict cannot be trusted: fix or remove the rule module, or raise its limits"
                .to_owned(),
        ])
}

/// The most skipped files the human report lists one by one.
const SKIPPED_SHOWN: usize = 20;

/// Files skipped for a reason the user must know, one note each.
fn skipped(out: &mut dyn WriteColor, tail: Tail<'_>) -> io::Result<()> {
    let skipped: Vec<&bulwark_core::CoverageEntry> = tail
        .coverage
        .iter()
        .filter(|e| matches!(e.status, bulwark_core::CoverageStatus::Skipped { .. }))
        .collect();
    for entry in skipped.iter().take(SKIPPED_SHOWN) {
        if let bulwark_core::CoverageStatus::Skipped { reason } = &entry.status {
            writeln!(out, "skipped: {} ({reason})", inline(&entry.path))?;
        }
    }
    if skipped.len() > SKIPPED_SHOWN {
        writeln!(
            out,
            "skipped: … and {} more (listed with --format json)",
            skipped.len() - SKIPPED_SHOWN
        )?;
    }
    Ok(())
}

fn summary(out: &mut dyn WriteColor, tail: Tail<'_>) -> io::Result<()> {
    let s = tail.summary;
    let counts: Vec<String> = s
        .by_severity
        .iter()
        .rev()
        .map(|(sev, n)| format!("{n} {sev}"))
        .collect();
    let color = match s.verdict {
        Verdict::Pass => Color::Green,
        Verdict::Fail | Verdict::InputError | Verdict::RuleFailure => Color::Red,
    };
    out.set_color(ColorSpec::new().set_bold(true).set_fg(Some(color)))?;
    write!(out, "{}", s.verdict.word())?;
    out.reset()?;
    write!(out, ": {}", s.counts())?;
    if !counts.is_empty() {
        write!(out, ": {}", counts.join(", "))?;
    }
    write!(out, "; {} at or above `{}`", s.blocking, s.fail_on)?;
    if !tail.suppressed.is_empty() {
        write!(
            out,
            "; {} suppressed (listed with --format json)",
            tail.suppressed.len()
        )?;
    }
    writeln!(out)?;
    if !tail.coverage.is_empty() {
        let c = bulwark_core::CoverageCounts::of(tail.coverage);
        writeln!(
            out,
            "coverage: {} scanned, {} with errors, {} not inputs, {} excluded, {} skipped",
            c.scanned, c.errors, c.not_input, c.excluded, c.skipped
        )?;
    }
    if !tail.errors.is_empty() {
        writeln!(
            out,
            "{} input error{}",
            tail.errors.len(),
            plural(tail.errors.len())
        )?;
    }
    if !tail.failures.is_empty() {
        writeln!(
            out,
            "{} rule failure{}",
            tail.failures.len(),
            plural(tail.failures.len())
        )?;
    }
    Ok(())
}
