//! JSON read strictly: a document that names a key twice in one object is
//! refused.
//!
//! `serde_json` keeps the last of two equal keys. For signed evidence that
//! is a gap between what a signature covers and what is read: one verifier
//! may see the first `verdict`, another the second. Reading refuses such
//! a document before anything in it is used.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Walks a JSON value, failing on the first object with a repeated key.
struct Unique;

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Unique, D::Error> {
        deserializer.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_none<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(de::Error::custom("an object names the same key twice"));
            }
            map.next_value::<Unique>()?;
        }
        Ok(Unique)
    }
}

/// Checks that `json` is JSON in which no object repeats a key.
///
/// # Errors
///
/// Why it is not: a syntax error, or a repeated key (the message never
/// quotes the document).
pub fn check(json: &[u8]) -> Result<(), String> {
    serde_json::from_slice::<Unique>(json)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_repeated_keys_at_any_depth() {
        assert!(check(br#"{"a": 1, "b": [{"c": 2, "d": {"e": null}}]}"#).is_ok());
        let e = check(br#"{"verdict": "fail", "verdict": "pass"}"#).expect_err("repeated");
        assert!(e.contains("same key twice"), "{e}");
        assert!(check(br#"{"a": [{"x": 1}, {"x": 2, "x": 3}]}"#).is_err());
        assert!(check(br#"{"a": 1,"#).is_err());
    }
}
