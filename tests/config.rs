//! `.bulwark.yaml`, suppressions, exceptions and baselines, end to end.

use std::path::Path;

use crate::util::{bulwark, bulwark_env, s, write};

const DIGEST: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// `bulwark scan ARGS… --evidence … --key …` with a fresh key pair: the run
/// and the predicate of the evidence it signed.
fn signed_scan(args: &[&str]) -> (crate::util::Run, serde_json::Value) {
    let keys = tempfile::tempdir().expect("tempdir");
    assert_eq!(
        bulwark(&["keygen", "--out", &s(&keys.path().join("k"))]).code,
        0
    );
    let evidence = keys.path().join("evidence.json");
    let (evidence_arg, key_arg) = (s(&evidence), s(&keys.path().join("k.key")));
    let mut full = vec!["scan"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--evidence", &evidence_arg, "--key", &key_arg]);
    let run = bulwark(&full);
    let predicate = if evidence.is_file() {
        predicate_of(&evidence)
    } else {
        serde_json::Value::Null
    };
    (run, predicate)
}

/// The predicate of the signed statement in `evidence`.
pub fn predicate_of(evidence: &Path) -> serde_json::Value {
    use base64::Engine as _;
    let envelope: serde_json::Value =
        serde_json::from_slice(&std::fs::read(evidence).expect("evidence")).expect("json");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().expect("payload"))
        .expect("base64");
    let statement: serde_json::Value = serde_json::from_slice(&payload).expect("statement");
    statement["predicate"].clone()
}

fn sha256_hex(bytes: &[u8]) -> String {
    bulwark_evidence::sha256_hex(bytes)
}

fn rules_of(json: &serde_json::Value, key: &str) -> Vec<String> {
    json[key]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| format!("{}@{}", f["rule_id"].as_str().unwrap_or(""), f["line"]))
        .collect()
}

#[test]
fn configuration_sets_threshold_rules_severities_and_exclusions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "app/Dockerfile", "FROM alpine:3.20\nUSER 10001\n");
    write(root, "vendor/lib/Dockerfile", "FROM alpine\n");
    write(
        root,
        ".bulwark.yaml",
        "fail-on: high\ndisable: [docker-base-unpinned]\nseverity:\n  docker-healthcheck-missing: high\nexclude: [vendor]\n",
    );
    let run = bulwark(&["scan", "--format", "json", &s(root)]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(
        rules_of(&json, "findings"),
        ["docker-healthcheck-missing@1"]
    );
    assert_eq!(json["findings"][0]["severity"], "high");
    assert_eq!(json["summary"]["files"], 1, "vendor/ is excluded");
    assert_eq!(json["summary"]["fail_on"], "high");

    // Flags win over the file.
    let run = bulwark(&["scan", "--fail-on", "critical", &s(root)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // Without the file, every rule and every path again.
    let run = bulwark(&["scan", "--no-config", "--format", "json", &s(root)]);
    let json = run.json();
    assert_eq!(json["summary"]["files"], 2);
    assert!(rules_of(&json, "findings").contains(&"docker-base-unpinned@1".to_owned()));

    // A bad value: exit 2, the file, line and column.
    write(
        root,
        ".bulwark.yaml",
        "fail-on: high\nseverity:\n  docker-healthcheck: low\n",
    );
    let run = bulwark(&["scan", &s(root)]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(".bulwark.yaml:3:3: severity: no rule `docker-healthcheck`"),
        "{}",
        run.stderr
    );
    write(root, ".bulwark.yaml", "fail-on: high\nfial-on: low\n");
    let run = bulwark(&["scan", &s(root)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains(".bulwark.yaml:2:1: unknown key `fial-on` (did you mean `fail-on`?)"),
        "{}",
        run.stderr
    );
}

#[test]
fn configured_modules_must_match_their_pin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "Dockerfile", "FROM alpine:3.20\n");
    let module = crate::util::root().join("rules-wasm/dist/secrets.wasm");
    write(
        root,
        ".bulwark.yaml",
        &format!("rules:\n  - path: {}\n    sha256: {DIGEST}\n", s(&module)),
    );
    let run = bulwark(&["scan", &s(root)]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!("sha256 {DIGEST} pinned"))
            && run.stderr.contains("on disk; refusing to run it"),
        "{}",
        run.stderr
    );
}

