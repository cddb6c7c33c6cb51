//! Signatures of rule modules: a DSSE envelope around an in-toto statement
//! whose one subject is the module (its file name and SHA-256), signed with
//! the same keys as the evidence. `bulwark sign` writes one next to the
//! module (`MODULE.sig`); a run with trusted keys refuses any extra module
//! without a signature by one of them.

use serde::{Deserialize, Serialize};

use crate::{Envelope, Error, PAYLOAD_TYPE_IN_TOTO, SigningKey, Statement, Subject, VerifyingKey};

/// The predicate type of a module signature.
pub const MODULE_PREDICATE_TYPE: &str = "https://bulwark.dev/attestation/rule-module/v0.1";

/// What a module signature says about the module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModulePredicate {
    /// Always `bulwark rule module`.
    pub kind: String,
}

/// Why a module's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModuleSignatureError {
    /// The envelope, its statement or its signature is bad.
    #[error(transparent)]
    Envelope(#[from] Error),
    /// None of the trusted keys signed it.
    #[error("not signed by any trusted key (trusted: {trusted}; signed by: {found})")]
    Untrusted {
        /// The trusted key ids.
        trusted: String,
        /// The key ids the envelope names.
        found: String,
    },
    /// The signature is for other bytes.
    #[error("the signature is for sha256 {signed}, the module is sha256 {actual}")]
    Digest {
        /// The digest the statement names.
        signed: String,
        /// The module's digest.
        actual: String,
    },
}

/// Signs the module `bytes` named `name`.
///
/// # Errors
///
/// [`Error::Malformed`] only if the statement cannot be serialised.
pub fn sign_module(name: &str, bytes: &[u8], key: &SigningKey) -> Result<Envelope, Error> {
    let statement = Statement::new(
        vec![Subject::of(name, bytes)],
        MODULE_PREDICATE_TYPE,
        ModulePredicate {
            kind: "bulwark rule module".to_owned(),
        },
    );
    Ok(Envelope::sign(
        PAYLOAD_TYPE_IN_TOTO,
        &statement.to_json()?,
        key,
    ))
}

/// Checks that `envelope` (JSON) is a module signature by one of `keys`
/// over exactly `bytes`; returns the id of the key that signed.
///
/// # Errors
///
/// [`ModuleSignatureError`] saying what is wrong.
pub fn verify_module(
    envelope: &[u8],
    bytes: &[u8],
    keys: &[VerifyingKey],
) -> Result<String, ModuleSignatureError> {
    let envelope = Envelope::from_json(envelope)?;
    let mut last = None;
    for key in keys {
        match envelope.verify(key) {
            Ok(payload) => {
                let statement: Statement<ModulePredicate> =
                    Statement::from_json(&payload, MODULE_PREDICATE_TYPE)?;
                let actual = crate::sha256_hex(bytes);
                let signed = statement
                    .subject
                    .first()
                    .and_then(Subject::sha256)
                    .unwrap_or_default()
                    .to_owned();
                if signed != actual {
                    return Err(ModuleSignatureError::Digest { signed, actual });
                }
                return Ok(key.key_id());
            }
            Err(e @ Error::BadSignature) => last = Some(e),
            Err(Error::WrongKey { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(e) = last {
        return Err(e.into());
    }
    Err(ModuleSignatureError::Untrusted {
        trusted: keys
            .iter()
            .map(VerifyingKey::key_id)
            .collect::<Vec<_>>()
            .join(", "),
        found: envelope
            .signatures
            .iter()
            .map(|s| s.keyid.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Algorithm;

    #[test]
    fn a_signature_holds_for_its_module_and_key_only() {
        let key = SigningKey::generate(Algorithm::Ed25519);
        let other = SigningKey::generate(Algorithm::P256);
        let module = b"\0asm component bytes";
        let envelope = sign_module("custom.wasm", module, &key).unwrap().to_json();
        let trusted = [other.verifying_key(), key.verifying_key()];
        assert_eq!(
            verify_module(envelope.as_bytes(), module, &trusted).unwrap(),
            key.verifying_key().key_id()
        );
        assert!(matches!(
            verify_module(envelope.as_bytes(), b"other bytes", &trusted),
            Err(ModuleSignatureError::Digest { .. })
        ));
        assert!(matches!(
            verify_module(envelope.as_bytes(), module, &[other.verifying_key()]),
            Err(ModuleSignatureError::Untrusted { .. })
        ));
        let mut tampered: serde_json::Value = serde_json::from_str(&envelope).unwrap();
        tampered["signatures"][0]["sig"] = serde_json::json!("AAAA");
        let tampered = tampered.to_string();
        assert!(matches!(
            verify_module(tampered.as_bytes(), module, &trusted),
            Err(ModuleSignatureError::Envelope(_))
        ));
    }
}
