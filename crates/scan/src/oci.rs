//! Rule modules in OCI registries: `oci://HOST/REPO[:TAG]@sha256:DIGEST`.
//!
//! A module is pinned by its manifest digest. The manifest must be the
//! Wasm artifact layout ([`bulwark_registry::artifact`]); its one layer
//! is the component. Manifests, layers and signatures are kept in a
//! content-addressed store in the cache directory (beside the compiled
//! components) and hashed again whenever they are read from it, so a run
//! whose modules are cached reaches no registry, and a poisoned cache
//! entry is fetched again instead of run. With trusted keys, a module
//! needs a signature by one of them attached as a referrer
//! (`bulwark sign oci://…`), found through the Referrers API or the
//! referrers tag.

use std::io::Read;
use std::sync::Arc;

use bulwark_engine::{Cached, Store};
use bulwark_evidence::VerifyingKey;
use bulwark_image::registry::artifact::{self, ModuleManifest};
use bulwark_image::registry::{Descriptor, Registry, Repository};

use crate::error::Error;

/// The annotation keys `bulwark push` sets.
pub mod annotations {
    pub use bulwark_image::registry::artifact::{
        DESCRIPTION, LICENSES, RULES_ANNOTATION as RULES, SOURCE, VERSION,
    };
}

/// The largest module layer fetched.
pub const MAX_MODULE_SIZE: u64 = 128 << 20;
/// The largest manifest or signature envelope fetched.
const MAX_SMALL_BLOB: u64 = 4 << 20;

/// A rule module in a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciModule {
    /// The registry and repository.
    pub repo: Repository,
    /// The tag, if written.
    pub tag: Option<String>,
    /// The manifest digest it is pinned to, if written.
    pub digest: Option<String>,
}

impl OciModule {
    /// Parses `[oci://]HOST/REPO[:TAG][@sha256:…]` (Docker Hub short names
    /// too).
    ///
    /// # Errors
    ///
    /// What is wrong with the reference.
    pub fn parse(text: &str) -> Result<OciModule, String> {
        let rest = text.strip_prefix("oci://").unwrap_or(text);
        if rest.contains("://") || rest.starts_with("oci:") {
            return Err(format!(
                "`{text}`: a registry reference is `oci://HOST/REPO[:TAG]@sha256:DIGEST`"
            ));
        }
        match bulwark_image::Reference::parse(&format!("docker://{rest}")) {
            Ok(bulwark_image::Reference::Registry {
                host,
                repository,
                tag,
                digest,
            }) => Ok(OciModule {
                repo: Repository { host, repository },
                tag,
                digest,
            }),
            Ok(_) => Err(format!("`{text}` is not a registry reference")),
            Err(e) => Err(e.to_string()),
        }
    }

    /// `oci://HOST/REPO[:TAG]`, without the digest.
    pub fn unpinned(&self) -> String {
        match &self.tag {
            Some(tag) => format!("oci://{}:{tag}", self.repo),
            None => format!("oci://{}", self.repo),
        }
    }

    /// `oci://HOST/REPO[:TAG]@DIGEST`.
    pub fn pinned(&self, digest: &str) -> String {
        format!("{}@{digest}", self.unpinned())
    }

    /// The module's name when its manifest does not say: the
    /// repository's last part.
    fn fallback_name(&self) -> String {
        self.repo
            .repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repo.repository)
            .to_owned()
    }
}

impl std::fmt::Display for OciModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.digest {
            Some(d) => f.write_str(&self.pinned(d)),
            None => f.write_str(&self.unpinned()),
        }
    }
}

/// A module fetched (or found in the store), its digests checked.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The component.
    pub wasm: Vec<u8>,
    /// `sha256:…` of the manifest.
    pub manifest_digest: String,
    /// The manifest, read.
    pub manifest: ModuleManifest,
    /// The module's name.
    pub name: String,
    /// How many bytes came over the network (0: all from the store).
    pub downloaded: u64,
}

/// Fetches modules and their signatures for one run.
#[derive(Debug)]
pub struct Fetcher {
    registries: crate::images::RegistryClient,
    store: Option<Store>,
    offline: bool,
}

/// The store in the cache directory the environment names, if any.
pub fn default_store() -> Option<Store> {
    bulwark_engine::Cache::from_env().map(|c| Store::new(c.dir()))
}

impl Fetcher {
    /// A fetcher reaching registries as `registries` say, keeping blobs in
    /// `store`; `offline` refuses any registry request.
    pub fn new(registries: crate::Registries, store: Option<Store>, offline: bool) -> Fetcher {
        Fetcher {
            registries: crate::images::RegistryClient::new(registries),
            store,
            offline,
        }
    }

    /// The store blobs are kept in.
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// The registry client; refused when offline.
    pub fn registry(&self, module: &OciModule, what: &str) -> Result<Arc<Registry>, Error> {
        if self.offline {
            return Err(Error::ModuleOffline {
                module: module.to_string(),
                what: what.to_owned(),
                cache: self.store.as_ref().map(|s| s.dir().display().to_string()),
            });
        }
        self.registries
            .client()
            .map_err(|why| module_error(module, why))
    }

