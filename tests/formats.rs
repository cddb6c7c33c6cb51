//! The pipeline formats: SARIF (validated against the vendored SARIF 2.1.0
//! schema, with what GitHub code scanning needs), JUnit XML, GitHub
//! workflow commands, the job summary, step outputs and `--output`.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::util::{bulwark, bulwark_env, root, s, write};

/// Every schema violation of `log`, as text.
fn sarif_schema_errors(log: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("tests/schemas/sarif-schema-2.1.0.json"))
        .expect("the vendored SARIF schema");
    let mut schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    // The schema does not pass its own meta-schema as published: in
    // `region`, the `anyOf` (a region has a start line, a character offset
    // or a byte offset) sits inside `properties`, where it would name a
    // property. Put where the specification means it (which is stricter).
    let region = &mut schema["definitions"]["region"];
    if let Some(any_of) = region["properties"]
        .as_object_mut()
        .and_then(|p| p.remove("anyOf"))
    {
        region["anyOf"] = any_of;
    }
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

/// What GitHub code scanning requires of an upload beyond the schema.
fn check_github_requirements(log: &Value) {
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "bulwark");
    let rules = driver["rules"].as_array().expect("rules");
    assert!(!rules.is_empty());
    for rule in rules {
        let id = rule["id"].as_str().expect("rule id");
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(
                rule[key]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{id}: {key}"
            );
        }
        assert!(rule["help"]["markdown"].is_string(), "{id}");
        assert!(
            rule["helpUri"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://")),
            "{id}: helpUri"
        );
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(tags.contains(&"security"), "{id}: {tags:?}");
        if rule["properties"]["severity"] != "info" {
            let score: f64 = rule["properties"]["security-severity"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("{id}: security-severity"));
            assert!((0.1..=10.0).contains(&score), "{id}: {score}");
        }
    }
    for result in run["results"].as_array().expect("results") {
        let id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex points at the rule");
        assert!(
            result["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap_or("")));
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            !uri.starts_with('/') && !uri.contains(':'),
            "repository-relative: {uri}"
        );
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(
            location["region"]["startLine"]
                .as_u64()
                .is_some_and(|l| l >= 1)
        );
        assert!(
            result["partialFingerprints"]["bulwark/v1"]
                .as_str()
                .is_some_and(|f| f.len() == 32)
        );
    }
}

fn sarif_of(run: &crate::util::Run) -> Value {
    let log = run.json();
    let errors = sarif_schema_errors(&log);
    assert!(errors.is_empty(), "SARIF schema violations: {errors:#?}");
    log
}

