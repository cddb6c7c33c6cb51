//! CIS 4.2: what a base image reference says about its tag and digest,
//! also when build arguments are part of it.

use bulwark_sdk::dockerfile::{Dockerfile, From};

/// What a `FROM` says about the version of an external image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Version {
    /// No tag (or an empty one) and no digest: whatever `latest` is.
    NoTag,
    /// The `latest` tag, no digest.
    Latest,
    /// A tag other than `latest`, no digest.
    Tag,
    /// A digest.
    Digest,
}

/// A base image reference judged for CIS 4.2.
#[derive(Debug, Clone)]
pub(crate) struct Base {
    /// Its version.
    pub(crate) version: Version,
    /// Build arguments declared without a value that the reference uses
    /// before its last `/`: they cannot change its tag or digest.
    pub(crate) unknown: Vec<String>,
    /// Build arguments the reference uses that no `ARG` before the first
    /// `FROM` declares: they expand to nothing.
    pub(crate) undeclared: Vec<String>,
}

/// How `from` pins its image, when that can be known whatever values the
/// build is given: `None` for `scratch`, another stage, or a reference whose
/// last path component (name, tag, digest) holds a build argument declared
/// without a value.
pub(crate) fn judge(df: &Dockerfile, from: &From<'_>) -> Option<Base> {
    if from.stage().is_some() || from.scratch() {
        return None;
    }
    let declared: Vec<&str> = df
        .global_args()
        .flat_map(|a| a.pairs().into_iter().map(|p| p.key))
        .collect();
    let (unknown, undeclared): (Vec<String>, Vec<String>) = from
        .unresolved()
        .into_iter()
        .map(str::to_owned)
        .partition(|name| declared.contains(&name.as_str()));
    let last = last_component(from.image());
    if variables(last).iter().any(|v| unknown.contains(v)) {
        return None;
    }
    // Unresolved arguments expand to nothing in `resolved`, so its last
    // component is the one the build will use.
    let resolved_last = from
        .resolved()
        .rsplit('/')
        .next()
        .unwrap_or(from.resolved());
    let (name_tag, digest) = match resolved_last.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (resolved_last, None),
    };
    let tag = name_tag.split_once(':').map(|(_, t)| t);
    let version = match (digest, tag) {
        (Some(d), _) if !d.is_empty() => Version::Digest,
        (_, Some("latest")) => Version::Latest,
        (_, Some(t)) if !t.is_empty() => Version::Tag,
        _ => Version::NoTag,
    };
    Some(Base {
        version,
        unknown,
        undeclared,
    })
}

impl Base {
    /// How to name the image in a message: with the build arguments'
    /// values when all are known, else as written.
    pub(crate) fn shown<'a>(&self, written: &'a str, resolved: &'a str) -> &'a str {
        if self.unknown.is_empty() && self.undeclared.is_empty() {
            resolved
        } else {
            written
        }
    }

    /// What the build arguments mean for the finding, as a sentence to
    /// append (empty when the reference uses none that lack a value).
    pub(crate) fn because(&self) -> String {
        let mut out = String::new();
        if !self.unknown.is_empty() {
            out.push_str(&format!(" (for any value of {})", names(&self.unknown)));
        }
        if !self.undeclared.is_empty() {
            out.push_str(&format!(
                "; {} {} never declared before the first FROM, so {} to nothing",
                names(&self.undeclared),
                if self.undeclared.len() == 1 {
                    "is"
                } else {
                    "are"
                },
                if self.undeclared.len() == 1 {
                    "it expands"
                } else {
                    "they expand"
                },
            ));
        }
        out
    }
}

fn names(list: &[String]) -> String {
    list.iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text after the last `/` that is not inside `${…}`.
fn last_component(image: &str) -> &str {
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = image.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' if i > 0 && bytes[i - 1] == b'$' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b'/' if depth == 0 => start = i + 1,
            _ => {}
        }
    }
    &image[start..]
}

/// The build arguments `text` refers to (`$NAME`, `${NAME…}`).
fn variables(text: &str) -> Vec<String> {
    text.split('$')
        .skip(1)
        .filter_map(|part| {
            let body = part.strip_prefix('{').unwrap_or(part);
            let name: String = body
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Base, Version, last_component, variables};

    #[test]
    fn says_what_the_build_arguments_mean() {
        let base = |unknown: &[&str], undeclared: &[&str]| Base {
            version: Version::NoTag,
            unknown: unknown.iter().map(|s| (*s).to_owned()).collect(),
            undeclared: undeclared.iter().map(|s| (*s).to_owned()).collect(),
        };
        assert_eq!(base(&[], &[]).because(), "");
        assert_eq!(base(&[], &[]).shown("python:${V}", "python:3"), "python:3");
        assert_eq!(
            base(&["R"], &[]).shown("${R}/python", "/python"),
            "${R}/python"
        );
        assert_eq!(base(&[], &["T"]).shown("alpine$T", "alpine"), "alpine$T");
        assert_eq!(
            base(&["REGISTRY"], &[]).because(),
            " (for any value of `REGISTRY`)"
        );
        assert_eq!(
            base(&[], &["TAG"]).because(),
            "; `TAG` is never declared before the first FROM, so it expands to nothing"
        );
        assert_eq!(
            base(&["A", "B"], &["C", "D"]).because(),
            " (for any value of `A`, `B`); `C`, `D` are never declared before the first FROM, so they expand to nothing"
        );
    }

    #[test]
    fn finds_the_last_component_outside_expansions() {
        assert_eq!(last_component("x}/y"), "y");
        assert_eq!(last_component("{x/y"), "y");
        assert_eq!(last_component("a{b/c"), "c");
        assert_eq!(last_component("${REGISTRY}/ubuntu"), "ubuntu");
        assert_eq!(
            last_component("${REG:-a/b}/lib/python:${TAG}"),
            "python:${TAG}"
        );
        assert_eq!(last_component("alpine$TAG"), "alpine$TAG");
        assert_eq!(last_component("${IMAGE:-x/y}"), "${IMAGE:-x/y}");
    }

    #[test]
    fn finds_variables() {
        assert_eq!(variables("python:${TAG:-3}-$FLAVOR"), ["TAG", "FLAVOR"]);
        assert!(variables("ubuntu:22.04").is_empty());
    }
}
