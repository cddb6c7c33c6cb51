//! A JSON document as a compact tree, and values in it that know their own
//! JSON pointer.
//!
//! Compose files, Kubernetes objects and Helm values reach rules as JSON
//! converted from YAML. [`Tree::parse`] reads that text once into a flat
//! tree — one vector of nodes in document order, every string in one
//! buffer — so parsing a document costs a few allocations, not one per value,
//! and dropping it costs nothing. [`Json`] walks the tree and knows the
//! pointer of every element it hands out, so a finding lands exactly on the
//! key or value at fault.

use crate::pointer::{join_index, join_str};

/// A range of [`Tree::strings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Str {
    start: u32,
    len: u32,
}

/// What a value is. Booleans carry their value; numbers and strings have
/// their text in [`Tree::strings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Bool(bool),
    /// The number as written.
    Number,
    String,
    Array,
    Object,
}

/// Bits of [`Node::value`] that hold the length of the value's text; the
/// three above them hold its kind.
const LEN_BITS: u32 = 29;
const LEN_MASK: u32 = (1 << LEN_BITS) - 1;

/// One value, in 16 bytes. Its children, if any, follow it directly; `end`
/// is the index just past its last descendant, so the next sibling of a
/// child `c` is `nodes[c].end`.
///
/// A member's name and its value's text (for strings and numbers) are
/// written one after the other into [`Tree::strings`], so one offset
/// serves both.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Where the member name starts in `strings` (the value's text follows
    /// it).
    start: u32,
    /// The length of the member name; 0 for array elements and the root.
    key_len: u32,
    /// The kind (top 3 bits) and the length of the value's text.
    value: u32,
    end: u32,
}

impl Node {
    /// A null node, for positions outside the tree.
    const NULL: Node = Node {
        start: 0,
        key_len: 0,
        value: 0,
        end: 0,
    };

    #[inline]
    fn kind(&self) -> Kind {
        match self.value >> LEN_BITS {
            1 => Kind::Bool(false),
            2 => Kind::Bool(true),
            3 => Kind::Number,
            4 => Kind::String,
            5 => Kind::Array,
            6 => Kind::Object,
            _ => Kind::Null,
        }
    }

    #[inline]
    fn key(&self) -> Str {
        Str {
            start: self.start,
            len: self.key_len,
        }
    }

    /// The text of a number or string.
    #[inline]
    fn text(&self) -> Str {
        Str {
            start: self.start.saturating_add(self.key_len),
            len: self.value & LEN_MASK,
        }
    }
}

fn kind_bits(kind: Kind) -> u32 {
    match kind {
        Kind::Null => 0,
        Kind::Bool(false) => 1,
        Kind::Bool(true) => 2,
        Kind::Number => 3,
        Kind::String => 4,
        Kind::Array => 5,
        Kind::Object => 6,
    }
}

/// A parsed JSON document.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// Four numbers a [`Node`] (`start`, `key_len`, `value`, `end`): the
    /// layout in which the host hands a document over (`tree` in
    /// `wit/rules.wit`), kept as it came.
    pub(crate) nodes: Vec<u32>,
    pub(crate) strings: String,
    /// The path [`Json::pointer`] last went down: at each depth, the
    /// container, the position of the child taken and that child's index.
    /// Findings are reported in document order, so the next pointer
    /// starts where the last one was found instead of at a container's
    /// first child (the pointers of an array's elements had cost the square
    /// of its length: 200,000 ports took a rule past its deadline).
    finger: std::cell::RefCell<Vec<[u32; 3]>>,
}

/// Upper bounds of what parsing `text` stores: its values (one per
/// container opened, one after each comma, and the root) and the bytes of
/// its strings and numbers. Allocating both exactly once keeps a large
/// document's peak memory at its size instead of twice that while a vector
/// doubles.
fn capacity(text: &[u8]) -> (usize, usize) {
    let (mut values, mut bytes) = (1usize, 0usize);
    let mut in_string = false;
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        if in_string {
            match b {
                b'"' => in_string = false,
                b'\\' => {
                    bytes += 1;
                    i += 1;
                }
                _ => bytes += 1,
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b'[' | b',' => values += 1,
                b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' => bytes += 1,
                _ => {}
            }
        }
        i += 1;
    }
    (values, bytes)
}

/// Nesting deeper than this is refused (the host never sends more than a
/// hundred levels).
const MAX_DEPTH: usize = 512;

impl Tree {
    /// Parses JSON text (RFC 8259).
    ///
    /// # Errors
    ///
    /// A message with the byte offset of the first syntax error, or for
    /// nesting deeper than 512 levels.
    pub fn parse(text: &str) -> Result<Tree, String> {
        let (values, bytes) = capacity(text.as_bytes());
        let mut parser = Parser {
            bytes: text.as_bytes(),
            text,
            pos: 0,
            depth: 0,
            tree: Tree {
                nodes: Vec::with_capacity(values.saturating_mul(4)),
                strings: String::with_capacity(bytes),
                finger: std::cell::RefCell::default(),
            },
        };
        parser.value(None)?;
        parser.skip_ws();
        if parser.pos != parser.bytes.len() {
            return Err(parser.error("trailing characters after the document"));
        }
        Ok(parser.tree)
    }

