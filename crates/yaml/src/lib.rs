//! YAML streams with positions: every value keeps its source span.
//!
//! Built on `saphyr-parser`'s event stream (YAML 1.2). On top of the events
//! this module:
//!
//! - resolves plain scalars with the YAML 1.2 core schema (`null`, booleans,
//!   integers in decimal, octal `0o` and hex `0x`, floats); quoted and block
//!   scalars are strings, `!!str` and friends are honoured;
//! - resolves anchors and aliases, and merge keys (`<<: *defaults`,
//!   `<<: [*a, *b]`: keys written in the mapping win, then earlier merges),
//!   with a bound on the nodes aliases expand to, so a "billion laughs"
//!   document is an error instead of a memory blow-up;
//! - rejects duplicate keys, complex (non-scalar) keys and nesting deeper
//!   than [`MAX_DEPTH`] levels, each with its line and column;
//! - keeps Helm's `# Source: chart/templates/x.yaml` comment of each
//!   document.
//!
//! Messages never quote a value or a key, only YAML syntax.
#![deny(missing_docs)]

use std::collections::HashMap;

use bulwark_core::{Node, SourceFile, Span, Text, Value};
use compact_str::{ToCompactString, format_compact};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};

/// YAML that cannot be read, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {kind}")]
pub struct Error {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub kind: ErrorKind,
}

/// What is wrong with YAML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// YAML the parser rejects (tabs as indentation included).
    #[error("invalid YAML: {0}")]
    Syntax(String),
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
    /// Aliases copy too much text.
    #[error("aliases copy more than {0} bytes of text (an alias bomb?); refusing the file")]
    AliasText(usize),
    /// Collections nested too deeply.
    #[error("collections nested more than {0} levels deep")]
    TooDeep(usize),
}

impl Error {
    /// The 1-based line.
    pub fn line(&self) -> usize {
        self.line
    }

    /// What is wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

/// Deepest nesting of collections accepted. Real manifests stay far below;
/// the bound keeps every consumer (including rule modules' JSON readers)
/// safe from stack exhaustion.
pub const MAX_DEPTH: usize = 100;

/// Most nodes that aliases may expand to in one file.
pub const MAX_ALIAS_NODES: usize = 250_000;

/// Most bytes of text (member names, strings, numbers) that aliases may
/// copy in one file. An alias is expanded into a copy of what its anchor
/// holds, so a few nodes can stand for any amount of text: one anchored
/// string of 1 MiB named 2,000 times is 2 GB of copies from a file of 1 MB.
pub const MAX_ALIAS_TEXT: usize = 16 << 20;

/// One document of a YAML stream.
#[derive(Debug, Clone)]
pub struct YamlDocument {
    /// Its content; `Value::Null` for an empty document.
    pub root: Node,
    /// The template named by a Helm `# Source:` comment before it.
    pub helm_source: Option<String>,
}

/// Parses every document of `file`.
///
/// # Errors
///
/// An [`Error`] at the offending line for syntax errors, tabs used as
/// indentation, duplicate keys, complex keys, too-deep nesting and aliases
/// expanding past [`MAX_ALIAS_NODES`] or copying more than
/// [`MAX_ALIAS_TEXT`].
pub fn parse_stream(file: &SourceFile) -> Result<Vec<YamlDocument>, Error> {
    Builder::new(file, 0..file.text().len()).run()
}

/// Parses every document of `file`, each on its own when the stream as a
/// whole does not parse: a document that fails is an error in its place,
/// and the documents around it are still read.
///
/// The stream is split at `---` lines, which YAML forbids inside any
/// scalar or collection, so a split never cuts a document that parses.
pub fn parse_documents(file: &SourceFile) -> Vec<Result<YamlDocument, DocumentError>> {
    if let Ok(docs) = parse_stream(file) {
        return docs.into_iter().map(Ok).collect();
    }
    let mut out = Vec::new();
    for range in document_chunks(file.text()) {
        match Builder::new(file, range.clone()).run() {
            Ok(docs) => out.extend(docs.into_iter().map(Ok)),
            Err(error) => out.push(Err(DocumentError { error, range })),
        }
    }
    out
}

/// A document of a stream that failed to parse.
#[derive(Debug)]
pub struct DocumentError {
    /// Why, and where.
    pub error: Error,
    /// The document's byte range in the file.
    pub range: std::ops::Range<usize>,
}

/// The byte ranges of `text` between document-start (`---`) lines: each
/// range begins at the start of a line.
pub fn document_chunks(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let marker = line
            .strip_prefix("---")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']));
        if marker && offset > 0 {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts.push(text.len());
    starts.windows(2).map(|w| w[0]..w[1]).collect()
}

/// Converts saphyr's character markers, relative to the parsed range, to
/// byte offsets in the file.
struct Offsets<'a> {
    file: &'a SourceFile,
    ascii: bool,
    /// Where the parsed range starts (at the start of a line).
    base: usize,
    /// The 0-based line of `base`.
    base_line: usize,
    /// Where the parsed range ends.
    end: usize,
}

impl Offsets<'_> {
    /// The last offset a position may take: the end of the file, or, in
    /// a document of it, its last character (so that an error at its end
    /// is on its last line, not on the next document's `---`).
    fn last(&self) -> usize {
        if self.end < self.file.text().len() {
            self.end.saturating_sub(1).max(self.base)
        } else {
            self.end
        }
    }

