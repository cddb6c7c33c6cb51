//! Reading and parsing one candidate.
//!
//! [`load`] checks what a path is before opening it (a FIFO is never
//! opened, a file is never read past the size limit), reads a file of
//! unknown kind only as far as needed to tell whether it is an input,
//! refuses binary and non-UTF-8 inputs with their position, and parses.
//! What it does not do: decide which files to look at ([`crate::Discovery`])
//! or judge them (the rule engine).

use std::io::Read as _;
use std::sync::Arc;

use bulwark_core::{InputKind, NotInput, Skip, SourceFile};

use crate::candidate::Candidate;
use crate::classify::sniff;
use crate::error::{Error, ErrorKind};
use crate::fs::{file_type, open, special};
pub use crate::loaded::Loaded;
use crate::manifest::Templates;

/// How much of a file of unknown kind is read to tell what it is.
const SNIFF_BYTES: usize = 8192;

/// How to load candidates.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The kind of explicitly named files and standard input, overriding
    /// names and content.
    pub kind: Option<InputKind>,
    /// Files larger than this are refused.
    pub max_file_size: u64,
    /// How Helm charts are rendered.
    pub helm: crate::helm::Helm,
    /// The rule modules' memory: a Dockerfile whose document cannot fit in
    /// it is refused while it is built ([`ErrorKind::DocumentTooLarge`]).
    pub rule_memory: Option<u64>,
}

/// Reads and parses `candidate`.
///
/// # Errors
///
/// An [`Error`] naming the file for unreadable, special, binary, oversized
/// or non-UTF-8 input, and for a file that failed to parse as a whole (a
/// Dockerfile). A walked file without a recognisable kind is
/// [`Loaded::NotInput`]; an explicit one is [`ErrorKind::UnknownKind`].
pub fn load(candidate: &Candidate, options: &LoadOptions) -> Result<Loaded, Error> {
    match read(candidate, options)? {
        Read::Loaded(loaded) => Ok(loaded),
        Read::File(file) => file.parse(),
    }
}

/// What [`read`] gave: a file's bytes to parse, or what loading the
/// candidate came to without them (a rendered chart, a skipped or
/// unrecognised file).
#[derive(Debug)]
pub enum Read {
    /// The file's bytes, checked (size, not binary), not parsed.
    File(ReadFile),
    /// Loading ended without bytes to parse.
    Loaded(Loaded),
}

/// A file read and not parsed yet.
#[derive(Debug)]
pub struct ReadFile {
    display: String,
    declared: Option<InputKind>,
    unknown: bool,
    templates: Templates,
    bytes: Vec<u8>,
    rule_memory: Option<u64>,
}

impl ReadFile {
    /// The bytes as read: what the document's source text will be.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The kind the file was declared as (by name or `--kind`), if any.
    pub fn declared(&self) -> Option<InputKind> {
        self.declared
    }

    /// Parses the file, as [`load`] does.
    ///
    /// # Errors
    ///
    /// As [`load`].
    pub fn parse(self) -> Result<Loaded, Error> {
        match load_bytes_as(
            &self.display,
            self.declared,
            self.bytes,
            self.templates,
            self.rule_memory,
        ) {
            // A walked file that held no document of interest is not an input.
            Err(e) if matches!(e.kind(), ErrorKind::UnknownKind) && self.unknown => {
                Ok(Loaded::NotInput(NotInput::Unrecognised))
            }
            other => other,
        }
    }
}

