//! Input discovery and parsers.
//!
//! [`Discovery`] finds the files to scan and [`load`] reads and parses one;
//! [`dockerfile::parse`] turns a Dockerfile into a [`bulwark_core::Document`];
//! [`Error`] is the input error every parser returns, always naming the
//! file, line and column.
#![deny(missing_docs)]

mod discover;
pub mod dockerfile;
mod error;

pub use crate::discover::{Candidate, Discovery, Loaded, classify_name, load, load_bytes, sniff};
pub use crate::error::{Error, ErrorKind};