    /// A tree the host wrote flat (`tree` in `wit/rules.wit`), checked
    /// rather than trusted: every value's extent nests inside its parent's,
    /// every text lies on character boundaries inside `strings`, numbers
    /// are JSON numbers, array elements are unnamed, and nesting is at most
    /// 512 levels, as [`Tree::parse`] would have it.
    ///
    /// # Errors
    ///
    /// A message naming the first value that breaks the form.
    pub fn from_parts(nodes: Vec<u32>, strings: String) -> Result<Tree, String> {
        let tree = Tree {
            nodes,
            strings,
            finger: std::cell::RefCell::default(),
        };
        tree.check()?;
        Ok(tree)
    }

    fn check(&self) -> Result<(), String> {
        let count = self.nodes.len() / 4;
        if !self.nodes.len().is_multiple_of(4) || count == 0 {
            return Err(format!(
                "a tree of {} numbers is not whole values",
                self.nodes.len()
            ));
        }
        let count = u32::try_from(count).map_err(|_| "a tree of too many values".to_owned())?;
        // The containers open at the current value: (end, is an array).
        let mut open: Vec<(u32, bool)> = Vec::new();
        for index in 0..count {
            let bad = |what: &str| format!("value {index} of the tree {what}");
            while open.last().is_some_and(|&(end, _)| end == index) {
                open.pop();
            }
            let node = self.node_at(index).ok_or_else(|| bad("is missing"))?;
            let limit = open.last().map_or(count, |&(end, _)| end);
            let in_array = open.last().is_none_or(|&(_, array)| array);
            if node.end <= index || node.end > limit {
                return Err(bad("ends outside its parent"));
            }
            if in_array && node.key_len != 0 {
                return Err(bad("is an element with a name"));
            }
            let kind = node.value >> LEN_BITS;
            if kind > 6 {
                return Err(bad("has no kind"));
            }
            let kind = node.kind();
            let len = node.value & LEN_MASK;
            let start = node.start as usize;
            let key_end = start.checked_add(node.key_len as usize);
            let end = key_end.and_then(|k| k.checked_add(len as usize));
            let (Some(key_end), Some(end)) = (key_end, end) else {
                return Err(bad("has text outside the strings"));
            };
            if [start, key_end, end]
                .iter()
                .any(|&at| !self.strings.is_char_boundary(at))
            {
                return Err(bad("has text outside the strings or inside a character"));
            }
            match kind {
                Kind::Array | Kind::Object => {
                    if len != 0 {
                        return Err(bad("is a container with text"));
                    }
                    open.push((node.end, kind == Kind::Array));
                    if open.len() > MAX_DEPTH {
                        return Err(bad(&format!("is nested deeper than {MAX_DEPTH} levels")));
                    }
                }
                _ if node.end != index + 1 => return Err(bad("is a scalar with elements")),
                Kind::Number
                    if !self
                        .strings
                        .as_bytes()
                        .get(key_end..end)
                        .is_some_and(is_number) =>
                {
                    return Err(bad("is a malformed number"));
                }
                Kind::Null | Kind::Bool(_) if len != 0 => {
                    return Err(bad("is a literal with text"));
                }
                _ => {}
            }
            if index == 0 && node.end != count {
                return Err(bad("(the root) does not span the tree"));
            }
        }
        Ok(())
    }

    /// Value `index`, if the tree has it.
    #[inline]
    fn node_at(&self, index: u32) -> Option<Node> {
        let at = (index as usize).checked_mul(4)?;
        match self.nodes.get(at..at.checked_add(4)?)? {
            &[start, key_len, value, end] => Some(Node {
                start,
                key_len,
                value,
                end,
            }),
            _ => None,
        }
    }

    /// The number of values.
    #[inline]
    fn count(&self) -> usize {
        self.nodes.len() / 4
    }

    /// The document root.
    pub fn root(&self) -> Json<'_> {
        Json::root(self)
    }

    #[inline]
    fn str(&self, s: Str) -> &str {
        let start = s.start as usize;
        self.strings
            .get(start..start + s.len as usize)
            .unwrap_or("")
    }
}

impl From<&serde_json::Value> for Tree {
    /// The tree of a `serde_json` value (for tests and tools).
    fn from(value: &serde_json::Value) -> Tree {
        // Text that serde_json wrote is valid JSON.
        Tree::parse(&value.to_string()).unwrap_or_default()
    }
}

