//! Container images as documents: one `image` document per platform, the
//! contents the run's rules read (their `reads`) included, rendered as the
//! JSON rules receive, which is also the text findings point into.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bulwark_core::{Document, InputKind, Node, SourceFile, Span, Value as NodeValue};
use bulwark_image::registry::{self, Registry};
use bulwark_image::{Options, Platform, Reference};
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
        self.client().map(Some)
    }

    /// The client, made on first use.
    pub(crate) fn client(&self) -> Result<Arc<Registry>, String> {
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
    let mut roots = Vec::with_capacity(images.len());
    for (i, mut image) in images.into_iter().enumerate() {
        image
            .contents
            .retain(|c| reads.iter().any(|r| matches(r, &c.path)));
        if i > 0 {
            text.push_str("\n---\n");
        }
        roots.push(render_image(image, &mut text).map_err(fail)?);
    }
    let source = Arc::new(SourceFile::new(reference, text));
    let documents = roots
        .into_iter()
        .map(|root| Document {
            kind: InputKind::Image,
            source: source.clone(),
            root,
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

/// Writes `value` as pretty JSON (two-space indents, as `serde_json`
/// writes it) at `indent`, and returns its node tree with the span of
/// every value in what was written: the document is made once, not
/// written and parsed back, which for 100,000 files is most of the memory.
fn render(value: &serde_json::Value, indent: usize, out: &mut String) -> Node {
    use serde_json::Value as J;
    let start = out.len();
    let span = |out: &String| Span::new(start, out.len());
    let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n));
    match value {
        J::Null => {
            out.push_str("null");
            Node::null(span(out))
        }
        J::Bool(b) => {
            out.push_str(if *b { "true" } else { "false" });
            Node::bool(span(out), *b)
        }
        J::Number(n) => {
            let text = n.to_string();
            out.push_str(&text);
            Node::new(span(out), NodeValue::Number(text.into()))
        }
        J::String(s) => {
            write_string(out, s);
            Node::string(span(out), s.as_str())
        }
        J::Array(items) if items.is_empty() => {
            out.push_str("[]");
            Node::array(span(out), Vec::new())
        }
        J::Array(items) => {
            out.push('[');
            let mut nodes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                pad(out, indent + 2);
                nodes.push(render(item, indent + 2, out));
            }
            // The YAML reader's span of a collection ends with its last
            // value; the tree is the one it would make.
            let end = nodes.last().map_or(out.len(), |n| n.span.end);
            out.push('\n');
            pad(out, indent);
            out.push(']');
            Node::array(Span::new(start, end), nodes)
        }
        J::Object(fields) if fields.is_empty() => {
            out.push_str("{}");
            Node::object::<String>(span(out), Vec::new())
        }
        J::Object(fields) => {
            out.push('{');
            let mut nodes = Vec::with_capacity(fields.len());
            for (i, (key, item)) in fields.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                pad(out, indent + 2);
                write_string(out, key);
                out.push_str(": ");
                nodes.push((key.clone(), render(item, indent + 2, out)));
            }
            let end = nodes.last().map_or(out.len(), |(_, n)| n.span.end);
            out.push('\n');
            pad(out, indent);
            out.push('}');
            Node::object(Span::new(start, end), nodes)
        }
    }
}

/// Writes an image document: its file table, by far its largest part,
/// one entry at a time, so that no second copy of it is ever whole.
fn render_image(mut image: bulwark_image::Image, out: &mut String) -> Result<Node, String> {
    let json = |v: &dyn erased::Json| {
        v.value()
            .map_err(|e| format!("rendering the image document: {e}"))
    };
    let mut files = std::mem::take(&mut image.files);
    let serde_json::Value::Object(fields) = json(&image)? else {
        return Err("rendering the image document: not an object".to_owned());
    };
    drop(image);
    let start = out.len();
    out.push('{');
    let mut nodes = Vec::with_capacity(fields.len());
    for (i, (key, item)) in fields.iter().enumerate() {
        out.push_str(if i == 0 { "\n  " } else { ",\n  " });
        write_string(out, key);
        out.push_str(": ");
        let node = if key == "files" && !files.is_empty() {
            let array_start = out.len();
            out.push('[');
            let mut entries = Vec::with_capacity(files.len());
            // Each entry is dropped once written: the tree reuses its
            // memory as it grows.
            for (j, file) in std::mem::take(&mut files).into_iter().enumerate() {
                out.push_str(if j == 0 { "\n    " } else { ",\n    " });
                entries.push(render_line(&json(&file)?, out));
            }
            let end = entries.last().map_or(out.len(), |n| n.span.end);
            out.push_str("\n  ]");
            Node::array(Span::new(array_start, end), entries)
        } else {
            render(item, 2, out)
        };
        nodes.push((key.clone(), node));
    }
    let end = nodes.last().map_or(out.len(), |(_, n)| n.span.end);
    out.push_str("\n}");
    Ok(Node::object(Span::new(start, end), nodes))
}

