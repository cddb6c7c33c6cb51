//! Output formats for scan results.
//!
//! Reports are written as a scan goes ([`stream`]): each input file's
//! [`FileReport`] is drawn by the worker that scanned it and written in file
//! order, then the [`Tail`] (rule failures, errors, the [`Summary`]) ends
//! it. [`human`] draws rustc-style diagnostics with source snippets (secrets
//! masked), [`json`] one JSON object, [`sarif`] a SARIF 2.1.0 log for code
//! scanning, [`junit`] JUnit XML for CI test reports, [`github`] workflow
//! commands and the job summary. [`ScanReport`] holds a whole run, for
//! evidence. Neither decides anything: the verdict is computed by
//! the caller and only displayed here.
#![deny(missing_docs)]

pub mod escape;
pub mod fingerprint;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod locate;
mod masking;
pub mod sarif;
pub mod stream;
mod summary;
mod suppressed;

pub use crate::masking::detect as detect_secrets;
pub use crate::stream::{FileReport, Stream, Style, Tail};
pub use crate::summary::{Coverage, ScanReport, Summary, Tally, Verdict, sort_problems};
pub use crate::suppressed::{ExceptionStatus, Suppressed, SuppressionKind};
/// Terminal colour support, as the human renderer takes it.
pub use codespan_reporting::term::termcolor;
