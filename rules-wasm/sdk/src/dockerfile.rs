//! The typed view of `dockerfile` documents.
//!
//! Mirrors the document bulwark's Dockerfile parser produces (see
//! `wit/documents.md`), read in place from the document's tree: a stage,
//! an instruction, a shell command is a position in the tree, its fields
//! are read when asked for, and its JSON pointer is spelled out only when a
//! finding needs it (`out.report(&instruction.pointer(), …)`). A Dockerfile
//! of half a million instructions costs the tree it came in plus five bytes
//! an instruction, not a struct of strings per instruction and per command.
//! The document's shape is checked once, when the view is made, so no
//! accessor fails: a field the keyword does not have reads as empty.

use std::cell::Cell;

use crate::json::{Json, Shape, Tree, same};
use crate::pointer::{join_index, join_str};

/// A parsed Dockerfile.
pub struct Dockerfile {
    tree: Tree,
    /// Tree positions of the `ARG` instructions before the first `FROM`.
    global_args: Vec<u32>,
    stages: Vec<StageAt>,
    /// Tree positions of every stage's instructions, stage after stage: in
    /// document order, so sorted.
    instructions: Vec<u32>,
    /// The keyword of each global `ARG` and each instruction, as its code
    /// (see [`KEYWORDS`]): every rule asks every instruction for it.
    global_codes: Vec<u8>,
    codes: Vec<u8>,
}

/// The Dockerfile keywords, each known to the view by its place here
/// (plus one; 0 for a keyword not listed, read from the tree when asked).
const KEYWORDS: [&str; 18] = [
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// The code of the keyword of the instruction at `json`.
fn code_of(json: Json<'_>) -> u8 {
    let keyword = read_keyword(json);
    KEYWORDS
        .iter()
        .position(|k| same(k.as_bytes(), keyword.as_bytes()))
        .map_or(0, |i| i as u8 + 1)
}

/// The keyword of the instruction at `json`, read from the tree.
/// (bulwark writes it first, where a lookup looks first.)
fn read_keyword(json: Json<'_>) -> &str {
    json.get("keyword").and_then(|v| v.as_str()).unwrap_or("")
}

/// Where a stage is: its value, and its instructions' range of
/// [`Dockerfile::instructions`].
#[derive(Debug, Clone, Copy)]
struct StageAt {
    node: u32,
    first: u32,
    end: u32,
}

impl Dockerfile {
    /// Parses the document JSON and checks it follows the schema.
    ///
    /// # Errors
    ///
    /// A message when the text is not JSON or does not follow the schema.
    pub fn from_json(json: &str) -> Result<Dockerfile, String> {
        Dockerfile::from_tree(Tree::parse(json)?)
    }

    /// The view of a parsed document, after checking it follows the
    /// schema.
    ///
    /// # Errors
    ///
    /// A message naming the first value that does not follow the schema.
    pub fn from_tree(tree: Tree) -> Result<Dockerfile, String> {
        let root = tree.root();
        check_object(root, &DOCKERFILE)?;
        let members = |name: &str| -> Vec<u32> {
            root.get(name)
                .map(|v| v.children().collect())
                .unwrap_or_default()
        };
        let global_args = members("global_args");
        let stage_nodes = members("stages");
        let of = |node: u32| root.at_index(node).get("instructions");
        // Counted first: one allocation at the size, not a vector doubling
        // through half a million instructions.
        let total = stage_nodes
            .iter()
            .filter_map(|&node| of(node))
            .map(|list| list.children().count())
            .sum();
        let mut stages = Vec::with_capacity(stage_nodes.len());
        let mut instructions = Vec::with_capacity(total);
        for node in stage_nodes {
            let first = count(instructions.len())?;
            if let Some(list) = of(node) {
                instructions.extend(list.children());
            }
            let end = count(instructions.len())?;
            stages.push(StageAt { node, first, end });
        }
        let codes_of = |nodes: &[u32]| nodes.iter().map(|&n| code_of(root.at_index(n))).collect();
        let global_codes = codes_of(&global_args);
        let codes = codes_of(&instructions);
        Ok(Dockerfile {
            tree,
            global_args,
            stages,
            instructions,
            global_codes,
            codes,
        })
    }

    fn json(&self, node: u32) -> Json<'_> {
        self.tree.root().at_index(node)
    }

    /// The document root, for what the typed view does not cover.
    pub fn root(&self) -> Json<'_> {
        self.tree.root()
    }

    /// Parser directive `name` (`syntax`, `escape`, `check`).
    pub fn directive(&self, name: &str) -> Option<&str> {
        self.root()
            .get("directives")
            .and_then(|d| d.get(name))
            .and_then(|v| v.as_str())
    }

    /// The escape character.
    pub fn escape(&self) -> &str {
        text(self.root().get("escape"))
    }

    /// `ARG` instructions before the first `FROM`.
    pub fn global_args(
        &self,
    ) -> impl DoubleEndedIterator<Item = Instruction<'_>> + ExactSizeIterator + Clone {
        self.global_args
            .iter()
            .zip(&self.global_codes)
            .map(move |(&node, &code)| Instruction {
                df: self,
                node,
                code,
            })
    }

    /// The build stages in order; the last one is the default target.
    pub fn stages(&self) -> impl DoubleEndedIterator<Item = Stage<'_>> + ExactSizeIterator + Clone {
        (0..self.stages.len()).map(move |at| Stage { df: self, at })
    }

    /// Stage `at` (its position among the stages).
    pub fn stage(&self, at: usize) -> Option<Stage<'_>> {
        (at < self.stages.len()).then_some(Stage { df: self, at })
    }

    /// The final stage: the image that ships.
    pub fn final_stage(&self) -> Option<Stage<'_>> {
        self.stages()
            .find(|s| s.is_final())
            .or(self.stages().next_back())
    }

    /// `stage` and the stages it builds on, root first. Instructions of all
    /// of them end up in `stage`'s image.
    pub fn chain<'a>(&'a self, stage: Stage<'a>) -> Vec<Stage<'a>> {
        let mut chain = vec![stage];
        let mut current = stage;
        while let Some(parent) = current.from().stage().and_then(|i| self.stage(i)) {
            // Stages only refer backwards; guard against malformed input.
            if parent.index() >= current.index() {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        chain.reverse();
        chain
    }

    /// The final stage and the stages it builds on, root first.
    pub fn final_chain(&self) -> Vec<Stage<'_>> {
        self.final_stage()
            .map(|s| self.chain(s))
            .unwrap_or_default()
    }

    /// Every instruction of every stage, with ONBUILD triggers after their
    /// ONBUILD instruction, plus the global ARGs first.
    pub fn all_instructions(&self) -> Vec<Instruction<'_>> {
        let mut out = Vec::with_capacity(self.global_args.len() + self.instructions.len());
        out.extend(self.global_args());
        for stage in self.stages() {
            for instr in stage.instructions() {
                out.push(instr);
                // Only ONBUILD has a trigger: the keyword, its first member,
                // is found at once; a missing member only after all of them.
                if let Some(t) = instr.is("ONBUILD").then(|| instr.trigger()).flatten() {
                    out.push(t);
                }
            }
        }
        out
    }

    /// The pointer of the instruction at tree position `node`: a stage's,
    /// a global `ARG`, or an ONBUILD trigger inside one of them.
    fn instruction_pointer(&self, node: u32) -> String {
        if let Ok(at) = self.instructions.binary_search(&node) {
            let at = count(at).unwrap_or(u32::MAX);
            let stage = self.stages.partition_point(|s| s.end <= at);
            let first = self.stages.get(stage).map_or(0, |s| s.first);
            return join_index(
                &join_str(&join_index("/stages", stage), "instructions"),
                (at - first) as usize,
            );
        }
        if let Ok(at) = self.global_args.binary_search(&node) {
            return join_index("/global_args", at);
        }
        // A trigger: inside the closest listed instruction before it.
        let before = |list: &[u32]| {
            let at = list.partition_point(|&n| n < node).checked_sub(1)?;
            list.get(at).copied()
        };
        let Some(outer) = before(&self.instructions).max(before(&self.global_args)) else {
            return String::new();
        };
        let mut pointer = self.instruction_pointer(outer);
        let mut at = self.json(outer);
        // Triggers are only ever handed out from their ONBUILD down.
        while at.index() != node {
            let Some(trigger) = at.get("trigger") else {
                break;
            };
            pointer = join_str(&pointer, "trigger");
            at = trigger;
        }
        pointer
    }
}

