//! The typed view of `dockerfile` documents.
//!
//! Mirrors the JSON the host's Dockerfile parser produces (see
//! `wit/documents.md`). Every struct carries its own JSON `pointer`, filled
//! in after parsing, so a rule reports a finding with
//! `out.report(&instruction.pointer, …)` without building paths by hand.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::pointer::join;

/// A parsed Dockerfile.
#[derive(Debug, Clone, Deserialize)]
pub struct Dockerfile {
    /// Parser directives (`syntax`, `escape`, `check`).
    #[serde(default)]
    pub directives: BTreeMap<String, String>,
    /// The escape character.
    pub escape: String,
    /// `ARG` instructions before the first `FROM`.
    #[serde(default)]
    pub global_args: Vec<Instruction>,
    /// The build stages in order; the last one is the default target.
    pub stages: Vec<Stage>,
}

/// One build stage.
#[derive(Debug, Clone, Deserialize)]
pub struct Stage {
    /// Position among the stages.
    pub index: usize,
    /// The `AS` name.
    pub name: Option<String>,
    /// Whether this is the final stage (the image that ships).
    #[serde(rename = "final")]
    pub is_final: bool,
    /// The `FROM` instruction.
    pub from: From,
    /// The instructions after `FROM`.
    pub instructions: Vec<Instruction>,
    /// JSON pointer to the stage.
    #[serde(skip)]
    pub pointer: String,
}

/// What a stage builds on.
#[derive(Debug, Clone, Deserialize)]
pub struct From {
    /// The image as written.
    pub image: String,
    /// The image with build arguments substituted.
    pub resolved: String,
    /// Registry host, when written.
    pub registry: Option<String>,
    /// Repository path.
    pub repository: String,
    /// Tag, when written.
    pub tag: Option<String>,
    /// Digest, when written.
    pub digest: Option<String>,
    /// The earlier stage this one is built on.
    pub stage: Option<usize>,
    /// `FROM scratch`.
    pub scratch: bool,
    /// `--platform`.
    pub platform: Option<String>,
    /// Build arguments the image refers to that have no value.
    #[serde(default)]
    pub unresolved: Vec<String>,
    /// Flags of the `FROM` instruction.
    #[serde(default)]
    pub flags: Vec<Flag>,
    /// JSON pointer to the `FROM` instruction.
    #[serde(skip)]
    pub pointer: String,
}

impl From {
    /// Returns true if and only if the stage builds on an external image
    /// (not `scratch`, not another stage) whose name fully resolved.
    pub fn is_external_image(&self) -> bool {
        self.stage.is_none() && !self.scratch && self.unresolved.is_empty()
    }

    /// JSON pointer to the image reference.
    pub fn image_pointer(&self) -> String {
        join(&self.pointer, "image")
    }
}

/// An instruction flag.
#[derive(Debug, Clone, Deserialize)]
pub struct Flag {
    /// Name without dashes.
    pub name: String,
    /// Value, `None` for a bare flag.
    pub value: Option<String>,
}

/// A `key=value` pair of ENV, LABEL or ARG.
#[derive(Debug, Clone, Deserialize)]
pub struct Pair {
    /// The key.
    pub key: String,
    /// The value; `None` for `ARG name` without default.
    pub value: Option<String>,
    /// JSON pointer to the pair.
    #[serde(skip)]
    pub pointer: String,
}

impl Pair {
    /// JSON pointer to the value.
    pub fn value_pointer(&self) -> String {
        join(&self.pointer, "value")
    }
}

/// A heredoc body attached to an instruction.
#[derive(Debug, Clone, Deserialize)]
pub struct Heredoc {
    /// The delimiter.
    pub name: String,
    /// The body.
    pub content: String,
    /// `<<-`.
    pub strip_tabs: bool,
    /// False when the delimiter was quoted.
    pub expand: bool,
    /// JSON pointer to the heredoc.
    #[serde(skip)]
    pub pointer: String,
}

/// A redirection of a shell command.
#[derive(Debug, Clone, Deserialize)]
pub struct Redirect {
    /// `>`, `>>`, `<`, `<<` …
    pub op: String,
    /// File or descriptor.
    pub target: String,
    /// Here-document or here-string body.
    pub body: Option<String>,
}

/// An assignment before a command name (`DEBIAN_FRONTEND=noninteractive`).
#[derive(Debug, Clone, Deserialize)]
pub struct EnvVar {
    /// Variable name.
    pub name: String,
    /// Value as written, unquoted.
    pub value: String,
}