    fn byte(&self, m: Marker) -> usize {
        if self.ascii {
            return (self.base + m.index()).min(self.last());
        }
        let starts = self.file.line_starts();
        let Some(&start) = starts.get(self.base_line + m.line().saturating_sub(1)) else {
            return self.last();
        };
        let line = &self.file.text()[start..];
        start
            + line
                .char_indices()
                .nth(m.col())
                .map_or(line.len(), |(i, _)| i)
    }

    fn span(&self, s: saphyr_parser::Span) -> Span {
        Span::new(self.byte(s.start), self.byte(s.end))
    }
}

/// An open collection. Its elements wait on the builder's shared stacks
/// (`items`, `fields`) from `first` on, and move into a vector of exactly
/// their number when it closes: one allocation per collection, where a
/// vector of its own grew by doubling (leaving up to half of it unused for
/// the whole scan, and the allocator the freed smaller blocks).
enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        /// Where its elements start in `Builder::items`.
        first: usize,
    },
    Map {
        start: usize,
        anchor: usize,
        /// Where its fields start in `Builder::fields` (and their keys'
        /// positions in `Builder::key_starts`).
        first: usize,
        /// Field positions (relative to `first`) by key, for duplicate
        /// detection in large mappings.
        index: Option<HashMap<Text, usize>>,
        key: Option<(Text, Span)>,
        merges: Vec<Node>,
    },
}

struct Builder<'a> {
    file: &'a SourceFile,
    /// The text parsed: the whole file, or one document's range of it.
    range: std::ops::Range<usize>,
    offsets: Offsets<'a>,
    stack: Vec<Frame>,
    /// The elements of the open sequences, innermost last.
    items: Vec<Node>,
    /// The fields of the open mappings, innermost last.
    fields: Vec<(Text, Node)>,
    /// Where each of `fields`' keys starts, for an error naming the first
    /// of two duplicates.
    key_starts: Vec<usize>,
    anchors: HashMap<usize, (Node, usize)>,
    /// Bytes of text aliases have copied so far.
    expanded_text: usize,
    expanded: usize,
    docs: Vec<YamlDocument>,
    root: Option<Node>,
    sources: Vec<(usize, String)>,
    doc_first_line: usize,
}

