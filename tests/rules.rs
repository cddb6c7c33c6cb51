//! Every rule of the built-in packs against its fixtures, in process,
//! through the harness `bulwark test` runs: each fixture declares the
//! findings it must produce (`# expect:`) and the pack meets exactly those;
//! failing fixtures' diagnostics are snapshots; every rule has failing and
//! passing fixtures for every kind it applies to, and its explanation is
//! pinned.
//!
//! A pack's fixtures live beside its rules:
//! `rules-wasm/<pack>/fixtures/<rule>/<kind>/<fail…|pass…>/<file>`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulwark_report::termcolor::NoColor;
use bulwark_report::{Format, Tail};
use bulwark_scan::profile::Phases;
use bulwark_scan::{Builtins, Flow, Options, Request, Scanner, ScannerBuilder, harness};

use crate::util::{arg, bulwark, root};

/// One fixture of a built-in pack.
#[derive(Debug, Clone)]
struct Fixture {
    pack: String,
    rule: String,
    kind: String,
    case: String,
    /// Relative to the repository root, as the scan names it.
    path: PathBuf,
}

impl Fixture {
    fn must_fail(&self) -> bool {
        self.case.starts_with("fail")
    }
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every fixture of every built-in pack.
fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for builtin in bulwark_scan::BUILTINS {
        let pack = builtin.name;
        let base = Path::new("rules-wasm").join(pack).join("fixtures");
        for rule in names(&root().join(&base)) {
            for kind in names(&root().join(&base).join(&rule)) {
                for case in names(&root().join(&base).join(&rule).join(&kind)) {
                    let dir = base.join(&rule).join(&kind).join(&case);
                    // `FIXTURE.expect` is the sidecar of a fixture.
                    let files = names(&root().join(&dir));
                    for file in files.into_iter().filter(|f| !f.ends_with(".expect")) {
                        out.push(Fixture {
                            pack: pack.to_owned(),
                            rule: rule.clone(),
                            kind: kind.clone(),
                            case: case.clone(),
                            path: dir.join(file),
                        });
                    }
                }
            }
        }
    }
    out
}

/// A scanner with one built-in pack, reporting only `rule` when given.
fn scanner(pack: &str, rule: Option<&str>) -> Scanner {
    ScannerBuilder::new()
        .builtins(Builtins::Only(pack.to_owned()))
        .options(Options {
            only: rule.into_iter().map(str::to_owned).collect(),
            ..Options::default()
        })
        .build()
        .unwrap_or_else(|e| panic!("{pack}: {e}"))
}

/// What `bulwark scan --color never FILE` prints for one file, and
/// whether the run failed: the human report drawn in process.
fn human_report(scanner: &Scanner, path: &Path) -> (String, bulwark_core::Summary) {
    let format = bulwark_report::human::Human { color: false };
    let prepared = scanner.prepare(Request {
        paths: vec![path.to_path_buf()],
        ..Request::default()
    });
    let early = prepared.early_errors().to_vec();
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let render = |report: &bulwark_report::FileReport| -> Vec<Vec<u8>> {
        vec![format.render(report).expect("render")]
    };
    let run = scanner.run(prepared, &Phases::new(false), &render, &mut |_, drawn| {
        parts.extend(drawn.iter().cloned());
        Flow::Continue
    });
    let mut out = NoColor::new(Vec::new());
    let mut writer = format.begin(&mut out, &early).expect("begin");
    for part in &parts {
        writer.part(part).expect("part");
    }
    writer
        .finish(Tail {
            failures: &run.failures,
            errors: &run.errors,
            notices: &run.notices,
            suppressed: &run.suppressed,
            exceptions: &run.exceptions,
            coverage: &run.coverage,
            summary: &run.summary,
        })
        .expect("finish");
    (
        String::from_utf8(out.into_inner()).expect("utf-8"),
        run.summary,
    )
}

