//! Converts a parsed Dockerfile into the document tree rule modules see.
//!
//! The layout is the public document schema for `dockerfile` inputs
//! (`wit/documents.md`); every node carries the span of the construct it
//! describes, so any JSON pointer a rule returns maps to source.

use bulwark_core::{Node, SourceFile, Span, TREE_SHARED_UP_TO, Text, Value};

use super::instruction::{Body, CommandLine, Instruction, Spanned};
use super::shell::{Script, SimpleCommand};
use super::{Dockerfile, Stage};

pub(crate) fn to_node(df: Dockerfile, source: &SourceFile) -> Node {
    let whole = Span::new(0, source.text().len());
    let directives = Node::object(
        df.directives.first().map_or(Span::default(), |d| d.span),
        df.directives
            .iter()
            .map(|d| (d.name.clone(), Node::string(d.span, d.value.clone()))),
    );
    let last = df.stages.len().saturating_sub(1);
    Node::object(
        whole,
        [
            ("directives", directives),
            (
                "escape",
                Node::string(Span::default(), df.escape.to_string()),
            ),
            ("global_args", Node::array(whole, df.global_args)),
            (
                "stages",
                Node::array(
                    whole,
                    df.stages
                        .into_iter()
                        .map(|s| {
                            let is_final = s.index == last;
                            stage(s, is_final)
                        })
                        .collect(),
                ),
            ),
        ],
    )
}

/// The bytes `node` (itself included, under member name `key`) adds to
/// the tree a rule module is handed, at least: 16 a value, and a member
/// name with its text when they are too long to be shared (written whole
/// each time; shorter ones may be written once for the whole document).
pub(crate) fn tree_bytes(key: &str, node: &Node) -> u64 {
    let text = match &node.value {
        Value::String(t) | Value::Number(t) => t.len(),
        _ => 0,
    };
    let written = key.len() + text;
    let own = 16
        + if written > TREE_SHARED_UP_TO {
            written as u64
        } else {
            0
        };
    own + match &node.value {
        Value::Array(items) => items.iter().map(|n| tree_bytes("", n)).sum(),
        Value::Object(fields) => fields.iter().map(|(k, n)| tree_bytes(k, n)).sum(),
        _ => 0,
    }
}

fn string(s: &Spanned) -> Node {
    Node::string(s.span, s.value.clone())
}

fn stage(s: Stage, is_final: bool) -> Node {
    let span = s.from.span;
    let b = &s.base;
    let from = Node::object(
        span,
        [
            ("image", string(&b.image)),
            ("resolved", Node::string(b.image.span, b.resolved.clone())),
            (
                "registry",
                Node::opt_string(b.image.span, b.reference.registry.clone()),
            ),
            (
                "repository",
                Node::string(b.image.span, b.reference.repository.clone()),
            ),
            (
                "tag",
                Node::opt_string(b.image.span, b.reference.tag.clone()),
            ),
            (
                "digest",
                Node::opt_string(b.image.span, b.reference.digest.clone()),
            ),
            (
                "stage",
                b.stage.map_or(Node::null(b.image.span), |i| {
                    Node::int(b.image.span, i as i64)
                }),
            ),
            (
                "scratch",
                Node::bool(b.image.span, b.resolved.eq_ignore_ascii_case("scratch")),
            ),
            ("platform", Node::opt_string(span, b.platform.clone())),
            (
                "unresolved",
                Node::array(
                    b.image.span,
                    b.unresolved
                        .iter()
                        .map(|u| Node::string(b.image.span, u.clone()))
                        .collect(),
                ),
            ),
            ("flags", flags(&s.from)),
        ],
    );
    let stage_span = s.last.map_or(span, |last| span.cover(last));
    Node::object(
        stage_span,
        [
            ("index", Node::int(span, s.index as i64)),
            ("name", s.name.as_ref().map_or(Node::null(span), string)),
            ("final", Node::bool(span, is_final)),
            ("from", from),
            ("instructions", Node::array(stage_span, s.instructions)),
        ],
    )
}

fn flags(instr: &Instruction) -> Node {
    Node::array(
        instr.span,
        instr
            .flags
            .iter()
            .map(|f| {
                Node::object(
                    f.span,
                    [
                        ("name", Node::string(f.span, f.name.clone())),
                        ("value", Node::opt_string(f.span, f.value.clone())),
                    ],
                )
            })
            .collect(),
    )
}

