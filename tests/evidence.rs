//! Signed evidence: `bulwark keygen` and `bulwark verify`.

use bulwark_evidence::{Envelope, SigningKey, Statement, Subject, VerifyingKey};

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

const PREDICATE_TYPE: &str = "https://bulwark.dev/attestation/scan/v0.1";

/// A workspace with two subject files, a key pair and evidence about the
/// files signed with it, recording `verdict`.
struct Signed {
    dir: tempfile::TempDir,
    key: SigningKey,
}

impl Signed {
    fn new(algorithm: bulwark_evidence::Algorithm, verdict: &str) -> Signed {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("deploy")).expect("mkdir");
        std::fs::write(root.join("Dockerfile"), "FROM alpine:3.20\nUSER 10001\n").expect("write");
        std::fs::write(root.join("deploy/job.yaml"), "kind: Job\n").expect("write");
        let key = SigningKey::generate(algorithm);
        let signed = Signed { dir, key };
        signed.sign(verdict);
        std::fs::write(
            signed.path("key.pub"),
            signed.key.verifying_key().to_public_key_pem().expect("pem"),
        )
        .expect("write");
        signed
    }

    fn path(&self, rel: &str) -> String {
        self.dir.path().join(rel).to_string_lossy().into_owned()
    }

    fn sign(&self, verdict: &str) {
        let root = self.dir.path().join("repo");
        let subjects = ["Dockerfile", "deploy/job.yaml"]
            .iter()
            .map(|name| Subject::of(*name, &std::fs::read(root.join(name)).expect("read")))
            .collect();
        let predicate = serde_json::json!({
            "tool": {"name": "bulwark", "version": "0.1.0"},
            "wit_package": "bulwark:rules@0.1.0",
            "modules": [],
            "configuration": {"sha256": "0", "settings": {}},
            "findings": [],
            "failures": [],
            "errors": [],
            "exceptions": [],
            "suppressed": [],
            "counts": {"files": 2, "documents": 2, "rules": 1, "findings": 0, "blocking": 0, "by_severity": {}},
            "verdict": {"result": verdict, "passed": verdict == "pass", "fail_on": "info"},
            "coverage": {
                "repository": false,
                "include_ignored": false,
                "paths": ["."],
                "counts": {"scanned": 2, "errors": 0, "not_input": 0, "excluded": 0, "skipped": 0},
                "exclude": null,
                "files": [],
            },
            "started_at": "2026-01-01T00:00:00Z",
            "finished_at": "2026-01-01T00:00:01Z",
            "source": null,
        });
        let statement = Statement::new(subjects, PREDICATE_TYPE, predicate);
        let envelope = Envelope::sign(
            "application/vnd.in-toto+json",
            &statement.to_json().expect("json"),
            &self.key,
        );
        std::fs::write(self.path("evidence.json"), envelope.to_json()).expect("write");
    }

    fn verify(&self, extra: &[&str]) -> crate::util::Run {
        let evidence = self.path("evidence.json");
        let key = self.path("key.pub");
        let root = self.path("repo");
        let mut args = vec!["verify", &evidence, "--pub", &key, "--subjects-root", &root];
        args.extend_from_slice(extra);
        bulwark(&args)
    }

    fn envelope(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.path("evidence.json")).expect("read"))
            .expect("json")
    }

    fn write_envelope(&self, value: &serde_json::Value) {
        std::fs::write(self.path("evidence.json"), value.to_string()).expect("write");
    }
}

