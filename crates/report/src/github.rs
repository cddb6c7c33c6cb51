//! GitHub Actions workflow commands (`::error file=…,line=…::message`),
//! which the runner turns into annotations on the changed files.
//!
//! Findings at or above the threshold are errors, other findings of
//! medium severity or above warnings, the rest notices. Paths are relative
//! to the repository; a finding in a rendered Helm chart is put on its
//! template. (The job summary is [`crate::markdown`].)

use std::fmt::Write as _;
use std::io;

use bulwark_core::{Finding, Severity};

use codespan_reporting::term::termcolor::WriteColor;

use crate::format::{Format, Sequence, Writer};
use crate::locate::Locator;
use crate::model::{FileReport, Tail};

/// GitHub Actions annotations.
#[derive(Debug)]
pub struct Annotations {
    /// Findings at or above this severity fail the run.
    pub fail_on: Severity,
    /// Maps file names to repository paths.
    pub locator: Locator,
    /// End with the one-line summary (when the annotations are the whole
    /// output, not a companion of another format).
    pub summary_line: bool,
}

impl Format for Annotations {
    fn render(&self, file: &FileReport) -> io::Result<Vec<u8>> {
        Ok(render_findings(self, &file.findings))
    }

    fn begin<'w>(
        &'w self,
        out: &'w mut dyn WriteColor,
        _early: &[bulwark_core::ScanError],
    ) -> io::Result<Box<dyn Writer + 'w>> {
        // Input errors are annotated with the tail, which lists all.
        Ok(Sequence::plain(
            out,
            Box::new(move |out, _, tail| write_tail(out, self, tail)),
        ))
    }
}

/// A workflow command's message: control and invisible characters
/// escaped, then `%`, CR and LF encoded, so nothing in it can end the
/// command or start another.
fn data(text: &str) -> String {
    crate::escape::lines(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,` encoded.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(level: &str, properties: &[(&str, String)], message: &str) -> String {
    let props: Vec<String> = properties
        .iter()
        .map(|(k, v)| format!("{k}={}", property(v)))
        .collect();
    if props.is_empty() {
        format!("::{level}::{}\n", data(message))
    } else {
        format!("::{level} {}::{}\n", props.join(","), data(message))
    }
}

fn finding_level(style: &Annotations, severity: Severity) -> &'static str {
    if severity >= style.fail_on {
        "error"
    } else if severity >= Severity::Medium {
        "warning"
    } else {
        "notice"
    }
}

/// Annotations for one file's findings.
fn render_findings(style: &Annotations, findings: &[Finding]) -> Vec<u8> {
    let mut out = String::new();
    let mut lookup = style.locator.lookup();
    for f in findings {
        let mut message = f.message.clone();
        let mut properties = Vec::new();
        // An image finding traced to its Dockerfile is annotated on the
        // instruction, the image named in the message.
        if let Some(traced) = &f.traced {
            properties.push(("file", lookup.path(&traced.dockerfile)));
            properties.push(("line", traced.line.to_string()));
            message = format!("{} (image {})", message, f.file);
            if traced.base_image.is_some() {
                let _ = write!(message, "; {traced}");
            }
        }
        match f
            .template
            .as_deref()
            .and_then(|t| lookup.chart_template(&f.file, t))
            .filter(|_| f.traced.is_none())
        {
            Some(template) => {
                properties.push(("file", template));
                let _ = write!(
                    message,
                    " (line {} of the chart as rendered)",
                    f.location.line
                );
            }
            None if f.traced.is_some() => {}
            None => {
                properties.push(("file", lookup.path(&f.file)));
                properties.push(("line", f.location.line.to_string()));
                properties.push(("endLine", f.location.end_line.to_string()));
                if f.location.line == f.location.end_line {
                    properties.push(("col", f.location.column.to_string()));
                    properties.push(("endColumn", f.location.end_column.to_string()));
                }
            }
        }
        properties.push((
            "title",
            format!("{} ({}): {}", f.rule_id, f.severity, f.title),
        ));
        let judged = f
            .pss
            .as_ref()
            .map(|p| format!(" · judged at {p}"))
            .unwrap_or_default();
        let _ = write!(
            message,
            "\n{} · {}{judged}\nhelp: {}",
            f.severity,
            f.controls.join(", "),
            f.remediation
        );
        out.push_str(&command(
            finding_level(style, f.severity),
            &properties,
            &message,
        ));
    }
    out.into_bytes()
}

/// Input errors, rule failures and notices as commands, and the summary.
fn write_tail(out: &mut dyn WriteColor, style: &Annotations, tail: Tail<'_>) -> io::Result<()> {
    for e in tail.errors {
        let mut properties = vec![("file", style.locator.path(&e.file))];
        if let Some(line) = e.line {
            properties.push(("line", line.to_string()));
        }
        if let Some(column) = e.column {
            properties.push(("col", column.to_string()));
        }
        properties.push(("title", format!("bulwark: input error ({})", e.code)));
        out.write_all(command("error", &properties, &e.message).as_bytes())?;
    }
    for failure in tail.failures {
        out.write_all(
            command(
                "error",
                &[
                    ("file", style.locator.path(&failure.file)),
                    ("title", "bulwark: rule failure".to_owned()),
                ],
                &failure.to_string(),
            )
            .as_bytes(),
        )?;
    }
    for notice in tail.notices {
        out.write_all(command("notice", &[("title", "bulwark".to_owned())], notice).as_bytes())?;
    }
    if style.summary_line {
        writeln!(out, "{}", summary_line(tail))?;
    }
    Ok(())
}

/// `fail: 3 findings in 2 files (…); 2 at or above `high``.
pub fn summary_line(tail: Tail<'_>) -> String {
    let s = tail.summary;
    let mut line = format!(
        "{}: {}; {} at or above `{}`",
        s.verdict.word(),
        s.counts(),
        s.blocking,
        s.fail_on
    );
    if !tail.suppressed.is_empty() {
        let _ = write!(line, "; {} suppressed", tail.suppressed.len());
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_encode_their_parts() {
        assert_eq!(
            command(
                "error",
                &[("file", "a,b:c".to_owned()), ("title", "x%y".to_owned())],
                "50% done\nnext: a, b\r"
            ),
            "::error file=a%2Cb%3Ac,title=x%25y::50%25 done%0Anext: a, b\\r\n"
        );
        // A message cannot end the command or begin another.
        assert_eq!(
            command("error", &[], "a\n::add-mask::x\r\n\u{1b}]8;;u\u{7}"),
            "::error::a%0A\\::add-mask::x%0A\\u{1b}]8;;u\\u{7}\n"
        );
    }
}
