//! `image-leftovers`: Build leftovers in the image.

use std::collections::BTreeSet;

use bulwark_sdk::Findings;
use bulwark_sdk::image::Image;
use bulwark_sdk::{Check, Rule, Severity};

use super::made_by;

/// The rule.
pub const RULE: Rule = Rule {
    id: "image-leftovers",
    title: "Build leftovers in the image",
    severity: Severity::Medium,
    controls: &["CIS-Docker 4.10"],
    remediation: "Keep the build context out of the image: list `.git`, `.env*`, `Dockerfile` and credential directories in `.dockerignore`, and copy only what the application needs (`COPY --from=build /out/app /app`).",
    explanation: include_str!("image_leftovers.md"),
    check: Check::Image {
        reads: &[],
        check: leftovers,
    },
};

/// What a leftover is, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leftover {
    /// `.git`, `.svn`, `.hg`: the repository, history and remotes.
    Repository,
    /// `.aws`, `.kube`, `.azure`, `.docker`: a developer's credentials.
    Credentials,
    /// `.env`, `.env.production`: the environment of a developer machine.
    Environment,
    /// `Dockerfile`, `Containerfile`, `.dockerignore`: the build itself.
    BuildFile,
}

/// Directories that are leftovers wherever they are.
fn directory(name: &str) -> Option<Leftover> {
    match name {
        ".git" | ".svn" | ".hg" => Some(Leftover::Repository),
        ".aws" | ".kube" | ".azure" | ".docker" => Some(Leftover::Credentials),
        _ => None,
    }
}

/// Files that are leftovers wherever they are.
fn file(name: &str) -> Option<Leftover> {
    let lower = name.to_ascii_lowercase();
    if lower == ".env"
        || lower.strip_prefix(".env.").is_some_and(|rest| {
            !matches!(
                rest,
                "example" | "sample" | "template" | "dist" | "defaults"
            )
        })
    {
        return Some(Leftover::Environment);
    }
    if matches!(name, "Dockerfile" | "Containerfile" | ".dockerignore")
        || name.starts_with("Dockerfile.")
        || lower.ends_with(".dockerfile")
    {
        return Some(Leftover::BuildFile);
    }
    None
}

/// Trees of third-party packages, whose own files are not the build's.
const DEPENDENCIES: [&str; 6] = [
    "/node_modules/",
    "/go/pkg/mod/",
    "/site-packages/",
    "/dist-packages/",
    "/usr/share/",
    "/vendor/",
];

fn describe(kind: Leftover, path: &str) -> String {
    match kind {
        Leftover::Repository => format!(
            "`{path}` is a version-control directory: the source history, remotes and any token in its configuration ship with the image"
        ),
        Leftover::Credentials => {
            format!("`{path}` is a credentials directory from a developer or CI machine")
        }
        Leftover::Environment => {
            format!("`{path}` is an environment file, usually a machine's settings and secrets")
        }
        Leftover::BuildFile => format!(
            "`{path}` is a build file copied with the context: the image's build is not its content"
        ),
    }
}

/// Each leftover once, at its top: the directory (or the first file
/// under it when the layer has no entry for the directory), or the file.
fn leftovers(image: &Image<'_>, out: &mut Findings) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for entry in image.files() {
        let path = entry.path();
        let dependency = DEPENDENCIES.iter().any(|d| path.contains(d));
        let parts: Vec<&str> = path.split('/').collect();
        // The first component that makes the path a leftover directory.
        let found = parts.iter().enumerate().find_map(|(i, name)| {
            let kind = directory(name)?;
            // Whether it is a directory: the entry itself says, or there
            // is more of the path below it.
            let is_dir = i + 1 < parts.len() || entry.kind() == "dir";
            (is_dir && !(dependency && kind == Leftover::Repository))
                .then(|| (parts[..=i].join("/"), kind))
        });
        let found = found.or_else(|| {
            let name = parts.last()?;
            let kind = file(name)?;
            (entry.kind() == "file" && !dependency).then(|| (path.to_owned(), kind))
        });
        let Some((top, kind)) = found else {
            continue;
        };
        if !seen.insert(top.clone()) {
            continue;
        }
        out.report(
            entry.at.pointer(),
            format!(
                "{}, from {}",
                describe(kind, &top),
                made_by(image, entry.layer())
            ),
        );
    }
}
