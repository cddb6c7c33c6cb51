//! Extra rule modules: pinned by digest, optionally signed by trusted
//! keys, never allowed to take over a built-in rule id, recorded in the
//! evidence.

use std::path::Path;

use crate::util::{bulwark, pinned, s, write};

const MODULE: &str = "rules-wasm/dist/hostile.wasm";
const DOCKERFILE: &str =
    "rules-wasm/cis-docker-build/fixtures/docker-user-root/dockerfile/fail/Dockerfile";

fn digest(path: &Path) -> String {
    bulwark_evidence::sha256_hex(&std::fs::read(path).expect("read"))
}

fn scan_with(module: &str, extra: &[&str]) -> crate::util::Run {
    let mut args = vec![
        "scan",
        "--format",
        "json",
        "--rules",
        module,
        "--rule",
        "hostile-ok",
    ];
    args.extend_from_slice(extra);
    args.push(DOCKERFILE);
    bulwark(&args)
}

#[test]
fn a_module_must_be_pinned_and_match_its_pin() {
    let actual = digest(&crate::util::root().join(MODULE));
    // No pin: refused, with the digest to check and copy.
    let run = bulwark(&["scan", "--rules", MODULE, DOCKERFILE]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!(
            "must be pinned by its SHA-256: `--rules {MODULE}@sha256:{actual}`"
        )),
        "{}",
        run.stderr
    );
    // A pin that is not a digest: said so, with the digest to check, once.
    let run = bulwark(&[
        "scan",
        "--rules",
        &format!("{MODULE}@sha256:1194"),
        DOCKERFILE,
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!(
            "`sha256:1194` is not a SHA-256 pin (`sha256:` and 64 hex digits): `--rules {MODULE}@sha256:{actual}`"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches(&actual).count(), 1, "{}", run.stderr);
    assert!(!run.stderr.contains("1194@sha256"), "{}", run.stderr);
    // The wrong pin: refused, naming both digests.
    let wrong = "0".repeat(64);
    let run = scan_with(&format!("{MODULE}@sha256:{wrong}"), &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!(
            "rule module {MODULE} does not match its pin: sha256 {wrong} pinned, {actual} on disk"
        )),
        "{}",
        run.stderr
    );
    // The right pin runs, and the evidence records the module's digest.
    let run = scan_with(&pinned(MODULE), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.json()["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["rule_id"] == "hostile-ok"))
    );
}

#[test]
fn with_trusted_keys_only_signed_modules_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for name in ["trusted", "other"] {
        assert_eq!(bulwark(&["keygen", "--out", &s(&d.join(name))]).code, 0);
    }
    let module = d.join("hostile.wasm");
    std::fs::copy(crate::util::root().join(MODULE), &module).expect("copy");
    let module_arg = pinned(&s(&module));
    let trusted = s(&d.join("trusted.pub"));

    // Unsigned: refused.
    let run = scan_with(&module_arg, &["--trusted-key", &trusted]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("its signature") && run.stderr.contains("hostile.wasm.sig"),
        "{}",
        run.stderr
    );

    // Signed by another key: refused, naming the module.
    let sign = |key: &str| {
        let run = bulwark(&["sign", &s(&module), "--key", &s(&d.join(key))]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run
    };
    sign("other.key");
    let run = scan_with(&module_arg, &["--trusted-key", &trusted]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("hostile.wasm: signature")
            && run.stderr.contains("not signed by any trusted key"),
        "{}",
        run.stderr
    );

    // Signed by the trusted key: runs; the evidence names the signer.
    let signed = sign("trusted.key");
    assert!(
        signed.stdout.contains("pin it: --rules"),
        "{}",
        signed.stdout
    );
    let evidence = d.join("evidence.json");
    let run = scan_with(
        &module_arg,
        &[
            "--trusted-key",
            &trusted,
            "--evidence",
            &s(&evidence),
            "--key",
            &s(&d.join("trusted.key")),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let predicate = crate::config::predicate_of(&evidence);
    let recorded = predicate["modules"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["name"] == "hostile")
        .cloned()
        .unwrap_or_default();
    assert_eq!(recorded["sha256"], digest(&module));
    let pem = std::fs::read_to_string(d.join("trusted.pub")).expect("pub");
    let key = bulwark_evidence::VerifyingKey::from_public_key_pem(&pem).expect("key");
    assert_eq!(recorded["signed_by"], key.key_id());

    // The module changed after signing (and re-pinned): the signature is
    // for other bytes.
    let mut bytes = std::fs::read(&module).expect("read");
    bytes.extend_from_slice(b"\0\x08trailing");
    std::fs::write(&module, &bytes).expect("write");
    let run = scan_with(&pinned(&s(&module)), &["--trusted-key", &trusted]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("the signature is for sha256"),
        "{}",
        run.stderr
    );

    // The same through .bulwark.yaml: pinned, a signature path, trusted keys.
    let repo = tempfile::tempdir().expect("tempdir");
    let r = repo.path();
    std::fs::copy(crate::util::root().join(MODULE), r.join("policy.wasm")).expect("copy");
    std::fs::copy(d.join("trusted.pub"), r.join("policy.pub")).expect("copy");
    assert_eq!(
        bulwark(&[
            "sign",
            &s(&r.join("policy.wasm")),
            "--key",
            &s(&d.join("trusted.key")),
            "--out",
            &s(&r.join("policy.dsse.json")),
        ])
        .code,
        0
    );
    write(
        r,
        ".bulwark.yaml",
        &format!(
            "rules:\n  - path: policy.wasm\n    sha256: {}\n    signature: policy.dsse.json\ntrusted-keys: [policy.pub]\nenable: [hostile-ok]\n",
            digest(&r.join("policy.wasm"))
        ),
    );
    write(r, "Dockerfile", "FROM alpine:3.20\n");
    let run = bulwark(&["scan", "--format", "json", &s(r)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["findings"][0]["rule_id"], "hostile-ok");
}

#[test]
fn a_module_exporting_another_world_is_a_clear_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("elsewhere.wat");
    std::fs::write(
        &path,
        r#"(component
            (core module $m (func (export "f") (result i32) i32.const 1))
            (core instance $i (instantiate $m))
            (func $f (result u32) (canon lift (core func $i "f")))
            (export "answer" (func $f))
        )"#,
    )
    .expect("write");
    let run = bulwark(&[
        "scan",
        "--format",
        "json",
        "--rules",
        &pinned(&s(&path)),
        DOCKERFILE,
    ]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let failure = &run.json()["failures"][0];
    assert_eq!(failure["module"], "elsewhere");
    assert_eq!(failure["kind"], "load");
    insta::assert_snapshot!(
        "wrong_world",
        failure["message"].as_str().unwrap_or_default()
    );
}

/// The same module pinned in `.bulwark.yaml` and given with `--rules` is
/// loaded once, not refused as declaring its own rules twice.
#[test]
fn the_same_module_from_configuration_and_command_line_is_loaded_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let module = dir.path().join("rules/hostile.wasm");
    std::fs::create_dir_all(module.parent().expect("parent")).expect("mkdir");
    std::fs::copy(crate::util::root().join(MODULE), &module).expect("copy");
    let sha = digest(&module);
    write(
        dir.path(),
        ".bulwark.yaml",
        &format!("rules:\n  - path: rules/hostile.wasm\n    sha256: {sha}\n"),
    );
    write(dir.path(), "Dockerfile", "FROM scratch\n");
    let run = crate::util::bulwark_in(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            "--rules",
            &format!("{}@sha256:{sha}", s(&module)),
            "--rule",
            "hostile-ok",
            ".",
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains("declared by both"), "{}", run.stderr);
    let findings = run.json()["findings"].as_array().map_or(0, Vec::len);
    assert_eq!(findings, 1, "{}", run.stdout);
}

/// Modules built against `bulwark:rules@0.1.0` and `@0.2.0` (the secrets
/// pack as it was committed before each next version) load and run
/// unchanged, handed JSON text, beside the built-in packs built against the
/// current version, handed trees; the findings are the same.
#[test]
fn modules_built_against_earlier_contracts_still_run() {
    let fixtures = [
        "rules-wasm/secrets/fixtures/secret-compose-env/compose/fail",
        "rules-wasm/secrets/fixtures/secret-kubernetes-env/kubernetes",
    ];
    // Every fixture file, scanned by `scanner`: the secrets rules' findings.
    let scan = |scanner: &bulwark_scan::Scanner| {
        let mut found = Vec::new();
        for dir in fixtures {
            let mut files = Vec::new();
            let mut dirs = vec![crate::util::root().join(dir)];
            while let Some(dir) = dirs.pop() {
                for entry in std::fs::read_dir(dir).expect("fixtures") {
                    let path = entry.expect("entry").path();
                    if path.is_dir() {
                        dirs.push(path);
                    } else {
                        files.push(path);
                    }
                }
            }
            files.sort();
            for file in files {
                let bytes = std::fs::read(&file).expect("fixture");
                let outcome = scanner.scan_source(&s(&file), None, bytes);
                assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
                for f in outcome.report.findings {
                    if f.rule_id.starts_with("secret") {
                        found.push((f.rule_id, f.location, f.message, f.pointer));
                    }
                }
            }
        }
        assert!(!found.is_empty());
        found
    };
    let builtin = scan(
        &bulwark_scan::ScannerBuilder::new()
            .build()
            .expect("scanner"),
    );
    for version in bulwark_core::WIT_EARLIER_VERSIONS {
        let module = format!("tests/fixtures/modules/v{version}/secrets.wasm");
        let mut args = vec!["test", module.as_str()];
        args.extend(fixtures);
        let run = crate::util::bulwark(&args);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("ok "), "{}", run.stdout);
        let engine = bulwark_scan::ScannerBuilder::new()
            .builtins(bulwark_scan::Builtins::None)
            .module(bulwark_scan::modules::ExtraModule {
                path: module.clone().into(),
                sha256: bulwark_evidence::sha256_hex(&std::fs::read(&module).expect("module")),
                signature: None,
                declared: None,
            })
            .build()
            .expect("scanner");
        assert_eq!(engine.modules()[0].contract(), version);
        assert_eq!(scan(&engine), builtin, "{version}");
    }
    let current = bulwark_scan::ScannerBuilder::new()
        .build()
        .expect("scanner");
    assert!(
        current
            .modules()
            .iter()
            .all(|m| m.contract() == bulwark_core::WIT_PACKAGE_VERSION)
    );
}
