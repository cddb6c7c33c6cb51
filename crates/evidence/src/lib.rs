//! Signed evidence for bulwark runs.
//!
//! A run's result is an [in-toto Statement v1] signed in a [DSSE] envelope:
//! [`statement`] holds the statement and its subjects, [`dsse`] the
//! envelope and its pre-authentication encoding, [`keys`] the Ed25519 and
//! ECDSA P-256 keys that sign and verify it, [`scan`] the predicate of a
//! scan's evidence and [`module`] that of a rule module's signature.
//!
//! [in-toto Statement v1]: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md
//! [DSSE]: https://github.com/secure-systems-lab/dsse/blob/master/envelope.md
#![deny(missing_docs)]

pub mod dsse;
pub mod keys;
pub mod module;
pub mod scan;
pub mod statement;
mod strict;

pub use crate::dsse::{Envelope, PAYLOAD_TYPE_IN_TOTO, pae};
pub use crate::keys::{Algorithm, SigningKey, VerifyingKey};
pub use crate::statement::{STATEMENT_TYPE, Statement, Subject, sha256_hex};

/// What can go wrong reading keys or verifying an envelope. No variant
/// carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The text is not a PKCS#8 PEM private key of a supported algorithm.
    #[error(
        "not a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`) for Ed25519 or ECDSA P-256"
    )]
    PrivateKey,
    /// The text is not an SPKI PEM public key of a supported algorithm.
    #[error("not an SPKI PEM public key (`-----BEGIN PUBLIC KEY-----`) for Ed25519 or ECDSA P-256")]
    PublicKey,
    /// A key could not be encoded.
    #[error("cannot encode the {0}")]
    Encode(&'static str),
    /// The envelope is not a DSSE envelope.
    #[error("malformed DSSE envelope: {0}")]
    Malformed(String),
    /// No signature in the envelope is by the given key.
    #[error("the envelope is not signed by key {keyid} (it is signed by {found})")]
    WrongKey {
        /// The id of the key that was expected.
        keyid: String,
        /// The key ids the envelope's signatures name.
        found: String,
    },
    /// A signature does not verify.
    #[error("bad signature: the envelope was altered or not signed by this key")]
    BadSignature,
}
