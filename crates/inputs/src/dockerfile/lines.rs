//! Splits a Dockerfile into logical instructions, BuildKit's way.
//!
//! This module owns parser directives (`# syntax=`, `# escape=`, `# check=`),
//! comment lines, line continuations with the escape character (including
//! comment and blank lines inside a continuation) and heredoc bodies. It does
//! not look inside instructions beyond finding heredoc openers: that is
//! `instruction.rs`'s job.

use bulwark_core::{SourceFile, Span};

use super::logical::Logical;
use super::words::split_words;
use crate::error::ErrorKind;

/// A parser directive at the top of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Directive {
    pub name: String,
    pub value: String,
    pub span: Span,
}

/// A comment line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comment {
    /// The text after `#`, trimmed.
    pub text: String,
    pub span: Span,
}

/// A heredoc body read after an instruction line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawHeredoc {
    /// The delimiter word without quotes.
    pub name: String,
    /// `<<-`: leading tabs are stripped from body lines and the terminator.
    pub strip_tabs: bool,
    /// False when the delimiter was quoted: no expansion inside the body.
    pub expand: bool,
    /// The file descriptor prefix (`3<<EOF`), if any.
    pub fd: Option<u32>,
    /// The body, each line ending in `\n`, tabs stripped for `<<-`.
    pub content: Logical,
    /// The span of the opener (`<<EOF`) in the instruction line.
    pub opener: Span,
    /// The span of the body and terminator lines.
    pub span: Span,
}

/// One instruction as written, before its arguments are interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawInstruction {
    /// The logical line: continuations joined, leading whitespace removed.
    pub line: Logical,
    /// From the keyword to the end of the last line of the logical line.
    pub span: Span,
    /// Heredoc bodies, in the order their openers appear.
    pub heredocs: Vec<RawHeredoc>,
    /// Comment lines directly above the instruction.
    pub comments: Vec<Comment>,
}

/// A Dockerfile split into directives and raw instructions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawFile {
    pub directives: Vec<Directive>,
    pub escape: char,
    pub instructions: Vec<RawInstruction>,
}

/// A lexing error at a byte offset.
pub(crate) type LexError = (usize, ErrorKind);

const KNOWN_DIRECTIVES: [&str; 3] = ["syntax", "escape", "check"];
const HEREDOC_INSTRUCTIONS: [&str; 3] = ["RUN", "COPY", "ADD"];

/// One physical line: its text without terminator and its start offset.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    text: &'a str,
    start: usize,
}

fn physical_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let mut body = &text[start..i];
            if let Some(stripped) = body.strip_suffix('\r') {
                body = stripped;
            }
            lines.push(Line { text: body, start });
            start = i + 1;
        }
    }
    if start < text.len() {
        let mut body = &text[start..];
        if let Some(stripped) = body.strip_suffix('\r') {
            body = stripped;
        }
        lines.push(Line { text: body, start });
    }
    lines
}

fn is_comment(line: &str) -> bool {
    line.trim_start_matches([' ', '\t']).starts_with('#')
}

fn is_blank(line: &str) -> bool {
    line.trim_matches([' ', '\t', '\u{c}', '\u{b}']).is_empty()
}

/// Parses `# name=value` as a directive, if it has that shape.
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix('#')?.trim_start_matches([' ', '\t']);
    let eq = rest.find('=')?;
    let name = rest[..eq].trim_end_matches([' ', '\t']);
    if name.is_empty()
        || !name.starts_with(|c: char| c.is_ascii_alphabetic())
        || !name.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return None;
    }
    let value = rest[eq + 1..].trim_matches([' ', '\t']);
    Some((name.to_ascii_lowercase(), value.to_owned()))
}

/// Removes a trailing continuation (escape followed by blanks) from `line`.
/// Returns the remaining text and whether the line continues.
fn strip_continuation(line: &str, escape: char) -> (&str, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    match trimmed.strip_suffix(escape) {
        Some(rest) => (rest, true),
        None => (line, false),
    }
}

