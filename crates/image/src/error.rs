//! What can go wrong reading an image: every error names the image, and
//! the blob when one is at fault.

/// Reading an image failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The reference is not one bulwark reads.
    #[error("image reference `{reference}`: {why}")]
    Reference {
        /// The reference as given.
        reference: String,
        /// What is wrong with it.
        why: String,
    },
    /// A file or blob could not be read.
    #[error("{image}: reading {what}: {source}")]
    Io {
        /// The image.
        image: String,
        /// What was being read.
        what: String,
        /// The OS's reason.
        source: std::io::Error,
    },
    /// A blob's content does not hash to its digest.
    #[error("{image}: blob {digest} does not match its digest (its content hashes to {actual})")]
    DigestMismatch {
        /// The image.
        image: String,
        /// The digest it was asked by.
        digest: String,
        /// What its bytes hash to.
        actual: String,
    },
    /// A blob the image names is not there.
    #[error("{image}: blob {digest} is missing")]
    MissingBlob {
        /// The image.
        image: String,
        /// Its digest.
        digest: String,
    },
    /// A manifest, index or configuration is not what it should be.
    #[error("{image}: {what}: {why}")]
    Invalid {
        /// The image.
        image: String,
        /// Which document.
        what: String,
        /// What is wrong.
        why: String,
    },
    /// A layer could not be read as a tar stream, or breaks a limit.
    #[error("{image}: layer {digest}: {why}")]
    Layer {
        /// The image.
        image: String,
        /// The layer's digest.
        digest: String,
        /// What is wrong.
        why: String,
    },
    /// The registry refused, failed or could not be reached.
    #[error("{image}: {source}")]
    Registry {
        /// The image.
        image: String,
        /// What the registry client says.
        source: bulwark_registry::Error,
    },
    /// No manifest of the image is for the platform asked for.
    #[error("{image}: no manifest for platform {platform} (the image has: {available})")]
    NoPlatform {
        /// The image.
        image: String,
        /// The platform asked for.
        platform: String,
        /// The platforms it has.
        available: String,
    },
}

impl Error {
    /// A stable code, for reports.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Reference { .. } => "image-reference",
            Error::Io { .. } => "image-io",
            Error::DigestMismatch { .. } => "image-digest-mismatch",
            Error::MissingBlob { .. } => "image-missing-blob",
            Error::Invalid { .. } => "image-invalid",
            Error::Layer { .. } => "image-layer",
            Error::NoPlatform { .. } => "image-no-platform",
            Error::Registry { source, .. } => source.code(),
        }
    }
}