struct Parser<'t> {
    bytes: &'t [u8],
    text: &'t str,
    pos: usize,
    depth: usize,
    tree: Tree,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        format!("invalid JSON at byte {}: {what}", self.pos)
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn expect(&mut self, b: u8) -> Result<(), String> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", b as char)))
        }
    }

    /// Adds a value named `key` whose text (for strings and numbers) is the
    /// `len` bytes written after the key.
    fn push(&mut self, key: Str, kind: Kind, len: u32) -> Result<usize, String> {
        let index = self.tree.count();
        let end = u32::try_from(index + 1).map_err(|_| self.error("document too large"))?;
        if len > LEN_MASK {
            return Err(self.error("string longer than 512 MiB"));
        }
        self.tree
            .nodes
            .extend([key.start, key.len, kind_bits(kind) << LEN_BITS | len, end]);
        Ok(index)
    }

    /// Closes the container at `index` after its last child.
    fn close(&mut self, index: usize) -> Result<(), String> {
        let end = u32::try_from(self.tree.count()).map_err(|_| self.error("document too large"))?;
        if let Some(word) = self.tree.nodes.get_mut(index * 4 + 3) {
            *word = end;
        }
        self.depth -= 1;
        Ok(())
    }

    /// A value: a member's after its name `key` (the last text written),
    /// else an element's or the root's.
    fn value(&mut self, key: Option<Str>) -> Result<(), String> {
        self.skip_ws();
        let key = match key {
            Some(key) => key,
            None => Str {
                start: u32::try_from(self.tree.strings.len())
                    .map_err(|_| self.error("document too large"))?,
                len: 0,
            },
        };
        match self.peek() {
            Some(b'{') => {
                self.open()?;
                let index = self.push(key, Kind::Object, 0)?;
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_ws();
                        if self.peek() != Some(b'"') {
                            return Err(self.error("expected a member name"));
                        }
                        let name = self.string()?;
                        self.expect(b':')?;
                        self.value(Some(name))?;
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `}`")),
                        }
                    }
                }
                self.close(index)
            }
            Some(b'[') => {
                self.open()?;
                let index = self.push(key, Kind::Array, 0)?;
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        self.value(None)?;
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.error("expected `,` or `]`")),
                        }
                    }
                }
                self.close(index)
            }
            Some(b'"') => {
                let s = self.string()?;
                self.push(key, Kind::String, s.len).map(drop)
            }
            Some(b't') => self.literal("true", key, Kind::Bool(true)),
            Some(b'f') => self.literal("false", key, Kind::Bool(false)),
            Some(b'n') => self.literal("null", key, Kind::Null),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.peek() {
                    self.pos += 1;
                }
                let raw = self.text.get(start..self.pos).unwrap_or("");
                if !is_number(raw.as_bytes()) {
                    self.pos = start;
                    return Err(self.error("malformed number"));
                }
                let s = self.intern(raw)?;
                self.push(key, Kind::Number, s.len).map(drop)
            }
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn open(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(&format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.pos += 1;
        Ok(())
    }

    fn literal(&mut self, word: &str, key: Str, kind: Kind) -> Result<(), String> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            self.push(key, kind, 0).map(drop)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn intern(&mut self, s: &str) -> Result<Str, String> {
        let start = u32::try_from(self.tree.strings.len());
        let len = u32::try_from(s.len());
        let (Ok(start), Ok(len)) = (start, len) else {
            return Err(self.error("document too large"));
        };
        self.tree.strings.push_str(s);
        Ok(Str { start, len })
    }

    /// A string literal starting at `"`, unescaped into the string buffer.
    fn string(&mut self) -> Result<Str, String> {
        self.pos += 1;
        let start = self.tree.strings.len();
        loop {
            let chunk = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Stops only at ASCII bytes, so `chunk..pos` is whole characters.
            let plain = self.text.get(chunk..self.pos).unwrap_or("");
            self.tree.strings.push_str(plain);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = self.escape()?;
                    self.tree.strings.push(c);
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error("unterminated string")),
            }
        }
        let len = self.tree.strings.len() - start;
        match (u32::try_from(start), u32::try_from(len)) {
            (Ok(start), Ok(len)) => Ok(Str { start, len }),
            _ => Err(self.error("document too large")),
        }
    }

    /// The character of an escape sequence, after its backslash.
    fn escape(&mut self) -> Result<char, String> {
        let b = self
            .peek()
            .ok_or_else(|| self.error("unterminated string"))?;
        self.pos += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&first) {
                    // A high surrogate: its low half must follow.
                    if !self.bytes[self.pos..].starts_with(b"\\u") {
                        return Err(self.error("lone surrogate in \\u escape"));
                    }
                    self.pos += 2;
                    let second = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&second) {
                        return Err(self.error("lone surrogate in \\u escape"));
                    }
                    0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                } else {
                    first
                };
                char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))?
            }
            _ => return Err(self.error("invalid escape")),
        })
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("short \\u escape"))?;
        let code = u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.pos += 4;
        Ok(code)
    }
}

