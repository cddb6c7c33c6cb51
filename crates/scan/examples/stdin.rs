//! Scans standard input as an editor integration would: the unsaved
//! buffer comes in on stdin, its name (for the kind and for messages) as
//! the first argument, and one line per problem goes out in the form
//! editors' problem matchers read, `NAME:LINE:COLUMN: SEVERITY RULE:
//! MESSAGE`.
//!
//!     cargo run -p bulwark-scan --example stdin -- Dockerfile < Dockerfile
//!
//! The scanner is built once; an editor would keep it and call
//! `scan_source` on every change.

use std::io::{Read, Write};

use bulwark_scan::{FileOutcome, Scanner, ScannerBuilder};

/// One problem per line, findings and input errors alike, in file order.
fn problems(name: &str, outcome: &FileOutcome) -> Vec<String> {
    let mut out: Vec<(usize, usize, String)> = outcome
        .report
        .errors
        .iter()
        .map(|e| {
            let (line, column) = (e.line.unwrap_or(1), e.column.unwrap_or(1));
            (
                line,
                column,
                format!("{name}:{line}:{column}: error {}: {}", e.code, e.message),
            )
        })
        .collect();
    out.extend(outcome.report.findings.iter().map(|f| {
        let (line, column) = (f.location.line, f.location.column);
        (
            line,
            column,
            format!(
                "{name}:{line}:{column}: {} {}: {}",
                f.severity, f.rule_id, f.message
            ),
        )
    }));
    out.sort();
    out.into_iter().map(|(_, _, text)| text).collect()
}

/// Scans `buffer`, named `name`, with `scanner`.
fn check(scanner: &Scanner, name: &str, buffer: Vec<u8>) -> Vec<String> {
    // The kind comes from the name (`Dockerfile`, `compose.yaml`), else
    // from the content.
    let kind = bulwark_inputs::classify_name(name);
    problems(name, &scanner.scan_source(name, kind, buffer))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "<stdin>".to_owned());
    let mut buffer = Vec::new();
    std::io::stdin().lock().read_to_end(&mut buffer)?;
    let scanner = ScannerBuilder::new().build()?;
    let problems = check(&scanner, &name, buffer);
    let mut out = std::io::stdout().lock();
    for problem in &problems {
        writeln!(out, "{problem}")?;
    }
    std::process::exit(i32::from(!problems.is_empty()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_an_unsaved_buffer_as_an_editor_reads_it() {
        let scanner = ScannerBuilder::new().build().expect("scanner");
        let problems = check(
            &scanner,
            "Dockerfile",
            b"FROM debian:12\nENV API_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345\n".to_vec(),
        );
        assert!(
            problems.contains(&"Dockerfile:1:1: high docker-user-root: the final stage sets no USER, so the container runs as root".to_owned()),
            "{problems:#?}"
        );
        let secret = problems
            .iter()
            .find(|p| p.contains("docker-secret-literal"))
            .expect("the literal secret");
        assert!(secret.starts_with("Dockerfile:2:"), "{secret}");
        assert!(
            !problems.iter().any(|p| p.contains("ghp_")),
            "{problems:#?}"
        );
        // The same scanner, the next change: a syntax error, with its code.
        let problems = check(&scanner, "Dockerfile", b"FROM debian:12\nRUNN x\n".to_vec());
        assert_eq!(
            problems,
            [
                "Dockerfile:2:1: error unknown-instruction: unknown instruction (did you mean `RUN`?)"
            ]
        );
    }
}
