//! A JSON value that knows its own JSON pointer.
//!
//! Compose files, Kubernetes objects and Helm values reach rules as JSON
//! converted from YAML. [`Json`] walks such a value and carries the pointer
//! of every element it hands out, so a finding lands exactly on the key or
//! value at fault.

use serde_json::Value;

use crate::pointer::join;

/// A value inside a document, with its pointer.
#[derive(Debug, Clone, PartialEq)]
pub struct Json<'a> {
    value: &'a Value,
    pointer: String,
}

impl<'a> Json<'a> {
    /// The document root (pointer `""`).
    pub fn root(value: &'a Value) -> Json<'a> {
        Json {
            value,
            pointer: String::new(),
        }
    }

    /// The value.
    pub fn value(&self) -> &'a Value {
        self.value
    }

    /// Its JSON pointer.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// The pointer of member `key` (present or not).
    pub fn pointer_to(&self, key: &str) -> String {
        join(&self.pointer, key)
    }

    /// Member `key` of an object.
    pub fn get(&self, key: &str) -> Option<Json<'a>> {
        self.value.get(key).map(|value| Json {
            value,
            pointer: join(&self.pointer, key),
        })
    }

    /// The member at `path` below this value (object keys).
    pub fn at(&self, path: &[&str]) -> Option<Json<'a>> {
        let mut node = self.clone();
        for key in path {
            node = node.get(key)?;
        }
        Some(node)
    }

    /// The elements of an array; nothing for other values.
    pub fn items(&self) -> Vec<Json<'a>> {
        match self.value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, value)| Json {
                    value,
                    pointer: join(&self.pointer, i),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The members of an object, by key; nothing for other values.
    pub fn entries(&self) -> Vec<(&'a str, Json<'a>)> {
        match self.value {
            Value::Object(map) => map
                .iter()
                .map(|(k, value)| {
                    (
                        k.as_str(),
                        Json {
                            value,
                            pointer: join(&self.pointer, k),
                        },
                    )
                })
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
        assert_eq!((*k, x.pointer()), ("x", "/a~1b/list/2/x"));
        assert_eq!(x.truthy(), Some(true));
    }
}
