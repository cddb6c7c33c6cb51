//! Where an image's blobs are read from: an OCI layout directory, an OCI
//! archive, a Docker archive. Archives are indexed once (name → offset)
//! and read in place, never extracted.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulwark_registry::{Registry, Repository};

use crate::Error;
use crate::digest::is_sha256;

/// A place blobs are read from by digest (OCI) or by name (Docker
/// archives, whose manifest names files).
pub(crate) enum Source {
    /// An OCI layout directory.
    Dir(PathBuf),
    /// A tar file and where each of its regular files is.
    Tar {
        path: PathBuf,
        entries: HashMap<String, (u64, u64)>,
    },
    /// A repository in a registry; `index.json` is made up of the one
    /// manifest (or index) the reference resolved to, kept with the
    /// manifests read since.
    Remote {
        registry: Arc<Registry>,
        repository: Repository,
        index: Vec<u8>,
        manifests: std::sync::Mutex<HashMap<String, Vec<u8>>>,
    },
}

/// How something is found: a manifest or index by digest, a blob by
/// digest (both verified against it), or a file by its name in a layout
/// or archive (Docker archives name their layers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fetch {
    Manifest,
    Blob,
    File,
}

impl Source {
    /// An OCI layout directory.
    pub(crate) fn dir(path: &Path) -> Source {
        Source::Dir(path.to_path_buf())
    }

    /// A tar archive, indexed.
    pub(crate) fn tar(image: &str, path: &Path) -> Result<Source, Error> {
        let io = |what: &str, source| Error::Io {
            image: image.to_owned(),
            what: what.to_owned(),
            source,
        };
        let file = File::open(path).map_err(|e| io(&path.display().to_string(), e))?;
        let mut archive = tar::Archive::new(file);
        let mut entries = HashMap::new();
        for entry in archive
            .entries()
            .map_err(|e| io("the archive's entries", e))?
        {
            let entry = entry.map_err(|e| io("the archive's entries", e))?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = entry
                .path()
                .map_err(|e| io("an archive entry's name", e))?
                .to_string_lossy()
                .trim_start_matches("./")
                .to_owned();
            entries.insert(name, (entry.raw_file_position(), entry.size()));
        }
        Ok(Source::Tar {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// The image `reference` (a tag or digest) names in `repository`:
    /// its top manifest is read now, so that a missing image or a refused
    /// login is known before anything else.
    pub(crate) fn remote(
        image: &str,
        registry: Arc<Registry>,
        repository: Repository,
        reference: &str,
    ) -> Result<Source, Error> {
        let top = registry
            .manifest(&repository, reference)
            .map_err(|source| Error::Registry {
                image: image.to_owned(),
                source,
            })?;
        let json: serde_json::Value =
            serde_json::from_slice(&top.bytes).map_err(|e| Error::Invalid {
                image: image.to_owned(),
                what: "the manifest".to_owned(),
                why: format!("not JSON: {e}"),
            })?;
        // A manifest says what it is; an OCI one may leave `mediaType`
        // out, and then its shape says.
        let media_type = match json.get("mediaType").and_then(serde_json::Value::as_str) {
            Some(t) => t.to_owned(),
            None if json.get("manifests").is_some() => {
                "application/vnd.oci.image.index.v1+json".to_owned()
            }
            None => "application/vnd.oci.image.manifest.v1+json".to_owned(),
        };
        let index = serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{"mediaType": media_type, "digest": top.digest, "size": top.bytes.len()}],
        });
        let mut manifests = HashMap::new();
        manifests.insert(top.digest, top.bytes);
        Ok(Source::Remote {
            registry,
            repository,
            index: index.to_string().into_bytes(),
            manifests: std::sync::Mutex::new(manifests),
        })
    }

    /// What `fetch` says `name` is.
    pub(crate) fn fetch(
        &self,
        image: &str,
        name: &str,
        fetch: Fetch,
    ) -> Result<Box<dyn Read + Send>, Error> {
        match fetch {
            Fetch::File => self.open(image, name),
            Fetch::Blob => self.blob(image, name),
            Fetch::Manifest => self.manifest(image, name),
        }
    }

