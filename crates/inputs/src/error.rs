//! Input errors: a file bulwark could not read or parse.

use std::io;
use std::sync::Arc;

use bulwark_core::{SourceFile, SpecialFile};

/// An input bulwark could not read, classify or parse.
///
/// Its `Display` is `file:line:column: message` (or `file: message` for
/// errors about the whole file), the form every editor and CI log
/// understands. Use [`Error::kind`] to branch on the cause and
/// [`ErrorKind::code`] for its stable name.
#[derive(Debug)]
pub struct Error(Box<Inner>);

#[derive(Debug)]
struct Inner {
    file: String,
    position: Option<(usize, usize)>,
    kind: ErrorKind,
    text: Option<Arc<SourceFile>>,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.0.file, self.0.kind),
            None => write!(f, "{}: {}", self.0.file, self.0.kind),
        }
    }
}

// The kind's message already says what its cause said (an OS error's
// reason): it is not a `source` too, or a chain would print it twice.
impl std::error::Error for Error {}

impl Error {
    /// An error at `line`:`column` (1-based) of `file`.
    pub fn new(file: impl Into<String>, line: usize, column: usize, kind: ErrorKind) -> Error {
        Error(Box::new(Inner {
            file: file.into(),
            position: Some((line, column)),
            kind,
            text: None,
        }))
    }

    /// An error about the whole of `file` (or a path that is not a file at
    /// all): no line or column.
    pub fn whole(file: impl Into<String>, kind: ErrorKind) -> Error {
        Error(Box::new(Inner {
            file: file.into(),
            position: None,
            kind,
            text: None,
        }))
    }

    /// Attaches the file's text, so a report can show the line.
    pub fn with_source(mut self, source: Arc<SourceFile>) -> Error {
        self.0.text = Some(source);
        self
    }

    /// The file's text, when it was readable.
    pub fn source_file(&self) -> Option<&Arc<SourceFile>> {
        self.0.text.as_ref()
    }

    /// The display name of the file.
    pub fn file(&self) -> &str {
        &self.0.file
    }

    /// The 1-based line of the error, unless it concerns the whole file.
    pub fn line(&self) -> Option<usize> {
        self.0.position.map(|(line, _)| line)
    }

