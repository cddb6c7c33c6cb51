//! The JSON report: one object with `schema_version`, `tool`, `findings`,
//! `failures`, `errors`, `summary`, (when there are any) `notices`, and the
//! `coverage` account of every candidate file.
//!
//! It is written as the scan goes (see [`crate::stream`]): the header, then
//! each file's findings, then the rest. The bytes are exactly those of
//! pretty-printing the whole object at once.

use std::io;

use bulwark_core::Finding;
use serde::Serialize;

use crate::pretty::Pretty;

use codespan_reporting::term::termcolor::WriteColor;

use crate::format::{Format, Sequence, Writer};
use crate::model::{FileReport, Tail};

#[derive(Serialize)]
struct Tool<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct Header<'a> {
    /// Bumped on any incompatible change to this layout.
    schema_version: u32,
    tool: Tool<'a>,
}

#[derive(Serialize)]
struct Rest<'a> {
    failures: &'a [bulwark_core::RuleFailure],
    errors: &'a [bulwark_core::ScanError],
    #[serde(skip_serializing_if = "<[bulwark_core::Suppressed]>::is_empty")]
    suppressed: &'a [bulwark_core::Suppressed],
    #[serde(skip_serializing_if = "<[bulwark_core::ExceptionStatus]>::is_empty")]
    exceptions: &'a [bulwark_core::ExceptionStatus],
    summary: &'a bulwark_core::Summary,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notices: &'a [String],
    coverage: bulwark_core::Coverage<'a>,
}

/// The layout's version.
pub const SCHEMA_VERSION: u32 = 2;

/// The JSON report.
#[derive(Debug, Clone)]
pub struct Json {
    /// The version of bulwark, recorded in the report.
    pub tool_version: String,
}

impl Format for Json {
    fn render(&self, file: &FileReport) -> io::Result<Vec<u8>> {
        render_findings(&file.findings)
    }

    fn begin<'w>(
        &'w self,
        out: &'w mut dyn WriteColor,
        _early: &[bulwark_core::ScanError],
    ) -> io::Result<Box<dyn Writer + 'w>> {
        write_header(out, &self.tool_version)?;
        Ok(Sequence::json_elements(
            out,
            Box::new(|out, parts, tail| write_tail(out, parts > 0, tail)),
        ))
    }
}

/// Pretty-printed JSON of `value` as the members of an object: without
/// the braces, each line indented by two spaces.
fn members(value: &impl Serialize) -> io::Result<Vec<u8>> {
    let text = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    // `{\n  "a": …,\n  "b": …\n}` → `  "a": …,\n  "b": …`
    Ok(text
        .strip_prefix(b"{\n")
        .and_then(|t| t.strip_suffix(b"\n}"))
        .unwrap_or_default()
        .to_vec())
}

fn write_header(out: &mut dyn io::Write, tool_version: &str) -> io::Result<()> {
    out.write_all(b"{\n")?;
    out.write_all(&members(&Header {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "bulwark",
            version: tool_version,
        },
    })?)?;
    out.write_all(b",\n  \"findings\": [")
}

/// Findings as elements of the `findings` array: pretty-printed, indented
/// to their depth, separated by commas.
fn render_findings(findings: &[Finding]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    for (i, finding) in findings.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(b"    ");
        by_hand(&mut Pretty::new(&mut out, 2), finding)?;
    }
    Ok(out)
}

