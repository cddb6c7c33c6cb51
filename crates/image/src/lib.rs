//! Container images, read the way bulwark scans them.
//!
//! An image is named as containers-image tools name it ([`Reference`]):
//! an OCI layout directory, an OCI archive, a Docker archive (`docker
//! save`, `podman save`). [`open`] resolves it to one [`Image`] per
//! platform (a multi-platform index gives every platform, or the one
//! [`Options::platform`] picks), verifying every blob's digest while it
//! streams, and reads each layer once without extracting it: gzip, zstd or
//! uncompressed, whiteouts and opaque directories applied, names
//! normalised and never followed outside the image. The result holds the
//! image configuration, its history matched to its layers, the final file
//! table (each file with the layer that wrote it), the files a later layer
//! deleted or overwrote whose bytes are still in the image's blobs, and
//! the content of the few files rules read ([`wanted`]), size-capped.
#![deny(missing_docs)]

mod digest;
mod error;
mod layer;
mod reference;
mod source;

#[cfg(test)]
mod tests;

use serde::Serialize;
use serde_json::Value;

pub use crate::digest::{Hashing, is_sha256, sha256};
pub use crate::error::Error;
pub use crate::reference::Reference;

use std::sync::Arc;

use crate::source::{Fetch, Source};

pub use bulwark_registry as registry;

/// How far reading an image may go.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Entries in one layer.
    pub max_entries: usize,
    /// Bytes one layer decompresses to.
    pub max_layer_bytes: u64,
    /// Decompressed bytes per compressed byte, once past `ratio_floor`.
    pub max_ratio: u64,
    /// Below this many decompressed bytes the ratio is not checked.
    pub ratio_floor: u64,
    /// An index, manifest or configuration.
    pub max_document: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_entries: 500_000,
            max_layer_bytes: 16 << 30,
            max_ratio: 200,
            ratio_floor: 64 << 20,
            max_document: 4 << 20,
        }
    }
}

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only this platform of a multi-platform image.
    pub platform: Option<Platform>,
    /// The limits.
    pub limits: Limits,
    /// Read the index, manifests and configuration only, no layer: the
    /// digests an image is known by (`verify --image`).
    pub metadata_only: bool,
    /// The registry client for `docker://` references (one per run, its
    /// logins and connections shared); a default one when none is given.
    pub registry: Option<Arc<registry::Registry>>,
}

/// An OS and architecture (`linux/arm64/v8`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Platform {
    /// `linux`.
    pub os: String,
    /// `amd64`, `arm64` …
    pub architecture: String,
    /// `v7`, `v8` …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    ///
    /// # Errors
    ///
    /// A message saying what is expected.
    pub fn parse(text: &str) -> Result<Platform, String> {
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
                os: (*os).to_owned(),
                architecture: (*arch).to_owned(),
                variant: None,
            }),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform {
                    os: (*os).to_owned(),
                    architecture: (*arch).to_owned(),
                    variant: Some((*variant).to_owned()),
                })
            }
            _ => Err(format!(
                "`{text}`: expected os/arch[/variant], e.g. linux/arm64"
            )),
        }
    }

    /// Whether this platform is what `wanted` asks for (a variant left out
    /// matches any).
    fn matches(&self, wanted: &Platform) -> bool {
        self.os == wanted.os
            && self.architecture == wanted.architecture
            && (wanted.variant.is_none() || self.variant == wanted.variant)
    }

    fn of(value: &Value) -> Option<Platform> {
        Some(Platform {
            os: value.get("os")?.as_str()?.to_owned(),
            architecture: value.get("architecture")?.as_str()?.to_owned(),
            variant: value
                .get("variant")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// What an entry of the file table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to another entry.
    Hardlink,
    /// A character device.
    Char,
    /// A block device.
    Block,
    /// A named pipe.
    Fifo,
}

/// One file of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    /// Its absolute path in the image (`/etc/passwd`).
    pub path: String,
    /// What it is.
    pub kind: FileKind,
    /// Permission bits, setuid (0o4000) and setgid (0o2000) included.
    pub mode: u32,
    /// Owner (left out of the document when 0: most files of most images
    /// are root's, and a large image's file table is its largest part).
    #[serde(skip_serializing_if = "is_zero")]
    pub uid: u64,
    /// Group (left out when 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub gid: u64,
    /// Size in bytes of a regular file (left out when 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub size: u64,
    /// A link's target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The layer (0-based) that wrote it.
    pub layer: usize,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes a reference
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How a later layer took a file away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Removal {
    /// A whiteout deleted it.
    Deleted,
    /// Another entry replaced it.
    Overwritten,
}

/// A file a later layer deleted or overwrote: gone from the filesystem a
/// container sees, still in the lower layer's blob for anyone who pulls
/// the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removed {
    /// The file as its layer wrote it.
    #[serde(flatten)]
    pub entry: FileEntry,
    /// The layer that took it away.
    pub removed_in: usize,
    /// How.
    pub how: Removal,
}

/// The content of a file rules read ([`wanted`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Content {
    /// Its path.
    pub path: String,
    /// The layer that wrote this version.
    pub layer: usize,
    /// Its text (invalid UTF-8 replaced), up to the cap.
    pub text: String,
    /// Whether the file is longer than `text`.
    pub truncated: bool,
    /// The layer that deleted or overwrote this version, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_in: Option<usize>,
}

