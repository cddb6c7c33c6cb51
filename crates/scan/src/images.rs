//! Container images as documents: one `image` document per platform, the
//! contents the run's rules read (their `reads`) included, rendered as the
//! JSON rules receive, which is also the text findings point into.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bulwark_core::{Document, InputKind, SourceFile};
use bulwark_image::registry::{self, Registry};
use bulwark_image::{Image, Options, Platform, Reference};
use bulwark_inputs::{Error, ErrorKind, Loaded};

/// How registries are reached for `docker://` images.
#[derive(Debug, Clone, Default)]
pub struct Registries {
    /// Hosts reached over plain HTTP besides loopback (`--insecure-registry`).
    pub insecure: Vec<String>,
    /// The bound on connecting and on each read [default: 30 s].
    pub timeout: Option<Duration>,
    /// How many times a transient failure is retried [default: 2].
    pub retries: Option<u32>,
}

/// The registry client of a run: made when the first registry image is
/// read, then shared (its logins, tokens and connections with it).
#[derive(Debug, Default)]
pub(crate) struct RegistryClient {
    settings: Registries,
    client: OnceLock<Result<Arc<Registry>, String>>,
}

impl RegistryClient {
    pub(crate) fn new(settings: Registries) -> RegistryClient {
        RegistryClient {
            settings,
            client: OnceLock::new(),
        }
    }

    /// The client, when `reference` is a registry's; `None` otherwise.
    pub(crate) fn for_reference(
        &self,
        reference: &Reference,
    ) -> Result<Option<Arc<Registry>>, String> {
        if !matches!(reference, Reference::Registry { .. }) {
            return Ok(None);
        }
        self.client
            .get_or_init(|| {
                let defaults = registry::Options::default();
                Registry::new(registry::Options {
                    insecure: self.settings.insecure.clone(),
                    timeout: self.settings.timeout.unwrap_or(defaults.timeout),
                    retries: self.settings.retries.unwrap_or(defaults.retries),
                    auth: defaults.auth,
                })
                .map(Arc::new)
                .map_err(|e| e.to_string())
            })
            .clone()
            .map(Some)
    }
}

/// Returns true if and only if `path` (absolute, in the image) matches
/// `pattern`: `*` within one path component, a leading `**/` any number
/// of leading directories.
pub(crate) fn matches(pattern: &str, path: &str) -> bool {
    if let Some(rest) = pattern.strip_prefix("**/") {
        let rest_parts = rest.split('/').count();
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        return parts.len() >= rest_parts
            && glob_parts(rest, &parts[parts.len() - rest_parts..].join("/"));
    }
    glob_parts(
        pattern.trim_start_matches('/'),
        path.trim_start_matches('/'),
    )
}

/// Component-wise match of `pattern` against `path`, `*` within one
/// component.
fn glob_parts(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let t: Vec<&str> = path.split('/').collect();
    p.len() == t.len() && p.iter().zip(&t).all(|(p, t)| glob(p, t))
}

fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len())
                .filter(|&i| rest.is_char_boundary(i))
                .any(|i| glob(tail, &rest[i..]))
        }
    }
}

/// Reads image `reference` (at `platform`, or every platform) into
/// documents, keeping the contents `reads` asks for.
pub(crate) fn load(
    reference: &str,
    platform: Option<&Platform>,
    reads: &[String],
    registries: &RegistryClient,
) -> Result<Loaded, Error> {
    let fail = |e: String| Error::whole(reference, ErrorKind::Image(e));
    let parsed = Reference::parse(reference).map_err(|e| fail(e.to_string()))?;
    let images = bulwark_image::open(
        &parsed,
        &Options {
            platform: platform.cloned(),
            registry: registries.for_reference(&parsed).map_err(fail)?,
            ..Options::default()
        },
    )
    .map_err(|e| fail(e.to_string()))?;
    let mut text = String::new();
    for (i, mut image) in images.into_iter().enumerate() {
        image
            .contents
            .retain(|c| reads.iter().any(|r| matches(r, &c.path)));
        if i > 0 {
            text.push_str("\n---\n");
        }
        text.push_str(&render(&image).map_err(fail)?);
    }
    let source = Arc::new(SourceFile::new(reference, text));
    let parsed = bulwark_yaml::parse_stream(&source)
        .map_err(|e| fail(format!("the image document does not read back: {e}")))?;
    let documents = parsed
        .into_iter()
        .map(|d| Document {
            kind: InputKind::Image,
            source: source.clone(),
            root: d.root,
            template: None,
        })
        .collect();
    Ok(Loaded::Documents {
        source,
        documents,
        errors: Vec::new(),
        kind: Some(InputKind::Image),
    })
}

