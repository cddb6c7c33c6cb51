//! The OCI Distribution client bulwark reads images (and rule modules)
//! through.
//!
//! Built on `oci-client` (the field's client: bearer challenges, token
//! caching, blob streams verified against their digests); tokio stays
//! inside this crate: [`Registry`] owns its runtime and offers a blocking
//! API, blobs come back as [`std::io::Read`].
//!
//! Plain HTTP is used for loopback registries (`localhost`, `127.x`,
//! `[::1]`) and the hosts named insecure, never otherwise. Each request
//! is bounded by a timeout and retried on 429, 5xx, timeouts and refused
//! connections, with a growing pause.

#![deny(missing_docs)]

mod auth;
mod error;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;

pub use auth::{AuthFiles, Credentials};
pub use error::Error;

/// The media types of manifests and indexes, for `Accept`.
pub const MANIFEST_TYPES: [&str; 4] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// How the client behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Hosts (`host[:port]`) reached over plain HTTP besides loopback.
    pub insecure: Vec<String>,
    /// The bound on connecting and on each read.
    pub timeout: Duration,
    /// How many times a transient failure is tried again.
    pub retries: u32,
    /// Where credentials come from.
    pub auth: AuthFiles,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            insecure: Vec::new(),
            timeout: Duration::from_secs(30),
            retries: 2,
            auth: AuthFiles::from_env(),
        }
    }
}

/// Whether `host` (`name[:port]`) is this machine.
pub fn is_loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name == "localhost"
        || name == "::1"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A repository on a registry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Repository {
    /// `host[:port]`; `docker.io` for Docker Hub.
    pub host: String,
    /// `team/app`.
    pub repository: String,
}

impl std::fmt::Display for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.host, self.repository)
    }
}

/// A manifest as the registry sent it, its digest checked.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The bytes, exactly.
    pub bytes: Vec<u8>,
    /// `sha256:…` of the bytes.
    pub digest: String,
}

/// A client for the registries of one run.
pub struct Registry {
    runtime: Arc<tokio::runtime::Runtime>,
    options: Options,
    clients: Mutex<HashMap<String, oci_client::Client>>,
    credentials: Mutex<HashMap<Repository, Credentials>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// A client with `options`.
    ///
    /// # Errors
    ///
    /// [`Error::Runtime`] when its threads cannot start.
    pub fn new(options: Options) -> Result<Registry, Error> {
        // One TLS provider for the process; installing it twice is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("bulwark-registry")
            .enable_all()
            .build()
            .map_err(|e| Error::Runtime(e.to_string()))?;
        Ok(Registry {
            runtime: Arc::new(runtime),
            options,
            clients: Mutex::new(HashMap::new()),
            credentials: Mutex::new(HashMap::new()),
        })
    }

    /// Whether requests to `host` go over plain HTTP.
    pub fn is_plain_http(&self, host: &str) -> bool {
        is_loopback(host) || self.options.insecure.iter().any(|h| h == host)
    }

    fn client(&self, host: &str) -> oci_client::Client {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients
            .entry(host.to_owned())
            .or_insert_with(|| {
                oci_client::Client::new(ClientConfig {
                    protocol: if self.is_plain_http(host) {
                        ClientProtocol::Http
                    } else {
                        ClientProtocol::Https
                    },
                    connect_timeout: Some(self.options.timeout),
                    read_timeout: Some(self.options.timeout),
                    platform_resolver: None,
                    user_agent: concat!("bulwark/", env!("CARGO_PKG_VERSION")),
                    ..ClientConfig::default()
                })
            })
            .clone()
    }

    fn credentials(&self, repo: &Repository) -> Result<Credentials, Error> {
        let mut known = self.credentials.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = known.get(repo) {
            return Ok(c.clone());
        }
        let found = self
            .options
            .auth
            .credentials(&repo.host, &repo.repository)?;
        known.insert(repo.clone(), found.clone());
        Ok(found)
    }

