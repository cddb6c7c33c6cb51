//! Keys for signed evidence: `bulwark keygen`.

use bulwark_evidence::{Envelope, SigningKey, VerifyingKey};

use crate::util::bulwark;

/// The base64 body of a PEM block, on one line.
fn pem_body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

#[test]
fn keygen_writes_a_private_key_only_its_owner_reads_and_a_public_key()
-> Result<(), Box<dyn std::error::Error>> {
    for algorithm in ["ed25519", "p256"] {
        let dir = tempfile::tempdir()?;
        let prefix = dir.path().join("signing");
        let prefix_arg = prefix.to_string_lossy().into_owned();
        let run = bulwark(&[
            "keygen",
            "--algorithm",
            algorithm,
            "--out",
            &prefix_arg,
            "--format",
            "json",
        ]);
        assert_eq!(run.code, 0, "{algorithm}: {}", run.stderr);
        let private = std::fs::read_to_string(dir.path().join("signing.key"))?;
        let public = std::fs::read_to_string(dir.path().join("signing.pub"))?;
        assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("signing.key"))?
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{algorithm}");
        }

        // The pair works together, and the key id printed is the public key's.
        let key = SigningKey::from_pkcs8_pem(&private)?;
        let verifying = VerifyingKey::from_public_key_pem(&public)?;
        assert_eq!(key.algorithm().name(), algorithm);
        let envelope = Envelope::sign("application/vnd.in-toto+json", b"{}", &key);
        assert_eq!(envelope.verify(&verifying)?, b"{}");
        let json = run.json();
        assert_eq!(json["keyid"], verifying.key_id());
        assert_eq!(json["algorithm"], algorithm);

        // Nothing of the private key is printed.
        let body = pem_body(&private);
        assert!(!run.stdout.contains(&body) && !run.stderr.contains(&body));
        for chunk in body.as_bytes().chunks(16) {
            let chunk = std::str::from_utf8(chunk)?;
            assert!(
                !run.stdout.contains(chunk),
                "{algorithm}: stdout has key material"
            );
        }

        // An existing key is never replaced without --force.
        let again = bulwark(&["keygen", "--out", &prefix_arg]);
        assert_eq!(again.code, 2, "{}", again.stdout);
        assert!(again.stderr.contains("already exists"), "{}", again.stderr);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("signing.key"))?,
            private
        );
        let forced = bulwark(&["keygen", "--out", &prefix_arg, "--force"]);
        assert_eq!(forced.code, 0, "{}", forced.stderr);
        assert_ne!(
            std::fs::read_to_string(dir.path().join("signing.key"))?,
            private
        );
    }
    Ok(())
}

#[test]
fn keygen_refuses_an_unknown_algorithm() {
    let run = bulwark(&["keygen", "--algorithm", "rsa", "--out", "unused"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("ed25519 or p256"), "{}", run.stderr);
    assert!(!std::path::Path::new("unused.key").exists());
}
