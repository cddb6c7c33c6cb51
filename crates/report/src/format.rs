//! The one trait every output format implements.
//!
//! A report is written as the scan goes: [`Format::render`] draws one
//! file's part on the worker that scanned the file, [`Format::begin`]
//! writes the header and returns a [`Writer`] that puts the drawn parts out
//! in file order and ends the report with what only the end of the run
//! knows ([`Tail`]). Formats are independent types; none knows another,
//! and choosing one is the caller's business (the CLI's closed enum).

use std::fmt;
use std::io;

use bulwark_core::ScanError;
use codespan_reporting::term::termcolor::WriteColor;

use crate::model::{FileReport, Tail};

/// An output format.
pub trait Format: Send + Sync + fmt::Debug {
    /// Draws one file's part of the report.
    ///
    /// # Errors
    ///
    /// Drawing into memory fails only if a diagnostic cannot be laid out.
    fn render(&self, file: &FileReport) -> io::Result<Vec<u8>>;

    /// Starts a report on `out`: writes the header and returns the writer
    /// of the parts. `early` are input errors known before any file is
    /// scanned (named paths that cannot be scanned).
    ///
    /// # Errors
    ///
    /// Any error writing to `out`.
    fn begin<'w>(
        &'w self,
        out: &'w mut dyn WriteColor,
        early: &[ScanError],
    ) -> io::Result<Box<dyn Writer + 'w>>;
}

/// Puts a report's parts out in order, then its tail.
pub trait Writer {
    /// Writes one file's part, as [`Format::render`] drew it (an empty
    /// part writes nothing).
    ///
    /// # Errors
    ///
    /// Any error writing to the output.
    fn part(&mut self, part: &[u8]) -> io::Result<()>;

    /// Ends the report and flushes.
    ///
    /// # Errors
    ///
    /// Any error writing to the output.
    fn finish(self: Box<Self>, tail: Tail<'_>) -> io::Result<()>;
}

/// How a [`Sequence`] ends: given the output, the number of non-empty parts
/// written, and the tail.
pub(crate) type Ending<'w> =
    Box<dyn for<'t> FnOnce(&mut dyn WriteColor, usize, Tail<'t>) -> io::Result<()> + 'w>;

/// The writer most formats need: parts written as they come (as the
/// elements of a JSON array when `separated`), then an ending.
pub(crate) struct Sequence<'w> {
    out: &'w mut dyn WriteColor,
    separated: bool,
    parts: usize,
    ending: Ending<'w>,
}

impl<'w> Sequence<'w> {
    /// Parts written one after the other.
    pub(crate) fn plain(out: &'w mut dyn WriteColor, ending: Ending<'w>) -> Box<Sequence<'w>> {
        Box::new(Sequence {
            out,
            separated: false,
            parts: 0,
            ending,
        })
    }

    /// Parts as the elements of a JSON array: each on a new line, commas
    /// between.
    pub(crate) fn json_elements(
        out: &'w mut dyn WriteColor,
        ending: Ending<'w>,
    ) -> Box<Sequence<'w>> {
        Box::new(Sequence {
            out,
            separated: true,
            parts: 0,
            ending,
        })
    }
}

impl Writer for Sequence<'_> {
    fn part(&mut self, part: &[u8]) -> io::Result<()> {
        if part.is_empty() {
            return Ok(());
        }
        if self.separated {
            self.out
                .write_all(if self.parts == 0 { b"\n" } else { b",\n" })?;
        }
        self.parts += 1;
        self.out.write_all(part)
    }

    fn finish(self: Box<Self>, tail: Tail<'_>) -> io::Result<()> {
        let Sequence {
            out, parts, ending, ..
        } = *self;
        ending(&mut *out, parts, tail)?;
        out.flush()
    }
}
