//! Interprets one raw instruction: keyword, flags and typed arguments.
//!
//! Argument syntax follows BuildKit instruction by instruction: exec (JSON)
//! or shell form for RUN, CMD and ENTRYPOINT; `key=value` pairs (and the
//! legacy `ENV key value`) for ENV and LABEL; `name[=default]` for ARG;
//! sources and destination for COPY and ADD; and so on. Which instructions
//! may appear where, and variable scopes, are the caller's concern.

use bulwark_core::{Span, Text};

use super::json_array;
use super::lines::{RawHeredoc, RawInstruction};
use super::logical::Logical;
use super::shell::{self, Script};
use super::words::{split_words, unquote};
use crate::error::ErrorKind;

/// Every instruction BuildKit knows.
pub(crate) const KEYWORDS: [&str; 18] = [
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// A string with its source span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spanned {
    pub value: Text,
    pub span: Span,
}

/// An instruction flag (`--mount=type=cache,target=/x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flag {
    pub name: Text,
    /// `None` for a bare boolean flag (`--link`).
    pub value: Option<Text>,
    pub span: Span,
}

/// A `key=value` pair of ENV, LABEL or ARG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pair {
    pub key: Spanned,
    /// `None` for `ARG name` without a default.
    pub value: Option<Spanned>,
    pub span: Span,
}

/// A heredoc attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Heredoc {
    pub name: String,
    pub strip_tabs: bool,
    pub expand: bool,
    pub fd: Option<u32>,
    pub content: String,
    pub span: Span,
}

/// The command of RUN, CMD, ENTRYPOINT or HEALTHCHECK CMD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CommandLine {
    /// `["executable", "arg"]`; `script` holds the commands (the argv itself,
    /// and a parsed `sh -c` argument).
    Exec { args: Vec<Spanned>, script: Script },
    /// Shell form, run by the stage's shell. `interpreter` is the shell's
    /// executable; `script` is empty when it is not a POSIX-style shell.
    Shell {
        text: Spanned,
        interpreter: Text,
        script: Script,
    },
}

/// The typed arguments of an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    From {
        image: Spanned,
        name: Option<Spanned>,
    },
    Command(CommandLine),
    /// HEALTHCHECK: `None` for `HEALTHCHECK NONE`.
    Healthcheck(Option<CommandLine>),
    Shell(Vec<Spanned>),
    Pairs(Vec<Pair>),
    Copy {
        sources: Vec<Spanned>,
        destination: Spanned,
    },
    User {
        user: Spanned,
        group: Option<Spanned>,
    },
    Value(Spanned),
    List(Vec<Spanned>),
    Onbuild(Box<Instruction>),
}

/// One interpreted instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Instruction {
    /// Upper-case keyword.
    pub keyword: Text,
    pub keyword_span: Span,
    /// The instruction line (without heredoc bodies).
    pub span: Span,
    pub flags: Vec<Flag>,
    /// The arguments after the flags, as written (continuations joined).
    pub args: Spanned,
    pub body: Body,
    pub heredocs: Vec<Heredoc>,
}

/// An error at a byte offset of the file.
pub(crate) type InstrError = (usize, ErrorKind);

/// What the caller knows that the instruction needs: the escape character
/// and the shell in effect for shell-form commands.
pub(crate) struct Context<'a> {
    pub escape: char,
    pub shell: &'a [Text],
}

fn allowed_flags(keyword: &str) -> &'static [&'static str] {
    match keyword {
        "FROM" => &["platform"],
        "RUN" => &["mount", "network", "security", "device"],
        "COPY" => &["from", "chown", "chmod", "link", "parents", "exclude"],
        "ADD" => &[
            "chown",
            "chmod",
            "link",
            "checksum",
            "keep-git-dir",
            "exclude",
            "unpack",
        ],
        "HEALTHCHECK" => &[
            "interval",
            "timeout",
            "start-period",
            "start-interval",
            "retries",
        ],
        _ => &[],
    }
}

/// Shell executables whose `-c` scripts are POSIX-style.
const POSIX_SHELLS: [&str; 7] = ["sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"];

