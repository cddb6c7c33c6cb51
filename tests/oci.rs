//! Rule modules as OCI artifacts, through Debian's `docker-registry` (CNCF
//! Distribution 2.8) started on a free loopback port by each test, with
//! and without an `htpasswd` login: `bulwark push`, `pull`, `sign` (the
//! signature attached as a referrer), `--rules oci://…@sha256:…`,
//! `rules: - oci:` in `.bulwark.yaml`, the cache and `--offline`.
//!
//! Distribution 2.8 has no Referrers API, so signatures pushed to it go
//! through the referrers tag (`sha256-HEX`) the Distribution
//! specification defines for such registries. The Referrers API path is
//! tested through a proxy in front of the same Distribution that adds the
//! API as the specification describes it ([`ReferrersApi`]): the
//! `OCI-Subject` header on a pushed manifest with a `subject`, and
//! `GET /v2/NAME/referrers/DIGEST`; there `bulwark sign` writes no tag and
//! the signature is found through the API.
//!
//! Standard clients read what `bulwark push` writes (`skopeo`, Debian; the
//! `oras` package, PyPI) and bulwark reads what `oras` pushes.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::images::{have, skip};
use crate::registry::{Registry, fake_server, isolated};
use crate::util::{Run, root, s};

const MODULE: &str = "rules-wasm/dist/hostile.wasm";
const WASM_CONFIG: &str = "application/vnd.wasm.config.v0+json";

fn module_bytes() -> Vec<u8> {
    std::fs::read(root().join(MODULE)).expect("the hostile module")
}

fn sha256(bytes: &[u8]) -> String {
    bulwark_evidence::sha256_hex(bytes)
}

/// Runs bulwark isolated in `dir` with the module cache `cache`.
fn run(dir: &Path, cache: &str, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let cache = dir.join(cache);
    let mut all: Vec<(&str, &Path)> = vec![("BULWARK_CACHE_DIR", cache.as_path())];
    all.extend_from_slice(env);
    isolated(dir, args, &all)
}

/// `bulwark sign PIN --key k.key --format json`, which must succeed.
fn sign(dir: &Path, pin: &str, env: &[(&str, &Path)]) -> Run {
    let key = s(&dir.join("k.key"));
    let signed = run(
        dir,
        "cache",
        &["sign", pin, "--key", &key, "--format", "json"],
        env,
    );
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    signed
}

/// Pushes the hostile module to `reference`; its pin and manifest digest.
fn push(dir: &Path, reference: &str, env: &[(&str, &Path)]) -> (String, String) {
    let pushed = run(
        dir,
        "cache-push",
        &[
            "push",
            &s(&root().join(MODULE)),
            reference,
            "--module-version",
            "1.0.0",
            "--source",
            "https://example.com/acme/rules",
            "--description",
            "Test rules",
            "--license",
            "Apache-2.0",
            "--format",
            "json",
        ],
        env,
    );
    assert_eq!(pushed.code, 0, "{}{}", pushed.stdout, pushed.stderr);
    let json = pushed.json();
    (
        json["pin"].as_str().unwrap_or_default().to_owned(),
        json["digest"].as_str().unwrap_or_default().to_owned(),
    )
}

/// A Dockerfile the hostile module's `hostile-ok` reports.
fn dockerfile(dir: &Path) -> String {
    let path = dir.join("Dockerfile");
    std::fs::write(&path, "FROM alpine:3.20\n").expect("write");
    s(&path)
}

/// `scan DOCKERFILE --rules PIN --rule hostile-ok` with `extra` flags.
fn scan_with(dir: &Path, cache: &str, pin: &str, extra: &[&str], env: &[(&str, &Path)]) -> Run {
    let file = dockerfile(dir);
    let mut args = vec![
        "scan",
        "--no-config",
        "--format",
        "json",
        "--rules",
        pin,
        "--rule",
        "hostile-ok",
    ];
    args.extend_from_slice(extra);
    args.push(&file);
    run(dir, cache, &args, env)
}

fn reported_hostile_ok(run: &Run) -> bool {
    run.code == 1
        && run.json()["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["rule_id"] == "hostile-ok"))
}

/// The evidence's record of the hostile module.
fn hostile_record(evidence: &Path) -> serde_json::Value {
    let predicate = crate::config::predicate_of(evidence);
    predicate["modules"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["name"] == "hostile"))
        .cloned()
        .unwrap_or_default()
}

