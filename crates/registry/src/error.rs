//! What can go wrong talking to a registry: every error names the
//! registry and what was asked of it, and carries a stable code.

use std::path::PathBuf;

/// A registry request or the credentials for it failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: no credentials, or the registry refused them.
    #[error("{host}: {what}: unauthorized (401){}", credentials_note(.credentials))]
    Unauthorized {
        /// The registry.
        host: String,
        /// What was asked.
        what: String,
        /// Where the credentials sent came from, if any were.
        credentials: Option<String>,
    },
    /// 403: the credentials do not allow this.
    #[error("{host}: {what}: access denied (403){}", credentials_note(.credentials))]
    Denied {
        /// The registry.
        host: String,
        /// What was asked.
        what: String,
        /// Where the credentials sent came from, if any were.
        credentials: Option<String>,
    },
    /// 404: no such repository, tag, manifest or blob.
    #[error("{host}: {what}: not found (404){}", with_detail(.detail))]
    NotFound {
        /// The registry.
        host: String,
        /// What was asked.
        what: String,
        /// The registry's own words.
        detail: String,
    },
    /// 429, after the retries.
    #[error("{host}: {what}: too many requests (429) after {attempts} attempts")]
    RateLimited {
        /// The registry.
        host: String,
        /// What was asked.
        what: String,
        /// How many requests were made.
        attempts: u32,
    },
    /// Any other HTTP status (5xx after the retries).
    #[error("{host}: {what}: the registry answered {status}{}", with_detail(.detail))]
    Status {
        /// The registry.
        host: String,
        /// What was asked.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The registry's own words.
        detail: String,
    },
    /// No answer within the timeout, after the retries.
    #[error("{host}: {what}: no answer within {seconds} s ({attempts} attempts)")]
    Timeout {
        /// The registry.
        host: String,
        /// What was asked.
        what: String,
        /// The timeout per attempt.
        seconds: u64,
        /// How many requests were made.
        attempts: u32,
    },
    /// The registry could not be reached.
    #[error("{host}: {what}: cannot connect: {why}")]
    Unreachable {
        /// The registry.
        host: String,
        /// What was asked.
        what: String,
        /// The reason.
        why: String,
    },
    /// What the registry sent does not hash to the digest asked for.
    #[error("{host}: {what}: the content does not match its digest: {why}")]
    Digest {
        /// The registry.
        host: String,
        /// What was asked.
        what: String,
        /// The detail.
        why: String,
    },
    /// The registry broke the protocol (or the request could not be made).
    #[error("{host}: {what}: {why}")]
    Protocol {
        /// The registry.
        host: String,
        /// What was asked.
        what: String,
        /// The detail.
        why: String,
    },
    /// An auth file could not be read.
    #[error("{}: {why}", .path.display())]
    AuthFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// A credential helper failed.
    #[error("credential helper `docker-credential-{helper}` for {host}: {why}")]
    Helper {
        /// The helper's name.
        helper: String,
        /// The registry asked about.
        host: String,
        /// What went wrong.
        why: String,
    },
    /// The transport could not start.
    #[error("starting the registry client: {0}")]
    Runtime(String),
}

fn credentials_note(from: &Option<String>) -> String {
    match from {
        Some(from) => format!(" with the credentials from {from}"),
        None => " without credentials (none found in $REGISTRY_AUTH_FILE, the containers auth.json, $DOCKER_CONFIG/config.json or ~/.docker/config.json)".to_owned(),
    }
}

fn with_detail(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

impl Error {
    /// A stable code, for reports.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthorized { .. } => "registry-unauthorized",
            Error::Denied { .. } => "registry-denied",
            Error::NotFound { .. } => "registry-not-found",
            Error::RateLimited { .. } => "registry-rate-limited",
            Error::Status { .. } => "registry-status",
            Error::Timeout { .. } => "registry-timeout",
            Error::Unreachable { .. } => "registry-unreachable",
            Error::Digest { .. } => "registry-digest-mismatch",
            Error::Protocol { .. } => "registry-protocol",
            Error::AuthFile { .. } => "registry-auth-file",
            Error::Helper { .. } => "registry-credential-helper",
            Error::Runtime(_) => "registry-runtime",
        }
    }

    /// Whether trying again may help (429, 5xx, timeouts, refused
    /// connections).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Unreachable { .. } => true,
            Error::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}
