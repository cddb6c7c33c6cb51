//! Where a reported file is in the repository, for formats that link to
//! files (SARIF, GitHub annotations, the step summary).

use std::path::{Component, Path, PathBuf};

use bulwark_core::RENDERED_CHART_SUFFIX;

/// Maps reported file names (paths as the scan was given them) to paths
/// relative to the repository root.
#[derive(Debug, Clone, Default)]
pub struct Locator {
    /// The repository root, absolute.
    root: Option<PathBuf>,
    /// The directory the reported names are relative to, absolute.
    cwd: Option<PathBuf>,
}

impl Locator {
    /// A locator for names relative to the current directory, in the
    /// repository at `root` (absolute); without a root, names are kept as
    /// they are.
    pub fn new(root: Option<PathBuf>) -> Locator {
        Locator {
            root,
            cwd: std::env::current_dir().ok(),
        }
    }

    /// The repository root as a `file://` URI ending in `/`.
    pub fn root_uri(&self) -> Option<String> {
        let root = self.root.as_ref()?;
        let mut uri = String::from("file://");
        let text = root.to_string_lossy().replace('\\', "/");
        if !text.starts_with('/') {
            uri.push('/');
        }
        uri.push_str(&percent_encode(&text));
        if !uri.ends_with('/') {
            uri.push('/');
        }
        Some(uri)
    }

    /// `name` relative to the repository root with `/` separators, if it
    /// is a file under the root.
    pub fn relative(&self, name: &str) -> Option<String> {
        let root = self.root.as_ref()?;
        // `<stdin>` and the like name no file.
        if name.starts_with('<') {
            return None;
        }
        let path = Path::new(name);
        let full = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.as_ref()?.join(path)
        };
        // Canonical like the root, when the file exists (symbolic links
        // such as macOS's /tmp).
        let full = full.canonicalize().unwrap_or_else(|_| normalize(&full));
        let rest = full.strip_prefix(root).ok()?;
        let parts: Vec<String> = rest
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// The path to show for `name`: repository-relative when possible,
    /// else as reported.
    pub fn path(&self, name: &str) -> String {
        self.lookup().path(name)
    }

    /// A lookup for a run of names, such as one file's findings: each
    /// name is resolved once, not once per finding (resolving touches the
    /// file system).
    pub fn lookup(&self) -> Lookup<'_> {
        Lookup {
            locator: self,
            last: None,
        }
    }
}

/// Resolves names through a [`Locator`], remembering the last one.
#[derive(Debug)]
pub struct Lookup<'l> {
    locator: &'l Locator,
    last: Option<(String, Option<String>)>,
}

impl Lookup<'_> {
    /// As [`Locator::relative`].
    pub fn relative(&mut self, name: &str) -> Option<String> {
        if let Some((last, relative)) = &self.last
            && last == name
        {
            return relative.clone();
        }
        let relative = self.locator.relative(name);
        self.last = Some((name.to_owned(), relative.clone()));
        relative
    }

    /// As [`Locator::path`].
    pub fn path(&mut self, name: &str) -> String {
        self.relative(name)
            .unwrap_or_else(|| name.replace('\\', "/"))
    }

    /// For a finding in a rendered chart (`name` is `CHART (helm
    /// template)`), the template it came from as a path in the repository:
    /// Helm names templates `chart-name/templates/…`, under the chart's
    /// directory.
    pub fn chart_template(&mut self, name: &str, template: &str) -> Option<String> {
        let chart = name.strip_suffix(RENDERED_CHART_SUFFIX)?;
        let (_, inside) = template.split_once('/')?;
        Some(self.path(&format!("{}/{inside}", chart.trim_end_matches('/'))))
    }
}

/// `path` with `.` and `..` resolved lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Percent-encodes everything but unreserved characters and `/`, for a
/// path in a URI reference.
pub fn percent_encode(path: &str) -> String {
    let kept = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/');
    // Most paths have nothing to encode: copied whole (a SARIF log encodes
    // its file's path for every result).
    if path.bytes().all(kept) {
        return path.to_owned();
    }
    let mut out = String::with_capacity(path.len() + 8);
    for b in path.bytes() {
        if kept(b) {
            out.push(char::from(b));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_repository_paths() {
        let locator = Locator {
            root: Some(PathBuf::from("/repo")),
            cwd: Some(PathBuf::from("/repo/sub")),
        };
        assert_eq!(locator.path("Dockerfile"), "sub/Dockerfile");
        assert_eq!(locator.path("../k8s/a.yaml"), "k8s/a.yaml");
        assert_eq!(locator.path("/repo/x/y"), "x/y");
        assert_eq!(locator.path("/elsewhere/y"), "/elsewhere/y");
        assert_eq!(locator.path("<stdin>"), "<stdin>");
        assert_eq!(
            locator
                .lookup()
                .chart_template("../charts/web (helm template)", "web/templates/d.yaml")
                .as_deref(),
            Some("charts/web/templates/d.yaml")
        );
        assert_eq!(
            locator
                .lookup()
                .chart_template("a.yaml", "web/templates/d.yaml"),
            None
        );
        assert_eq!(locator.root_uri().as_deref(), Some("file:///repo/"));
        assert_eq!(percent_encode("a b/<c>"), "a%20b/%3Cc%3E");
        assert_eq!(percent_encode("d/a-b_c.~E9/x.yaml"), "d/a-b_c.~E9/x.yaml");
        assert_eq!(percent_encode("é%"), "%C3%A9%25");
        // Each byte alone, and after a path that needs nothing encoded.
        for b in 0..=127u8 {
            let c = char::from(b);
            let expected = if c.is_ascii_alphanumeric() || "-._~/".contains(c) {
                c.to_string()
            } else {
                format!("%{b:02X}")
            };
            assert_eq!(percent_encode(&c.to_string()), expected, "{b}");
            assert_eq!(
                percent_encode(&format!("a/b{c}")),
                format!("a/b{expected}"),
                "{b}"
            );
        }
    }
}