/// Asserts that `run` was refused (exit 2) with each of `said` in its
/// error.
fn refused(run: &Run, said: &[&str]) {
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    for text in said {
        assert!(run.stderr.contains(text), "no `{text}` in: {}", run.stderr);
    }
}

/// The layer blob of the hostile module in the cache `cache`.
fn cached_layer(dir: &Path, cache: &str) -> PathBuf {
    dir.join(cache)
        .join("blobs/sha256")
        .join(sha256(&module_bytes()))
}

#[test]
fn a_module_is_pushed_pinned_pulled_cached_and_run_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let Some(registry) = Registry::start(dir, None) else {
        return;
    };
    let reference = format!("{}/acme/hostile:1", registry.host);
    let (pin, digest) = push(dir, &reference, &[]);
    assert_eq!(pin, format!("oci://{reference}@{digest}"));
    // Nothing in the manifest is a date: the same module pushes to the
    // same digest.
    assert_eq!(push(dir, &reference, &[]).1, digest);

    // Something that does not load as a rule module is not pushed.
    let empty = dir.join("empty.wasm");
    std::fs::write(&empty, b"\0asm\x0d\0\x01\0").expect("write");
    let not_module = run(dir, "cache", &["push", &s(&empty), &reference], &[]);
    refused(&not_module, &["refusing to push", "bulwark:rules"]);

    // Pinned: fetched, verified, run; the evidence records it.
    let keys = dir.join("k");
    assert_eq!(
        run(dir, "cache", &["keygen", "--out", &s(&keys)], &[]).code,
        0
    );
    let evidence = dir.join("evidence.json");
    let scanned = scan_with(
        dir,
        "cache",
        &pin,
        &["--evidence", &s(&evidence), "--key", &s(&dir.join("k.key"))],
        &[],
    );
    assert!(
        reported_hostile_ok(&scanned),
        "{}{}",
        scanned.stdout,
        scanned.stderr
    );
    let record = hostile_record(&evidence);
    assert_eq!(record["reference"], pin.as_str(), "{record}");
    assert_eq!(record["manifest_digest"], digest.as_str());
    assert_eq!(record["sha256"], sha256(&module_bytes()).as_str());
    assert_eq!(record["source"], pin.as_str());

    // Unpinned: refused with the digest the tag names now.
    let unpinned = scan_with(dir, "cache", &format!("oci://{reference}"), &[], &[]);
    refused(&unpinned, &[&pin]);

    // The same pin in .bulwark.yaml; without the digest the error is at
    // its line, with the pin.
    let config = dir.join("bulwark.yaml");
    std::fs::write(
        &config,
        format!("rules:\n  - oci: {reference}\n    digest: {digest}\nenable: [hostile-ok]\n"),
    )
    .expect("write");
    let file = dockerfile(dir);
    let configured = run(
        dir,
        "cache",
        &["scan", "--config", &s(&config), "--format", "json", &file],
        &[],
    );
    assert!(
        reported_hostile_ok(&configured),
        "{}{}",
        configured.stdout,
        configured.stderr
    );
    std::fs::write(
        &config,
        format!("enable: [hostile-ok]\nrules:\n  - oci: {reference}\n"),
    )
    .expect("write");
    let loose = run(dir, "cache", &["scan", "--config", &s(&config), &file], &[]);
    refused(&loose, &["bulwark.yaml:3:5", &pin]);

    // A digest the repository does not have.
    let other = format!("oci://{reference}@sha256:{}", "0".repeat(64));
    let missing = scan_with(dir, "cache-2", &other, &[], &[]);
    refused(&missing, &["not found (404)"]);

    // `pull` fills a cache, and says when it needed no download.
    let pulled = run(
        dir,
        "cache-3",
        &["pull", &reference, "--format", "json"],
        &[],
    );
    assert_eq!(pulled.code, 0, "{}", pulled.stderr);
    assert_eq!(pulled.json()["pin"], pin.as_str());
    assert!(pulled.json()["downloaded"].as_u64() > Some(0));
    let again = run(dir, "cache-3", &["pull", &pin, "--format", "json"], &[]);
    assert_eq!(again.json()["downloaded"], 0, "{}", again.stdout);

    // A poisoned cache: other bytes under the module's name are hashed,
    // dropped and fetched again, never run.
    let layer = cached_layer(dir, "cache-3");
    let secrets = std::fs::read(root().join("rules-wasm/dist/secrets.wasm")).expect("secrets");
    std::fs::write(&layer, &secrets).expect("poison");
    let healed = scan_with(dir, "cache-3", &pin, &[], &[]);
    assert!(
        reported_hostile_ok(&healed),
        "{}{}",
        healed.stdout,
        healed.stderr
    );
    assert_eq!(std::fs::read(&layer).expect("layer"), module_bytes());

    // The registry sends other bytes for the layer: refused.
    let stored = registry.blob_file(&format!("sha256:{}", sha256(&module_bytes())));
    std::fs::write(&stored, &secrets).expect("tamper");
    let tampered = scan_with(dir, "cache-4", &pin, &[], &[]);
    refused(&tampered, &[&pin, "digest"]);

    // Registry gone: the cached module still runs, with or without
    // --offline; an uncached one is refused offline, naming `pull`.
    drop(registry);
    let cached = scan_with(dir, "cache-3", &pin, &["--offline"], &[]);
    assert!(
        reported_hostile_ok(&cached),
        "{}{}",
        cached.stdout,
        cached.stderr
    );
    let cached = scan_with(dir, "cache", &pin, &[], &[]);
    assert!(
        reported_hostile_ok(&cached),
        "{}{}",
        cached.stdout,
        cached.stderr
    );
    std::fs::write(&layer, &secrets).expect("poison");
    for cache in ["cache-3", "cache-5"] {
        let offline = scan_with(dir, cache, &pin, &["--offline"], &[]);
        refused(&offline, &["--offline", "bulwark pull"]);
    }
}

