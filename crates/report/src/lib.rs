//! Output formats for scan results.
//!
//! The principal type is [`ScanReport`]: the sorted findings, rule failures
//! and input errors of a run with its [`Summary`]. [`human`] renders it as
//! rustc-style diagnostics with source snippets (secrets masked), [`json`]
//! as one JSON object. Neither decides anything: the verdict is computed by
//! the caller and only displayed here.
#![deny(missing_docs)]

pub mod human;
pub mod json;
mod masking;
mod summary;

pub use crate::summary::{ScanReport, Summary, Verdict};
/// Terminal colour support, as the human renderer takes it.
pub use codespan_reporting::term::termcolor;
