//! The Markdown job summary written to `$GITHUB_STEP_SUMMARY`: the
//! verdict, counts by severity, the first findings, suppressions, errors
//! and notices, with everything from inputs and modules escaped for
//! Markdown and HTML.

use std::fmt::Write as _;
use std::io;

use bulwark_core::{Finding, Severity, SuppressionKind, Verdict};
use codespan_reporting::term::termcolor::WriteColor;

use crate::format::{Format, Writer};
use crate::locate::Locator;
use crate::model::{FileReport, Tail};
use crate::text::plural;

/// The job summary.
#[derive(Debug)]
pub struct JobSummary {
    /// Findings at or above this severity fail the run (shown in bold).
    pub fail_on: Severity,
    /// Maps file names to repository paths.
    pub locator: Locator,
}

impl Format for JobSummary {
    fn render(&self, file: &FileReport) -> io::Result<Vec<u8>> {
        Ok(render_rows(self, &file.findings))
    }

    fn begin<'w>(
        &'w self,
        out: &'w mut dyn WriteColor,
        _early: &[bulwark_core::ScanError],
    ) -> io::Result<Box<dyn Writer + 'w>> {
        Ok(Box::new(Rows {
            summary: self,
            out,
            rows: Vec::new(),
            kept: 0,
            more: 0,
        }))
    }
}

/// The summary is written whole at the end: rows are kept until then, the
/// first [`SUMMARY_ROWS`] of them, and the rest counted.
struct Rows<'w> {
    summary: &'w JobSummary,
    out: &'w mut dyn WriteColor,
    rows: Vec<u8>,
    kept: usize,
    more: usize,
}

impl Writer for Rows<'_> {
    fn part(&mut self, part: &[u8]) -> io::Result<()> {
        for row in part.split_inclusive(|&b| b == b'\n') {
            if self.kept < SUMMARY_ROWS {
                self.rows.extend_from_slice(row);
                self.kept += 1;
            } else {
                self.more += 1;
            }
        }
        Ok(())
    }

    fn finish(self: Box<Self>, tail: Tail<'_>) -> io::Result<()> {
        write_summary(self.out, self.summary, &self.rows, self.more, tail)?;
        self.out.flush()
    }
}

/// The most findings the job summary lists; the rest are counted.
pub const SUMMARY_ROWS: usize = 100;

/// Text for a Markdown table cell or list item: code spans (`` `…` ``)
/// kept as code, everything else with the HTML and Markdown punctuation
/// that could change the page (tags, links, images, emphasis, cell
/// breaks) escaped; line breaks as `<br>` (a space inside code), control
/// and invisible characters as visible escapes.
fn cell(text: &str) -> String {
    let text = crate::escape::lines(text);
    let mut out = String::with_capacity(text.len());
    let spans: Vec<&str> = text.split('`').collect();
    // An unpaired backtick opens no code span: it is escaped as text.
    let paired = spans.len() % 2 == 1;
    for (i, part) in spans.iter().enumerate() {
        let code = i % 2 == 1 && (paired || i + 1 < spans.len() - 1);
        if i > 0 {
            out.push_str(if code || (i % 2 == 0 && (paired || i < spans.len() - 1)) {
                "`"
            } else {
                "&#96;"
            });
        }
        if code {
            out.push_str(&part.replace('|', "\\|").replace('\n', " "));
            continue;
        }
        for c in part.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '|' => out.push_str("\\|"),
                '*' | '_' | '[' | ']' | '!' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                '\n' => out.push_str("<br>"),
                c => out.push(c),
            }
        }
    }
    out
}

/// Text shown as code in the summary: HTML-escaped inside `<code>`, so no
/// backtick in it can end the span.
fn code(text: &str) -> String {
    let text = crate::escape::inline(text);
    let mut out = String::with_capacity(text.len() + 13);
    out.push_str("<code>");
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            c => out.push(c),
        }
    }
    out.push_str("</code>");
    out
}

