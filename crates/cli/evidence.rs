//! Signed evidence of a scan: `bulwark scan --evidence FILE --key KEY`.
//!
//! The run is recorded as an in-toto Statement v1 whose subjects are the
//! files scanned (by name and SHA-256) and whose predicate
//! ([`PREDICATE_TYPE`]) holds the tool, the rule modules with their digests,
//! the digest of the effective configuration, every finding, counts, the
//! verdict, the start and end time and, when known, the source revision. The
//! statement is signed in a DSSE envelope. Two runs over the same inputs
//! differ only in `started_at` and `finished_at`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Context;
use bulwark_core::ScanReport;
use bulwark_evidence::{
    Envelope, PAYLOAD_TYPE_IN_TOTO, SigningKey, Statement, Subject, sha256_hex,
};
use serde_json::{Value, json};

/// The predicate type of bulwark's scan evidence.
pub const PREDICATE_TYPE: &str = "https://bulwark.dev/attestation/scan/v0.1";

/// Reads the signing key. Errors name the file, never its content.
/// The private key file: `explicit`, else the file named by
/// `$BULWARK_SIGNING_KEY_FILE`; `purpose` says what needs it in the error.
pub fn signing_key_path(explicit: Option<&Path>, purpose: &str) -> anyhow::Result<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("BULWARK_SIGNING_KEY_FILE").map(PathBuf::from))
        .filter(|p| !p.as_os_str().is_empty())
        .with_context(|| {
            format!(
                "{purpose} a signing key: --key FILE, or BULWARK_SIGNING_KEY_FILE naming the file"
            )
        })
}

/// Where a rule module's signature is unless said otherwise: `MODULE.sig`.
pub fn default_signature_path(module: &Path) -> PathBuf {
    let mut name = module.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// A warning when the private key at `path` can be read by anyone but its
/// owner (group or other permission bits set).
pub fn key_permission_warning(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        (mode & 0o077 != 0).then(|| {
            format!(
                "the signing key {} is readable by others (mode {:04o}): `chmod 600` it, and rotate it if others could read it",
                path.display(),
                mode & 0o7777
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

pub fn read_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    let pem = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("reading the signing key {}", path.display()))?,
    );
    SigningKey::from_pkcs8_pem(&pem)
        .with_context(|| format!("reading the signing key {}", path.display()))
}

/// The name standard input is recorded under as a subject: it has a
/// digest but no file `verify --subjects-root` could re-read.
pub const STDIN_SUBJECT: &str = "<stdin>";

/// An input of the run, named as a subject (relative to the run's root,
/// or `<stdin>`), and the SHA-256 of its bytes as read.
pub type Digested = (String, String);

/// The SHA-256 of the file at `path`, as a subject named relative to
/// `root`.
pub fn digest_file(root: &bulwark_inputs::Root, path: &Path) -> std::io::Result<Digested> {
    let bytes = std::fs::read(path)?;
    let name = root
        .relative(path)
        .unwrap_or_else(|| path.display().to_string());
    Ok((name, sha256_hex(&bytes)))
}

/// Every regular file under the chart directory `dir` (templates, values,
/// `Chart.yaml`, subcharts): together they decide what the chart renders.
/// Symbolic links are not followed.
pub fn chart_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The root repository paths are shown relative to in CI outputs: the
/// run's root.
pub fn repository_root(paths: &[PathBuf]) -> Option<PathBuf> {
    Some(bulwark_inputs::Root::of(paths).path().to_path_buf())
}

/// What the evidence records about a run.
pub struct Run<'a> {
    pub report: &'a ScanReport,
    /// Findings set aside, and why.
    pub suppressed: &'a [bulwark_core::Suppressed],
    /// The configured exceptions and their use.
    pub exceptions: &'a [bulwark_core::ExceptionStatus],
    /// Every input read: scanned files, the files of rendered charts,
    /// values files, standard input.
    pub subjects: &'a [Digested],
    /// Rule modules: name, SHA-256, origin, signer.
    pub modules: &'a [crate::cmd::scan::Origin],
    /// The effective configuration.
    pub configuration: Value,
    pub started_at: SystemTime,
    /// The paths given on the command line (for the git revision).
    pub scanned_paths: &'a [PathBuf],
    /// The run's root: subjects and the coverage account are named
    /// relative to it.
    pub root: &'a bulwark_inputs::Root,
    /// The configuration applied and its directory (canonical), for the
    /// exclusions `verify` applies to a checkout.
    pub exclude: Option<(&'a bulwark_config::Config, Option<&'a Path>)>,
    /// Whether untracked files git ignores were scanned too.
    pub include_ignored: bool,
}

/// Writes the signed evidence of `run` to `path`.
pub fn write(path: &Path, key: &SigningKey, run: &Run<'_>) -> anyhow::Result<()> {
    let report = run.report;
    // One subject per name: a values file may also be a scanned file.
    let named: std::collections::BTreeMap<&String, &String> = run
        .subjects
        .iter()
        .map(|(name, digest)| (name, digest))
        .collect();
    let subjects: Vec<Subject> = named
        .into_iter()
        .map(|(name, digest)| Subject {
            name: name.clone(),
            digest: [("sha256".to_owned(), digest.clone())].into(),
        })
        .collect();
    let configuration_digest = sha256_hex(run.configuration.to_string().as_bytes());
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "rule_id": &*f.rule_id,
                "controls": &*f.controls,
                "severity": f.severity.to_string(),
                "file": &*f.file,
                "line": f.location.line,
                "column": f.location.column,
                "message": f.message,
            })
        })
        .collect();
    let predicate = json!({
        "tool": {"name": "bulwark", "version": env!("CARGO_PKG_VERSION")},
        "wit_package": "bulwark:rules@0.1.0",
        "modules": run.modules.iter().map(|m| {
            let mut module = json!({"name": m.name, "sha256": m.sha256, "source": m.source});
            if let (Some(signer), Some(object)) = (&m.signed_by, module.as_object_mut()) {
                object.insert("signed_by".to_owned(), json!(signer));
            }
            module
        }).collect::<Vec<_>>(),
        "configuration": {"sha256": configuration_digest, "settings": run.configuration},
        "findings": findings,
        "failures": report.failures,
        "errors": report.errors,
        "exceptions": run.exceptions,
        "suppressed": run.suppressed,
        "counts": {
            "files": report.summary.files,
            "documents": report.summary.documents,
            "rules": report.summary.rules,
            "findings": report.summary.findings,
            "blocking": report.summary.blocking,
            "by_severity": report.summary.by_severity,
        },
        "verdict": {
            "result": report.summary.verdict,
            "passed": report.summary.verdict == bulwark_core::Verdict::Pass,
            "fail_on": report.summary.fail_on.to_string(),
        },
        "coverage": coverage(run),
        "started_at": rfc3339(run.started_at),
        "finished_at": rfc3339(SystemTime::now()),
        "source": source_context(run.scanned_paths),
    });
    let statement = Statement::new(subjects, PREDICATE_TYPE, predicate);
    let payload = statement.to_json()?;
    let envelope = Envelope::sign(PAYLOAD_TYPE_IN_TOTO, &payload, key);
    std::fs::write(path, envelope.to_json() + "\n")?;
    Ok(())
}

