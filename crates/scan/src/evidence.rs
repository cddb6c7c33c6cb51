//! Signed evidence of a run: an in-toto Statement v1 whose subjects are
//! the files the run read (by name relative to the run's root and
//! SHA-256) and whose predicate ([`ScanPredicate`]) records the tool, the
//! rule modules with their digests, the effective configuration and its
//! digest, every finding with its fingerprint, failures, errors,
//! exceptions, suppressions, counts, the verdict, the coverage account,
//! the start and end time and, when known, the source revision. Signed in
//! a DSSE envelope. Two runs over the same inputs differ only in the
//! times.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bulwark_evidence::scan::{
    ConfigurationRecord, Counts, CoverageRecord, ExcludeRecord, FindingRecord, ModuleRecord,
    SCAN_PREDICATE_TYPE, ScanPredicate, SourceContext, Tool, VerdictRecord,
};
use bulwark_evidence::{
    Envelope, PAYLOAD_TYPE_IN_TOTO, SigningKey, Statement, Subject, sha256_hex,
};
use bulwark_inputs::Root;

use crate::error::KeyError;
use crate::scanner::{Run, STDIN, Scanner};

pub use crate::subjects::{chart_files, digest_file};

/// Reads a signing key (PKCS#8 PEM). Errors name the file, never its
/// content.
///
/// # Errors
///
/// When the file cannot be read or is not such a key.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, KeyError> {
    let pem = zeroize::Zeroizing::new(std::fs::read_to_string(path)?);
    Ok(SigningKey::from_pkcs8_pem(&pem)?)
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

/// What the evidence records about a run besides the run itself.
#[derive(Debug)]
pub struct Context<'a> {
    /// The paths given on the command line (`-` for standard input).
    pub paths: &'a [PathBuf],
    /// When the run started.
    pub started_at: SystemTime,
    /// The baseline in use: its file, digest and how many findings it kept
    /// out.
    pub baseline: Option<(&'a Path, &'a str)>,
    /// Values files passed to `helm template`.
    pub helm_values: &'a [PathBuf],
}

/// The effective configuration of `scanner`, as the evidence records it.
pub fn settings(scanner: &Scanner, run: &Run, context: &Context<'_>) -> serde_json::Value {
    let (timeout, memory, max_file_size) = scanner.limits();
    let config = scanner.config();
    let options = scanner.options();
    serde_json::json!({
        "fail_on": scanner.fail_on().to_string(),
        "pss_level": scanner.pss_level().as_str(),
        "pss_version": scanner.pss_version().to_string(),
        "rules": options.only,
        "kind": options.kind.map(|k| k.to_string()),
        "max_file_size": max_file_size,
        "unrendered_charts": scanner.unrendered_charts().as_str(),
        "rule_timeout_ms": u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        "rule_memory": memory,
        "config_file": config.map(|c| c.path.display().to_string()),
        "config_sha256": config.map(|c| sha256_hex(c.text.as_bytes())),
        "extra_modules": scanner.origins().iter().filter(|o| o.source != "built-in").map(|o| o.source.clone()).collect::<Vec<_>>(),
        "baseline": context.baseline.map(|(path, sha256)| serde_json::json!({
            "file": path.display().to_string(),
            "sha256": sha256,
            "known_not_reported": run.known,
        })),
    })
}

