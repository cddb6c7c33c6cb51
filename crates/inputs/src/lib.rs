//! Input discovery and parsers.
//!
//! [`dockerfile::parse`] turns a Dockerfile into a [`bulwark_core::Document`];
//! [`Error`] is the input error every parser returns, always naming the
//! file, line and column.
#![deny(missing_docs)]

pub mod dockerfile;
mod error;

pub use crate::error::{Error, ErrorKind};