    /// The manifest digest `module`'s tag names now.
    ///
    /// # Errors
    ///
    /// The registry's refusal, or offline.
    pub fn resolve(&self, module: &OciModule) -> Result<String, Error> {
        let registry = self.registry(module, "resolving its tag")?;
        let tag = module.tag.as_deref().unwrap_or("latest");
        let manifest = registry
            .manifest(&module.repo, tag)
            .map_err(|e| registry_error(module, e))?;
        Ok(manifest.digest)
    }

    /// A blob by digest: from the store when it holds it intact, else
    /// from the registry (then kept).
    fn blob(
        &self,
        module: &OciModule,
        digest: &str,
        limit: u64,
        manifest: bool,
    ) -> Result<(Vec<u8>, u64), Error> {
        if let Some(store) = &self.store {
            match store.get(digest) {
                Cached::Hit(bytes) => return Ok((bytes, 0)),
                Cached::Miss | Cached::Corrupt => {}
            }
        }
        let registry = self.registry(module, &format!("fetching {digest}"))?;
        let bytes = if manifest {
            registry
                .manifest(&module.repo, digest)
                .map_err(|e| registry_error(module, e))?
                .bytes
        } else {
            let mut bytes = Vec::new();
            registry
                .blob(&module.repo, digest)
                .map_err(|e| registry_error(module, e))?
                .take(limit + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| module_error(module, format!("reading blob {digest}: {e}")))?;
            bytes
        };
        if bytes.len() as u64 > limit {
            return Err(module_error(
                module,
                format!("blob {digest} is over {} MiB", limit >> 20),
            ));
        }
        let actual = bulwark_image::registry::sha256_digest(&bytes);
        if actual != digest {
            return Err(module_error(
                module,
                format!("the registry sent other bytes for {digest} (they hash to {actual})"),
            ));
        }
        if let Some(store) = &self.store {
            // A store that cannot be written costs a download next time.
            let _ = store.put(&bytes);
        }
        let n = bytes.len() as u64;
        Ok((bytes, n))
    }

    /// The module `module` pinned to `digest`: manifest and layer
    /// verified, the layout checked.
    ///
    /// # Errors
    ///
    /// The registry's refusal, bytes that do not match, another kind of
    /// artifact, offline without the blobs in the store.
    pub fn module(&self, module: &OciModule, digest: &str) -> Result<Fetched, Error> {
        let (bytes, mut downloaded) = self.blob(module, digest, MAX_SMALL_BLOB, true)?;
        let manifest = artifact::parse_module_manifest(&bytes)
            .map_err(|e| module_error(module, e.to_string()))?;
        if manifest.layer.size > MAX_MODULE_SIZE {
            return Err(module_error(
                module,
                format!(
                    "its layer is {} bytes, over the {} MiB a rule module may be",
                    manifest.layer.size,
                    MAX_MODULE_SIZE >> 20
                ),
            ));
        }
        let (wasm, n) = self.blob(module, &manifest.layer.digest, MAX_MODULE_SIZE, false)?;
        downloaded += n;
        if !wasm.starts_with(b"\0asm") {
            return Err(module_error(
                module,
                format!(
                    "its layer {} is not a WebAssembly component",
                    manifest.layer.digest
                ),
            ));
        }
        let name = manifest.name().unwrap_or_else(|| module.fallback_name());
        Ok(Fetched {
            wasm,
            manifest_digest: digest.to_owned(),
            manifest,
            name,
            downloaded,
        })
    }

    /// The id of the trusted key whose signature of `fetched` is attached
    /// to its manifest: signatures seen before are read from the store,
    /// others are looked up among the manifest's referrers.
    ///
    /// # Errors
    ///
    /// No signature, none by a trusted key, a tampered one.
    pub fn signer(
        &self,
        module: &OciModule,
        fetched: &Fetched,
        trusted: &[VerifyingKey],
    ) -> Result<String, Error> {
        let record = format!("signatures/{}", &fetched.manifest_digest[7..]);
        let known: Vec<String> = self
            .store
            .as_ref()
            .and_then(|s| s.record(&record))
            .map(|text| text.lines().map(str::to_owned).collect())
            .unwrap_or_default();
        for digest in &known {
            if let Some(envelope) = self.store.as_ref().and_then(|s| s.get_ok(digest))
                && let Ok(signer) =
                    bulwark_evidence::module::verify_module(&envelope, &fetched.wasm, trusted)
            {
                return Ok(signer);
            }
        }
        let registry = self.registry(module, "looking up its signature")?;
        let referrers = registry
            .referrers(
                &module.repo,
                &fetched.manifest_digest,
                Some(artifact::SIGNATURE_TYPE),
            )
            .map_err(|e| registry_error(module, e))?;
        let mut refused = None;
        for referrer in &referrers {
            let (bytes, _) = self.blob(module, &referrer.digest, MAX_SMALL_BLOB, true)?;
            let layer = match artifact::parse_signature_manifest(&bytes, &fetched.manifest_digest) {
                Ok(layer) => layer,
                Err(e) => {
                    refused = Some(format!("referrer {}: {e}", referrer.digest));
                    continue;
                }
            };
            let (envelope, _) = self.blob(module, &layer.digest, MAX_SMALL_BLOB, false)?;
            match bulwark_evidence::module::verify_module(&envelope, &fetched.wasm, trusted) {
                Ok(signer) => {
                    if let Some(store) = &self.store {
                        let mut lines = known.clone();
                        lines.push(layer.digest.clone());
                        let _ = store.set_record(&record, &(lines.join("\n") + "\n"));
                    }
                    return Ok(signer);
                }
                Err(e) => {
                    refused = Some(format!(
                        "signature {}: {}",
                        referrer.digest,
                        crate::error::chain(&e)
                    ));
                }
            }
        }
        Err(Error::ModuleSignature {
            module: module.to_string(),
            why: refused.unwrap_or_else(|| {
                format!(
                    "no signature is attached to it (sign it with `bulwark sign {} --key KEY`)",
                    module.pinned(&fetched.manifest_digest)
                )
            }),
        })
    }