/// One layer of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layer {
    /// Its digest as stored.
    pub digest: String,
    /// The digest of its uncompressed tar stream.
    pub diff_id: String,
    /// Its media type (empty for Docker archives, which have none).
    pub media_type: String,
    /// Its size as stored.
    pub size: u64,
    /// How many tar entries it holds.
    pub entries: usize,
}

/// One step of the image's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct History {
    /// What created it (`RUN /bin/sh -c …`, `COPY … in /`).
    pub created_by: String,
    /// The layer it created, if any (`ENV`, `USER` … create none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    /// A comment the builder left (`buildkit.dockerfile.v0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// One platform's image, read.
#[derive(Debug, Clone, Serialize)]
pub struct Image {
    /// The reference it was read from.
    pub reference: String,
    /// Its platform, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// The digest of the index it was picked from, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_digest: Option<String>,
    /// The digest of its manifest (none in a Docker archive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    /// The digest of its configuration: the image ID.
    pub config_digest: String,
    /// The `config` object of its configuration (`User`, `Env`,
    /// `ExposedPorts`, `Healthcheck`, `Entrypoint`, `Cmd`, `Labels`,
    /// `Volumes`, `WorkingDir`).
    pub config: Value,
    /// Its history, each step with the layer it created.
    pub history: Vec<History>,
    /// Its layers, bottom first.
    pub layers: Vec<Layer>,
    /// The final filesystem, sorted by path.
    pub files: Vec<FileEntry>,
    /// Files deleted or overwritten by a later layer.
    pub removed: Vec<Removed>,
    /// The content of the files rules read, every version of them.
    pub contents: Vec<Content>,
}

impl Image {
    /// An image known by its digests, configuration and history only
    /// (`Options::metadata_only`): no layer read.
    fn known_by(
        reference: &str,
        platform: Option<Platform>,
        index_digest: Option<String>,
        manifest_digest: Option<String>,
        (config_digest, config, layers): (String, &Value, usize),
    ) -> Image {
        Image {
            reference: reference.to_owned(),
            platform,
            index_digest,
            manifest_digest,
            config_digest,
            config: config
                .get("config")
                .cloned()
                .unwrap_or(Value::Object(serde_json::Map::new())),
            history: history(config, layers),
            layers: Vec::new(),
            files: Vec::new(),
            removed: Vec::new(),
            contents: Vec::new(),
        }
    }

    /// How the image is named in reports: its reference, and its platform
    /// when it was picked from an index.
    pub fn name(&self) -> String {
        match (&self.platform, &self.index_digest) {
            (Some(p), Some(_)) => format!("{} ({p})", self.reference),
            _ => self.reference.clone(),
        }
    }

    /// The digest the image is known by: its manifest's, or for a Docker
    /// archive (which has none) its configuration's, the image ID.
    pub fn digest(&self) -> &str {
        self.manifest_digest
            .as_deref()
            .unwrap_or(&self.config_digest)
    }
}

