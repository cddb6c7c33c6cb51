//! A JSON value tree that remembers where each value came from.
//!
//! Parsers build a [`Node`] tree for every document; the tree is serialised
//! once to the JSON text rule modules receive, and a finding's JSON pointer is
//! resolved against the same tree to find its source span. This module does
//! not parse JSON: nothing reads JSON back into nodes.

use std::fmt::Write as _;

use crate::Span;

/// The text of a key, string or number: up to 24 bytes are kept inline,
/// so the short keys and values that make up most documents (`keyword`,
/// `0`, `shell`, `/bin/sh -c`) cost no allocation of their own.
pub type Text = compact_str::CompactString;

/// A JSON value together with the source span it was derived from.
///
/// Values that a parser synthesises (an index, a normalised keyword) carry
/// the span of the source construct they describe.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value came from in the source file.
    pub span: Span,
    /// The value.
    pub value: Value,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as its JSON text so no precision is lost.
    Number(Text),
    /// A string.
    String(Text),
    /// An array.
    Array(Vec<Node>),
    /// An object; keys keep their source order and are unique.
    Object(Vec<(Text, Node)>),
}

impl Node {
    /// A node with `value` at `span`.
    pub fn new(span: Span, value: Value) -> Node {
        Node { span, value }
    }

    /// `null` at `span`.
    pub fn null(span: Span) -> Node {
        Node::new(span, Value::Null)
    }

    /// A boolean at `span`.
    pub fn bool(span: Span, b: bool) -> Node {
        Node::new(span, Value::Bool(b))
    }

    /// An integer at `span`.
    pub fn int(span: Span, n: i64) -> Node {
        Node::new(
            span,
            Value::Number(compact_str::ToCompactString::to_compact_string(&n)),
        )
    }

    /// A string at `span`.
    pub fn string(span: Span, s: impl Into<Text>) -> Node {
        Node::new(span, Value::String(s.into()))
    }

    /// An optional string at `span`: the string, or `null`.
    pub fn opt_string(span: Span, s: Option<impl Into<Text>>) -> Node {
        match s {
            Some(s) => Node::string(span, s),
            None => Node::null(span),
        }
    }

    /// An array at `span`.
    pub fn array(span: Span, items: Vec<Node>) -> Node {
        Node::new(span, Value::Array(items))
    }

    /// An object at `span` from `(key, node)` pairs.
    pub fn object<K: Into<Text>>(span: Span, fields: impl IntoIterator<Item = (K, Node)>) -> Node {
        Node::new(
            span,
            Value::Object(fields.into_iter().map(|(k, v)| (k.into(), v)).collect()),
        )
    }