/// Reads `candidate` as [`load`] does, without parsing it: a chart is
/// rendered (and parsed), a special, oversized or unrecognised file ends
/// here.
///
/// # Errors
///
/// As [`load`].
pub fn read(candidate: &Candidate, options: &LoadOptions) -> Result<Read, Error> {
    if candidate.chart {
        return options
            .helm
            .render(candidate, options.max_file_size)
            .map(Read::Loaded);
    }
    let whole = |kind| Error::whole(&candidate.display, kind);
    let size = match file_type(&candidate.path).map_err(|e| whole(ErrorKind::Io(e)))? {
        Ok(size) => size,
        Err(special) if candidate.explicit => return Err(whole(ErrorKind::SpecialFile(special))),
        Err(special) => {
            return Ok(Read::Loaded(Loaded::Skipped {
                reason: Skip::SpecialFile(special),
                notice: None,
            }));
        }
    };
    let declared = if candidate.explicit {
        options.kind.or(candidate.kind)
    } else {
        candidate.kind
    };
    let max_file_size = options.max_file_size;
    let unknown = declared.is_none() && !candidate.explicit;
    if size > max_file_size {
        if unknown {
            return Ok(Read::Loaded(Loaded::Skipped {
                reason: Skip::TooLarge,
                notice: None,
            }));
        }
        return Err(whole(ErrorKind::TooLarge {
            size,
            limit: max_file_size,
        }));
    }
    let file = open(&candidate.path).map_err(|e| whole(ErrorKind::Io(e)))?;
    match file.metadata() {
        Ok(m) if m.is_file() => {}
        Ok(m) => return Err(whole(ErrorKind::SpecialFile(special(&m.file_type())))),
        Err(e) => return Err(whole(ErrorKind::Io(e))),
    }
    let mut reader = file.take(max_file_size + 1);
    // The head first: a binary file, or one that is not an input, is not
    // read any further.
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(SNIFF_BYTES as u64)).unwrap_or(0));
    (&mut reader)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| whole(ErrorKind::Io(e)))?;
    if unknown {
        // Judge by the valid prefix: a manifest with one bad byte is an
        // input with an error, not a file to skip.
        let text = match std::str::from_utf8(&bytes) {
            Ok(t) => t,
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
        };
        if bytes.contains(&0) || (sniff(text).is_none() && !crate::manifest::sniff_yaml(text)) {
            return Ok(Read::Loaded(Loaded::NotInput(NotInput::Unrecognised)));
        }
    } else if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        let (line, column) = line_col(&bytes, nul);
        return Err(Error::new(
            &candidate.display,
            line,
            column,
            ErrorKind::Binary,
        ));
    }
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| whole(ErrorKind::Io(e)))?;
    if bytes.len() as u64 > max_file_size {
        // It grew since it was measured.
        return Err(whole(ErrorKind::TooLarge {
            size: bytes.len() as u64,
            limit: max_file_size,
        }));
    }
    let templates = if candidate.chart_template {
        Templates::Unrendered
    } else {
        Templates::Text
    };
    Ok(Read::File(ReadFile {
        display: candidate.display.clone(),
        declared,
        unknown,
        templates,
        bytes,
        rule_memory: options.rule_memory,
    }))
}

/// Parses `bytes` named `name` as `kind` (told by content when `None`).
///
/// # Errors
///
/// As [`load`]; content that is neither a Dockerfile nor YAML holding a
/// Compose file or Kubernetes object is [`ErrorKind::UnknownKind`].
pub fn load_bytes(name: &str, kind: Option<InputKind>, bytes: Vec<u8>) -> Result<Loaded, Error> {
    load_bytes_as(name, kind, bytes, Templates::Text, None)
}

/// [`load_bytes`], refusing a Dockerfile whose document cannot fit in
/// `rule_memory` ([`LoadOptions::rule_memory`]).
///
/// # Errors
///
/// As [`load_bytes`], and [`ErrorKind::DocumentTooLarge`].
pub fn load_bytes_within(
    name: &str,
    kind: Option<InputKind>,
    bytes: Vec<u8>,
    rule_memory: Option<u64>,
) -> Result<Loaded, Error> {
    load_bytes_as(name, kind, bytes, Templates::Text, rule_memory)
}

fn load_bytes_as(
    name: &str,
    kind: Option<InputKind>,
    bytes: Vec<u8>,
    templates: Templates,
    rule_memory: Option<u64>,
) -> Result<Loaded, Error> {
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        let (line, column) = line_col(&bytes, nul);
        return Err(Error::new(name, line, column, ErrorKind::Binary));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let (line, column) = line_col(e.as_bytes(), offset);
        Error::new(name, line, column, ErrorKind::InvalidUtf8 { offset })
    })?;
    let kind = kind.or_else(|| sniff(&text));
    let source = Arc::new(SourceFile::new(name, text));
    let parsed = match kind {
        Some(InputKind::Dockerfile) => {
            let doc = crate::dockerfile::parse_within(source.clone(), rule_memory)
                .map_err(|e| e.with_source(source.clone()))?;
            crate::manifest::Parsed {
                documents: vec![doc],
                errors: Vec::new(),
            }
        }
        Some(other) => crate::manifest::parse(source.clone(), Some(other), templates),
        None => {
            let parsed = if crate::manifest::sniff_yaml(source.text()) {
                crate::manifest::parse(source.clone(), None, templates)
            } else {
                crate::manifest::Parsed::default()
            };
            if parsed.documents.is_empty() && parsed.errors.is_empty() {
                return Err(Error::whole(name, ErrorKind::UnknownKind));
            }
            parsed
        }
    };
    let kind = kind.or_else(|| parsed.documents.first().map(|d| d.kind));
    Ok(Loaded::Documents {
        source,
        documents: parsed.documents,
        errors: parsed.errors,
        kind,
    })
}

