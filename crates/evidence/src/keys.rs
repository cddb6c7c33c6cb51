//! Signing and verifying keys: Ed25519 and ECDSA P-256 (SHA-256).
//!
//! Private keys are read and written as PKCS#8 PEM, public keys as SPKI PEM:
//! the formats cosign, OpenSSL and DSSE tools read. A key's id is the
//! SHA-256 of its SPKI (DER), in hex. Private key material never appears in
//! an error, a `Debug` output or anything else this module formats.

use std::fmt;

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::pkcs8::LineEnding;
use rand_core::OsRng;
use zeroize::Zeroizing;

use crate::Error;

/// A signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Ed25519 (RFC 8032): 64-byte signatures.
    Ed25519,
    /// ECDSA over NIST P-256 with SHA-256: DER-encoded signatures.
    P256,
}

impl Algorithm {
    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::P256 => "p256",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Algorithm {
    type Err = String;

    fn from_str(s: &str) -> Result<Algorithm, String> {
        match s {
            "ed25519" => Ok(Algorithm::Ed25519),
            "p256" | "ecdsa-p256" => Ok(Algorithm::P256),
            _ => Err(format!(
                "unknown algorithm `{s}` (expected ed25519 or p256)"
            )),
        }
    }
}

enum Private {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

/// A private key that signs evidence.
pub struct SigningKey {
    inner: Private,
}

impl fmt::Debug for SigningKey {
    /// The algorithm and key id only: never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .field("keyid", &self.verifying_key().key_id())
            .finish()
    }
}

impl SigningKey {
    /// A new random key from the operating system's generator.
    pub fn generate(algorithm: Algorithm) -> SigningKey {
        let inner = match algorithm {
            Algorithm::Ed25519 => Private::Ed25519(ed25519_dalek::SigningKey::generate(&mut OsRng)),
            Algorithm::P256 => Private::P256(p256::ecdsa::SigningKey::random(&mut OsRng)),
        };
        SigningKey { inner }
    }

    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`) of
    /// either algorithm.
    ///
    /// # Errors
    ///
    /// [`Error::PrivateKey`] when the text is not such a key; the error
    /// never repeats any of the text.
    pub fn from_pkcs8_pem(pem: &str) -> Result<SigningKey, Error> {
        if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
            return Ok(SigningKey {
                inner: Private::Ed25519(key),
            });
        }
        if let Ok(key) = p256::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            return Ok(SigningKey {
                inner: Private::P256(key),
            });
        }
        Err(Error::PrivateKey)
    }

    /// The key as PKCS#8 PEM, in memory that is wiped when dropped.
    ///
    /// Ed25519 keys are written as PKCS#8 v1 (RFC 8410: the private key
    /// alone), which OpenSSL 3.0 and Python's `cryptography` read; the v2
    /// form with the public key embedded is still read.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] if encoding fails (it does not for valid keys).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        let pem = match &self.inner {
            Private::Ed25519(k) => ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: k.to_bytes(),
                public_key: None,
            }
            .to_pkcs8_pem(LineEnding::LF),
            Private::P256(k) => k.to_pkcs8_pem(LineEnding::LF),
        }
        .map_err(|_| Error::Encode("private key"))?;
        Ok(Zeroizing::new(pem.as_str().to_owned()))
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self.inner {
            Private::Ed25519(_) => Algorithm::Ed25519,
            Private::P256(_) => Algorithm::P256,
        }
    }

    /// The matching public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        let inner = match &self.inner {
            Private::Ed25519(k) => Public::Ed25519(k.verifying_key()),
            Private::P256(k) => Public::P256(*k.verifying_key()),
        };
        VerifyingKey { inner }
    }

    /// Signs `message`: 64 raw bytes for Ed25519, a DER-encoded ECDSA
    /// signature over SHA-256 for P-256.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.inner {
            Private::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
            Private::P256(k) => {
                let signature: p256::ecdsa::Signature = k.sign(message);
                signature.to_der().as_bytes().to_vec()
            }
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
enum Public {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
}

/// A public key that verifies evidence.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    inner: Public,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("algorithm", &self.algorithm())
            .field("keyid", &self.key_id())
            .finish()
    }
}

impl VerifyingKey {
    /// Reads an SPKI PEM public key (`-----BEGIN PUBLIC KEY-----`) of either
    /// algorithm.
    ///
    /// # Errors
    ///
    /// [`Error::PublicKey`] when the text is not such a key.
    pub fn from_public_key_pem(pem: &str) -> Result<VerifyingKey, Error> {
        if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem) {
            return Ok(VerifyingKey {
                inner: Public::Ed25519(key),
            });
        }
        if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(VerifyingKey {
                inner: Public::P256(key),
            });
        }
        Err(Error::PublicKey)
    }

    /// The key as SPKI PEM.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] if encoding fails (it does not for valid keys).
    pub fn to_public_key_pem(&self) -> Result<String, Error> {
        match &self.inner {
            Public::Ed25519(k) => k.to_public_key_pem(LineEnding::LF),
            Public::P256(k) => k.to_public_key_pem(LineEnding::LF),
        }
        .map_err(|_| Error::Encode("public key"))
    }

    /// The SPKI, DER-encoded.
    fn spki_der(&self) -> Vec<u8> {
        let der = match &self.inner {
            Public::Ed25519(k) => k.to_public_key_der(),
            Public::P256(k) => k.to_public_key_der(),
        };
        // Encoding a valid key into DER does not fail; an empty id would
        // match no signature.
        der.map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }

    /// The key id: the SHA-256 of the DER-encoded SPKI, in lower-case hex.
    pub fn key_id(&self) -> String {
        crate::sha256_hex(&self.spki_der())
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self.inner {
            Public::Ed25519(_) => Algorithm::Ed25519,
            Public::P256(_) => Algorithm::P256,
        }
    }

    /// Checks `signature` over `message`.
    ///
    /// # Errors
    ///
    /// [`Error::BadSignature`] when it does not verify (including a
    /// signature that is malformed for this algorithm).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let ok = match &self.inner {
            Public::Ed25519(k) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|s| k.verify_strict(message, &s).is_ok()),
            Public::P256(k) => p256::ecdsa::Signature::from_der(signature)
                .is_ok_and(|s| k.verify(message, &s).is_ok()),
        };
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_pem_and_sign() -> Result<(), Error> {
        for algorithm in [Algorithm::Ed25519, Algorithm::P256] {
            let key = SigningKey::generate(algorithm);
            let pem = key.to_pkcs8_pem()?;
            assert!(
                pem.starts_with("-----BEGIN PRIVATE KEY-----"),
                "{algorithm}"
            );
            let again = SigningKey::from_pkcs8_pem(&pem)?;
            assert_eq!(again.algorithm(), algorithm);
            let public =
                VerifyingKey::from_public_key_pem(&key.verifying_key().to_public_key_pem()?)?;
            assert_eq!(public, key.verifying_key());
            assert_eq!(public.key_id().len(), 64);

            let signature = again.sign(b"message");
            public.verify(b"message", &signature)?;
            assert_eq!(
                public.verify(b"massage", &signature),
                Err(Error::BadSignature)
            );
            let other = SigningKey::generate(algorithm).verifying_key();
            assert_eq!(
                other.verify(b"message", &signature),
                Err(Error::BadSignature)
            );
            assert_ne!(other.key_id(), public.key_id());
        }
        Ok(())
    }

    #[test]
    fn ed25519_keys_are_written_as_pkcs8_v1_and_v2_is_read() -> Result<(), Error> {
        use base64::Engine as _;
        let key = SigningKey::generate(Algorithm::Ed25519);
        let pem = key.to_pkcs8_pem()?;
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| Error::PrivateKey)?;
        // SEQUENCE { INTEGER 0 (v1), AlgorithmIdentifier, OCTET STRING }:
        // 48 bytes, no public key.
        assert_eq!(der.len(), 48);
        assert_eq!(&der[..5], &[0x30, 0x2e, 0x02, 0x01, 0x00]);
        // The v2 form (public key embedded) is still read.
        let Private::Ed25519(inner) = &key.inner else {
            return Err(Error::PrivateKey);
        };
        let v2 = inner
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| Error::Encode("private key"))?;
        let back = SigningKey::from_pkcs8_pem(&v2)?;
        assert_eq!(back.verifying_key().key_id(), key.verifying_key().key_id());
        Ok(())
    }

    #[test]
    fn p256_signatures_are_der() {
        let key = SigningKey::generate(Algorithm::P256);
        let signature = key.sign(b"x");
        // SEQUENCE { INTEGER r, INTEGER s }
        assert_eq!(signature[0], 0x30);
        assert_eq!(usize::from(signature[1]), signature.len() - 2);
        assert_eq!(
            SigningKey::generate(Algorithm::Ed25519).sign(b"x").len(),
            64
        );
    }

    #[test]
    fn bad_keys_are_errors_that_repeat_nothing() {
        let secretish =
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0IG1hdGVyaWFs\n-----END PRIVATE KEY-----\n";
        let e = SigningKey::from_pkcs8_pem(secretish).expect_err("not a key");
        assert_eq!(e, Error::PrivateKey);
        assert!(!e.to_string().contains("c2VjcmV0"));
        let key = SigningKey::generate(Algorithm::Ed25519);
        let debug = format!("{key:?}");
        let pem = key.to_pkcs8_pem().expect("pem");
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(!debug.contains(&body), "{debug}");
        // A public key is not a private key, and the other way round.
        let public = key.verifying_key().to_public_key_pem().expect("pem");
        assert_eq!(
            SigningKey::from_pkcs8_pem(&public).expect_err("public"),
            Error::PrivateKey
        );
        assert_eq!(
            VerifyingKey::from_public_key_pem(&pem).expect_err("private"),
            Error::PublicKey
        );
    }
}
