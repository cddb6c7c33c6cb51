//! Container image references (`registry/repository:tag@digest`), split
//! the one way bulwark splits them: for a Dockerfile's `FROM` and for an
//! image to scan.

/// An image reference split into its parts. Nothing is normalised: an image
/// written `nginx` has no registry and no tag.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageRef {
    /// The registry host (and port), when the reference names one.
    pub registry: Option<String>,
    /// The repository path without registry, tag or digest.
    pub repository: String,
    /// The tag, when written.
    pub tag: Option<String>,
    /// The digest (`sha256:…`), when written.
    pub digest: Option<String>,
}

/// Splits an image reference. Never fails: an odd string gives odd parts,
/// and rules judge them.
pub fn parse(reference: &str) -> ImageRef {
    let (name, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d.to_owned())),
        None => (reference, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (
            &name[..last_slash + i],
            Some(name[last_slash + i + 1..].to_owned()),
        ),
        None => (name, None),
    };
    let (registry, repository) = match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (Some(first.to_owned()), rest.to_owned())
        }
        _ => (None, name.to_owned()),
    };
    ImageRef {
        registry,
        repository,
        tag,
        digest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_references() {
        let r = parse("golang:1.22");
        assert_eq!(
            (r.registry, r.repository.as_str(), r.tag.as_deref()),
            (None, "golang", Some("1.22"))
        );
        let r = parse("localhost:5000/team/app:v1@sha256:abc");
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = parse("ghcr.io/org/img@sha256:def");
        assert_eq!((r.registry.as_deref(), r.tag), (Some("ghcr.io"), None));
        let r = parse("library/nginx");
        assert_eq!((r.registry, r.repository.as_str()), (None, "library/nginx"));
    }
}
