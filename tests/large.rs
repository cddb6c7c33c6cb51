//! Large valid inputs, within the default limits (`--max-file-size` 10
//! MiB, 256 MiB of rule memory, 500 ms per rule), scan without a rule
//! failure. The files are made here, not committed; how long they take and
//! how much memory they need is measured by `benches/large.sh`, not here.

use crate::util::{Run, bulwark, s, write};
use std::fmt::Write as _;

/// The default `--max-file-size`.
const MAX_FILE_SIZE: usize = 10 * 1024 * 1024;

/// Lines from `line(i)` until the text would pass 9.9 MB.
fn fill(head: &str, line: impl Fn(usize) -> String) -> String {
    let mut text = head.to_owned();
    for i in 0.. {
        let next = line(i);
        if text.len() + next.len() > 9_900_000 {
            break;
        }
        text.push_str(&next);
    }
    assert!(text.len() < MAX_FILE_SIZE);
    text
}

#[test]
fn values_files_of_millions_of_scalars_scan_without_a_rule_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 4.9 million scalars in flow sequences.
    let row = format!("  - [{}]\n", vec!["0"; 500].join(","));
    write(
        dir.path(),
        "values.yaml",
        &fill("matrix:\n", |_| row.clone()),
    );
    // 1.6 million scalars under 270,000 keys.
    write(
        dir.path(),
        "values-keys.yaml",
        &fill("", |i| {
            let mut line = String::new();
            let _ = writeln!(line, "k{i}: {{a: 1, b: x, c: true, d: 2, e: y}}");
            line
        }),
    );
    let (run, report) = scan_without_failure(dir.path());
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Scans `dir` (no cache, a JSON report) and checks that no rule failed and
/// no input was refused.
fn scan_without_failure(dir: &std::path::Path) -> (Run, serde_json::Value) {
    let run = bulwark(&["scan", "--no-cache", "--format", "json", &s(dir)]);
    let report = run.json();
    assert_eq!(report["failures"], serde_json::json!([]), "{}", run.stderr);
    assert_eq!(report["errors"], serde_json::json!([]), "{}", run.stderr);
    (run, report)
}

/// The rule IDs of a JSON report's findings.
fn rule_ids(report: &serde_json::Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["rule_id"].as_str())
        .collect()
}

#[test]
fn a_dockerfile_of_half_a_million_instructions_scans_without_a_rule_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 495,000 `RUN` lines: 10.4 MB, the last within the file limit.
    let mut text = String::from("FROM alpine:3.19\n");
    for i in 0..495_000 {
        let _ = writeln!(text, "RUN echo {i:06} done");
    }
    text.push_str("USER root\n");
    assert!(text.len() < MAX_FILE_SIZE);
    write(dir.path(), "Dockerfile", &text);
    let (run, report) = scan_without_failure(dir.path());
    // Every instruction was read: the last one is found, where it is.
    let root = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule_id"] == "docker-user-root")
        .unwrap_or_else(|| panic!("{:?}", rule_ids(&report)));
    assert_eq!(root["line"], 495_002, "{root}");
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn a_run_line_of_millions_of_words_scans_without_a_rule_failure() {
    let dir = tempfile::tempdir().expect("tempdir");
    // One `RUN` line of five million words: 10 MB, under the file limit.
    let mut text = String::from("FROM alpine:3.19\nRUN echo");
    text.push_str(&" a".repeat(5 * 1024 * 1024 - 20));
    text.push('\n');
    assert!(text.len() < MAX_FILE_SIZE);
    write(dir.path(), "Dockerfile", &text);
    let (run, report) = scan_without_failure(dir.path());
    // The Dockerfile rules ran: the final stage runs as root.
    let rules = rule_ids(&report);
    assert!(rules.contains(&"docker-user-root"), "{rules:?}");
    assert_eq!(run.code, 1, "{}", run.stderr);
}

/// Scans `dir` (no cache, a JSON report, `extra` flags) expecting one input
/// error of `code` and no rule failure: the verdict is refused for the
/// input, never blamed on a module.
fn scan_refused(dir: &std::path::Path, extra: &[&str], code: &str) -> serde_json::Value {
    let mut args = vec!["scan", "--no-cache", "--format", "json"];
    args.extend_from_slice(extra);
    let path = s(dir);
    args.push(&path);
    let run = bulwark(&args);
    let report = run.json();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(report["failures"], serde_json::json!([]), "{}", run.stderr);
    let errors = report["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["code"], code, "{errors:?}");
    errors[0].clone()
}

#[test]
fn a_dockerfile_whose_document_cannot_fit_the_rule_memory_is_refused_where_it_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 100,000 one-word `RUN` lines: 23 values each in the document, 37 MB
    // of a module's tree against 16 MiB of rule memory. (At the default
    // 256 MiB, 1.75 million such lines fit in the 10 MiB file limit and
    // had taken 3.4 GB and a rule failure: `benches/large.sh`.)
    let mut text = String::from("FROM alpine:3.19\n");
    text.push_str(&"RUN a\n".repeat(100_000));
    write(dir.path(), "Dockerfile", &text);
    let error = scan_refused(
        dir.path(),
        &["--rule-memory", "16MiB"],
        "document-too-large",
    );
    let line = error["line"].as_u64().unwrap_or(0);
    // Refused partway: the rest of the file was never built.
    assert!((2..100_000).contains(&line), "{error}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("--rule-memory")),
        "{error}"
    );
    // With room for it, the same file scans.
    let run = bulwark(&[
        "scan",
        "--no-cache",
        "--format",
        "json",
        "--rule-memory",
        "128MiB",
        &s(dir.path()),
    ]);
    let report = run.json();
    assert_eq!(report["errors"], serde_json::json!([]), "{}", run.stderr);
    assert_eq!(report["failures"], serde_json::json!([]), "{}", run.stderr);
}

