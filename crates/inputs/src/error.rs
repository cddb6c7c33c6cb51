//! Input errors: a file bulwark could not read or parse.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use bulwark_core::SourceFile;

/// An input bulwark could not read, classify or parse.
///
/// Its `Display` is `file:line:column: message`, the form every editor and
/// CI log understands. Use [`Error::kind`] to branch on the cause.
#[derive(Debug)]
pub struct Error(Box<Inner>);

#[derive(Debug)]
struct Inner {
    file: String,
    line: usize,
    column: usize,
    kind: ErrorKind,
    text: Option<Arc<SourceFile>>,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.0.file, self.0.line, self.0.column, self.0.kind
        )
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.0.kind)
    }
}

impl Error {
    /// An error at `line`:`column` (1-based) of `file`.
    pub fn new(file: impl Into<String>, line: usize, column: usize, kind: ErrorKind) -> Error {
        Error(Box::new(Inner {
            file: file.into(),
            line,
            column,
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

    /// The 1-based line of the error.
    pub fn line(&self) -> usize {
        self.0.line
    }

    /// The 1-based column of the error.
    pub fn column(&self) -> usize {
        self.0.column
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }
}

/// What went wrong with an input.
///
/// Messages never quote input text beyond a keyword or flag name, so a
/// secret on a malformed line cannot surface through an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read.
    #[error("cannot read file")]
    Io(#[source] io::Error),
    /// A directory walk failed.
    #[error("cannot walk {}", path.display())]
    Walk {
        /// The path being walked.
        path: PathBuf,
        /// The walker's message.
        #[source]
        source: ignore::Error,
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
    /// The kind of a file given explicitly could not be determined.
    #[error("cannot tell what kind of input this is; name it with --kind")]
    UnknownKind,
    /// Parser directives conflict or are malformed.
    #[error("{0}")]
    Directive(String),
    /// An instruction bulwark (and BuildKit) does not know.
    #[error("unknown instruction `{name}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownInstruction {
        /// The instruction keyword as written.
        name: String,
        /// A known instruction with a similar spelling.
        suggestion: Option<String>,
    },
    /// A flag the instruction does not accept.
    #[error("unknown flag `--{flag}` for {instruction}")]
    UnknownFlag {
        /// The instruction.
        instruction: String,
        /// The flag name.
        flag: String,
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
    #[error("unterminated heredoc: no line `{delimiter}` closes the heredoc opened here")]
    UnterminatedHeredoc {
        /// The delimiter word.
        delimiter: String,
    },
    /// A build instruction appears before the first `FROM`.
    #[error("{instruction} before the first FROM (only ARG may come before FROM)")]
    BeforeFrom {
        /// The instruction.
        instruction: String,
    },
    /// The file has no `FROM`, so no build stage.
    #[error("no FROM instruction: a Dockerfile needs at least one build stage")]
    NoStage,
    /// Any other syntax error.
    #[error("{0}")]
    Syntax(String),
    /// YAML the parser rejects (tabs as indentation included).
    #[error("invalid YAML: {0}")]
    Yaml(String),
    /// A mapping names the same key twice.
    #[error("duplicate key `{0}` in this mapping")]
    DuplicateKey(String),
    /// A mapping key that is itself a collection.
    #[error("a mapping key must be a scalar, not a list or mapping")]
    ComplexKey,
    /// Aliases expand to too many nodes.
    #[error("aliases expand to more than {0} nodes (an alias bomb?); refusing the file")]
    AliasBomb(usize),
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
    /// A document of the declared kind does not have the expected shape.
    #[error("{0}")]
    Shape(String),
}