/// Returns true if and only if `raw` is a JSON number (RFC 8259):
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_number(raw: &[u8]) -> bool {
    fn digits(raw: &[u8], at: usize) -> usize {
        raw.get(at..).map_or(0, |rest| {
            rest.iter().take_while(|b| b.is_ascii_digit()).count()
        })
    }
    let mut at = usize::from(raw.first() == Some(&b'-'));
    match raw.get(at) {
        Some(b'0') => at += 1,
        Some(b'1'..=b'9') => at += digits(raw, at),
        _ => return false,
    }
    if raw.get(at) == Some(&b'.') {
        let n = digits(raw, at + 1);
        if n == 0 {
            return false;
        }
        at += 1 + n;
    }
    if let Some(b'e' | b'E') = raw.get(at) {
        at += 1;
        if let Some(b'+' | b'-') = raw.get(at) {
            at += 1;
        }
        let n = digits(raw, at);
        if n == 0 {
            return false;
        }
        at += n;
    }
    at == raw.len()
}

/// What a value is, as [`Json::peek`] tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

/// Whether `a` and `b` hold the same bytes, compared in line: member names
/// and keywords are a few bytes, shorter than a call to `memcmp` costs.
#[inline]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// A value inside a document, with its pointer.
///
/// Handing out a value costs nothing: it is a position in its [`Tree`]. The
/// pointer is spelled out only when a finding asks for it, by walking down
/// from the root to that position.
#[derive(Debug, Clone, Copy)]
pub struct Json<'a> {
    tree: &'a Tree,
    index: u32,
}

impl PartialEq for Json<'_> {
    /// The same element of the same document.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.tree, other.tree) && self.index == other.index
    }
}

impl<'a> Json<'a> {
    /// The root of `tree` (pointer `""`).
    pub fn root(tree: &'a Tree) -> Json<'a> {
        Json { tree, index: 0 }
    }

    #[inline]
    fn node(&self) -> Node {
        self.tree.node_at(self.index).unwrap_or(Node {
            end: self.index + 1,
            ..Node::NULL
        })
    }

    pub(crate) fn at_index(&self, index: u32) -> Json<'a> {
        Json {
            tree: self.tree,
            index,
        }
    }