    /// The member `key` of an object, or `None` for other values.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value, or `None` for other values.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Resolves an RFC 6901 JSON pointer (`""` is the node itself).
    ///
    /// Returns `None` if and only if the pointer is malformed or names a
    /// value that does not exist.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        let mut node = self;
        for raw in rest.split('/') {
            let token = unescape_token(raw)?;
            node = match &node.value {
                Value::Object(fields) => {
                    fields.iter().find(|(k, _)| *k == token).map(|(_, v)| v)?
                }
                Value::Array(items) => {
                    // RFC 6901: no leading zeros, digits only.
                    if token.is_empty()
                        || (token.len() > 1 && token.starts_with('0'))
                        || !token.bytes().all(|b| b.is_ascii_digit())
                    {
                        return None;
                    }
                    items.get(token.parse::<usize>().ok()?)?
                }
                _ => return None,
            };
        }
        Some(node)
    }

    /// Serialises the tree as compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write_json(&mut out);
        out
    }

    /// [`Node::to_json`] into a string allocated once at its exact length,
    /// counted first: for a large document, whose text doubling its way up
    /// would hold up to twice its size (and three times while it moves).
    pub fn to_json_exact(&self) -> String {
        let mut out = String::with_capacity(self.json_len());
        self.write_json(&mut out);
        out
    }

    /// The length of the tree's compact JSON text.
    pub fn json_len(&self) -> usize {
        match &self.value {
            Value::Null => 4,
            Value::Bool(true) => 4,
            Value::Bool(false) => 5,
            Value::Number(n) => n.len(),
            Value::String(s) => json_string_len(s),
            Value::Array(items) => {
                2 + items.len().saturating_sub(1) + items.iter().map(Node::json_len).sum::<usize>()
            }
            Value::Object(fields) => {
                2 + fields.len().saturating_sub(1)
                    + fields
                        .iter()
                        .map(|(k, v)| json_string_len(k) + 1 + v.json_len())
                        .sum::<usize>()
            }
        }
    }

    /// Appends the compact JSON text of the tree to `out`.
    pub fn write_json(&self, out: &mut String) {
        match &self.value {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Number(n) => out.push_str(n),
            Value::String(s) => write_json_string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Value::Object(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(key, out);
                    out.push(':');
                    value.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

pub(crate) fn unescape_token(raw: &str) -> Option<String> {
    if !raw.contains('~') {
        return Some(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// The length of `s` as a JSON string literal ([`write_json_string`]).
fn json_string_len(s: &str) -> usize {
    2 + s.len()
        + s.bytes()
            .map(|b| match b {
                b'"' | b'\\' | b'\n' | b'\r' | b'\t' => 1,
                0x00..=0x1f => 5,
                _ => 0,
            })
            .sum::<usize>()
}

/// Appends `s` as a JSON string literal to `out`.
fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(escape);
        }
        last = i + 1;
    }
    out.push_str(&s[last..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Node {
        let s = |a, b| Span::new(a, b);
        Node::object(
            s(0, 100),
            [
                ("a/b", Node::string(s(1, 2), "x\"y\n\u{1}é")),
                (
                    "list",
                    Node::array(s(3, 9), vec![Node::int(s(4, 5), 7), Node::null(s(6, 7))]),
                ),
                ("m~n", Node::bool(s(10, 11), true)),
            ],
        )
    }

    #[test]
    fn json_len_is_the_text_length() {
        let text = sample().to_json();
        assert_eq!(sample().json_len(), text.len());
        assert_eq!(sample().to_json_exact(), text);
        let s = |a, b| Span::new(a, b);
        for node in [
            Node::null(s(0, 0)),
            Node::bool(s(0, 0), false),
            Node::array(s(0, 0), Vec::new()),
            Node::object(s(0, 0), Vec::<(String, Node)>::new()),
            Node::string(s(0, 0), "\u{0}\u{1f}\\\"\t\r\né\u{7f}"),
            Node::array(s(0, 0), vec![sample(), sample(), Node::int(s(0, 0), -12)]),
        ] {
            let text = node.to_json();
            assert_eq!(node.json_len(), text.len(), "{text}");
            assert_eq!(node.to_json_exact(), text);
            assert_eq!(node.to_json_exact().capacity(), text.len());
        }
    }

    #[test]
    fn serialises_valid_json() {
        let json = sample().to_json();
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["a/b"], "x\"y\n\u{1}é");
        assert_eq!(parsed["list"][0], 7);
        assert_eq!(parsed["m~n"], true);
    }

    #[test]
    fn resolves_pointers_with_escapes() {
        let root = sample();
        assert_eq!(root.pointer("").map(|n| n.span), Some(Span::new(0, 100)));
        assert_eq!(root.pointer("/a~1b").map(|n| n.span), Some(Span::new(1, 2)));
        assert_eq!(
            root.pointer("/m~0n").map(|n| n.span),
            Some(Span::new(10, 11))
        );
        assert_eq!(
            root.pointer("/list/1").map(|n| n.span),
            Some(Span::new(6, 7))
        );
    }

    #[test]
    fn rejects_missing_and_malformed_pointers() {
        let root = sample();
        for bad in [
            "/nope",
            "/list/2",
            "/list/01",
            "/list/-",
            "/list/x",
            "list",
            "/a~2b",
            "/list/0/deeper",
        ] {
            assert!(root.pointer(bad).is_none(), "{bad} resolved");
        }
    }
}
