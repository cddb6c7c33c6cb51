//! Baselines: `scan --write-baseline FILE` records the fingerprints of the
//! findings of a run; `scan --baseline FILE` then reports only findings
//! whose fingerprint it does not hold, so a repository can adopt bulwark
//! and fix what it already has at its own pace.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, bail};
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

/// Writes `entries`, sorted, to `path`.
pub fn write(path: &Path, mut entries: Vec<Entry>) -> anyhow::Result<()> {
    entries.sort();
    entries.dedup();
    let file = File {
        bulwark_baseline: VERSION,
        findings: entries,
    };
    let text = serde_json::to_string_pretty(&file)?;
    std::fs::write(path, text + "\n")?;
    Ok(())
}

/// A baseline as read: its fingerprints and the SHA-256 of the file.
pub struct Baseline {
    pub fingerprints: HashSet<String>,
    pub sha256: String,
}

/// The baseline at `path`.
pub fn read(path: &Path) -> anyhow::Result<Baseline> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading the baseline {}", path.display()))?;
    let file: File = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not a bulwark baseline (write one with `bulwark scan --write-baseline FILE`)",
            path.display()
        )
    })?;
    if file.bulwark_baseline != VERSION {
        bail!(
            "{}: baseline version {} is not supported (this bulwark reads version {VERSION})",
            path.display(),
            file.bulwark_baseline
        );
    }
    Ok(Baseline {
        fingerprints: file.findings.into_iter().map(|e| e.fingerprint).collect(),
        sha256: bulwark_evidence::sha256_hex(&bytes),
    })
}