#[test]
fn verify_accepts_untouched_evidence_and_gates_on_the_verdict() {
    for algorithm in [
        bulwark_evidence::Algorithm::Ed25519,
        bulwark_evidence::Algorithm::P256,
    ] {
        let signed = Signed::new(algorithm, "pass");
        let run = signed.verify(&["--require", "pass"]);
        assert_eq!(run.code, 0, "{algorithm}: {}", run.stderr);
        assert!(
            run.stdout.contains("2 subjects unchanged"),
            "{}",
            run.stdout
        );

        // A failing scan's evidence verifies, and reports the failed verdict.
        signed.sign("fail");
        let run = signed.verify(&[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains("verdict `fail`"), "{}", run.stdout);
        let run = signed.verify(&["--require", "pass"]);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(run.stderr.contains("`fail`"), "{}", run.stderr);
    }
}

#[test]
fn verify_rejects_tampering_with_the_right_message_and_code() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let signed = Signed::new(bulwark_evidence::Algorithm::Ed25519, "pass");
    let original = signed.envelope();

    // One changed byte in the payload.
    let mut payload = b64
        .decode(original["payload"].as_str().expect("payload"))
        .expect("b64");
    let at = payload.iter().position(|&b| b == b'p').expect("a `p`");
    payload[at] = b'P';
    let mut tampered = original.clone();
    tampered["payload"] = b64.encode(&payload).into();
    signed.write_envelope(&tampered);
    let run = signed.verify(&[]);
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("bad signature"), "{}", run.stderr);

    // One changed byte in the signature.
    let mut sig = b64
        .decode(original["signatures"][0]["sig"].as_str().expect("sig"))
        .expect("b64");
    sig[10] ^= 0x01;
    let mut tampered = original.clone();
    tampered["signatures"][0]["sig"] = b64.encode(&sig).into();
    signed.write_envelope(&tampered);
    let run = signed.verify(&[]);
    assert_eq!(run.code, 4, "{}", run.stderr);

    // A different key.
    signed.write_envelope(&original);
    let other = SigningKey::generate(bulwark_evidence::Algorithm::P256);
    std::fs::write(
        signed.path("other.pub"),
        other.verifying_key().to_public_key_pem().expect("pem"),
    )
    .expect("write");
    let evidence = signed.path("evidence.json");
    let other_pub = signed.path("other.pub");
    let run = bulwark(&["verify", &evidence, "--pub", &other_pub]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("not signed by key"), "{}", run.stderr);

    // A malformed envelope.
    std::fs::write(signed.path("evidence.json"), "{\"payload\": 1}").expect("write");
    let run = signed.verify(&[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("malformed DSSE envelope"),
        "{}",
        run.stderr
    );

    // A subject edited on disk.
    signed.write_envelope(&original);
    std::fs::write(
        signed.path("repo/Dockerfile"),
        "FROM alpine:3.20\nUSER root\n",
    )
    .expect("write");
    let run = signed.verify(&[]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stderr.contains("subject Dockerfile changed"),
        "{}",
        run.stderr
    );

    // A subject removed.
    signed.sign("pass");
    std::fs::remove_file(signed.path("repo/deploy/job.yaml")).expect("remove");
    let run = signed.verify(&[]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stderr.contains("subject deploy/job.yaml is missing"),
        "{}",
        run.stderr
    );
}

/// The statement inside an evidence file.
fn statement_of(path: &std::path::Path) -> serde_json::Value {
    use base64::Engine as _;
    let envelope: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("evidence")).expect("json");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().expect("payload"))
        .expect("base64");
    serde_json::from_slice(&payload).expect("statement")
}

#[test]
fn scan_writes_evidence_that_verifies_and_is_deterministic()
-> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let key = SigningKey::generate(bulwark_evidence::Algorithm::P256);
    let key_path = dir.path().join("signing.key");
    std::fs::write(&key_path, key.to_pkcs8_pem()?.as_bytes())?;
    let pub_path = dir.path().join("signing.pub");
    std::fs::write(&pub_path, key.verifying_key().to_public_key_pem()?)?;
    let (key_arg, pub_arg) = (
        key_path.to_string_lossy().into_owned(),
        pub_path.to_string_lossy().into_owned(),
    );
    let target = "tests/fixtures/scan/insecure";

    let mut statements = Vec::new();
    for n in 0..2 {
        let evidence = dir.path().join(format!("evidence-{n}.json"));
        let evidence_arg = evidence.to_string_lossy().into_owned();
        // A failing scan still writes its evidence.
        let run = bulwark(&[
            "scan",
            target,
            "--evidence",
            &evidence_arg,
            "--key",
            &key_arg,
        ]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let verify = bulwark(&["verify", &evidence_arg, "--pub", &pub_arg]);
        assert_eq!(verify.code, 0, "{}", verify.stderr);
        // The scan covered one directory of this repository: it cannot
        // vouch for the whole checkout.
        let whole = bulwark(&[
            "verify",
            &evidence_arg,
            "--pub",
            &pub_arg,
            "--subjects-root",
            ".",
        ]);
        assert_eq!(whole.code, 6, "{}", whole.stderr);
        assert!(
            whole
                .stderr
                .contains("that the evidence neither scanned nor excluded"),
            "{}",
            whole.stderr
        );
        assert!(
            verify.stdout.contains("verdict `fail`"),
            "{}",
            verify.stdout
        );
        let gate = bulwark(&[
            "verify",
            &evidence_arg,
            "--pub",
            &pub_arg,
            "--require",
            "pass",
        ]);
        assert_eq!(gate.code, 1, "{}", gate.stderr);
        statements.push(statement_of(&evidence));
    }
    let statement = &statements[0];
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        statement["subject"][0]["name"],
        "tests/fixtures/scan/insecure/Dockerfile"
    );
    let predicate = &statement["predicate"];
    assert_eq!(predicate["verdict"]["result"], "fail");
    assert_eq!(predicate["modules"].as_array().map(Vec::len), Some(5));
    assert!(
        predicate["findings"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
    );
    // The secret the Dockerfile holds is masked in the evidence too.
    assert!(
        !statement.to_string().contains("hunter2") && !statement.to_string().contains("s3cr3t")
    );

    // Only the time fields and how many files came from the result cache
    // (the second run's all did) differ between the two runs.
    let mut a = statements[0].clone();
    let mut b = statements[1].clone();
    assert_eq!(
        b["predicate"]["counts"]["cached_files"],
        b["predicate"]["counts"]["files"]
    );
    for s in [&mut a, &mut b] {
        s["predicate"]["started_at"] = serde_json::Value::Null;
        s["predicate"]["finished_at"] = serde_json::Value::Null;
        s["predicate"]["counts"]["cached_files"] = serde_json::Value::Null;
    }
    assert_eq!(a, b);

    // No key, no evidence: a usage error before anything is scanned.
    let evidence = dir.path().join("none.json").to_string_lossy().into_owned();
    let run = bulwark(&["scan", target, "--evidence", &evidence]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("needs a signing key"), "{}", run.stderr);
    // A file that is not a key is named, its content never shown.
    let run = bulwark(&["scan", target, "--evidence", &evidence, "--key", &pub_arg]);
    assert_eq!(run.code, 2);
    let body = pem_body(&std::fs::read_to_string(&pub_path)?);
    assert!(run.stderr.contains("signing.pub"), "{}", run.stderr);
    assert!(!run.stderr.contains(&body[..20]), "{}", run.stderr);
    Ok(())
}

