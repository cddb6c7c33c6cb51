//! A [`Node`] tree written flat, the form `bulwark:rules@0.3.0` hands a
//! document to a rule module in (`tree` in `wit/rules.wit`): four numbers
//! a value in document order, every member name and scalar text in one
//! string. The module reads it as it is, where JSON text would be parsed
//! again by every module.

use crate::node::{Node, Value};

/// Bits of a value's `kind-len` word that hold the length of its text; the
/// three above hold the kind.
pub const TREE_LEN_BITS: u32 = 29;

/// A document written flat (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlatTree {
    /// `start`, `key-len`, `kind-len`, `end` for every value, in order.
    pub nodes: Vec<u32>,
    /// Member names and the text of strings (unescaped) and numbers.
    pub strings: String,
}

fn kind(value: &Value) -> u32 {
    match value {
        Value::Null => 0,
        Value::Bool(false) => 1,
        Value::Bool(true) => 2,
        Value::Number(_) => 3,
        Value::String(_) => 4,
        Value::Array(_) => 5,
        Value::Object(_) => 6,
    }
}

fn text(value: &Value) -> &str {
    match value {
        Value::Number(t) | Value::String(t) => t,
        _ => "",
    }
}

/// Names and texts up to this length (a member name and its value's text
/// together) are written once and shared; longer ones (scripts, arguments)
/// rarely repeat and are not worth the lookup: each is written whole.
pub const SHARED_UP_TO: usize = 48;

/// Slots of the table of names and texts written, at most (a power of two;
/// a smaller document gets a table the size of its number of values).
const RECENT: usize = 4096;

/// The hash of `key` and `text`, whose low bits pick their slot in the
/// table of names and texts written.
fn slot_of(key: &str, text: &str) -> usize {
    use std::hash::Hasher;
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(key.as_bytes());
    hasher.write_u8(0xff);
    hasher.write(text.as_bytes());
    hasher.finish() as usize
}

/// Whether `a` and `b` (short: at most [`SHARED_UP_TO`] bytes in all) are
/// the same bytes, compared a word at a time in place: nearly every value
/// of a document is looked up in the table of recent names, and a call
/// into the C library's `memcmp` for each (names of a few bytes) was 5.7 %
/// of a Dockerfile scan's samples.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    // Eight bytes at `i` of both, as words.
    let word = |s: &[u8], i: usize| -> Option<u64> {
        s.get(i..i + 8)?
            .first_chunk::<8>()
            .map(|w| u64::from_ne_bytes(*w))
    };
    let n = a.len();
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    // Whole words, then the last eight bytes (overlapping the one before).
    let mut i = 0;
    while i + 8 <= n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// Appends `key` then `text` to `strings`, returning where they start.
fn append(strings: &mut String, key: &str, text: &str) -> Option<u32> {
    let start = u32::try_from(strings.len()).ok()?;
    strings.push_str(key);
    strings.push_str(text);
    u32::try_from(strings.len()).ok()?;
    Some(start)
}

impl Node {
    /// The number of values in the tree and the bytes of its member names
    /// and scalar texts: the sizes of its [`FlatTree`].
    pub fn tree_len(&self) -> (usize, usize) {
        let (mut values, mut bytes) = (0usize, 0usize);
        let mut stack: Vec<(&str, &Node)> = vec![("", self)];
        while let Some((key, node)) = stack.pop() {
            values += 1;
            bytes += key.len() + text(&node.value).len();
            match &node.value {
                Value::Array(items) => stack.extend(items.iter().map(|n| ("", n))),
                Value::Object(fields) => stack.extend(fields.iter().map(|(k, n)| (k.as_str(), n))),
                _ => {}
            }
        }
        (values, bytes)
    }