/// The coverage account: every candidate by root-relative name and what
/// became of it, the scanned paths, and the exclusions in force (patterns
/// and the directory they are relative to), so that `verify` can hold a
/// checkout against it.
fn coverage(run: &Run<'_>) -> Value {
    let root = run.root;
    let files: Vec<Value> = run
        .report
        .coverage
        .iter()
        .map(|e| {
            let mut entry = serde_json::to_value(e).unwrap_or(Value::Null);
            if let (Some(object), Some(relative)) = (entry.as_object_mut(), &e.relative) {
                object.insert("path".into(), json!(relative));
            }
            entry
        })
        .collect();
    let paths: Vec<String> = run
        .scanned_paths
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                STDIN_SUBJECT.to_owned()
            } else {
                root.relative(p).unwrap_or_else(|| p.display().to_string())
            }
        })
        .collect();
    let exclude = run.exclude.map(|(config, dir)| {
        let base = dir.and_then(|d| bulwark_config::relative_path(root.path(), d));
        json!({
            "config": root.relative(&config.path).unwrap_or_else(|| config.path.display().to_string()),
            "base": base,
            "patterns": config.exclude,
        })
    });
    json!({
        "repository": root.is_repository(),
        "include_ignored": run.include_ignored,
        "paths": paths,
        "counts": bulwark_core::CoverageCounts::of(&run.report.coverage),
        "exclude": exclude,
        "files": files,
    })
}

/// `time` as an RFC 3339 UTC timestamp with seconds (`2026-11-23T14:05:09Z`).
fn rfc3339(time: SystemTime) -> String {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let date = bulwark_config::Date::from_unix_days(days);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Where the scanned source came from: the `GITHUB_*` variables in GitHub
/// Actions, else `git` in the first scanned directory; `null` when neither
/// says. Credentials in a remote URL are dropped.
fn source_context(paths: &[PathBuf]) -> Value {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if var("GITHUB_ACTIONS").is_some() {
        let repository = match (var("GITHUB_SERVER_URL"), var("GITHUB_REPOSITORY")) {
            (Some(server), Some(repo)) => Some(format!("{server}/{repo}")),
            (None, Some(repo)) => Some(repo),
            _ => None,
        };
        return json!({
            "repository": repository,
            "commit": var("GITHUB_SHA"),
            "ref": var("GITHUB_REF"),
            "run_id": var("GITHUB_RUN_ID"),
            "workflow": var("GITHUB_WORKFLOW"),
        });
    }
    let dir = first_dir(paths);
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&dir)
            .args(args)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
        (out.status.success() && !text.is_empty()).then_some(text)
    };
    let Some(commit) = git(&["rev-parse", "HEAD"]) else {
        return Value::Null;
    };
    json!({
        "repository": git(&["config", "--get", "remote.origin.url"]).map(|u| without_credentials(&u)),
        "commit": commit,
        "ref": git(&["symbolic-ref", "-q", "HEAD"]),
    })
}

/// The first scanned directory (a file's parent), `.` when none.
fn first_dir(paths: &[PathBuf]) -> PathBuf {
    let dir = paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .map(|p| {
            if p.is_dir() {
                p.clone()
            } else {
                p.parent().map(Path::to_path_buf).unwrap_or_default()
            }
        })
        .unwrap_or_default();
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    }
}

/// A URL without any `user:password@` part.
fn without_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if path.is_empty() && !rest.contains('/') {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}/{path}")
            }
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_timestamps_in_utc() {
        let at = |secs: u64| rfc3339(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_795_441_509), "2026-11-23T13:45:09Z");
    }

    #[test]
    fn drops_credentials_from_remote_urls() {
        assert_eq!(
            without_credentials("https://x-access-token:ghs_secret@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
        assert_eq!(
            without_credentials("https://github.com/o/r"),
            "https://github.com/o/r"
        );
        assert_eq!(
            without_credentials("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
    }
}