/// `skopeo inspect --raw` of `reference` with `extra` flags, as JSON.
fn skopeo_raw(reference: &str, extra: &[&str]) -> serde_json::Value {
    let out = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .args(extra)
        .arg(format!("docker://{reference}"))
        .output()
        .expect("skopeo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn signatures_are_attached_as_referrers_and_checked_with_the_trusted_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let login = ("ci", "s3cret-Passw0rd");
    let Some(registry) = Registry::start(dir, Some(login)) else {
        return;
    };
    if !have("skopeo") {
        skip("`skopeo` is not installed");
        return;
    }
    let reference = format!("{}/acme/signed:1", registry.host);

    // Without credentials: 401, saying where none were found.
    let no_login = run(
        dir,
        "cache",
        &["push", &s(&root().join(MODULE)), &reference],
        &[],
    );
    refused(&no_login, &["unauthorized (401)"]);

    use base64::Engine as _;
    let auth = dir.join("auth.json");
    std::fs::write(
        &auth,
        serde_json::json!({"auths": {registry.host.as_str(): {"auth": base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", login.0, login.1))}}}).to_string(),
    )
    .expect("write");
    let env: [(&str, &Path); 1] = [("REGISTRY_AUTH_FILE", auth.as_path())];
    let (pin, digest) = push(dir, &reference, &env);

    for name in ["k", "other"] {
        let out = s(&dir.join(name));
        assert_eq!(run(dir, "cache", &["keygen", "--out", &out], &[]).code, 0);
    }
    let k_pub = s(&dir.join("k.pub"));
    let other_pub = s(&dir.join("other.pub"));

    // Trusted keys and no signature: refused, saying how to sign.
    let unsigned = scan_with(dir, "cache", &pin, &["--trusted-key", &k_pub], &env);
    refused(
        &unsigned,
        &[&pin, "no signature is attached", "bulwark sign"],
    );

    // Signed: the signature is an artifact whose subject is the module's
    // manifest, listed under the referrers tag (no Referrers API here).
    let signed = sign(dir, &pin, &env);
    let tag = digest.replace(':', "-");
    assert_eq!(signed.json()["referrers_tag"], tag.as_str());
    let signature = signed.json()["signature"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let creds = format!("--creds={}:{}", login.0, login.1);
    let index = skopeo_raw(&format!("{}/acme/signed:{tag}", registry.host), &[&creds]);
    assert_eq!(
        index["manifests"][0]["digest"],
        signature.as_str(),
        "{index}"
    );
    assert_eq!(
        index["manifests"][0]["artifactType"],
        "application/vnd.dev.bulwark.signature.v1+json"
    );
    let manifest = skopeo_raw(
        &format!("{}/acme/signed@{signature}", registry.host),
        &[&creds],
    );
    assert_eq!(manifest["subject"]["digest"], digest.as_str(), "{manifest}");

    // The trusted key's signature: runs; the evidence names the signer.
    let evidence = dir.join("evidence.json");
    let trusted = scan_with(
        dir,
        "cache",
        &pin,
        &[
            "--trusted-key",
            &k_pub,
            "--evidence",
            &s(&evidence),
            "--key",
            &s(&dir.join("k.key")),
        ],
        &env,
    );
    assert!(
        reported_hostile_ok(&trusted),
        "{}{}",
        trusted.stdout,
        trusted.stderr
    );
    let record = hostile_record(&evidence);
    assert_eq!(record["manifest_digest"], digest.as_str());
    assert!(
        record["signed_by"].as_str().is_some_and(|k| !k.is_empty()),
        "{record}"
    );

    // Kept with the module: offline runs check the cached signature.
    let offline = scan_with(
        dir,
        "cache",
        &pin,
        &["--trusted-key", &k_pub, "--offline"],
        &env,
    );
    assert!(
        reported_hostile_ok(&offline),
        "{}{}",
        offline.stdout,
        offline.stderr
    );

    // A signature by a key not trusted: refused on pull and on scan.
    let foreign = run(
        dir,
        "cache",
        &["pull", &pin, "--trusted-key", &other_pub],
        &env,
    );
    refused(&foreign, &["not signed by any trusted key"]);

    // The configuration's `trusted-keys` apply to `pull` as to a scan.
    let config = dir.join("trusting-other.yaml");
    std::fs::write(&config, "trusted-keys: [other.pub]\n").expect("write");
    let configured = run(dir, "cache", &["pull", &pin, "--config", &s(&config)], &env);
    refused(&configured, &["not signed by any trusted key"]);

    // A second signature joins the first under the tag.
    let second = run(
        dir,
        "cache",
        &["sign", &pin, "--key", &s(&dir.join("other.key"))],
        &env,
    );
    assert_eq!(second.code, 0, "{}", second.stderr);
    let index = skopeo_raw(&format!("{}/acme/signed:{tag}", registry.host), &[&creds]);
    assert_eq!(
        index["manifests"].as_array().map(Vec::len),
        Some(2),
        "{index}"
    );
    let now = run(
        dir,
        "cache",
        &["pull", &pin, "--trusted-key", &other_pub],
        &env,
    );
    assert_eq!(now.code, 0, "{}", now.stderr);
    let now = run(dir, "cache", &["pull", &pin, "--config", &s(&config)], &env);
    assert_eq!(now.code, 0, "{}", now.stderr);

    // A tampered signature (its bytes changed in the registry's storage):
    // refused, naming the module.
    let first = skopeo_raw(
        &format!("{}/acme/signed@{signature}", registry.host),
        &[&creds],
    );
    let envelope_digest = first["layers"][0]["digest"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let stored = registry.blob_file(&envelope_digest);
    let mut envelope: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&stored).expect("envelope")).expect("json");
    envelope["signatures"][0]["sig"] = serde_json::json!("AAAA");
    std::fs::write(&stored, envelope.to_string()).expect("tamper");
    let tampered = scan_with(dir, "cache-fresh", &pin, &["--trusted-key", &k_pub], &env);
    refused(&tampered, &[&pin, &envelope_digest]);
}

/// The Python with the `oras` package: `$BULWARK_ORAS_PYTHON`, else the
/// venv `.ci/run` makes; `None` (a skip) when there is none.
fn oras_python() -> Option<PathBuf> {
    let python = std::env::var_os("BULWARK_ORAS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/interop-venv/bin/python"));
    let works = Command::new(&python)
        .args(["-c", "import oras.client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(python);
    }
    assert!(
        std::env::var_os("BULWARK_REQUIRE_TOOLS").is_none(),
        "the `oras` Python package is required (BULWARK_REQUIRE_TOOLS is set): {}",
        python.display()
    );
    skip("no Python with the `oras` package (pip install oras; BULWARK_ORAS_PYTHON)");
    None
}

fn oras(python: &Path, args: &[&str]) -> String {
    let out = Command::new(python)
        .arg(root().join("tests/interop/oras_module.py"))
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "oras {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn standard_clients_read_what_bulwark_pushes_and_bulwark_reads_what_oras_pushes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let Some(registry) = Registry::start(dir, None) else {
        return;
    };
    if !have("skopeo") {
        skip("`skopeo` is not installed");
        return;
    }
    let Some(python) = oras_python() else {
        return;
    };
    let host = registry.host.clone();
    let reference = format!("{host}/acme/hostile:1");
    let (_, digest) = push(dir, &reference, &[]);

    // skopeo: the manifest, the config, a copy that keeps the digest.
    let manifest = skopeo_raw(&reference, &[]);
    assert_eq!(manifest["config"]["mediaType"], WASM_CONFIG);
    assert_eq!(manifest["layers"][0]["mediaType"], "application/wasm");
    assert_eq!(
        manifest["layers"][0]["digest"],
        format!("sha256:{}", sha256(&module_bytes())).as_str()
    );
    let annotations = &manifest["annotations"];
    assert!(
        annotations["dev.bulwark.rules"]
            .as_str()
            .is_some_and(|r| r.split(',').any(|r| r == "hostile-ok")),
        "{annotations}"
    );
    assert_eq!(annotations["org.opencontainers.image.version"], "1.0.0");
    assert_eq!(
        annotations["org.opencontainers.image.source"],
        "https://example.com/acme/rules"
    );
    assert_eq!(
        annotations["org.opencontainers.image.licenses"],
        "Apache-2.0"
    );
    let config = skopeo_raw(&reference, &["--config"]);
    assert_eq!(config["architecture"], "wasm");
    assert_eq!(
        config["layerDigests"][0], manifest["layers"][0]["digest"],
        "{config}"
    );
    assert!(
        config["component"]["exports"].as_array().is_some_and(|e| e
            .iter()
            .any(|e| e.as_str().is_some_and(|e| e.starts_with("bulwark:rules/")))),
        "{config}"
    );
    let layout = dir.join("copied");
    let copy = Command::new("skopeo")
        .args(["copy", "--quiet", "--src-tls-verify=false"])
        .arg(format!("docker://{reference}"))
        .arg(format!("oci:{}:copied", layout.display()))
        .output()
        .expect("skopeo runs");
    assert!(
        copy.status.success(),
        "{}",
        String::from_utf8_lossy(&copy.stderr)
    );
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).expect("index"))
            .expect("json");
    assert_eq!(index["manifests"][0]["digest"], digest.as_str());

    // oras pulls the component bytes.
    let out = dir.join("pulled");
    let files = oras(&python, &["pull", &reference, &s(&out)]);
    assert!(files.ends_with("hostile.wasm"), "{files}");
    assert_eq!(
        std::fs::read(out.join("hostile.wasm")).expect("pulled"),
        module_bytes()
    );

    // bulwark pulls and runs what oras pushed in the same layout.
    let from_oras = format!("{host}/acme/from-oras:1");
    let oras_digest = oras(
        &python,
        &[
            "push",
            &from_oras,
            &s(&root().join(MODULE)),
            "application/wasm",
            WASM_CONFIG,
        ],
    );
    let pulled = run(dir, "cache", &["pull", &from_oras, "--format", "json"], &[]);
    assert_eq!(pulled.code, 0, "{}", pulled.stderr);
    assert_eq!(pulled.json()["digest"], oras_digest.as_str());
    assert_eq!(pulled.json()["name"], "hostile");
    let pin = pulled.json()["pin"].as_str().unwrap_or_default().to_owned();
    let scanned = scan_with(dir, "cache", &pin, &[], &[]);
    assert!(
        reported_hostile_ok(&scanned),
        "{}{}",
        scanned.stdout,
        scanned.stderr
    );

    // What is not a rule module is refused, saying what it is.
    let text = dir.join("notes.wasm");
    std::fs::write(&text, "just text\n").expect("write");
    let empty = dir.join("empty.wasm");
    std::fs::write(&empty, b"\0asm\x0d\0\x01\0").expect("write");
    let wasm = s(&root().join(MODULE));
    let (text, empty) = (s(&text), s(&empty));
    let cases: [(&str, Vec<&str>, &str); 4] = [
        (
            "text",
            vec![&text, "application/wasm", WASM_CONFIG],
            "is not a WebAssembly component",
        ),
        (
            "world",
            vec![&empty, "application/wasm", WASM_CONFIG],
            "does not export the bulwark:rules",
        ),
        (
            "helm",
            vec![
                &wasm,
                "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
                "application/vnd.cncf.helm.config.v1+json",
            ],
            "an artifact with config `application/vnd.cncf.helm.config.v1+json`, not a bulwark rule module",
        ),
        (
            "two",
            vec![
                &wasm,
                "application/wasm",
                WASM_CONFIG,
                &text,
                "application/wasm",
            ],
            "2 layers: a rule module is one `application/wasm` layer",
        ),
    ];
    for (name, args, expected) in cases {
        let target = format!("{host}/acme/bad-{name}:1");
        let mut all = vec!["push", target.as_str()];
        all.extend(args.iter().copied());
        let bad_digest = oras(&python, &all);
        let bad_pin = format!("oci://{target}@{bad_digest}");
        for attempt in [
            run(dir, "cache", &["pull", &target], &[]),
            scan_with(dir, "cache", &bad_pin, &[], &[]),
        ] {
            assert_eq!(
                attempt.code, 2,
                "{name}: {}{}",
                attempt.stdout, attempt.stderr
            );
            assert!(
                attempt.stderr.contains(expected) && attempt.stderr.contains(&target),
                "{name}: {}",
                attempt.stderr
            );
        }
    }
}

#[test]
fn a_registry_that_fails_or_never_answers_refuses_the_module_in_bounded_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let pinned = |host: &str| format!("oci://{host}/acme/rules:1@sha256:{}", "a".repeat(64));
    let silent = fake_server(None);
    let started = std::time::Instant::now();
    let hung = scan_with(
        dir,
        "cache",
        &pinned(&silent),
        &["--registry-timeout", "1s"],
        &[],
    );
    refused(&hung, &["no answer within 1 s (3 attempts)", &silent]);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));

    let failing = fake_server(Some(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops!",
    ));
    let pull = run(
        dir,
        "cache",
        &["pull", &pinned(&failing), "--registry-timeout", "2s"],
        &[],
    );
    refused(&pull, &["answered 500"]);
}