    /// The 1-based column of the error, unless it concerns the whole file.
    pub fn column(&self) -> Option<usize> {
        self.0.position.map(|(_, column)| column)
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// A YAML error in `file`.
    pub fn yaml(file: impl Into<String>, e: bulwark_yaml::Error) -> Error {
        let kind = match e.kind {
            bulwark_yaml::ErrorKind::Syntax(m) => ErrorKind::Yaml(m),
            bulwark_yaml::ErrorKind::DuplicateKey { first_line } => {
                ErrorKind::DuplicateKey { first_line }
            }
            bulwark_yaml::ErrorKind::ComplexKey => ErrorKind::ComplexKey,
            bulwark_yaml::ErrorKind::AliasBomb(n) => ErrorKind::AliasBomb(n),
            bulwark_yaml::ErrorKind::AliasText(n) => ErrorKind::AliasText(n),
            bulwark_yaml::ErrorKind::TooDeep(n) => ErrorKind::TooDeep(n),
            other => ErrorKind::Yaml(other.to_string()),
        };
        Error::new(file, e.line, e.column, kind)
    }
}

/// What went wrong with an input.
///
/// Messages never quote input text: not a key, an instruction, a flag or a
/// delimiter as written, since any token on a malformed line could be a
/// secret. They say what and where; the report shows the line, masked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read; the operating system's reason follows.
    #[error("cannot read: {0}")]
    Io(io::Error),
    /// A directory could not be listed.
    #[error("cannot list the directory: {0}")]
    ReadDir(io::Error),
    /// Not a regular file: reading it could block or never end.
    #[error("a {0}, not a regular file or directory: bulwark reads only files")]
    SpecialFile(SpecialFile),
    /// A symbolic link that leads outside the scanned root.
    #[error("a symbolic link to a path outside {root}: it is not followed")]
    SymlinkOutsideRoot {
        /// The root, as shown.
        root: String,
    },
    /// A symbolic link that loops.
    #[error("a symbolic link that loops")]
    SymlinkLoop,
    /// A symbolic link to nothing.
    #[error("a symbolic link to nothing")]
    DanglingSymlink,
    /// A path named on the command line that the configuration excludes.
    #[error(
        "named on the command line but excluded by `{pattern}` in {config}: remove it from one or the other"
    )]
    Excluded {
        /// The pattern that matched.
        pattern: String,
        /// The configuration file.
        config: String,
    },
    /// The file holds NUL bytes: it is binary, not text.
    #[error("binary file (it contains NUL bytes), not a text input")]
    Binary,
    /// The file is not valid UTF-8.
    #[error("invalid UTF-8 (byte {offset} of the file)")]
    InvalidUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The file exceeds the size limit.
    #[error(
        "file is {size} bytes, over the {limit}-byte input limit (raise it with --max-file-size)"
    )]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Variable substitution copies too much text.
    #[error(
        "substituting variables (and starting stages on earlier ones) copies more than {0} bytes of text in this Dockerfile (an expansion bomb?); refusing the file"
    )]
    ExpansionBomb(usize),
    /// `${NAME:-…}` defaults nested too deeply.
    #[error("`${{NAME:-…}}` defaults or alternatives nested more than {0} levels deep")]
    SubstitutionTooDeep(usize),
    /// The document a file makes cannot fit in a rule module's memory.
    #[error(
        "by this instruction, this Dockerfile's document needs more than the {limit} bytes a rule module may use (--rule-memory) for the tree it is handed (16 bytes a value, and its long texts); split the file or raise --rule-memory"
    )]
    DocumentTooLarge {
        /// The rule modules' memory limit, in bytes.
        limit: u64,
    },
    /// The input is empty (standard input with nothing on it).
    #[error(
        "empty input: nothing to scan (did the command that was meant to produce it fail? use `set -o pipefail`)"
    )]
    Empty,
    /// The kind of a file given explicitly could not be determined.
    #[error("cannot tell what kind of input this is; name it with --kind")]
    UnknownKind,
    /// A container image could not be read (its reference, a blob that
    /// does not match its digest, a hostile layer, a limit).
    #[error("{0}")]
    Image(String),
    /// Parser directives conflict or are malformed.
    #[error("{0}")]
    Directive(String),
    /// An instruction bulwark (and BuildKit) does not know.
    #[error("unknown instruction{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownInstruction {
        /// A known instruction with a similar spelling.
        suggestion: Option<&'static str>,
    },
    /// A flag the instruction does not accept.
    #[error("unknown flag for {instruction} (it accepts {allowed})")]
    UnknownFlag {
        /// The instruction.
        instruction: String,
        /// The flags it accepts, as a list for the message.
        allowed: String,
    },
    /// An instruction is missing required arguments.
    #[error("{instruction} requires {expected}")]
    MissingArguments {
        /// The instruction.
        instruction: String,
        /// What it needs.
        expected: &'static str,
    },
    /// Text meant as exec (JSON) form is not a valid JSON array of strings.
    #[error("{instruction} looks like exec form but is not a JSON array of strings: {reason}")]
    InvalidJson {
        /// The instruction.
        instruction: String,
        /// What is wrong with the JSON.
        reason: String,
    },
    /// A heredoc whose terminator never appears.
    #[error("unterminated heredoc: no line closes the heredoc opened here")]
    UnterminatedHeredoc,
    /// A build instruction appears before the first `FROM`.
    #[error("{instruction} before the first FROM (only ARG may come before FROM)")]
    BeforeFrom {
        /// The instruction.
        instruction: String,
    },
    /// The file has no `FROM`, so no build stage.
    #[error("no FROM instruction: a Dockerfile needs at least one build stage")]
    NoStage,
    /// Any other Dockerfile syntax error.
    #[error("{0}")]
    Syntax(String),
    /// YAML the parser rejects (tabs as indentation included).
    #[error("invalid YAML: {0}")]
    Yaml(String),
    /// A mapping names the same key twice.
    #[error("duplicate key in this mapping (first written on line {first_line})")]
    DuplicateKey {
        /// Where the key was first written.
        first_line: usize,
    },
    /// A mapping key that is itself a collection.
    #[error("a mapping key must be a scalar, not a list or mapping")]
    ComplexKey,
    /// Aliases expand to too many nodes.
    #[error("aliases expand to more than {0} nodes (an alias bomb?); refusing the file")]
    AliasBomb(usize),
    /// Aliases copy too much text (the same code as [`ErrorKind::AliasBomb`]).
    #[error("aliases copy more than {0} bytes of text (an alias bomb?); refusing the file")]
    AliasText(usize),
    /// Collections nested too deeply.
    #[error("collections nested more than {0} levels deep")]
    TooDeep(usize),
    /// Template syntax left in a document meant to be rendered output.
    #[error(
        "unrendered template syntax (`{{{{ … }}}}`): render the chart first, e.g. `helm template CHART | bulwark scan - --kind kubernetes`"
    )]
    UnrenderedTemplate,
    /// `helm template` failed.
    #[error("helm template failed: {0}")]
    Helm(String),
    /// A Helm chart that cannot be rendered: there is no `helm`.
    #[error(
        "this Helm chart cannot be rendered: `helm` is not on PATH (install Helm, render the chart yourself and pipe it in with `helm template CHART | bulwark scan - --kind kubernetes`, or set `helm: {{unrendered: skip}}` in .bulwark.yaml to skip charts)"
    )]
    HelmMissing,
    /// A document of the declared kind does not have the expected shape.
    #[error("{0}")]
    Shape(String),
}