/// Interprets `raw`.
pub(crate) fn interpret(
    raw: &RawInstruction,
    ctx: &Context<'_>,
) -> Result<Instruction, InstrError> {
    interpret_line(&raw.line, raw.span, &raw.heredocs, ctx, false)
}

fn interpret_line(
    line: &Logical,
    span: Span,
    raw_heredocs: &[RawHeredoc],
    ctx: &Context<'_>,
    in_onbuild: bool,
) -> Result<Instruction, InstrError> {
    let text = line.text();
    let kw_end = text.find(char::is_whitespace).unwrap_or(text.len());
    let written = &text[..kw_end];
    let keyword = written.to_ascii_uppercase();
    let keyword_span = line.span(0, kw_end);
    let at = |pos: usize| line.offset(pos);
    if !KEYWORDS.contains(&keyword.as_str()) {
        return Err((
            keyword_span.start,
            ErrorKind::UnknownInstruction {
                suggestion: suggest(&keyword),
            },
        ));
    }
    if in_onbuild && matches!(keyword.as_str(), "ONBUILD" | "FROM" | "MAINTAINER") {
        return Err((
            keyword_span.start,
            ErrorKind::Syntax(format!("{keyword} is not allowed as an ONBUILD trigger")),
        ));
    }

    // Flags: leading `--name[=value]` words, up to the first other word.
    let mut pos = skip_ws(text, kw_end);
    let mut flags = Vec::new();
    if keyword != "ONBUILD" {
        while text[pos..].starts_with("--") {
            let end = word_end(text, pos, ctx.escape);
            let word = &text[pos + 2..end];
            if word.is_empty() {
                // A bare `--` ends the flags.
                pos = skip_ws(text, end);
                break;
            }
            let (name, value) = match word.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(unquote(v, ctx.escape))),
                None => (word.to_owned(), None),
            };
            if !allowed_flags(&keyword).contains(&name.as_str()) {
                return Err((
                    at(pos),
                    ErrorKind::UnknownFlag {
                        allowed: match allowed_flags(&keyword) {
                            [] => "no flags".to_owned(),
                            flags => flags
                                .iter()
                                .map(|f| format!("`--{f}`"))
                                .collect::<Vec<_>>()
                                .join(", "),
                        },
                        instruction: keyword,
                    },
                ));
            }
            flags.push(Flag {
                name: name.into(),
                value: value.map(Text::from),
                span: line.span(pos, end),
            });
            pos = skip_ws(text, end);
        }
    }
    let rest = &text[pos..];
    let args = Spanned {
        value: rest.into(),
        span: line.span(pos, text.len()),
    };
    let missing = |expected: &'static str| {
        (
            keyword_span.start,
            ErrorKind::MissingArguments {
                instruction: keyword.clone(),
                expected,
            },
        )
    };
    let words = || -> Vec<Spanned> {
        split_words(rest, ctx.escape)
            .into_iter()
            .map(|w| Spanned {
                value: unquote(&rest[w.start..w.end], ctx.escape).into(),
                span: line.span(pos + w.start, pos + w.end),
            })
            .collect()
    };
    let heredocs: Vec<Heredoc> = raw_heredocs
        .iter()
        .map(|h| Heredoc {
            name: h.name.clone(),
            strip_tabs: h.strip_tabs,
            expand: h.expand,
            fd: h.fd,
            content: h.content.text().to_owned(),
            span: h.span,
        })
        .collect();

    let body = match keyword.as_str() {
        "FROM" => {
            let w = words();
            match w.len() {
                0 => return Err(missing("an image")),
                1 => Body::From {
                    image: w[0].clone(),
                    name: None,
                },
                3 if w[1].value.eq_ignore_ascii_case("as") => Body::From {
                    image: w[0].clone(),
                    name: Some(w[2].clone()),
                },
                _ => {
                    return Err((
                        at(pos),
                        ErrorKind::Syntax(
                            "FROM takes an image and optionally `AS name`".to_owned(),
                        ),
                    ));
                }
            }
        }
        "RUN" | "CMD" | "ENTRYPOINT" => {
            if rest.is_empty() && keyword == "RUN" {
                return Err(missing("a command"));
            }
            Body::Command(command_line(&keyword, line, pos, raw_heredocs, ctx)?)
        }
        "HEALTHCHECK" => {
            let first = rest.split_whitespace().next().unwrap_or("");
            if first.eq_ignore_ascii_case("NONE") {
                if rest.split_whitespace().count() > 1 || !flags.is_empty() {
                    return Err((
                        at(pos),
                        ErrorKind::Syntax("HEALTHCHECK NONE takes no other arguments".to_owned()),
                    ));
                }
                Body::Healthcheck(None)
            } else if first.eq_ignore_ascii_case("CMD") {
                let cmd_pos = skip_ws(text, pos + 3);
                if cmd_pos >= text.len() {
                    return Err(missing("a command after CMD"));
                }
                Body::Healthcheck(Some(command_line(&keyword, line, cmd_pos, &[], ctx)?))
            } else {
                return Err(missing("NONE or CMD followed by a command"));
            }
        }
        "SHELL" => {
            let elements = json_array::parse(line, pos).map_err(|reason| {
                (
                    at(pos),
                    ErrorKind::InvalidJson {
                        instruction: keyword.clone(),
                        reason,
                    },
                )
            })?;
            if elements.is_empty() {
                return Err(missing("at least the shell executable"));
            }
            Body::Shell(
                elements
                    .into_iter()
                    .map(|e| Spanned {
                        value: e.value.into(),
                        span: e.span,
                    })
                    .collect(),
            )
        }
        "ENV" | "LABEL" => {
            let pairs = name_values(line, pos, ctx.escape, &keyword)?;
            if pairs.is_empty() {
                return Err(missing("at least one key=value pair"));
            }
            Body::Pairs(pairs)
        }
        "ARG" => {
            let mut pairs = Vec::new();
            for w in split_words(rest, ctx.escape) {
                let raw = &rest[w.start..w.end];
                let span = line.span(pos + w.start, pos + w.end);
                let pair = match raw.find('=') {
                    Some(eq) => Pair {
                        key: Spanned {
                            value: raw[..eq].into(),
                            span: line.span(pos + w.start, pos + w.start + eq),
                        },
                        value: Some(Spanned {
                            value: unquote(&raw[eq + 1..], ctx.escape).into(),
                            span: line.span(pos + w.start + eq + 1, pos + w.end),
                        }),
                        span,
                    },
                    None => Pair {
                        key: Spanned {
                            value: raw.into(),
                            span,
                        },
                        value: None,
                        span,
                    },
                };
                pairs.push(pair);
            }
            if pairs.is_empty() {
                return Err(missing("a name"));
            }
            Body::Pairs(pairs)
        }
        "COPY" | "ADD" => {
            let mut list = maybe_json_list(&keyword, line, pos, &words)?;
            // Heredoc openers stand for files whose content is the heredoc.
            if list.len() < 2 {
                return Err(missing("at least one source and a destination"));
            }
            let destination = list.pop().ok_or_else(|| missing("a destination"))?;
            Body::Copy {
                sources: list,
                destination,
            }
        }
        "USER" => {
            let w = words();
            let Some(first) = w.first() else {
                return Err(missing("a user"));
            };
            if w.len() > 1 {
                return Err((
                    at(pos),
                    ErrorKind::Syntax("USER takes exactly one argument".to_owned()),
                ));
            }
            match first.value.split_once(':') {
                Some((u, g)) => {
                    let split = first.span.start + first.value.find(':').unwrap_or(0);
                    Body::User {
                        user: Spanned {
                            value: u.into(),
                            span: Span::new(first.span.start, split),
                        },
                        group: Some(Spanned {
                            value: g.into(),
                            span: Span::new(split + 1, first.span.end),
                        }),
                    }
                }
                None => Body::User {
                    user: first.clone(),
                    group: None,
                },
            }
        }
        "WORKDIR" | "STOPSIGNAL" | "MAINTAINER" => {
            if rest.is_empty() {
                return Err(missing("an argument"));
            }
            let value = if keyword == "MAINTAINER" {
                rest.to_owned()
            } else {
                unquote(rest, ctx.escape)
            };
            Body::Value(Spanned {
                value: value.into(),
                span: args.span,
            })
        }
        "EXPOSE" | "VOLUME" => {
            let list = if keyword == "VOLUME" {
                maybe_json_list(&keyword, line, pos, &words)?
            } else {
                words()
            };
            if list.is_empty() {
                return Err(missing("at least one argument"));
            }
            Body::List(list)
        }
        "ONBUILD" => {
            if rest.is_empty() {
                return Err(missing("an instruction"));
            }
            let inner = line.slice(pos, text.len());
            let trigger = interpret_line(&inner, args.span, raw_heredocs, ctx, true)?;
            Body::Onbuild(Box::new(trigger))
        }
        _ => unreachable!("keyword list and match agree"),
    };
    Ok(Instruction {
        keyword: keyword.into(),
        keyword_span,
        span,
        flags,
        args,
        body,
        heredocs,
    })
}

