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

pub mod artifact;
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

    /// What a request about `reference` (a tag or digest) of `repo`
    /// needs: the reference, the host's client and the credentials.
    fn prepare(
        &self,
        repo: &Repository,
        reference: &str,
    ) -> Result<(oci_client::Reference, oci_client::Client, RegistryAuth), Error> {
        let (auth, _) = self.auth(repo)?;
        Ok((
            oci_reference(repo, reference),
            self.client(&repo.host),
            auth,
        ))
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
        let (target, client, auth) = self.prepare(repo, reference)?;
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
        let (target, client, auth) = self.prepare(repo, digest)?;
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

impl Registry {
    /// Uploads `bytes` as a blob of `repo` unless the registry has it;
    /// returns its digest (`sha256:…`).
    ///
    /// # Errors
    ///
    /// The registry's refusal or a timeout.
    pub fn push_blob(&self, repo: &Repository, bytes: &[u8]) -> Result<String, Error> {
        let digest = sha256_digest(bytes);
        let (target, client, auth) = self.prepare(repo, &digest)?;
        let what = format!("upload of blob {digest} to {}", repo.repository);
        let data = bytes::Bytes::copy_from_slice(bytes);
        self.retry(&what, repo, || {
            self.runtime.block_on(async {
                client
                    .store_auth_if_needed(target.resolve_registry(), &auth)
                    .await;
                // Reading first authenticates for pull; pushing asks for a
                // push token, which a read-only login is refused.
                if client.blob_exists(&target, &digest).await? {
                    return Ok(());
                }
                client
                    .auth(&target, &auth, oci_client::RegistryOperation::Push)
                    .await?;
                client
                    .push_blob(&target, data.clone(), &digest)
                    .await
                    .map(|_| ())
            })
        })?;
        Ok(digest)
    }

    /// Uploads the manifest `bytes` (of `media_type`) to `repo` under
    /// `reference` (a tag, or its own digest); returns its digest.
    ///
    /// # Errors
    ///
    /// The registry's refusal or a timeout.
    pub fn push_manifest(
        &self,
        repo: &Repository,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<String, Error> {
        let digest = sha256_digest(bytes);
        let (target, client, auth) = self.prepare(repo, reference)?;
        let what = format!("upload of manifest {reference} to {}", repo.repository);
        let content_type = reqwest_header(media_type).ok_or_else(|| Error::Protocol {
            host: repo.host.clone(),
            what: what.clone(),
            why: format!("`{media_type}` is not a media type"),
        })?;
        let data = bytes::Bytes::copy_from_slice(bytes);
        self.retry(&what, repo, || {
            self.runtime.block_on(async {
                client
                    .auth(&target, &auth, oci_client::RegistryOperation::Push)
                    .await?;
                client
                    .push_manifest_raw(&target, data.clone(), content_type.clone())
                    .await
                    .map(|_| ())
            })
        })?;
        Ok(digest)
    }

    /// The artifacts whose `subject` is the manifest `digest` of `repo`
    /// (of `artifact_type`, when given): the Referrers API, else the
    /// referrers tag (`sha256-HEX`) for registries without it; none when
    /// neither knows any.
    ///
    /// # Errors
    ///
    /// The registry's refusal or a timeout.
    pub fn referrers(
        &self,
        repo: &Repository,
        digest: &str,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>, Error> {
        let (target, client, auth) = self.prepare(repo, digest)?;
        let what = format!("referrers of {digest} in {}", repo.repository);
        let index = self.retry(&what, repo, || {
            self.runtime.block_on(async {
                client
                    .store_auth_if_needed(target.resolve_registry(), &auth)
                    .await;
                client.pull_referrers(&target, artifact_type).await
            })
        })?;
        Ok(index
            .manifests
            .into_iter()
            .filter(|m| artifact_type.is_none_or(|t| m.artifact_type.as_deref() == Some(t)))
            .map(|m| Descriptor {
                media_type: m.media_type,
                digest: m.digest,
                size: u64::try_from(m.size).unwrap_or(0),
                artifact_type: m.artifact_type,
                annotations: m.annotations.unwrap_or_default(),
            })
            .collect())
    }

    /// Makes `referrer` (a manifest whose `subject` is `digest`, already
    /// pushed) findable: when the registry's Referrers API does not list
    /// it, it is added to the referrers tag `sha256-HEX`, as the
    /// Distribution specification asks of clients.
    ///
    /// Returns true when the referrers tag was written.
    ///
    /// # Errors
    ///
    /// The registry's refusal or a timeout.
    pub fn add_referrer(
        &self,
        repo: &Repository,
        digest: &str,
        referrer: &Descriptor,
    ) -> Result<bool, Error> {
        let listed = self.referrers(repo, digest, referrer.artifact_type.as_deref())?;
        if listed.iter().any(|d| d.digest == referrer.digest) {
            return Ok(false);
        }
        let tag = digest.replace(':', "-");
        let mut index = match self.manifest(repo, &tag) {
            Ok(existing) => serde_json::from_slice::<serde_json::Value>(&existing.bytes)
                .ok()
                .filter(|v| v["mediaType"] == INDEX_TYPE && v["manifests"].is_array())
                .unwrap_or_else(empty_index),
            Err(Error::NotFound { .. }) => empty_index(),
            Err(e) => return Err(e),
        };
        if let Some(list) = index["manifests"].as_array_mut() {
            list.push(serde_json::to_value(referrer).unwrap_or_default());
        }
        let bytes = serde_json::to_vec(&index).unwrap_or_default();
        self.push_manifest(repo, &tag, &bytes, INDEX_TYPE)?;
        Ok(true)
    }
}

/// The media type of an OCI image index.
pub const INDEX_TYPE: &str = "application/vnd.oci.image.index.v1+json";
/// The media type of an OCI image manifest.
pub const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// A content descriptor, as manifests and indexes list them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// The media type of what it points at.
    pub media_type: String,
    /// `sha256:…`.
    pub digest: String,
    /// Its length in bytes.
    pub size: u64,
    /// The artifact type, for artifacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Its annotations.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub annotations: std::collections::BTreeMap<String, String>,
}

impl Descriptor {
    /// The descriptor of `bytes` of `media_type`.
    pub fn of(media_type: &str, bytes: &[u8]) -> Descriptor {
        Descriptor {
            media_type: media_type.to_owned(),
            digest: sha256_digest(bytes),
            size: bytes.len() as u64,
            artifact_type: None,
            annotations: std::collections::BTreeMap::new(),
        }
    }
}

fn empty_index() -> serde_json::Value {
    serde_json::json!({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": []})
}

fn reqwest_header(media_type: &str) -> Option<http::HeaderValue> {
    http::HeaderValue::from_str(media_type).ok()
}

/// `sha256:HEX` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

fn bytes_empty() -> bytes::Bytes {
    bytes::Bytes::new()
}

/// Whether `digest` is `sha256:` and 64 lowercase hexadecimal digits.
pub fn is_sha256(digest: &str) -> bool {
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
