//! Findings (rule violations) and rule failures.
//!
//! A finding is data, not an error: it is what a rule exists to report. A
//! rule failure is the opposite: the rule could not give a verdict (it
//! trapped, ran out of time or memory, or broke the contract), so the run
//! cannot be trusted and fails closed.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{InputKind, Location, Severity, Span};

/// One violation of one rule, located in a source file.
///
/// What every finding of a rule (or of a file) has in common is shared, not
/// copied: a large scan holds tens of thousands of findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule that found it.
    pub rule_id: Arc<str>,
    /// The effective severity.
    pub severity: Severity,
    /// The rule's title.
    pub title: Arc<str>,
    /// The controls the rule maps to.
    pub controls: Arc<[String]>,
    /// The file's display name.
    pub file: Arc<str>,
    /// Where in the file.
    #[serde(flatten)]
    pub location: Location,
    /// The template the rendered document came from (Helm's `# Source:`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// What is wrong; secrets already masked.
    pub message: String,
    /// Longer detail; secrets already masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// How to fix it.
    pub remediation: Arc<str>,
    /// The rule module that holds the rule.
    pub module: Arc<str>,
    /// The JSON pointer the rule reported.
    pub pointer: String,
    /// Identifies the finding across runs while unrelated lines move: a
    /// digest of the rule, the file, the masked text of the line and its
    /// occurrence on such lines (empty until the host assigns it).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// The kind of document the finding is in.
    #[serde(skip)]
    pub kind: InputKind,
    /// The byte span in the file.
    #[serde(skip)]
    pub span: Span,
    /// Byte spans of secret values that must never be shown.
    #[serde(skip)]
    pub redactions: Vec<Span>,
    /// For a Pod Security Standards rule: the policy that judged it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pss: Option<PssJudgement>,
    /// For an image finding: the Dockerfile instruction that made what it
    /// is about, or the base image it came from.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub traced: Option<Traced>,
}

/// Where in the Dockerfile an image finding comes from: the instruction
/// of the final stage (or a stage it builds on) whose history step made
/// the layer or setting, or, for what the base image brought, the `FROM`
/// line and the base image's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traced {
    /// The Dockerfile's display name.
    pub dockerfile: String,
    /// The 1-based line of the instruction.
    pub line: usize,
    /// The instruction's first line, shortened, secrets masked.
    pub instruction: String,
    /// The base image, when the finding's cause came with it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub base_image: Option<String>,
}

impl std::fmt::Display for Traced {
    /// `Dockerfile:7 (RUN chmod 4755 /bin/su)`, or `the base image
    /// debian:12 (Dockerfile:1)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.base_image {
            Some(base) => write!(
                f,
                "from the base image {base} ({}:{})",
                self.dockerfile, self.line
            ),
            None => write!(
                f,
                "from {}:{} (`{}`)",
                self.dockerfile, self.line, self.instruction
            ),
        }
    }
}

impl std::fmt::Display for PssJudgement {
    /// `restricted:latest`, Kubernetes' notation, then how and by whose
    /// labels: `baseline:v1.24 (enforce, namespace legacy)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} ({}", self.level, self.version, self.mode)?;
        if let Some(ns) = &self.namespace {
            write!(f, ", namespace {ns}")?;
        }
        f.write_str(")")
    }
}

/// The Pod Security Standards policy a finding was judged under: a level
/// at a policy version, how it was asked for (`enforce`, or the lower
/// severity `warn` and `audit` of namespace labels), and the namespace
/// whose labels asked, if any.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PssJudgement {
    /// `baseline` or `restricted`.
    pub level: String,
    /// `latest` or `v1.N`.
    pub version: String,
    /// `enforce`, `warn` or `audit`.
    pub mode: String,
    /// The namespace whose `pod-security.kubernetes.io/*` labels chose the
    /// policy; absent when the run's settings did.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub namespace: Option<String>,
}

impl Finding {
    /// The order findings are reported in: by file, line, column, rule id,
    /// then message, so output is identical whatever the scheduling.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (
            &self.file,
            self.location.line,
            self.location.column,
            &self.rule_id,
            &self.message,
        )
    }
}