    fn auth(&self, repo: &Repository) -> Result<(RegistryAuth, Option<String>), Error> {
        Ok(match self.credentials(repo)? {
            Credentials::Anonymous => (RegistryAuth::Anonymous, None),
            Credentials::Basic {
                username,
                password,
                from,
            } => (RegistryAuth::Basic(username, password), Some(from)),
        })
    }

    /// Runs `attempt` until it succeeds, fails for good or the retries
    /// are spent.
    fn retry<T>(
        &self,
        what: &str,
        repo: &Repository,
        mut attempt: impl FnMut() -> Result<T, OciDistributionError>,
    ) -> Result<T, Error> {
        let (_, from) = self.auth(repo)?;
        let attempts = self.options.retries + 1;
        let mut n = 0;
        loop {
            n += 1;
            match attempt() {
                Ok(value) => return Ok(value),
                Err(e) => {
                    let error = classify(e, &repo.host, what, from.as_deref(), &self.options, n);
                    if n >= attempts || !error.is_transient() {
                        return Err(error);
                    }
                    std::thread::sleep(Duration::from_millis(250 << (n - 1).min(4)));
                }
            }
        }
    }

    /// The manifest or index `reference` (a tag or `sha256:…`) names in
    /// `repo`. A digest reference is checked against the bytes.
    ///
    /// # Errors
    ///
    /// The registry's refusal, a timeout, or bytes that do not match.
    pub fn manifest(&self, repo: &Repository, reference: &str) -> Result<Manifest, Error> {
        let target = oci_reference(repo, reference);
        let client = self.client(&repo.host);
        let (auth, _) = self.auth(repo)?;
        let what = format!("manifest {reference} of {}", repo.repository);
        let (bytes, digest) = self.retry(&what, repo, || {
            self.runtime
                .block_on(client.pull_manifest_raw(&target, &auth, &MANIFEST_TYPES))
        })?;
        if !is_sha256(&digest) {
            return Err(Error::Protocol {
                host: repo.host.clone(),
                what,
                why: format!("the manifest's digest `{digest}` is not sha256"),
            });
        }
        Ok(Manifest {
            bytes: bytes.to_vec(),
            digest,
        })
    }

    /// The blob `digest` of `repo`, streamed; the stream fails at its end
    /// if the bytes do not hash to the digest.
    ///
    /// # Errors
    ///
    /// The registry's refusal or a timeout before the first byte.
    pub fn blob(&self, repo: &Repository, digest: &str) -> Result<Box<dyn Read + Send>, Error> {
        let target = oci_reference(repo, digest);
        let client = self.client(&repo.host);
        let (auth, _) = self.auth(repo)?;
        let what = format!("blob {digest} of {}", repo.repository);
        let stream = self.retry(&what, repo, || {
            self.runtime.block_on(async {
                // Blob requests carry the token the manifest request
                // earned; authenticate first when there was none.
                client
                    .store_auth_if_needed(target.resolve_registry(), &auth)
                    .await;
                client.pull_blob_stream(&target, digest).await
            })
        })?;
        Ok(Box::new(BlockingStream {
            runtime: Arc::clone(&self.runtime),
            stream: stream.stream,
            pending: bytes_empty(),
            timeout: self.options.timeout,
            done: false,
        }))
    }
}

fn bytes_empty() -> bytes::Bytes {
    bytes::Bytes::new()
}

