//! Findings that were found and then set aside, with the reason: never
//! silent, always listed.

use std::sync::Arc;

use bulwark_core::Severity;
use serde::Serialize;

/// How a finding was set aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// A `# bulwark:ignore RULE -- reason` comment on the line before.
    Inline,
    /// A `bulwark.dev/ignore.RULE: reason` annotation on the object.
    Annotation,
    /// An exception in the configuration file.
    Exception,
}

/// One suppressed finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    /// The rule.
    pub rule_id: Arc<str>,
    /// The finding's severity.
    pub severity: Severity,
    /// The file.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Where the finding ends (SARIF regions).
    #[serde(skip)]
    pub end: (usize, usize),
    /// The template the document was rendered from.
    #[serde(skip)]
    pub template: Option<String>,
    /// The finding's fingerprint (see [`crate::fingerprint`]), so a
    /// suppression can be matched with the finding it hides.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// The finding's message, secrets masked.
    pub message: String,
    /// How it was set aside.
    pub kind: SuppressionKind,
    /// Why.
    pub reason: String,
    /// Who answers for it (exceptions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The last day it applies (exceptions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where the suppression was written, `file:line`.
    pub declared_at: String,
}

/// A configured exception and what became of it in this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionStatus {
    /// The rule it lifts.
    pub rule: String,
    /// The paths it covers (globs); empty: every path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// The Kubernetes objects it covers (`kind`, `name`, `namespace`).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub object: std::collections::BTreeMap<String, String>,
    /// Why.
    pub reason: String,
    /// Who answers for it.
    pub owner: String,
    /// The last day it applies.
    pub expires: String,
    /// `active`, or `expired` (no longer applied).
    pub status: &'static str,
    /// How many findings it set aside in this run.
    pub applied: usize,
    /// Where it is written, `file:line`.
    pub declared_at: String,
}
