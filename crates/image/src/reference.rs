//! Image references as users already write them: the transport names of
//! containers-image (`skopeo`, `podman`, `buildah`).

use std::path::PathBuf;

use crate::Error;

/// Where an image is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `oci:DIR[:TAG]`: an OCI image layout directory; the tag picks a
    /// manifest by its `org.opencontainers.image.ref.name` annotation.
    OciLayout {
        /// The layout directory.
        dir: PathBuf,
        /// The tag, if given.
        tag: Option<String>,
    },
    /// `oci-archive:FILE[:TAG]`: an OCI image layout in a tar file.
    OciArchive {
        /// The archive.
        file: PathBuf,
        /// The tag, if given.
        tag: Option<String>,
    },
    /// `docker-archive:FILE[:REF]`: what `docker save` and `podman save`
    /// write.
    DockerArchive {
        /// The archive.
        file: PathBuf,
        /// The `repo:tag` to pick when the archive holds several images.
        name: Option<String>,
    },
    /// `[docker://]HOST/REPO[:TAG][@sha256:…]`: an image in a registry.
    Registry {
        /// The registry host (and port).
        host: String,
        /// The repository.
        repository: String,
        /// The tag, if given.
        tag: Option<String>,
        /// The manifest digest, if pinned.
        digest: Option<String>,
    },
}

impl Reference {
    /// Parses `text`.
    ///
    /// # Errors
    ///
    /// [`Error::Reference`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Reference, Error> {
        let bad = |why: &str| Error::Reference {
            reference: text.to_owned(),
            why: why.to_owned(),
        };
        let split = |rest: &str| -> (PathBuf, Option<String>) {
            match rest.split_once(':') {
                Some((path, tag)) if !tag.is_empty() => (PathBuf::from(path), Some(tag.to_owned())),
                Some((path, _)) => (PathBuf::from(path), None),
                None => (PathBuf::from(rest), None),
            }
        };
        if let Some(rest) = text.strip_prefix("oci:") {
            let (dir, tag) = split(rest);
            if dir.as_os_str().is_empty() {
                return Err(bad("no directory after `oci:`"));
            }
            return Ok(Reference::OciLayout { dir, tag });
        }
        if let Some(rest) = text.strip_prefix("oci-archive:") {
            let (file, tag) = split(rest);
            if file.as_os_str().is_empty() {
                return Err(bad("no file after `oci-archive:`"));
            }
            return Ok(Reference::OciArchive { file, tag });
        }
        if let Some(rest) = text.strip_prefix("docker-archive:") {
            let (file, name) = split(rest);
            if file.as_os_str().is_empty() {
                return Err(bad("no file after `docker-archive:`"));
            }
            return Ok(Reference::DockerArchive { file, name });
        }
        let rest = text.strip_prefix("docker://").unwrap_or(text);
        if rest.contains("://") || rest.is_empty() {
            return Err(bad(
                "expected oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF] or [docker://]HOST/REPO[:TAG][@sha256:…]",
            ));
        }
        let split = bulwark_core::image_ref::parse(rest);
        let digest = match split.digest {
            Some(digest) => {
                let hex = digest
                    .strip_prefix("sha256:")
                    .ok_or_else(|| bad("the digest must be sha256:<64 hex digits>"))?;
                if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad("the digest must be sha256:<64 hex digits>"));
                }
                Some(digest.to_ascii_lowercase())
            }
            None => None,
        };
        let tag = split.tag;
        if tag.as_deref() == Some("") {
            return Err(bad("empty tag"));
        }
        let (host, repository) = match split.registry {
            Some(host) => (host, split.repository),
            None if split.repository.contains('/') => ("docker.io".to_owned(), split.repository),
            None => (
                "docker.io".to_owned(),
                format!("library/{}", split.repository),
            ),
        };
        if repository.is_empty()
            || !repository
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/".contains(&b))
        {
            return Err(bad(
                "a repository is lowercase letters, digits, `.`, `_`, `-` and `/`",
            ));
        }
        Ok(Reference::Registry {
            host,
            repository,
            tag,
            digest,
        })
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let opt = |t: &Option<String>| t.as_ref().map(|t| format!(":{t}")).unwrap_or_default();
        match self {
            Reference::OciLayout { dir, tag } => write!(f, "oci:{}{}", dir.display(), opt(tag)),
            Reference::OciArchive { file, tag } => {
                write!(f, "oci-archive:{}{}", file.display(), opt(tag))
            }
            Reference::DockerArchive { file, name } => {
                write!(f, "docker-archive:{}{}", file.display(), opt(name))
            }
            Reference::Registry {
                host,
                repository,
                tag,
                digest,
            } => {
                write!(f, "docker://{host}/{repository}{}", opt(tag))?;
                if let Some(d) = digest {
                    write!(f, "@{d}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_transport() {
        assert_eq!(
            Reference::parse("oci:out/layout:v1").ok(),
            Some(Reference::OciLayout {
                dir: "out/layout".into(),
                tag: Some("v1".into())
            })
        );
        assert_eq!(
            Reference::parse("oci-archive:img.tar").ok(),
            Some(Reference::OciArchive {
                file: "img.tar".into(),
                tag: None
            })
        );
        assert_eq!(
            Reference::parse("docker-archive:save.tar:app:1").ok(),
            Some(Reference::DockerArchive {
                file: "save.tar".into(),
                name: Some("app:1".into())
            })
        );
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            Reference::parse(&format!("docker://127.0.0.1:5000/team/app:1.2@{digest}")).ok(),
            Some(Reference::Registry {
                host: "127.0.0.1:5000".into(),
                repository: "team/app".into(),
                tag: Some("1.2".into()),
                digest: Some(digest.clone())
            })
        );
        assert_eq!(
            Reference::parse("debian:12").ok(),
            Some(Reference::Registry {
                host: "docker.io".into(),
                repository: "library/debian".into(),
                tag: Some("12".into()),
                digest: None
            })
        );
        assert_eq!(
            Reference::parse("localhost/x").map(|r| r.to_string()).ok(),
            Some("docker://localhost/x".into())
        );
        for bad in [
            "oci:",
            "http://x/y",
            "x@sha256:12",
            "Upper/Case",
            "x:",
            "docker-archive:",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }
}