fn skip_ws(text: &str, mut pos: usize) -> usize {
    while let Some(c) = text[pos..].chars().next() {
        if !c.is_whitespace() {
            break;
        }
        pos += c.len_utf8();
    }
    pos
}

/// End of the word starting at `pos` (quote- and escape-aware).
fn word_end(text: &str, pos: usize, escape: char) -> usize {
    split_words(&text[pos..], escape)
        .first()
        .map_or(text.len(), |w| pos + w.end)
}

/// Exec form when the arguments are a JSON array, otherwise whitespace
/// separated words (COPY, ADD, VOLUME).
fn maybe_json_list(
    keyword: &str,
    line: &Logical,
    pos: usize,
    words: &dyn Fn() -> Vec<Spanned>,
) -> Result<Vec<Spanned>, InstrError> {
    let rest = &line.text()[pos..];
    if rest.starts_with('[') {
        match json_array::parse(line, pos) {
            Ok(elements) => {
                return Ok(elements
                    .into_iter()
                    .map(|e| Spanned {
                        value: e.value.into(),
                        span: e.span,
                    })
                    .collect());
            }
            Err(reason) if json_array::looks_like_json(rest) => {
                return Err((
                    line.offset(pos),
                    ErrorKind::InvalidJson {
                        instruction: keyword.to_owned(),
                        reason,
                    },
                ));
            }
            Err(_) => {}
        }
    }
    Ok(words())
}