    /// The manifest or index `digest`.
    fn manifest(&self, image: &str, digest: &str) -> Result<Box<dyn Read + Send>, Error> {
        let Source::Remote {
            registry,
            repository,
            manifests,
            ..
        } = self
        else {
            return self.blob(image, digest);
        };
        check_digest(image, digest)?;
        let known = manifests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(digest)
            .cloned();
        let bytes = match known {
            Some(bytes) => bytes,
            None => {
                let fetched =
                    registry
                        .manifest(repository, digest)
                        .map_err(|source| Error::Registry {
                            image: image.to_owned(),
                            source,
                        })?;
                manifests
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(digest.to_owned(), fetched.bytes.clone());
                fetched.bytes
            }
        };
        Ok(Box::new(std::io::Cursor::new(bytes)))
    }

    /// The file `name` (a path inside the layout or archive).
    pub(crate) fn open(&self, image: &str, name: &str) -> Result<Box<dyn Read + Send>, Error> {
        let io = |source| Error::Io {
            image: image.to_owned(),
            what: name.to_owned(),
            source,
        };
        match self {
            Source::Dir(dir) => {
                let file = File::open(dir.join(name)).map_err(io)?;
                Ok(Box::new(file))
            }
            Source::Tar { path, entries } => {
                let &(offset, size) = entries.get(name).ok_or_else(|| {
                    io(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "not in the archive",
                    ))
                })?;
                let mut file = File::open(path).map_err(io)?;
                file.seek(SeekFrom::Start(offset)).map_err(io)?;
                Ok(Box::new(file.take(size)))
            }
            Source::Remote { index, .. } if name == "index.json" => {
                Ok(Box::new(std::io::Cursor::new(index.clone())))
            }
            Source::Remote { .. } => Err(io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "a registry has no files by name",
            ))),
        }
    }

    /// Whether the file `name` is there.
    pub(crate) fn has(&self, name: &str) -> bool {
        match self {
            Source::Dir(dir) => dir.join(name).is_file(),
            Source::Tar { entries, .. } => entries.contains_key(name),
            Source::Remote { .. } => name == "index.json",
        }
    }

    /// The blob `digest` of an OCI layout.
    pub(crate) fn blob(&self, image: &str, digest: &str) -> Result<Box<dyn Read + Send>, Error> {
        check_digest(image, digest)?;
        if let Source::Remote {
            registry,
            repository,
            ..
        } = self
        {
            return registry
                .blob(repository, digest)
                .map_err(|source| Error::Registry {
                    image: image.to_owned(),
                    source,
                });
        }
        let name = format!("blobs/sha256/{}", &digest[7..]);
        if !self.has(&name) {
            return Err(Error::MissingBlob {
                image: image.to_owned(),
                digest: digest.to_owned(),
            });
        }
        self.open(image, &name)
    }

    /// A small file read whole (an index, a manifest, a configuration),
    /// refused beyond `limit` bytes.
    pub(crate) fn read_small(
        &self,
        image: &str,
        mut reader: Box<dyn Read + Send>,
        what: &str,
        limit: u64,
    ) -> Result<Vec<u8>, Error> {
        let _ = self;
        let mut out = Vec::new();
        (&mut reader)
            .take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|source| Error::Io {
                image: image.to_owned(),
                what: what.to_owned(),
                source,
            })?;
        if out.len() as u64 > limit {
            return Err(Error::Invalid {
                image: image.to_owned(),
                what: what.to_owned(),
                why: format!("larger than {limit} bytes"),
            });
        }
        Ok(out)
    }
}

/// A digest bulwark asks for is sha256 in canonical form: it becomes a
/// file name and a URL path.
fn check_digest(image: &str, digest: &str) -> Result<(), Error> {
    if is_sha256(digest) {
        return Ok(());
    }
    Err(Error::Invalid {
        image: image.to_owned(),
        what: "a descriptor".to_owned(),
        why: format!("digest `{digest}` is not sha256:<64 lowercase hex digits>"),
    })
}