/// A position as the view's 32-bit offsets count it (the tree's own).
fn count(n: usize) -> Result<u32, String> {
    u32::try_from(n).map_err(|_| "a Dockerfile of too many instructions".to_owned())
}

/// A string member's text; empty when absent or null.
fn text(value: Option<Json<'_>>) -> &str {
    value.and_then(|v| v.as_str()).unwrap_or("")
}

/// The strings of an array member (none when absent or null).
fn strings(value: Option<Json<'_>>) -> Vec<&str> {
    value
        .map(|v| v.children().map(|c| text(Some(v.at_index(c)))).collect())
        .unwrap_or_default()
}

/// The elements of an array member, with their positions.
fn elements<'a>(value: Option<Json<'a>>) -> impl Iterator<Item = (u32, Json<'a>)> + 'a {
    value
        .into_iter()
        .flat_map(|v| v.children().map(move |c| v.at_index(c)))
        .zip(0..)
        .map(|(v, i)| (i, v))
}

/// One build stage.
#[derive(Clone, Copy)]
pub struct Stage<'a> {
    df: &'a Dockerfile,
    /// Its position among the stages.
    at: usize,
}

impl<'a> Stage<'a> {
    fn json(&self) -> Json<'a> {
        self.df
            .json(self.df.stages.get(self.at).map_or(0, |s| s.node))
    }

    /// Its position among the stages.
    pub fn index(&self) -> usize {
        self.json()
            .get("index")
            .and_then(|v| v.as_count())
            .unwrap_or(self.at)
    }

    /// The `AS` name.
    pub fn name(&self) -> Option<&'a str> {
        self.json().get("name").and_then(|v| v.as_str())
    }

    /// Whether this is the final stage (the image that ships).
    pub fn is_final(&self) -> bool {
        self.json()
            .get("final")
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// The `FROM` instruction.
    pub fn from(&self) -> From<'a> {
        let from = self.json().get("from").unwrap_or(self.json());
        From {
            json: from,
            stage: self.at,
        }
    }

    /// The instructions after `FROM`.
    pub fn instructions(
        &self,
    ) -> impl DoubleEndedIterator<Item = Instruction<'a>> + ExactSizeIterator + Clone + use<'a>
    {
        let df = self.df;
        let range = df
            .stages
            .get(self.at)
            .map_or(0..0, |s| s.first as usize..s.end as usize);
        let codes = df.codes.get(range.clone()).unwrap_or_default();
        df.instructions
            .get(range)
            .unwrap_or_default()
            .iter()
            .zip(codes)
            .map(move |(&node, &code)| Instruction { df, node, code })
    }

    /// JSON pointer to the stage.
    pub fn pointer(&self) -> String {
        join_index("/stages", self.at)
    }
}

impl PartialEq for Stage<'_> {
    /// The same stage of the same document.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.df, other.df) && self.at == other.at
    }
}

/// What a stage builds on: its `FROM` instruction.
#[derive(Clone, Copy)]
pub struct From<'a> {
    json: Json<'a>,
    stage: usize,
}

impl<'a> From<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        self.json.get(name).and_then(|v| v.as_str())
    }

    /// The image as written.
    pub fn image(&self) -> &'a str {
        self.get("image").unwrap_or("")
    }

    /// The image with build arguments substituted.
    pub fn resolved(&self) -> &'a str {
        self.get("resolved").unwrap_or("")
    }

    /// Registry host, when written.
    pub fn registry(&self) -> Option<&'a str> {
        self.get("registry")
    }

    /// Repository path.
    pub fn repository(&self) -> &'a str {
        self.get("repository").unwrap_or("")
    }

    /// Tag, when written.
    pub fn tag(&self) -> Option<&'a str> {
        self.get("tag")
    }

    /// Digest, when written.
    pub fn digest(&self) -> Option<&'a str> {
        self.get("digest")
    }

    /// The earlier stage this one is built on.
    pub fn stage(&self) -> Option<usize> {
        self.json.get("stage").and_then(|v| v.as_count())
    }

    /// `FROM scratch`.
    pub fn scratch(&self) -> bool {
        self.json
            .get("scratch")
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// `--platform`.
    pub fn platform(&self) -> Option<&'a str> {
        self.get("platform")
    }

    /// Build arguments the image refers to that have no value.
    pub fn unresolved(&self) -> Vec<&'a str> {
        strings(self.json.get("unresolved"))
    }

    /// Flags of the `FROM` instruction.
    pub fn flags(&self) -> Vec<Flag<'a>> {
        flags(self.json.get("flags"))
    }

    /// Returns true if and only if the stage builds on an external image
    /// (not `scratch`, not another stage) whose name fully resolved.
    pub fn is_external_image(&self) -> bool {
        self.stage().is_none() && !self.scratch() && self.unresolved().is_empty()
    }

    /// JSON pointer to the `FROM` instruction.
    pub fn pointer(&self) -> String {
        join_str(&join_index("/stages", self.stage), "from")
    }

    /// JSON pointer to the image reference.
    pub fn image_pointer(&self) -> String {
        join_str(&self.pointer(), "image")
    }
}

/// An instruction flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag<'a> {
    /// Name without dashes.
    pub name: &'a str,
    /// Value, `None` for a bare flag.
    pub value: Option<&'a str>,
}

fn flags(value: Option<Json<'_>>) -> Vec<Flag<'_>> {
    elements(value)
        .map(|(_, f)| Flag {
            name: text(f.get("name")),
            value: f.get("value").and_then(|v| v.as_str()),
        })
        .collect()
}

/// A `key=value` pair of ENV, LABEL or ARG.
#[derive(Clone, Copy)]
pub struct Pair<'a> {
    /// The key.
    pub key: &'a str,
    /// The value; `None` for `ARG name` without default.
    pub value: Option<&'a str>,
    instruction: Instruction<'a>,
    index: u32,
}

