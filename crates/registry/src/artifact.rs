//! Rule modules as OCI artifacts, in the CNCF Wasm OCI artifact layout
//! (what `wasm-pkg-tools`, `oras` and the Wasm runtimes read): an image
//! manifest whose config is `application/vnd.wasm.config.v0+json` (the
//! component's world, imports and exports) and whose one layer is the
//! component, `application/wasm`. Annotations name the module's rules,
//! version, source, description and licence.
//!
//! A module's signature is an artifact of its own whose `subject` is the
//! module's manifest: artifact type [`SIGNATURE_TYPE`], the empty config,
//! one layer holding the DSSE envelope `bulwark sign` writes.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{Descriptor, MANIFEST_TYPE};

/// The config media type of a Wasm artifact.
pub const CONFIG_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The media type of the component layer.
pub const LAYER_TYPE: &str = "application/wasm";
/// The artifact type of a module signature.
pub const SIGNATURE_TYPE: &str = "application/vnd.dev.bulwark.signature.v1+json";
/// The media type of the signature layer: a DSSE envelope.
pub const ENVELOPE_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// The media type of the empty config (`{}`).
pub const EMPTY_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// The annotation listing a module's rule ids, comma-separated.
pub const RULES_ANNOTATION: &str = "dev.bulwark.rules";
/// The annotation naming the `bulwark:rules` version a module exports.
pub const CONTRACT_ANNOTATION: &str = "dev.bulwark.contract";
/// The annotation naming the key that signed, on a signature.
pub const KEYID_ANNOTATION: &str = "dev.bulwark.signature.keyid";
/// A file name (`org.opencontainers.image.title`).
pub const TITLE: &str = "org.opencontainers.image.title";
/// `org.opencontainers.image.version`.
pub const VERSION: &str = "org.opencontainers.image.version";
/// `org.opencontainers.image.source`.
pub const SOURCE: &str = "org.opencontainers.image.source";
/// `org.opencontainers.image.description`.
pub const DESCRIPTION: &str = "org.opencontainers.image.description";
/// `org.opencontainers.image.licenses`.
pub const LICENSES: &str = "org.opencontainers.image.licenses";

/// What is said about a module in its artifact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Its name (the layer is `NAME.wasm`).
    pub name: String,
    /// Its rule ids.
    pub rules: Vec<String>,
    /// The `bulwark:rules` version it exports (`0.2.0`).
    pub contract: String,
    /// The component's imports.
    pub imports: Vec<String>,
    /// The component's exports.
    pub exports: Vec<String>,
    /// Further annotations (version, source, description, licences).
    pub annotations: BTreeMap<String, String>,
}

/// The blobs and manifest of one artifact, ready to push.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The config blob.
    pub config: Vec<u8>,
    /// The manifest.
    pub manifest: Vec<u8>,
}

/// The artifact of the component `wasm` described by `info`. The same
/// module and description always give the same manifest (nothing in it
/// is a date), so pushing twice gives one digest.
pub fn module_artifact(info: &ModuleInfo, wasm: &[u8]) -> Artifact {
    let mut layer = Descriptor::of(LAYER_TYPE, wasm);
    layer
        .annotations
        .insert(TITLE.to_owned(), format!("{}.wasm", info.name));
    let config = serde_json::json!({
        "architecture": "wasm",
        "os": "wasip2",
        "layerDigests": [layer.digest],
        "component": {
            "target": format!("bulwark:rules/rule-module@{}", info.contract),
            "imports": info.imports,
            "exports": info.exports,
        },
    });
    let config = serde_json::to_vec(&config).unwrap_or_default();
    let mut annotations = info.annotations.clone();
    annotations.insert(TITLE.to_owned(), info.name.clone());
    annotations.insert(RULES_ANNOTATION.to_owned(), info.rules.join(","));
    annotations.insert(
        CONTRACT_ANNOTATION.to_owned(),
        format!("bulwark:rules@{}", info.contract),
    );
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": Descriptor::of(CONFIG_TYPE, &config),
        "layers": [layer],
        "annotations": annotations,
    });
    Artifact {
        config,
        manifest: serde_json::to_vec(&manifest).unwrap_or_default(),
    }
}

/// The signature artifact for the module manifest `subject`: the empty
/// config, one layer holding `envelope`.
pub fn signature_artifact(subject: &Descriptor, envelope: &[u8], keyid: &str) -> Artifact {
    let config = b"{}".to_vec();
    let mut annotations = BTreeMap::new();
    annotations.insert(KEYID_ANNOTATION.to_owned(), keyid.to_owned());
    let subject = Descriptor {
        annotations: BTreeMap::new(),
        artifact_type: None,
        ..subject.clone()
    };
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "artifactType": SIGNATURE_TYPE,
        "config": Descriptor::of(EMPTY_TYPE, &config),
        "layers": [Descriptor::of(ENVELOPE_TYPE, envelope)],
        "subject": subject,
        "annotations": annotations,
    });
    Artifact {
        config,
        manifest: serde_json::to_vec(&manifest).unwrap_or_default(),
    }
}