#[test]
fn subjects_are_repository_relative_and_cover_charts_values_and_stdin()
-> Result<(), Box<dyn std::error::Error>> {
    use std::os::unix::fs::PermissionsExt;
    let repo = tempfile::tempdir()?;
    let root = repo.path();
    let git = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(root)
        .status()?;
    assert!(git.success());
    let write = |rel: &str, text: &str| -> std::io::Result<()> {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap_or(root))?;
        std::fs::write(path, text)
    };
    write("app/Dockerfile", "FROM alpine:3.20\nUSER 10001\n")?;
    write(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    )?;
    write("chart/values.yaml", "replicas: 1\n")?;
    write(
        "chart/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\n",
    )?;
    write("prod-values.yaml", "replicas: 3\n")?;
    // A stand-in for `helm template` that prints a fixed rendering.
    let tools = tempfile::tempdir()?;
    let helm = tools.path().join("helm");
    std::fs::write(
        &helm,
        "#!/bin/sh\ncat <<'EOF'\n---\n# Source: app/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers: []\nEOF\n",
    )?;
    std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755))?;
    let key = SigningKey::generate(bulwark_evidence::Algorithm::Ed25519);
    let key_path = tools.path().join("signing.key");
    std::fs::write(&key_path, key.to_pkcs8_pem()?.as_bytes())?;
    let pub_path = tools.path().join("signing.pub");
    std::fs::write(&pub_path, key.verifying_key().to_public_key_pem()?)?;
    let evidence = tools.path().join("evidence.json");
    let s = |p: &std::path::Path| p.to_string_lossy().into_owned();

    // Absolute paths, run from elsewhere: names are still relative to the
    // repository the scanned files are in.
    let run = crate::util::bulwark_env(
        &[
            "scan",
            &s(&root.join("app")),
            &s(&root.join("chart")),
            "-",
            "--kind",
            "kubernetes",
            "--helm-values",
            &s(&root.join("prod-values.yaml")),
            "--evidence",
            &s(&evidence),
            "--key",
            &s(&key_path),
        ],
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n",
        &[("BULWARK_HELM", &helm)],
    );
    assert!(
        run.code == 0 || run.code == 1,
        "{}{}",
        run.stdout,
        run.stderr
    );
    let statement = statement_of(&evidence);
    let names: Vec<&str> = statement["subject"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "<stdin>",
            "app/Dockerfile",
            "chart/Chart.yaml",
            "chart/templates/deployment.yaml",
            "chart/values.yaml",
            "prod-values.yaml",
        ]
    );
    let stdin_digest = &statement["subject"][0]["digest"]["sha256"];
    assert_eq!(
        stdin_digest.as_str(),
        Some(
            bulwark_evidence::sha256_hex(
                b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n"
            )
            .as_str()
        )
    );

    let verify = |root: &std::path::Path| {
        bulwark(&[
            "verify",
            &s(&evidence),
            "--pub",
            &s(&pub_path),
            "--subjects-root",
            &s(root),
        ])
    };
    let ok = verify(root);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(
        ok.stdout.contains("5 subjects unchanged (standard input"),
        "{}",
        ok.stdout
    );
    // A template of the chart edited after the scan.
    write(
        "chart/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\n",
    )?;
    let changed = verify(root);
    assert_eq!(changed.code, 6, "{}{}", changed.stdout, changed.stderr);
    assert!(
        changed
            .stderr
            .contains("subject chart/templates/deployment.yaml changed"),
        "{}",
        changed.stderr
    );
    Ok(())
}
