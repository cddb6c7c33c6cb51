//! The JSON report: one object with `findings`, `failures`, `errors` and
//! `summary`, plus the tool that produced it.

use std::io;

use serde::Serialize;

use crate::ScanReport;

#[derive(Serialize)]
struct Tool<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct Document<'a> {
    /// Bumped on any incompatible change to this layout.
    schema_version: u32,
    tool: Tool<'a>,
    #[serde(flatten)]
    report: &'a ScanReport,
}

/// Writes `report` as pretty-printed JSON followed by a newline.
///
/// # Errors
///
/// Any error writing to `out`.
pub fn write(out: &mut dyn io::Write, report: &ScanReport, tool_version: &str) -> io::Result<()> {
    let doc = Document {
        schema_version: 1,
        tool: Tool {
            name: "bulwark",
            version: tool_version,
        },
        report,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}