impl ErrorKind {
    /// A stable kebab-case name for the cause, for reports and `explain`.
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::Io(_) => "unreadable",
            ErrorKind::ReadDir(_) => "unreadable-directory",
            ErrorKind::SpecialFile(_) => "special-file",
            ErrorKind::SymlinkOutsideRoot { .. } => "symlink-outside-root",
            ErrorKind::SymlinkLoop => "symlink-loop",
            ErrorKind::DanglingSymlink => "dangling-symlink",
            ErrorKind::Excluded { .. } => "named-but-excluded",
            ErrorKind::Binary => "binary",
            ErrorKind::InvalidUtf8 { .. } => "invalid-utf8",
            ErrorKind::TooLarge { .. } => "too-large",
            ErrorKind::DocumentTooLarge { .. } => "document-too-large",
            ErrorKind::ExpansionBomb(_) => "expansion-bomb",
            ErrorKind::SubstitutionTooDeep(_) => "substitution-too-deep",
            ErrorKind::Empty => "empty-input",
            ErrorKind::UnknownKind => "unknown-kind",
            ErrorKind::Image(_) => "image-unreadable",
            ErrorKind::Directive(_) => "parser-directive",
            ErrorKind::UnknownInstruction { .. } => "unknown-instruction",
            ErrorKind::UnknownFlag { .. } => "unknown-flag",
            ErrorKind::MissingArguments { .. } => "missing-arguments",
            ErrorKind::InvalidJson { .. } => "invalid-exec-form",
            ErrorKind::UnterminatedHeredoc => "unterminated-heredoc",
            ErrorKind::BeforeFrom { .. } => "before-from",
            ErrorKind::NoStage => "no-stage",
            ErrorKind::Syntax(_) => "dockerfile-syntax",
            ErrorKind::Yaml(_) => "yaml-syntax",
            ErrorKind::DuplicateKey { .. } => "duplicate-key",
            ErrorKind::ComplexKey => "complex-key",
            ErrorKind::AliasBomb(_) | ErrorKind::AliasText(_) => "alias-bomb",
            ErrorKind::TooDeep(_) => "too-deep",
            ErrorKind::UnrenderedTemplate => "unrendered-template",
            ErrorKind::Helm(_) => "helm-failed",
            ErrorKind::HelmMissing => "helm-missing",
            ErrorKind::Shape(_) => "unexpected-shape",
        }
    }
}

/// One input-error code: the code, what it means and what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    /// The stable kebab-case code.
    pub code: &'static str,
    /// What it means and how to fix it.
    pub description: &'static str,
}

