//! The command line itself: help, rule listing, explain, exit codes,
//! formats, standard input, determinism.

use crate::util::{bulwark, bulwark_env, bulwark_with_stdin};

#[test]
fn help_is_stable_for_every_subcommand() {
    for (name, args) in [
        ("bulwark", vec!["--help"]),
        ("scan", vec!["scan", "--help"]),
        ("rules-list", vec!["rules", "list", "--help"]),
        ("explain", vec!["explain", "--help"]),
        ("keygen", vec!["keygen", "--help"]),
        ("verify", vec!["verify", "--help"]),
        ("sign", vec!["sign", "--help"]),
        ("push", vec!["push", "--help"]),
        ("pull", vec!["pull", "--help"]),
        ("test", vec!["test", "--help"]),
        ("new-rule", vec!["new", "rule", "--help"]),
        ("build", vec!["build", "--help"]),
    ] {
        let run = bulwark(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!(format!("help-{name}"), run.stdout);
    }
}

#[test]
fn lists_rules_as_json_objects() {
    let run = bulwark(&["rules", "list", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rules = run.json();
    let rules = rules.as_array().expect("an array");
    assert!(rules.len() >= 16);
    for rule in rules {
        for key in ["id", "title", "severity", "controls", "kinds"] {
            assert!(rule.get(key).is_some(), "{key} missing in {rule}");
        }
    }
    // The control mapping of every rule, pinned.
    let mapping: Vec<String> = rules
        .iter()
        .map(|r| {
            format!(
                "{} [{}] {}",
                r["id"].as_str().unwrap_or(""),
                r["severity"].as_str().unwrap_or(""),
                r["controls"]
            )
        })
        .collect();
    insta::assert_snapshot!(mapping.join("\n"));
}

#[test]
fn explains_a_rule_and_refuses_unknown_ids() {
    let run = bulwark(&["explain", "docker-user-root"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with(
        "docker-user-root (Final image runs as root)\nseverity: high\ncontrols: CIS-Docker 4.1\n"
    ));
    assert!(run.stdout.contains("## Why it matters"));
    let run = bulwark(&["explain", "user-root"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("no rule `user-root` (did you mean `docker-user-root`?"),
        "{}",
        run.stderr
    );
}

/// Every diagnostic code is explained by `bulwark explain CODE`, in human
/// and JSON form; a rule id wins over nothing, an unknown word is refused.
#[test]
fn explains_diagnostic_codes() {
    let run = bulwark(&["explain", "duplicate-key"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("duplicate-key ("), "{}", run.stdout);
    let json = bulwark(&["--format", "json", "explain", "config-unknown-key"]).json();
    assert_eq!(json["code"], "config-unknown-key");
    assert_eq!(json["area"], "configuration problem");
    assert!(
        json["description"].as_str().is_some_and(|d| !d.is_empty()),
        "{json}"
    );
    for code in bulwark_scan::codes::all() {
        let run = bulwark(&["explain", code.code]);
        assert_eq!(run.code, 0, "{}: {}", code.code, run.stderr);
        assert!(
            run.stdout.contains(code.description.trim_end()),
            "{}",
            code.code
        );
    }
    let run = bulwark(&["explain", "no-such-code-or-rule"]);
    assert_eq!(run.code, 2);
}

/// A configuration with several mistakes reports each of them, with its
/// code and line, once: first what the file itself gets wrong, then (the
/// file read) every rule id no module declares.
#[test]
fn configuration_problems_are_all_reported_each_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    crate::util::write(d, "Dockerfile", "FROM scratch\n");
    let problems = |config: &str, expected: &[(&str, &str, usize)]| {
        crate::util::write(d, ".bulwark.yaml", config);
        let run = crate::util::bulwark_in(d, &["scan", "."], &[]);
        assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
        let lines: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .collect();
        assert_eq!(lines.len(), expected.len(), "{}", run.stderr);
        for (code, needle, line) in expected {
            let found: Vec<&&str> = lines.iter().filter(|l| l.contains(needle)).collect();
            assert_eq!(found.len(), 1, "{needle}: {}", run.stderr);
            assert!(
                found[0].starts_with(&format!("error[{code}]:")),
                "{}",
                found[0]
            );
            assert!(
                found[0].contains(&format!(".bulwark.yaml:{line}:")),
                "{}",
                found[0]
            );
        }
    };
    problems(
        "fail-on: severe\nrules-enabled: [x]\nsevertiy: {}\n",
        &[
            ("config-bad-value", "`severe`", 1),
            ("config-unknown-key", "`rules-enabled`", 2),
            ("config-unknown-key", "`severtiy`", 3),
        ],
    );
    problems(
        "disable:\n  - docker-user-rot\n  - also-unknown\nseverity:\n  third-unknown: low\n",
        &[
            ("config-unknown-rule-or-pack", "`docker-user-rot`", 2),
            ("config-unknown-rule-or-pack", "`also-unknown`", 3),
            ("config-unknown-rule", "`third-unknown`", 5),
        ],
    );
    let run = crate::util::bulwark_in(d, &["scan", "."], &[]);
    assert!(
        run.stderr.contains("`docker-user-rot` is neither a rule id nor a rule pack (did you mean `docker-user-root`?)"),
        "{}",
        run.stderr
    );
}

/// Flags people reach for that do not exist are answered with the one
/// that does.
#[test]
fn a_severity_flag_points_at_fail_on_and_the_configuration() {
    let run = bulwark(&["scan", "--severity", "high", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("use `--fail-on high`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("severity: {RULE-ID: high}"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("--version"), "{}", run.stderr);
}

/// `rules list` shows each rule's pack and input kinds, as the README says.
#[test]
fn rules_list_shows_pack_and_inputs() {
    let run = bulwark(&["rules", "list"]);
    assert_eq!(run.code, 0);
    let header = run.stdout.lines().next().unwrap_or_default();
    for column in ["RULE", "SEVERITY", "PACK", "INPUTS", "CONTROLS", "TITLE"] {
        assert!(header.contains(column), "{header}");
    }
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("runtime-privileged "))
        .unwrap_or_default();
    assert!(line.contains("cis-docker-runtime"), "{line}");
    assert!(line.contains("compose,kubernetes"), "{line}");
}

/// A missing path: the OS's reason, the path, no made-up position, not
/// called a file.
#[test]
fn a_missing_path_says_why_without_a_position() {
    let run = bulwark(&["scan", "no-such-dir/deploy"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("No such file or directory"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("no-such-dir/deploy"), "{}", run.stdout);
    assert!(!run.stdout.contains("deploy:1:1"), "{}", run.stdout);
    assert!(!run.stdout.contains("cannot read file"), "{}", run.stdout);
}

#[test]
fn rejects_bad_flags_with_exit_code_2() {
    for args in [
        vec!["scan", "--fail-on", "severe"],
        vec!["scan", "--rule", "no-such-rule"],
        vec!["scan", "--rule-timeout", "soon"],
        vec!["scan", "--kind", "makefile", "-"],
        vec!["frobnicate"],
    ] {
        let run = bulwark(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty());
    }
    for (args, says) in [
        (
            vec!["scan", "--fail-on", "severe"],
            "unknown severity `severe` (expected one of info, low, medium, high, critical)",
        ),
        (
            vec!["scan", "--rule", "no-such-rule"],
            "--rule no-such-rule: no such rule",
        ),
        (
            vec!["scan", "--rule-timeout", "soon"],
            "`soon` is not a duration (try 500ms or 2s)",
        ),
        (
            vec!["scan", "--kind", "makefile", "-"],
            "unknown input kind `makefile` (expected one of dockerfile, compose, kubernetes, helm-values)",
        ),
        (vec!["frobnicate"], "unrecognized subcommand 'frobnicate'"),
    ] {
        let run = bulwark(&args);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn threshold_decides_the_exit_code() {
    let f = "rules-wasm/cis-docker-build/fixtures/docker-base-unpinned/dockerfile/fail/Dockerfile";
    assert_eq!(
        bulwark(&["scan", "--rule", "docker-base-unpinned", f]).code,
        1
    );
    assert_eq!(
        bulwark(&[
            "scan",
            "--rule",
            "docker-base-unpinned",
            "--fail-on",
            "low",
            f
        ])
        .code,
        1
    );
    let run = bulwark(&[
        "scan",
        "--rule",
        "docker-base-unpinned",
        "--fail-on",
        "medium",
        f,
    ]);
    assert_eq!(run.code, 0, "low findings do not block at medium");
    assert!(
        run.stdout.contains("0 at or above `medium`"),
        "{}",
        run.stdout
    );
}

#[test]
fn reads_standard_input() {
    let run = bulwark_with_stdin(
        &["scan", "--format", "json", "--kind", "dockerfile", "-"],
        b"FROM alpine\n",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert!(
        json["findings"]
            .as_array()
            .is_some_and(|f| f.iter().all(|f| f["file"] == "<stdin>"))
    );
    // Without --kind, the content tells: each kind detected as what it is.
    for (text, kind, rule) in [
        (&b"# a Dockerfile\nFROM alpine:3.20\n"[..], "dockerfile", "docker-user-root"),
        (
            &b"services:\n  app:\n    image: a:1\n    privileged: true\n"[..],
            "compose",
            "runtime-privileged",
        ),
        (
            &b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers: [{name: a, image: a}]\n"[..],
            "kubernetes",
            "pss-host-namespaces",
        ),
    ] {
        let run = bulwark_with_stdin(&["scan", "--format", "json", "-"], text);
        assert_eq!(run.code, 1, "{kind}: {}", run.stderr);
        let json = run.json();
        let entry = json["coverage"]["files"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["path"] == "<stdin>")
            .cloned()
            .unwrap_or_default();
        assert_eq!(entry["kind"], kind, "{entry}");
        assert!(
            json["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|f| f["rule_id"] == rule),
            "{kind}: {}",
            run.stdout
        );
    }
    // Empty standard input never passes, with or without --kind.
    for args in [vec!["scan", "-"], vec!["scan", "--kind", "kubernetes", "-"]] {
        let run = bulwark_with_stdin(&args, b"");
        assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
        assert!(run.stdout.contains("empty input"), "{}", run.stdout);
        assert!(!run.stdout.contains("--kind"), "{}", run.stdout);
    }
    let run = bulwark_with_stdin(&["scan", "-"], b"hello world\n");
    assert_eq!(run.code, 2);
    assert!(
        run.stdout
            .contains("cannot tell what kind of input this is"),
        "{}",
        run.stdout
    );
}

#[test]
fn json_report_is_sorted_complete_and_deterministic() {
    let args = [
        "scan",
        "--format",
        "json",
        "rules-wasm/cis-docker-build/fixtures",
    ];
    let first = bulwark(&args);
    let second = bulwark(&args);
    assert_eq!(first.code, 1);
    assert_eq!(first.stdout, second.stdout, "two runs differ");
    let json = first.json();
    let findings = json["findings"].as_array().expect("findings");
    for f in findings {
        for key in [
            "rule_id", "severity", "controls", "file", "line", "column", "message",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
    let keys: Vec<(String, u64, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or("").to_owned(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["rule_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert!(
        keys == sorted,
        "findings are not sorted by file, line, column, rule"
    );
    assert_eq!(json["summary"]["verdict"], "fail");
    assert!(json["errors"].as_array().is_some_and(Vec::is_empty));
}

#[test]
fn colours_only_when_asked_or_on_a_terminal() {
    let f = "rules-wasm/cis-docker-build/fixtures/docker-base-unpinned/dockerfile/fail/Dockerfile";
    let plain = bulwark(&["scan", f]);
    assert!(
        !plain.stdout.contains('\u{1b}'),
        "pipes get no escape codes"
    );
    let coloured = bulwark(&["scan", "--color", "always", f]);
    assert!(coloured.stdout.contains('\u{1b}'));
}

/// `--fail-fast` stops at the first blocking finding: one is reported,
/// fewer files are scanned than without it, and the files not reached are
/// listed as such.
#[test]
fn fail_fast_stops_at_the_first_blocking_finding() {
    let target = "rules-wasm/cis-docker-build/fixtures";
    let all = bulwark(&["scan", "--format", "json", "--fail-on", "high", target]).json();
    let run = bulwark(&[
        "scan",
        "--fail-fast",
        "--fail-on",
        "high",
        "--format",
        "json",
        target,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let findings = json["findings"].as_array().cloned().unwrap_or_default();
    let blocking: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("high" | "critical")))
        .collect();
    assert_eq!(blocking.len(), 1, "{findings:#?}");
    // Nothing after the first blocking finding.
    assert!(
        std::ptr::eq(blocking[0], findings.last().expect("a finding")),
        "{findings:#?}"
    );
    let files = |j: &serde_json::Value| j["summary"]["files"].as_u64().unwrap_or(0);
    assert!(
        files(&json) < files(&all),
        "{} vs {}",
        files(&json),
        files(&all)
    );
    let stopped = json["coverage"]["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["reason"] == "stopped")
        .count();
    assert!(stopped > 0, "{}", json["coverage"]);
    assert!(
        all["findings"].as_array().map_or(0, Vec::len) > findings.len(),
        "without --fail-fast every finding is reported"
    );
}

/// Built-in packs come precompiled (on x86_64 Linux) and never touch the
/// cache; a module given with `--rules` is compiled once and cached.
#[test]
fn compiled_components_are_cached_and_reused() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let cache = dir.path().join("cache");
    let hostile = crate::util::pinned("rules-wasm/dist/hostile.wasm");
    let args = [
        "scan",
        "--format",
        "json",
        "--rules",
        &hostile,
        "--rule",
        "hostile-ok",
        "--rule",
        "docker-user-root",
        "tests/fixtures/scan/insecure",
    ];
    // Compiled code: the files of the cache directory (results and
    // fetched modules live in directories of their own).
    let entries = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };

    let first = bulwark_env(&args, b"", &[("BULWARK_CACHE_DIR", &cache)]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let cached = entries(&cache);
    let builtins = bulwark(&["rules", "list", "--format", "json"]).json();
    let builtins: std::collections::BTreeSet<&str> = builtins
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["module"].as_str())
        .collect();
    let expected = if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        1
    } else {
        builtins.len() + 1
    };
    assert_eq!(cached.len(), expected, "cache entries: {cached:?}");
    assert!(cached.iter().all(|c| c.ends_with(".cwasm")));

    // A second run maps the entry and reports exactly the same.
    let second = bulwark_env(&args, b"", &[("BULWARK_CACHE_DIR", &cache)]);
    assert_eq!(second.stdout, first.stdout);
    assert_eq!(entries(&cache), cached);

    // A damaged entry is recompiled, never trusted.
    std::fs::write(cache.join(&cached[0]), b"garbage")?;
    let third = bulwark_env(&args, b"", &[("BULWARK_CACHE_DIR", &cache)]);
    assert_eq!(third.stdout, first.stdout);
    assert!(std::fs::metadata(cache.join(&cached[0]))?.len() > 1024);

    // --no-cache and BULWARK_CACHE_DIR=off touch nothing.
    let other = dir.path().join("other");
    let run = bulwark_env(
        &["scan", "--no-cache", "tests/fixtures/scan/hardened"],
        b"",
        &[("BULWARK_CACHE_DIR", &other)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!other.exists());
    let off = std::path::Path::new("off");
    let run = bulwark_env(
        &["scan", "tests/fixtures/scan/hardened"],
        b"",
        &[("BULWARK_CACHE_DIR", off), ("HOME", &other)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!other.exists());
    Ok(())
}

#[test]
fn parse_only_reads_everything_and_runs_no_rule() {
    let run = bulwark(&[
        "scan",
        "--parse-only",
        "--format",
        "json",
        "tests/fixtures/scan/insecure",
        "tests/fixtures/helm",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["findings"], serde_json::json!([]));
    assert_eq!(json["summary"]["rules"], 0);
    assert_eq!(json["summary"]["files"], 2);
    // Input errors are still found.
    let bad = bulwark_with_stdin(
        &["scan", "--parse-only", "--kind", "kubernetes", "-"],
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n",
    );
    assert_eq!(bad.code, 2, "{}", bad.stdout);
}

/// `docs/rules.md`, which SARIF logs link every rule to, is what
/// `bulwark rules list --format markdown` prints. `BULWARK_UPDATE_DOCS=1`
/// rewrites it.
#[test]
fn the_rules_reference_is_current() {
    let run = bulwark(&["rules", "list", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = crate::util::root().join("docs/rules.md");
    if std::env::var_os("BULWARK_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &run.stdout).expect("write docs/rules.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == run.stdout,
        "docs/rules.md is out of date: run `BULWARK_UPDATE_DOCS=1 cargo test the_rules_reference_is_current`"
    );
    // Every rule has its section, where SARIF's helpUri points.
    let rules = bulwark(&["rules", "list", "--format", "json"]).json();
    for rule in rules.as_array().into_iter().flatten() {
        let id = rule["id"].as_str().unwrap_or_default();
        assert!(committed.contains(&format!("\n## {id}\n")), "{id}");
    }
}
