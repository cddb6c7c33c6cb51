//! The promotion gate: checks signed evidence before a build is promoted.
//!
//! In order: the envelope is DSSE JSON that names no key twice; a signature
//! by the key verifies over the pre-authentication encoding; the payload is
//! an in-toto Statement v1 of bulwark's scan predicate; the run scanned at
//! least one file (unless allowed); with a subjects root, every subject
//! still has its recorded SHA-256 (never read through a link out of the
//! root) and every input the checkout holds was scanned or excluded by the
//! recorded configuration; with `require_pass`, the recorded verdict
//! passed. The first check that fails decides the outcome.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use bulwark_core::Verdict;
use bulwark_evidence::scan::{SCAN_PREDICATE_TYPE, ScanPredicate};
use bulwark_evidence::{Envelope, PAYLOAD_TYPE_IN_TOTO, Statement, VerifyingKey, sha256_hex};

use crate::scanner::STDIN;

/// What to check beyond the signature.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// Check the subjects, and the coverage of the checkout, under this
    /// directory.
    pub subjects_root: Option<&'a Path>,
    /// Images (by reference) that must be subjects: each is resolved now
    /// and its digest looked for among the subjects.
    pub images: &'a [String],
    /// How registries are reached for `docker://` images.
    pub registries: crate::images::Registries,
    /// Refuse a verdict other than `pass`.
    pub require_pass: bool,
    /// Accept evidence of a run that scanned no file.
    pub allow_empty: bool,
}

/// Evidence that passed every check asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The id of the key that signed it.
    pub key_id: String,
    /// The key's algorithm.
    pub algorithm: String,
    /// How many subject files were re-read unchanged (with a subjects
    /// root).
    pub subjects_checked: Option<usize>,
    /// Whether standard input was a subject (recorded by digest only,
    /// nothing to re-read).
    pub stdin_unchecked: bool,
    /// The recorded verdict.
    pub verdict: Verdict,
}

impl std::fmt::Display for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "verified: signed by {} ({})",
            self.key_id, self.algorithm
        )?;
        if let Some(n) = self.subjects_checked {
            write!(f, ", {n} subjects unchanged")?;
            if self.stdin_unchecked {
                f.write_str(" (standard input, recorded by digest only, not re-checked)")?;
            }
        }
        write!(f, "; recorded verdict `{}`", verdict_word(self.verdict))
    }
}

fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::InputError => "input-error",
        Verdict::RuleFailure => "rule-failure",
    }
}

/// Why evidence was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The evidence verifies, but its verdict is not the one required.
    #[error("the recorded verdict is `{0}`, and `pass` is required")]
    Verdict(&'static str),
    /// The signature does not verify: altered evidence, or not signed by
    /// this key.
    #[error("{0}")]
    BadSignature(String),
    /// Not a DSSE envelope holding an in-toto statement of bulwark's scan
    /// predicate (or one that names a key twice, or names a subject outside
    /// the root).
    #[error("{0}")]
    Malformed(String),
    /// The evidence does not cover the checkout: a subject is missing,
    /// changed or linked out of the root; an input there was neither
    /// scanned nor excluded; or the run scanned nothing.
    #[error("{0}")]
    NotCovered(String),
}

impl Refused {
    /// The exit code `bulwark verify` ends with: 1, 4, 5 or 6.
    pub fn exit_code(&self) -> u8 {
        match self {
            Refused::Verdict(_) => 1,
            Refused::BadSignature(_) => 4,
            Refused::Malformed(_) => 5,
            Refused::NotCovered(_) => 6,
        }
    }
}

