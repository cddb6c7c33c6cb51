//! Every rule of the built-in packs against its fixtures: failing fixtures
//! report the rule (snapshot of the rendered diagnostics), passing fixtures
//! do not; every rule has both, and its explanation is pinned.

use std::collections::BTreeSet;
use std::path::Path;

use crate::util::{arg, bulwark, fixture};

/// The rule a fixture belongs to and whether it must fail:
/// `fixtures/<kind>/<rule>/<fail…|pass…>/<file>`.
fn case(path: &Path) -> (String, bool) {
    let case = path
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rule = path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (rule, case.starts_with("fail"))
}

/// Runs a failing fixture: its rule reports, and the diagnostics match the
/// snapshot (a macro, so the snapshot is named after the calling test).
macro_rules! failing_fixture_reports_its_rule {
    ($path:expr) => {{
        let path: &Path = $path;
        let (rule, must_fail) = case(path);
        assert!(must_fail);
        let file = arg(path);
        let run = bulwark(&["scan", "--color", "never", "--rule", &rule, &file]);
        assert_eq!(run.code, 1, "{file}: {}{}", run.stdout, run.stderr);
        let json = bulwark(&["scan", "--format", "json", "--rule", &rule, &file]).json();
        let findings = json["findings"].as_array().cloned().unwrap_or_default();
        assert!(!findings.is_empty(), "{file}: no finding");
        assert!(findings.iter().all(|f| f["rule_id"] == rule.as_str()));
        insta::assert_snapshot!(run.stdout);
    }};
}