#[test]
fn sarif_is_valid_and_carries_what_code_scanning_needs() {
    let run = bulwark(&[
        "scan",
        "--format",
        "sarif",
        "rules-wasm/cis-docker-build/fixtures/docker-secret-literal/dockerfile",
        "rules-wasm/pod-security/fixtures/pss-privileged/kubernetes",
        "rules-wasm/cis-docker-runtime/fixtures",
        "tests/fixtures/helm",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = sarif_of(&run);
    check_github_requirements(&log);
    let results = log["runs"][0]["results"].as_array().expect("results");
    let rules: BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    for rule in ["docker-secret-literal", "pss-privileged"] {
        assert!(rules.contains(rule), "{rules:?}");
    }
    // The same findings as the JSON report.
    let json = bulwark(&[
        "scan",
        "--format",
        "json",
        "rules-wasm/cis-docker-build/fixtures/docker-secret-literal/dockerfile",
        "rules-wasm/pod-security/fixtures/pss-privileged/kubernetes",
        "rules-wasm/cis-docker-runtime/fixtures",
        "tests/fixtures/helm",
    ])
    .json();
    assert_eq!(
        results.len(),
        json["findings"].as_array().map_or(0, Vec::len)
    );
    // Secrets stay masked (rule help quotes example values of its own).
    assert!(!log["runs"][0]["results"].to_string().contains("hunter2"));
    // Rendered Helm output: the template is a related location.
    let templated: Vec<&Value> = results
        .iter()
        .filter(|r| r["relatedLocations"].is_array())
        .collect();
    assert!(!templated.is_empty());
    let related = &templated[0]["relatedLocations"][0];
    assert!(
        related["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.contains("/templates/")),
        "{related}"
    );
    // A clean run is valid too, with no results.
    let clean = bulwark(&["scan", "--format", "sarif", "manifests"]);
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    let clean = sarif_of(&clean);
    assert_eq!(clean["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        clean["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

#[test]
fn sarif_fingerprints_survive_moved_lines_and_suppressions_are_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path();
    let dockerfile = "FROM alpine:3.20\nRUN apk add curl\n# bulwark:ignore docker-healthcheck-missing -- a batch job, no service to probe\nFROM alpine:3.20\nUSER 10001\n";
    write(repo, "Dockerfile", dockerfile);
    write(
        repo,
        ".bulwark.yaml",
        "exceptions:\n  - rule: docker-base-unpinned\n    path: Dockerfile\n    reason: base images are pinned by the release pipeline\n    owner: platform-team\n    expires: 2999-01-01\n",
    );
    let scan = |dir: &Path| {
        let run = bulwark(&["scan", "--format", "sarif", &s(dir)]);
        sarif_of(&run)
    };
    let before = scan(repo);
    let results = before["runs"][0]["results"]
        .as_array()
        .expect("results")
        .clone();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    let kinds: BTreeSet<(&str, &str)> = suppressed
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap_or(""),
                r["suppressions"][0]["kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            ("docker-base-unpinned", "external"),
            ("docker-healthcheck-missing", "inSource"),
        ]),
        "{results:#?}"
    );
    let exception = suppressed
        .iter()
        .find(|r| r["ruleId"] == "docker-base-unpinned")
        .expect("the exception");
    assert_eq!(
        exception["suppressions"][0]["justification"],
        "base images are pinned by the release pipeline"
    );
    assert_eq!(exception["suppressions"][0]["status"], "accepted");
    assert_eq!(
        exception["suppressions"][0]["properties"]["owner"],
        "platform-team"
    );

    // Unrelated lines added above: every fingerprint stays, every line
    // number moves.
    write(
        repo,
        "Dockerfile",
        &format!("# syntax=docker/dockerfile:1\n\n# the build\n{dockerfile}"),
    );
    let after = scan(repo);
    let prints = |log: &Value| -> Vec<(String, u64)> {
        log["runs"][0]["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["partialFingerprints"]["bulwark/v1"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap_or(0),
                )
            })
            .collect()
    };
    let (before, after) = (prints(&before), prints(&after));
    assert_eq!(before.len(), after.len());
    for ((print_before, line_before), (print_after, line_after)) in before.iter().zip(&after) {
        assert_eq!(print_before, print_after);
        assert_eq!(line_before + 3, *line_after);
    }
}

#[test]
fn junit_has_one_case_per_rule_and_file() {
    let run = bulwark(&[
        "scan",
        "--format",
        "junit",
        "--fail-on",
        "high",
        "rules-wasm/cis-docker-build/fixtures/docker-user-root/dockerfile",
        "rules-wasm/cis-docker-runtime/fixtures/runtime-privileged/compose",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = roxmltree::Document::parse(&run.stdout).expect("well-formed XML");
    let suites: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert!(!suites.is_empty());
    for suite in &suites {
        let cases = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .count();
        assert_eq!(suite.attribute("tests"), Some(cases.to_string().as_str()));
        let failed = suite
            .children()
            .filter(|n| n.children().any(|c| c.has_tag_name("failure")))
            .count();
        assert_eq!(
            suite.attribute("failures"),
            Some(failed.to_string().as_str())
        );
    }
    insta::assert_snapshot!("junit", run.stdout);
}

#[test]
fn in_github_actions_findings_are_annotated_summarised_and_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = dir.path().join("summary.md");
    let outputs = dir.path().join("outputs");
    std::fs::write(&summary, "# earlier step\n").expect("write");
    let run = bulwark_env(
        &[
            "scan",
            "--fail-on",
            "high",
            "rules-wasm/cis-docker-build/fixtures/docker-user-root/dockerfile/fail",
        ],
        b"",
        &[
            ("GITHUB_ACTIONS", Path::new("true")),
            ("GITHUB_STEP_SUMMARY", &summary),
            ("GITHUB_OUTPUT", &outputs),
        ],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    // The human report is unchanged on standard output; the annotations go
    // to standard error.
    assert!(run.stdout.contains("docker-user-root"), "{}", run.stdout);
    assert!(!run.stdout.contains("::error"), "{}", run.stdout);
    let annotations: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("::")).collect();
    assert!(
        annotations.iter().any(|a| a.starts_with(
            "::error file=rules-wasm/cis-docker-build/fixtures/docker-user-root/dockerfile/fail/Dockerfile,line="
        ) && a.contains(",title=docker-user-root (high)%3A ")),
        "{annotations:#?}"
    );
    // Below the threshold: not an error.
    assert!(
        annotations
            .iter()
            .any(|a| a.starts_with("::notice file=") && a.contains("docker-base-unpinned")),
        "{annotations:#?}"
    );
    insta::assert_snapshot!("github_annotations", annotations.join("\n"));

    let summary = std::fs::read_to_string(&summary).expect("summary written");
    assert!(
        summary.starts_with("# earlier step\n"),
        "appended: {summary}"
    );
    assert!(summary.contains("### ❌ bulwark: fail"), "{summary}");
    assert!(
        summary.contains("| Severity | Rule | Location | Finding |"),
        "{summary}"
    );
    insta::assert_snapshot!("github_step_summary", summary);

    let outputs = std::fs::read_to_string(&outputs).expect("outputs written");
    let json = bulwark(&[
        "scan",
        "--format",
        "json",
        "--fail-on",
        "high",
        "rules-wasm/cis-docker-build/fixtures/docker-user-root/dockerfile/fail",
    ])
    .json();
    assert_eq!(
        outputs,
        format!(
            "verdict=fail\nfindings={}\nblocking={}\n",
            json["summary"]["findings"], json["summary"]["blocking"]
        )
    );

    // --format github writes the annotations and a summary line to
    // standard output.
    let run = bulwark(&[
        "scan",
        "--format",
        "github",
        "rules-wasm/cis-docker-build/fixtures/docker-user-root/dockerfile/fail",
    ]);
    assert!(run.stdout.lines().any(|l| l.starts_with("::error file=")));
    assert!(
        run.stdout.ends_with("at or above `info`\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn several_outputs_are_written_in_one_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif = dir.path().join("out.sarif");
    let junit = dir.path().join("out.xml");
    let markdown = dir.path().join("out.md");
    let human = dir.path().join("out.txt");
    let target = "rules-wasm/cis-docker-build/fixtures/docker-secret-literal/dockerfile";
    let run = bulwark(&[
        "scan",
        "--format",
        "json",
        "--output",
        &format!("sarif={}", s(&sarif)),
        "--output",
        &format!("junit={}", s(&junit)),
        "--output",
        &format!("markdown={}", s(&markdown)),
        "--output",
        &format!("human={}", s(&human)),
        target,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let findings = json["findings"].as_array().map_or(0, Vec::len);
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("sarif")).expect("json");
    assert!(sarif_schema_errors(&log).is_empty());
    assert_eq!(
        log["runs"][0]["results"].as_array().map_or(0, Vec::len),
        findings
    );
    let xml = std::fs::read_to_string(&junit).expect("junit");
    roxmltree::Document::parse(&xml).expect("well-formed");
    let md = std::fs::read_to_string(&markdown).expect("markdown");
    assert!(md.contains("bulwark: fail"), "{md}");
    let text = std::fs::read_to_string(&human).expect("human");
    assert!(text.contains("docker-secret-literal"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour in files");
    for out in [
        &run.stdout,
        &xml,
        &md,
        &text,
        &log["runs"][0]["results"].to_string(),
    ] {
        assert!(!out.contains("hunter2"), "secret leaked");
    }

    // A bad format, a file that cannot be created, a format only scan
    // writes: usage errors.
    let run = bulwark(&["scan", "--output", "yaml=x", target]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`yaml`: not a format"),
        "{}",
        run.stderr
    );
    let run = bulwark(&[
        "scan",
        "--output",
        &format!("sarif={}", s(&dir.path().join("missing/out.sarif"))),
        target,
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--output: creating"), "{}", run.stderr);
    let run = bulwark(&["rules", "list", "--format", "sarif"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("only `bulwark scan`"), "{}", run.stderr);
}

/// A finding in a rendered chart is put on its template in the repository
/// (the rendered output is no file there), with the rendered line named.
#[cfg(unix)]
#[test]
fn sarif_puts_chart_findings_on_their_templates() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path();
    let git = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(repo)
        .status()
        .expect("git runs");
    assert!(git.success());
    write(
        repo,
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    write(
        repo,
        "charts/web/templates/deployment.yaml",
        "kind: Deployment\n{{ .Values.x }}\n",
    );
    write(
        repo,
        "charts/web/templates/debug.yaml",
        "kind: Pod\n{{ .Values.y }}\n",
    );
    let helm = repo.join("helm");
    std::fs::write(
        &helm,
        "#!/bin/sh\ncat <<'EOF'\n---\n# Source: web/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers: []\n---\n# Source: web/templates/debug.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  hostPID: true\n  containers: []\nEOF\n",
    )
    .expect("write helm");
    std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let run = bulwark_env(
        &["scan", "--format", "sarif", &s(&repo.join("charts/web"))],
        b"",
        &[("BULWARK_HELM", &helm)],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = sarif_of(&run);
    let result = log["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["ruleId"] == "pss-host-namespaces")
        .cloned()
        .expect("the hostNetwork finding");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "charts/web/templates/deployment.yaml"
    );
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert!(
        result["message"]["text"]
            .as_str()
            .is_some_and(|t| t.ends_with("(line 10 of the chart as rendered)")),
        "{result}"
    );
    assert_eq!(
        result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "charts/web/templates/deployment.yaml"
    );
    // The second template's finding, in the same rendered file, is on
    // its own template.
    let debug = log["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("PID"))
        })
        .cloned()
        .expect("the hostPID finding");
    assert_eq!(
        debug["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "charts/web/templates/debug.yaml",
        "{debug}"
    );
}

/// One finding as every format can say it: rule, file, start and end, and
/// message (JUnit has no end: it gets `None` there).
type Place = (String, String, u64, u64, Option<(u64, u64)>, String);

/// SARIF, JUnit and JSON carry the same findings, each at the same place:
/// not just as many.
#[test]
fn sarif_junit_and_json_carry_the_same_findings_at_the_same_places() {
    let targets = [
        "rules-wasm/cis-docker-build/fixtures",
        "rules-wasm/cis-docker-runtime/fixtures",
        "rules-wasm/pod-security/fixtures/pss-apparmor",
        "rules-wasm/secrets/fixtures",
    ];
    let run_as = |format: &str| {
        let mut args = vec!["scan", "--format", format];
        args.extend_from_slice(&targets);
        let run = bulwark(&args);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        run
    };
    let json = run_as("json").json();
    let from_json: BTreeSet<Place> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_owned(),
                f["file"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
                f["column"].as_u64().unwrap_or_default(),
                Some((
                    f["end_line"].as_u64().unwrap_or_default(),
                    f["end_column"].as_u64().unwrap_or_default(),
                )),
                f["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(from_json.len() > 150, "{}", from_json.len());
    // SARIF's message text is the message and, on the next line, the detail.
    let details: std::collections::BTreeMap<(String, String, u64, u64), String> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            Some((
                (
                    f["rule_id"].as_str()?.to_owned(),
                    f["file"].as_str()?.to_owned(),
                    f["line"].as_u64()?,
                    f["column"].as_u64()?,
                ),
                f["detail"].as_str()?.to_owned(),
            ))
        })
        .collect();
    let sarif = sarif_of(&run_as("sarif"));
    let from_sarif: BTreeSet<Place> = sarif["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["suppressions"].is_null())
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            let region = &location["region"];
            (
                r["ruleId"].as_str().unwrap_or_default().to_owned(),
                location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                region["startLine"].as_u64().unwrap_or_default(),
                region["startColumn"].as_u64().unwrap_or_default(),
                Some((
                    region["endLine"].as_u64().unwrap_or_default(),
                    region["endColumn"].as_u64().unwrap_or_default(),
                )),
                r["message"]["text"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .map(|(rule, file, line, column, end, text)| {
            let key = (rule.clone(), file.clone(), line, column);
            let message = match details.get(&key) {
                Some(detail) => text
                    .strip_suffix(detail.as_str())
                    .and_then(|t| t.strip_suffix('\n'))
                    .map_or(text.clone(), str::to_owned),
                None => text,
            };
            (rule, file, line, column, end, message)
        })
        .collect();
    let only =
        |a: &BTreeSet<Place>, b: &BTreeSet<Place>| a.difference(b).cloned().collect::<Vec<_>>();
    assert!(
        from_sarif == from_json,
        "SARIF and JSON differ: only in SARIF {:#?}, only in JSON {:#?}",
        only(&from_sarif, &from_json),
        only(&from_json, &from_sarif)
    );
    // JUnit: every finding in its rule's case, as `FILE:LINE:COL: MESSAGE [severity]`.
    let xml = run_as("junit").stdout;
    let doc = roxmltree::Document::parse(&xml).expect("JUnit XML");
    let mut from_junit: BTreeSet<Place> = BTreeSet::new();
    for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let rule = case
            .attribute("name")
            .and_then(|n| n.split_once(':'))
            .map(|(r, _)| r.to_owned())
            .unwrap_or_default();
        for body in case
            .children()
            .filter(|n| n.has_tag_name("failure") || n.has_tag_name("system-out"))
        {
            for line in body.text().unwrap_or_default().lines() {
                let Some((place, rest)) = line.split_once(": ") else {
                    continue;
                };
                let mut parts = place.rsplitn(3, ':');
                let (Some(column), Some(line_no), Some(file)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                let (Ok(column), Ok(line_no)) = (column.parse::<u64>(), line_no.parse::<u64>())
                else {
                    continue;
                };
                let message = rest.rsplit_once(" [").map_or(rest, |(m, _)| m);
                from_junit.insert((
                    rule.clone(),
                    file.to_owned(),
                    line_no,
                    column,
                    None,
                    message.to_owned(),
                ));
            }
        }
    }
    let without_end: BTreeSet<Place> = from_json
        .iter()
        .map(|(r, f, l, c, _, m)| (r.clone(), f.clone(), *l, *c, None, m.clone()))
        .collect();
    assert!(
        from_junit == without_end,
        "JUnit and JSON differ: only in JUnit {:#?}, only in JSON {:#?}",
        only(&from_junit, &without_end),
        only(&without_end, &from_junit)
    );
}

/// What the formats say beyond findings, exactly: an input error as a
/// JUnit `<error>` case and a GitHub annotation on the repository-relative
/// file (the scan is given an absolute path), the SARIF run's `%SRCROOT%`
/// as the work tree's `file://` URI, and a rule's SARIF name and full
/// description taken from its explanation.
#[test]
fn input_errors_and_rule_metadata_reach_every_format_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = crate::util::root().join("tests/fixtures/scan/broken");
    let insecure = crate::util::root().join("tests/fixtures/scan/insecure/Dockerfile");
    let (sarif, junit, github) = (
        dir.path().join("out.sarif"),
        dir.path().join("out.xml"),
        dir.path().join("out.github"),
    );
    let run = bulwark(&[
        "scan",
        "--no-config",
        "--output",
        &format!("sarif={}", crate::util::s(&sarif)),
        "--output",
        &format!("junit={}", crate::util::s(&junit)),
        "--output",
        &format!("github={}", crate::util::s(&github)),
        &crate::util::s(&broken),
        &crate::util::s(&insecure),
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let rel = "tests/fixtures/scan/broken/deploy.yaml";
    let message = "duplicate key in this mapping (first written on line 5)";

    let annotations = std::fs::read_to_string(&github).expect("github");
    assert!(
        annotations.contains(&format!(
            "::error file={rel},line=6,col=3,title=bulwark%3A input error (duplicate-key)::{message}"
        )),
        "{annotations}"
    );
    assert!(
        annotations.contains("::error file=tests/fixtures/scan/insecure/Dockerfile,line="),
        "{annotations}"
    );

    let xml = std::fs::read_to_string(&junit).expect("junit");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let suite = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("testsuite") && n.attribute("name").is_some_and(|s| s.ends_with(rel))
        })
        .unwrap_or_else(|| panic!("no suite for {rel}: {xml}"));
    assert_eq!(suite.attribute("errors"), Some("1"));
    assert_eq!(suite.attribute("tests"), Some("1"));
    let error = suite
        .descendants()
        .find(|n| n.has_tag_name("error"))
        .expect("an error case");
    assert_eq!(error.attribute("type"), Some("input-error"));
    let expected = format!(
        "{}:6:3: {message} [duplicate-key]",
        crate::util::s(&broken.join("deploy.yaml"))
    );
    assert_eq!(error.attribute("message"), Some(expected.as_str()));
    assert_eq!(error.text(), Some(expected.as_str()));

    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).expect("sarif")).expect("json");
    let root = crate::util::root().canonicalize().expect("root");
    assert_eq!(
        log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        format!("file://{}/", root.display())
    );
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let user_root = rules
        .iter()
        .find(|r| r["id"] == "docker-user-root")
        .expect("docker-user-root in the driver's rules");
    assert_eq!(user_root["name"], "DockerUserRoot");
    let explained = bulwark(&["explain", "docker-user-root"]).stdout;
    let why: Vec<&str> = explained
        .lines()
        .skip_while(|l| !l.starts_with("## Why it matters"))
        .skip(1)
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    assert!(!why.is_empty(), "{explained}");
    assert_eq!(user_root["fullDescription"]["text"], why.join(" "));
}

/// JUnit: a rule that reports on a kind it does not list (a suppression
/// without a reason) still gets its case, and a case with several findings
/// says how many more there are.
#[test]
fn junit_cases_cover_every_reporting_rule_and_count_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20\n# bulwark:ignore docker-add-instead-of-copy\nADD a.txt /a\nADD b.txt /b\n",
    );
    let run = bulwark(&["scan", "--no-config", "--format", "junit", &s(dir.path())]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = roxmltree::Document::parse(&run.stdout).expect("well-formed XML");
    let case = |id: &str| {
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .filter(|n| {
                n.attribute("name")
                    .is_some_and(|name| name.starts_with(&format!("{id}: ")))
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        case("bulwark-suppression-reason").len(),
        1,
        "{}",
        run.stdout
    );
    let add = case("docker-add-instead-of-copy");
    assert_eq!(add.len(), 1, "{}", run.stdout);
    let failure = add[0]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failure");
    let message = failure.attribute("message").unwrap_or_default();
    assert!(message.ends_with(" (and 1 more)"), "{message}");
}

/// A control character in a file name cannot break the JUnit XML: it is
/// replaced, and the document still parses.
#[test]
fn junit_replaces_control_characters_in_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "a\u{1}b/Dockerfile",
        "FROM alpine:3.20\nUSER root\n",
    );
    let run = bulwark(&["scan", "--no-config", "--format", "junit", &s(dir.path())]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains('\u{1}'));
    let doc = roxmltree::Document::parse(&run.stdout).expect("well-formed XML");
    assert!(
        doc.descendants()
            .filter_map(|n| n.attribute("name"))
            .any(|name| name.contains("a\u{FFFD}b/Dockerfile")),
        "{}",
        run.stdout
    );
}