/// `f` written member for member as its `Serialize` form is (see
/// [`Pretty`]): a report holds tens of thousands, and serde_json would
/// escape every member name byte by byte. The judgement and the trace,
/// small and rare, go through serde_json. A test writes generated findings
/// both ways.
fn by_hand(w: &mut Pretty<'_>, f: &Finding) -> io::Result<()> {
    w.begin_object();
    w.member("rule_id");
    w.string(&f.rule_id);
    w.member("severity");
    w.string(f.severity.as_str());
    w.member("title");
    w.string(&f.title);
    w.member("controls");
    w.begin_array();
    for control in f.controls.iter() {
        w.item();
        w.string(control);
    }
    w.end_array();
    w.member("file");
    w.string(&f.file);
    for (name, n) in [
        ("line", f.location.line),
        ("column", f.location.column),
        ("end_line", f.location.end_line),
        ("end_column", f.location.end_column),
    ] {
        w.member(name);
        w.number(n);
    }
    if let Some(template) = &f.template {
        w.member("template");
        w.string(template);
    }
    w.member("message");
    w.string(&f.message);
    if let Some(detail) = &f.detail {
        w.member("detail");
        w.string(detail);
    }
    w.member("remediation");
    w.string(&f.remediation);
    w.member("module");
    w.string(&f.module);
    w.member("pointer");
    w.string(&f.pointer);
    if !f.fingerprint.is_empty() {
        w.member("fingerprint");
        w.string(&f.fingerprint);
    }
    if let Some(pss) = &f.pss {
        w.member("pss");
        w.value(pss)?;
    }
    if let Some(traced) = &f.traced {
        w.member("traced");
        w.value(traced)?;
    }
    w.end_object();
    Ok(())
}

fn write_tail(out: &mut dyn io::Write, any: bool, tail: Tail<'_>) -> io::Result<()> {
    out.write_all(if any { b"\n  ],\n" } else { b"],\n" })?;
    out.write_all(&members(&Rest {
        failures: tail.failures,
        errors: tail.errors,
        suppressed: tail.suppressed,
        exceptions: tail.exceptions,
        summary: tail.summary,
        notices: tail.notices,
        coverage: bulwark_core::Coverage::of(tail.coverage),
    })?)?;
    out.write_all(b"\n}\n")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bulwark_core::{InputKind, Location, PssJudgement, Severity, Span, Traced};
    use proptest::prelude::*;

    use super::*;

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(&["a", "Z9", " ", "\"", "\\", "\n", "\u{1}", "é", "/"][..]),
            0..6,
        )
        .prop_map(|p| p.concat())
    }

    proptest! {
        /// A finding written by hand is what serde_json writes of it.
        #[test]
        fn findings_by_hand_are_what_serde_json_writes(
            strings in prop::collection::vec(text(), 9),
            controls in prop::collection::vec(text(), 0..3),
            severity in prop::sample::select(&[Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical][..]),
            numbers in prop::collection::vec(0usize..100_000, 5),
            template in prop::option::of(text()),
            detail in prop::option::of(text()),
            fingerprint in prop::sample::select(&["", "0123456789abcdef0123456789abcdef"][..]),
            namespace in prop::option::of(prop::option::of(text())),
            traced in prop::option::of(prop::option::of(text())),
            depth in 0usize..5,
        ) {
            let finding = Finding {
                rule_id: Arc::from(strings[0].as_str()),
                severity,
                title: Arc::from(strings[1].as_str()),
                controls: Arc::from(controls),
                file: Arc::from(strings[2].as_str()),
                location: Location {
                    line: numbers[0],
                    column: numbers[1],
                    end_line: numbers[2],
                    end_column: numbers[3],
                },
                template,
                message: strings[3].clone(),
                detail,
                remediation: Arc::from(strings[4].as_str()),
                module: Arc::from(strings[5].as_str()),
                pointer: strings[6].clone(),
                fingerprint: fingerprint.to_owned(),
                kind: InputKind::Kubernetes,
                span: Span::new(0, 1),
                redactions: Vec::new(),
                pss: namespace.map(|namespace| PssJudgement {
                    level: strings[7].clone(),
                    version: "latest".to_owned(),
                    mode: "enforce".to_owned(),
                    namespace,
                }),
                traced: traced.map(|base_image| Traced {
                    dockerfile: strings[8].clone(),
                    line: numbers[4],
                    instruction: "RUN x".to_owned(),
                    base_image,
                }),
            };
            let mut expected = Vec::new();
            crate::pretty::nested(&mut expected, &finding, depth)?;
            let mut written = Vec::new();
            by_hand(&mut Pretty::new(&mut written, depth), &finding)?;
            prop_assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&expected)
            );
        }
    }
}
