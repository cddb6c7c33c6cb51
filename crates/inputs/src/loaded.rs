//! What loading a candidate gave.

use std::sync::Arc;

use bulwark_core::{Document, InputKind, NotInput, Skip, SourceFile};

use crate::error::Error;

/// What loading a candidate gave.
#[derive(Debug)]
pub enum Loaded {
    /// The file's documents (a Dockerfile is one document, a YAML stream
    /// any number), and an error for each document that could not be read:
    /// one bad document does not drop the others.
    Documents {
        /// The file's text.
        source: Arc<SourceFile>,
        /// Its documents of interest.
        documents: Vec<Document>,
        /// Documents that failed.
        errors: Vec<Error>,
        /// The kind of input the file is.
        kind: Option<InputKind>,
    },
    /// Not an input bulwark scans.
    NotInput(NotInput),
    /// Not scanned, for a reason the report states.
    Skipped {
        /// Why.
        reason: Skip,
        /// What the user must hear, when there is more to say (how to
        /// render a chart that was not rendered).
        notice: Option<String>,
    },
}
