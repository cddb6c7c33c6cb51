//! Finding the files to scan and telling what they are.
//!
//! [`Discovery`] walks directories with the `ignore` crate (so
//! `.gitignore`, `.ignore` and global git excludes are respected, and hidden
//! files skipped unless asked), and classifies each file by name or, for
//! files without an extension, by content. Files given explicitly are always
//! scanned. [`load`] reads one candidate, refusing binary, oversized and
//! non-UTF-8 files with a clear error, and parses it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulwark_core::{Document, InputKind, SourceFile};

use crate::error::{Error, ErrorKind};

/// A file to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Where it is.
    pub path: PathBuf,
    /// The name shown in output (the path as walked, without `./`).
    pub display: String,
    /// Its kind, when the name gives it; `None` means decide by content.
    pub kind: Option<InputKind>,
    /// True when the user named the file itself.
    pub explicit: bool,
    /// True for a Helm chart directory (it holds `Chart.yaml`): scanned by
    /// rendering it with `helm template`.
    pub chart: bool,
}

/// How to walk.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// Walk hidden files and directories too.
    pub hidden: bool,
    /// Honour `.gitignore` and friends.
    pub respect_ignore_files: bool,
    /// Files larger than this are refused.
    pub max_file_size: u64,
}

impl Default for Discovery {
    fn default() -> Discovery {
        Discovery {
            hidden: false,
            respect_ignore_files: true,
            max_file_size: 10 * 1024 * 1024,
        }
    }
}

/// The kind a file name implies, if any.
pub fn classify_name(name: &str) -> Option<InputKind> {
    let lower = name.to_ascii_lowercase();
    // Docker's ignore files, and `bulwark test`'s expectations next to a
    // fixture (`Dockerfile.expect`), are never inputs.
    if lower.ends_with(".dockerignore") || lower.ends_with(".expect") {
        return None;
    }
    let dockerfile = ["dockerfile", "containerfile"].iter().any(|base| {
        lower == *base
            || lower.starts_with(&format!("{base}."))
            || lower.ends_with(&format!(".{base}"))
            || lower.starts_with(&format!("{base}-"))
    });
    if dockerfile {
        return Some(InputKind::Dockerfile);
    }
    crate::manifest::classify_yaml_name(&lower)
}

/// The kind the start of a file's text implies, if any: a Dockerfile's first
/// instruction (after comments and parser directives) is `FROM`, or `ARG`
/// followed later by `FROM`.
pub fn sniff(text: &str) -> Option<InputKind> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let first = lines.next()?;
    let word = |l: &str| {
        l.split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase()
    };
    // `FROM [--platform=…] image [AS name]`: two to five words.
    let looks_like_from =
        |l: &str| word(l) == "FROM" && (2..=5).contains(&l.split_whitespace().count());
    match word(first).as_str() {
        "FROM" if looks_like_from(first) => Some(InputKind::Dockerfile),
        "ARG" => lines
            .take(50)
            .find(|l| word(l) != "ARG")
            .filter(|l| word(l) == "FROM" && looks_like_from(l))
            .map(|_| InputKind::Dockerfile),
        _ => None,
    }
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_owned()
}

