//! Running the `bulwark` binary from tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a run of `bulwark` produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Parses stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `bulwark args…` in the repository root with `stdin` as input.
pub fn bulwark_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    bulwark_env(args, stdin, &[])
}

/// The suite's compiled-component cache.
fn suite_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache")
}

/// Fills the suite's cache once, before the first test runs `bulwark`:
/// otherwise every test process that starts at the same time compiles every
/// built-in component itself.
fn warm_cache() {
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(|| {
        let status = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(["rules", "list"])
            .env("BULWARK_CACHE_DIR", suite_cache())
            .stdout(Stdio::null())
            .status()
            .expect("bulwark starts");
        assert!(status.success(), "bulwark rules list fails");
    });
}

/// Runs `bulwark args…` in the repository root with `stdin` as input and
/// the variables `env` set on top of the suite's.
pub fn bulwark_env(args: &[&str], stdin: &[u8], env: &[(&str, &Path)]) -> Run {
    warm_cache();
    let start = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_bulwark"));
    command
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        // One compiled-component cache for the whole suite, never the
        // user's own.
        .env("BULWARK_CACHE_DIR", suite_cache())
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("bulwark starts");
    if let Some(mut input) = child.stdin.take() {
        // The child may exit before reading everything; that is its business.
        let _ = input.write_all(stdin);
    }
    let out = child.wait_with_output().expect("bulwark runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

/// Runs `bulwark args…` in the repository root.
pub fn bulwark(args: &[&str]) -> Run {
    bulwark_with_stdin(args, b"")
}

/// `path` relative to the repository root, as a string argument.
pub fn arg(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Writes `text` to `root/rel`, creating the directories on the way.
pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap_or(root)).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// `path` as a string argument.
pub fn s(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// `path@sha256:DIGEST` for `--rules`: the module pinned by its digest
/// (`path` relative to the repository root, or absolute).
pub fn pinned(path: &str) -> String {
    let bytes = std::fs::read(root().join(path)).expect("the module exists");
    format!("{path}@sha256:{}", bulwark_evidence::sha256_hex(&bytes))
}

/// Runs `git args…` in `dir`, as a throwaway identity.
pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.email=t@example.com",
            "-c",
            "user.name=t",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} in {}", dir.display());
}

/// Runs `bulwark args…` in `dir` (not the repository root).
pub fn bulwark_in(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    warm_cache();
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_OUTPUT")
        .env("BULWARK_CACHE_DIR", suite_cache())
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("bulwark runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}