/// The files whose content rules read, with how many bytes of each: the
/// account databases, the OS release, the package databases, the SSH
/// server and sudo configuration, credential files by name.
pub fn wanted(path: &str) -> Option<u64> {
    const SMALL: u64 = 256 << 10;
    const PACKAGES: u64 = 8 << 20;
    match path {
        "etc/passwd"
        | "etc/shadow"
        | "etc/group"
        | "etc/gshadow"
        | "etc/os-release"
        | "usr/lib/os-release"
        | "etc/ssh/sshd_config"
        | "etc/sudoers" => Some(SMALL),
        "var/lib/dpkg/status" | "lib/apk/db/installed" => Some(PACKAGES),
        _ => {
            let name = path.rsplit('/').next().unwrap_or(path);
            let credential = matches!(
                name,
                ".netrc"
                    | ".git-credentials"
                    | ".npmrc"
                    | ".pypirc"
                    | ".pgpass"
                    | ".env"
                    | "id_rsa"
                    | "id_dsa"
                    | "id_ecdsa"
                    | "id_ed25519"
                    | "credentials"
                    | "config.json"
            ) && (name != "credentials" || path.contains(".aws/"))
                && (name != "config.json" || path.contains(".docker/"));
            (credential
                || path.starts_with("etc/sudoers.d/")
                || name.ends_with(".pem")
                || name.ends_with(".key"))
            .then_some(SMALL)
        }
    }
}

const INDEX_TYPES: [&str; 2] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