/// The evidence subjects of an image that was read: each platform's
/// manifest digest (a Docker archive's image ID) named by its reference
/// (and platform, when picked from an index), and the index's digest named
/// by the reference.
pub(crate) fn subjects(loaded: &Result<Loaded, Error>) -> Vec<(String, String)> {
    let Ok(Loaded::Documents { documents, .. }) = loaded else {
        return Vec::new();
    };
    let text = |d: &Document, key: &str| {
        d.root
            .get(key)
            .and_then(bulwark_core::Node::as_str)
            .map(str::to_owned)
    };
    let mut out = Vec::new();
    for d in documents {
        let reference = text(d, "reference").unwrap_or_default();
        let index = text(d, "index_digest");
        let digest = text(d, "manifest_digest").or_else(|| text(d, "config_digest"));
        let platform = d.root.get("platform").and_then(|p| {
            Some(format!(
                "{}/{}",
                p.get("os")?.as_str()?,
                p.get("architecture")?.as_str()?
            ))
        });
        let name = match (&index, platform) {
            (Some(_), Some(p)) => format!("{reference} ({p})"),
            _ => reference.clone(),
        };
        if let Some(hex) = digest.as_deref().and_then(|d| d.strip_prefix("sha256:")) {
            out.push((name, hex.to_owned()));
        }
        if let Some(hex) = index.as_deref().and_then(|d| d.strip_prefix("sha256:")) {
            out.push((reference, hex.to_owned()));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The platform of an image document picked from a multi-platform index
/// (`linux/arm64/v8`), which names its findings; `None` for any other.
pub(crate) fn platform_of(doc: &Document) -> Option<String> {
    if doc.kind != InputKind::Image || doc.root.get("index_digest").is_none() {
        return None;
    }
    let p = doc.root.get("platform")?;
    let part = |k: &str| p.get(k).and_then(bulwark_core::Node::as_str);
    let mut name = format!("{}/{}", part("os")?, part("architecture")?);
    if let Some(v) = part("variant") {
        name.push('/');
        name.push_str(v);
    }
    Some(name)
}

/// Returns true if and only if an evidence subject's `name` names an
/// image (a transport reference) rather than a file.
pub fn is_image_subject(name: &str) -> bool {
    ["oci:", "oci-archive:", "docker-archive:", "docker://"]
        .iter()
        .any(|t| name.starts_with(t))
}

/// The digests image `reference` is known by now (each platform's
/// manifest, or a Docker archive's image ID), read without its layers.
///
/// # Errors
///
/// Why the image cannot be read.
pub fn digests(reference: &str, registries: &Registries) -> Result<Vec<String>, String> {
    let parsed = Reference::parse(reference).map_err(|e| e.to_string())?;
    let client = RegistryClient::new(registries.clone());
    let images = bulwark_image::open(
        &parsed,
        &Options {
            metadata_only: true,
            registry: client.for_reference(&parsed)?,
            ..Options::default()
        },
    )
    .map_err(|e| e.to_string())?;
    Ok(images.iter().map(|i| i.digest().to_owned()).collect())
}

fn render(image: &Image) -> Result<String, String> {
    serde_json::to_string_pretty(image).map_err(|e| format!("rendering the image document: {e}"))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn read_patterns_match_paths() {
        assert!(matches("/etc/passwd", "/etc/passwd"));
        assert!(!matches("/etc/passwd", "/etc/passwd-"));
        assert!(matches("/etc/sudoers.d/*", "/etc/sudoers.d/app"));
        assert!(!matches("/etc/sudoers.d/*", "/etc/sudoers.d/a/b"));
        assert!(matches("**/.aws/credentials", "/root/.aws/credentials"));
        assert!(matches("**/.aws/credentials", "/.aws/credentials"));
        assert!(!matches("**/.aws/credentials", "/root/.aws/config"));
        assert!(matches("**/*.pem", "/srv/tls/key.pem"));
        assert!(!matches("**/*.pem", "/srv/tls/key.pem.bak"));
    }
}