impl<'a> Builder<'a> {
    fn new(file: &'a SourceFile, range: std::ops::Range<usize>) -> Builder<'a> {
        // `# Source: path` lines, by 1-based line number.
        let sources = file
            .text()
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                l.strip_prefix("# Source: ")
                    .map(|p| (i + 1, p.trim().to_owned()))
            })
            .collect();
        let first_line = file.line_col(range.start).0;
        Builder {
            file,
            offsets: Offsets {
                file,
                ascii: file.text().is_ascii(),
                base: range.start,
                base_line: first_line - 1,
                end: range.end,
            },
            range,
            stack: Vec::new(),
            items: Vec::new(),
            fields: Vec::new(),
            key_starts: Vec::new(),
            anchors: HashMap::new(),
            expanded_text: 0,
            expanded: 0,
            docs: Vec::new(),
            root: None,
            sources,
            doc_first_line: first_line,
        }
    }

    fn error_at(&self, offset: usize, kind: ErrorKind) -> Error {
        let (line, column) = self.file.line_col(offset);
        Error { line, column, kind }
    }

    fn run(mut self) -> Result<Vec<YamlDocument>, Error> {
        let mut parser = Parser::new_from_str(&self.file.text()[self.range.clone()]);
        while let Some(next) = parser.next_event() {
            let (event, span) = next.map_err(|e| {
                let m = e.marker();
                let offset = self.offsets.byte(*m);
                self.error_at(offset, ErrorKind::Syntax(e.info().to_owned()))
            })?;
            let span = self.offsets.span(span);
            match event {
                Event::DocumentStart(_) => {
                    self.anchors.clear();
                    self.doc_first_line = self.file.line_col(span.start).0;
                }
                Event::DocumentEnd => self.end_document(span)?,
                Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
                Event::SequenceStart(anchor, _) => {
                    self.push(
                        Frame::Seq {
                            start: span.start,
                            anchor,
                            first: self.items.len(),
                        },
                        span,
                    )?;
                }
                Event::MappingStart(anchor, _) => {
                    self.push(
                        Frame::Map {
                            start: span.start,
                            anchor,
                            first: self.fields.len(),
                            index: None,
                            key: None,
                            merges: Vec::new(),
                        },
                        span,
                    )?;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let frame = self.stack.pop().ok_or_else(|| {
                        self.error_at(
                            span.start,
                            ErrorKind::Syntax("unbalanced collection".into()),
                        )
                    })?;
                    let (node, anchor) = self.finish(frame, span)?;
                    self.value(node, anchor, span)?;
                }
                Event::Scalar(text, style, anchor, tag) => {
                    let value = resolve_scalar(&text, style, tag.as_deref());
                    let node = Node::new(span, value);
                    if self.expecting_key() {
                        self.key(node_key(&node), span)?;
                        if anchor > 0 {
                            self.anchors.insert(anchor, (node, 1));
                        }
                    } else {
                        self.value(node, anchor, span)?;
                    }
                }
                Event::Alias(id) => {
                    let Some((node, size)) = self.anchors.get(&id) else {
                        return Err(self.error_at(
                            span.start,
                            ErrorKind::Syntax("alias to an undefined anchor".into()),
                        ));
                    };
                    let size = *size;
                    if self.expanded + size > MAX_ALIAS_NODES {
                        return Err(
                            self.error_at(span.start, ErrorKind::AliasBomb(MAX_ALIAS_NODES))
                        );
                    }
                    // Within the node bound, so the walk is too.
                    let text = node.tree_len().1;
                    if self.expanded_text + text > MAX_ALIAS_TEXT {
                        return Err(self.error_at(span.start, ErrorKind::AliasText(MAX_ALIAS_TEXT)));
                    }
                    self.expanded += size;
                    self.expanded_text += text;
                    let node = node.clone();
                    if self.expecting_key() {
                        self.key(node_key(&node), span)?;
                    } else {
                        self.value(node, 0, span)?;
                    }
                }
            }
        }
        Ok(self.docs)
    }

    fn push(&mut self, frame: Frame, span: Span) -> Result<(), Error> {
        if self.expecting_key() {
            return Err(self.error_at(span.start, ErrorKind::ComplexKey));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error_at(span.start, ErrorKind::TooDeep(MAX_DEPTH)));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn key(&mut self, key: Text, span: Span) -> Result<(), Error> {
        let first = match self.stack.last() {
            Some(Frame::Map { first, index, .. }) => match index {
                Some(index) => index.get(&key).copied(),
                None => self
                    .fields
                    .get(*first..)
                    .and_then(|own| own.iter().position(|(k, _)| *k == key)),
            }
            .and_then(|i| self.key_starts.get(*first + i).copied()),
            _ => None,
        };
        if let Some(first) = first
            && key != "<<"
        {
            let first_line = self.file.line_col(first).0;
            return Err(self.error_at(span.start, ErrorKind::DuplicateKey { first_line }));
        }
        if let Some(Frame::Map { key: slot, .. }) = self.stack.last_mut() {
            *slot = Some((key, span));
        }
        Ok(())
    }

    /// A completed value: into the enclosing collection, or the document.
    fn value(&mut self, node: Node, anchor: usize, span: Span) -> Result<(), Error> {
        if anchor > 0 {
            let size = node_count(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { .. }) => {
                self.items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                first,
                index,
                key,
                merges,
                ..
            }) => {
                let Some((name, key_span)) = key.take() else {
                    return Err(self.error_at(span.start, ErrorKind::ComplexKey));
                };
                if name == "<<" && is_plain_merge(self.file, key_span) {
                    merges.push(node);
                    return Ok(());
                }
                let own = self.fields.get(*first..).unwrap_or_default();
                if let Some(index) = index {
                    index.insert(name.clone(), own.len());
                } else if own.len() >= 16 {
                    let mut map: HashMap<Text, usize> = own
                        .iter()
                        .enumerate()
                        .map(|(i, (k, _))| (k.clone(), i))
                        .collect();
                    map.insert(name.clone(), own.len());
                    *index = Some(map);
                }
                self.fields.push((name, node));
                self.key_starts.push(key_span.start);
                Ok(())
            }
        }
    }

    fn finish(&mut self, frame: Frame, end: Span) -> Result<(Node, usize), Error> {
        match frame {
            Frame::Seq {
                start,
                anchor,
                first,
            } => {
                let items: Vec<Node> = self.items.drain(first.min(self.items.len())..).collect();
                let end = items.last().map_or(end.end, |n| n.span.end.max(start));
                Ok((Node::array(Span::new(start, end), items), anchor))
            }
            Frame::Map {
                start,
                anchor,
                first,
                merges,
                ..
            } => {
                let first = first.min(self.fields.len());
                let mut fields: Vec<(Text, Node)> = self.fields.drain(first..).collect();
                self.key_starts.truncate(first);
                for merge in merges {
                    let sources = match merge.value {
                        Value::Object(_) => vec![merge],
                        Value::Array(items) => items,
                        _ => {
                            return Err(self.error_at(
                                merge.span.start,
                                ErrorKind::Syntax(
                                    "a merge key (`<<`) needs a mapping or a list of mappings"
                                        .into(),
                                ),
                            ));
                        }
                    };
                    for source in sources {
                        let Value::Object(extra) = source.value else {
                            return Err(self.error_at(
                                source.span.start,
                                ErrorKind::Syntax(
                                    "a merge key (`<<`) needs a mapping or a list of mappings"
                                        .into(),
                                ),
                            ));
                        };
                        for (k, v) in extra {
                            if !fields.iter().any(|(have, _)| *have == k) {
                                fields.push((k, v));
                            }
                        }
                    }
                }
                let end = fields
                    .iter()
                    .map(|(_, n)| n.span.end)
                    .filter(|&e| e >= start)
                    .max()
                    .unwrap_or(end.end);
                Ok((Node::object(Span::new(start, end), fields), anchor))
            }
        }
    }

    fn end_document(&mut self, span: Span) -> Result<(), Error> {
        if !self.stack.is_empty() {
            return Err(self.error_at(
                span.start,
                ErrorKind::Syntax("unterminated collection".into()),
            ));
        }
        let root = self
            .root
            .take()
            .unwrap_or_else(|| Node::null(Span::new(span.start, span.start)));
        // The `# Source:` comment between the document's start and its content.
        let content_line = self.file.line_col(root.span.start).0;
        let helm_source = self
            .sources
            .iter()
            .rev()
            .find(|(line, _)| *line >= self.doc_first_line && *line <= content_line)
            .map(|(_, s)| s.clone());
        self.doc_first_line = self.file.line_col(span.end).0;
        self.docs.push(YamlDocument { root, helm_source });
        Ok(())
    }
}