/// Splits `source` into directives and raw instructions.
pub(crate) fn lex(source: &SourceFile) -> Result<RawFile, LexError> {
    let text = source.text();
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let lines = physical_lines(text);
    let mut escape = '\\';
    let mut directives: Vec<Directive> = Vec::new();
    let mut i = 0;

    // Parser directives: only at the very top, before any other line.
    while let Some(line) = lines.get(i) {
        let (body, start) = if i == 0 {
            (&line.text[bom.min(line.text.len())..], line.start + bom)
        } else {
            (line.text, line.start)
        };
        let Some((name, value)) = directive(body) else {
            break;
        };
        if !KNOWN_DIRECTIVES.contains(&name.as_str()) {
            break;
        }
        let span = Span::new(start, line.start + line.text.len());
        if directives.iter().any(|d| d.name == name) {
            return Err((
                start,
                ErrorKind::Directive(format!("only one `{name}` parser directive can be used")),
            ));
        }
        if name == "escape" {
            escape = match value.as_str() {
                "\\" => '\\',
                "`" => '`',
                _ => {
                    return Err((
                        start,
                        ErrorKind::Directive("invalid escape token: it must be ` or \\".to_owned()),
                    ));
                }
            };
        }
        directives.push(Directive { name, value, span });
        i += 1;
    }

    let mut instructions = Vec::new();
    let mut comments: Vec<Comment> = Vec::new();
    while i < lines.len() {
        let line = lines[i];
        let (body, body_start) = if i == 0 {
            let skip = bom.min(line.text.len());
            (&line.text[skip..], line.start + skip)
        } else {
            (line.text, line.start)
        };
        i += 1;
        if is_comment(body) {
            let hash = body.find('#').unwrap_or(0);
            comments.push(Comment {
                text: body[hash + 1..].trim().to_owned(),
                span: Span::new(body_start + hash, body_start + body.len()),
            });
            continue;
        }
        if is_blank(body) {
            comments.clear();
            continue;
        }
        let lead = body.len() - body.trim_start_matches([' ', '\t', '\u{c}', '\u{b}']).len();
        let first = &body[lead..];
        let first_start = body_start + lead;
        let mut logical = Logical::new();
        let (piece, mut continues) = strip_continuation(first, escape);
        logical.push(piece, first_start);
        let mut end = body_start + body.len();
        while continues && i < lines.len() {
            let next = lines[i];
            i += 1;
            if is_comment(next.text) || is_blank(next.text) {
                continue;
            }
            let (piece, more) = strip_continuation(next.text, escape);
            logical.push(piece, next.start);
            end = next.start + next.text.len();
            continues = more;
        }
        let span = Span::new(first_start, end);

        let mut heredocs = Vec::new();
        if can_contain_heredoc(logical.text()) {
            for opener in heredoc_openers(&logical, escape) {
                let mut content = Logical::new();
                let body_start_offset = lines.get(i).map_or(text.len(), |l| l.start);
                let mut terminated = false;
                let mut body_end = body_start_offset;
                while i < lines.len() {
                    let l = lines[i];
                    i += 1;
                    body_end = l.start + l.text.len();
                    let (candidate, tabs) = if opener.strip_tabs {
                        let t = l.text.trim_start_matches('\t');
                        (t, l.text.len() - t.len())
                    } else {
                        (l.text, 0)
                    };
                    if candidate == opener.name {
                        terminated = true;
                        break;
                    }
                    // Keep the line terminator so the body is the file's text.
                    let line_end = (l.start + l.text.len() + 1).min(text.len());
                    let with_newline = &text[l.start + tabs..line_end];
                    if with_newline.ends_with('\n') {
                        let trimmed = with_newline.trim_end_matches(['\r', '\n']);
                        content.push(trimmed, l.start + tabs);
                        content.push("\n", l.start + l.text.len());
                    } else {
                        content.push(with_newline, l.start + tabs);
                        content.push("\n", line_end.saturating_sub(1).max(l.start));
                    }
                }
                if !terminated {
                    return Err((opener.opener.start, ErrorKind::UnterminatedHeredoc));
                }
                heredocs.push(RawHeredoc {
                    content,
                    span: Span::new(body_start_offset, body_end),
                    ..opener
                });
            }
        }
        instructions.push(RawInstruction {
            line: logical,
            span,
            heredocs,
            comments: std::mem::take(&mut comments),
        });
    }
    Ok(RawFile {
        directives,
        escape,
        instructions,
    })
}

/// Returns true if and only if the logical line is an instruction whose
/// arguments may open heredocs: RUN, COPY or ADD (also under ONBUILD), in
/// shell (not JSON) form.
fn can_contain_heredoc(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let mut keyword = words.next().unwrap_or("").to_ascii_uppercase();
    if keyword == "ONBUILD" {
        keyword = words.next().unwrap_or("").to_ascii_uppercase();
    }
    if !HEREDOC_INSTRUCTIONS.contains(&keyword.as_str()) {
        return false;
    }
    // Skip flags; JSON (exec) form never holds heredocs.
    let rest = words.find(|w| !w.starts_with("--")).unwrap_or("");
    !rest.starts_with('[')
}

