//! Hostile rule components: each failure is reported as a rule failure
//! naming module and rule, exit code 3, and the other rules' findings are
//! still reported.

use std::time::Duration;

use crate::util::{bulwark, pinned};

const HOSTILE: &str = "rules-wasm/dist/hostile.wasm";
const DOCKERFILE: &str =
    "rules-wasm/cis-docker-build/fixtures/docker-user-root/dockerfile/fail/Dockerfile";

fn hostile(rule: &str) -> crate::util::Run {
    bulwark(&[
        "scan",
        "--format",
        "json",
        "--rules",
        &pinned(HOSTILE),
        "--rule",
        rule,
        "--rule",
        "hostile-ok",
        "--rule",
        "docker-user-root",
        "--rule-timeout",
        "300ms",
        "--rule-memory",
        "64MiB",
        DOCKERFILE,
    ])
}

fn check(rule: &str, expected_kind: &str, expected_text: &str) {
    let run = hostile(rule);
    assert_eq!(run.code, 3, "{rule}: {}{}", run.stdout, run.stderr);
    let json = run.json();
    let failures = json["failures"].as_array().cloned().unwrap_or_default();
    assert_eq!(failures.len(), 1, "{rule}: {failures:?}");
    assert_eq!(failures[0]["module"], "hostile");
    assert_eq!(failures[0]["rule_id"], rule);
    assert_eq!(failures[0]["kind"], expected_kind);
    assert!(
        failures[0].to_string().contains(expected_text),
        "{rule}: {}",
        failures[0]
    );
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    assert!(
        rules.contains(&"docker-user-root"),
        "{rule}: the pack's findings are kept: {rules:?}"
    );
    assert!(
        rules.contains(&"hostile-ok"),
        "{rule}: the module's other rules are kept: {rules:?}"
    );
    assert_eq!(json["summary"]["verdict"], "rule-failure");
    // The whole process, compile included, well within a few seconds; the
    // deadline itself is measured by the engine's tests.
    assert!(
        run.elapsed < Duration::from_secs(10),
        "{rule}: {:?}",
        run.elapsed
    );
}

#[test]
fn an_infinite_loop_hits_the_deadline() {
    check("hostile-loop", "timeout", "\"limit_ms\":300");
}

#[test]
fn unbounded_allocation_hits_the_memory_limit() {
    check("hostile-alloc", "memory-limit", "\"limit_bytes\":67108864");
}

#[test]
fn a_trap_is_a_rule_failure() {
    check("hostile-trap", "trap", "unreachable");
}

#[test]
fn a_pointer_outside_the_document_is_a_rule_failure() {
    check("hostile-bad-pointer", "bad-pointer", "/this/does/not/exist");
}

#[test]
fn human_output_names_the_module_and_rule() {
    let run = bulwark(&[
        "scan",
        "--color",
        "never",
        "--rules",
        &pinned(HOSTILE),
        "--rule",
        "hostile-loop",
        "--rule-timeout",
        "200ms",
        DOCKERFILE,
    ]);
    assert_eq!(run.code, 3);
    assert!(
        run.stdout.contains("error[rule-failure]: rule `hostile-loop` (module `hostile`) ran past its 200 ms CPU deadline while evaluating rules-wasm/cis-docker-build/fixtures/docker-user-root/dockerfile/fail/Dockerfile"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_component_importing_anything_but_wasi_is_refused_and_the_rest_still_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sneaky.wat");
    std::fs::write(
        &path,
        r#"(component
            (import "acme:net/http@1.0.0" (instance
                (export "get" (func (param "url" string) (result string)))
            ))
        )"#,
    )
    .expect("write");
    let run = bulwark(&[
        "scan",
        "--format",
        "json",
        "--rules",
        &pinned(&path.display().to_string()),
        DOCKERFILE,
    ]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    let failure = &json["failures"][0];
    assert_eq!(failure["module"], "sneaky");
    assert_eq!(failure["kind"], "load");
    assert!(
        failure["message"]
            .as_str()
            .is_some_and(|m| m.contains("imports `acme:net/http@1.0.0`")
                && m.contains("nothing but WASI 0.2")),
        "{failure}"
    );
    assert!(
        json["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["rule_id"] == "docker-user-root"))
    );
}

#[test]
fn rule_id_collisions_are_refused() {
    let run = bulwark(&[
        "scan",
        "--rules",
        &pinned("rules-wasm/dist/cis-docker-build.wasm"),
        DOCKERFILE,
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "is declared by both module `cis-docker-build` and module `cis-docker-build`"
        ),
        "{}",
        run.stderr
    );
}
