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
        crate::pretty::nested(&mut out, finding, 2)?;
    }
    Ok(out)
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