/// The predicate of `run`'s evidence.
pub fn predicate(scanner: &Scanner, run: &Run, context: &Context<'_>) -> ScanPredicate {
    let settings = settings(scanner, run, context);
    let root = &run.root;
    let files = run
        .coverage
        .iter()
        .map(|e| {
            let mut entry = e.clone();
            if let Some(relative) = &e.relative {
                entry.path.clone_from(relative);
            }
            entry
        })
        .collect();
    let exclude = scanner.config().map(|config| {
        let base = config
            .root
            .canonicalize()
            .ok()
            .and_then(|d| bulwark_config::relative_path(root.path(), &d));
        ExcludeRecord {
            config: root
                .relative(&config.path)
                .unwrap_or_else(|| config.path.display().to_string()),
            base,
            patterns: config.exclude.clone(),
        }
    });
    let summary = &run.summary;
    ScanPredicate {
        tool: Tool {
            name: "bulwark".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        wit_package: format!("bulwark:rules@{}", bulwark_core::WIT_PACKAGE_VERSION),
        modules: scanner
            .origins()
            .iter()
            .map(|m| ModuleRecord {
                name: m.name.clone(),
                sha256: m.sha256.clone(),
                source: m.source.clone(),
                signed_by: m.signed_by.clone(),
                reference: m.reference.clone(),
                manifest_digest: m.manifest_digest.clone(),
            })
            .collect(),
        configuration: ConfigurationRecord {
            sha256: sha256_hex(settings.to_string().as_bytes()),
            settings,
        },
        findings: run
            .findings
            .iter()
            .map(|f| FindingRecord {
                rule_id: f.rule_id.to_string(),
                controls: f.controls.to_vec(),
                severity: f.severity,
                file: f.file.to_string(),
                line: f.location.line,
                column: f.location.column,
                message: f.message.clone(),
                fingerprint: f.fingerprint.clone(),
                pss: f.pss.clone(),
            })
            .collect(),
        failures: run.failures.clone(),
        errors: run.errors.clone(),
        exceptions: run.exceptions.clone(),
        suppressed: run.suppressed.clone(),
        counts: Counts {
            files: summary.files,
            documents: summary.documents,
            rules: summary.rules,
            findings: summary.findings,
            blocking: summary.blocking,
            by_severity: summary.by_severity.clone(),
            cached_files: run.cached_files,
        },
        verdict: VerdictRecord {
            result: summary.verdict,
            passed: summary.verdict == bulwark_core::Verdict::Pass,
            fail_on: summary.fail_on,
        },
        coverage: CoverageRecord {
            repository: root.is_repository(),
            include_ignored: scanner.options().include_ignored,
            paths: context
                .paths
                .iter()
                .map(|p| {
                    if p.as_os_str() == "-" {
                        STDIN.to_owned()
                    } else {
                        root.relative(p).unwrap_or_else(|| p.display().to_string())
                    }
                })
                .collect(),
            counts: bulwark_core::CoverageCounts::of(&run.coverage),
            exclude,
            files,
        },
        started_at: rfc3339(context.started_at),
        finished_at: rfc3339(SystemTime::now()),
        source: source_context(root),
    }
}

/// The subjects of `run`'s evidence: every file it read (and the values
/// files given), one per name.
///
/// # Errors
///
/// When a values file cannot be read.
pub fn subjects(run: &Run, context: &Context<'_>) -> std::io::Result<Vec<Subject>> {
    let mut named: std::collections::BTreeMap<String, String> =
        run.subjects.iter().cloned().collect();
    for values in context.helm_values {
        let (name, digest) = digest_file(&run.root, values)?;
        named.insert(name, digest);
    }
    Ok(named
        .into_iter()
        .map(|(name, digest)| Subject {
            name,
            digest: [("sha256".to_owned(), digest)].into(),
        })
        .collect())
}

/// Signs the evidence of `run`.
///
/// # Errors
///
/// When a values file cannot be read, or the statement cannot be written.
pub fn sign(
    scanner: &Scanner,
    run: &Run,
    context: &Context<'_>,
    key: &SigningKey,
) -> Result<Envelope, SignError> {
    let statement = Statement::new(
        subjects(run, context)?,
        SCAN_PREDICATE_TYPE,
        predicate(scanner, run, context),
    );
    let payload = statement.to_json()?;
    Ok(Envelope::sign(PAYLOAD_TYPE_IN_TOTO, &payload, key))
}

/// Why evidence could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// A file could not be read.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The statement could not be written.
    #[error(transparent)]
    Statement(#[from] bulwark_evidence::Error),
}

/// `time` as an RFC 3339 UTC timestamp with seconds (`2026-11-23T14:05:09Z`).
pub fn rfc3339(time: SystemTime) -> String {
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
/// Actions, else the git work tree of the root (read with gix); `None` when
/// neither says. Credentials in a remote URL are dropped.
fn source_context(root: &Root) -> Option<SourceContext> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if var("GITHUB_ACTIONS").is_some() {
        let repository = match (var("GITHUB_SERVER_URL"), var("GITHUB_REPOSITORY")) {
            (Some(server), Some(repo)) => Some(format!("{server}/{repo}")),
            (None, Some(repo)) => Some(repo),
            _ => None,
        };
        return Some(SourceContext {
            repository,
            commit: var("GITHUB_SHA"),
            reference: var("GITHUB_REF"),
            run_id: var("GITHUB_RUN_ID"),
            workflow: var("GITHUB_WORKFLOW"),
        });
    }
    let git = bulwark_inputs::git_context(root.path())?;
    Some(SourceContext {
        repository: git.remote.map(|u| without_credentials(&u)),
        commit: git.commit,
        reference: git.reference,
        run_id: None,
        workflow: None,
    })
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