impl Pair<'_> {
    /// JSON pointer to the pair.
    pub fn pointer(&self) -> String {
        self.instruction.member_pointer("pairs", self.index)
    }

    /// JSON pointer to the value.
    pub fn value_pointer(&self) -> String {
        join_str(&self.pointer(), "value")
    }
}

/// A heredoc body attached to an instruction.
#[derive(Clone, Copy)]
pub struct Heredoc<'a> {
    /// The delimiter.
    pub name: &'a str,
    /// The body.
    pub content: &'a str,
    /// `<<-`.
    pub strip_tabs: bool,
    /// False when the delimiter was quoted.
    pub expand: bool,
    instruction: Instruction<'a>,
    index: u32,
}

impl Heredoc<'_> {
    /// JSON pointer to the heredoc.
    pub fn pointer(&self) -> String {
        self.instruction.member_pointer("heredocs", self.index)
    }
}

/// A redirection of a shell command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redirect<'a> {
    /// `>`, `>>`, `<`, `<<` …
    pub op: &'a str,
    /// File or descriptor.
    pub target: &'a str,
    /// Here-document or here-string body.
    pub body: Option<&'a str>,
}

/// An assignment before a command name (`DEBIAN_FRONTEND=noninteractive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVar<'a> {
    /// Variable name.
    pub name: &'a str,
    /// Value as written, unquoted.
    pub value: &'a str,
}

/// The words of a command line, unquoted, read from the document where
/// they are. Reading them in order costs a step a word, whichever way
/// (`iter`, or `get` with rising indices): a command of millions of words
/// is read once, not once a word.
#[derive(Clone)]
pub struct Words<'a> {
    array: Json<'a>,
    /// The last word `get` found: (its index, its tree position), where
    /// the next `get` walks on from.
    cursor: Cell<(u32, u32)>,
}

impl<'a> Words<'a> {
    fn new(array: Json<'a>) -> Words<'a> {
        let first = if array.is_array() {
            array.index() + 1
        } else {
            array.end()
        };
        Words {
            array,
            cursor: Cell::new((0, first)),
        }
    }

    /// The end of the words' tree positions (none for a non-array).
    fn end(&self) -> u32 {
        if self.array.is_array() {
            self.array.end()
        } else {
            0
        }
    }

    /// The number of words.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Returns true if and only if there is no word.
    pub fn is_empty(&self) -> bool {
        self.first().is_none()
    }

    /// Word `index`.
    pub fn get(&self, index: usize) -> Option<&'a str> {
        let index = u32::try_from(index).ok()?;
        let end = self.end();
        let (mut at, mut node) = self.cursor.get();
        if index < at {
            (at, node) = (0, self.array.index() + 1);
        }
        while at < index && node < end {
            node = self.array.at_index(node).end();
            at += 1;
        }
        self.cursor.set((at, node));
        (at == index && node < end)
            .then(|| self.array.at_index(node).as_str())
            .flatten()
    }

    /// The first word (the command name), if any.
    pub fn first(&self) -> Option<&'a str> {
        self.get(0)
    }

    /// The words in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + Clone + use<'a> {
        let array = self.array;
        let children = array.is_array().then(|| array.children());
        children
            .into_iter()
            .flatten()
            .map(move |c| array.at_index(c).as_str().unwrap_or(""))
    }

    /// The words from `index` on (none when `index` is past the end).
    pub fn from(&self, index: usize) -> impl Iterator<Item = &'a str> + Clone + use<'a> {
        self.iter().skip(index)
    }

    /// Returns true if and only if one of the words is `word`.
    pub fn contains(&self, word: &str) -> bool {
        self.iter().any(|w| w == word)
    }
}

impl std::fmt::Debug for Words<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl std::ops::Index<usize> for Words<'_> {
    type Output = str;

    /// Word `index`; panics when there is none, as a vector would (use
    /// [`Words::get`] for words the input decides).
    fn index(&self, index: usize) -> &str {
        match self.get(index) {
            Some(word) => word,
            None => panic!("word {index} of {}", self.len()),
        }
    }
}

/// One simple command of a RUN, CMD, ENTRYPOINT or HEALTHCHECK script.
#[derive(Clone)]
pub struct Command<'a> {
    json: Json<'a>,
    instruction: Instruction<'a>,
    /// Its position among the instruction's commands.
    index: u32,
    argv: Words<'a>,
}

impl<'a> Command<'a> {
    /// Command name and arguments, unquoted.
    pub fn argv(&self) -> &Words<'a> {
        &self.argv
    }

    /// Assignments before the name.
    pub fn env(&self) -> Vec<EnvVar<'a>> {
        elements(self.json.get("env"))
            .map(|(_, e)| EnvVar {
                name: text(e.get("name")),
                value: text(e.get("value")),
            })
            .collect()
    }

    /// Redirections.
    pub fn redirects(&self) -> Vec<Redirect<'a>> {
        elements(self.json.get("redirects"))
            .map(|(_, r)| Redirect {
                op: text(r.get("op")),
                target: text(r.get("target")),
                body: r.get("body").and_then(|v| v.as_str()),
            })
            .collect()
    }

    fn number(&self, name: &str) -> Option<usize> {
        self.json.get(name).and_then(|v| v.as_count())
    }

    /// Index of the and-or list (statement).
    pub fn list(&self) -> usize {
        self.number("list").unwrap_or(0)
    }

    /// Index of the pipeline.
    pub fn pipeline(&self) -> usize {
        self.number("pipeline").unwrap_or(0)
    }

    /// Position within the pipeline.
    pub fn position(&self) -> usize {
        self.number("position").unwrap_or(0)
    }

    /// Operator joining this command to the previous one.
    pub fn after(&self) -> Option<&'a str> {
        self.json.get("after").and_then(|v| v.as_str())
    }

    /// For commands nested in another's argument (`sh -c`, `$(…)`), the
    /// index of that command in the same list.
    pub fn parent(&self) -> Option<usize> {
        self.number("parent")
    }

    /// The instruction whose script this command is part of.
    pub fn instruction(&self) -> Instruction<'a> {
        self.instruction
    }

    /// JSON pointer to the command.
    pub fn pointer(&self) -> String {
        self.instruction.member_pointer("commands", self.index)
    }

    /// JSON pointer to argument `index` (0 is the command name).
    pub fn arg_pointer(&self, index: usize) -> String {
        join_index(&join_str(&self.pointer(), "argv"), index)
    }

    /// JSON pointer to assignment `index`.
    pub fn env_pointer(&self, index: usize) -> String {
        join_index(&join_str(&self.pointer(), "env"), index)
    }
}

/// One instruction. Fields that do not apply to the keyword are empty.
#[derive(Clone, Copy)]
pub struct Instruction<'a> {
    df: &'a Dockerfile,
    node: u32,
    /// Its keyword's code (see [`KEYWORDS`]).
    code: u8,
}

impl PartialEq for Instruction<'_> {
    /// The same instruction of the same document.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.df, other.df) && self.node == other.node
    }
}