/// A repository with an inline suppression, one without a reason, an
/// annotation, an exception in force and an expired one.
fn suppressing_repository(root: &Path) {
    write(
        root,
        "app/Dockerfile",
        &format!(
            "# bulwark:ignore docker-healthcheck-missing -- batch job, nothing to probe\nFROM alpine:3.20@sha256:{DIGEST}\n# bulwark:ignore docker-user-root\nUSER root\n"
        ),
    );
    write(
        root,
        "deploy/job.yaml",
        &format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    bulwark.dev/ignore.pss-run-as-non-root: \"uid 10001 is set in the image\"\nspec:\n  template:\n    spec:\n      containers:\n        - name: migrate\n          image: registry.example.com/migrate@sha256:{DIGEST}\n          securityContext:\n            allowPrivilegeEscalation: false\n"
        ),
    );
    write(
        root,
        ".bulwark.yaml",
        "exceptions:\n  - rule: pss-seccomp-required\n    path: deploy/**\n    reason: the cluster's admission policy sets RuntimeDefault\n    owner: platform@example.com\n    expires: 2099-12-31\n  - rule: pss-capabilities-restricted\n    object: {kind: Job, name: migrate}\n    reason: waiting for the base image to drop NET_RAW\n    owner: platform@example.com\n    expires: 2020-01-31\n",
    );
}