#[test]
fn aliases_that_copy_a_long_text_many_times_are_refused_as_an_alias_bomb() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 1 MB of file: one anchored string of 1 MiB, named 2,000 times. Each
    // alias is a copy, 2 GB in all; it had taken 4 GB and a rule failure.
    let mut text = format!("x: &x \"{}\"\ny:\n", "a".repeat(1 << 20));
    text.push_str(&"- *x\n".repeat(2_000));
    write(dir.path(), "values.yaml", &text);
    let error = scan_refused(dir.path(), &[], "alias-bomb");
    // The 17th alias is the one past 16 MiB of copies.
    assert_eq!(error["line"], 19, "{error}");
}

#[test]
fn variables_that_name_each_other_many_times_are_refused_as_an_expansion_bomb() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 1.4 KB: each ENV names the one before ten times, so the seventh
    // would hold 10 GB (it had taken all of that, or aborted the process).
    let mut text = format!("FROM alpine:3.19\nENV a0={}\n", "x".repeat(1000));
    for i in 1..8 {
        let _ = writeln!(text, "ENV a{i}={}", format!("${{a{}}}", i - 1).repeat(10));
    }
    text.push_str("USER $a7\n");
    write(dir.path(), "Dockerfile", &text);
    let error = scan_refused(dir.path(), &[], "expansion-bomb");
    // a4 holds 10 MB; a5 is the first past 16 MiB of copies.
    assert_eq!(error["line"], 7, "{error}");
}

#[test]
fn scripts_nested_past_the_parsers_depth_are_split_not_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 60 KB: 20,000 nested groups, command substitutions and defaults had
    // overflowed the shell parser's stack and aborted the whole scan.
    let n = 20_000;
    let runs = [
        format!("RUN {}true; {}", "{ ".repeat(n), "}; ".repeat(n)),
        format!("RUN echo {}x{}", "$(echo ".repeat(n), ")".repeat(n)),
        format!("RUN echo \"{}x{}\"", "${a:-".repeat(n), "}".repeat(n)),
    ];
    write(
        dir.path(),
        "Dockerfile",
        &format!("FROM alpine:3.19\n{}\nUSER app\n", runs.join("\n")),
    );
    let (run, _) = scan_without_failure(dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    // In FROM, ARG, ENV and USER, bulwark substitutes variables itself.
    let deep = format!(
        "FROM alpine:3.19\nENV x={}x{}\n",
        "${a:-".repeat(n),
        "}".repeat(n)
    );
    write(dir.path(), "Dockerfile", &deep);
    let error = scan_refused(dir.path(), &[], "substitution-too-deep");
    assert_eq!(error["line"], 2, "{error}");
}

#[test]
fn a_file_of_thousands_of_secrets_is_masked_in_every_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 10,000 secrets, each named in a finding: every message was masked
    // with every secret, and each secret looked for through the whole file
    // (time growing with the square of the file).
    let mut text = String::from("FROM alpine:3.19\n");
    for i in 0..10_000 {
        let _ = writeln!(text, "ENV DB_PASSWORD_{i}=S3cr3tV4lu3{i:06}");
    }
    text.push_str("USER app\n");
    write(dir.path(), "Dockerfile", &text);
    let (run, report) = scan_without_failure(dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        rule_ids(&report).len() >= 10_000,
        "{}",
        rule_ids(&report).len()
    );
    let human = bulwark(&["scan", "--no-cache", "--color", "never", &s(dir.path())]);
    for out in [&run.stdout, &human.stdout] {
        assert!(!out.contains("S3cr3tV4lu3"), "a secret shown");
    }
    assert!(
        human.stdout.contains("DB_PASSWORD_9999"),
        "the last one reported"
    );
}

#[test]
fn a_service_of_a_hundred_thousand_ports_is_judged_port_by_port() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 2.5 MB: one finding per port. Each finding's pointer was found from
    // the document's root, through every element before it (five billion
    // steps here): the rule ran past its deadline, a rule failure on a file
    // within the limits. Now linear, well inside it on a loaded runner.
    let mut text = String::from("services:\n  a:\n    image: x@sha256:0\n    ports:\n");
    text.push_str(&"      - \"0-65535:0-65535\"\n".repeat(100_000));
    write(dir.path(), "compose.yaml", &text);
    let (run, report) = scan_without_failure(dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let ports = rule_ids(&report)
        .into_iter()
        .filter(|&r| r == "runtime-port-all-interfaces")
        .count();
    assert_eq!(ports, 100_000);
}
