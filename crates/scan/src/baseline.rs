//! Baselines: `scan --write-baseline FILE` records the fingerprints of the
//! findings of a run; `scan --baseline FILE` then reports only findings
//! whose fingerprint it does not hold, so a repository can adopt bulwark
//! and fix what it already has at its own pace.

use std::collections::HashSet;
use std::path::Path;

use bulwark_core::Finding;
use serde::{Deserialize, Serialize};

/// The layout's version.
const VERSION: u32 = 1;

/// One known finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    /// Its fingerprint (see `bulwark_report::fingerprint`).
    pub fingerprint: String,
    /// The rule, for people reading the file.
    pub rule_id: String,
    /// The file, for people reading the file.
    pub file: String,
}

impl Entry {
    /// The entry of `finding`.
    pub fn of(finding: &Finding) -> Entry {
        Entry {
            fingerprint: finding.fingerprint.clone(),
            rule_id: finding.rule_id.to_string(),
            file: finding.file.to_string(),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    bulwark_baseline: u32,
    findings: Vec<Entry>,
}

/// Why a baseline cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read or written.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The file is not a baseline.
    #[error("it is not a bulwark baseline (write one with `bulwark scan --write-baseline FILE`)")]
    Format(#[source] serde_json::Error),
    /// A baseline of another layout version.
    #[error("baseline version {0} is not supported (this bulwark reads version {VERSION})")]
    Version(u32),
}

/// Writes `entries`, sorted, to `path`.
///
/// # Errors
///
/// When the file cannot be written.
pub fn write(path: &Path, mut entries: Vec<Entry>) -> Result<(), Error> {
    entries.sort();
    entries.dedup();
    let file = File {
        bulwark_baseline: VERSION,
        findings: entries,
    };
    let text = serde_json::to_string_pretty(&file).map_err(Error::Format)?;
    std::fs::write(path, text + "\n")?;
    Ok(())
}

/// A baseline as read: its fingerprints and the SHA-256 of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// The fingerprints of the known findings.
    pub fingerprints: HashSet<String>,
    /// The SHA-256 of the file, for the evidence.
    pub sha256: String,
}

/// The baseline at `path`.
///
/// # Errors
///
/// When the file cannot be read or is not a baseline of this version.
pub fn read(path: &Path) -> Result<Baseline, Error> {
    let bytes = std::fs::read(path)?;
    let file: File = serde_json::from_slice(&bytes).map_err(Error::Format)?;
    if file.bulwark_baseline != VERSION {
        return Err(Error::Version(file.bulwark_baseline));
    }
    Ok(Baseline {
        fingerprints: file.findings.into_iter().map(|e| e.fingerprint).collect(),
        sha256: bulwark_evidence::sha256_hex(&bytes),
    })
}