/// Parses the command of RUN, CMD, ENTRYPOINT or HEALTHCHECK CMD starting at
/// `pos` of `line`.
fn command_line(
    keyword: &str,
    line: &Logical,
    pos: usize,
    heredocs: &[RawHeredoc],
    ctx: &Context<'_>,
) -> Result<CommandLine, InstrError> {
    let text = line.text();
    let rest = &text[pos..];
    if rest.starts_with('[') {
        match json_array::parse(line, pos) {
            Ok(elements) => {
                let args: Vec<Spanned> = elements
                    .into_iter()
                    .map(|e| Spanned {
                        value: e.value.into(),
                        span: e.span,
                    })
                    .collect();
                let script = exec_script(&args);
                return Ok(CommandLine::Exec { args, script });
            }
            Err(reason) if json_array::looks_like_json(rest) => {
                return Err((
                    line.offset(pos),
                    ErrorKind::InvalidJson {
                        instruction: keyword.to_owned(),
                        reason,
                    },
                ));
            }
            Err(_) => {}
        }
    }
    let interpreter = ctx
        .shell
        .first()
        .cloned()
        .unwrap_or_else(|| Text::const_new("/bin/sh"));
    let shell_name = interpreter
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let shell_name = shell_name.trim_end_matches(".exe");
    let text_node = Spanned {
        value: rest.into(),
        span: line.span(pos, text.len()),
    };
    if !POSIX_SHELLS.contains(&shell_name) {
        return Ok(CommandLine::Shell {
            text: text_node,
            interpreter: interpreter.clone(),
            script: Script::default(),
        });
    }
    let script_text = line.slice(pos, text.len());
    let script = if heredocs.is_empty() {
        shell::parse(&script_text)
    } else {
        heredoc_script(&script_text, heredocs)
    };
    Ok(CommandLine::Shell {
        text: text_node,
        interpreter,
        script,
    })
}

