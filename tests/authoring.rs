//! Writing a rule module of one's own, end to end: `bulwark new rule`,
//! `bulwark build`, `bulwark test` (passing, then with a broken
//! expectation), and `bulwark scan` with the module pinned.
//!
//! Building needs a wasm toolchain (rustup's wasm32 target, or Debian's
//! rustc-web); `.ci/run` installs one and sets
//! `BULWARK_REQUIRE_WASM_TOOLCHAIN=1`, so there the test cannot skip.

use std::path::Path;

use crate::util::{bulwark, s};

pub(crate) fn toolchain_or_skip() -> bool {
    match bulwark_build::Toolchain::detect() {
        Ok(_) => true,
        Err(e) if std::env::var_os("BULWARK_REQUIRE_WASM_TOOLCHAIN").is_none() => {
            #[allow(clippy::disallowed_macros)]
            {
                eprintln!("skipped: no wasm toolchain here ({e})");
            }
            false
        }
        Err(e) => panic!("BULWARK_REQUIRE_WASM_TOOLCHAIN is set, but: {e}"),
    }
}

#[test]
fn a_scaffolded_rule_builds_tests_and_runs_pinned() {
    if !toolchain_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let krate = dir.path().join("acme-source-label");
    let run = bulwark(&[
        "new",
        "rule",
        "acme-source-label",
        "--dir",
        &s(&krate),
        "--sdk",
        &s(&crate::util::root().join("rules-wasm/sdk")),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Not over an existing crate.
    let again = bulwark(&["new", "rule", "acme-source-label", "--dir", &s(&krate)]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    // One target directory for every run of the suite: only the first
    // build is cold.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("authoring");
    let built = bulwark(&[
        "--format",
        "json",
        "build",
        &s(&krate),
        "--target-dir",
        &s(&target),
    ]);
    assert_eq!(built.code, 0, "{}{}", built.stdout, built.stderr);
    let built = built.json();
    assert_eq!(built["rules"], serde_json::json!(["acme-source-label"]));
    let component = built["component"].as_str().expect("component").to_owned();
    let digest = built["sha256"].as_str().expect("sha256").to_owned();
    assert_eq!(
        digest,
        bulwark_evidence::sha256_hex(&std::fs::read(&component).expect("component written"))
    );

    let fixtures = s(&krate.join("fixtures"));
    let run = bulwark(&["test", &component, &fixtures]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("2 passed, 0 failed"), "{}", run.stdout);

    // The expectation on the wrong line: both halves of the mismatch.
    let fail = krate.join("fixtures/acme-source-label/dockerfile/fail/Dockerfile");
    let text = std::fs::read_to_string(&fail).expect("fixture");
    let broken = text.replace("# expect: acme-source-label\n", "").replace(
        "WORKDIR /src\n",
        "# expect: acme-source-label\nWORKDIR /src\n",
    );
    std::fs::write(&fail, broken).expect("write");
    let run = bulwark(&["test", &component, &fixtures]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let fail_name = format!("{fixtures}/acme-source-label/dockerfile/fail/Dockerfile");
    assert!(
        run.stdout.contains(&format!(
            "{fail_name}:3: expected acme-source-label, found none"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "{fail_name}:7:1: unexpected acme-source-label: the final image has no `org.opencontainers.image.source` label"
        )),
        "{}",
        run.stdout
    );
    std::fs::write(&fail, text).expect("restore");

    // In a scan, pinned; the pin is what `bulwark build` printed.
    let run = bulwark(&[
        "scan",
        "--format",
        "json",
        "--rules",
        &format!("{component}@sha256:{digest}"),
        "--rule",
        "acme-source-label",
        &fixtures,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let findings: Vec<(String, u64)> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(findings, [(fail_name.clone(), 7)]);

    // The core module cargo left behind is accepted too: encoded on load.
    let core = target.join("wasm32-unknown-unknown/release/acme_source_label.wasm");
    let run = bulwark(&["test", &s(&core), &fixtures]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

/// The example module written in Python (rules-wasm/python-example, built
/// by its build.sh with componentize-py) runs like the Rust packs: through
/// `bulwark test`, and in a scan pinned, its findings at the right line.
/// Such a component imports WASI; bulwark links it granting nothing.
/// `.ci/run` builds it first and sets `BULWARK_REQUIRE_PYTHON_EXAMPLE=1`.
#[test]
fn a_rule_written_in_python_runs_like_the_rust_ones() {
    let component = crate::util::root().join("target/python-example/python-example.wasm");
    if !component.is_file() {
        assert!(
            std::env::var_os("BULWARK_REQUIRE_PYTHON_EXAMPLE").is_none(),
            "{} is missing: run rules-wasm/python-example/build.sh",
            component.display()
        );
        #[allow(clippy::disallowed_macros)]
        {
            eprintln!("skipped: rules-wasm/python-example/build.sh has not run");
        }
        return;
    }
    let component = s(&component);
    let fixtures = "rules-wasm/python-example/fixtures";
    let run = bulwark(&["test", &component, fixtures]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("2 passed, 0 failed"), "{}", run.stdout);

    let pinned = format!(
        "{component}@sha256:{}",
        bulwark_evidence::sha256_hex(&std::fs::read(&component).expect("component"))
    );
    let run = bulwark(&[
        "scan",
        "--format",
        "json",
        "--rules",
        &pinned,
        "--rule",
        "python-maintainer-deprecated",
        fixtures,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["failures"], serde_json::json!([]));
    let finding = &json["findings"][0];
    assert_eq!(finding["rule_id"], "python-maintainer-deprecated");
    assert_eq!(finding["module"], "python-example");
    assert_eq!(finding["file"], format!("{fixtures}/fail/Dockerfile"));
    assert_eq!(finding["line"], 3);
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(1));

    let explained = bulwark(&[
        "explain",
        "python-maintainer-deprecated",
        "--rules",
        &pinned,
    ]);
    assert_eq!(explained.code, 0, "{}", explained.stderr);
    assert!(
        explained.stdout.contains("written in Python"),
        "{}",
        explained.stdout
    );
}