    /// The children of a container, in document order.
    pub(crate) fn children(&self) -> impl Iterator<Item = u32> + Clone + use<'a> {
        let tree = self.tree;
        let end = self.node().end;
        let mut next = self.index + 1;
        std::iter::from_fn(move || {
            if next >= end {
                return None;
            }
            let child = next;
            next = tree.node_at(child).map_or(end, |n| n.end);
            Some(child)
        })
    }

    /// Its position in the tree, to find it again with
    /// [`Json::at_index`].
    pub(crate) fn index(&self) -> u32 {
        self.index
    }

    /// The position just past its last descendant: its next sibling's.
    pub(crate) fn end(&self) -> u32 {
        self.node().end
    }

    /// Its member name's bytes and what it is, from one read of its node:
    /// for a check that visits every value of a document.
    pub(crate) fn peek(&self) -> (&'a [u8], Shape) {
        let node = self.node();
        let start = node.start as usize;
        let key = self
            .tree
            .strings
            .as_bytes()
            .get(start..start + node.key_len as usize)
            .unwrap_or_default();
        let shape = match node.kind() {
            Kind::Null => Shape::Null,
            Kind::Bool(_) => Shape::Bool,
            Kind::Number => Shape::Number,
            Kind::String => Shape::String,
            Kind::Array => Shape::Array,
            Kind::Object => Shape::Object,
        };
        (key, shape)
    }

    /// The boolean, for booleans (no YAML 1.1 words: see
    /// [`Json::truthy`]).
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self.node().kind() {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// A non-negative integer written as a JSON number.
    pub(crate) fn as_count(&self) -> Option<usize> {
        let node = self.node();
        match node.kind() {
            Kind::Number => self.tree.str(node.text()).parse().ok(),
            _ => None,
        }
    }

    /// The root of the document this value is in.
    pub fn document(&self) -> Json<'a> {
        self.at_index(0)
    }

    /// Its JSON pointer.
    pub fn pointer(&self) -> String {
        let mut out = String::new();
        let mut at = self.at_index(0);
        let mut finger = self.tree.finger.borrow_mut();
        let mut depth = 0;
        while at.index != self.index {
            let kind = at.node().kind();
            // From the child the last pointer took here, when it comes at
            // or before this one; else from the first.
            let (mut position, mut child) = match finger.get(depth) {
                Some(&[container, position, child])
                    if container == at.index && child <= self.index =>
                {
                    (position, child)
                }
                _ => (0, at.index + 1),
            };
            let end = at.node().end;
            let found = loop {
                if child >= end {
                    break None;
                }
                let child_end = self.tree.node_at(child).map_or(end, |n| n.end);
                if self.index < child_end {
                    break Some(child);
                }
                position += 1;
                child = child_end.max(child + 1);
            };
            let Some(child) = found else {
                break;
            };
            // Deeper entries stay: one for another container is never
            // taken (the container is checked), and each is true of its own.
            match finger.get_mut(depth) {
                Some(entry) => *entry = [at.index, position, child],
                None => finger.push([at.index, position, child]),
            }
            depth += 1;
            let position = position as usize;
            let child = at.at_index(child);
            out = match kind {
                Kind::Array => join_index(&out, position),
                _ => join_str(&out, self.tree.str(child.node().key())),
            };
            at = child;
        }
        out
    }

    /// The pointer of member `key` (present or not).
    ///
    /// Report it only when the key is present: bulwark refuses a finding
    /// whose pointer names nothing (a rule failure, exit code 3). For a
    /// missing setting, report the object's own [`Json::pointer`]; see the
    /// crate documentation, "Absent keys".
    pub fn pointer_to(&self, key: &str) -> String {
        join_str(&self.pointer(), key)
    }

    /// Member `key` of an object.
    pub fn get(&self, key: &str) -> Option<Json<'a>> {
        let node = self.node();
        if node.kind() != Kind::Object {
            return None;
        }
        let (tree, strings) = (self.tree, self.tree.strings.as_bytes());
        let want = key.as_bytes();
        // Each member's node read once: its name, then where the next
        // member starts. Lengths first: most members differ in length from
        // the one sought.
        let mut at = self.index + 1;
        while at < node.end {
            let member = tree.node_at(at)?;
            let start = member.start as usize;
            if member.key_len as usize == want.len()
                && strings
                    .get(start..start + want.len())
                    .is_some_and(|name| same(name, want))
            {
                return Some(self.at_index(at));
            }
            at = member.end.max(at + 1);
        }
        None
    }

    /// The member at `path` below this value (object keys).
    pub fn at(&self, path: &[&str]) -> Option<Json<'a>> {
        let mut node = *self;
        for key in path {
            node = node.get(key)?;
        }
        Some(node)
    }

    /// The elements of an array; nothing for other values.
    pub fn items(&self) -> Vec<Json<'a>> {
        if self.node().kind() != Kind::Array {
            return Vec::new();
        }
        self.children().map(|c| self.at_index(c)).collect()
    }

    /// The members of an object, in document order; nothing for other
    /// values.
    pub fn entries(&self) -> Vec<(&'a str, Json<'a>)> {
        if self.node().kind() != Kind::Object {
            return Vec::new();
        }
        let tree = self.tree;
        self.children()
            .map(|c| {
                let child = self.at_index(c);
                (tree.str(child.node().key()), child)
            })
            .collect()
    }

    /// The string, for strings.
    pub fn as_str(&self) -> Option<&'a str> {
        let node = self.node();
        match node.kind() {
            Kind::String => Some(self.tree.str(node.text())),
            _ => None,
        }
    }

    /// A scalar as text: strings as they are, numbers and booleans as
    /// written; `None` for null and collections.
    pub fn text(&self) -> Option<String> {
        let node = self.node();
        match node.kind() {
            Kind::String | Kind::Number => Some(self.tree.str(node.text()).to_owned()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A boolean, also from the YAML 1.1 words Compose and Kubernetes
    /// tooling still accept (`yes`, `on`, `"true"` …).
    pub fn truthy(&self) -> Option<bool> {
        let node = self.node();
        match node.kind() {
            Kind::Bool(b) => Some(b),
            Kind::String => match self.tree.str(node.text()).to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "on" => Some(true),
                "false" | "no" | "n" | "off" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// Returns true if and only if the value is a true boolean (see
    /// [`Json::truthy`]).
    pub fn is_true(&self) -> bool {
        self.truthy() == Some(true)
    }

    /// An integer, also from a numeric string.
    pub fn as_i64(&self) -> Option<i64> {
        let node = self.node();
        match node.kind() {
            Kind::Number => self.tree.str(node.text()).parse().ok(),
            Kind::String => self.tree.str(node.text()).trim().parse().ok(),
            _ => None,
        }
    }

    /// Returns true if and only if the value is null.
    pub fn is_null(&self) -> bool {
        self.node().kind() == Kind::Null
    }

    /// Returns true if and only if the value is an object.
    pub fn is_object(&self) -> bool {
        self.node().kind() == Kind::Object
    }

    /// Returns true if and only if the value is an array.
    pub fn is_array(&self) -> bool {
        self.node().kind() == Kind::Array
    }

    /// The element as compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        let node = self.node();
        match node.kind() {
            Kind::Null => out.push_str("null"),
            Kind::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Kind::Number => out.push_str(self.tree.str(node.text())),
            Kind::String => write_string(self.tree.str(node.text()), out),
            Kind::Array | Kind::Object => {
                let object = node.kind() == Kind::Object;
                out.push(if object { '{' } else { '[' });
                for (i, c) in self.children().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let child = self.at_index(c);
                    if object {
                        write_string(self.tree.str(child.node().key()), out);
                        out.push(':');
                    }
                    child.write_json(out);
                }
                out.push(if object { '}' } else { ']' });
            }
        }
    }

    /// A copy of the element as a `serde_json::Value`, to deserialise it
    /// into upstream types (see `kubernetes::Pod::typed_spec`). Pointers
    /// stay with the view: report findings through it.
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        let node = self.node();
        match node.kind() {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(b),
            Kind::Number => serde_json::from_str(self.tree.str(node.text())).unwrap_or(Value::Null),
            Kind::String => Value::String(self.tree.str(node.text()).to_owned()),
            Kind::Array => Value::Array(self.items().iter().map(Json::to_value).collect()),
            Kind::Object => Value::Object(
                self.entries()
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

/// Appends `s` as a JSON string literal.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_is_looked_for_in_its_object_only() -> Result<(), String> {
        let tree = Tree::parse(r#"{"a":{"b":1},"c":2,"d":{},"e":[{"f":3}],"f":4}"#)?;
        let root = tree.root();
        let a = root.get("a").ok_or("a")?;
        assert_eq!(a.get("b").and_then(|b| b.as_i64()), Some(1));
        assert!(
            a.get("c").is_none(),
            "a sibling of the object is not its member"
        );
        let d = root.get("d").ok_or("d")?;
        assert!(d.get("e").is_none() && d.get("f").is_none());
        let e = root.get("e").ok_or("e")?;
        assert!(e.get("f").is_none(), "an array has no members");
        assert_eq!(root.get("f").and_then(|f| f.as_i64()), Some(4));
        assert!(
            root.get("b").is_none(),
            "members of members are not members"
        );
        Ok(())
    }

    #[test]
    fn writes_json_text_that_reads_back_the_same() {
        for text in [
            r#"{"a":[1,-2.5e3,"x\"y\\z\u00e9\n\t\r\u0001",null,true,{"b":{}}],"c":[],"":"k","f":false}"#,
            r#"[[],{},[[]],"",0]"#,
            "null",
        ] {
            let t = tree(text);
            let written = t.root().to_json();
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&written).expect(&written),
                serde_json::from_str::<serde_json::Value>(text).expect("json"),
            );
            assert_eq!(tree(&written).root().to_json(), written);
        }
        // Escapes only what JSON requires: quotes, backslashes, control
        // characters.
        let text = r#"["a é\"\\\n\u0001\u001f ~"]"#;
        assert_eq!(tree(text).root().to_json(), text);
    }

    fn tree(text: &str) -> Tree {
        Tree::parse(text).expect("json")
    }

    #[test]
    fn converts_to_serde_values() {
        let text = r#"{"a":[1,2.5,"x",null,true,{"b":{}}],"c":-3}"#;
        let t = tree(text);
        let expected: serde_json::Value = serde_json::from_str(text).expect("json");
        assert_eq!(Json::root(&t).to_value(), expected);
    }

    #[test]
    fn hands_out_pointers() {
        let t = tree(r#"{"a/b":{"list":[1,"yes",{"x":"on"}]}}"#);
        let root = Json::root(&t);
        let list = root.at(&["a/b", "list"]).expect("list");
        assert_eq!(list.pointer(), "/a~1b/list");
        let items = list.items();
        assert_eq!(items[1].pointer(), "/a~1b/list/1");
        assert!(items[1].is_true());
        assert_eq!(items[0].as_i64(), Some(1));
        let (k, x) = &items[2].entries()[0];
        assert_eq!(*k, "x");
        assert_eq!(x.pointer(), "/a~1b/list/2/x");
        assert_eq!(x.truthy(), Some(true));
        assert_eq!(root.pointer(), "");
    }

    #[test]
    fn reads_every_kind_of_value() {
        let t = tree(
            " { \"s\" : \"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00/\" , \"n\": -1.5e3, \"i\": 42,\
             \"t\": true, \"f\": false, \"z\": null, \"e\": {}, \"l\": [], \"u\": \"é\" } ",
        );
        let root = t.root();
        let get = |k: &str| root.get(k).expect(k);
        assert_eq!(get("s").as_str(), Some("a\"b\\c\né😀/"));
        assert_eq!(get("n").text().as_deref(), Some("-1.5e3"));
        assert_eq!(get("n").as_i64(), None);
        assert_eq!(get("i").as_i64(), Some(42));
        assert_eq!(get("t").truthy(), Some(true));
        assert_eq!(get("f").text().as_deref(), Some("false"));
        assert!(get("z").is_null());
        assert!(get("e").is_object() && get("e").entries().is_empty());
        assert!(get("l").is_array() && get("l").items().is_empty());
        assert_eq!(get("u").as_str(), Some("é"));
        let keys: Vec<&str> = root.entries().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["s", "n", "i", "t", "f", "z", "e", "l", "u"]);
        assert!(root.get("missing").is_none());
        assert!(get("s").get("x").is_none() && get("s").items().is_empty());
    }

    #[test]
    fn pointers_of_nested_and_repeated_shapes() {
        let t = tree(r#"[[{"a~":[0,[1,2]]}],{"":{"b":3}}]"#);
        let root = t.root();
        let deep = root.items()[0].items()[0].get("a~").expect("a~").items()[1].items()[1];
        assert_eq!(deep.pointer(), "/0/0/a~0/1/1");
        assert_eq!(deep.as_i64(), Some(2));
        let b = root.items()[1].at(&["", "b"]).expect("b");
        assert_eq!(b.pointer(), "/1//b");
    }

    #[test]
    fn rejects_malformed_json_with_an_offset() {
        for (text, offset) in [
            ("", 0),
            ("{", 1),
            ("{\"a\" 1}", 5),
            ("[1,]", 3),
            ("[1 2]", 3),
            ("\"abc", 4),
            ("\"a\u{1}\"", 2),
            ("\"\\x\"", 3),
            ("\"\\ud800\"", 7),
            ("tru", 0),
            ("+1", 0),
            ("1.2.3", 0),
            ("{} x", 3),
            ("01", 0),
            ("[1.]", 1),
            ("-", 0),
            ("1e", 0),
            ("[.5]", 1),
            ("1e+-2", 0),
        ] {
            let e = Tree::parse(text).expect_err(text);
            assert!(e.contains(&format!("at byte {offset}:")), "{text:?}: {e}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(
            Tree::parse(&deep)
                .expect_err("deep")
                .contains("nested deeper")
        );
    }

    #[test]
    fn allocates_once_and_keeps_nodes_small() {
        assert_eq!(std::mem::size_of::<Node>(), 16);
        for text in [
            r#"{"a":[1,-2.5e3,"x\"y\u00e9",null,true,{"b":{}}],"c":[],"":"k"}"#,
            r#"[[],{},[[]],"",0]"#,
            r#""only""#,
            "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]",
        ] {
            let (values, bytes) = capacity(text.as_bytes());
            let t = tree(text);
            assert!(t.count() <= values && t.strings.len() <= bytes, "{text}");
            // Nothing grew past the first allocation.
            assert_eq!(t.nodes.capacity(), values * 4, "{text}");
            assert_eq!(t.strings.capacity(), bytes, "{text}");
        }
        // Exact when no container is empty.
        let t = tree(r#"{"a":[1,2,{"b":"c"}]}"#);
        assert_eq!(capacity(br#"{"a":[1,2,{"b":"c"}]}"#).0, t.count());
    }

    #[test]
    fn reads_numbers_as_rfc_8259_writes_them() {
        for ok in ["0", "-0", "12", "-1.5", "1e9", "1E+9", "2.5e-3", "0.0"] {
            assert!(is_number(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "", "-", "01", "+1", "1.", ".5", "1e", "1e+", "1.2.3", "--1", "1-",
        ] {
            assert!(!is_number(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn keys_and_text_share_one_offset() {
        let t = tree(r#"{"name":"value","n":12,"list":["a",{"k":"v"}],"e":""}"#);
        let root = t.root();
        assert_eq!(root.get("name").and_then(|v| v.as_str()), Some("value"));
        assert_eq!(root.get("n").and_then(|v| v.text()).as_deref(), Some("12"));
        let list = root.get("list").expect("list").items();
        assert_eq!(list[0].as_str(), Some("a"));
        assert_eq!(list[1].get("k").and_then(|v| v.as_str()), Some("v"));
        assert_eq!(root.get("e").and_then(|v| v.as_str()), Some(""));
        let keys: Vec<&str> = root.entries().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["name", "n", "list", "e"]);
    }

    #[test]
    fn agrees_with_serde_json_on_what_it_reads() {
        let value =
            serde_json::json!({"k": [1, "two", {"three": [null, true]}], "e": "\u{1F600}\n"});
        let t = Tree::from(&value);
        let root = t.root();
        assert_eq!(
            root.at(&["e"]).and_then(|e| e.as_str()),
            Some("\u{1F600}\n")
        );
        let three = root.get("k").expect("k").items()[2]
            .get("three")
            .expect("three");
        assert_eq!(three.pointer(), "/k/2/three");
        assert!(three.items()[0].is_null());
    }

    #[test]
    fn a_tree_handed_over_reads_as_the_text_it_came_from() {
        for text in [
            r#"{"a":[1,-2.5e3,"x\"y\u00e9",null,true,{"b":{}}],"c":[],"":"k","f":false}"#,
            r#"[[],{},[[]],"",0]"#,
            r#""only""#,
            "null",
        ] {
            let parsed = tree(text);
            let handed =
                Tree::from_parts(parsed.nodes.clone(), parsed.strings.clone()).expect(text);
            assert_eq!(handed.root().to_value(), parsed.root().to_value(), "{text}");
            assert_eq!(
                handed.root().to_value(),
                serde_json::from_str::<serde_json::Value>(text).expect("json")
            );
        }
    }

    #[test]
    fn a_malformed_tree_is_refused() {
        let good = tree(r#"{"a":[1,"é"],"b":{"c":null}}"#);
        // Values: 0 root, 1 a, 2 1, 3 "é", 4 b, 5 c.
        let (nodes, strings) = (good.nodes.clone(), good.strings.clone());
        Tree::from_parts(nodes.clone(), strings.clone()).expect("the tree as parsed");
        let word = |value: usize, field: usize| value * 4 + field;
        type Change = Box<dyn Fn(&mut Vec<u32>, &mut String)>;
        let bad: Vec<(&str, Change)> = vec![
            (
                "not whole values",
                Box::new(|n, _| {
                    n.pop();
                }),
            ),
            ("not whole values", Box::new(|n, _| n.clear())),
            ("span the tree", Box::new(move |n, _| n[word(0, 3)] = 5)),
            (
                "outside its parent",
                Box::new(move |n, _| n[word(1, 3)] = 5),
            ),
            (
                "outside its parent",
                Box::new(move |n, _| n[word(1, 3)] = 1),
            ),
            (
                "outside its parent",
                Box::new(move |n, _| n[word(5, 3)] = 7),
            ),
            (
                "scalar with elements",
                Box::new(move |n, _| n[word(2, 3)] = 4),
            ),
            (
                "no kind",
                Box::new(move |n, _| n[word(5, 2)] = 7 << LEN_BITS),
            ),
            (
                "literal with text",
                Box::new(move |n, _| {
                    n[word(5, 0)] = 0;
                    n[word(5, 2)] = 1;
                }),
            ),
            (
                "container with text",
                Box::new(move |n, _| n[word(4, 2)] |= 1),
            ),
            (
                "malformed number",
                Box::new(|_, s| *s = s.replacen('1', "x", 1)),
            ),
            (
                "element with a name",
                Box::new(move |n, _| n[word(2, 1)] = 1),
            ),
            (
                "outside the strings",
                Box::new(move |n, _| n[word(5, 0)] = 1000),
            ),
            (
                "outside the strings",
                Box::new(move |n, _| n[word(5, 0)] = u32::MAX),
            ),
            // "é" is two bytes: one of them is inside the character.
            (
                "inside a character",
                Box::new(move |n, _| n[word(3, 2)] -= 1),
            ),
        ];
        for (why, change) in bad {
            let (mut n, mut s) = (nodes.clone(), strings.clone());
            change(&mut n, &mut s);
            let e = Tree::from_parts(n, s).expect_err(why);
            assert!(e.contains(why), "{why}: {e}");
        }
        // Nesting as deep as a parsed document may be, and no deeper.
        let deep = |levels: usize| {
            let t = tree(&format!("{}{}", "[".repeat(levels), "]".repeat(levels)));
            Tree::from_parts(t.nodes, t.strings)
        };
        assert!(deep(MAX_DEPTH).is_ok());
        let mut t = tree(&format!(
            "{}{}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        ));
        // One more level: a new root around the deepest document.
        let count = t.count() as u32 + 1;
        let mut nodes = vec![0, 0, 5 << LEN_BITS, count];
        nodes.extend(t.nodes.chunks(4).flat_map(|n| [n[0], n[1], n[2], n[3] + 1]));
        t.nodes = nodes;
        let e = Tree::from_parts(t.nodes, t.strings).expect_err("too deep");
        assert!(e.contains("nested deeper"), "{e}");
    }

    /// Pointers through the last path taken, in document order, backwards
    /// and in a shuffled order, against each from a tree that took none;
    /// and every pointer names its value.
    #[test]
    fn pointers_through_the_last_path_are_the_pointers_from_the_root() {
        let text = r#"{"a":[1,{"b":[2,3,{"c":"x"}],"d":[]},[4,[5,[6]]]],"e":{"f":{"g":[7,8]}},"h/~":[{"i":9},{"i":10}]}"#;
        let count = (tree(text).nodes.len() / 4) as u32;
        let expected: Vec<String> = (0..count)
            .map(|i| {
                let fresh = tree(text);
                fresh.root().at_index(i).pointer()
            })
            .collect();
        let json: serde_json::Value = serde_json::from_str(text).expect("json");
        for (i, p) in expected.iter().enumerate() {
            assert!(json.pointer(p).is_some(), "{i}: {p}");
        }
        let mut orders: Vec<Vec<u32>> = vec![(0..count).collect(), (0..count).rev().collect()];
        let mut seed = 0x9e37_79b9_u64;
        for _ in 0..20 {
            let mut order: Vec<u32> = (0..count).collect();
            for i in (1..order.len()).rev() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                order.swap(i, (seed % (i as u64 + 1)) as usize);
            }
            orders.push(order);
        }
        for order in orders {
            let shared = tree(text);
            for &i in &order {
                assert_eq!(
                    shared.root().at_index(i).pointer(),
                    expected[i as usize],
                    "{i} in {order:?}"
                );
            }
        }
        // A long array's elements, each in turn.
        let long = format!("{{\"ports\":[{}]}}", vec![r#"{"p":1}"#; 2_000].join(","));
        let shared = tree(&long);
        let ports = shared.root().get("ports").expect("ports").items();
        for (n, port) in ports.iter().enumerate() {
            assert_eq!(port.pointer(), format!("/ports/{n}"));
            assert_eq!(port.get("p").expect("p").pointer(), format!("/ports/{n}/p"));
        }
    }
}