impl Discovery {
    /// The files to scan under `paths`, in a stable order, plus the errors
    /// met while walking (unreadable directories, broken links).
    pub fn discover(&self, paths: &[PathBuf]) -> (Vec<Candidate>, Vec<Error>) {
        let mut candidates = Vec::new();
        let mut errors = Vec::new();
        let mut charts = Vec::new();
        for root in paths {
            if root.is_file() {
                let name = root
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                candidates.push(Candidate {
                    path: root.clone(),
                    display: display(root),
                    kind: classify_name(&name),
                    explicit: true,
                    chart: false,
                });
                continue;
            }
            if !root.exists() {
                errors.push(Error::new(
                    display(root),
                    1,
                    1,
                    ErrorKind::Io(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "no such file or directory",
                    )),
                ));
                continue;
            }
            let walker = ignore::WalkBuilder::new(root)
                .hidden(!self.hidden)
                .git_ignore(self.respect_ignore_files)
                .git_global(self.respect_ignore_files)
                .git_exclude(self.respect_ignore_files)
                .ignore(self.respect_ignore_files)
                .parents(self.respect_ignore_files)
                .require_git(false)
                .filter_entry(|e| e.file_name() != ".git")
                .sort_by_file_path(|a, b| a.cmp(b))
                .build();
            for entry in walker {
                let entry = match entry {
                    Ok(e) => e,
                    Err(source) => {
                        errors.push(Error::new(
                            display(root),
                            1,
                            1,
                            ErrorKind::Walk {
                                path: root.clone(),
                                source,
                            },
                        ));
                        continue;
                    }
                };
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                let path = entry.into_path();
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name == "Chart.yaml"
                    && let Some(dir) = path.parent()
                {
                    charts.push(dir.to_path_buf());
                }
                let kind = classify_name(&name);
                // Files without an extension may be Dockerfiles, YAML and
                // JSON files manifests; nothing else is worth sniffing.
                if kind.is_none()
                    && path.extension().is_some()
                    && !crate::manifest::is_yaml_name(&name.to_ascii_lowercase())
                {
                    continue;
                }
                candidates.push(Candidate {
                    display: display(&path),
                    path,
                    kind,
                    explicit: false,
                    chart: false,
                });
            }
        }
        // A chart's templates are not YAML until rendered: the chart is
        // scanned as a whole instead.
        let templates: Vec<PathBuf> = charts.iter().map(|c| c.join("templates")).collect();
        candidates.retain(|c| !templates.iter().any(|t| c.path.starts_with(t)));
        candidates.extend(charts.iter().map(|dir| Candidate {
            display: display(dir),
            path: dir.clone(),
            kind: Some(InputKind::Kubernetes),
            explicit: false,
            chart: true,
        }));
        candidates.sort_by(|a, b| a.display.cmp(&b.display));
        candidates.dedup_by(|a, b| a.display == b.display);
        (candidates, errors)
    }
}

/// What loading a candidate gave.
#[derive(Debug)]
pub enum Loaded {
    /// The file's documents (a Dockerfile is one document, a YAML stream
    /// any number).
    Documents(Arc<SourceFile>, Vec<Document>),
    /// Not an input bulwark scans (sniffing found nothing); skipped.
    Skipped,
    /// Not scanned, for a reason the user must hear (a Helm chart without
    /// `helm` to render it).
    Notice(String),
}

/// How to load candidates.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The kind of explicitly named files and standard input, overriding
    /// names and content.
    pub kind: Option<InputKind>,
    /// Files larger than this are refused.
    pub max_file_size: u64,
    /// How Helm charts are rendered.
    pub helm: crate::helm::Helm,
}