impl<'a> Instruction<'a> {
    fn json(&self) -> Json<'a> {
        self.df.json(self.node)
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.json().get(name).and_then(|v| v.as_str())
    }

    /// Upper-case keyword.
    pub fn keyword(&self) -> &'a str {
        match self
            .code
            .checked_sub(1)
            .and_then(|i| KEYWORDS.get(i as usize))
        {
            Some(keyword) => keyword,
            None => read_keyword(self.json()),
        }
    }

    /// Returns true if and only if the instruction has keyword `keyword`
    /// (upper case).
    pub fn is(&self, keyword: &str) -> bool {
        same(self.keyword().as_bytes(), keyword.as_bytes())
    }

    /// Flags.
    pub fn flags(&self) -> Vec<Flag<'a>> {
        flags(self.json().get("flags"))
    }

    /// The value of flag `name`, `Some("")` for a bare flag.
    pub fn flag(&self, name: &str) -> Option<&'a str> {
        self.flags()
            .into_iter()
            .find(|f| f.name == name)
            .map(|f| f.value.unwrap_or(""))
    }

    /// Arguments after the flags, as written.
    pub fn args(&self) -> &'a str {
        self.get("args").unwrap_or("")
    }

    /// `exec` or `shell` (RUN, CMD, ENTRYPOINT, HEALTHCHECK CMD).
    pub fn form(&self) -> Option<&'a str> {
        self.get("form")
    }

    /// Exec-form arguments, or SHELL's.
    pub fn exec(&self) -> Option<Vec<&'a str>> {
        let exec = self.json().get("exec").filter(|v| v.is_array())?;
        Some(strings(Some(exec)))
    }

    /// Shell-form script.
    pub fn script(&self) -> Option<&'a str> {
        self.get("script")
    }

    /// The shell running a shell-form script.
    pub fn interpreter(&self) -> Option<&'a str> {
        self.get("interpreter")
    }

    /// Simple commands of the script.
    pub fn commands(&self) -> Vec<Command<'a>> {
        let instruction = *self;
        elements(self.json().get("commands"))
            .map(|(index, json)| Command {
                json,
                instruction,
                index,
                argv: Words::new(json.get("argv").unwrap_or(json)),
            })
            .collect()
    }

    /// Set when the script is not valid shell syntax.
    pub fn shell_error(&self) -> Option<&'a str> {
        self.get("shell_error")
    }

    /// HEALTHCHECK NONE.
    pub fn none(&self) -> Option<bool> {
        self.json().get("none").and_then(|v| v.as_bool())
    }

    /// ENV, LABEL and ARG pairs.
    pub fn pairs(&self) -> Vec<Pair<'a>> {
        let instruction = *self;
        elements(self.json().get("pairs"))
            .map(|(index, p)| Pair {
                key: text(p.get("key")),
                value: p.get("value").and_then(|v| v.as_str()),
                instruction,
                index,
            })
            .collect()
    }

    /// COPY and ADD sources.
    pub fn sources(&self) -> Vec<&'a str> {
        strings(self.json().get("sources"))
    }

    /// COPY and ADD destination.
    pub fn destination(&self) -> Option<&'a str> {
        self.get("destination")
    }

    /// USER user, as written.
    pub fn user(&self) -> Option<&'a str> {
        self.get("user")
    }

    /// USER group, as written.
    pub fn group(&self) -> Option<&'a str> {
        self.get("group")
    }

    /// USER user with variables substituted.
    pub fn resolved_user(&self) -> Option<&'a str> {
        self.get("resolved_user")
    }

    /// USER group with variables substituted.
    pub fn resolved_group(&self) -> Option<&'a str> {
        self.get("resolved_group")
    }

    /// WORKDIR, STOPSIGNAL, MAINTAINER value.
    pub fn value(&self) -> Option<&'a str> {
        self.get("value")
    }

    /// EXPOSE and VOLUME values.
    pub fn values(&self) -> Vec<&'a str> {
        strings(self.json().get("values"))
    }

    /// ONBUILD trigger.
    pub fn trigger(&self) -> Option<Instruction<'a>> {
        let trigger = self.json().get("trigger").filter(|t| t.is_object())?;
        Some(Instruction {
            df: self.df,
            node: trigger.index(),
            code: code_of(trigger),
        })
    }

    /// Heredoc bodies.
    pub fn heredocs(&self) -> Vec<Heredoc<'a>> {
        let instruction = *self;
        elements(self.json().get("heredocs"))
            .map(|(index, h)| Heredoc {
                name: text(h.get("name")),
                content: text(h.get("content")),
                strip_tabs: h.get("strip_tabs").and_then(|v| v.as_bool()) == Some(true),
                expand: h.get("expand").and_then(|v| v.as_bool()) == Some(true),
                instruction,
                index,
            })
            .collect()
    }

    /// JSON pointer to the instruction.
    pub fn pointer(&self) -> String {
        self.df.instruction_pointer(self.node)
    }

    fn member_pointer(&self, member: &str, index: u32) -> String {
        join_index(&join_str(&self.pointer(), member), index as usize)
    }

    /// JSON pointer to flag `index`.
    pub fn flag_pointer(&self, index: usize) -> String {
        join_index(&join_str(&self.pointer(), "flags"), index)
    }

    /// JSON pointer to COPY/ADD source `index`.
    pub fn source_pointer(&self, index: usize) -> String {
        join_index(&join_str(&self.pointer(), "sources"), index)
    }

    /// JSON pointer to EXPOSE/VOLUME value `index`.
    pub fn value_pointer(&self, index: usize) -> String {
        join_index(&join_str(&self.pointer(), "values"), index)
    }
}

/// The views print as the document's JSON text of what they view.
macro_rules! debug_as_json {
    ($($view:ident),*) => {$(
        impl std::fmt::Debug for $view<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.json().to_json())
            }
        }
    )*};
}

debug_as_json!(Stage, Instruction);

impl std::fmt::Debug for From<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.json.to_json())
    }
}

impl std::fmt::Debug for Command<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.json.to_json())
    }
}

impl std::fmt::Debug for Pair<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pair")
            .field("key", &self.key)
            .field("value", &self.value)
            .finish()
    }
}

impl std::fmt::Debug for Heredoc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Heredoc")
            .field("name", &self.name)
            .field("content", &self.content)
            .field("strip_tabs", &self.strip_tabs)
            .field("expand", &self.expand)
            .finish()
    }
}

impl std::fmt::Debug for Dockerfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.root().to_json())
    }
}

// The schema, checked once when the view is made: required members are
// present, every member the view reads has its type, unknown members are
// ignored (a newer host may add some).

