//! in-toto Statement v1: what the evidence is about (subjects, by digest)
//! and what is said about them (a typed predicate).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Error;

/// The `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";

/// One artifact the statement is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Its name: for bulwark, the file's path relative to the scan root,
    /// with `/` separators.
    pub name: String,
    /// Its digests by algorithm (`sha256` → lower-case hex).
    pub digest: BTreeMap<String, String>,
}

impl Subject {
    /// A subject named `name` whose content is `bytes`.
    pub fn of(name: impl Into<String>, bytes: &[u8]) -> Subject {
        Subject {
            name: name.into(),
            digest: BTreeMap::from([("sha256".to_owned(), sha256_hex(bytes))]),
        }
    }

    /// The SHA-256 digest, if recorded.
    pub fn sha256(&self) -> Option<&str> {
        self.digest.get("sha256").map(String::as_str)
    }
}

/// The SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// An in-toto Statement v1 with a predicate of type `P`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement<P> {
    /// Always [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// The artifacts, sorted by name.
    pub subject: Vec<Subject>,
    /// A URI naming the predicate's schema and version.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// What is said about the subjects.
    pub predicate: P,
}

impl<P: Serialize + for<'de> Deserialize<'de>> Statement<P> {
    /// A statement about `subject` (sorted by name here, so the same inputs
    /// always give the same bytes).
    pub fn new(mut subject: Vec<Subject>, predicate_type: &str, predicate: P) -> Statement<P> {
        subject.sort_by(|a, b| a.name.cmp(&b.name));
        Statement {
            statement_type: STATEMENT_TYPE.to_owned(),
            subject,
            predicate_type: predicate_type.to_owned(),
            predicate,
        }
    }

    /// The statement as the JSON bytes that are signed.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] if the predicate cannot be serialised.
    pub fn to_json(&self) -> Result<Vec<u8>, Error> {
        serde_json::to_vec(self).map_err(|e| Error::Malformed(e.to_string()))
    }

    /// Reads a statement, checking its `_type` and `predicateType`.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] for JSON that is not a Statement v1 with
    /// predicate type `predicate_type` and a predicate of shape `P`.
    pub fn from_json(json: &[u8], predicate_type: &str) -> Result<Statement<P>, Error> {
        crate::strict::check(json)
            .map_err(|e| Error::Malformed(format!("not an in-toto statement: {e}")))?;
        let statement: Statement<P> = serde_json::from_slice(json)
            .map_err(|e| Error::Malformed(format!("not an in-toto statement: {e}")))?;
        if statement.statement_type != STATEMENT_TYPE {
            return Err(Error::Malformed(format!(
                "statement type is `{}`, not `{STATEMENT_TYPE}`",
                statement.statement_type
            )));
        }
        if statement.predicate_type != predicate_type {
            return Err(Error::Malformed(format!(
                "predicate type is `{}`, not `{predicate_type}`",
                statement.predicate_type
            )));
        }
        Ok(statement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_deterministic_and_checked_on_reading() -> Result<(), Error> {
        let subjects = vec![
            Subject::of("b/Dockerfile", b"FROM x\n"),
            Subject::of("a.yaml", b""),
        ];
        let statement = Statement::new(subjects.clone(), "https://example.com/p/v1", 7u32);
        let again = Statement::new(
            subjects.into_iter().rev().collect(),
            "https://example.com/p/v1",
            7u32,
        );
        assert_eq!(statement.to_json()?, again.to_json()?);
        assert_eq!(statement.subject[0].name, "a.yaml");
        assert_eq!(
            statement.subject[0].sha256(),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        let json = statement.to_json()?;
        let read: Statement<u32> = Statement::from_json(&json, "https://example.com/p/v1")?;
        assert_eq!(read, statement);
        assert!(matches!(
            Statement::<u32>::from_json(&json, "https://example.com/other/v1"),
            Err(Error::Malformed(_))
        ));
        let wrong_type = String::from_utf8_lossy(&json)
            .replace(STATEMENT_TYPE, "https://in-toto.io/Statement/v0.1");
        assert!(matches!(
            Statement::<u32>::from_json(wrong_type.as_bytes(), "https://example.com/p/v1"),
            Err(Error::Malformed(_))
        ));
        Ok(())
    }
}