    /// The tree written flat, its values allocated once at their number;
    /// `None` when it does not fit the form's 32-bit offsets (strings of 4
    /// GiB, a text of 512 MiB): such a document goes as JSON text.
    ///
    /// A short name and text written before are not written again while
    /// they are in a small table of recent ones: the value points at the
    /// earlier copy (the form allows it). A Dockerfile
    /// document names the same dozen members for every instruction and
    /// repeats `RUN`, `shell` and `/bin/sh`; written once each, its strings
    /// are its distinct texts.
    pub fn to_tree(&self) -> Option<FlatTree> {
        let (values, bytes) = self.tree_len();
        let words = values.checked_mul(4)?;
        if u32::try_from(bytes).is_err() || u32::try_from(values).is_err() {
            return None;
        }
        let mut tree = FlatTree {
            nodes: Vec::with_capacity(words),
            strings: String::new(),
        };
        // Where short names and texts were written, by their hash: a table
        // of fixed size (a newer entry takes the slot of an older one), so
        // the repeated ones are found and the unique ones cost no growth.
        let slots = values.next_power_of_two().clamp(16, RECENT);
        let mut recent: Vec<(&str, &str, u32)> = vec![("", "", u32::MAX); slots];
        // Values are written before their descendants; `end` is filled in
        // when the last descendant has been written.
        enum Step<'a> {
            Value(&'a str, &'a Node),
            Close(usize),
        }
        let mut stack = vec![Step::Value("", self)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Close(at) => {
                    let end = u32::try_from(tree.nodes.len() / 4).ok()?;
                    *tree.nodes.get_mut(at + 3)? = end;
                }
                Step::Value(key, node) => {
                    let value = text(&node.value);
                    if value.len() >= 1 << TREE_LEN_BITS {
                        return None;
                    }
                    let at = tree.nodes.len();
                    let index = u32::try_from(at / 4).ok()?;
                    let slot = (key.len() + value.len() <= SHARED_UP_TO)
                        .then(|| recent.get_mut(slot_of(key, value) & (slots - 1)))
                        .flatten();
                    let start = match slot {
                        Some(&mut (k, v, at))
                            if at != u32::MAX && same(k, key) && same(v, value) =>
                        {
                            at
                        }
                        Some(slot) => {
                            let at = append(&mut tree.strings, key, value)?;
                            *slot = (key, value, at);
                            at
                        }
                        None => append(&mut tree.strings, key, value)?,
                    };
                    tree.nodes.extend([
                        start,
                        key.len() as u32,
                        kind(&node.value) << TREE_LEN_BITS | value.len() as u32,
                        index + 1,
                    ]);
                    match &node.value {
                        Value::Array(items) => {
                            stack.push(Step::Close(at));
                            stack.extend(items.iter().rev().map(|n| Step::Value("", n)));
                        }
                        Value::Object(fields) => {
                            stack.push(Step::Close(at));
                            stack.extend(
                                fields.iter().rev().map(|(k, n)| Step::Value(k.as_str(), n)),
                            );
                        }
                        _ => {}
                    }
                }
            }
        }
        Some(tree)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Span;

    /// JSON text from a flat tree, written from the form's description
    /// alone: what a module reading the tree sees.
    fn json_of(tree: &FlatTree) -> String {
        fn value(tree: &FlatTree, i: usize, out: &mut serde_json::Value) -> usize {
            let n = &tree.nodes[i * 4..i * 4 + 4];
            let (start, key_len, kind_len, end) = (n[0], n[1], n[2], n[3] as usize);
            let text_start = (start + key_len) as usize;
            let len = (kind_len & ((1 << TREE_LEN_BITS) - 1)) as usize;
            let text = &tree.strings[text_start..text_start + len];
            *out = match kind_len >> TREE_LEN_BITS {
                0 => serde_json::Value::Null,
                1 => false.into(),
                2 => true.into(),
                3 => serde_json::from_str(text).expect("number"),
                4 => text.into(),
                5 => {
                    let mut items = Vec::new();
                    let mut c = i + 1;
                    while c < end {
                        let mut v = serde_json::Value::Null;
                        c = value(tree, c, &mut v);
                        items.push(v);
                    }
                    items.into()
                }
                6 => {
                    let mut map = serde_json::Map::new();
                    let mut c = i + 1;
                    while c < end {
                        let m = &tree.nodes[c * 4..c * 4 + 2];
                        let key = tree.strings[m[0] as usize..(m[0] + m[1]) as usize].to_owned();
                        let mut v = serde_json::Value::Null;
                        c = value(tree, c, &mut v);
                        map.insert(key, v);
                    }
                    map.into()
                }
                k => panic!("kind {k}"),
            };
            end
        }
        let mut out = serde_json::Value::Null;
        assert_eq!(value(tree, 0, &mut out), tree.nodes.len() / 4);
        out.to_string()
    }

    #[test]
    fn the_tree_holds_what_the_json_text_holds() {
        let s = |a, b| Span::new(a, b);
        let nested = Node::object(
            s(0, 9),
            [
                ("", Node::string(s(0, 1), "empty key")),
                ("a/b", Node::string(s(1, 2), "x\"y\n\u{1}é")),
                (
                    "list",
                    Node::array(
                        s(3, 9),
                        vec![
                            Node::int(s(4, 5), -7),
                            Node::null(s(6, 7)),
                            Node::array(s(0, 0), Vec::new()),
                            Node::object(s(0, 0), Vec::<(String, Node)>::new()),
                            Node::new(s(0, 0), Value::Number("1.5e300".into())),
                        ],
                    ),
                ),
                ("t", Node::bool(s(10, 11), true)),
                ("f", Node::bool(s(10, 11), false)),
            ],
        );
        for node in [
            Node::null(s(0, 0)),
            Node::string(s(0, 0), ""),
            Node::array(s(0, 0), vec![nested.clone(), nested.clone()]),
            nested,
        ] {
            let tree = node.to_tree().expect("fits");
            let expected: serde_json::Value = serde_json::from_str(&node.to_json()).expect("json");
            assert_eq!(json_of(&tree), expected.to_string());
            let (values, bytes) = node.tree_len();
            assert_eq!(tree.nodes.len(), values * 4);
            assert_eq!(tree.nodes.capacity(), values * 4);
            assert!(tree.strings.len() <= bytes);
        }
    }

    #[test]
    fn short_names_and_texts_are_written_once() {
        let s = Span::new(0, 0);
        let long = "x".repeat(SHARED_UP_TO + 1);
        let instruction = |args: &str| {
            Node::object(
                s,
                [
                    ("keyword", Node::string(s, "RUN")),
                    ("args", Node::string(s, args)),
                    ("form", Node::string(s, "shell")),
                    ("list", Node::int(s, 0)),
                ],
            )
        };
        let one = instruction("a").to_tree().expect("fits");
        assert_eq!(one.strings, "keywordRUNargsaformshelllist0");
        let three = Node::array(
            s,
            vec![instruction("a"), instruction("b"), instruction("a")],
        )
        .to_tree()
        .expect("fits");
        // The second instruction adds only its own arguments; the third
        // nothing.
        assert_eq!(three.strings, "keywordRUNargsaformshelllist0argsb");
        let node = Node::array(s, vec![instruction(&long), instruction(&long)]);
        let tree = node.to_tree().expect("fits");
        assert_eq!(
            tree.strings.matches(&long).count(),
            2,
            "long texts are not looked up"
        );
        // Every value still reads as written.
        let expected: serde_json::Value = serde_json::from_str(&node.to_json()).expect("json");
        assert_eq!(json_of(&tree), expected.to_string());
        let node = Node::array(
            s,
            vec![instruction("b"), instruction("a"), instruction("b")],
        );
        let expected: serde_json::Value = serde_json::from_str(&node.to_json()).expect("json");
        assert_eq!(
            json_of(&node.to_tree().expect("fits")),
            expected.to_string()
        );
    }

    #[test]
    fn ends_point_past_the_last_descendant() {
        let s = Span::new(0, 0);
        let node = Node::array(
            s,
            vec![
                Node::array(s, vec![Node::null(s), Node::null(s)]),
                Node::null(s),
            ],
        );
        let tree = node.to_tree().expect("fits");
        let ends: Vec<u32> = tree.nodes.chunks(4).map(|n| n[3]).collect();
        assert_eq!(ends, [5, 4, 3, 4, 5]);
    }

    /// The word-at-a-time comparison against `==`: every length up to the
    /// shared bound and past it, equal, and unequal at each byte.
    #[test]
    fn same_compares_as_equality_does() {
        for n in 0..=SHARED_UP_TO + 9 {
            let a: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            assert!(same(&a, &a.clone()), "{n}");
            for at in 0..n {
                let mut b = a.clone().into_bytes();
                b[at] = b'#';
                let b = String::from_utf8(b).expect("ASCII");
                assert!(!same(&a, &b), "{n} at {at}");
            }
            assert!(!same(&a, &format!("{a}x")), "{n} longer");
        }
        assert!(same("é", "é"));
        assert!(!same("é", "è"));
    }
}
