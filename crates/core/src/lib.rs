//! Plain data shared by every bulwark crate.
//!
//! The principal types are [`Document`], one parsed input handed to rule
//! modules, and [`Finding`], one violation located in a [`SourceFile`].
//! Around them sit [`Severity`], [`InputKind`], [`RuleMeta`], the
//! source-position types [`Span`] and [`Location`], the run model
//! ([`Verdict`], [`Summary`], [`ScanReport`], [`Suppressed`]) and the
//! coverage account ([`CoverageEntry`]). A document's content is a
//! [`Node`] tree: JSON values that remember the source span they came from,
//! so a rule's JSON pointer maps back to `file:line:column`.
//!
//! This crate does no I/O and depends only on `serde`.
#![deny(missing_docs)]

mod coverage;
mod document;
pub mod expect;
mod finding;
pub mod image_ref;
mod mask;
mod node;
mod rule;
mod run;
mod severity;
mod source;
mod tree;

pub use crate::{
    coverage::{CoverageCounts, CoverageEntry, CoverageStatus, NotInput, Skip, SpecialFile},
    document::{Document, RENDERED_CHART_SUFFIX},
    finding::{
        Finding, PssJudgement, RuleFailure, RuleFailureKind, ScanError, Traced, error_chain,
    },
    mask::{SecretForms, mask_forms, mask_spans, secret_forms},
    node::{Node, Text, Value},
    rule::{InputKind, RuleMeta},
    run::{
        Coverage, ExceptionState, ExceptionStatus, ScanReport, Summary, Suppressed,
        SuppressionKind, Tally, Verdict, sort_findings, sort_problems,
    },
    severity::{ParseSeverityError, Severity},
    source::{Location, SourceFile, Span, line_starts},
    tree::{FlatTree, SHARED_UP_TO as TREE_SHARED_UP_TO, TREE_LEN_BITS},
};

/// The version of the WIT package (`bulwark:rules`) this build speaks.
pub const WIT_PACKAGE_VERSION: &str = "0.3.0";

/// The earlier versions of the WIT package whose modules this build still
/// runs, newest first (`wit/v0.2.0`, `wit/v0.1.0`, frozen).
pub const WIT_EARLIER_VERSIONS: [&str; 2] = ["0.2.0", "0.1.0"];

/// How a refusal names the earlier versions: `@0.2.0 or @0.1.0`.
pub fn wit_earlier_versions() -> String {
    WIT_EARLIER_VERSIONS.map(|v| format!("@{v}")).join(" or ")
}