    /// Pushes `wasm` described by `info` to `module` (under its tag, if
    /// any); returns the manifest digest.
    ///
    /// # Errors
    ///
    /// The registry's refusal.
    pub fn push(
        &self,
        module: &OciModule,
        info: &artifact::ModuleInfo,
        wasm: &[u8],
    ) -> Result<String, Error> {
        let registry = self.registry(module, "pushing")?;
        let built = artifact::module_artifact(info, wasm);
        let fail = |e| registry_error(module, e);
        registry.push_blob(&module.repo, wasm).map_err(fail)?;
        registry
            .push_blob(&module.repo, &built.config)
            .map_err(fail)?;
        let digest = bulwark_image::registry::sha256_digest(&built.manifest);
        let reference = module.tag.clone().unwrap_or_else(|| digest.clone());
        registry
            .push_manifest(
                &module.repo,
                &reference,
                &built.manifest,
                bulwark_image::registry::MANIFEST_TYPE,
            )
            .map_err(fail)?;
        if let Some(store) = &self.store {
            let _ = store.put(&built.manifest);
            let _ = store.put(wasm);
        }
        Ok(digest)
    }

    /// Attaches `envelope` (a module signature by `keyid`) to the manifest
    /// `digest` of `module` as a referrer; returns the signature
    /// artifact's digest and whether the referrers tag was written (the
    /// registry has no Referrers API).
    ///
    /// # Errors
    ///
    /// The registry's refusal.
    pub fn attach_signature(
        &self,
        module: &OciModule,
        digest: &str,
        envelope: &[u8],
        keyid: &str,
    ) -> Result<(String, bool), Error> {
        let registry = self.registry(module, "attaching a signature")?;
        let fail = |e| registry_error(module, e);
        let (manifest, _) = self.blob(module, digest, MAX_SMALL_BLOB, true)?;
        let subject = Descriptor::of(bulwark_image::registry::MANIFEST_TYPE, &manifest);
        let built = artifact::signature_artifact(&subject, envelope, keyid);
        registry
            .push_blob(&module.repo, &built.config)
            .map_err(fail)?;
        registry.push_blob(&module.repo, envelope).map_err(fail)?;
        let sig_digest = bulwark_image::registry::sha256_digest(&built.manifest);
        registry
            .push_manifest(
                &module.repo,
                &sig_digest,
                &built.manifest,
                bulwark_image::registry::MANIFEST_TYPE,
            )
            .map_err(fail)?;
        let mut descriptor =
            Descriptor::of(bulwark_image::registry::MANIFEST_TYPE, &built.manifest);
        descriptor.artifact_type = Some(artifact::SIGNATURE_TYPE.to_owned());
        descriptor
            .annotations
            .insert(artifact::KEYID_ANNOTATION.to_owned(), keyid.to_owned());
        let tagged = registry
            .add_referrer(&module.repo, digest, &descriptor)
            .map_err(fail)?;
        Ok((sig_digest, tagged))
    }
}

pub(crate) fn module_error(module: &OciModule, why: String) -> Error {
    Error::ModuleArtifact {
        module: module.to_string(),
        why,
    }
}

fn registry_error(module: &OciModule, source: bulwark_image::registry::Error) -> Error {
    Error::ModuleRegistry {
        module: module.to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_and_print() {
        let m = OciModule::parse("oci://127.0.0.1:5000/acme/rules:1.4@sha256:AB0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd").expect("parses");
        assert_eq!(m.repo.host, "127.0.0.1:5000");
        assert_eq!(m.repo.repository, "acme/rules");
        assert_eq!(m.tag.as_deref(), Some("1.4"));
        assert_eq!(
            m.to_string(),
            "oci://127.0.0.1:5000/acme/rules:1.4@sha256:ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
        );
        let hub = OciModule::parse("acme/rules").expect("parses");
        assert_eq!(hub.unpinned(), "oci://docker.io/acme/rules");
        assert_eq!(hub.fallback_name(), "rules");
        assert!(OciModule::parse("docker://ghcr.io/a/b").is_err());
        assert!(OciModule::parse("oci:dir").is_err());
        assert!(OciModule::parse("oci://ghcr.io/A/b").is_err());
    }
}