/// 1-based line and byte column of `offset` in `bytes`.
fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first document of `text`, loaded as `kind`.
    fn first(name: &str, kind: InputKind, text: &str) -> bulwark_core::Document {
        let Ok(Loaded::Documents { documents, .. }) =
            load_bytes(name, Some(kind), text.as_bytes().to_vec())
        else {
            panic!("not loaded");
        };
        documents.into_iter().next().expect("a document")
    }

    /// Where `pointer` lands in `doc` (of `text`): line, column, the text.
    fn landing<'t>(
        doc: &bulwark_core::Document,
        text: &'t str,
        pointer: &str,
    ) -> (usize, usize, &'t str) {
        let span = doc.span_of(pointer).expect(pointer);
        let l = doc.source.location(span);
        (l.line, l.column, &text[span.start..span.end])
    }

    /// A pointer to characters inside a string lands where they are
    /// written: inside a literal block scalar, a plain or a quoted scalar;
    /// the whole value where the source writes them otherwise.
    #[test]
    fn a_range_inside_a_value_lands_on_its_characters() {
        let text = "data:\n  app.properties: |\n    user=sa\n    password=S3cr3t\n  one: x password=é1\n  folded: >\n    pass\n    word\n  escaped: \"a\\tb\"\n";
        let doc = first("k.yaml", InputKind::HelmValues, text);
        let at = |pointer: &str| landing(&doc, text, pointer);
        // "user=sa\npassword=S3cr3t\n": S3cr3t is characters 17..23.
        assert_eq!(at("/data/app.properties~@17-23"), (4, 14, "S3cr3t"));
        // Characters, not bytes: `é1` after `x password=`.
        assert_eq!(at("/data/one~@11-13"), (5, 19, "é1"));
        // Folded: "pass word\n" is not written so; the whole value.
        assert_eq!(at("/data/folded~@0-9"), at("/data/folded"));
        assert_eq!(at("/data/escaped~@0-3"), (9, 12, "\"a\\tb\""));
        // A range outside the value, an empty one or a malformed one is no
        // place at all or the value's.
        assert_eq!(doc.span_of("/data/one~@5-99"), doc.span_of("/data/one"));
        assert_eq!(doc.span_of("/data/one~@3-3"), doc.span_of("/data/one"));
        assert_eq!(doc.span_of("/data/one~@x-3"), None);
        assert_eq!(doc.span_of("/data~@0-1"), None);
    }

    /// Where a pointer to a Compose mapping lands: on its key, even when
    /// a comment repeats the key's text, the key is quoted, the mapping is
    /// the first entry or written in flow style.
    #[test]
    fn a_compose_mapping_lands_on_its_key() {
        let text = "services:\n  web:\n    image: a\n  # db: the database\n  \"db\":\n    image: b\n  cache: {image: c}\n";
        let doc = first("compose.yaml", InputKind::Compose, text);
        let at = |pointer: &str| landing(&doc, text, pointer);
        assert_eq!(at("/services/web"), (2, 3, "web"));
        assert_eq!(at("/services/db"), (5, 3, "\"db\""));
        assert_eq!(at("/services/cache"), (7, 3, "cache"));
        assert_eq!(at("/services"), (1, 1, "services"));
        // Scalars, and mappings in other kinds, keep their own span.
        assert_eq!(at("/services/web/image"), (3, 12, "a"));
    }

    #[test]
    fn refuses_binary_and_invalid_utf8_with_a_location() {
        let e = load_bytes(
            "x",
            Some(InputKind::Dockerfile),
            b"FROM a\nRUN \x00".to_vec(),
        )
        .expect_err("binary");
        assert_eq!((e.line(), e.column()), (Some(2), Some(5)));
        assert!(matches!(e.kind(), ErrorKind::Binary));
        let e = load_bytes(
            "x",
            Some(InputKind::Dockerfile),
            b"FROM a\nRUN echo \xff\xfe\n".to_vec(),
        )
        .expect_err("utf8");
        assert_eq!((e.line(), e.column()), (Some(2), Some(10)));
        assert!(e.to_string().starts_with("x:2:10: invalid UTF-8"), "{e}");
    }
}