impl ErrorKind {
    /// What the code of this kind means, for `bulwark explain CODE`.
    pub fn description(&self) -> &'static str {
        match self {
            ErrorKind::Io(_) => {
                "The file could not be read; the operating system's reason follows (permissions, a path that does not exist)."
            }
            ErrorKind::ReadDir(_) => {
                "A directory could not be listed: what is in it cannot be accounted for, so the run fails."
            }
            ErrorKind::SpecialFile(_) => {
                "A FIFO, socket or device named on the command line: reading it could block or never end. bulwark reads only regular files (in a walk, such a file is listed as skipped)."
            }
            ErrorKind::SymlinkOutsideRoot { .. } => {
                "A symbolic link named on the command line whose target is outside the run's root (the git work tree, or the scanned directory): it is not followed. In a walk it is listed as skipped."
            }
            ErrorKind::SymlinkLoop => {
                "A symbolic link named on the command line that leads back into itself."
            }
            ErrorKind::DanglingSymlink => {
                "A symbolic link named on the command line that points at nothing."
            }
            ErrorKind::Excluded { .. } => {
                "A path named on the command line that the configuration's `exclude` covers: bulwark never drops a named path silently. Remove it from the command line or from `exclude`."
            }
            ErrorKind::Binary => {
                "The input holds NUL bytes: it is binary, not a Dockerfile or YAML."
            }
            ErrorKind::InvalidUtf8 { .. } => {
                "The input is not valid UTF-8 at the position named; save it as UTF-8."
            }
            ErrorKind::TooLarge { .. } => {
                "The input is larger than `--max-file-size` (default 10 MiB, `limits.max-file-size` in `.bulwark.yaml`). Checked before reading."
            }
            ErrorKind::ExpansionBomb(_) => {
                "A Dockerfile whose variable references (`$NAME`, `${NAME}`) and stages built on earlier stages, which copy the earlier stage's environment, copy more than 16 MiB of text in all: each reference is a copy of its value, so a few lines that each name the one before several times hold gigabytes. No real Dockerfile comes near it."
            }
            ErrorKind::SubstitutionTooDeep(_) => {
                "A Dockerfile variable reference whose default or alternative (`${NAME:-…}`, `${NAME:+…}`) nests others more than 32 levels deep, in `FROM`, `ARG`, `ENV` or `USER`: far past any real file, and each level would be read again."
            }
            ErrorKind::DocumentTooLarge { .. } => {
                "A Dockerfile within `--max-file-size` whose document (every instruction, its shell commands and words, as rule modules read it) cannot fit in a rule module's memory (`--rule-memory`, default 256 MiB): the tree a module is handed takes 16 bytes a value, and texts too long to share are written whole. Found while the document is built, at the instruction that passes the limit, so the rest is never built; no rule could have judged it. Split the file or raise `--rule-memory`."
            }
            ErrorKind::Empty => {
                "Standard input was empty: the command meant to produce it probably failed (`helm template … | bulwark scan -` without `set -o pipefail`). An empty input never passes."
            }
            ErrorKind::UnknownKind => {
                "A file named on the command line (or standard input) that is neither a Dockerfile nor YAML holding a Compose file or Kubernetes object: say what it is with `--kind`."
            }
            ErrorKind::Image(_) => {
                "A container image named with `--image` that cannot be read: a reference bulwark does not read, a missing blob, a blob or layer that does not match its digest, an unknown media type, a layer with names outside the image, a hard link or whiteout to nothing, or past a limit (entries per layer, decompressed size). The message names the image and the blob."
            }
            ErrorKind::Directive(_) => {
                "A Dockerfile parser directive (`# syntax=`, `# escape=`) that is malformed or repeated."
            }
            ErrorKind::UnknownInstruction { .. } => {
                "A Dockerfile instruction BuildKit does not know (often a typo: the message suggests the closest one)."
            }
            ErrorKind::UnknownFlag { .. } => {
                "A flag the Dockerfile instruction does not accept (the message lists those it does)."
            }
            ErrorKind::MissingArguments { .. } => {
                "A Dockerfile instruction without the arguments it needs."
            }
            ErrorKind::InvalidJson { .. } => {
                "A Dockerfile instruction in exec form (`[\"a\", \"b\"]`) that is not a JSON array of strings (single quotes are not JSON)."
            }
            ErrorKind::UnterminatedHeredoc => {
                "A Dockerfile heredoc (`<<EOF`) whose terminator line never appears."
            }
            ErrorKind::BeforeFrom { .. } => {
                "A Dockerfile instruction before the first `FROM` (only `ARG` may come before it)."
            }
            ErrorKind::NoStage => "A Dockerfile without `FROM`: it has no build stage.",
            ErrorKind::Syntax(_) => {
                "Any other Dockerfile syntax error (`USER` with two arguments, `HEALTHCHECK` without `CMD` or `NONE`)."
            }
            ErrorKind::Yaml(_) => {
                "YAML the parser rejects: a syntax error, or tabs used for indentation."
            }
            ErrorKind::DuplicateKey { .. } => {
                "A YAML mapping names the same key twice: readers disagree on which value wins, so bulwark refuses the document."
            }
            ErrorKind::ComplexKey => "A YAML mapping key that is a list or mapping.",
            ErrorKind::AliasBomb(_) | ErrorKind::AliasText(_) => {
                "YAML aliases expanding to too many nodes, or copying too much text (a \"billion laughs\" document)."
            }
            ErrorKind::TooDeep(_) => "YAML collections nested deeper than any real manifest.",
            ErrorKind::UnrenderedTemplate => {
                "Template syntax (`{{ … }}`) where it cannot be text: a document that does not parse without it, a key, a field Kubernetes reads as a number, boolean, list or mapping, or a chart template named on the command line. Render the chart first (`helm template CHART | bulwark scan - --kind kubernetes`), or scan the chart directory."
            }
            ErrorKind::Helm(_) => {
                "`helm template` failed on a chart; its message follows (secrets masked)."
            }
            ErrorKind::HelmMissing => {
                "A Helm chart was found and `helm` is not on PATH (nor named by `BULWARK_HELM`), so its templates cannot be judged. An error by default, never a silent pass: install Helm, pipe rendered output in, or opt out with `helm: {unrendered: skip}` in `.bulwark.yaml` (recorded in the evidence; the chart is then listed as skipped)."
            }
            ErrorKind::Shape(_) => {
                "A document of the declared kind that does not have its shape (a Kubernetes document without `apiVersion` and `kind`, a Compose file that is not a mapping)."
            }
        }
    }

    /// One error of every kind, for the list of codes.
    fn samples() -> Vec<ErrorKind> {
        vec![
            ErrorKind::Io(io::Error::other("x")),
            ErrorKind::ReadDir(io::Error::other("x")),
            ErrorKind::SpecialFile(SpecialFile::Fifo),
            ErrorKind::SymlinkOutsideRoot {
                root: String::new(),
            },
            ErrorKind::SymlinkLoop,
            ErrorKind::DanglingSymlink,
            ErrorKind::Excluded {
                pattern: String::new(),
                config: String::new(),
            },
            ErrorKind::Binary,
            ErrorKind::InvalidUtf8 { offset: 0 },
            ErrorKind::TooLarge { size: 0, limit: 0 },
            ErrorKind::DocumentTooLarge { limit: 0 },
            ErrorKind::ExpansionBomb(0),
            ErrorKind::SubstitutionTooDeep(0),
            ErrorKind::Empty,
            ErrorKind::UnknownKind,
            ErrorKind::Image(String::new()),
            ErrorKind::Directive(String::new()),
            ErrorKind::UnknownInstruction { suggestion: None },
            ErrorKind::UnknownFlag {
                instruction: String::new(),
                allowed: String::new(),
            },
            ErrorKind::MissingArguments {
                instruction: String::new(),
                expected: "",
            },
            ErrorKind::InvalidJson {
                instruction: String::new(),
                reason: String::new(),
            },
            ErrorKind::UnterminatedHeredoc,
            ErrorKind::BeforeFrom {
                instruction: String::new(),
            },
            ErrorKind::NoStage,
            ErrorKind::Syntax(String::new()),
            ErrorKind::Yaml(String::new()),
            ErrorKind::DuplicateKey { first_line: 1 },
            ErrorKind::ComplexKey,
            ErrorKind::AliasBomb(0),
            ErrorKind::TooDeep(0),
            ErrorKind::UnrenderedTemplate,
            ErrorKind::Helm(String::new()),
            ErrorKind::HelmMissing,
            ErrorKind::Shape(String::new()),
        ]
    }

    /// Every input-error code with its description.
    pub fn codes() -> Vec<CodeInfo> {
        ErrorKind::samples()
            .iter()
            .map(|k| CodeInfo {
                code: k.code(),
                description: k.description(),
            })
            .collect()
    }
}