/// Writes `value` on one line (`{"path": "/bin/su", "mode": 2541}`): a
/// file-table entry, one line per file, which is what a finding about it
/// shows.
fn render_line(value: &serde_json::Value, out: &mut String) -> Node {
    use serde_json::Value as J;
    let start = out.len();
    match value {
        J::Array(items) if !items.is_empty() => {
            out.push('[');
            let mut nodes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                nodes.push(render_line(item, out));
            }
            let end = nodes.last().map_or(out.len(), |n| n.span.end);
            out.push(']');
            Node::array(Span::new(start, end), nodes)
        }
        J::Object(fields) if !fields.is_empty() => {
            out.push('{');
            let mut nodes = Vec::with_capacity(fields.len());
            for (i, (key, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, key);
                out.push_str(": ");
                nodes.push((key.clone(), render_line(item, out)));
            }
            let end = nodes.last().map_or(out.len(), |(_, n)| n.span.end);
            out.push('}');
            Node::object(Span::new(start, end), nodes)
        }
        // Scalars and empty collections are one line already.
        other => render(other, 0, out),
    }
}

/// Serialising to a JSON value, through a trait object.
mod erased {
    pub(super) trait Json {
        fn value(&self) -> serde_json::Result<serde_json::Value>;
    }
    impl<T: serde::Serialize> Json for T {
        fn value(&self) -> serde_json::Result<serde_json::Value> {
            serde_json::to_value(self)
        }
    }
}

/// `s` as a JSON string literal.
fn write_string(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::from(s).to_string());
}

#[cfg(test)]
mod tests {
    use super::matches;

    /// The tree made while writing is the tree the YAML reader makes of
    /// what was written: same values, same spans.
    #[test]
    fn rendered_documents_read_back_identically() {
        let value = serde_json::json!({
            "reference": "oci:x", "n": 12, "f": 1.5, "neg": -3, "t": true, "nil": null,
            "empty": [], "none": {}, "config": {"Env": ["A=b", "Q=\"quoted\" \\ tab\t é ☃"]},
            "files": [{"path": "/bin/su", "mode": 2541, "link": null}, {"path": "/etc/x"}],
            "nested": [[1, [2, {}]], {"a": [{}]}]
        });
        let mut text = String::new();
        let made = super::render(&value, 0, &mut text);
        assert_eq!(text, serde_json::to_string_pretty(&value).expect("json"));
        let source = bulwark_core::SourceFile::new("x", text);
        let read = bulwark_yaml::parse_stream(&std::sync::Arc::new(source)).expect("reads");
        assert_eq!(read.len(), 1);
        assert_eq!(made, read[0].root);
    }

    /// An image document written entry by entry is the one written whole.
    #[test]
    fn image_documents_are_written_as_their_json() {
        use bulwark_image::{FileEntry, FileKind, Image};
        let file = |path: &str, kind, link: Option<&str>| FileEntry {
            path: path.to_owned(),
            kind,
            mode: 0o4755,
            uid: 0,
            gid: 0,
            size: 10,
            link: link.map(str::to_owned),
            layer: 1,
        };
        let image = Image {
            reference: "oci:x".to_owned(),
            platform: None,
            index_digest: None,
            manifest_digest: Some(format!("sha256:{}", "1".repeat(64))),
            config_digest: format!("sha256:{}", "2".repeat(64)),
            config: serde_json::json!({"User": "0", "Env": ["A=b"]}),
            history: Vec::new(),
            layers: Vec::new(),
            files: vec![
                file("/bin/su", FileKind::File, None),
                file("/bin/sh", FileKind::Symlink, Some("busybox")),
            ],
            removed: Vec::new(),
            contents: Vec::new(),
        };
        let whole = serde_json::to_value(&image).expect("value");
        let mut text = String::new();
        let root = super::render_image(image, &mut text).expect("rendered");
        // The same JSON, each file on its own line, and the tree the YAML
        // reader makes of it.
        let back: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(back, whole);
        assert!(text.contains(
            "\n    {\"kind\": \"file\", \"layer\": 1, \"mode\": 2541, \"path\": \"/bin/su\", \"size\": 10},\n"
        ), "{text}");
        let source = bulwark_core::SourceFile::new("x", text);
        let read = bulwark_yaml::parse_stream(&std::sync::Arc::new(source)).expect("reads");
        assert_eq!(root, read[0].root);
    }

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
