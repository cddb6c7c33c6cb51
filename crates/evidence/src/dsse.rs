//! DSSE envelopes (Dead Simple Signing Envelope, v1).
//!
//! The signature covers the pre-authentication encoding of the payload type
//! and the payload ([`pae`]), never the JSON of the envelope, so no
//! canonicalisation is involved.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::{Error, SigningKey, VerifyingKey};

/// The payload type of an in-toto statement.
pub const PAYLOAD_TYPE_IN_TOTO: &str = "application/vnd.in-toto+json";

/// The pre-authentication encoding:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII
/// decimal.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// The id of the key that made it (see [`VerifyingKey::key_id`]).
    #[serde(default)]
    pub keyid: String,
    /// The signature, base64.
    pub sig: String,
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The payload, base64.
    pub payload: String,
    /// How to interpret the payload.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// The signatures over the payload's pre-authentication encoding.
    pub signatures: Vec<Signature>,
}

impl Envelope {
    /// Signs `payload` of `payload_type` with `key`.
    pub fn sign(payload_type: &str, payload: &[u8], key: &SigningKey) -> Envelope {
        let signature = key.sign(&pae(payload_type, payload));
        Envelope {
            payload: STANDARD.encode(payload),
            payload_type: payload_type.to_owned(),
            signatures: vec![Signature {
                keyid: key.verifying_key().key_id(),
                sig: STANDARD.encode(signature),
            }],
        }
    }

    /// Reads an envelope from its JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] for anything but a DSSE envelope with at least
    /// one signature.
    pub fn from_json(json: &[u8]) -> Result<Envelope, Error> {
        crate::strict::check(json).map_err(Error::Malformed)?;
        let envelope: Envelope =
            serde_json::from_slice(json).map_err(|e| Error::Malformed(e.to_string()))?;
        if envelope.signatures.is_empty() {
            return Err(Error::Malformed("it has no signatures".to_owned()));
        }
        Ok(envelope)
    }

    /// The envelope as JSON.
    pub fn to_json(&self) -> String {
        // Strings and a list of records: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the signature by `key` and returns the payload.
    ///
    /// Key ids are hints, not part of what is signed: signatures naming
    /// `key`'s id (or none) are tried first, then the others, since other
    /// DSSE tools compute key ids their own way.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] for base64 that does not decode,
    /// [`Error::WrongKey`] when no signature verifies and none names `key`,
    /// [`Error::BadSignature`] when the one that names `key` fails to verify.
    pub fn verify(&self, key: &VerifyingKey) -> Result<Vec<u8>, Error> {
        let payload = STANDARD
            .decode(&self.payload)
            .map_err(|e| Error::Malformed(format!("payload is not base64: {e}")))?;
        let keyid = key.key_id();
        let named = |s: &&Signature| s.keyid.is_empty() || s.keyid == keyid;
        let message = pae(&self.payload_type, &payload);
        let verifies = |s: &Signature| {
            STANDARD
                .decode(&s.sig)
                .is_ok_and(|bytes| key.verify(&message, &bytes).is_ok())
        };
        let (ours, others): (Vec<&Signature>, Vec<&Signature>) =
            self.signatures.iter().partition(named);
        if ours.iter().chain(&others).any(|s| verifies(s)) {
            return Ok(payload);
        }
        if ours.is_empty() {
            let found: Vec<&str> = self.signatures.iter().map(|s| s.keyid.as_str()).collect();
            return Err(Error::WrongKey {
                keyid,
                found: found.join(", "),
            });
        }
        Err(Error::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Algorithm;

    #[test]
    fn pre_authentication_encoding_matches_the_specification() {
        // The example in the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn envelopes_round_trip_and_reject_tampering() -> Result<(), Error> {
        for algorithm in [Algorithm::Ed25519, Algorithm::P256] {
            let key = SigningKey::generate(algorithm);
            let public = key.verifying_key();
            let envelope = Envelope::sign(PAYLOAD_TYPE_IN_TOTO, b"{\"a\":1}", &key);
            let read = Envelope::from_json(envelope.to_json().as_bytes())?;
            assert_eq!(read.verify(&public)?, b"{\"a\":1}");

            // One changed byte of the payload.
            let mut tampered = read.clone();
            tampered.payload = STANDARD.encode(b"{\"a\":2}");
            assert_eq!(tampered.verify(&public), Err(Error::BadSignature));
            // One changed byte of the signature.
            let mut tampered = read.clone();
            let mut sig = STANDARD
                .decode(&tampered.signatures[0].sig)
                .expect("base64");
            let last = sig.len() - 1;
            sig[last] ^= 1;
            tampered.signatures[0].sig = STANDARD.encode(sig);
            assert_eq!(tampered.verify(&public), Err(Error::BadSignature));
            // The payload type is signed too.
            let mut tampered = read.clone();
            tampered.payload_type = "text/plain".to_owned();
            assert_eq!(tampered.verify(&public), Err(Error::BadSignature));
            // Another key.
            let other = SigningKey::generate(algorithm).verifying_key();
            assert!(matches!(read.verify(&other), Err(Error::WrongKey { .. })));
            // A key id from another tool is only a hint.
            let mut renamed = read.clone();
            renamed.signatures[0].keyid = "another-tools-id".to_owned();
            assert_eq!(renamed.verify(&public)?, b"{\"a\":1}");
        }
        Ok(())
    }

    #[test]
    fn malformed_envelopes_are_errors() {
        for bad in [
            &b"not json"[..],
            b"{}",
            b"{\"payload\":\"\",\"payloadType\":\"x\",\"signatures\":[]}",
        ] {
            assert!(
                matches!(Envelope::from_json(bad), Err(Error::Malformed(_))),
                "{bad:?}"
            );
        }
        let key = SigningKey::generate(Algorithm::Ed25519);
        let mut envelope = Envelope::sign("x", b"y", &key);
        envelope.payload = "%%%".to_owned();
        assert!(matches!(
            envelope.verify(&key.verifying_key()),
            Err(Error::Malformed(_))
        ));
    }
}