/// Checks the evidence `bytes` with `key`.
///
/// # Errors
///
/// The first check that fails, as a [`Refused`] whose
/// [`exit_code`](Refused::exit_code) `bulwark verify` ends with.
pub fn verify(
    bytes: &[u8],
    key: &VerifyingKey,
    options: &Options<'_>,
) -> Result<Verified, Refused> {
    let envelope = Envelope::from_json(bytes).map_err(|e| Refused::Malformed(e.to_string()))?;
    let payload = envelope.verify(key).map_err(|e| match e {
        bulwark_evidence::Error::WrongKey { .. } | bulwark_evidence::Error::BadSignature => {
            Refused::BadSignature(e.to_string())
        }
        other => Refused::Malformed(other.to_string()),
    })?;
    if envelope.payload_type != PAYLOAD_TYPE_IN_TOTO {
        return Err(Refused::Malformed(format!(
            "payload type is `{}`, not `{PAYLOAD_TYPE_IN_TOTO}`",
            envelope.payload_type
        )));
    }
    let statement: Statement<ScanPredicate> = Statement::from_json(&payload, SCAN_PREDICATE_TYPE)
        .map_err(|e| Refused::Malformed(e.to_string()))?;
    let predicate = &statement.predicate;
    if !options.allow_empty && (predicate.counts.files == 0 || statement.subject.is_empty()) {
        return Err(Refused::NotCovered(
            "the evidence records a run that scanned no file: it vouches for nothing (--allow-empty accepts it)"
                .to_owned(),
        ));
    }
    let mut stdin_unchecked = false;
    let mut subjects_checked = None;
    if let Some(root) = options.subjects_root {
        let mut checked = 0;
        for subject in &statement.subject {
            let Some(expected) = subject.sha256() else {
                return Err(Refused::Malformed(format!(
                    "subject {} has no sha256 digest",
                    subject.name
                )));
            };
            if subject.name == STDIN {
                stdin_unchecked = true;
                continue;
            }
            // An image is checked by its digest (`--image`), not as a file.
            if crate::images::is_image_subject(&subject.name) {
                continue;
            }
            let path = subject_path(root, &subject.name)?;
            match std::fs::read(&path) {
                Ok(bytes) if sha256_hex(&bytes) == expected => checked += 1,
                Ok(bytes) => {
                    return Err(Refused::NotCovered(format!(
                        "subject {} changed: recorded sha256 {expected}, now {}",
                        subject.name,
                        sha256_hex(&bytes)
                    )));
                }
                Err(e) => {
                    return Err(Refused::NotCovered(format!(
                        "subject {} is missing ({}): {e}",
                        subject.name,
                        path.display()
                    )));
                }
            }
        }
        let names: BTreeSet<&str> = statement.subject.iter().map(|s| s.name.as_str()).collect();
        if let Some(name) = uncovered_input(root, predicate, &names)? {
            return Err(Refused::NotCovered(format!(
                "{name} is an input in {} that the evidence neither scanned nor excluded: evidence of a smaller scan cannot vouch for this checkout",
                root.display()
            )));
        }
        subjects_checked = Some(checked);
    }
    for reference in options.images {
        let digests = crate::images::digests(reference, &options.registries)
            .map_err(|e| Refused::NotCovered(format!("--image {reference}: {e}")))?;
        for digest in digests {
            let hex = digest.strip_prefix("sha256:").unwrap_or(&digest);
            if !statement.subject.iter().any(|s| s.sha256() == Some(hex)) {
                return Err(Refused::NotCovered(format!(
                    "--image {reference} is {digest} now, which the evidence does not name: the scanned image is not this one"
                )));
            }
        }
    }
    let verdict = predicate.verdict.result;
    if options.require_pass && verdict != Verdict::Pass {
        return Err(Refused::Verdict(verdict_word(verdict)));
    }
    Ok(Verified {
        key_id: key.key_id(),
        algorithm: key.algorithm().to_string(),
        subjects_checked,
        stdin_unchecked,
        verdict,
    })
}

/// `root` joined with a subject name, refusing names that leave `root`
/// (malformed evidence) and files that a symbolic link takes out of it
/// (a checkout that is not what was scanned).
fn subject_path(root: &Path, name: &str) -> Result<PathBuf, Refused> {
    let relative = Path::new(name);
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(Refused::Malformed(format!(
            "subject name {name} leaves the subjects root"
        )));
    }
    let path = root.join(relative);
    if let (Ok(real), Ok(real_root)) = (path.canonicalize(), root.canonicalize())
        && !real.starts_with(&real_root)
    {
        return Err(Refused::NotCovered(format!(
            "subject {name} is a symbolic link out of the subjects root; it is not followed"
        )));
    }
    Ok(path)
}

/// Classifies the checkout at `root` as `scan` would, with the recorded
/// exclusions, and names the first input that the evidence neither covers
/// as a subject nor excludes.
fn uncovered_input(
    root: &Path,
    predicate: &ScanPredicate,
    subjects: &BTreeSet<&str>,
) -> Result<Option<String>, Refused> {
    let coverage = &predicate.coverage;
    let (patterns, base) = match &coverage.exclude {
        Some(e) => (e.patterns.clone(), e.base.clone().unwrap_or_default()),
        None => (Vec::new(), String::new()),
    };
    let excludes =
        bulwark_config::Excludes::new(patterns.iter().map(String::as_str)).map_err(|(_, e)| {
            Refused::Malformed(format!("the recorded exclusions do not compile: {e}"))
        })?;
    let exclusion = |rel: &str, _dir: bool| -> Option<bulwark_inputs::Exclusion> {
        let under_base = if base.is_empty() {
            Some(rel)
        } else {
            rel.strip_prefix(base.as_str())
                .and_then(|r| r.strip_prefix('/'))
        }?;
        excludes
            .matching(under_base)
            .map(|pattern| bulwark_inputs::Exclusion {
                pattern: pattern.to_owned(),
                config: "the recorded configuration".to_owned(),
            })
    };
    let root = bulwark_inputs::Root::at(root);
    let discovery = bulwark_inputs::Discovery {
        include_ignored: coverage.include_ignored,
        config: None,
    };
    let found = discovery.discover(&root, &[root.path().to_path_buf()], &exclusion);
    let options = bulwark_inputs::LoadOptions {
        kind: None,
        max_file_size: predicate.configuration.settings["max_file_size"]
            .as_u64()
            .unwrap_or(crate::scanner::DEFAULT_MAX_FILE_SIZE),
        helm: bulwark_inputs::helm::Helm::default(),
        rule_memory: predicate.configuration.settings["rule_memory"].as_u64(),
    };
    for candidate in &found.candidates {
        let Some(name) = candidate.relative.as_deref() else {
            continue;
        };
        let (input, subject) = if candidate.chart {
            let chart = if name.is_empty() {
                "Chart.yaml".to_owned()
            } else {
                format!("{name}/Chart.yaml")
            };
            (true, chart)
        } else {
            let input = match bulwark_inputs::load(candidate, &options) {
                Ok(bulwark_inputs::Loaded::Documents { .. }) | Err(_) => true,
                Ok(_) => false,
            };
            (input, name.to_owned())
        };
        if input && !subjects.contains(subject.as_str()) {
            return Ok(Some(name.to_owned()));
        }
    }
    Ok(None)
}