#[derive(Clone, Copy)]
enum Ty {
    Str,
    Bool,
    Count,
    /// An array of strings.
    Strs,
    /// An object of strings.
    Map,
    Obj(&'static [Field]),
    /// An array of objects.
    Objs(&'static [Field]),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Present, not null.
    Required,
    /// May be absent or null.
    Nullable,
    /// May be absent, not null.
    Optional,
}

struct Field {
    name: &'static str,
    ty: Ty,
    need: Need,
}

const fn field(name: &'static str, ty: Ty, need: Need) -> Field {
    Field { name, ty, need }
}

use Need::{Nullable, Optional, Required};

static DOCKERFILE: [Field; 4] = [
    field("directives", Ty::Map, Optional),
    field("escape", Ty::Str, Required),
    field("global_args", Ty::Objs(&INSTRUCTION), Optional),
    field("stages", Ty::Objs(&STAGE), Required),
];

static STAGE: [Field; 5] = [
    field("index", Ty::Count, Required),
    field("name", Ty::Str, Nullable),
    field("final", Ty::Bool, Required),
    field("from", Ty::Obj(&FROM), Required),
    field("instructions", Ty::Objs(&INSTRUCTION), Required),
];

static FROM: [Field; 11] = [
    field("image", Ty::Str, Required),
    field("resolved", Ty::Str, Required),
    field("registry", Ty::Str, Nullable),
    field("repository", Ty::Str, Required),
    field("tag", Ty::Str, Nullable),
    field("digest", Ty::Str, Nullable),
    field("stage", Ty::Count, Nullable),
    field("scratch", Ty::Bool, Required),
    field("platform", Ty::Str, Nullable),
    field("unresolved", Ty::Strs, Optional),
    field("flags", Ty::Objs(&FLAG), Optional),
];

static FLAG: [Field; 2] = [
    field("name", Ty::Str, Required),
    field("value", Ty::Str, Nullable),
];

static INSTRUCTION: [Field; 21] = [
    field("keyword", Ty::Str, Required),
    field("flags", Ty::Objs(&FLAG), Optional),
    field("args", Ty::Str, Optional),
    field("form", Ty::Str, Nullable),
    field("exec", Ty::Strs, Nullable),
    field("script", Ty::Str, Nullable),
    field("interpreter", Ty::Str, Nullable),
    field("commands", Ty::Objs(&COMMAND), Optional),
    field("shell_error", Ty::Str, Nullable),
    field("none", Ty::Bool, Nullable),
    field("pairs", Ty::Objs(&PAIR), Optional),
    field("sources", Ty::Strs, Optional),
    field("destination", Ty::Str, Nullable),
    field("user", Ty::Str, Nullable),
    field("group", Ty::Str, Nullable),
    field("resolved_user", Ty::Str, Nullable),
    field("resolved_group", Ty::Str, Nullable),
    field("value", Ty::Str, Nullable),
    field("values", Ty::Strs, Optional),
    field("trigger", Ty::Obj(&INSTRUCTION), Nullable),
    field("heredocs", Ty::Objs(&HEREDOC), Optional),
];

static COMMAND: [Field; 8] = [
    field("argv", Ty::Strs, Required),
    field("env", Ty::Objs(&ENV_VAR), Optional),
    field("redirects", Ty::Objs(&REDIRECT), Optional),
    field("list", Ty::Count, Required),
    field("pipeline", Ty::Count, Required),
    field("position", Ty::Count, Required),
    field("after", Ty::Str, Nullable),
    field("parent", Ty::Count, Nullable),
];

static PAIR: [Field; 2] = [
    field("key", Ty::Str, Required),
    field("value", Ty::Str, Nullable),
];

static HEREDOC: [Field; 4] = [
    field("name", Ty::Str, Required),
    field("content", Ty::Str, Required),
    field("strip_tabs", Ty::Bool, Required),
    field("expand", Ty::Bool, Required),
];

static REDIRECT: [Field; 3] = [
    field("op", Ty::Str, Required),
    field("target", Ty::Str, Required),
    field("body", Ty::Str, Nullable),
];

static ENV_VAR: [Field; 2] = [
    field("name", Ty::Str, Required),
    field("value", Ty::Str, Required),
];

fn check_object(value: Json<'_>, fields: &[Field]) -> Result<(), String> {
    if value.peek().1 != Shape::Object {
        return Err(format!("{:?} is not an object", value.pointer()));
    }
    // At most 32 fields a record (21 for an instruction).
    let mut seen = 0u32;
    // The fields are listed in the order bulwark writes the members, so
    // each member's field is looked for from the one after the last found:
    // usually the first one tried.
    let mut next = 0;
    for child in value.children() {
        let member = value.at_index(child);
        let (key, shape) = member.peek();
        let found = (next..fields.len())
            .chain(0..next)
            .find(|&i| fields.get(i).is_some_and(|f| same(f.name.as_bytes(), key)));
        if let Some((i, f)) = found.and_then(|i| Some((i, fields.get(i)?))) {
            seen |= 1 << i;
            next = i + 1;
            check_value(member, shape, f)?;
        }
    }
    match fields
        .iter()
        .enumerate()
        .find(|&(i, f)| f.need == Required && seen & (1 << i) == 0)
    {
        Some((_, f)) => Err(format!("{:?} has no member {:?}", value.pointer(), f.name)),
        None => Ok(()),
    }
}

/// Checks `value`, a member of shape `shape`, against `field`.
fn check_value(value: Json<'_>, shape: Shape, field: &Field) -> Result<(), String> {
    let not = |what: &str| Err(format!("{:?} is not {what}", value.pointer()));
    // Every element a string (of an array or an object).
    let strings = || match value
        .children()
        .map(|c| value.at_index(c))
        .find(|v| v.peek().1 != Shape::String)
    {
        Some(v) => Err(format!("{:?} is not a string", v.pointer())),
        None => Ok(()),
    };
    match (field.ty, shape) {
        (_, Shape::Null) if field.need == Nullable => Ok(()),
        (_, Shape::Null) => Err(format!("{:?} is null", value.pointer())),
        (Ty::Str, Shape::String) | (Ty::Bool, Shape::Bool) => Ok(()),
        (Ty::Str, _) => not("a string"),
        (Ty::Bool, _) => not("a boolean"),
        (Ty::Count, _) if value.as_count().is_some() => Ok(()),
        (Ty::Count, _) => not("a count"),
        (Ty::Strs, Shape::Array) | (Ty::Map, Shape::Object) => strings(),
        (Ty::Obj(fields), _) => check_object(value, fields),
        (Ty::Objs(fields), Shape::Array) => value
            .children()
            .try_for_each(|c| check_object(value.at_index(c), fields)),
        (Ty::Strs | Ty::Objs(_), _) => not("an array"),
        (Ty::Map, _) => not("an object"),
    }
}

/// A command of `argv` alone, in a Dockerfile of one `RUN`, for tests of
/// what reads commands (the document is kept for the test's lifetime).
#[cfg(test)]
pub(crate) fn command_of(argv: &[&str]) -> Command<'static> {
    let argv = serde_json::to_string(argv).expect("words as JSON");
    let json = format!(
        r#"{{"escape":"\\","stages":[{{"index":0,"name":null,"final":true,
        "from":{{"image":"x","resolved":"x","repository":"x","scratch":false}},
        "instructions":[{{"keyword":"RUN","commands":[{{"argv":{argv},
        "list":0,"pipeline":0,"position":0}}]}}]}}]}}"#
    );
    let df: &'static Dockerfile = Box::leak(Box::new(
        Dockerfile::from_json(&json).expect("a Dockerfile"),
    ));
    df.stages()
        .flat_map(|s| s.instructions())
        .flat_map(|i| i.commands())
        .next()
        .expect("its command")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two stages, a global ARG, flags, pairs, a heredoc, nested ONBUILD
    /// triggers and commands, as the host writes them.
    const DOCUMENT: &str = r#"{"directives":{"syntax":"docker/dockerfile:1"},"escape":"\\",
        "global_args":[{"keyword":"ARG","flags":[],"args":"V=1","heredocs":[],
            "pairs":[{"key":"V","value":"1"}]}],
        "stages":[
        {"index":0,"name":"build","final":false,"from":{"image":"golang:${V}",
            "resolved":"golang:1","registry":null,"repository":"golang","tag":"1",
            "digest":null,"stage":null,"scratch":false,"platform":"linux/amd64",
            "unresolved":["X"],"flags":[{"name":"platform","value":"linux/amd64"}]},
         "instructions":[
            {"keyword":"RUN","flags":[{"name":"mount","value":"type=cache"},{"name":"link","value":null}],
             "args":"A=b apk add \"x y\" >/dev/null","heredocs":[],"form":"shell","exec":null,
             "script":"A=b apk add \"x y\" >/dev/null","interpreter":"/bin/sh -c",
             "commands":[{"argv":["apk","add","x y"],"env":[{"name":"A","value":"b"}],
                "redirects":[{"op":">","target":"/dev/null","body":null}],"list":0,"pipeline":0,
                "position":0,"after":null,"parent":null},
               {"argv":["sh","-c","id"],"env":[],"redirects":[],"list":1,"pipeline":1,
                "position":2,"after":"&&","parent":0}],"shell_error":null},
            {"keyword":"ONBUILD","flags":[],"args":"ONBUILD USER x","heredocs":[],
             "trigger":{"keyword":"ONBUILD","flags":[],"args":"USER x","heredocs":[],
                "trigger":{"keyword":"USER","flags":[],"args":"x","heredocs":[],"user":"x",
                    "group":null,"resolved_user":"x","resolved_group":null}}}]},
        {"index":1,"name":null,"final":true,"from":{"image":"build","resolved":"build",
            "repository":"build","stage":0,"scratch":false},
         "instructions":[
            {"keyword":"COPY","flags":[],"args":"<<EOF /a","heredocs":[{"name":"EOF",
                "content":"hi\n","strip_tabs":true,"expand":false,"fd":0}],"sources":["<<EOF"],
                "destination":"/a"},
            {"keyword":"HEALTHCHECK","flags":[],"args":"NONE","heredocs":[],"none":true},
            {"keyword":"EXPOSE","flags":[],"args":"80 443","heredocs":[],"values":["80","443"],
             "extra":{"a newer host":"may add members"}},
            {"keyword":"CMD","flags":[],"args":"[\"a\"]","heredocs":[],"form":"exec",
             "exec":["a"],"commands":[]}]}]}"#;

    fn document() -> Dockerfile {
        Dockerfile::from_json(DOCUMENT).expect("the document")
    }

    #[test]
    fn a_dockerfile_reads_the_same_from_json_text_and_from_a_tree() -> Result<(), String> {
        let from_json = document();
        let tree = Tree::parse(DOCUMENT)?;
        let handed = Tree::from_parts(tree.nodes.clone(), tree.strings.clone())?;
        let from_tree = Dockerfile::from_tree(handed)?;
        assert_eq!(format!("{from_tree:?}"), format!("{from_json:?}"));
        // A document handed over as a tree has the Dockerfile view.
        let doc = crate::Document::from_tree(
            crate::InputKind::Dockerfile,
            "Dockerfile".into(),
            tree.nodes.clone(),
            tree.strings.clone(),
            "",
        )?;
        let view = doc.dockerfile().ok_or("no Dockerfile view")?;
        assert_eq!(format!("{view:?}"), format!("{from_json:?}"));
        let doc = crate::Document::parse(
            crate::InputKind::Dockerfile,
            "Dockerfile".into(),
            DOCUMENT,
            "",
        )?;
        let view = doc.dockerfile().ok_or("no Dockerfile view")?;
        assert_eq!(format!("{view:?}"), format!("{from_json:?}"));
        Ok(())
    }

    #[test]
    fn stages_and_their_base_images_read_as_written() {
        let df = document();
        assert_eq!(df.escape(), "\\");
        assert_eq!(df.directive("syntax"), Some("docker/dockerfile:1"));
        assert_eq!(df.directive("check"), None);
        assert_eq!(df.stages().len(), 2);
        let [build, last] = [0, 1].map(|i| df.stage(i).expect("stage"));
        assert!(df.stage(2).is_none());
        assert_eq!(
            (build.index(), build.name(), build.is_final()),
            (0, Some("build"), false)
        );
        assert_eq!(
            (last.index(), last.name(), last.is_final()),
            (1, None, true)
        );
        assert_eq!(df.final_stage(), Some(last));
        assert_eq!(df.chain(last), [build, last]);
        assert_eq!(df.final_chain(), [build, last]);
        assert_eq!(df.chain(build), [build]);
        assert_eq!(last.pointer(), "/stages/1");

        let from = build.from();
        assert_eq!(
            (from.image(), from.resolved(), from.repository()),
            ("golang:${V}", "golang:1", "golang")
        );
        assert_eq!(
            (from.registry(), from.tag(), from.digest()),
            (None, Some("1"), None)
        );
        assert_eq!((from.stage(), from.scratch()), (None, false));
        assert_eq!(from.platform(), Some("linux/amd64"));
        assert_eq!(from.unresolved(), ["X"]);
        assert_eq!(
            from.flags(),
            [Flag {
                name: "platform",
                value: Some("linux/amd64")
            }]
        );
        assert!(!from.is_external_image(), "an unresolved argument");
        assert_eq!(from.pointer(), "/stages/0/from");
        assert_eq!(from.image_pointer(), "/stages/0/from/image");
        let from = last.from();
        assert_eq!(from.stage(), Some(0));
        assert!(from.unresolved().is_empty() && from.flags().is_empty());
        assert!(!from.is_external_image(), "another stage");
    }

    #[test]
    fn instructions_read_their_fields_and_know_their_pointers() {
        let df = document();
        let all = df.all_instructions();
        let keywords: Vec<&str> = all.iter().map(|i| i.keyword()).collect();
        // Global ARGs first; a trigger after its ONBUILD (one level).
        assert_eq!(
            keywords,
            [
                "ARG",
                "RUN",
                "ONBUILD",
                "ONBUILD",
                "COPY",
                "HEALTHCHECK",
                "EXPOSE",
                "CMD"
            ]
        );
        let pointers: Vec<String> = all.iter().map(|i| i.pointer()).collect();
        assert_eq!(
            pointers,
            [
                "/global_args/0",
                "/stages/0/instructions/0",
                "/stages/0/instructions/1",
                "/stages/0/instructions/1/trigger",
                "/stages/1/instructions/0",
                "/stages/1/instructions/1",
                "/stages/1/instructions/2",
                "/stages/1/instructions/3",
            ]
        );
        let user = all[3].trigger().expect("the trigger's trigger");
        assert_eq!(user.pointer(), "/stages/0/instructions/1/trigger/trigger");
        assert_eq!((user.user(), user.group()), (Some("x"), None));
        assert_eq!(
            (user.resolved_user(), user.resolved_group()),
            (Some("x"), None)
        );
        assert!(user.trigger().is_none());

        let arg = all[0];
        let pairs = arg.pairs();
        assert_eq!((pairs[0].key, pairs[0].value), ("V", Some("1")));
        assert_eq!(pairs[0].pointer(), "/global_args/0/pairs/0");
        assert_eq!(pairs[0].value_pointer(), "/global_args/0/pairs/0/value");

        let run = all[1];
        assert!(run.is("RUN") && !run.is("run"));
        assert_eq!(run.flag("mount"), Some("type=cache"));
        assert_eq!(run.flag("link"), Some(""));
        assert_eq!(run.flag("network"), None);
        assert_eq!(run.flag_pointer(1), "/stages/0/instructions/0/flags/1");
        assert_eq!((run.form(), run.exec()), (Some("shell"), None));
        assert_eq!(run.script(), Some("A=b apk add \"x y\" >/dev/null"));
        assert_eq!(run.args(), "A=b apk add \"x y\" >/dev/null");
        assert_eq!(run.interpreter(), Some("/bin/sh -c"));
        assert_eq!((run.shell_error(), run.none()), (None, None));

        let copy = all[4];
        assert_eq!(copy.sources(), ["<<EOF"]);
        assert_eq!(copy.source_pointer(0), "/stages/1/instructions/0/sources/0");
        assert_eq!(copy.destination(), Some("/a"));
        let heredoc = copy.heredocs()[0];
        assert_eq!(
            (
                heredoc.name,
                heredoc.content,
                heredoc.strip_tabs,
                heredoc.expand
            ),
            ("EOF", "hi\n", true, false)
        );
        assert_eq!(heredoc.pointer(), "/stages/1/instructions/0/heredocs/0");
        assert_eq!(all[5].none(), Some(true));
        assert_eq!(all[6].values(), ["80", "443"]);
        assert_eq!(all[6].value_pointer(1), "/stages/1/instructions/2/values/1");
        assert_eq!(all[6].value(), None);
        assert_eq!(all[7].exec(), Some(vec!["a"]));
        assert!(all[7].commands().is_empty() && all[7].pairs().is_empty());
        // What a keyword does not have reads as empty.
        assert!(copy.flags().is_empty() && copy.values().is_empty() && copy.exec().is_none());
        assert_eq!(
            df.stages()
                .map(|s| s.instructions().len())
                .collect::<Vec<_>>(),
            [2, 4]
        );
        assert_eq!(
            df.stage(1)
                .expect("stage")
                .instructions()
                .next_back()
                .map(|i| i.keyword()),
            Some("CMD")
        );
        assert_eq!(df.global_args().len(), 1);
    }

    #[test]
    fn a_keyword_is_found_wherever_it_is_written() {
        for (first, then) in [
            (r#""keyword":"USER","args":"x""#, "first"),
            (r#""args":"x","keyword":"USER""#, "last"),
            (
                r#""keywords":"RUN","keyword":"USER""#,
                "after a longer name",
            ),
        ] {
            let text =
                DOCUMENT.replacen(r#""keyword":"COPY","flags":[],"args":"<<EOF /a""#, first, 1);
            let df = Dockerfile::from_json(&text).expect(then);
            let copy = df
                .stage(1)
                .and_then(|s| s.instructions().next())
                .expect(then);
            assert_eq!(copy.keyword(), "USER", "{then}");
            assert!(
                copy.is("USER") && !copy.is("USE") && !copy.is("COPY"),
                "{then}"
            );
        }
        // A keyword the view does not know is read from the document.
        let text = DOCUMENT.replacen(r#""keyword":"COPY""#, r#""keyword":"LATER""#, 1);
        let df = Dockerfile::from_json(&text).expect("a document");
        let later = df
            .stage(1)
            .and_then(|s| s.instructions().next())
            .expect("it");
        assert_eq!(later.keyword(), "LATER");
        assert!(later.is("LATER") && !later.is("LATE") && !later.is("COPY"));
        let all = df.all_instructions();
        assert_eq!(all[3].keyword(), "ONBUILD", "a trigger's keyword");
        assert!(all[3].trigger().is_some_and(|user| user.is("USER")));
    }

    #[test]
    fn commands_read_their_words_assignments_and_redirects() {
        let df = document();
        let run = df
            .stage(0)
            .expect("stage")
            .instructions()
            .next()
            .expect("RUN");
        let commands = run.commands();
        let [apk, sh] = [&commands[0], &commands[1]];
        assert_eq!(apk.argv().iter().collect::<Vec<_>>(), ["apk", "add", "x y"]);
        assert_eq!(
            apk.env(),
            [EnvVar {
                name: "A",
                value: "b"
            }]
        );
        assert_eq!(
            apk.redirects(),
            [Redirect {
                op: ">",
                target: "/dev/null",
                body: None
            }]
        );
        assert_eq!((apk.list(), apk.pipeline(), apk.position()), (0, 0, 0));
        assert_eq!((apk.after(), apk.parent()), (None, None));
        assert_eq!((sh.list(), sh.pipeline(), sh.position()), (1, 1, 2));
        assert_eq!((sh.after(), sh.parent()), (Some("&&"), Some(0)));
        assert_eq!(sh.pointer(), "/stages/0/instructions/0/commands/1");
        assert_eq!(
            sh.arg_pointer(2),
            "/stages/0/instructions/0/commands/1/argv/2"
        );
        assert_eq!(
            apk.env_pointer(0),
            "/stages/0/instructions/0/commands/0/env/0"
        );
        assert_eq!(sh.instruction(), run);
        assert_eq!(format!("{sh:?}").matches("\"sh\"").count(), 1);
    }

    #[test]
    fn words_read_in_any_order() {
        let cmd = command_of(&["apt-get", "", "a \"b\"", "éé", "-y"]);
        let words = cmd.argv();
        assert_eq!(words.len(), 5);
        assert!(!words.is_empty());
        assert_eq!(
            words.iter().collect::<Vec<_>>(),
            ["apt-get", "", "a \"b\"", "éé", "-y"]
        );
        // Forwards, backwards, past the end and back again.
        assert_eq!(words.get(2), Some("a \"b\""));
        assert_eq!(words.get(3), Some("éé"));
        assert_eq!(words.get(1), Some(""));
        assert_eq!(words.get(5), None);
        assert_eq!(words.get(9), None);
        assert_eq!(words.get(4), Some("-y"));
        assert_eq!(words.get(0), Some("apt-get"));
        assert_eq!(words.get(usize::MAX), None);
        assert_eq!(words.first(), Some("apt-get"));
        assert_eq!(&words[4], "-y");
        assert_eq!(words.from(3).collect::<Vec<_>>(), ["éé", "-y"]);
        assert_eq!(words.from(9).count(), 0);
        assert!(words.contains("") && !words.contains("a"));
        assert_eq!(
            format!("{words:?}"),
            r#"["apt-get", "", "a \"b\"", "éé", "-y"]"#
        );

        let cmd = command_of(&[]);
        let empty = cmd.argv();
        assert!(empty.is_empty() && empty.first().is_none());
        assert_eq!(empty.len(), 0);
        assert_eq!(empty.iter().count(), 0);
    }

    #[test]
    fn views_are_equal_when_they_view_the_same_value_of_the_same_document() {
        let (one, two) = (document(), document());
        let [build, last] = [0, 1].map(|i| one.stage(i).expect("stage"));
        assert_eq!(build, one.stage(0).expect("stage"));
        assert_ne!(build, last);
        assert_ne!(build, two.stage(0).expect("stage"), "another document");
        let all = one.all_instructions();
        assert_eq!(all[1], build.instructions().next().expect("RUN"));
        assert_ne!(all[1], all[2]);
        assert_ne!(all[1], two.all_instructions()[1], "another document");
    }

    #[test]
    fn a_base_image_reads_its_registry_digest_and_scratch() {
        let from = r#""from":{"image":"build","resolved":"build",
            "repository":"build","stage":0,"scratch":false}"#;
        assert!(DOCUMENT.contains(from));
        let text = DOCUMENT.replacen(
            from,
            r#""from":{"image":"ghcr.io/a/b@sha256:0","resolved":"ghcr.io/a/b@sha256:0",
            "registry":"ghcr.io","repository":"a/b","digest":"sha256:0","scratch":false}"#,
            1,
        );
        let df = Dockerfile::from_json(&text).expect("a document");
        let from = df.stage(1).expect("stage").from();
        assert_eq!(
            (from.registry(), from.digest()),
            (Some("ghcr.io"), Some("sha256:0"))
        );
        assert_eq!(
            (from.tag(), from.stage(), from.scratch()),
            (None, None, false)
        );
        assert!(from.is_external_image());
        assert!(format!("{from:?}").contains(r#""registry":"ghcr.io""#));
        let text = text.replacen(
            r#""digest":"sha256:0","scratch":false"#,
            r#""scratch":true"#,
            1,
        );
        let df = Dockerfile::from_json(&text).expect("a document");
        let from = df.stage(1).expect("stage").from();
        assert!(from.scratch() && !from.is_external_image());
    }

    #[test]
    fn fields_most_instructions_leave_empty_read_when_set() {
        let text = DOCUMENT
            .replacen(r#""group":null"#, r#""group":"g""#, 1)
            .replacen(r#""resolved_group":null"#, r#""resolved_group":"0""#, 1)
            .replacen(
                r#""shell_error":null"#,
                r#""shell_error":"unexpected end""#,
                1,
            )
            .replacen(
                r#""args":"80 443","heredocs":[],"#,
                r#""args":"80 443","heredocs":[],"value":"v","#,
                1,
            );
        // -1, -1, +12 and +12 bytes: every replacement made.
        assert_eq!(text.len(), DOCUMENT.len() + 22);
        let df = Dockerfile::from_json(&text).expect("a document");
        let all = df.all_instructions();
        let user = all[3].trigger().expect("USER");
        assert_eq!(
            (user.group(), user.resolved_group()),
            (Some("g"), Some("0"))
        );
        assert_eq!(all[1].shell_error(), Some("unexpected end"));
        assert_eq!(all[6].value(), Some("v"));
        // What the views print.
        let pair = all[0].pairs()[0];
        assert_eq!(
            format!("{pair:?}"),
            r#"Pair { key: "V", value: Some("1") }"#
        );
        let heredoc = all[4].heredocs()[0];
        assert_eq!(
            format!("{heredoc:?}"),
            r#"Heredoc { name: "EOF", content: "hi\n", strip_tabs: true, expand: false }"#
        );
        assert!(format!("{df:?}").starts_with(r#"{"directives":{"syntax":"docker/dockerfile:1"}"#));
        assert!(format!("{:?}", all[6]).contains(r#""value":"v""#));
    }

    #[test]
    fn the_word_past_the_last_is_none_whatever_follows_the_words() {
        let command = r#""argv":["sh","-c","id"],"env":[],"redirects":[],"list":1,"pipeline":1,
                "position":2,"after":"&&","parent":0"#;
        assert!(DOCUMENT.contains(command));
        let text = DOCUMENT.replacen(
            command,
            r#""argv":["sh","-c"],"after":"&&","env":[],"redirects":[],"list":1,"pipeline":1,
                "position":2,"parent":0"#,
            1,
        );
        let df = Dockerfile::from_json(&text).expect("a document");
        let run = df
            .stage(0)
            .and_then(|s| s.instructions().next())
            .expect("RUN");
        let sh = &run.commands()[1];
        let words = sh.argv();
        assert_eq!(words.get(1), Some("-c"));
        assert_eq!(words.get(2), None);
        assert_eq!(words.get(3), None);
        assert_eq!(words.get(2), None);
        assert_eq!(words.len(), 2);
        assert_eq!(sh.after(), Some("&&"));
    }

    #[test]
    #[should_panic(expected = "word 3 of 3")]
    fn a_word_past_the_end_panics_when_indexed() {
        let cmd = command_of(&["a", "b", "c"]);
        let _ = &cmd.argv()[3];
    }

    #[test]
    fn documents_not_following_the_schema_are_refused() {
        let refused = |from: &str, to: &str| {
            assert!(DOCUMENT.contains(from), "{from}");
            let text = DOCUMENT.replacen(from, to, 1);
            Dockerfile::from_json(&text).expect_err(to)
        };
        assert_eq!(
            refused(r#""escape":"\\","#, ""),
            r#""" has no member "escape""#
        );
        assert_eq!(
            refused(r#""keyword":"RUN""#, r#""keyword":1"#),
            r#""/stages/0/instructions/0/keyword" is not a string"#
        );
        assert_eq!(
            refused(r#""argv":["apk","add","x y"]"#, r#""argv":["apk",2]"#),
            r#""/stages/0/instructions/0/commands/0/argv/1" is not a string"#
        );
        assert_eq!(
            refused(r#""argv":["apk","add","x y"]"#, r#""argv":"apk""#),
            r#""/stages/0/instructions/0/commands/0/argv" is not an array"#
        );
        assert_eq!(
            refused(r#""list":1"#, r#""list":-1"#),
            r#""/stages/0/instructions/0/commands/1/list" is not a count"#
        );
        assert_eq!(
            refused(r#""final":true"#, r#""final":"yes""#),
            r#""/stages/1/final" is not a boolean"#
        );
        assert_eq!(
            refused(r#""flags":[],"args":"V=1""#, r#""flags":null,"args":"V=1""#),
            r#""/global_args/0/flags" is null"#
        );
        assert_eq!(
            refused(r#""flags":[],"args":"V=1""#, r#""flags":{},"args":"V=1""#),
            r#""/global_args/0/flags" is not an array"#
        );
        assert_eq!(
            refused(
                r#""directives":{"syntax":"docker/dockerfile:1"}"#,
                r#""directives":[]"#
            ),
            r#""/directives" is not an object"#
        );
        assert_eq!(
            refused(r#""syntax":"docker/dockerfile:1""#, r#""syntax":1"#),
            r#""/directives/syntax" is not a string"#
        );
        assert_eq!(
            refused(
                r#""trigger":{"keyword":"USER""#,
                r#""trigger":{"keywords":"USER""#
            ),
            r#""/stages/0/instructions/1/trigger/trigger" has no member "keyword""#
        );
        assert_eq!(
            refused(r#""scratch":false},"#, r#""scratch":false},"from":3,"#),
            r#""/stages/1/from" is not an object"#
        );
        assert_eq!(
            Dockerfile::from_json("[]").expect_err("an array"),
            r#""" is not an object"#
        );
        assert!(Dockerfile::from_json("{").is_err(), "not JSON");
    }
}
