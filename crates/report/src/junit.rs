//! JUnit XML, for CI test reports: one test suite per scanned file, one
//! test case per rule × file. A rule with findings at or above the
//! threshold fails its case (the failure carries every finding, masked);
//! findings below it are printed with the passing case. A file that could
//! not be read or parsed is a case in error, and so is each rule failure.

use std::fmt::Write as _;
use std::io;

use bulwark_core::{Finding, RuleMeta, ScanError, Severity};

use codespan_reporting::term::termcolor::WriteColor;

use crate::format::{Format, Sequence, Writer};
use crate::model::{FileReport, Tail};

/// JUnit XML: the rules a file may be checked by, and the threshold.
#[derive(Debug)]
pub struct Junit {
    /// Every reported rule.
    pub rules: Vec<RuleMeta>,
    /// Findings at or above this severity fail their case.
    pub fail_on: Severity,
}

impl Format for Junit {
    fn render(&self, file: &FileReport) -> io::Result<Vec<u8>> {
        render_file(self, file)
    }

    fn begin<'w>(
        &'w self,
        out: &'w mut dyn WriteColor,
        early: &[ScanError],
    ) -> io::Result<Box<dyn Writer + 'w>> {
        write_header(out, early)?;
        Ok(Sequence::plain(
            out,
            Box::new(|out, _, tail| write_tail(out, tail)),
        ))
    }
}

/// Text for XML content and attribute values: markup characters escaped,
/// characters XML 1.0 cannot carry replaced.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn finding_text(f: &Finding) -> String {
    let mut text = format!(
        "{}:{}:{}: {} [{}]\n",
        f.file, f.location.line, f.location.column, f.message, f.severity
    );
    if let Some(template) = &f.template {
        let _ = writeln!(text, "rendered from template {template}");
    }
    if let Some(traced) = &f.traced {
        let _ = writeln!(text, "{traced}");
    }
    if let Some(detail) = &f.detail {
        let _ = writeln!(text, "{detail}");
    }
    let _ = writeln!(text, "controls: {}", f.controls.join(", "));
    let _ = writeln!(text, "help: {}", f.remediation);
    text
}

fn error_case(out: &mut String, classname: &str, name: &str, kind: &str, message: &str) {
    let _ = writeln!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\">\n      <error type=\"{kind}\" message=\"{}\">{}</error>\n    </testcase>",
        escape(classname),
        escape(name),
        escape(message),
        escape(message)
    );
}

fn error_message(e: &ScanError) -> String {
    format!("{}: {} [{}]", e.location(), e.message, e.code)
}

/// One file's test suite.
fn render_file(rules: &Junit, file: &FileReport) -> io::Result<Vec<u8>> {
    let Some(name) = file.name.as_deref() else {
        return Ok(Vec::new());
    };
    if file.kind.is_none() && file.errors.is_empty() {
        return Ok(Vec::new());
    }
    // The rules that ran on the file, then any other rule that reported
    // (such as a suppression without a reason).
    let mut ids: Vec<(&str, &str)> = file
        .kind
        .map(|kind| {
            rules
                .rules
                .iter()
                .filter(|r| r.applies_to(kind))
                .map(|r| (r.id.as_str(), r.title.as_str()))
                .collect()
        })
        .unwrap_or_default();
    for f in &file.findings {
        if !ids.iter().any(|(id, _)| *id == &*f.rule_id) {
            ids.push((&f.rule_id, &f.title));
        }
    }
    let mut body = String::new();
    let mut failures = 0;
    for e in &file.errors {
        error_case(
            &mut body,
            name,
            "read and parse",
            "input-error",
            &error_message(e),
        );
    }
    for (id, title) in &ids {
        let found: Vec<&Finding> = file
            .findings
            .iter()
            .filter(|f| &*f.rule_id == *id)
            .collect();
        let case = format!(
            "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"",
            escape(name),
            escape(&format!("{id}: {title}")),
            escape(name)
        );
        body.push_str(&case);
        if found.is_empty() {
            body.push_str("/>\n");
            continue;
        }
        body.push_str(">\n");
        let text: String = found.iter().map(|f| finding_text(f)).collect();
        let worst = found
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Info);
        if worst >= rules.fail_on {
            failures += 1;
            let first = found
                .first()
                .map(|f| f.message.as_str())
                .unwrap_or_default();
            let message = if found.len() > 1 {
                format!("{first} (and {} more)", found.len() - 1)
            } else {
                first.to_owned()
            };
            let _ = writeln!(
                body,
                "      <failure type=\"{worst}\" message=\"{}\">{}</failure>",
                escape(&message),
                escape(&text)
            );
        } else {
            let _ = writeln!(body, "      <system-out>{}</system-out>", escape(&text));
        }
        body.push_str("    </testcase>\n");
    }
    let head = format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{}\" skipped=\"0\">\n",
        escape(name),
        ids.len() + file.errors.len(),
        file.errors.len()
    );
    Ok([
        head.into_bytes(),
        body.into_bytes(),
        b"  </testsuite>\n".to_vec(),
    ]
    .concat())
}

/// The document's start, and the errors found before any file was read.
fn write_header(out: &mut dyn io::Write, early: &[ScanError]) -> io::Result<()> {
    out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bulwark\">\n")?;
    if !early.is_empty() {
        let mut body = String::new();
        for e in early {
            error_case(
                &mut body,
                &e.file,
                "discover",
                "input-error",
                &error_message(e),
            );
        }
        write!(
            out,
            "  <testsuite name=\"bulwark: input errors\" tests=\"{0}\" failures=\"0\" errors=\"{0}\" skipped=\"0\">\n{body}  </testsuite>\n",
            early.len()
        )?;
    }
    Ok(())
}

/// Rule failures as a suite of errors, and the document's end.
fn write_tail(out: &mut dyn io::Write, tail: Tail<'_>) -> io::Result<()> {
    if !tail.failures.is_empty() {
        let mut body = String::new();
        for failure in tail.failures {
            let name = failure.rule_id.as_deref().unwrap_or(&failure.module);
            error_case(
                &mut body,
                &failure.file,
                name,
                "rule-failure",
                &failure.to_string(),
            );
        }
        write!(
            out,
            "  <testsuite name=\"bulwark: rule failures\" tests=\"{0}\" failures=\"0\" errors=\"{0}\" skipped=\"0\">\n{body}  </testsuite>\n",
            tail.failures.len()
        )?;
    }
    out.write_all(b"</testsuites>\n")
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}\n"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}\n"
        );
    }
}
