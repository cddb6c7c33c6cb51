//! Container images as documents: one `image` document per platform, the
//! contents the run's rules read (their `reads`) included, rendered as the
//! JSON rules receive, which is also the text findings point into.

use std::sync::Arc;

use bulwark_core::{Document, InputKind, SourceFile};
use bulwark_image::{Image, Options, Platform, Reference};
use bulwark_inputs::{Error, ErrorKind, Loaded};

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
) -> Result<Loaded, Error> {
    let fail = |e: String| Error::whole(reference, ErrorKind::Image(e));
    let parsed = Reference::parse(reference).map_err(|e| fail(e.to_string()))?;
    let images = bulwark_image::open(
        &parsed,
        &Options {
            platform: platform.cloned(),
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