fn passing_fixture_does_not_report_its_rule(path: &Path) {
    let (rule, must_fail) = case(path);
    assert!(!must_fail);
    let file = arg(path);
    let run = bulwark(&["scan", "--format", "json", "--rule", &rule, &file]);
    assert_eq!(run.code, 0, "{file}: {}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["findings"], serde_json::json!([]), "{file}");
}

#[test]
fn failing_fixtures_report_their_rule() {
    insta::glob!("fixtures/dockerfile/*/fail*/Dockerfile", |path| {
        failing_fixture_reports_its_rule!(path);
    });
}

#[test]
fn failing_compose_fixtures_report_their_rule() {
    insta::glob!("fixtures/compose/*/fail*/compose.yaml", |path| {
        failing_fixture_reports_its_rule!(path);
    });
}

#[test]
fn failing_kubernetes_fixtures_report_their_rule() {
    insta::glob!("fixtures/kubernetes/*/fail*/manifest.yaml", |path| {
        failing_fixture_reports_its_rule!(path);
    });
}

#[test]
fn failing_helm_values_fixtures_report_their_rule() {
    insta::glob!("fixtures/helm-values/*/fail*/values.yaml", |path| {
        failing_fixture_reports_its_rule!(path);
    });
}

#[test]
fn passing_fixtures_do_not_report_their_rule() {
    insta::glob!("fixtures/dockerfile/*/pass*/Dockerfile", |path| {
        passing_fixture_does_not_report_its_rule(path);
    });
    insta::glob!("fixtures/compose/*/pass*/compose.yaml", |path| {
        passing_fixture_does_not_report_its_rule(path);
    });
    insta::glob!("fixtures/kubernetes/*/pass*/manifest.yaml", |path| {
        passing_fixture_does_not_report_its_rule(path);
    });
    insta::glob!("fixtures/helm-values/*/pass*/values.yaml", |path| {
        passing_fixture_does_not_report_its_rule(path);
    });
}

/// The input kinds a rule applies to, as fixture directory names.
const KIND_DIRS: [&str; 4] = ["dockerfile", "compose", "kubernetes", "helm-values"];

#[test]
fn every_built_in_rule_has_fixtures_and_an_explanation() {
    let rules = bulwark(&["rules", "list", "--format", "json"]).json();
    let rules: Vec<serde_json::Value> = rules.as_array().cloned().unwrap_or_default();
    assert!(rules.len() >= 57, "{} rules", rules.len());
    for rule in &rules {
        let id = rule["id"].as_str().unwrap_or_default();
        let kinds: Vec<&str> = rule["kinds"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k.as_str())
            .collect();
        assert!(!kinds.is_empty(), "rule `{id}` applies to nothing");
        // Every kind the rule applies to has its own fixtures.
        for kind in kinds {
            assert!(KIND_DIRS.contains(&kind), "unknown kind {kind}");
            let dir = fixture(&format!("{kind}/{id}"));
            let cases: Vec<String> = std::fs::read_dir(&dir)
                .unwrap_or_else(|_| {
                    panic!("rule `{id}` has no {kind} fixtures in {}", dir.display())
                })
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            assert!(
                cases.iter().any(|c| c.starts_with("fail")),
                "rule `{id}` has no failing {kind} fixture"
            );
            assert!(
                cases.iter().any(|c| c.starts_with("pass")),
                "rule `{id}` has no passing {kind} fixture"
            );
        }
        let explain = bulwark(&["explain", id]);
        assert_eq!(explain.code, 0);
        insta::assert_snapshot!(format!("explain-{id}"), explain.stdout);
    }
}

#[test]
fn insecure_dockerfile_reports_every_rule_at_the_right_line() {
    let run = bulwark(&[
        "scan",
        "--format",
        "json",
        "tests/fixtures/scan/insecure/Dockerfile",
    ]);
    assert_eq!(run.code, 1);
    let json = run.json();
    let got: BTreeSet<(String, u64)> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or("").to_owned(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let expected: BTreeSet<(String, u64)> = [
        ("docker-secret-build-arg", 2),
        ("docker-base-latest", 3),
        ("docker-update-alone", 4),
        ("docker-pipe-to-shell", 5),
        ("docker-base-unpinned", 8),
        ("docker-user-root", 8),
        ("docker-healthcheck-missing", 8),
        ("docker-secret-literal", 9),
        ("docker-runtime-package-manager", 10),
        ("docker-unverified-packages", 10),
        ("docker-runtime-tools", 10),
        ("docker-sshd", 10),
        ("docker-tls-verification-disabled", 11),
        ("docker-setuid-setgid", 12),
        ("docker-add-instead-of-copy", 13),
        ("docker-secret-file-copied", 14),
        ("docker-sshd", 16),
    ]
    .into_iter()
    .map(|(r, l)| (r.to_owned(), l))
    .collect();
    assert_eq!(got, expected);
    let all_rules: BTreeSet<String> = bulwark(&["rules", "list", "--format", "json"])
        .json()
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["kinds"] == serde_json::json!(["dockerfile"]))
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    let reported: BTreeSet<String> = got.into_iter().map(|(r, _)| r).collect();
    assert_eq!(reported, all_rules, "every Dockerfile rule fires");
    // The secret never appears in any output.
    assert!(!run.stdout.contains("hunter2"));
    let human = bulwark(&[
        "scan",
        "--color",
        "never",
        "tests/fixtures/scan/insecure/Dockerfile",
    ]);
    assert!(!human.stdout.contains("hunter2"));
    insta::assert_snapshot!(human.stdout);
}

#[test]
fn hardened_multi_stage_dockerfile_is_clean() {
    let run = bulwark(&[
        "scan",
        "--color",
        "never",
        "tests/fixtures/scan/hardened/Dockerfile",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.starts_with("pass: 0 findings in 1 file"),
        "{}",
        run.stdout
    );
}

#[test]
fn secrets_never_surface_in_any_output() {
    let f = "tests/fixtures/dockerfile/docker-secret-literal/fail/Dockerfile";
    let secrets = [
        "hunter2",
        "s3cr3t-default",
        "django-insecure",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_0123",
        "MIIEow",
        "Sup3rS3cret",
    ];
    for args in [
        vec!["scan", "--color", "never", f],
        vec!["scan", "--format", "json", f],
        // Another rule's message and snippet show the URL holding a
        // password: the secret is masked there too, even though the rule
        // that found it is not reported.
        vec![
            "scan",
            "--color",
            "never",
            "--rule",
            "docker-add-instead-of-copy",
            f,
        ],
        vec![
            "scan",
            "--format",
            "json",
            "--rule",
            "docker-add-instead-of-copy",
            f,
        ],
    ] {
        let run = bulwark(&args);
        assert_eq!(run.code, 1, "{args:?}");
        for secret in secrets {
            assert!(
                !run.stdout.contains(secret),
                "{args:?} shows {secret}:\n{}",
                run.stdout
            );
            assert!(
                !run.stderr.contains(secret),
                "{args:?} shows {secret}:\n{}",
                run.stderr
            );
        }
    }
}

#[test]
fn secrets_in_yaml_inputs_never_surface_in_any_output() {
    let secrets = [
        "hunter2",
        "ghp_0123",
        "xoxb-1234567890",
        "MIIEow",
        "aHVudGVyMg",
        "mail-hunter2",
    ];
    let mut files = Vec::new();
    for kind in ["kubernetes", "compose", "helm-values"] {
        for entry in std::fs::read_dir(fixture(kind))
            .into_iter()
            .flatten()
            .flatten()
        {
            let rule = entry.file_name().to_string_lossy().into_owned();
            if rule.starts_with("secret-") {
                files.push(format!("tests/fixtures/{kind}/{rule}"));
            }
        }
    }
    assert!(files.len() >= 5, "{files:?}");
    for args in [
        vec!["scan", "--color", "never"],
        vec!["scan", "--format", "json"],
    ] {
        let mut all = args.clone();
        all.extend(files.iter().map(String::as_str));
        let run = bulwark(&all);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        for secret in secrets {
            assert!(
                !run.stdout.contains(secret),
                "{args:?} shows {secret}:\n{}",
                run.stdout
            );
            assert!(!run.stderr.contains(secret), "{args:?} shows {secret}");
        }
    }
}

/// The built-in packs' fixtures through `bulwark test`, the harness third
/// parties use: each rule's fixtures declare the rule's findings
/// (`FIXTURE.expect`), and the module meets exactly those.
#[test]
fn every_rule_meets_its_fixtures_expectations_under_bulwark_test() {
    let rules = bulwark(&["rules", "list", "--format", "json"]).json();
    let mut checked = 0;
    for rule in rules.as_array().into_iter().flatten() {
        let id = rule["id"].as_str().unwrap_or_default();
        let module = rule["module"].as_str().unwrap_or_default();
        for kind in ["dockerfile", "compose", "kubernetes", "helm-values"] {
            let dir = fixture(&format!("{kind}/{id}"));
            if !dir.is_dir() {
                continue;
            }
            let run = bulwark(&["test", module, "--rule", id, &arg(&dir)]);
            assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
            checked += 1;
        }
    }
    assert!(checked >= 57, "{checked} fixture directories");
}

/// A broken expectation fails with the file, line and rule of each
/// mismatch; inline `# expect:` comments work as sidecars do.
#[test]
fn bulwark_test_reports_missing_and_unexpected_findings_precisely() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    crate::util::write(
        d,
        "Dockerfile",
        "FROM debian:12-slim@sha256:2b0079146a74e23bf4ae8f6a28e1b484c6292f6fb904cbb51825b4a19812fcd8\nHEALTHCHECK CMD [\"/bin/true\"]\n# expect: docker-user-root\nUSER root\n",
    );
    let run = bulwark(&["test", "cis-docker-build", &crate::util::s(d)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .ends_with("pass: 1 fixture, 1 passed, 0 failed (module `cis-docker-build`)\n"),
        "{}",
        run.stdout
    );

    // The expectation moved to the wrong line.
    crate::util::write(
        d,
        "Dockerfile",
        "FROM debian:12-slim@sha256:2b0079146a74e23bf4ae8f6a28e1b484c6292f6fb904cbb51825b4a19812fcd8\n# expect: docker-user-root\nHEALTHCHECK CMD [\"/bin/true\"]\nUSER root\n",
    );
    let run = bulwark(&["test", "cis-docker-build", &crate::util::s(d)]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let file = crate::util::s(&d.join("Dockerfile"));
    assert!(
        run.stdout
            .contains(&format!("{file}:3: expected docker-user-root, found none")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "{file}:4:1: unexpected docker-user-root: the final image runs as `root`"
        )),
        "{}",
        run.stdout
    );
    // A rule the module does not have: a usage error naming the place.
    crate::util::write(d, "Dockerfile.expect", "4 no-such-rule\n");
    let run = bulwark(&["test", "cis-docker-build", &crate::util::s(d)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            ":4: expects `no-such-rule`, which module `cis-docker-build` does not declare"
        ),
        "{}",
        run.stderr
    );
}
