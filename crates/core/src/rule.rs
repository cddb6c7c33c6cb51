//! Rule metadata and the input kinds rules apply to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Severity;

/// The kinds of input document bulwark parses and hands to rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// A Dockerfile or Containerfile.
    Dockerfile,
    /// A Docker Compose file.
    Compose,
    /// One Kubernetes object.
    Kubernetes,
    /// A Helm chart's values file.
    HelmValues,
    /// A built container image (one platform of it), read from an OCI
    /// layout or archive or a Docker archive, not a file in the tree.
    Image,
}

impl InputKind {
    /// Every kind of file in a scanned tree (`--kind` names one of them;
    /// an image is named by its reference instead).
    pub const ALL: [InputKind; 4] = [
        InputKind::Dockerfile,
        InputKind::Compose,
        InputKind::Kubernetes,
        InputKind::HelmValues,
    ];

    /// The kebab-case name used in flags and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Dockerfile => "dockerfile",
            InputKind::Compose => "compose",
            InputKind::Kubernetes => "kubernetes",
            InputKind::HelmValues => "helm-values",
            InputKind::Image => "image",
        }
    }
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InputKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InputKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown input kind `{s}` (expected one of dockerfile, compose, kubernetes, helm-values)"
                )
            })
    }
}

/// What a rule is: the metadata a rule module declares for each rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMeta {
    /// Stable kebab-case identifier.
    pub id: String,
    /// One-line summary.
    pub title: String,
    /// Default severity.
    pub severity: Severity,
    /// The input kinds the rule evaluates.
    pub kinds: Vec<InputKind>,
    /// Control references, such as `CIS-Docker 4.1`.
    pub controls: Vec<String>,
    /// How to fix a finding.
    pub remediation: String,
    /// The long explanation printed by `explain` (CommonMark).
    pub explanation: String,
    /// For image rules: the image files whose content the rule reads
    /// (absolute paths or `*` / `**/` patterns).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<String>,
}

impl RuleMeta {
    /// Returns true if and only if the rule evaluates documents of `kind`.
    pub fn applies_to(&self, kind: InputKind) -> bool {
        self.kinds.contains(&kind)
    }
}
