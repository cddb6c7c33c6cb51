//! Telling what a file is: by its name, or by the start of its text.
//!
//! Names decide first (`Dockerfile`, `*.dockerfile`, `compose*.yaml`,
//! `values*.yaml`); files without an extension and YAML or JSON files are
//! then judged by content ([`sniff`], [`crate::manifest::sniff_yaml`]).

use bulwark_core::InputKind;

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
            || lower.ends_with(&format!(".{base}"))
            || [format!("{base}."), format!("{base}-")]
                .iter()
                .any(|prefix| {
                    lower
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| !is_source_extension(rest))
                })
    });
    if dockerfile {
        return Some(InputKind::Dockerfile);
    }
    // An image document saved to a file (`app.image.json`), the form
    // image rules' fixtures take.
    if lower.ends_with(".image.json") {
        return Some(InputKind::Image);
    }
    crate::manifest::classify_yaml_name(&lower)
}

/// Returns true if and only if `rest` (what follows `Dockerfile.`) ends in
/// the extension of a source file or document: `dockerfile.rs` is the
/// parser of one, `Dockerfile.md` a page about one, not Dockerfiles.
fn is_source_extension(rest: &str) -> bool {
    const EXTENSIONS: [&str; 33] = [
        "rs", "go", "py", "js", "mjs", "ts", "tsx", "jsx", "java", "kt", "rb", "php", "c", "h",
        "cc", "cpp", "cs", "swift", "scala", "sh", "bash", "ps1", "md", "rst", "txt", "html",
        "json", "toml", "yaml", "yml", "xml", "snap", "lock",
    ];
    let ext = rest.rsplit_once('.').map_or(rest, |(_, ext)| ext);
    EXTENSIONS.contains(&ext)
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

/// Returns true if and only if `name` is bulwark's configuration file.
pub fn is_config_name(name: &str) -> bool {
    matches!(name, ".bulwark.yaml" | ".bulwark.yml")
}

/// Returns true if and only if a file named `name` whose name gives no
/// kind may still be an input, so its content is worth a look: no
/// extension, or a YAML or JSON one.
pub fn worth_sniffing(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.trim_start_matches('.').contains('.') || crate::manifest::is_yaml_name(&lower)
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
            "Dockerfile.alpine.prod",
            "Dockerfile.bak",
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
            "dockerfile.rs",
            "Dockerfile.md",
            "dockerfile.yaml.snap",
            "dockerfile-parser.go",
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
    fn sniffs_only_files_that_may_be_inputs() {
        for n in ["build-image", "deploy.yaml", "x.yml", "obj.json", ".hidden"] {
            assert!(worth_sniffing(n), "{n}");
        }
        for n in ["README.md", "main.rs", "compose.conf"] {
            assert!(!worth_sniffing(n), "{n}");
        }
    }
}