pub(crate) fn instruction(instr: &Instruction, user: Option<&(String, Option<String>)>) -> Node {
    let span = instr.span;
    // Ten members: the three every instruction has, six of a RUN, CMD or
    // ENTRYPOINT (the most common) and the heredocs.
    let mut fields: Vec<(Text, Node)> = Vec::with_capacity(10);
    fields.push((
        Text::const_new("keyword"),
        Node::string(instr.keyword_span, instr.keyword.clone()),
    ));
    fields.push((Text::const_new("flags"), flags(instr)));
    fields.push((Text::const_new("args"), string(&instr.args)));
    let mut add = |k: &'static str, v: Node| fields.push((Text::const_new(k), v));
    match &instr.body {
        Body::From { image, name } => {
            add("image", string(image));
            add("name", name.as_ref().map_or(Node::null(span), string));
        }
        Body::Command(cmd) => command_fields(cmd, span, &mut add),
        Body::Healthcheck(cmd) => {
            add("none", Node::bool(span, cmd.is_none()));
            if let Some(cmd) = cmd {
                command_fields(cmd, span, &mut add);
            }
        }
        Body::Shell(args) => add("exec", Node::array(span, args.iter().map(string).collect())),
        Body::Pairs(pairs) => add(
            "pairs",
            Node::array(
                span,
                pairs
                    .iter()
                    .map(|p| {
                        Node::object(
                            p.span,
                            [
                                ("key", string(&p.key)),
                                ("value", p.value.as_ref().map_or(Node::null(p.span), string)),
                            ],
                        )
                    })
                    .collect(),
            ),
        ),
        Body::Copy {
            sources,
            destination,
        } => {
            add(
                "sources",
                Node::array(span, sources.iter().map(string).collect()),
            );
            add("destination", string(destination));
        }
        Body::User { user: u, group } => {
            add("user", string(u));
            add("group", group.as_ref().map_or(Node::null(span), string));
            let (ru, rg) = match user {
                Some((ru, rg)) => (Text::from(ru.as_str()), rg.as_deref().map(Text::from)),
                None => (u.value.clone(), group.as_ref().map(|g| g.value.clone())),
            };
            add("resolved_user", Node::string(u.span, ru));
            add(
                "resolved_group",
                Node::opt_string(group.as_ref().map_or(u.span, |g| g.span), rg),
            );
        }
        Body::Value(v) => add("value", string(v)),
        Body::List(values) => add(
            "values",
            Node::array(span, values.iter().map(string).collect()),
        ),
        Body::Onbuild(trigger) => add("trigger", instruction(trigger, None)),
    }
    fields.push((
        Text::const_new("heredocs"),
        Node::array(
            span,
            instr
                .heredocs
                .iter()
                .map(|h| {
                    Node::object(
                        h.span,
                        [
                            ("name", Node::string(h.span, h.name.clone())),
                            ("content", Node::string(h.span, h.content.clone())),
                            ("strip_tabs", Node::bool(h.span, h.strip_tabs)),
                            ("expand", Node::bool(h.span, h.expand)),
                            (
                                "fd",
                                h.fd.map_or(Node::null(h.span), |fd| {
                                    Node::int(h.span, i64::from(fd))
                                }),
                            ),
                        ],
                    )
                })
                .collect(),
        ),
    ));
    Node::object(span, fields)
}

fn command_fields(cmd: &CommandLine, span: Span, add: &mut dyn FnMut(&'static str, Node)) {
    match cmd {
        CommandLine::Exec { args, script } => {
            add("form", Node::string(span, "exec"));
            add("exec", Node::array(span, args.iter().map(string).collect()));
            add("script", Node::null(span));
            add("interpreter", Node::null(span));
            add("commands", commands(script, span));
            add("shell_error", Node::null(span));
        }
        CommandLine::Shell {
            text,
            interpreter,
            script,
        } => {
            add("form", Node::string(span, "shell"));
            add("exec", Node::null(span));
            add("script", string(text));
            add("interpreter", Node::string(span, interpreter.clone()));
            add("commands", commands(script, span));
            add("shell_error", Node::opt_string(span, script.error.clone()));
        }
    }
}

fn commands(script: &Script, span: Span) -> Node {
    Node::array(span, script.commands.iter().map(command).collect())
}

fn command(c: &SimpleCommand) -> Node {
    let s = c.span;
    let argv = c
        .argv
        .iter()
        .map(|w| Node::string(w.span, w.value.clone()))
        .collect();
    let env = c
        .env
        .iter()
        .map(|(name, value, whole)| {
            Node::object(
                *whole,
                [
                    ("name", Node::string(*whole, name.clone())),
                    ("value", Node::string(value.span, value.value.clone())),
                ],
            )
        })
        .collect();
    let redirects = c
        .redirects
        .iter()
        .map(|r| {
            Node::object(
                s,
                [
                    ("op", Node::string(s, r.op)),
                    ("target", Node::string(s, r.target.clone())),
                    ("body", Node::opt_string(s, r.body.clone())),
                ],
            )
        })
        .collect();
    Node::object(
        s,
        [
            ("argv", Node::array(s, argv)),
            ("env", Node::array(s, env)),
            ("redirects", Node::array(s, redirects)),
            ("list", Node::int(s, c.list as i64)),
            ("pipeline", Node::int(s, c.pipeline as i64)),
            ("position", Node::int(s, c.position as i64)),
            ("after", Node::opt_string(s, c.after)),
            (
                "parent",
                c.parent.map_or(Node::null(s), |p| Node::int(s, p as i64)),
            ),
        ],
    )
}
