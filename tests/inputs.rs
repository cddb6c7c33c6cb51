//! Malformed and hostile inputs: each gives a clear error naming
//! `file:line`, exit code 2, and never a panic; the rest of the scan is
//! still reported.

use std::io::Write;

use crate::util::bulwark;

fn scan_file(name: &str, bytes: &[u8]) -> (crate::util::Run, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    let run = bulwark(&["scan", "--color", "never", &path.display().to_string()]);
    (run, dir)
}

#[test]
fn malformed_dockerfiles_are_input_errors_with_a_location() {
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "unterminated-heredoc",
            b"FROM alpine:3.20\nRUN <<EOF\necho hi\n",
            ":2:5: unterminated heredoc",
        ),
        (
            "invalid-json",
            b"FROM alpine:3.20\nCMD [\"nginx\", \"-g\"\n",
            ":2:5: CMD looks like exec form but is not a JSON array of strings",
        ),
        (
            "unknown-instruction",
            b"FROM alpine:3.20\nRUNN echo\n",
            ":2:1: unknown instruction (did you mean `RUN`?)",
        ),
        (
            "binary",
            b"FROM alpine\n\x00\x01\x02ELF",
            ":2:1: binary file",
        ),
        (
            "invalid-utf8",
            b"FROM alpine:3.20\nLABEL a=\xc3\x28\n",
            ":2:9: invalid UTF-8",
        ),
    ];
    for (name, bytes, expected) in cases {
        let (run, dir) = scan_file("Dockerfile", bytes);
        assert_eq!(run.code, 2, "{name}: {}", run.stdout);
        let path = dir.path().join("Dockerfile").display().to_string();
        assert!(
            run.stdout.contains(&format!("{path}{expected}"))
                || run
                    .stdout
                    .contains(&expected[expected.find(": ").map_or(0, |i| i + 2)..]),
            "{name}: {}",
            run.stdout
        );
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        let json = bulwark(&["scan", "--format", "json", &path]).json();
        let error = &json["errors"][0];
        let want_line: u64 = expected[1..]
            .split(':')
            .next()
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        assert_eq!(error["line"], want_line, "{name}: {error}");
        assert_eq!(error["file"], path.as_str());
        assert_eq!(json["summary"]["verdict"], "input-error");
    }
}

#[test]
fn oversized_files_are_refused_without_reading_them_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Dockerfile");
    let mut file = std::fs::File::create(&path).expect("create");
    file.write_all(b"FROM alpine:3.20\n").expect("write");
    let line = [b"RUN echo 0123456789abcdef0123456789abcdef0123456789abcdef\n".as_slice()].concat();
    for _ in 0..(50 * 1024 * 1024 / line.len()) {
        file.write_all(&line).expect("write");
    }
    drop(file);
    let run = bulwark(&["scan", "--color", "never", &path.display().to_string()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("over the 10485760-byte input limit"),
        "{}",
        run.stdout
    );
    // The whole file, not a made-up position in it.
    assert!(
        run.stdout.contains(&format!("in {}\n", path.display())),
        "{}",
        run.stdout
    );
    let json = bulwark(&["scan", "--format", "json", &path.display().to_string()]).json();
    assert_eq!(json["errors"][0]["code"], "too-large");
    assert!(json["errors"][0].get("line").is_none(), "{json}");
}

#[test]
fn one_bad_file_does_not_hide_the_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("Dockerfile"), b"FROM alpine\n").expect("write");
    std::fs::create_dir(dir.path().join("broken")).expect("mkdir");
    std::fs::write(
        dir.path().join("broken/Dockerfile"),
        b"FROM alpine\nRUN <<EOF\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("README.md"), b"# not an input\n").expect("write");
    std::fs::write(dir.path().join("LICENSE"), b"Apache License\n").expect("write");
    let json = bulwark(&[
        "scan",
        "--format",
        "json",
        &dir.path().display().to_string(),
    ])
    .json();
    assert_eq!(json["errors"].as_array().map(Vec::len), Some(1));
    assert!(
        json["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["rule_id"] == "docker-base-latest"))
    );
    assert_eq!(json["summary"]["files"], 1);
}

/// The files of the JSON report's coverage account with their status (and
/// reason), by name relative to `dir`.
fn account(json: &serde_json::Value, dir: &std::path::Path) -> Vec<String> {
    let prefix = format!("{}/", dir.display());
    json["coverage"]["files"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let path = f["path"].as_str().unwrap_or("");
            let status = f["status"].as_str().unwrap_or("");
            match f["reason"].as_str() {
                Some(reason) => format!("{} {status} {reason}", path.trim_start_matches(&prefix)),
                None => format!("{} {status}", path.trim_start_matches(&prefix)),
            }
        })
        .collect()
}

#[test]
fn walks_directories_as_git_sees_them_and_sniffs_content() {
    use crate::util::git;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q"]);
    std::fs::write(d.join(".gitignore"), b"ignored/\n").expect("write");
    std::fs::create_dir_all(d.join("ignored")).expect("mkdir");
    std::fs::write(d.join("ignored/Dockerfile"), b"FROM alpine\n").expect("write");
    std::fs::create_dir_all(d.join("svc")).expect("mkdir");
    std::fs::write(d.join("svc/Containerfile"), b"FROM alpine:3.20\n").expect("write");
    std::fs::write(
        d.join("svc/build-image"),
        b"# no extension, but a Dockerfile\nFROM alpine:3.20\n",
    )
    .expect("write");
    std::fs::write(d.join("svc/script"), b"#!/bin/sh\necho FROM here\n").expect("write");
    std::fs::create_dir_all(d.join(".hidden")).expect("mkdir");
    std::fs::write(d.join(".hidden/Dockerfile"), b"FROM alpine:3.20\n").expect("write");
    std::fs::write(d.join("README.md"), b"# hi\n").expect("write");
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--format", "json", "--rule", "docker-user-root"];
        args.extend_from_slice(extra);
        let target = d.display().to_string();
        args.push(&target);
        bulwark(&args).json()
    };
    // Untracked files count unless git ignores them; hidden files count.
    let json = scan(&[]);
    assert_eq!(
        account(&json, d),
        [
            ".gitignore not-input unrecognised",
            ".hidden/Dockerfile scanned",
            "README.md not-input unrecognised",
            "ignored skipped git-ignored",
            "svc/Containerfile scanned",
            "svc/build-image scanned",
            "svc/script not-input unrecognised",
        ]
    );
    assert_eq!(json["summary"]["files"], 3);
    // Tracked, a file is scanned whatever .gitignore says.
    git(d, &["add", "-f", "ignored/Dockerfile", "svc", ".gitignore"]);
    git(d, &["commit", "-qm", "x"]);
    let json = scan(&[]);
    assert!(
        account(&json, d).contains(&"ignored/Dockerfile scanned".to_owned()),
        "{json}"
    );
    // A directory git ignores and tracks nothing in is scanned when named.
    std::fs::create_dir_all(d.join("ignored/more")).expect("mkdir");
    std::fs::write(d.join("ignored/more/Dockerfile"), b"FROM alpine\n").expect("write");
    let named = bulwark(&[
        "scan",
        "--format",
        "json",
        "--rule",
        "docker-user-root",
        &d.join("ignored/more").display().to_string(),
    ])
    .json();
    assert_eq!(named["summary"]["files"], 1, "{named}");
    // --no-ignore takes untracked ignored files too.
    let all = scan(&["--no-ignore"]);
    assert!(
        account(&all, d).contains(&"ignored/more/Dockerfile scanned".to_owned()),
        "{all}"
    );
}
