//! A JSON value that knows its own JSON pointer.
//!
//! Compose files, Kubernetes objects and Helm values reach rules as JSON
//! converted from YAML. [`Json`] walks such a value and carries the pointer
//! of every element it hands out, so a finding lands exactly on the key or
//! value at fault.

use serde_json::Value;

use crate::pointer::{join_index, join_str};

/// One step of a path: a member name or an array index.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Key(&'a str),
    Index(usize),
}

/// A value inside a document, with its pointer.
///
/// The pointer is not carried along: walking a document hands out many
/// values and reports few, so a value knows only its document's root and
/// finds its own place in it (by identity, every value of the tree living at
/// its own address) when a finding asks for the pointer. Handing out a value
/// costs nothing but the lookup.
#[derive(Debug, Clone, Copy)]
pub struct Json<'a> {
    value: &'a Value,
    root: &'a Value,
}

impl PartialEq for Json<'_> {
    /// The same element of the same document.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.value, other.value) && std::ptr::eq(self.root, other.root)
    }
}

/// Pushes the path from `node` to `target` onto `path`, innermost last;
/// false when `target` is not below `node`.
fn path_to<'a>(node: &'a Value, target: &Value, path: &mut Vec<Token<'a>>) -> bool {
    if std::ptr::eq(node, target) {
        return true;
    }
    match node {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Token::Index(i));
                if path_to(item, target, path) {
                    return true;
                }
                path.pop();
            }
            false
        }
        Value::Object(map) => {
            for (k, item) in map {
                path.push(Token::Key(k));
                if path_to(item, target, path) {
                    return true;
                }
                path.pop();
            }
            false
        }
        _ => false,
    }
}

impl<'a> Json<'a> {
    /// The document root (pointer `""`).
    pub fn root(value: &'a Value) -> Json<'a> {
        Json { value, root: value }
    }

    /// The value.
    pub fn value(&self) -> &'a Value {
        self.value
    }

    /// Its JSON pointer.
    pub fn pointer(&self) -> String {
        let mut path = Vec::new();
        // Every `Json` is handed out from its root, so the search succeeds.
        path_to(self.root, self.value, &mut path);
        let mut out = String::new();
        for token in path {
            out = match token {
                Token::Key(k) => join_str(&out, k),
                Token::Index(i) => join_index(&out, i),
            };
        }
        out
    }

    /// The pointer of member `key` (present or not).
    pub fn pointer_to(&self, key: &str) -> String {
        join_str(&self.pointer(), key)
    }

    fn child(&self, value: &'a Value) -> Json<'a> {
        Json {
            value,
            root: self.root,
        }
    }

    /// Member `key` of an object.
    pub fn get(&self, key: &str) -> Option<Json<'a>> {
        Some(self.child(self.value.as_object()?.get(key)?))
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
        match self.value {
            Value::Array(items) => items.iter().map(|value| self.child(value)).collect(),
            _ => Vec::new(),
        }
    }

    /// The members of an object, by key; nothing for other values.
    pub fn entries(&self) -> Vec<(&'a str, Json<'a>)> {
        match self.value {
            Value::Object(map) => map
                .iter()
                .map(|(k, value)| (k.as_str(), self.child(value)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The string, for strings.
    pub fn as_str(&self) -> Option<&'a str> {
        self.value.as_str()
    }

    /// A scalar as text: strings as they are, numbers and booleans as
    /// written; `None` for null and collections.
    pub fn text(&self) -> Option<String> {
        match self.value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A boolean, also from the YAML 1.1 words Compose and Kubernetes
    /// tooling still accept (`yes`, `on`, `"true"` …).
    pub fn truthy(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
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
        match self.value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// Returns true if and only if the value is null.
    pub fn is_null(&self) -> bool {
        self.value.is_null()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_pointers() {
        let v: Value =
            serde_json::from_str(r#"{"a/b":{"list":[1,"yes",{"x":"on"}]}}"#).expect("json");
        let root = Json::root(&v);
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
    }
}
