//! GitHub Actions workflow commands (`::error file=…,line=…::message`),
//! which the runner turns into annotations on the changed files, and the
//! Markdown job summary written to `$GITHUB_STEP_SUMMARY`.
//!
//! Findings at or above the threshold are errors, other findings of
//! medium severity or above warnings, the rest notices. Paths are relative
//! to the repository; a finding in a rendered Helm chart is put on its
//! template.

use std::fmt::Write as _;
use std::io;

use bulwark_core::{Finding, Severity};

use crate::locate::Locator;
use crate::stream::Tail;
use crate::summary::plural;
use crate::{SuppressionKind, Verdict};

/// How annotations and the summary are written.
#[derive(Debug)]
pub struct GithubStyle {
    /// Findings at or above this severity fail the run.
    pub fail_on: Severity,
    /// Maps file names to repository paths.
    pub locator: Locator,
    /// End with the one-line summary (when the annotations are the whole
    /// output, not a companion of another format).
    pub summary_line: bool,
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

fn finding_level(style: &GithubStyle, severity: Severity) -> &'static str {
    if severity >= style.fail_on {
        "error"
    } else if severity >= Severity::Medium {
        "warning"
    } else {
        "notice"
    }
}

/// Annotations for one file's findings.
pub(crate) fn render_findings(style: &GithubStyle, findings: &[Finding]) -> Vec<u8> {
    let mut out = String::new();
    let mut lookup = style.locator.lookup();
    for f in findings {
        let mut message = f.message.clone();
        let mut properties = Vec::new();
        match f
            .template
            .as_deref()
            .and_then(|t| lookup.chart_template(&f.file, t))
        {
            Some(template) => {
                properties.push(("file", template));
                let _ = write!(
                    message,
                    " (line {} of the chart as rendered)",
                    f.location.line
                );
            }
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
        let _ = write!(
            message,
            "\n{} · {}\nhelp: {}",
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
pub(crate) fn write_tail(
    out: &mut dyn io::Write,
    style: &GithubStyle,
    tail: Tail<'_>,
) -> io::Result<()> {
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
pub(crate) fn render_rows(style: &GithubStyle, findings: &[Finding]) -> Vec<u8> {
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
pub(crate) fn write_summary(
    out: &mut dyn io::Write,
    style: &GithubStyle,
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
    fn commands_encode_their_parts() {
        assert_eq!(
            command(
                "error",
                &[("file", "a,b:c".to_owned()), ("title", "x%y".to_owned())],
                "50% done\nnext: a, b\r"
            ),
            "::error file=a%2Cb%3Ac,title=x%25y::50%25 done%0Anext: a, b\\r\n"
        );
        assert_eq!(cell("a|b <c>\nd"), "a\\|b &lt;c&gt;<br>d");
        assert_eq!(
            cell("`x|*` *y* \u{1b}[1m"),
            "`x\\|*` \\*y\\* \\\\u{1b}\\[1m"
        );
        assert_eq!(cell("a ` b [c](d)"), "a &#96; b \\[c\\](d)");
        assert_eq!(code("a`|<b>"), "<code>a`&#124;&lt;b&gt;</code>");
        // A message cannot end the command or begin another.
        assert_eq!(
            command("error", &[], "a\n::add-mask::x\r\n\u{1b}]8;;u\u{7}"),
            "::error::a%0A\\::add-mask::x%0A\\u{1b}]8;;u\\u{7}\n"
        );
    }
}