/// Why a manifest is not the artifact asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArtifactError {
    /// Not an OCI image manifest at all.
    #[error("not an OCI manifest: {0}")]
    NotAManifest(String),
    /// An index (a multi-platform image, say), not one artifact.
    #[error("an image index, not a rule module (a rule module is one manifest)")]
    Index,
    /// Another kind of artifact, or a container image.
    #[error(
        "{what}, not a bulwark rule module (config `{CONFIG_TYPE}` with one `{LAYER_TYPE}` layer)"
    )]
    OtherType {
        /// What it is.
        what: String,
    },
    /// The layers are not one component.
    #[error("{0}")]
    Layers(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManifest {
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    artifact_type: Option<String>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    manifests: Option<serde_json::Value>,
    #[serde(default)]
    subject: Option<Descriptor>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// A module's manifest, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleManifest {
    /// The component layer.
    pub layer: Descriptor,
    /// The manifest's annotations.
    pub annotations: BTreeMap<String, String>,
}

impl ModuleManifest {
    /// The module's name: the title annotation, else the layer's file
    /// name without `.wasm`; `None` when neither says.
    pub fn name(&self) -> Option<String> {
        let name = self
            .annotations
            .get(TITLE)
            .or_else(|| self.layer.annotations.get(TITLE))?;
        let name = name.strip_suffix(".wasm").unwrap_or(name);
        let clean: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .take(64)
            .collect();
        (!clean.is_empty()).then_some(clean)
    }
}

/// A media type from a registry, as errors quote it: at most 100
/// characters.
fn bounded(text: &str) -> String {
    let mut out: String = text.chars().take(100).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

fn parse(bytes: &[u8]) -> Result<RawManifest, ArtifactError> {
    let raw: RawManifest = serde_json::from_slice(bytes).map_err(|e| {
        ArtifactError::NotAManifest(e.to_string().chars().take(200).collect::<String>())
    })?;
    if raw.manifests.is_some()
        || raw
            .media_type
            .as_deref()
            .is_some_and(|t| t.contains("index") || t.contains("list"))
    {
        return Err(ArtifactError::Index);
    }
    Ok(raw)
}

/// Reads a module's manifest, refusing anything but the Wasm layout.
///
/// # Errors
///
/// [`ArtifactError`] saying what the manifest is instead.
pub fn parse_module_manifest(bytes: &[u8]) -> Result<ModuleManifest, ArtifactError> {
    let raw = parse(bytes)?;
    let config = raw
        .config
        .ok_or_else(|| ArtifactError::NotAManifest("no `config`".to_owned()))?;
    if config.media_type != CONFIG_TYPE {
        let what = match (&raw.artifact_type, config.media_type.as_str()) {
            (Some(t), _) => format!("an artifact of type `{}`", bounded(t)),
            (None, t) if t.contains("image.config") || t.contains("container.image") => {
                format!("a container image (config `{}`)", bounded(t))
            }
            (None, t) => format!("an artifact with config `{}`", bounded(t)),
        };
        return Err(ArtifactError::OtherType { what });
    }
    let wasm: Vec<&Descriptor> = raw
        .layers
        .iter()
        .filter(|l| l.media_type == LAYER_TYPE)
        .collect();
    let layer = match (wasm.as_slice(), raw.layers.len()) {
        ([one], 1) => (*one).clone(),
        ([], _) => {
            return Err(ArtifactError::Layers(format!(
                "no `{LAYER_TYPE}` layer (layers: {})",
                raw.layers
                    .iter()
                    .take(8)
                    .map(|l| bounded(&l.media_type))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        (_, n) => {
            return Err(ArtifactError::Layers(format!(
                "{n} layers: a rule module is one `{LAYER_TYPE}` layer"
            )));
        }
    };
    if !crate::is_sha256(&layer.digest) {
        return Err(ArtifactError::Layers(format!(
            "the layer's digest `{}` is not sha256",
            layer.digest.chars().take(80).collect::<String>()
        )));
    }
    Ok(ModuleManifest {
        layer,
        annotations: raw.annotations,
    })
}

/// Reads a signature's manifest: its envelope layer, checked to refer to
/// `subject`.
///
/// # Errors
///
/// [`ArtifactError`] when it is not a bulwark signature of `subject`.
pub fn parse_signature_manifest(bytes: &[u8], subject: &str) -> Result<Descriptor, ArtifactError> {
    let raw = parse(bytes)?;
    if raw.artifact_type.as_deref() != Some(SIGNATURE_TYPE) {
        return Err(ArtifactError::OtherType {
            what: format!(
                "an artifact of type `{}`",
                bounded(raw.artifact_type.as_deref().unwrap_or("(none)"))
            ),
        });
    }
    if raw.subject.as_ref().map(|s| s.digest.as_str()) != Some(subject) {
        return Err(ArtifactError::Layers(format!(
            "a signature of another manifest, not of {subject}"
        )));
    }
    match raw.layers.as_slice() {
        [one] if one.media_type == ENVELOPE_TYPE && crate::is_sha256(&one.digest) => {
            Ok(one.clone())
        }
        _ => Err(ArtifactError::Layers(format!(
            "a signature is one `{ENVELOPE_TYPE}` layer"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ModuleInfo {
        ModuleInfo {
            name: "acme-rules".into(),
            rules: vec!["acme-no-latest".into(), "acme-user".into()],
            contract: "0.2.0".into(),
            imports: vec!["bulwark:rules/types@0.2.0".into()],
            exports: vec!["bulwark:rules/rules@0.2.0".into()],
            annotations: BTreeMap::from([(VERSION.to_owned(), "1.4.0".to_owned())]),
        }
    }

    #[test]
    fn a_module_artifact_reads_back() -> Result<(), Box<dyn std::error::Error>> {
        let wasm = b"\0asm\x0d\0\x01\0";
        let artifact = module_artifact(&info(), wasm);
        assert_eq!(artifact.manifest, module_artifact(&info(), wasm).manifest);
        let manifest: serde_json::Value = serde_json::from_slice(&artifact.manifest)?;
        assert_eq!(manifest["config"]["mediaType"], CONFIG_TYPE);
        assert_eq!(
            manifest["config"]["digest"],
            crate::sha256_digest(&artifact.config)
        );
        assert_eq!(
            manifest["annotations"][RULES_ANNOTATION],
            "acme-no-latest,acme-user"
        );
        assert_eq!(manifest["annotations"][VERSION], "1.4.0");
        let config: serde_json::Value = serde_json::from_slice(&artifact.config)?;
        assert_eq!(config["layerDigests"][0], crate::sha256_digest(wasm));
        assert_eq!(
            config["component"]["exports"][0],
            "bulwark:rules/rules@0.2.0"
        );

        let read = parse_module_manifest(&artifact.manifest)?;
        assert_eq!(read.layer.digest, crate::sha256_digest(wasm));
        assert_eq!(read.layer.size, wasm.len() as u64);
        assert_eq!(read.name().as_deref(), Some("acme-rules"));
        Ok(())
    }

    #[test]
    fn other_artifacts_are_named_and_refused() {
        let image = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},"layers":[]}"#;
        let e = parse_module_manifest(image)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("a container image (config `application/vnd.oci.image.config.v1+json`), not a bulwark rule module"), "{e}");

        let helm = br#"{"schemaVersion":2,"artifactType":"application/vnd.cncf.helm.chart","config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},"layers":[]}"#;
        let e = parse_module_manifest(helm)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with("an artifact of type `application/vnd.cncf.helm.chart`"),
            "{e}"
        );

        let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        assert_eq!(parse_module_manifest(index), Err(ArtifactError::Index));

        let two = br#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.wasm.config.v0+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},"layers":[{"mediaType":"application/wasm","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},{"mediaType":"application/wasm","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000001","size":2}]}"#;
        assert!(matches!(
            parse_module_manifest(two),
            Err(ArtifactError::Layers(_))
        ));
        let long = format!(
            r#"{{"schemaVersion":2,"artifactType":"{}","config":{{"mediaType":"x","digest":"sha256:0","size":2}},"layers":[]}}"#,
            "a".repeat(5000)
        );
        let e = parse_module_manifest(long.as_bytes())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.len() < 300 && e.contains('…'), "{e}");
        assert!(matches!(
            parse_module_manifest(b"not json"),
            Err(ArtifactError::NotAManifest(_))
        ));
    }

    #[test]
    fn a_signature_names_its_subject() -> Result<(), Box<dyn std::error::Error>> {
        let module = module_artifact(&info(), b"\0asm");
        let subject = Descriptor::of(MANIFEST_TYPE, &module.manifest);
        let sig = signature_artifact(&subject, b"{\"payload\":\"\"}", "SHA256:key");
        let layer = parse_signature_manifest(&sig.manifest, &subject.digest)?;
        assert_eq!(layer.digest, crate::sha256_digest(b"{\"payload\":\"\"}"));
        assert!(parse_signature_manifest(&sig.manifest, "sha256:other").is_err());
        assert!(parse_signature_manifest(&module.manifest, &subject.digest).is_err());
        Ok(())
    }
}
