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

use crate::Verdict;
use crate::masking::mask_spans;
use crate::stream::{FileReport, Tail};
use crate::summary::plural;

/// Findings drawn in parallel before their text is written out.
const RENDER_CHUNK: usize = 1024;

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
pub(crate) fn write_errors(out: &mut dyn WriteColor, errors: &[ScanError]) -> io::Result<()> {
    let config = codespan_config();
    let files = SimpleFiles::<String, String>::new();
    for error in errors {
        term::emit_to_write_style(out, &config, &files, &input_error(error, None, None))
            .map_err(|e| io::Error::other(e.to_string()))?;
    }
    Ok(())
}

/// Draws one file's input errors and findings, its text masked wherever
/// any of its findings marked a secret. A file with many findings is drawn
/// in parallel, a chunk at a time.
pub(crate) fn render_file(file: &FileReport, color: bool) -> io::Result<Vec<u8>> {
    let config = codespan_config();
    let mut files = SimpleFiles::new();
    let source = file.source.as_ref();
    let id = source.map(|source| {
        files.add(
            source.name().to_owned(),
            mask_spans(source.text(), &file.secrets),
        )
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
    for error in &file.errors {
        let at = here(&error.file);
        emit(
            &mut buffer,
            &input_error(error, at.map(|(id, _)| id), at.map(|(_, s)| s)),
        )?;
    }
    let draw = |out: &mut dyn WriteColor, finding: &Finding| {
        let at = here(&finding.file);
        emit(
            out,
            &finding_diagnostic(finding, at.map(|(id, _)| id), at.map(|(_, s)| s)),
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
pub(crate) fn write_tail(out: &mut dyn WriteColor, tail: Tail<'_>) -> io::Result<()> {
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
        emit(out, &Diagnostic::note().with_message(notice.clone()))?;
    }
    summary(out, tail)
}

fn finding_diagnostic(
    f: &Finding,
    file: Option<usize>,
    source: Option<&Arc<SourceFile>>,
) -> Diagnostic<usize> {
    let mut notes = Vec::new();
    if file.is_none() {
        notes.push(format!(
            "at {}:{}:{}",
            f.file, f.location.line, f.location.column
        ));
    }
    if let Some(template) = &f.template {
        notes.push(format!("rendered from template {template}"));
    }
    if let Some(detail) = &f.detail {
        notes.push(detail.clone());
    }
    notes.push(format!("{} · {}", f.severity, f.controls.join(", ")));
    notes.push(format!("help: {}", f.remediation));
    let mut d = Diagnostic::new(level(f.severity))
        .with_code(f.rule_id.clone())
        .with_message(f.message.clone())
        .with_notes(notes);
    if let Some(id) = file {
        d = d.with_labels(vec![
            Label::primary(id, first_line(f, source)).with_message(f.title.clone()),
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
) -> Diagnostic<usize> {
    let d = Diagnostic::error()
        .with_code("input-error")
        .with_message(e.message.clone());
    match (file, source) {
        (Some(id), Some(src)) => {
            let line = e.line.saturating_sub(1);
            let start = src.line_starts().get(line).copied().unwrap_or(0);
            let offset = src.text()[start..]
                .char_indices()
                .nth(e.column.saturating_sub(1))
                .map_or(src.text().len(), |(i, _)| start + i);
            let end = src.text()[offset..]
                .chars()
                .next()
                .map_or(offset, |c| offset + c.len_utf8());
            d.with_labels(vec![Label::primary(id, offset..end)])
        }
        _ => d.with_notes(vec![format!("in {}:{}:{}", e.file, e.line, e.column)]),
    }
}

fn failure_diagnostic(f: &RuleFailure) -> Diagnostic<usize> {
    Diagnostic::error()
        .with_code("rule-failure")
        .with_message(f.to_string())
        .with_notes(vec![
            "the verdict cannot be trusted: fix or remove the rule module, or raise its limits"
                .to_owned(),
        ])
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