/// A registry with the Referrers API: a proxy in front of a Distribution
/// (which has none) that does what the Distribution specification asks of
/// one. A manifest pushed with a `subject` is recorded and answered with
/// the `OCI-Subject` header; `GET /v2/NAME/referrers/DIGEST` lists what
/// was recorded as an image index (filtered by `artifactType`). Every
/// other request goes to the registry unchanged, one per connection.
struct ReferrersApi {
    host: String,
    /// How many referrers requests were answered.
    answered: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

type Recorded = std::sync::Arc<std::sync::Mutex<Vec<(String, String, serde_json::Value)>>>;

impl ReferrersApi {
    fn start(upstream: &str) -> ReferrersApi {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let host = listener.local_addr().expect("addr").to_string();
        let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let recorded: Recorded = std::sync::Arc::default();
        let (upstream, count) = (upstream.to_owned(), answered.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (upstream, recorded, count) =
                    (upstream.clone(), recorded.clone(), count.clone());
                std::thread::spawn(move || {
                    let _ = Self::serve(stream, &upstream, &recorded, &count);
                });
            }
        });
        ReferrersApi { host, answered }
    }

    fn serve(
        mut client: std::net::TcpStream,
        upstream: &str,
        recorded: &Recorded,
        count: &std::sync::atomic::AtomicUsize,
    ) -> std::io::Result<()> {
        use std::io::{BufRead, BufReader, Read, Write};
        let mut reader = BufReader::new(client.try_clone()?);
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            head.push(line.trim_end().to_owned());
        }
        let request = head.first().cloned().unwrap_or_default();
        let mut parts = request.split(' ');
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let length: usize = head
            .iter()
            .find_map(|h| {
                h.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().to_owned())
            })
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        assert!(
            !head
                .iter()
                .any(|h| h.to_ascii_lowercase().starts_with("transfer-encoding")),
            "chunked requests are not proxied: {head:?}"
        );
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let path = target.split('?').next().unwrap_or(target);
        if method == "GET"
            && let Some((name, digest)) = path
                .strip_prefix("/v2/")
                .and_then(|p| p.split_once("/referrers/"))
        {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let wanted = target.split_once("artifactType=").map(|(_, t)| {
                t.split('&')
                    .next()
                    .unwrap_or(t)
                    .replace("%2B", "+")
                    .replace("%2F", "/")
            });
            let manifests: Vec<serde_json::Value> = recorded
                .lock()
                .expect("lock")
                .iter()
                .filter(|(n, d, m)| {
                    n == name
                        && d == digest
                        && wanted.as_deref().is_none_or(|t| m["artifactType"] == t)
                })
                .map(|(_, _, m)| m.clone())
                .collect();
            let index = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": manifests,
            })
            .to_string();
            return write!(
                client,
                "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.index.v1+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{index}",
                index.len()
            );
        }
        let mut server = std::net::TcpStream::connect(upstream)?;
        for line in &head {
            if !line.to_ascii_lowercase().starts_with("connection:") {
                write!(server, "{line}\r\n")?;
            }
        }
        write!(server, "Connection: close\r\n\r\n")?;
        server.write_all(&body)?;
        let mut response = Vec::new();
        server.read_to_end(&mut response)?;
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(response.len());
        let mut response_head = String::from_utf8_lossy(&response[..split]).into_owned();
        let rest = response[split..].to_vec();
        let pushed =
            method == "PUT" && path.contains("/manifests/") && response_head.contains(" 201 ");
        if let (true, Ok(manifest)) = (pushed, serde_json::from_slice::<serde_json::Value>(&body))
            && let Some(subject) = manifest["subject"]["digest"].as_str()
        {
            let name = path
                .strip_prefix("/v2/")
                .and_then(|p| p.split_once("/manifests/"))
                .map(|(n, _)| n.to_owned())
                .unwrap_or_default();
            let descriptor = serde_json::json!({
                "mediaType": manifest["mediaType"],
                "digest": format!("sha256:{}", sha256(&body)),
                "size": body.len(),
                "artifactType": manifest["artifactType"],
                "annotations": manifest["annotations"],
            });
            recorded
                .lock()
                .expect("lock")
                .push((name, subject.to_owned(), descriptor));
            response_head.push_str(&format!("\r\nOCI-Subject: {subject}"));
        }
        client.write_all(response_head.as_bytes())?;
        client.write_all(&rest)?;
        client.flush()
    }
}

