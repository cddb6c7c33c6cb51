//! Where an image's blobs are read from: an OCI layout directory, an OCI
//! archive, a Docker archive. Archives are indexed once (name → offset)
//! and read in place, never extracted.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

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
        }
    }

    /// Whether the file `name` is there.
    pub(crate) fn has(&self, name: &str) -> bool {
        match self {
            Source::Dir(dir) => dir.join(name).is_file(),
            Source::Tar { entries, .. } => entries.contains_key(name),
        }
    }

    /// The blob `digest` of an OCI layout.
    pub(crate) fn blob(&self, image: &str, digest: &str) -> Result<Box<dyn Read + Send>, Error> {
        if !is_sha256(digest) {
            return Err(Error::Invalid {
                image: image.to_owned(),
                what: "a descriptor".to_owned(),
                why: format!("digest `{digest}` is not sha256:<64 lowercase hex digits>"),
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