/// The words of a command line, unquoted, kept in one buffer: a command
/// of a million arguments costs four bytes a word plus its text, not a heap
/// string each (a 10 MB `RUN echo a a a …` line stays well inside a
/// module's memory).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Words {
    /// Every word, one after the other.
    text: String,
    /// Where each word ends in `text` (it starts where the one before ends).
    ends: Vec<u32>,
}

impl Words {
    /// The number of words.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Returns true if and only if there is no word.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Word `index`.
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = match index.checked_sub(1) {
            Some(before) => *self.ends.get(before)? as usize,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// The first word (the command name), if any.
    pub fn first(&self) -> Option<&str> {
        self.get(0)
    }

    /// The words in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator + Clone {
        (0..self.len()).map(|i| self.get(i).unwrap_or(""))
    }

    /// The words from `index` on (none when `index` is past the end).
    pub fn from(&self, index: usize) -> impl DoubleEndedIterator<Item = &str> + Clone {
        self.iter().skip(index)
    }

    /// Returns true if and only if one of the words is `word`.
    pub fn contains(&self, word: &str) -> bool {
        self.iter().any(|w| w == word)
    }

    /// Appends `word`.
    ///
    /// # Panics
    ///
    /// When the words together exceed 4 GiB.
    pub fn push(&mut self, word: &str) {
        self.text.push_str(word);
        let end = u32::try_from(self.text.len()).expect("words under 4 GiB");
        self.ends.push(end);
    }
}

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl std::ops::Index<usize> for Words {
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

impl<S: AsRef<str>> FromIterator<S> for Words {
    fn from_iter<I: IntoIterator<Item = S>>(words: I) -> Words {
        let mut out = Words::default();
        for w in words {
            out.push(w.as_ref());
        }
        out
    }
}

impl<'de> Deserialize<'de> for Words {
    /// A JSON array of strings, each appended to the buffer as read (no
    /// string of its own is allocated, even for escaped text).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Words, D::Error> {
        struct Append<'w>(&'w mut Words);

        impl<'de> serde::de::DeserializeSeed<'de> for Append<'_> {
            type Value = ();
            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_str(self)
            }
        }

        impl serde::de::Visitor<'_> for Append<'_> {
            type Value = ();
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, word: &str) -> Result<(), E> {
                if self.0.text.len() + word.len() > u32::MAX as usize {
                    return Err(E::custom("words over 4 GiB"));
                }
                self.0.push(word);
                Ok(())
            }
        }

        struct Seq;

        impl<'de> serde::de::Visitor<'de> for Seq {
            type Value = Words;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Words, A::Error> {
                let mut words = Words::default();
                while seq.next_element_seed(Append(&mut words))?.is_some() {}
                Ok(words)
            }
        }

        deserializer.deserialize_seq(Seq)
    }
}

/// One simple command of a RUN, CMD, ENTRYPOINT or HEALTHCHECK script.
#[derive(Debug, Clone, Deserialize)]
pub struct Command {
    /// Command name and arguments, unquoted.
    pub argv: Words,
    /// Assignments before the name.
    #[serde(default)]
    pub env: Vec<EnvVar>,
    /// Redirections.
    #[serde(default)]
    pub redirects: Vec<Redirect>,
    /// Index of the and-or list (statement).
    pub list: usize,
    /// Index of the pipeline.
    pub pipeline: usize,
    /// Position within the pipeline.
    pub position: usize,
    /// Operator joining this command to the previous one.
    pub after: Option<String>,
    /// For commands nested in another's argument (`sh -c`, `$(…)`), the
    /// index of that command in the same list.
    pub parent: Option<usize>,
    /// JSON pointer to the command.
    #[serde(skip)]
    pub pointer: String,
}

impl Command {
    /// JSON pointer to argument `index` (0 is the command name).
    pub fn arg_pointer(&self, index: usize) -> String {
        join(&join(&self.pointer, "argv"), index)
    }

    /// JSON pointer to assignment `index`.
    pub fn env_pointer(&self, index: usize) -> String {
        join(&join(&self.pointer, "env"), index)
    }
}

