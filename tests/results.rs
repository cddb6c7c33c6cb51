//! The result cache: a file whose bytes, modules and settings did not
//! change is not evaluated again, and its report is what a fresh
//! evaluation gives (fingerprints included); an edited file alone is
//! evaluated again; a corrupt or foreign entry is ignored and rewritten;
//! `--no-cache` gives the same output without it.

use std::path::Path;

use crate::util::{Run, bulwark_env, s, write};

const DOCKERFILE: &str = "FROM ubuntu:latest\nRUN curl -fsSL https://example.com/x.sh | bash\nENV DB_PASSWORD=hunter2hunter2\n";
const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.25\n          securityContext:\n            privileged: true\n";
const COMPOSE: &str = "services:\n  db:\n    image: postgres:16\n    privileged: true\n    environment:\n      POSTGRES_PASSWORD: s3cr3t-Passw0rd-x\n";

/// A repository of three inputs and a cache directory, side by side.
fn repo(dir: &Path) {
    write(dir, "repo/Dockerfile", DOCKERFILE);
    write(dir, "repo/deploy/web.yaml", DEPLOYMENT);
    write(dir, "repo/compose.yaml", COMPOSE);
}

/// `scan repo --format json` with evidence, the cache in `dir/cache`;
/// the run and how many files the evidence says came from the cache.
fn scan(dir: &Path, extra: &[&str]) -> (Run, u64) {
    let keys = dir.join("k");
    if !dir.join("k.key").exists() {
        let made = bulwark_env(&["keygen", "--out", &s(&keys)], b"", &[]);
        assert_eq!(made.code, 0, "{}", made.stderr);
    }
    let evidence = dir.join("evidence.json");
    let repo = s(&dir.join("repo"));
    let key = s(&dir.join("k.key"));
    let ev = s(&evidence);
    let mut args = vec!["scan", "--format", "json", "--evidence", &ev, "--key", &key];
    args.extend_from_slice(extra);
    args.push(&repo);
    let cache = dir.join("cache");
    let run = bulwark_env(&args, b"", &[("BULWARK_CACHE_DIR", cache.as_path())]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let predicate = crate::config::predicate_of(&evidence);
    let cached = predicate["counts"]["cached_files"]
        .as_u64()
        .unwrap_or(u64::MAX);
    (run, cached)
}

/// The report without what differs between runs (times).
fn report(run: &Run) -> serde_json::Value {
    let mut json = run.json();
    if let Some(o) = json.as_object_mut() {
        o.remove("timing");
    }
    json
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir.join("cache/results"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn unchanged_files_come_from_the_cache_and_an_edited_one_alone_is_evaluated_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    repo(dir);
    let (cold, cached) = scan(dir, &[]);
    assert_eq!(cached, 0);
    assert_eq!(entries(dir).len(), 3, "one entry per file");
    let (warm, cached) = scan(dir, &[]);
    assert_eq!(cached, 3);
    assert_eq!(
        report(&warm),
        report(&cold),
        "identical, fingerprints included"
    );
    assert!(
        cold.json()["findings"].as_array().is_some_and(|f| f
            .iter()
            .all(|f| f["fingerprint"].as_str().is_some_and(|p| !p.is_empty()))),
        "{}",
        cold.stdout
    );
    // The secret stays masked when the findings come from the cache.
    assert!(!warm.stdout.contains("hunter2hunter2") && !warm.stdout.contains("s3cr3t-Passw0rd-x"));

    // One file edited: it alone is evaluated again, and what it says now
    // is reported.
    write(
        dir,
        "repo/Dockerfile",
        &DOCKERFILE.replace("ubuntu:latest", "ubuntu:24.04"),
    );
    let (edited, cached) = scan(dir, &[]);
    assert_eq!(cached, 2);
    let rules = |run: &Run, file: &str| -> Vec<String> {
        let mut v: Vec<String> = run.json()["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["file"].as_str().is_some_and(|p| p.ends_with(file)))
            .map(|f| f["rule_id"].as_str().unwrap_or_default().to_owned())
            .collect();
        v.sort();
        v
    };
    assert!(rules(&cold, "Dockerfile").contains(&"docker-base-latest".to_owned()));
    assert!(!rules(&edited, "Dockerfile").contains(&"docker-base-latest".to_owned()));
    assert_eq!(rules(&edited, "web.yaml"), rules(&cold, "web.yaml"));

    // A change of settings is a change of everything.
    let (judged, cached) = scan(dir, &["--pss-level", "baseline"]);
    assert_eq!(cached, 0, "{}", judged.stderr);

    // --no-cache: the same report, nothing from the cache.
    let (fresh, cached) = scan(dir, &["--no-cache"]);
    assert_eq!(cached, 0);
    let (again, _) = scan(dir, &[]);
    assert_eq!(report(&fresh), report(&again));
}

#[test]
fn a_corrupt_or_foreign_entry_is_ignored_and_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    repo(dir);
    let (cold, _) = scan(dir, &[]);
    let files = entries(dir);
    assert_eq!(files.len(), 3);
    let texts: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).expect("entry"))
        .collect();

    // Truncated, not an entry at all, another file's entry under this one's name.
    std::fs::write(&files[0], &texts[0][..texts[0].len() / 2]).expect("write");
    std::fs::write(&files[1], b"\0\x01 not an entry").expect("write");
    std::fs::write(&files[2], &texts[0]).expect("write");
    let (after, cached) = scan(dir, &[]);
    assert_eq!(cached, 0, "no damaged or foreign entry is used");
    assert_eq!(report(&after), report(&cold));
    for (file, text) in files.iter().zip(&texts) {
        assert_eq!(&std::fs::read(file).expect("entry"), text, "rewritten");
    }
    let (_, cached) = scan(dir, &[]);
    assert_eq!(cached, 3);
}

#[test]
fn no_secret_reaches_the_cache() {
    // A module that repeats every string of a document in its messages:
    // the report masks the secret, and the cache keeps what the report
    // says, never the secret.
    let dir = tempfile::tempdir().expect("tempdir");
    let dir = dir.path();
    write(dir, "repo/Dockerfile", DOCKERFILE);
    let module = crate::util::pinned("rules-wasm/dist/hostile.wasm");
    let cache = dir.join("cache");
    let repo = s(&dir.join("repo"));
    let args = [
        "scan",
        "--no-config",
        "--format",
        "json",
        "--rules",
        &module,
        "--rule",
        "hostile-echo",
        &repo,
    ];
    let cold = bulwark_env(&args, b"", &[("BULWARK_CACHE_DIR", cache.as_path())]);
    assert_eq!(cold.code, 1, "{}{}", cold.stdout, cold.stderr);
    assert!(cold.stdout.contains("DB_PASSWORD=*"), "{}", cold.stdout);
    let kept = entries(dir);
    assert_eq!(kept.len(), 1);
    // Entries are binary, their strings kept as they are: the masked
    // message is there, the secret is not.
    let has =
        |bytes: &[u8], needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    for entry in &kept {
        let bytes = std::fs::read(entry).expect("entry");
        assert!(
            has(&bytes, "DB_PASSWORD=*"),
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        assert!(
            !has(&bytes, "hunter2hunter2"),
            "{}",
            String::from_utf8_lossy(&bytes)
        );
    }
    let warm = bulwark_env(&args, b"", &[("BULWARK_CACHE_DIR", cache.as_path())]);
    assert_eq!(report(&warm), report(&cold));
}
