//! The bulwark scan pipeline as a library.
//!
//! The principal type is [`Scanner`], built once by a [`ScannerBuilder`]
//! (configuration, built-in packs, extra modules pinned by digest and
//! signed by trusted keys, [`Options`]) and then used for any number of
//! scans, from any number of threads: it compiles every rule component
//! once, lists its rules ([`Scanner::rules`]), scans one in-memory source
//! ([`Scanner::scan_source`]: what an editor, a pre-commit hook or a
//! service calls), and scans paths ([`Scanner::prepare`], then
//! [`Scanner::run`]) on a pool of workers, handing each file's outcome
//! and drawn report parts to the caller in file order as they are ready.
//!
//! Around it: [`modules`] (built-in packs, pins and signatures),
//! [`baseline`], [`evidence`] (the signed record of a run) and [`verify`]
//! (the promotion gate), [`harness`] (fixtures that say which findings
//! they expect: `bulwark test`), [`codes`] (every diagnostic code) and
//! [`profile`]. Errors that stop a scan before it starts are [`Error`];
//! problems with inputs are data in each [`FileOutcome`].
//!
//! # Example
//!
//! ```
//! use bulwark_core::InputKind;
//! use bulwark_scan::ScannerBuilder;
//!
//! let scanner = ScannerBuilder::new().build()?;
//! let dockerfile = "FROM alpine:latest\nRUN apk add curl\n";
//! let outcome = scanner.scan_source(
//!     "Dockerfile",
//!     Some(InputKind::Dockerfile),
//!     dockerfile.as_bytes().to_vec(),
//! );
//! let rules: Vec<&str> = outcome
//!     .report
//!     .findings
//!     .iter()
//!     .map(|f| &*f.rule_id)
//!     .collect();
//! assert!(rules.contains(&"docker-base-latest"));
//! assert!(rules.contains(&"docker-user-root"));
//! // Line 1 is where the base image is named.
//! let latest = outcome
//!     .report
//!     .findings
//!     .iter()
//!     .find(|f| &*f.rule_id == "docker-base-latest")
//!     .expect("reported");
//! assert_eq!(latest.location.line, 1);
//! # Ok::<(), bulwark_scan::Error>(())
//! ```
#![deny(missing_docs)]

pub mod baseline;
mod builtin;
pub mod codes;
mod error;
pub mod evidence;
mod fingerprint;
pub mod harness;
pub mod images;
mod inflight;
mod mask;
pub mod modules;
pub mod oci;
pub mod profile;
pub mod pss;
mod recover;
mod results;
mod scanner;
mod select;
mod subjects;
mod suppress;
mod trace;
pub mod verify;

pub use crate::builtin::{BUILTINS, Builtin};
pub use crate::error::{Error, KeyError};
pub use crate::images::Registries;
pub use crate::inflight::IN_FLIGHT_BYTES;
pub use crate::scanner::{
    Builtins, DEFAULT_MAX_FILE_SIZE, FileOutcome, Flow, Options, Prepared, Render, ReportedRule,
    Request, Run, STDIN, Scanner, ScannerBuilder,
};
pub use crate::select::is_restricted_only;
pub use crate::suppress::{MISSING_REASON, missing_reason_rule};
pub use bulwark_image::Platform;