/// One instruction. Fields that do not apply to the keyword are empty.
#[derive(Debug, Clone, Deserialize)]
pub struct Instruction {
    /// Upper-case keyword.
    pub keyword: String,
    /// Flags.
    #[serde(default)]
    pub flags: Vec<Flag>,
    /// Arguments after the flags, as written.
    #[serde(default)]
    pub args: String,
    /// `exec` or `shell` (RUN, CMD, ENTRYPOINT, HEALTHCHECK CMD).
    #[serde(default)]
    pub form: Option<String>,
    /// Exec-form arguments, or SHELL's.
    #[serde(default)]
    pub exec: Option<Vec<String>>,
    /// Shell-form script.
    #[serde(default)]
    pub script: Option<String>,
    /// The shell running a shell-form script.
    #[serde(default)]
    pub interpreter: Option<String>,
    /// Simple commands of the script.
    #[serde(default)]
    pub commands: Vec<Command>,
    /// Set when the script is not valid shell syntax.
    #[serde(default)]
    pub shell_error: Option<String>,
    /// HEALTHCHECK NONE.
    #[serde(default)]
    pub none: Option<bool>,
    /// ENV, LABEL and ARG pairs.
    #[serde(default)]
    pub pairs: Vec<Pair>,
    /// COPY and ADD sources.
    #[serde(default)]
    pub sources: Vec<String>,
    /// COPY and ADD destination.
    #[serde(default)]
    pub destination: Option<String>,
    /// USER user, as written.
    #[serde(default)]
    pub user: Option<String>,
    /// USER group, as written.
    #[serde(default)]
    pub group: Option<String>,
    /// USER user with variables substituted.
    #[serde(default)]
    pub resolved_user: Option<String>,
    /// USER group with variables substituted.
    #[serde(default)]
    pub resolved_group: Option<String>,
    /// WORKDIR, STOPSIGNAL, MAINTAINER value.
    #[serde(default)]
    pub value: Option<String>,
    /// EXPOSE and VOLUME values.
    #[serde(default)]
    pub values: Vec<String>,
    /// ONBUILD trigger.
    #[serde(default)]
    pub trigger: Option<Box<Instruction>>,
    /// Heredoc bodies.
    #[serde(default)]
    pub heredocs: Vec<Heredoc>,
    /// JSON pointer to the instruction.
    #[serde(skip)]
    pub pointer: String,
}

impl Instruction {
    /// Returns true if and only if the instruction has keyword `keyword`
    /// (upper case).
    pub fn is(&self, keyword: &str) -> bool {
        self.keyword == keyword
    }

    /// The value of flag `name`, `Some("")` for a bare flag.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_deref().unwrap_or(""))
    }

    /// JSON pointer to flag `index`.
    pub fn flag_pointer(&self, index: usize) -> String {
        join(&join(&self.pointer, "flags"), index)
    }

    /// JSON pointer to COPY/ADD source `index`.
    pub fn source_pointer(&self, index: usize) -> String {
        join(&join(&self.pointer, "sources"), index)
    }

    /// JSON pointer to EXPOSE/VOLUME value `index`.
    pub fn value_pointer(&self, index: usize) -> String {
        join(&join(&self.pointer, "values"), index)
    }

    fn assign_pointers(&mut self, pointer: String) {
        for (i, c) in self.commands.iter_mut().enumerate() {
            c.pointer = join(&join(&pointer, "commands"), i);
        }
        for (i, p) in self.pairs.iter_mut().enumerate() {
            p.pointer = join(&join(&pointer, "pairs"), i);
        }
        for (i, h) in self.heredocs.iter_mut().enumerate() {
            h.pointer = join(&join(&pointer, "heredocs"), i);
        }
        if let Some(t) = &mut self.trigger {
            t.assign_pointers(join(&pointer, "trigger"));
        }
        self.pointer = pointer;
    }
}

impl Dockerfile {
    /// Parses the document JSON and fills in every pointer.
    ///
    /// # Errors
    ///
    /// The JSON error when the text does not follow the schema.
    pub fn from_json(json: &str) -> Result<Dockerfile, serde_json::Error> {
        Ok(serde_json::from_str::<Dockerfile>(json)?.with_pointers())
    }

    /// Reads the document from a tree and fills in every pointer (bulwark
    /// hands Dockerfiles over as JSON text; a host may send a tree).
    ///
    /// # Errors
    ///
    /// The error when the tree does not follow the schema.
    pub fn from_tree(tree: &crate::json::Tree) -> Result<Dockerfile, serde_json::Error> {
        // Through the text: one deserialiser for both forms keeps every
        // module's code smaller than a second one for values would.
        Dockerfile::from_json(&tree.root().to_json())
    }

    fn with_pointers(self) -> Dockerfile {
        let mut df = self;
        for (i, instr) in df.global_args.iter_mut().enumerate() {
            instr.assign_pointers(format!("/global_args/{i}"));
        }
        for (s, stage) in df.stages.iter_mut().enumerate() {
            stage.pointer = format!("/stages/{s}");
            stage.from.pointer = format!("/stages/{s}/from");
            for (i, instr) in stage.instructions.iter_mut().enumerate() {
                instr.assign_pointers(format!("/stages/{s}/instructions/{i}"));
            }
        }
        df
    }

