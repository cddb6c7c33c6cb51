//! The Dockerfile parser, with BuildKit's semantics.
//!
//! [`parse`] turns a Dockerfile or Containerfile into a [`Document`] whose
//! JSON (documented in `wit/documents.md`) lists the build stages and their
//! instructions with typed arguments, RUN scripts parsed into simple
//! commands, and every element's source span. It covers parser directives,
//! escape characters (including the backtick), line continuations with
//! comments and blank lines inside, heredocs, exec and shell forms,
//! instruction flags, multi-stage builds, `ARG` substitution in `FROM`, and
//! `ONBUILD`. Anything BuildKit would reject is an input error with its
//! line and column.
//!
//! It does not evaluate the build: no image is pulled, no file is read, and
//! only `FROM` and `USER` get variables substituted.

mod instruction;
mod json_array;
mod lines;
mod logical;
mod node;
mod shell;
mod words;

use std::collections::HashMap;
use std::sync::Arc;

use bulwark_core::{Document, InputKind, Node, SourceFile, Span, Text};

use self::instruction::{Body, Context, Instruction, Spanned};
use self::lines::Directive;
use crate::error::{Error, ErrorKind};
use bulwark_core::image_ref::{self as image, ImageRef};

/// A parsed Dockerfile, before conversion to a document.
#[derive(Debug, Clone)]
pub(crate) struct Dockerfile {
    pub directives: Vec<Directive>,
    pub escape: char,
    /// ARG instructions before the first FROM, as document nodes.
    pub global_args: Vec<Node>,
    pub stages: Vec<Stage>,
}

/// One build stage.
#[derive(Debug, Clone)]
pub(crate) struct Stage {
    pub index: usize,
    pub name: Option<Spanned>,
    /// The FROM instruction.
    pub from: Instruction,
    pub base: Base,
    /// The instructions after `FROM`, each made a document node as soon as
    /// it is read (the parsed form is not kept: on a large file it would
    /// double what parsing holds at once).
    pub instructions: Vec<Node>,
    /// The span of the last instruction, its heredocs included.
    pub last: Option<Span>,
    /// Variables and shell in effect at the end of the stage so far.
    scope: Scope,
}

/// What a stage is built on.
#[derive(Debug, Clone)]
pub(crate) struct Base {
    /// The image as written.
    pub image: Spanned,
    /// The image with build arguments substituted.
    pub resolved: String,
    pub reference: ImageRef,
    /// The earlier stage this one builds on, if any.
    pub stage: Option<usize>,
    pub platform: Option<Text>,
    /// Build arguments referenced in the image but without a value.
    pub unresolved: Vec<String>,
}

/// Parses `source` as a Dockerfile.
///
/// # Errors
///
/// An [`Error`] naming the file, line and column for anything BuildKit
/// would reject: bad parser directives, unknown instructions or flags,
/// malformed exec form, unterminated heredocs, instructions before the first
/// `FROM`, missing arguments, or no stage at all.
pub fn parse(source: Arc<SourceFile>) -> Result<Document, Error> {
    parse_within(source, None)
}

/// [`parse`], refusing a Dockerfile whose document cannot fit in
/// `rule_memory` bytes of a rule module's memory: each value takes 16
/// bytes of it in the tree a module is handed (`bulwark:rules@0.3.0`), so
/// more values than `rule_memory / 16` can never be judged. The count is
/// kept as instructions become nodes, and the parse stops at the one that
/// passes it: the host never builds more of such a document than that.
///
/// # Errors
///
/// As [`parse`], and [`ErrorKind::DocumentTooLarge`] at that instruction.
pub fn parse_within(source: Arc<SourceFile>, rule_memory: Option<u64>) -> Result<Document, Error> {
    let dockerfile = parse_dockerfile(&source, rule_memory)?;
    let root = node::to_node(dockerfile, &source);
    Ok(Document {
        kind: InputKind::Dockerfile,
        source,
        root,
        template: None,
    })
}

fn error_at(source: &SourceFile, offset: usize, kind: ErrorKind) -> Error {
    let (line, column) = source.line_col(offset);
    Error::new(source.name(), line, column, kind)
}

/// Variables and shell in scope while walking a stage.
#[derive(Debug, Clone, Default)]
struct Scope {
    /// Build arguments declared in the stage.
    args: HashMap<Text, String>,
    /// Environment, inherited by stages built on this one.
    env: HashMap<Text, String>,
    shell: Vec<Text>,
}

impl Scope {
    /// The value of `name`; ENV overrides ARG, as in BuildKit.
    fn get(&self, name: &str) -> Option<String> {
        self.env.get(name).or_else(|| self.args.get(name)).cloned()
    }
}

/// Bytes a value takes in a module's tree (`start`, `key-len`, `kind-len`,
/// `end`), before any text.
const TREE_BYTES_PER_VALUE: u64 = 16;

/// Counts the values of the document as its nodes are made, against the
/// most a rule module's memory can hold.
struct Budget {
    values: u64,
    most: Option<u64>,
    limit: u64,
}

impl Budget {
    fn new(rule_memory: Option<u64>) -> Budget {
        Budget {
            values: 0,
            most: rule_memory.map(|m| m / TREE_BYTES_PER_VALUE),
            limit: rule_memory.unwrap_or(0),
        }
    }