#[test]
fn suppressions_and_exceptions_are_listed_never_silent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    suppressing_repository(root);
    let run = bulwark(&["scan", "--format", "json", &s(root)]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    let findings = rules_of(&json, "findings");
    // No reason, no suppression: the finding stays and the comment is one.
    assert!(
        findings.contains(&"bulwark-suppression-reason@3".to_owned()),
        "{findings:?}"
    );
    assert!(
        findings.contains(&"docker-user-root@4".to_owned()),
        "{findings:?}"
    );
    // The expired exception no longer applies.
    assert!(
        findings.contains(&"pss-capabilities-restricted@11".to_owned()),
        "{findings:?}"
    );
    assert_eq!(
        rules_of(&json, "suppressed"),
        [
            "docker-healthcheck-missing@2",
            "pss-run-as-non-root@11",
            "pss-seccomp-required@11"
        ]
    );
    let suppressed = &json["suppressed"];
    assert_eq!(suppressed[0]["kind"], "inline");
    assert_eq!(suppressed[0]["reason"], "batch job, nothing to probe");
    let declared = |i: usize| {
        suppressed[i]["declared_at"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert!(declared(0).ends_with("app/Dockerfile:1"), "{}", declared(0));
    assert_eq!(suppressed[1]["kind"], "annotation");
    assert!(
        declared(1).ends_with("deploy/job.yaml:6"),
        "{}",
        declared(1)
    );
    assert_eq!(suppressed[2]["kind"], "exception");
    assert_eq!(suppressed[2]["owner"], "platform@example.com");
    assert_eq!(suppressed[2]["expires"], "2099-12-31");
    assert!(declared(2).ends_with(".bulwark.yaml:2"), "{}", declared(2));
    let exceptions = &json["exceptions"];
    assert_eq!(exceptions[0]["status"], "active");
    assert_eq!(exceptions[0]["applied"], 1);
    assert_eq!(exceptions[1]["status"], "expired");
    assert_eq!(exceptions[1]["applied"], 0);
    assert!(
        json["notices"][0]
            .as_str()
            .is_some_and(|n| n.contains("pss-capabilities-restricted")
                && n.contains("expired on 2020-01-31")),
        "{}",
        json["notices"]
    );

    // The human report counts them.
    let run = bulwark(&["scan", &s(root)]);
    assert!(run.stdout.contains("; 3 suppressed"), "{}", run.stdout);

    // SARIF: suppressed results carry a suppression with its reason; the
    // suppression without a reason is a result of its own rule; the
    // expired exception is a notification and listed with its status.
    let run = bulwark(&["scan", "--format", "sarif", &s(root)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = run.json();
    let sarif_run = &log["runs"][0];
    let results = sarif_run["results"].as_array().cloned().unwrap_or_default();
    let suppressions: Vec<(String, String, String)> = results
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .map(|r| {
            let s = &r["suppressions"][0];
            (
                r["ruleId"].as_str().unwrap_or("").to_owned(),
                s["kind"].as_str().unwrap_or("").to_owned(),
                s["justification"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(suppressions.len(), 3, "{suppressions:?}");
    assert_eq!(
        suppressions[0],
        (
            "docker-healthcheck-missing".to_owned(),
            "inSource".to_owned(),
            "batch job, nothing to probe".to_owned()
        )
    );
    assert_eq!(
        suppressions[1].1, "inSource",
        "annotations are in the source"
    );
    assert_eq!(
        suppressions[2].1, "external",
        "exceptions live in the config"
    );
    let unreasoned = results
        .iter()
        .find(|r| r["ruleId"] == "bulwark-suppression-reason")
        .expect("the suppression without a reason");
    let index = unreasoned["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
    assert_eq!(
        sarif_run["tool"]["driver"]["rules"][index]["id"],
        "bulwark-suppression-reason"
    );
    assert!(
        sarif_run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|n| n["message"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("expired on 2020-01-31"))),
        "{}",
        sarif_run["invocations"]
    );
    assert_eq!(
        sarif_run["properties"]["exceptions"][1]["status"],
        "expired"
    );

    // The evidence records them.
    let (run, predicate) = signed_scan(&[&s(root)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(predicate["suppressed"].as_array().map(Vec::len), Some(3));
    assert_eq!(predicate["exceptions"][1]["status"], "expired");
    assert_eq!(predicate["exceptions"][0]["owner"], "platform@example.com");
}

#[test]
fn a_baseline_reports_only_new_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "Dockerfile",
        "FROM alpine:3.20\nUSER root\nADD app /app\n",
    );
    let baseline = root.join("baseline.json");
    let run = bulwark(&[
        "scan",
        &s(root),
        "--no-config",
        "--write-baseline",
        &s(&baseline),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Lines move, one finding is new.
    write(
        root,
        "Dockerfile",
        "# syntax=docker/dockerfile:1\n\nFROM alpine:3.20\nUSER root\nADD app /app\nADD more /more\n",
    );
    let run = bulwark_env(
        &[
            "scan",
            &s(root),
            "--no-config",
            "--baseline",
            &s(&baseline),
            "--format",
            "json",
        ],
        b"",
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(
        rules_of(&json, "findings"),
        ["docker-add-instead-of-copy@6"]
    );
    assert!(
        json["notices"][0]
            .as_str()
            .is_some_and(|n| n.ends_with("known to the baseline not reported")),
        "{}",
        json["notices"]
    );
    // SARIF too: only the new finding, and the notice.
    let run = bulwark(&[
        "scan",
        &s(root),
        "--no-config",
        "--baseline",
        &s(&baseline),
        "--format",
        "sarif",
    ]);
    let log = run.json();
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(results.len(), 1, "{results:#?}");
    assert_eq!(results[0]["ruleId"], "docker-add-instead-of-copy");
    assert!(
        log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .is_some_and(|t| t.ends_with("known to the baseline not reported"))
    );
    // The evidence records the baseline, its digest and what it hid.
    let (run, predicate) = signed_scan(&[&s(root), "--no-config", "--baseline", &s(&baseline)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let recorded = &predicate["configuration"]["settings"]["baseline"];
    // Every finding of the baseline is still there, none reported.
    let entries: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&baseline).expect("baseline")).expect("json");
    assert_eq!(
        recorded["known_not_reported"].as_u64(),
        entries["findings"].as_array().map(|f| f.len() as u64),
        "{recorded}"
    );
    assert_eq!(
        recorded["sha256"],
        sha256_hex(&std::fs::read(&baseline).expect("baseline"))
    );
    assert_eq!(predicate["findings"].as_array().map(Vec::len), Some(1));
    // Nothing new: clean.
    write(
        root,
        "Dockerfile",
        "FROM alpine:3.20\nUSER root\nADD app /app\n",
    );
    let run = bulwark(&["scan", &s(root), "--no-config", "--baseline", &s(&baseline)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // Not a baseline: exit 2.
    let run = bulwark(&["scan", &s(root), "--baseline", &s(&root.join("Dockerfile"))]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("Dockerfile: it is not a bulwark baseline"),
        "{}",
        run.stderr
    );
}