/// `<<` as a plain scalar key is a merge; `"<<"` quoted is an ordinary key.
fn is_plain_merge(file: &SourceFile, key: Span) -> bool {
    file.slice(key) == "<<"
}

/// The text of a scalar used as a mapping key.
fn node_key(node: &Node) -> Text {
    match &node.value {
        Value::String(s) | Value::Number(s) => s.clone(),
        Value::Bool(b) => Text::const_new(if *b { "true" } else { "false" }),
        Value::Null => Text::const_new("null"),
        Value::Array(_) | Value::Object(_) => Text::default(),
    }
}

fn node_count(node: &Node) -> usize {
    match &node.value {
        Value::Array(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Value::Object(fields) => 1 + fields.iter().map(|(_, n)| node_count(n)).sum::<usize>(),
        _ => 1,
    }
}

/// The value of a scalar under the YAML 1.2 core schema.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag
        && tag.is_yaml_core_schema()
    {
        return match tag.suffix.as_str() {
            "null" => Value::Null,
            "bool" => match plain_bool(text) {
                Some(b) => Value::Bool(b),
                None => Value::String(Text::from(text)),
            },
            "int" | "float" => {
                number(text).map_or_else(|| Value::String(Text::from(text)), Value::Number)
            }
            _ => Value::String(Text::from(text)),
        };
    }
    if style != ScalarStyle::Plain || tag.is_some() {
        return Value::String(Text::from(text));
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = plain_bool(text) {
        return Value::Bool(b);
    }
    match number(text) {
        Some(n) => Value::Number(n),
        None => Value::String(Text::from(text)),
    }
}

fn plain_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// The JSON text of a core-schema number, if `text` is one that JSON can
/// hold (`.inf` and `.nan` stay strings).
fn number(text: &str) -> Option<Text> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    // Every form below starts with a digit or a point after its sign: most
    // plain scalars (names, images, paths) are answered here.
    if !matches!(digits.as_bytes().first(), Some(b'0'..=b'9' | b'.')) {
        return None;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16)
            .ok()
            .map(|n| n.to_compact_string());
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return u64::from_str_radix(oct, 8)
            .ok()
            .map(|n| n.to_compact_string());
    }
    if digits.is_empty() {
        return None;
    }
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        let trimmed = digits.trim_start_matches('0');
        let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
        return Some(if negative && trimmed != "0" {
            format_compact!("-{trimmed}")
        } else {
            Text::from(trimmed)
        });
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(i) => (&digits[..i], Some(&digits[i + 1..])),
        None => (digits, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let valid = (!int.is_empty() || !frac.is_empty())
        && all_digits(int)
        && all_digits(frac)
        && mantissa.contains('.') | exponent.is_some()
        && exponent.is_none_or(|e| {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && all_digits(e)
        });
    if !valid {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    value.is_finite().then(|| format_compact!("{value:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<YamlDocument>, Error> {
        parse_stream(&SourceFile::new("t.yaml", text))
    }

    fn json(text: &str) -> String {
        parse(text).expect("parses")[0].root.to_json()
    }

    /// Every collection's vector holds exactly its elements, nested ones
    /// and those after a nested one included: nothing is kept for the scan
    /// that growing left unused.
    #[test]
    fn collections_take_exactly_their_size() {
        fn check(node: &Node) {
            match &node.value {
                Value::Array(items) => {
                    assert_eq!(items.capacity(), items.len(), "{}", node.to_json());
                    items.iter().for_each(check);
                }
                Value::Object(fields) => {
                    assert_eq!(fields.capacity(), fields.len(), "{}", node.to_json());
                    fields.iter().for_each(|(_, n)| check(n));
                }
                _ => {}
            }
        }
        let docs = parse(
            "a: {b: 1, c: [1, 2, 3, 4, 5], d: 2, e: 3, f: 4}\n\
             g:\n  - [x, y, z]\n  - {p: 1, q: 2, r: 3}\n  - 7\nh: [[], {}, [[1]]]\n\
             i: 1\nj: 2\nk: 3\n---\n[1, 2, 3, {a: [4, 5, 6, 7, 8, 9]}, 10]\n",
        )
        .expect("parses");
        assert_eq!(docs.len(), 2);
        for doc in &docs {
            check(&doc.root);
        }
        assert_eq!(
            docs[0].root.to_json(),
            r#"{"a":{"b":1,"c":[1,2,3,4,5],"d":2,"e":3,"f":4},"g":[["x","y","z"],{"p":1,"q":2,"r":3},7],"h":[[],{},[[1]]],"i":1,"j":2,"k":3}"#
        );
        assert_eq!(docs[1].root.to_json(), r#"[1,2,3,{"a":[4,5,6,7,8,9]},10]"#);
    }

    #[test]
    fn resolves_core_schema_scalars() {
        assert_eq!(
            json(
                "a: 1\nb: -0x1F\nc: 0o17\nd: 1.5\ne: .inf\nf: yes\ng: true\nh: ~\ni: '2'\nj: 007\nk: 1e3\nl: .5\nm: -.5e1\nn: +7\no: e3\np: x1\n"
            ),
            r#"{"a":1,"b":"-0x1F","c":15,"d":1.5,"e":".inf","f":"yes","g":true,"h":null,"i":"2","j":7,"k":1000.0,"l":0.5,"m":-5.0,"n":7,"o":"e3","p":"x1"}"#
        );
        assert_eq!(
            json("a: !!str 12\nb: !!int \"12\"\n"),
            r#"{"a":"12","b":12}"#
        );
    }

    #[test]
    fn keeps_spans_of_keys_values_and_collections() {
        let text = "services:\n  web:\n    image: \"nginx:1\"\n    ports:\n      - 80:80\n";
        let file = SourceFile::new("c.yaml", text);
        let docs = parse_stream(&file).expect("parses");
        let root = &docs[0].root;
        let image = root.pointer("/services/web/image").expect("image");
        assert_eq!(file.line_col(image.span.start), (3, 12));
        assert_eq!(file.slice(image.span), "\"nginx:1\"");
        let port = root.pointer("/services/web/ports/0").expect("port");
        assert_eq!(file.slice(port.span), "80:80");
        let web = root.pointer("/services/web").expect("web");
        assert_eq!(file.line_col(web.span.start), (3, 5));
    }

    #[test]
    fn maps_columns_after_multibyte_characters() {
        let text = "ä: é\nkey: value\n";
        let file = SourceFile::new("u.yaml", text);
        let docs = parse_stream(&file).expect("parses");
        let v = docs[0].root.pointer("/key").expect("key");
        assert_eq!(file.slice(v.span), "value");
        let e = docs[0].root.pointer("/ä").expect("ä");
        assert_eq!(file.slice(e.span), "é");
    }

    #[test]
    fn resolves_anchors_aliases_and_merge_keys() {
        let text = "x-base: &base\n  restart: always\n  user: \"1000\"\nservices:\n  a:\n    <<: *base\n    user: root\n  b:\n    <<: [*base]\n    image: x\n";
        assert_eq!(
            json(text),
            r#"{"x-base":{"restart":"always","user":"1000"},"services":{"a":{"user":"root","restart":"always"},"b":{"image":"x","restart":"always","user":"1000"}}}"#
        );
    }

    #[test]
    fn splits_streams_and_keeps_helm_sources() {
        let text = "---\n# Source: app/templates/a.yaml\nkind: A\n---\n# Source: app/templates/b.yaml\nkind: B\n---\n---\nkind: C\n";
        let docs = parse(text).expect("parses");
        let found: Vec<(String, Option<String>)> = docs
            .iter()
            .map(|d| (d.root.to_json(), d.helm_source.clone()))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    r#"{"kind":"A"}"#.into(),
                    Some("app/templates/a.yaml".into())
                ),
                (
                    r#"{"kind":"B"}"#.into(),
                    Some("app/templates/b.yaml".into())
                ),
                ("null".into(), None),
                (r#"{"kind":"C"}"#.into(), None),
            ]
        );
    }

    fn error(text: &str) -> Error {
        parse(text).expect_err("must fail")
    }

    #[test]
    fn rejects_duplicate_keys_with_their_line() {
        let e = error("a: 1\nb:\n  c: 1\n  c: 2\n");
        assert_eq!((e.line, e.column), (4, 3));
        assert!(
            matches!(e.kind(), ErrorKind::DuplicateKey { first_line: 3 }),
            "{e}"
        );
        // Large mappings use an index; still caught.
        let mut big: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        big.push_str("k7: again\n");
        let e = error(&big);
        assert_eq!(e.line, 41);
        assert!(
            matches!(e.kind(), ErrorKind::DuplicateKey { first_line: 8 }),
            "{e}"
        );
        // Nested below fields of an enclosing mapping, small and large.
        let nested = "x: 1\ny:\n  a: 1\n  b: 2\n  a: 3\n";
        let e = error(nested);
        assert_eq!(e.line, 5);
        assert!(
            matches!(e.kind(), ErrorKind::DuplicateKey { first_line: 3 }),
            "{e}"
        );
        let mut nested = String::from("x: 1\ny:\n");
        nested.extend((0..40).map(|i| format!("  k{i}: {i}\n")));
        nested.push_str("  k7: again\n");
        let e = error(&nested);
        assert_eq!(e.line, 43);
        assert!(
            matches!(e.kind(), ErrorKind::DuplicateKey { first_line: 10 }),
            "{e}"
        );
    }

    #[test]
    fn rejects_tabs_as_indentation() {
        let e = error("a:\n\tb: 1\n");
        assert_eq!(e.line, 2, "{e}");
        assert!(e.to_string().contains("tab"), "{e}");
    }

    #[test]
    fn bounds_alias_expansion() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(",");
            text.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
        }
        let e = error(&text);
        assert!(matches!(e.kind(), ErrorKind::AliasBomb(_)), "{e}");
    }

    /// Few nodes, much text: an anchored string named again and again is
    /// copied each time.
    #[test]
    fn bounds_text_copied_by_aliases() {
        let long = "a".repeat(1 << 20);
        let names = |n: usize| "- *x\n".repeat(n);
        // 16 copies of 1 MiB: exactly the bound, which counts only copies
        // (not the anchor's own text).
        let within = format!("x: &x \"{long}\"\ny:\n{}", names(16));
        assert_eq!(parse(&within).map(|d| d.len()).ok(), Some(1));
        let over = format!("x: &x \"{long}\"\ny:\n{}", names(17));
        let e = error(&over);
        assert!(
            matches!(e.kind(), ErrorKind::AliasText(MAX_ALIAS_TEXT)),
            "{e}"
        );
        assert_eq!(e.line, 19, "at the alias that goes over: {e}");
        // Text inside an anchored collection counts too.
        let keys = format!("x: &x [\"{long}\", b]\ny:\n{}", names(17));
        assert!(matches!(error(&keys).kind(), ErrorKind::AliasText(_)));
    }

    #[test]
    fn bounds_nesting_depth() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        // The scanner's own bound on flow nesting comes first.
        let e = error(&deep);
        assert!(
            matches!(e.kind(), ErrorKind::TooDeep(_))
                || matches!(e.kind(), ErrorKind::Syntax(m) if m.contains("recursion limit")),
            "{e}"
        );
        let deep_block: String = (0..10_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        let e = error(&deep_block);
        assert!(matches!(e.kind(), ErrorKind::TooDeep(_)), "{e}");
    }

    #[test]
    fn rejects_complex_keys_and_syntax_errors() {
        assert!(matches!(
            error("? [a]\n: 1\n").kind(),
            ErrorKind::ComplexKey
        ));
        let e = error("a: [1, 2\nb: 3\n");
        assert!(matches!(e.kind(), ErrorKind::Syntax(_)), "{e}");
    }

    #[test]
    fn reads_json_documents() {
        assert_eq!(
            json("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"n\": [1, 2.5, null]}"),
            r#"{"apiVersion":"v1","kind":"Pod","n":[1,2.5,null]}"#
        );
    }
}