    /// Adds `node`'s values; the error when they no longer fit.
    fn add(&mut self, node: &Node, source: &SourceFile, at: usize) -> Result<(), Error> {
        self.values += node::values(node);
        match self.most {
            Some(most) if self.values > most => Err(error_at(
                source,
                at,
                ErrorKind::DocumentTooLarge {
                    values: most,
                    limit: self.limit,
                },
            )),
            _ => Ok(()),
        }
    }
}

pub(crate) fn parse_dockerfile(
    source: &SourceFile,
    rule_memory: Option<u64>,
) -> Result<Dockerfile, Error> {
    let mut budget = Budget::new(rule_memory);
    let raw = lines::lex(source).map_err(|(offset, kind)| error_at(source, offset, kind))?;
    let escape = raw.escape;
    let default_shell = vec![Text::const_new("/bin/sh"), Text::const_new("-c")];
    let mut global_args = Vec::new();
    let mut global_defaults: HashMap<Text, String> = HashMap::new();
    let mut stages: Vec<Stage> = Vec::new();

    let first_offset = raw.instructions.first().map_or(0, |i| i.span.start);
    for raw_instruction in raw.instructions {
        let shell = stages
            .last()
            .map_or(&default_shell, |s| &s.scope.shell)
            .clone();
        let ctx = Context {
            escape,
            shell: &shell,
        };
        let instr = instruction::interpret(&raw_instruction, &ctx)
            .map_err(|(offset, kind)| error_at(source, offset, kind))?;
        match (&instr.body, stages.last_mut()) {
            (Body::From { image, name }, _) => {
                let lookup = |n: &str| global_defaults.get(n).cloned();
                let expanded = words::expand(&image.value, escape, &lookup);
                let resolved = expanded.value;
                let stage_ref = stages.iter().position(|s| {
                    s.name
                        .as_ref()
                        .is_some_and(|n| n.value.eq_ignore_ascii_case(&resolved))
                });
                let platform = instr
                    .flags
                    .iter()
                    .find(|f| f.name == "platform")
                    .and_then(|f| f.value.clone());
                // Environment and shell carry over to a stage built on
                // another; build arguments do not.
                let scope = match stage_ref.and_then(|i| stages.get(i)) {
                    Some(parent) => Scope {
                        args: HashMap::new(),
                        env: parent.scope.env.clone(),
                        shell: parent.scope.shell.clone(),
                    },
                    None => Scope {
                        shell: default_shell.clone(),
                        ..Scope::default()
                    },
                };
                let base = Base {
                    image: image.clone(),
                    reference: image::parse(&resolved),
                    resolved,
                    stage: stage_ref,
                    platform,
                    unresolved: expanded.unresolved,
                };
                let name = name.clone();
                stages.push(Stage {
                    index: stages.len(),
                    name,
                    from: instr,
                    base,
                    instructions: Vec::new(),
                    last: None,
                    scope,
                });
            }
            (Body::Pairs(pairs), None) if instr.keyword == "ARG" => {
                for pair in pairs {
                    if let Some(value) = &pair.value {
                        let lookup = |n: &str| global_defaults.get(n).cloned();
                        let v = words::expand(&value.value, escape, &lookup).value;
                        global_defaults.insert(pair.key.value.clone(), v);
                    }
                }
                let made = node::instruction(&instr, None);
                budget.add(&made, source, instr.span.start)?;
                global_args.push(made);
            }
            (_, None) => {
                return Err(error_at(
                    source,
                    instr.keyword_span.start,
                    ErrorKind::BeforeFrom {
                        instruction: instr.keyword.to_string(),
                    },
                ));
            }
            (body, Some(stage)) => {
                let scope = &mut stage.scope;
                let mut resolved_user = None;
                match body {
                    Body::Pairs(pairs) if instr.keyword == "ARG" => {
                        for pair in pairs {
                            let value = match &pair.value {
                                Some(v) => Some(v.value.to_string()),
                                None => global_defaults.get(pair.key.value.as_str()).cloned(),
                            };
                            if let Some(v) = value {
                                scope.args.insert(pair.key.value.clone(), v);
                            }
                        }
                    }
                    Body::Pairs(pairs) if instr.keyword == "ENV" => {
                        for pair in pairs {
                            if let Some(v) = &pair.value {
                                let lookup = |n: &str| scope.get(n);
                                let expanded = words::expand(&v.value, '\0', &lookup).value;
                                scope.env.insert(pair.key.value.clone(), expanded);
                            }
                        }
                    }
                    Body::Shell(args) => {
                        scope.shell = args.iter().map(|a| a.value.clone()).collect();
                    }
                    Body::User { user, group } => {
                        let lookup = |n: &str| scope.get(n);
                        let u = words::expand(&user.value, '\0', &lookup).value;
                        let g = group
                            .as_ref()
                            .map(|g| words::expand(&g.value, '\0', &lookup).value);
                        resolved_user = Some((u, g));
                    }
                    _ => {}
                }
                stage.last = Some(
                    instr
                        .span
                        .cover(instr.heredocs.last().map_or(instr.span, |h| h.span)),
                );
                let made = node::instruction(&instr, resolved_user.as_ref());
                budget.add(&made, source, instr.span.start)?;
                stage.instructions.push(made);
            }
        }
    }
    if stages.is_empty() {
        return Err(error_at(source, first_offset, ErrorKind::NoStage));
    }
    Ok(Dockerfile {
        directives: raw.directives,
        escape,
        global_args,
        stages,
    })
}

#[cfg(test)]
mod tests;