/// Why a rule module could not give a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RuleFailureKind {
    /// The call ran past its CPU deadline.
    Timeout {
        /// The deadline, in milliseconds.
        limit_ms: u64,
    },
    /// The module tried to grow its memory past the limit.
    MemoryLimit {
        /// The limit, in bytes.
        limit_bytes: usize,
    },
    /// The module trapped (a panic, `unreachable`, an out-of-bounds access).
    Trap {
        /// The trap as wasmtime describes it.
        message: String,
    },
    /// The module returned an error.
    Error {
        /// The module's message.
        message: String,
    },
    /// A finding's JSON pointer does not exist in the document.
    BadPointer {
        /// The pointer the module returned.
        pointer: String,
    },
    /// The module could not be loaded at all.
    Load {
        /// Why.
        message: String,
    },
    /// A finding named another rule than the one being evaluated.
    WrongRule {
        /// The id in the finding.
        rule_id: String,
    },
    /// The rule returned more than the contract allows: a message, detail
    /// or pointer too long, or too many findings for one document.
    OverLimit {
        /// What was counted (`message bytes`, `findings for one document`).
        what: String,
        /// How many there were.
        value: usize,
        /// The limit.
        limit: usize,
    },
}

impl fmt::Display for RuleFailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleFailureKind::Timeout { limit_ms } => {
                write!(f, "ran past its {limit_ms} ms CPU deadline")
            }
            RuleFailureKind::MemoryLimit { limit_bytes } => write!(
                f,
                "tried to grow its memory past the {} MiB limit",
                limit_bytes / (1024 * 1024)
            ),
            RuleFailureKind::Trap { message } => write!(f, "trapped: {message}"),
            RuleFailureKind::Error { message } => write!(f, "returned an error: {message}"),
            RuleFailureKind::BadPointer { pointer } => write!(
                f,
                "reported a finding at JSON pointer `{pointer}`, which does not exist in the document"
            ),
            RuleFailureKind::Load { message } => write!(f, "could not be loaded: {message}"),
            RuleFailureKind::WrongRule { rule_id } => write!(
                f,
                "reported a finding for rule `{}`, not the rule being evaluated",
                rule_id.escape_debug()
            ),
            RuleFailureKind::OverLimit { what, value, limit } => {
                write!(f, "returned {value} {what}, over the limit of {limit}")
            }
        }
    }
}

/// A rule (or a whole module) that failed to give a verdict on a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFailure {
    /// The module's name.
    pub module: String,
    /// The rule being evaluated, when the failure is tied to one.
    pub rule_id: Option<String>,
    /// The file being evaluated.
    pub file: String,
    /// What went wrong.
    #[serde(flatten)]
    pub kind: RuleFailureKind,
}

impl fmt::Display for RuleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let RuleFailureKind::Load { .. } = self.kind {
            return write!(
                f,
                "module `{}` from {} {}",
                self.module, self.file, self.kind
            );
        }
        match &self.rule_id {
            Some(rule) => write!(
                f,
                "rule `{rule}` (module `{}`) {} while evaluating {}",
                self.module, self.kind, self.file
            ),
            None => write!(
                f,
                "module `{}` {} while preparing {}",
                self.module, self.kind, self.file
            ),
        }
    }
}

impl RuleFailure {
    /// The order failures are reported in.
    pub fn sort_key(&self) -> (&str, &str, Option<&str>) {
        (&self.file, &self.module, self.rule_id.as_deref())
    }
}

/// An input that could not be read or parsed, as plain data for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanError {
    /// The file's display name.
    pub file: String,
    /// 1-based line; none when the error concerns the whole file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column; none when the error concerns the whole file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// A stable kebab-case name for the cause (`duplicate-key`,
    /// `too-large`, …).
    pub code: String,
    /// What went wrong, without the location.
    pub message: String,
}

impl ScanError {
    /// `file:line:column` (or the file alone), as editors read it.
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", self.file),
            (Some(line), None) => format!("{}:{line}", self.file),
            _ => self.file.clone(),
        }
    }
}

/// `err` and its causes on one line, `: ` between them: how an error from
/// a library reaches a report or a rule failure's message.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