const MANIFEST_TYPES: [&str; 2] = [
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

const LAYER_TYPES: [&str; 8] = [
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
];

/// Reads the image `reference` names: one [`Image`] per platform.
///
/// # Errors
///
/// The first [`Error`], naming the image and the blob at fault.
pub fn open(reference: &Reference, options: &Options) -> Result<Vec<Image>, Error> {
    let name = reference.to_string();
    match reference {
        Reference::OciLayout { dir, tag } => oci(&name, &Source::dir(dir), tag.as_deref(), options),
        Reference::OciArchive { file, tag } => {
            oci(&name, &Source::tar(&name, file)?, tag.as_deref(), options)
        }
        Reference::DockerArchive { file, name: wanted } => docker(
            &name,
            &Source::tar(&name, file)?,
            wanted.as_deref(),
            options,
        ),
        Reference::Registry {
            host,
            repository,
            tag,
            digest,
        } => {
            let client = match &options.registry {
                Some(client) => Arc::clone(client),
                None => Arc::new(
                    registry::Registry::new(registry::Options::default()).map_err(|source| {
                        Error::Registry {
                            image: name.clone(),
                            source,
                        }
                    })?,
                ),
            };
            // A digest pins the image; a tag alone is resolved now.
            let wanted = digest.as_deref().or(tag.as_deref()).unwrap_or("latest");
            let repository = registry::Repository {
                host: host.clone(),
                repository: repository.clone(),
            };
            let source = Source::remote(&name, client, repository, wanted)?;
            oci(&name, &source, None, options)
        }
    }
}

fn invalid(image: &str, what: &str, why: impl Into<String>) -> Error {
    Error::Invalid {
        image: image.to_owned(),
        what: what.to_owned(),
        why: why.into(),
    }
}

/// Reads a blob whole and checks it hashes to its digest.
fn verified(
    image: &str,
    source: &Source,
    digest: &str,
    limit: u64,
    what: &str,
    fetch: Fetch,
) -> Result<Vec<u8>, Error> {
    let bytes = source.read_small(image, source.fetch(image, digest, fetch)?, what, limit)?;
    let actual = sha256(&bytes);
    if actual != digest {
        return Err(Error::DigestMismatch {
            image: image.to_owned(),
            digest: digest.to_owned(),
            actual,
        });
    }
    Ok(bytes)
}

/// The JSON file `name` at the top of a layout or archive.
fn document(image: &str, source: &Source, name: &str, limits: &Limits) -> Result<Value, Error> {
    let bytes = source.read_small(image, source.open(image, name)?, name, limits.max_document)?;
    json(image, name, &bytes)
}

fn json(image: &str, what: &str, bytes: &[u8]) -> Result<Value, Error> {
    serde_json::from_slice(bytes).map_err(|e| invalid(image, what, format!("not JSON: {e}")))
}

/// A manifest picked from an OCI layout, with where it came from.
struct Pick {
    manifest: String,
    platform: Option<Platform>,
    index: Option<String>,
}

fn oci(
    image: &str,
    source: &Source,
    tag: Option<&str>,
    options: &Options,
) -> Result<Vec<Image>, Error> {
    let limits = &options.limits;
    let top = document(image, source, "index.json", limits)?;
    let mut descriptors: Vec<&Value> = top
        .get("manifests")
        .and_then(Value::as_array)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    if let Some(tag) = tag {
        descriptors.retain(|d| {
            d.pointer("/annotations/org.opencontainers.image.ref.name")
                .and_then(Value::as_str)
                .is_some_and(|n| n == tag || n.rsplit_once(':').is_some_and(|(_, t)| t == tag))
        });
        if descriptors.is_empty() {
            return Err(invalid(
                image,
                "index.json",
                format!("no manifest is tagged `{tag}`"),
            ));
        }
    }
    if descriptors.is_empty() {
        return Err(invalid(image, "index.json", "lists no manifest"));
    }
    let mut picks = Vec::new();
    for d in descriptors {
        collect(image, source, d, None, 0, limits, &mut picks)?;
    }
    let picks = choose(image, picks, options)?;
    picks
        .into_iter()
        .map(|p| {
            let bytes = verified(
                image,
                source,
                &p.manifest,
                limits.max_document,
                "the manifest",
                Fetch::Manifest,
            )?;
            let manifest = json(image, "the manifest", &bytes)?;
            let config = manifest
                .pointer("/config/digest")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(image, "the manifest", "has no config digest"))?
                .to_owned();
            let layers: Vec<(String, String)> = manifest
                .get("layers")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .map(|d| {
                            (
                                d.get("digest")
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .to_owned(),
                                d.get("mediaType")
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            for (digest, media_type) in &layers {
                if !LAYER_TYPES.contains(&media_type.as_str()) {
                    return Err(Error::Layer {
                        image: image.to_owned(),
                        digest: digest.clone(),
                        why: format!("unknown media type `{media_type}`"),
                    });
                }
            }
            let config_bytes = verified(
                image,
                source,
                &config,
                limits.max_document,
                "the configuration",
                Fetch::Blob,
            )?;
            if options.metadata_only {
                let parsed = json(image, "the configuration", &config_bytes)?;
                return Ok(Image::known_by(
                    image,
                    p.platform,
                    p.index,
                    Some(p.manifest),
                    (config, &parsed, layers.len()),
                ));
            }
            let blobs = layers
                .into_iter()
                .map(|(digest, media_type)| (digest, media_type, Fetch::Blob))
                .collect();
            let mut read = build(image, source, &config, &config_bytes, blobs, limits)?;
            read.manifest_digest = Some(p.manifest);
            read.index_digest = p.index;
            if p.platform.is_some() {
                read.platform = p.platform;
            }
            Ok(read)
        })
        .collect()
}

/// Follows descriptor `d` to manifests, through nested indexes.
fn collect(
    image: &str,
    source: &Source,
    d: &Value,
    index: Option<String>,
    depth: usize,
    limits: &Limits,
    out: &mut Vec<Pick>,
) -> Result<(), Error> {
    let digest = d
        .get("digest")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(image, "a descriptor", "has no digest"))?;
    let media_type = d
        .get("mediaType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // Attestations (BuildKit's provenance and SBOM manifests) are not
    // images to scan.
    if d.pointer("/annotations/vnd.docker.reference.type")
        .and_then(Value::as_str)
        == Some("attestation-manifest")
    {
        return Ok(());
    }
    if INDEX_TYPES.contains(&media_type) {
        if depth >= 4 {
            return Err(invalid(image, digest, "indexes nested more than four deep"));
        }
        let bytes = verified(
            image,
            source,
            digest,
            limits.max_document,
            "an index",
            Fetch::Manifest,
        )?;
        let nested = json(image, "an index", &bytes)?;
        for m in nested
            .get("manifests")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect(
                image,
                source,
                m,
                Some(digest.to_owned()),
                depth + 1,
                limits,
                out,
            )?;
        }
        return Ok(());
    }
    if !MANIFEST_TYPES.contains(&media_type) {
        return Err(invalid(
            image,
            digest,
            format!("unknown media type `{media_type}`"),
        ));
    }
    out.push(Pick {
        manifest: digest.to_owned(),
        platform: d.get("platform").and_then(Platform::of),
        index,
    });
    Ok(())
}

fn choose(image: &str, picks: Vec<Pick>, options: &Options) -> Result<Vec<Pick>, Error> {
    let Some(wanted) = &options.platform else {
        return Ok(picks);
    };
    let available: Vec<String> = picks
        .iter()
        .map(|p| {
            p.platform
                .as_ref()
                .map_or_else(|| "unknown".to_owned(), Platform::to_string)
        })
        .collect();
    let chosen: Vec<Pick> = picks
        .into_iter()
        .filter(|p| p.platform.as_ref().is_some_and(|p| p.matches(wanted)))
        .collect();
    if chosen.is_empty() {
        return Err(Error::NoPlatform {
            image: image.to_owned(),
            platform: wanted.to_string(),
            available: available.join(", "),
        });
    }
    Ok(chosen)
}

fn docker(
    image: &str,
    source: &Source,
    wanted: Option<&str>,
    options: &Options,
) -> Result<Vec<Image>, Error> {
    let limits = &options.limits;
    let manifest = document(image, source, "manifest.json", limits)?;
    let entries = manifest.as_array().cloned().unwrap_or_default();
    let tags = |e: &Value| -> Vec<String> {
        e.get("RepoTags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let chosen: Vec<&Value> = match wanted {
        Some(w) => entries
            .iter()
            .filter(|e| {
                tags(e)
                    .iter()
                    .any(|t| t == w || t.ends_with(&format!("/{w}")))
            })
            .collect(),
        None => entries.iter().collect(),
    };
    let entry = match chosen.as_slice() {
        [one] => *one,
        [] => {
            return Err(invalid(
                image,
                "manifest.json",
                match wanted {
                    Some(w) => format!("no image is tagged `{w}`"),
                    None => "lists no image".to_owned(),
                },
            ));
        }
        _ => {
            return Err(invalid(
                image,
                "manifest.json",
                format!(
                    "holds {} images; name one: {}",
                    chosen.len(),
                    chosen
                        .iter()
                        .flat_map(|e| tags(e))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    };
    let config_name = entry
        .get("Config")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(image, "manifest.json", "names no Config"))?;
    let config_bytes = source.read_small(
        image,
        source.open(image, config_name)?,
        config_name,
        limits.max_document,
    )?;
    let config_digest = sha256(&config_bytes);
    // The config's name carries its digest in both archive formats
    // (`<hex>.json`, `blobs/sha256/<hex>`).
    let named = config_name
        .trim_end_matches(".json")
        .rsplit('/')
        .next()
        .unwrap_or_default();
    if named.len() == 64
        && named.bytes().all(|b| b.is_ascii_hexdigit())
        && format!("sha256:{named}") != config_digest
    {
        return Err(Error::DigestMismatch {
            image: image.to_owned(),
            digest: format!("sha256:{named}"),
            actual: config_digest,
        });
    }
    if options.metadata_only {
        let config: Value = json(image, "the configuration", &config_bytes)?;
        let layers = entry
            .get("Layers")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        return Ok(vec![Image::known_by(
            image,
            Platform::of(&config),
            None,
            None,
            (config_digest, &config, layers),
        )]);
    }
    let blobs = entry
        .get("Layers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|name| (name.to_owned(), String::new(), Fetch::File))
        .collect();
    let mut read = build(image, source, &config_digest, &config_bytes, blobs, limits)?;
    if options
        .platform
        .as_ref()
        .is_some_and(|w| read.platform.as_ref().is_none_or(|p| !p.matches(w)))
    {
        return Err(Error::NoPlatform {
            image: image.to_owned(),
            platform: options
                .platform
                .as_ref()
                .map(Platform::to_string)
                .unwrap_or_default(),
            available: read
                .platform
                .as_ref()
                .map_or_else(|| "unknown".to_owned(), Platform::to_string),
        });
    }
    read.reference = image.to_owned();
    Ok(vec![read])
}

/// The configuration's history, each step matched to the layer it made
/// (of `layers`): steps not marked `empty_layer` take the layers in order.
fn history(config: &Value, layers: usize) -> Vec<History> {
    let mut next_layer = 0;
    config
        .get("history")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|h| {
            let empty = h
                .get("empty_layer")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let layer = (!empty && next_layer < layers).then(|| {
                next_layer += 1;
                next_layer - 1
            });
            History {
                created_by: h
                    .get("created_by")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                layer,
                comment: h.get("comment").and_then(Value::as_str).map(str::to_owned),
            }
        })
        .collect()
}

/// Reads every layer's stream, several at once (each decompressed, hashed
/// and listed on its own thread, at most one per core); the results come
/// back in layer order, to be applied bottom first. A layer is opened when
/// a thread takes it: a registry's stream is not left idle.
fn scan_layers(
    image: &str,
    source: &Source,
    blobs: &[(String, String, Fetch)],
    limits: &Limits,
) -> Vec<Result<(layer::LayerRead, layer::Entries), Error>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(blobs.len());
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<_>>> = blobs.iter().map(|_| Mutex::new(None)).collect();
    let one = |index: usize| {
        let (name, _, fetch) = &blobs[index];
        source
            .fetch(image, name, *fetch)
            .and_then(|reader| layer::scan(image, name, index, reader, limits, &wanted))
    };
    if workers <= 1 {
        return (0..blobs.len()).map(one).collect();
    }
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= blobs.len() {
                        break;
                    }
                    let result = one(index);
                    *slots[index].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                }
            });
        }
    });
    slots
        .into_iter()
        .enumerate()
        .map(|(index, slot)| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| {
                    Err(Error::Layer {
                        image: image.to_owned(),
                        digest: blobs[index].0.clone(),
                        why: "its reader stopped".to_owned(),
                    })
                })
        })
        .collect()
}