/// Finds `<<WORD`, `<<-WORD`, `<<"WORD"` and `N<<WORD` openers among the
/// shell words of `line`.
fn heredoc_openers(line: &Logical, escape: char) -> Vec<RawHeredoc> {
    let mut out = Vec::new();
    for word in split_words(line.text(), escape) {
        let raw = &line.text()[word.start..word.end];
        let digits = raw.len() - raw.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let Some(rest) = raw[digits..].strip_prefix("<<") else {
            continue;
        };
        let (strip_tabs, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if rest.starts_with('<') {
            // `<<<` is a here-string, not a heredoc.
            continue;
        }
        let (name, expand) = match unquote_delimiter(rest) {
            Some(v) => v,
            None => continue,
        };
        if name.is_empty() || name.contains('<') {
            continue;
        }
        out.push(RawHeredoc {
            name,
            strip_tabs,
            expand,
            fd: if digits > 0 {
                raw[..digits].parse().ok()
            } else {
                None
            },
            content: Logical::new(),
            opener: line.span(word.start, word.end),
            span: Span::default(),
        });
    }
    out
}

fn unquote_delimiter(raw: &str) -> Option<(String, bool)> {
    for q in ['"', '\''] {
        if let Some(inner) = raw.strip_prefix(q) {
            return inner.strip_suffix(q).map(|n| (n.to_owned(), false));
        }
    }
    if raw.contains(['"', '\'']) {
        // `<<E"O"F` quotes part of the word: the shell treats it as quoted.
        return Some((raw.replace(['"', '\''], ""), false));
    }
    Some((raw.to_owned(), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex_str(s: &str) -> RawFile {
        lex(&SourceFile::new("Dockerfile", s)).expect("lexes")
    }

    #[test]
    fn joins_continuations_skipping_comments_and_blanks() {
        let f =
            lex_str("FROM a\nRUN apt-get update \\\n# comment\n\n    && apt-get install -y x\n");
        assert_eq!(f.instructions.len(), 2);
        assert_eq!(
            f.instructions[1].line.text(),
            "RUN apt-get update     && apt-get install -y x"
        );
        assert_eq!(f.instructions[1].span, Span::new(7, 66));
    }

    #[test]
    fn reads_directives_only_at_the_top() {
        let f = lex_str(
            "# syntax=docker/dockerfile:1\n# escape=`\nFROM a\n# escape=\\\nRUN a `\n  b\n",
        );
        assert_eq!(f.directives.len(), 2);
        assert_eq!(f.escape, '`');
        assert_eq!(f.instructions[1].line.text(), "RUN a   b");
        assert_eq!(f.instructions[1].comments[0].text, "escape=\\");
    }

    #[test]
    fn rejects_bad_directives() {
        let src = SourceFile::new("D", "# escape=x\nFROM a\n");
        assert!(matches!(lex(&src), Err((0, ErrorKind::Directive(_)))));
        let src = SourceFile::new("D", "# syntax=a\n# syntax=b\nFROM a\n");
        assert!(matches!(lex(&src), Err((11, ErrorKind::Directive(_)))));
    }

    #[test]
    fn reads_several_heredocs_per_line() {
        let f =
            lex_str("FROM a\nCOPY <<one <<-\"two\" /dst/\nhello\none\n\t\tworld\n\ttwo\nRUN x\n");
        let copy = &f.instructions[1];
        assert_eq!(copy.heredocs.len(), 2);
        assert_eq!(copy.heredocs[0].name, "one");
        assert_eq!(copy.heredocs[0].content.text(), "hello\n");
        assert!(copy.heredocs[0].expand);
        assert_eq!(copy.heredocs[1].name, "two");
        assert_eq!(copy.heredocs[1].content.text(), "world\n");
        assert!(copy.heredocs[1].strip_tabs);
        assert!(!copy.heredocs[1].expand);
        assert_eq!(f.instructions[2].line.text(), "RUN x");
    }

    #[test]
    fn reports_unterminated_heredocs() {
        let src = SourceFile::new("D", "FROM a\nRUN <<EOF\necho hi\n");
        assert!(matches!(
            lex(&src),
            Err((11, ErrorKind::UnterminatedHeredoc))
        ));
    }

    #[test]
    fn ignores_heredoc_syntax_outside_run_copy_add() {
        let f = lex_str("FROM a\nENV A=<<EOF\nRUN x\n");
        assert_eq!(f.instructions.len(), 3);
    }
}