/// Every rule's fixtures meet their expectations exactly, under the
/// harness of `bulwark test`; failing cases expect at least one finding,
/// passing cases none.
#[test]
fn every_rule_meets_its_fixtures_expectations() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 190, "{} fixtures", fixtures.len());
    let mut by_rule: BTreeMap<(String, String), Vec<&Fixture>> = BTreeMap::new();
    for f in &fixtures {
        by_rule
            .entry((f.pack.clone(), f.rule.clone()))
            .or_default()
            .push(f);
    }
    let mut packs: BTreeMap<String, Scanner> = BTreeMap::new();
    let mut problems = Vec::new();
    for ((pack, rule), cases) in &by_rule {
        let scanner = packs
            .entry(pack.clone())
            .or_insert_with(|| scanner(pack, None));
        let paths: Vec<PathBuf> = cases.iter().map(|f| f.path.clone()).collect();
        let checked = harness::check(scanner, &paths, std::slice::from_ref(rule))
            .unwrap_or_else(|e| panic!("{rule}: {e}"));
        assert!(
            checked.failures.is_empty(),
            "{rule}: {:?}",
            checked.failures
        );
        assert_eq!(checked.outcomes.len(), cases.len(), "{rule}");
        for (outcome, case) in checked.outcomes.iter().zip(cases) {
            if !outcome.ok {
                problems.push(format!("{outcome:#?}"));
            }
            if case.must_fail() != (outcome.expected > 0) {
                problems.push(format!(
                    "{}: a `{}` case expects {} finding(s)",
                    outcome.file, case.case, outcome.expected
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each failing fixture, scanned for its rule alone, fails the run with
/// findings of that rule only; its diagnostics are a snapshot.
#[test]
fn failing_fixtures_report_their_rule() {
    let mut scanners: BTreeMap<String, Arc<Scanner>> = BTreeMap::new();
    let fixtures = fixtures();
    let mut snapshots = 0;
    insta::glob!("../rules-wasm", "*/fixtures/*/*/fail*/*", |path| {
        if path.extension().is_some_and(|e| e == "expect") {
            return;
        }
        let fixture = fixtures
            .iter()
            .find(|f| root().join(&f.path) == path)
            .unwrap_or_else(|| panic!("{} is no fixture", path.display()));
        let scanner = scanners
            .entry(fixture.rule.clone())
            .or_insert_with(|| Arc::new(scanner(&fixture.pack, Some(&fixture.rule))));
        let (text, summary) = human_report(scanner, &fixture.path);
        assert_eq!(
            summary.verdict,
            bulwark_core::Verdict::Fail,
            "{}: {text}",
            fixture.path.display()
        );
        assert!(
            summary.findings > 0,
            "{}: no finding",
            fixture.path.display()
        );
        insta::assert_snapshot!(text);
        snapshots += 1;
    });
    assert!(snapshots >= 100, "{snapshots} failing fixtures");
}

/// Every rule has failing and passing fixtures for each kind it applies
/// to (and none for a kind it does not), and its explanation is pinned.
#[test]
fn every_built_in_rule_has_fixtures_and_an_explanation() {
    let rules = ScannerBuilder::new().build().expect("scanner").rules();
    assert!(rules.len() >= 57, "{} rules", rules.len());
    let mut cases: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for f in fixtures() {
        cases
            .entry((f.rule.clone(), f.kind.clone()))
            .or_default()
            .insert(f.case.clone());
        let rule = rules
            .iter()
            .find(|r| r.meta.id == f.rule)
            .unwrap_or_else(|| panic!("{}: no rule `{}`", f.path.display(), f.rule));
        assert_eq!(rule.module, f.pack, "{}", f.path.display());
        assert!(
            rule.meta.kinds.iter().any(|k| k.as_str() == f.kind),
            "{}: rule `{}` does not apply to {}",
            f.path.display(),
            f.rule,
            f.kind
        );
    }
    for rule in &rules {
        let id = &rule.meta.id;
        assert!(
            !rule.meta.kinds.is_empty(),
            "rule `{id}` applies to nothing"
        );
        for kind in &rule.meta.kinds {
            let kind = kind.as_str();
            let cases = cases
                .get(&(id.clone(), kind.to_owned()))
                .unwrap_or_else(|| panic!("rule `{id}` has no {kind} fixtures"));
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

/// `bulwark test` over a pack's fixtures for one rule: the CLI on the
/// harness the tests above use.
#[test]
fn bulwark_test_runs_a_packs_fixtures() {
    for (module, rule) in [
        ("cis-docker-build", "docker-user-root"),
        ("cis-docker-runtime", "runtime-privileged"),
        ("pod-security", "pss-run-as-non-root"),
        ("secrets", "secret-helm-values"),
    ] {
        let dir = root()
            .join("rules-wasm")
            .join(module)
            .join("fixtures")
            .join(rule);
        let run = bulwark(&["test", module, "--rule", rule, &arg(&dir)]);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(", 0 failed"), "{}", run.stdout);
        // The whole pack without `--rule`: a fixture under a rule's
        // directory is judged for that rule only, so every one passes
        // (once, every fixture failed for the other rules' findings).
        let all = dir.parent().expect("fixtures");
        let run = bulwark(&["test", module, &arg(all)]);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(" passed, 0 failed"), "{}", run.stdout);
        assert!(!run.stdout.contains("FAIL"), "{}", run.stdout);
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
    let f = "rules-wasm/cis-docker-build/fixtures/docker-secret-literal/dockerfile/fail/Dockerfile";
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
    let files: Vec<String> = fixtures()
        .iter()
        .filter(|f| f.pack == "secrets")
        .map(|f| arg(&f.path))
        .collect();
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
