//! rustc-style diagnostics: severity, rule id, message, `file:line:col`, the
//! source lines with the fault underlined, the controls and the remediation.
//!
//! Source text is masked before rendering wherever any finding marked a
//! secret, so a snippet never shows a secret value, even one another rule
//! points near. The look of the output is pinned in one place:
//! [`codespan_config`].

use std::io;
use std::sync::Arc;

use bulwark_core::{Finding, InputKind, RuleFailure, ScanError, Severity, SourceFile};
use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as Level};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, WriteColor};
use codespan_reporting::term::{self, Config, DisplayStyle};

use rayon::prelude::*;

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
        term::emit_to_write_style(out, &config, &files, &input_error(error, None, None, None))
            .map_err(|e| io::Error::other(e.to_string()))?;
    }
    Ok(())
}

/// Draws one file's input errors and findings, its text masked wherever
/// any of its findings marked a secret. A file with many findings is drawn
/// in parallel, a chunk at a time.
fn render_file(file: &FileReport, color: bool) -> io::Result<Vec<u8>> {
    let config = codespan_config();
    let mut files = SimpleFiles::new();
    let source = file.source.as_ref();
    // Masked, then made safe to print: offsets into the file's text are
    // mapped through `shown`.
    let shown = source.map(|s| escape::Source::new(&mask_spans(s.text(), &file.secrets)));
    let id = source.zip(shown.as_ref()).map(|(source, shown)| {
        files.add(inline(source.name()).into_owned(), shown.text().to_owned())
    });
    // The snippet is shown for diagnostics in the file the source is.
    let here = |name: &str| {
        source
            .filter(|s| s.name() == name)
            .and_then(|s| id.map(|id| (id, s)))
    };
    let emit = |out: &mut dyn WriteColor, d: &Diagnostic<usize>| -> io::Result<()> {
        term::emit_to_write_style(out, &config, &files, d)
            .map_err(|e| io::Error::other(e.to_string()))
    };
    let new_buffer = || {
        if color {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        }
    };
    let mut buffer = new_buffer();
    let shown = shown.as_ref();
    for error in &file.errors {
        let at = here(&error.file);
        emit(
            &mut buffer,
            &input_error(error, at.map(|(id, _)| id), at.map(|(_, s)| s), shown),
        )?;
    }
    let draw = |out: &mut dyn WriteColor, finding: &Finding| {
        let at = here(&finding.file);
        emit(
            out,
            &finding_diagnostic(finding, at.map(|(id, _)| id), at.map(|(_, s)| s), shown),
        )
    };
    if file.findings.len() <= RENDER_CHUNK {
        for finding in &file.findings {
            draw(&mut buffer, finding)?;
        }
        return Ok(buffer.into_inner());
    }
    let mut out = buffer.into_inner();
    for chunk in file.findings.chunks(RENDER_CHUNK) {
        let drawn: Vec<io::Result<Buffer>> = chunk
            .par_iter()
            .map(|finding| {
                let mut buffer = new_buffer();
                draw(&mut buffer, finding)?;
                Ok(buffer)
            })
            .collect();
        for buffer in drawn {
            out.extend_from_slice(buffer?.as_slice());
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

fn finding_diagnostic(
    f: &Finding,
    file: Option<usize>,
    source: Option<&Arc<SourceFile>>,
    shown: Option<&escape::Source>,
) -> Diagnostic<usize> {
    let mut notes = Vec::new();
    if file.is_none() {
        notes.push(format!(
            "at {}:{}:{}",
            inline(&f.file),
            f.location.line,
            f.location.column
        ));
    }
    if let Some(template) = &f.template {
        notes.push(format!("rendered from template {}", inline(template)));
    }
    if let Some(traced) = &f.traced {
        notes.push(inline(&traced.to_string()).into_owned());
    }
    if let Some(detail) = &f.detail {
        notes.push(inline(detail).into_owned());
    }
    notes.push(match &f.pss {
        Some(pss) => format!(
            "{} · {} · judged at {}",
            f.severity,
            inline(&f.controls.join(", ")),
            inline(&pss.to_string())
        ),
        None => format!("{} · {}", f.severity, inline(&f.controls.join(", "))),
    });
    notes.push(format!("help: {}", inline(&f.remediation)));
    let mut d = Diagnostic::new(level(f.severity))
        .with_code(inline(&f.rule_id).into_owned())
        .with_message(inline(&f.message).into_owned())
        .with_notes(notes);
    if let (Some(id), Some(shown)) = (file, shown) {
        d = d.with_labels(vec![
            Label::primary(id, shown.range(first_line(f, source)))
                .with_message(inline(&f.title).into_owned()),
        ]);
    }
    d
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

fn input_error(
    e: &ScanError,
    file: Option<usize>,
    source: Option<&Arc<SourceFile>>,
    shown: Option<&escape::Source>,
) -> Diagnostic<usize> {
    let d = Diagnostic::error()
        .with_code(format!("input-error: {}", inline(&e.code)))
        .with_message(inline(&e.message).into_owned());
    match (file, source, shown, e.line) {
        (Some(id), Some(src), Some(shown), Some(line)) => {
            let start = src.line_starts().get(line - 1).copied().unwrap_or(0);
            let offset = src.text()[start..]
                .char_indices()
                .nth(e.column.unwrap_or(1).saturating_sub(1))
                .map_or(src.text().len(), |(i, _)| start + i);
            let end = src.text()[offset..]
                .chars()
                .next()
                .map_or(offset, |c| offset + c.len_utf8());
            d.with_labels(vec![Label::primary(id, shown.range(offset..end))])
        }
        _ => d.with_notes(vec![format!("in {}", inline(&e.location()))]),
    }
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
