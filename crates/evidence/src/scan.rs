//! The predicate of a scan's evidence: what `bulwark scan --evidence`
//! signs and `bulwark verify` reads, one type for both.
//!
//! Its layout is described by `docs/scan-predicate.schema.json`.

use std::collections::BTreeMap;

use bulwark_core::{
    CoverageCounts, CoverageEntry, ExceptionStatus, RuleFailure, ScanError, Severity, Suppressed,
    Verdict,
};
use serde::{Deserialize, Serialize};

/// The predicate type of bulwark's scan evidence.
pub const SCAN_PREDICATE_TYPE: &str = "https://bulwark.dev/attestation/scan/v0.1";

/// What a scan's evidence records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanPredicate {
    /// The tool that ran.
    pub tool: Tool,
    /// The WIT package the rule modules were run against
    /// (`bulwark:rules@…`).
    pub wit_package: String,
    /// Every rule module, loaded or not.
    pub modules: Vec<ModuleRecord>,
    /// The effective configuration and its digest.
    pub configuration: ConfigurationRecord,
    /// Every reported finding, secrets masked.
    pub findings: Vec<FindingRecord>,
    /// Rules that failed.
    pub failures: Vec<RuleFailure>,
    /// Input errors.
    pub errors: Vec<ScanError>,
    /// Every configured exception and its use.
    pub exceptions: Vec<ExceptionStatus>,
    /// Every finding set aside.
    pub suppressed: Vec<Suppressed>,
    /// Counts.
    pub counts: Counts,
    /// The verdict.
    pub verdict: VerdictRecord,
    /// What became of every candidate file.
    pub coverage: CoverageRecord,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// When it ended.
    pub finished_at: String,
    /// Where the scanned source came from, when known.
    pub source: Option<SourceContext>,
}

/// The tool that ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// `bulwark`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// One rule module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleRecord {
    /// Its name.
    pub name: String,
    /// The SHA-256 of its component.
    pub sha256: String,
    /// `built-in`, or where it was loaded from.
    pub source: String,
    /// The id of the trusted key that signed it, when signatures were
    /// checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
    /// For a module pulled from a registry: its reference,
    /// `oci://HOST/REPO[:TAG]@sha256:…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// For a module pulled from a registry: the digest of its manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
}

/// The effective configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigurationRecord {
    /// The SHA-256 of `settings` as serialised.
    pub sha256: String,
    /// The settings in effect.
    pub settings: serde_json::Value,
}

/// One reported finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingRecord {
    /// The rule.
    pub rule_id: String,
    /// The controls it maps to.
    pub controls: Vec<String>,
    /// Its severity in effect.
    pub severity: Severity,
    /// The file, as reported.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The message, secrets masked.
    pub message: String,
    /// Its fingerprint, the same as in SARIF and baselines.
    pub fingerprint: String,
    /// For a Pod Security Standards rule: the policy that judged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pss: Option<bulwark_core::PssJudgement>,
}

/// Counts of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// Files scanned.
    pub files: usize,
    /// Documents evaluated.
    pub documents: usize,
    /// Rules reported.
    pub rules: usize,
    /// Findings.
    pub findings: usize,
    /// Findings at or above the threshold.
    pub blocking: usize,
    /// Findings per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Files whose evaluation came from the result cache (their bytes,
    /// the modules and the settings unchanged since it was made).
    #[serde(default)]
    pub cached_files: usize,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictRecord {
    /// The verdict.
    pub result: Verdict,
    /// Whether it is a pass.
    pub passed: bool,
    /// The threshold.
    pub fail_on: Severity,
}

/// The coverage account, named relative to the run's root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageRecord {
    /// Whether the root is a git work tree.
    pub repository: bool,
    /// Whether untracked files git ignores were candidates too.
    pub include_ignored: bool,
    /// The scanned paths, relative to the root.
    pub paths: Vec<String>,
    /// How many entries of each status.
    pub counts: CoverageCounts,
    /// The exclusions in force.
    pub exclude: Option<ExcludeRecord>,
    /// Every candidate and what became of it.
    pub files: Vec<CoverageEntry>,
}

/// The configuration's exclusions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcludeRecord {
    /// The configuration file, relative to the root when under it.
    pub config: String,
    /// The directory the patterns are relative to, relative to the root
    /// (none when outside it).
    pub base: Option<String>,
    /// The patterns.
    pub patterns: Vec<String>,
}

/// Where the scanned source came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceContext {
    /// The repository (a URL without credentials, or `owner/name`).
    pub repository: Option<String>,
    /// The commit.
    pub commit: Option<String>,
    /// The ref (`refs/heads/main`).
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// The CI run, in GitHub Actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The workflow, in GitHub Actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
}