    /// The final stage: the image that ships.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages
            .iter()
            .find(|s| s.is_final)
            .or(self.stages.last())
    }

    /// `stage` and the stages it builds on, root first. Instructions of all
    /// of them end up in `stage`'s image.
    pub fn chain<'a>(&'a self, stage: &'a Stage) -> Vec<&'a Stage> {
        let mut chain = vec![stage];
        let mut current = stage;
        while let Some(parent) = current.from.stage.and_then(|i| self.stages.get(i)) {
            // Stages only refer backwards; guard against malformed input.
            if parent.index >= current.index {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        chain.reverse();
        chain
    }

    /// The final stage and the stages it builds on, root first.
    pub fn final_chain(&self) -> Vec<&Stage> {
        self.final_stage()
            .map(|s| self.chain(s))
            .unwrap_or_default()
    }

    /// Every instruction of every stage, with ONBUILD triggers after their
    /// ONBUILD instruction, plus the global ARGs first.
    pub fn all_instructions(&self) -> Vec<&Instruction> {
        let mut out: Vec<&Instruction> = self.global_args.iter().collect();
        for stage in &self.stages {
            for instr in &stage.instructions {
                out.push(instr);
                if let Some(t) = &instr.trigger {
                    out.push(t);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dockerfile_reads_the_same_from_a_tree() -> Result<(), String> {
        let text = r#"{"directives":{},"escape":"\\","global_args":[],"stages":[{"index":0,
            "name":null,"final":true,"from":{"image":"alpine","resolved":"alpine",
            "registry":null,"repository":"alpine","tag":null,"digest":null,"stage":null,
            "scratch":false,"platform":null,"unresolved":[],"flags":[]},"instructions":[
            {"keyword":"RUN","flags":[{"name":"mount","value":"type=cache"}],
             "args":"apk add \"x y\"","heredocs":[],"form":"shell","exec":null,
             "script":"apk add \"x y\"","interpreter":"/bin/sh -c","commands":[{"argv":
             ["apk","add","x y"],"env":[],"redirects":[],"list":0,"pipeline":0,
             "position":0,"after":null,"parent":null}],"shell_error":null},
            {"keyword":"USER","flags":[],"args":"1000","heredocs":[],"user":"1000",
             "group":null,"resolved_user":"1000","resolved_group":null}]}]}"#;
        let from_json = Dockerfile::from_json(text).map_err(|e| e.to_string())?;
        let tree = crate::json::Tree::parse(text)?;
        let handed = crate::json::Tree::from_parts(tree.nodes.clone(), tree.strings.clone())?;
        let from_tree = Dockerfile::from_tree(&handed).map_err(|e| e.to_string())?;
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
        assert_eq!(
            from_tree.stages[0].instructions[0].commands[0].pointer,
            "/stages/0/instructions/0/commands/0"
        );
        Ok(())
    }

    #[test]
    fn words_read_as_the_strings_they_were() -> Result<(), serde_json::Error> {
        let words: Words = serde_json::from_str(r#"["apt-get", "", "a \"b\"", "é\u00e9", "-y"]"#)?;
        assert_eq!(words.len(), 5);
        assert_eq!(
            words.iter().collect::<Vec<_>>(),
            ["apt-get", "", "a \"b\"", "éé", "-y"]
        );
        assert_eq!(words.get(2), Some("a \"b\""));
        assert_eq!(words.get(5), None);
        assert_eq!(words.first(), Some("apt-get"));
        assert_eq!(&words[4], "-y");
        assert_eq!(words.from(3).collect::<Vec<_>>(), ["éé", "-y"]);
        assert_eq!(words.from(9).count(), 0);
        assert!(words.contains("") && !words.contains("a"));
        assert_eq!(
            format!("{words:?}"),
            r#"["apt-get", "", "a \"b\"", "éé", "-y"]"#
        );
        assert_eq!(
            words,
            ["apt-get", "", "a \"b\"", "éé", "-y"].iter().collect()
        );

        let empty: Words = serde_json::from_str("[]")?;
        assert!(empty.is_empty() && empty.first().is_none());
        assert!(serde_json::from_str::<Words>(r#"["a", 1]"#).is_err());
        assert!(serde_json::from_str::<Words>(r#""a""#).is_err());
        Ok(())
    }
}