/// The script a shell-form RUN with heredocs runs. `RUN <<EOF` alone runs
/// the body as the script (unless a shebang names another interpreter);
/// otherwise the heredocs feed the command line as shell here-documents.
fn heredoc_script(script_text: &Logical, heredocs: &[RawHeredoc]) -> Script {
    let words = split_words(script_text.text(), '\0');
    let only_opener = heredocs.len() == 1 && words.len() == 1;
    if only_opener {
        let body = &heredocs[0].content;
        let first_line = body.text().lines().next().unwrap_or("");
        if let Some(shebang) = first_line.strip_prefix("#!") {
            let interpreter = shebang.split_whitespace().collect::<Vec<_>>();
            let prog = match interpreter.as_slice() {
                [env, prog, ..] if env.ends_with("/env") => prog,
                [prog, ..] => prog,
                [] => "",
            };
            let name = prog.rsplit('/').next().unwrap_or("");
            if !POSIX_SHELLS.contains(&name) {
                return Script::default();
            }
        }
        return shell::parse(body);
    }
    let mut full = script_text.clone();
    for h in heredocs {
        let end = full.full_span().end;
        full.push("\n", end);
        let content = &h.content;
        full.push(content.text(), content.offset(0));
        full.push(&h.name, h.span.end.saturating_sub(h.name.len()));
        full.push("\n", h.span.end);
    }
    shell::parse(&full)
}

/// The commands of an exec-form array: the array itself as one command, and
/// for `["sh", "-c", "script"]` the script's commands too.
fn exec_script(args: &[Spanned]) -> Script {
    shell::parse_exec(
        args.iter()
            .map(|a| shell::ShellWord {
                value: a.value.clone(),
                span: a.span,
            })
            .collect(),
    )
}

/// `key=value …` pairs of ENV and LABEL, or the legacy `key value` form.
fn name_values(
    line: &Logical,
    pos: usize,
    escape: char,
    keyword: &str,
) -> Result<Vec<Pair>, InstrError> {
    let rest = &line.text()[pos..];
    let words = split_words(rest, escape);
    let Some(first) = words.first() else {
        return Ok(Vec::new());
    };
    if !rest[first.start..first.end].contains('=') {
        // Legacy `ENV key value with spaces`: the rest of the line is the value.
        let key = &rest[first.start..first.end];
        let value_start = skip_ws(rest, first.end);
        if value_start >= rest.len() {
            return Err((
                line.offset(pos),
                ErrorKind::MissingArguments {
                    instruction: keyword.to_owned(),
                    expected: "a value for the key (or key=value)",
                },
            ));
        }
        return Ok(vec![Pair {
            key: Spanned {
                value: unquote(key, escape).into(),
                span: line.span(pos + first.start, pos + first.end),
            },
            value: Some(Spanned {
                value: unquote(&rest[value_start..], escape).into(),
                span: line.span(pos + value_start, pos + rest.len()),
            }),
            span: line.span(pos + first.start, pos + rest.len()),
        }]);
    }
    let mut pairs = Vec::new();
    for w in words {
        let raw = &rest[w.start..w.end];
        let Some(eq) = raw.find('=') else {
            return Err((
                line.offset(pos + w.start),
                ErrorKind::Syntax(format!("{keyword} arguments must all be key=value pairs")),
            ));
        };
        pairs.push(Pair {
            key: Spanned {
                value: unquote(&raw[..eq], escape).into(),
                span: line.span(pos + w.start, pos + w.start + eq),
            },
            value: Some(Spanned {
                value: unquote(&raw[eq + 1..], escape).into(),
                span: line.span(pos + w.start + eq + 1, pos + w.end),
            }),
            span: line.span(pos + w.start, pos + w.end),
        });
    }
    Ok(pairs)
}

/// A known keyword within edit distance 2 of `word`.
fn suggest(word: &str) -> Option<&'static str> {
    KEYWORDS
        .iter()
        .map(|k| (distance(word, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