#[test]
fn with_the_referrers_api_signatures_are_found_through_it_and_no_tag_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    let Some(registry) = Registry::start(dir, None) else {
        return;
    };
    if !have("skopeo") {
        skip("`skopeo` is not installed");
        return;
    }
    let api = ReferrersApi::start(&registry.host);
    let reference = format!("{}/acme/hostile:1", api.host);
    let (pin, digest) = push(dir, &reference, &[]);
    assert_eq!(
        run(dir, "cache", &["keygen", "--out", &s(&dir.join("k"))], &[]).code,
        0
    );
    let signed = sign(dir, &pin, &[]);
    assert_eq!(
        signed.json()["referrers_tag"],
        serde_json::Value::Null,
        "{}",
        signed.stdout
    );
    let tags = Command::new("skopeo")
        .args(["list-tags", "--tls-verify=false"])
        .arg(format!("docker://{}/acme/hostile", registry.host))
        .output()
        .expect("skopeo runs");
    let tags = String::from_utf8_lossy(&tags.stdout);
    assert!(
        !tags.contains(&digest.replace(':', "-")),
        "no referrers tag where the API answers: {tags}"
    );
    let before = api.answered.load(std::sync::atomic::Ordering::SeqCst);
    let trusted = scan_with(
        dir,
        "cache-fresh",
        &pin,
        &["--trusted-key", &s(&dir.join("k.pub"))],
        &[],
    );
    assert!(
        reported_hostile_ok(&trusted),
        "{}{}",
        trusted.stdout,
        trusted.stderr
    );
    assert!(
        api.answered.load(std::sync::atomic::Ordering::SeqCst) > before,
        "the signature was found through the Referrers API"
    );
}
