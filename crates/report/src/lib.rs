//! Output formats for scan results.
//!
//! Every format implements one trait, [`Format`]: it draws each input
//! file's [`FileReport`] on the worker that scanned it, and its [`Writer`]
//! puts the parts out in file order, then the [`Tail`] (rule failures,
//! errors, the coverage account, the summary). The formats are independent
//! types that share only the model ([`model`]) and small leaf helpers
//! ([`escape`], [`locate`]):
//!
//! - [`human::Human`]: rustc-style diagnostics with masked snippets;
//! - [`json::Json`]: one JSON object;
//! - [`sarif::Sarif`]: a SARIF 2.1.0 log for code scanning;
//! - [`junit::Junit`]: JUnit XML for CI test reports;
//! - [`github::Annotations`]: GitHub Actions workflow commands;
//! - [`markdown::JobSummary`]: the Markdown job summary.
//!
//! Nothing here decides anything: the verdict is computed by the caller
//! and only displayed; choosing formats is the caller's business.
#![deny(missing_docs)]

mod draw;
pub mod escape;
mod format;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod locate;
pub mod markdown;
pub mod model;
mod pretty;
pub mod sarif;
#[cfg(test)]
mod tests;
mod text;

pub use crate::format::{Format, Writer};
pub use crate::model::{FileReport, Tail};
/// Terminal colour support, as the human renderer takes it.
pub use codespan_reporting::term::termcolor;