/// Reads the configuration and every layer into an [`Image`].
fn build(
    image: &str,
    source: &Source,
    config_digest: &str,
    config_bytes: &[u8],
    blobs: Vec<(String, String, Fetch)>,
    limits: &Limits,
) -> Result<Image, Error> {
    let config = json(image, "the configuration", config_bytes)?;
    let diff_ids: Vec<String> = config
        .pointer("/rootfs/diff_ids")
        .and_then(Value::as_array)
        .map(|d| {
            d.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if diff_ids.len() != blobs.len() {
        return Err(invalid(
            image,
            "the configuration",
            format!(
                "lists {} layers (rootfs.diff_ids) where the manifest has {}",
                diff_ids.len(),
                blobs.len()
            ),
        ));
    }
    let mut fs = layer::Filesystem::default();
    let mut layers = Vec::with_capacity(blobs.len());
    let scanned = scan_layers(image, source, &blobs, limits);
    for (index, ((name, media_type, fetch), scanned)) in blobs.into_iter().zip(scanned).enumerate()
    {
        let (read, entries) = scanned?;
        layer::apply_to(image, &name, index, entries, &mut fs)?;
        if fetch == Fetch::Blob && read.digest != name {
            return Err(Error::DigestMismatch {
                image: image.to_owned(),
                digest: name,
                actual: read.digest,
            });
        }
        if read.diff_id != diff_ids[index] {
            return Err(Error::DigestMismatch {
                image: image.to_owned(),
                digest: diff_ids[index].clone(),
                actual: read.diff_id,
            });
        }
        layers.push(Layer {
            digest: read.digest,
            diff_id: read.diff_id,
            media_type,
            size: read.size,
            entries: read.entries,
        });
    }
    let history = history(&config, layers.len());
    let platform = Platform::of(&config);
    Ok(Image {
        reference: image.to_owned(),
        platform,
        index_digest: None,
        manifest_digest: None,
        config_digest: config_digest.to_owned(),
        config: config
            .get("config")
            .cloned()
            .unwrap_or(Value::Object(serde_json::Map::new())),
        history,
        layers,
        files: fs.files.into_values().collect(),
        removed: fs.removed,
        contents: fs.contents,
    })
}
