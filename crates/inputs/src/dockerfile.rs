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
/// `rule_memory` bytes of a rule module's memory: the tree a module is
/// handed (`bulwark:rules@0.3.0`) takes 16 bytes a value, and a text too
/// long to share is written whole each time, so a document needing more
/// than `rule_memory` can never be judged. The count is kept as
/// instructions become nodes, and the parse stops at the one that passes
/// it: the host never builds more of such a document than that.
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
    /// Shared: every instruction of the stage is read with it.
    shell: Arc<[Text]>,
}

impl Scope {
    /// The value of `name`; ENV overrides ARG, as in BuildKit.
    fn get(&self, name: &str) -> Option<&String> {
        self.env.get(name).or_else(|| self.args.get(name))
    }
}

/// Most bytes of text that substituting variables and starting stages on
/// earlier ones may copy in one Dockerfile. Each `$NAME` is a copy of its
/// value, and a stage built on another copies its environment: a file of
/// a kilobyte whose `ENV` lines each name the one before ten times holds a
/// value of 10 GB by its seventh, and a stage chain copies an environment
/// once per stage.
pub const MAX_COPIED: usize = 16 << 20;

/// What a copied environment entry costs besides its text (its slot).
const ENTRY_COST: usize = 32;

/// The text copied so far by substitutions and inherited scopes, against
/// [`MAX_COPIED`].
#[derive(Default)]
struct Copies(std::cell::Cell<usize>);

impl Copies {
    /// Counts `bytes` about to be copied; false once past the bound.
    fn charge(&self, bytes: usize) -> bool {
        let total = self.0.get().saturating_add(bytes);
        self.0.set(total);
        total <= MAX_COPIED
    }

    /// A copy of `value`, while within the bound (past it, nothing: the
    /// parse then stops at [`Copies::check`]).
    fn take(&self, value: Option<&String>) -> Option<String> {
        value.filter(|v| self.charge(v.len())).cloned()
    }

    /// The error, at `at`, once the bound has been passed.
    fn check(&self, source: &SourceFile, at: usize) -> Result<(), Error> {
        if self.0.get() > MAX_COPIED {
            return Err(error_at(source, at, ErrorKind::ExpansionBomb(MAX_COPIED)));
        }
        Ok(())
    }

    /// `word` with its variables substituted from `values` (each copy
    /// counted), once within the bound and whole (its defaults nested no
    /// deeper than [`words::MAX_SUBSTITUTION_DEPTH`]); the error at `at`
    /// otherwise.
    fn expand<'v>(
        &self,
        word: &str,
        escape: char,
        values: impl Fn(&str) -> Option<&'v String>,
        source: &SourceFile,
        at: usize,
    ) -> Result<words::Expanded, Error> {
        let expanded = words::expand(word, escape, &|n: &str| self.take(values(n)));
        self.check(source, at)?;
        if expanded.too_deep {
            let depth = words::MAX_SUBSTITUTION_DEPTH;
            return Err(error_at(source, at, ErrorKind::SubstitutionTooDeep(depth)));
        }
        Ok(expanded)
    }
}

/// Counts what the document needs of a module's memory as its nodes are
/// made ([`node::tree_bytes`]), against the most a module may use.
struct Budget {
    bytes: u64,
    limit: Option<u64>,
}

impl Budget {
    /// Adds `node`'s bytes; the error when they no longer fit.
    fn add(&mut self, node: &Node, source: &SourceFile, at: usize) -> Result<(), Error> {
        self.bytes += node::tree_bytes("", node);
        match self.limit {
            Some(limit) if self.bytes > limit => {
                Err(error_at(source, at, ErrorKind::DocumentTooLarge { limit }))
            }
            _ => Ok(()),
        }
    }
}

pub(crate) fn parse_dockerfile(
    source: &SourceFile,
    rule_memory: Option<u64>,
) -> Result<Dockerfile, Error> {
    let mut budget = Budget {
        bytes: 0,
        limit: rule_memory,
    };
    let raw = lines::lex(source).map_err(|(offset, kind)| error_at(source, offset, kind))?;
    let escape = raw.escape;
    let default_shell: Arc<[Text]> = Arc::new([Text::const_new("/bin/sh"), Text::const_new("-c")]);
    let mut global_args = Vec::new();
    let mut global_defaults: HashMap<Text, String> = HashMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    // The first stage of each name, lower-cased: `FROM name` finds it
    // without going through every stage before.
    let mut stage_names: HashMap<String, usize> = HashMap::new();
    let copies = Copies::default();

    let first_offset = raw.instructions.first().map_or(0, |i| i.span.start);
    for raw_instruction in raw.instructions {
        let shell = Arc::clone(stages.last().map_or(&default_shell, |s| &s.scope.shell));
        let ctx = Context {
            escape,
            shell: &shell,
        };
        let instr = instruction::interpret(&raw_instruction, &ctx)
            .map_err(|(offset, kind)| error_at(source, offset, kind))?;
        match (&instr.body, stages.last_mut()) {
            (Body::From { image, name }, _) => {
                let defaults = |n: &str| global_defaults.get(n);
                let expanded =
                    copies.expand(&image.value, escape, defaults, source, instr.span.start)?;
                let resolved = expanded.value;
                let stage_ref = stage_names.get(&resolved.to_ascii_lowercase()).copied();
                let platform = instr
                    .flags
                    .iter()
                    .find(|f| f.name == "platform")
                    .and_then(|f| f.value.clone());
                // Environment and shell carry over to a stage built on
                // another; build arguments do not.
                let scope = match stage_ref.and_then(|i| stages.get(i)) {
                    Some(parent) => {
                        let env = &parent.scope.env;
                        copies.charge(
                            env.iter()
                                .map(|(k, v)| k.len() + v.len() + ENTRY_COST)
                                .sum(),
                        );
                        copies.check(source, instr.span.start)?;
                        Scope {
                            args: HashMap::new(),
                            env: env.clone(),
                            shell: Arc::clone(&parent.scope.shell),
                        }
                    }
                    None => Scope {
                        shell: Arc::clone(&default_shell),
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
                if let Some(name) = &name {
                    stage_names
                        .entry(name.value.as_str().to_ascii_lowercase())
                        .or_insert(stages.len());
                }
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
                        let defaults = |n: &str| global_defaults.get(n);
                        let v = copies
                            .expand(&value.value, escape, defaults, source, instr.span.start)?
                            .value;
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
                                None => copies.take(global_defaults.get(pair.key.value.as_str())),
                            };
                            copies.check(source, instr.span.start)?;
                            if let Some(v) = value {
                                scope.args.insert(pair.key.value.clone(), v);
                            }
                        }
                    }
                    Body::Pairs(pairs) if instr.keyword == "ENV" => {
                        for pair in pairs {
                            if let Some(v) = &pair.value {
                                let values = |n: &str| scope.get(n);
                                let expanded = copies
                                    .expand(&v.value, '\0', values, source, instr.span.start)?
                                    .value;
                                scope.env.insert(pair.key.value.clone(), expanded);
                            }
                        }
                    }
                    Body::Shell(args) => {
                        scope.shell = args.iter().map(|a| a.value.clone()).collect();
                    }
                    Body::User { user, group } => {
                        let values = |n: &str| scope.get(n);
                        let at = instr.span.start;
                        let u = copies.expand(&user.value, '\0', values, source, at)?.value;
                        let g = match group {
                            Some(g) => {
                                Some(copies.expand(&g.value, '\0', values, source, at)?.value)
                            }
                            None => None,
                        };
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