/// One table row per finding, for the job summary.
fn render_rows(style: &JobSummary, findings: &[Finding]) -> Vec<u8> {
    let mut out = String::new();
    let mut lookup = style.locator.lookup();
    for f in findings {
        let at = match f
            .template
            .as_deref()
            .and_then(|t| lookup.chart_template(&f.file, t))
        {
            Some(template) => template,
            None => format!("{}:{}", lookup.path(&f.file), f.location.line),
        };
        let mark = if f.severity >= style.fail_on {
            "**"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "| {mark}{}{mark} | {} | {} | {} |",
            f.severity,
            code(&f.rule_id),
            code(&at),
            cell(&f.message)
        );
    }
    out.into_bytes()
}

/// The job summary: verdict, counts, the first [`SUMMARY_ROWS`] findings
/// (`rows`, with `more` left out), suppressions, errors and notices.
fn write_summary(
    out: &mut dyn WriteColor,
    style: &JobSummary,
    rows: &[u8],
    more: usize,
    tail: Tail<'_>,
) -> io::Result<()> {
    let s = tail.summary;
    let icon = match s.verdict {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
        Verdict::InputError | Verdict::RuleFailure => "⚠️",
    };
    let mut text = format!("### {icon} bulwark: {}\n\n", s.verdict.word());
    let _ = writeln!(
        text,
        "{}; **{} at or above `{}`**.\n",
        s.counts(),
        s.blocking,
        s.fail_on
    );
    if !s.by_severity.is_empty() {
        text.push_str("| Severity | Findings |\n| --- | ---: |\n");
        for (severity, n) in s.by_severity.iter().rev() {
            let _ = writeln!(text, "| {severity} | {n} |");
        }
        text.push('\n');
    }
    if !rows.is_empty() {
        text.push_str("| Severity | Rule | Location | Finding |\n| --- | --- | --- | --- |\n");
        text.push_str(&String::from_utf8_lossy(rows));
        if more > 0 {
            let _ = writeln!(
                text,
                "\n_… and {more} more finding{}: see the SARIF or JSON report._",
                plural(more)
            );
        }
        text.push('\n');
    }
    if !tail.suppressed.is_empty() {
        let _ = writeln!(
            text,
            "<details><summary>{} suppressed finding{}</summary>\n\n| Rule | Location | How | Reason | Owner | Expires |\n| --- | --- | --- | --- | --- | --- |",
            tail.suppressed.len(),
            plural(tail.suppressed.len())
        );
        for x in tail.suppressed.iter().take(SUMMARY_ROWS) {
            let how = match x.kind {
                SuppressionKind::Inline => "inline",
                SuppressionKind::Annotation => "annotation",
                SuppressionKind::Exception => "exception",
            };
            let _ = writeln!(
                text,
                "| {} | {} | {how} | {} | {} | {} |",
                code(&x.rule_id),
                code(&format!("{}:{}", style.locator.path(&x.file), x.line)),
                cell(&x.reason),
                cell(x.owner.as_deref().unwrap_or("")),
                cell(x.expires.as_deref().unwrap_or(""))
            );
        }
        text.push_str("\n</details>\n\n");
    }
    for (title, items) in [
        (
            "Input errors",
            tail.errors
                .iter()
                .map(|e| {
                    let at = match (e.line, e.column) {
                        (Some(l), Some(c)) => format!("{}:{l}:{c}", style.locator.path(&e.file)),
                        _ => style.locator.path(&e.file),
                    };
                    format!("{}: {} ({})", code(&at), cell(&e.message), cell(&e.code))
                })
                .collect::<Vec<_>>(),
        ),
        (
            "Rule failures",
            tail.failures.iter().map(|f| cell(&f.to_string())).collect(),
        ),
        ("Notices", tail.notices.iter().map(|n| cell(n)).collect()),
    ] {
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(text, "**{title}**\n");
        for item in items.iter().take(SUMMARY_ROWS) {
            let _ = writeln!(text, "- {item}");
        }
        text.push('\n');
    }
    out.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_markup_and_keep_code() {
        assert_eq!(cell("a|b <c>\nd"), "a\\|b &lt;c&gt;<br>d");
        assert_eq!(
            cell("`x|*` *y* \u{1b}[1m"),
            "`x\\|*` \\*y\\* \\\\u{1b}\\[1m"
        );
        assert_eq!(cell("a ` b [c](d)"), "a &#96; b \\[c\\](d)");
        assert_eq!(code("a`|<b>"), "<code>a`&#124;&lt;b&gt;</code>");
    }
}
