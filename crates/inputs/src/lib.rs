//! Input discovery and parsers.
//!
//! [`Discovery`] finds the files to scan and [`load`] reads and parses one;
//! [`dockerfile::parse`] turns a Dockerfile into a [`bulwark_core::Document`],
//! [`manifest::parse`] a YAML stream into Compose, Kubernetes and Helm values
//! documents (over [`yaml::parse_stream`], which keeps every value's
//! position); [`helm`] renders charts. [`Error`] is the input error every
//! parser returns, always naming the file, line and column.
#![deny(missing_docs)]

mod discover;
pub mod dockerfile;
mod error;
pub mod helm;
pub mod manifest;
pub mod yaml;

pub use crate::discover::{
    Candidate, Discovery, LoadOptions, Loaded, classify_name, load, load_bytes, sniff,
};
pub use crate::error::{Error, ErrorKind};