/// Reads and parses `candidate`.
///
/// # Errors
///
/// An [`Error`] naming the file for unreadable, binary, oversized,
/// non-UTF-8 or unparseable input. A walked file without a recognisable
/// kind is [`Loaded::Skipped`], not an error; an explicit one is
/// [`ErrorKind::UnknownKind`].
pub fn load(candidate: &Candidate, options: &LoadOptions) -> Result<Loaded, Error> {
    if candidate.chart {
        return options.helm.render(candidate, options.max_file_size);
    }
    let max_file_size = options.max_file_size;
    let at_start = |kind| Error::new(&candidate.display, 1, 1, kind);
    let file = std::fs::File::open(&candidate.path).map_err(|e| at_start(ErrorKind::Io(e)))?;
    let size = file
        .metadata()
        .map_err(|e| at_start(ErrorKind::Io(e)))?
        .len();
    let declared = if candidate.explicit {
        options.kind.or(candidate.kind)
    } else {
        candidate.kind
    };
    if size > max_file_size {
        if declared.is_none() && !candidate.explicit {
            return Ok(Loaded::Skipped);
        }
        return Err(at_start(ErrorKind::TooLarge {
            size,
            limit: max_file_size,
        }));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(max_file_size + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| at_start(ErrorKind::Io(e)))?;
    if declared.is_none() && !candidate.explicit {
        // Sniff quietly: binary or non-UTF-8 files that are not inputs are
        // simply not ours.
        let head = &bytes[..bytes.len().min(8192)];
        // Judge by the valid prefix: a manifest with one bad byte is an
        // input with an error, not a file to skip.
        let text = match std::str::from_utf8(head) {
            Ok(t) => t,
            Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or(""),
        };
        if head.contains(&0) || (sniff(text).is_none() && !crate::manifest::sniff_yaml(text)) {
            return Ok(Loaded::Skipped);
        }
    }
    match load_bytes(&candidate.display, declared, bytes) {
        // A walked file that held no document of interest is not an input.
        Err(e)
            if matches!(e.kind(), ErrorKind::UnknownKind)
                && declared.is_none()
                && !candidate.explicit =>
        {
            Ok(Loaded::Skipped)
        }
        other => other,
    }
}

/// Parses `bytes` named `name` as `kind` (told by content when `None`).
///
/// # Errors
///
/// As [`load`]; content that is neither a Dockerfile nor YAML holding a
/// Compose file or Kubernetes object is [`ErrorKind::UnknownKind`].
pub fn load_bytes(name: &str, kind: Option<InputKind>, bytes: Vec<u8>) -> Result<Loaded, Error> {
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        let (line, column) = line_col(&bytes, nul);
        return Err(Error::new(name, line, column, ErrorKind::Binary));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let (line, column) = line_col(e.as_bytes(), offset);
        Error::new(name, line, column, ErrorKind::InvalidUtf8 { offset })
    })?;
    let kind = kind.or_else(|| sniff(&text));
    let source = Arc::new(SourceFile::new(name, text));
    let docs = match kind {
        Some(InputKind::Dockerfile) => {
            vec![
                crate::dockerfile::parse(source.clone())
                    .map_err(|e| e.with_source(source.clone()))?,
            ]
        }
        Some(other) => crate::manifest::parse(source.clone(), Some(other))?,
        None => {
            let docs = if crate::manifest::sniff_yaml(source.text()) {
                crate::manifest::parse(source.clone(), None)?
            } else {
                Vec::new()
            };
            if docs.is_empty() {
                return Err(Error::new(name, 1, 1, ErrorKind::UnknownKind));
            }
            docs
        }
    };
    Ok(Loaded::Documents(source, docs))
}

/// 1-based line and byte column of `offset` in `bytes`.
fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_dockerfiles_by_name() {
        for n in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
            "build.dockerfile",
            "Dockerfile-dev",
        ] {
            assert_eq!(classify_name(n), Some(InputKind::Dockerfile), "{n}");
        }
        for n in [
            "Dockerfile.dockerignore",
            "Dockerfile.expect",
            "compose.yaml.expect",
            ".dockerignore",
            "README.md",
            "Dockerfiles",
        ] {
            assert_eq!(classify_name(n), None, "{n}");
        }
        assert_eq!(
            classify_name("docker-compose.yml"),
            Some(InputKind::Compose)
        );
        assert_eq!(classify_name("values.yaml"), Some(InputKind::HelmValues));
    }

    #[test]
    fn sniffs_dockerfiles_by_content() {
        assert_eq!(
            sniff("# syntax=docker/dockerfile:1\n\nFROM alpine:3.20\nRUN x\n"),
            Some(InputKind::Dockerfile)
        );
        assert_eq!(
            sniff("ARG V=1\nARG W\nfrom python:$V\n"),
            Some(InputKind::Dockerfile)
        );
        assert_eq!(sniff("From: Jane <jane@example.com>\nSubject: hi\n"), None);
        assert_eq!(sniff("#!/bin/sh\necho FROM\n"), None);
        assert_eq!(sniff("ARG\nnot a dockerfile"), None);
        assert_eq!(sniff(""), None);
    }

    #[test]
    fn refuses_binary_and_invalid_utf8_with_a_location() {
        let e = load_bytes(
            "x",
            Some(InputKind::Dockerfile),
            b"FROM a\nRUN \x00".to_vec(),
        )
        .expect_err("binary");
        assert_eq!((e.line(), e.column()), (2, 5));
        assert!(matches!(e.kind(), ErrorKind::Binary));
        let e = load_bytes(
            "x",
            Some(InputKind::Dockerfile),
            b"FROM a\nRUN echo \xff\xfe\n".to_vec(),
        )
        .expect_err("utf8");
        assert_eq!((e.line(), e.column()), (2, 10));
        assert!(e.to_string().starts_with("x:2:10: invalid UTF-8"), "{e}");
    }
}
