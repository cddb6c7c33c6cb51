//! Input discovery and parsers.
//!
//! [`Discovery`] finds the files to scan (what git tracks plus what it does
//! not ignore, or every file outside git) and accounts for every one it
//! passes over; [`load`] reads and parses one candidate;
//! [`dockerfile::parse`] turns a Dockerfile into a [`bulwark_core::Document`],
//! [`manifest::parse`] a YAML stream into Compose, Kubernetes and Helm values
//! documents (over `bulwark_yaml`, which keeps every value's position); [`helm`] renders charts. [`Error`] is the input error every
//! parser returns, naming the file and, where there is one, the line and
//! column.
#![deny(missing_docs)]

mod candidate;
mod classify;
mod discover;
pub mod dockerfile;
mod error;
mod fs;
pub mod helm;
mod load;
mod loaded;
pub mod manifest;

pub use crate::classify::{classify_name, is_config_name, sniff};
pub use crate::discover::{
    Candidate, Discovered, Discovery, Exclude, Exclusion, GitContext, Root, git_context,
};
pub use crate::error::{CodeInfo, Error, ErrorKind};
pub use crate::load::{
    LoadOptions, Loaded, Read, ReadFile, load, load_bytes, load_bytes_within, read,
};