fn is_sha256(digest: &str) -> bool {
    digest.len() == 71
        && digest.starts_with("sha256:")
        && digest[7..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn oci_reference(repo: &Repository, reference: &str) -> oci_client::Reference {
    if reference.starts_with("sha256:") {
        oci_client::Reference::with_digest(
            repo.host.clone(),
            repo.repository.clone(),
            reference.to_owned(),
        )
    } else {
        oci_client::Reference::with_tag(
            repo.host.clone(),
            repo.repository.clone(),
            reference.to_owned(),
        )
    }
}

/// A blob stream read synchronously; each chunk is waited for at most
/// the timeout.
struct BlockingStream {
    runtime: Arc<tokio::runtime::Runtime>,
    stream: BoxStream<'static, std::io::Result<bytes::Bytes>>,
    pending: bytes::Bytes,
    timeout: Duration,
    /// The stream ended (and verified): it is not polled again, which
    /// would verify an empty remainder.
    done: bool,
}

impl Read for BlockingStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.is_empty() {
            if self.done {
                return Ok(0);
            }
            let (timeout, stream) = (self.timeout, &mut self.stream);
            // The timer is made inside the runtime, whose clock it needs.
            let next = self
                .runtime
                .block_on(async { tokio::time::timeout(timeout, stream.next()).await });
            match next {
                Err(_) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("the registry sent nothing for {} s", self.timeout.as_secs()),
                    ));
                }
                Ok(None) => {
                    self.done = true;
                    return Ok(0);
                }
                Ok(Some(chunk)) => self.pending = chunk?,
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending.split_to(n));
        Ok(n)
    }
}

/// Turns the client's error into one that says what happened.
fn classify(
    e: OciDistributionError,
    host: &str,
    what: &str,
    credentials: Option<&str>,
    options: &Options,
    attempts: u32,
) -> Error {
    let host = host.to_owned();
    let what = what.to_owned();
    let credentials = credentials.map(str::to_owned);
    let status = |status: u16, detail: String| match status {
        401 => Error::Unauthorized {
            host: host.clone(),
            what: what.clone(),
            credentials: credentials.clone(),
        },
        403 => Error::Denied {
            host: host.clone(),
            what: what.clone(),
            credentials: credentials.clone(),
        },
        404 => Error::NotFound {
            host: host.clone(),
            what: what.clone(),
            detail,
        },
        429 => Error::RateLimited {
            host: host.clone(),
            what: what.clone(),
            attempts,
        },
        status => Error::Status {
            host: host.clone(),
            what: what.clone(),
            status,
            detail,
        },
    };
    match e {
        OciDistributionError::UnauthorizedError { .. }
        | OciDistributionError::AuthenticationFailure(_) => status(401, String::new()),
        OciDistributionError::ImageManifestNotFoundError(detail) => status(404, detail),
        OciDistributionError::ServerError { code, message, .. } => status(code, short(&message)),
        OciDistributionError::RegistryError { envelope, .. } => {
            let first = envelope.errors.first();
            let detail = first.map(|e| short(&e.message)).unwrap_or_default();
            let code = match first.map(|e| &e.code) {
                Some(OciErrorCode::Unauthorized) => 401,
                Some(OciErrorCode::Denied) => 403,
                Some(
                    OciErrorCode::NameUnknown
                    | OciErrorCode::ManifestUnknown
                    | OciErrorCode::BlobUnknown
                    | OciErrorCode::NotFound,
                ) => 404,
                Some(OciErrorCode::Toomanyrequests) => 429,
                _ => 400,
            };
            status(code, detail)
        }
        OciDistributionError::RequestError(e) if e.is_timeout() => Error::Timeout {
            host,
            what,
            seconds: options.timeout.as_secs().max(1),
            attempts,
        },
        OciDistributionError::RequestError(e) if e.is_connect() => Error::Unreachable {
            host,
            what,
            why: chain(&e),
        },
        OciDistributionError::RequestError(e) => match e.status() {
            Some(s) => status(s.as_u16(), String::new()),
            None => Error::Protocol {
                host,
                what,
                why: chain(&e),
            },
        },
        OciDistributionError::DigestError(e) => Error::Digest {
            host,
            what,
            why: e.to_string(),
        },
        other => Error::Protocol {
            host,
            what,
            why: short(&other.to_string()),
        },
    }
}

/// An error and its causes, one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    short(&out)
}

/// Registry text, one line, bounded.
fn short(text: &str) -> String {
    let line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect();
    line
}
