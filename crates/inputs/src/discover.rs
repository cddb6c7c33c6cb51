//! Finding the files to scan, and accounting for every one of them.
//!
//! In a git work tree the candidates are the files git tracks (read from the
//! index with `gix`, never by running `git`) plus the untracked files git
//! does not ignore: `.gitignore` never hides a tracked file. Outside git,
//! every file under the paths given is a candidate, hidden ones included.
//! Only bulwark's own exclusions (the configuration's `exclude`) remove a
//! candidate, and a path named on the command line is never dropped without
//! an error.
//!
//! Symbolic links whose target stays inside the [`Root`] are scanned under
//! the link's name, the target recorded; a link that leaves the root, loops
//! or points at nothing, and a FIFO, socket or device, is an input error
//! when named and a listed skip in a walk. Every candidate ends in the
//! account ([`Discovered::account`] here, completed by loading): nothing is
//! skipped silently.
//!
//! What this module does not do: read or parse files ([`crate::load`]).

mod tree;

pub use tree::{GitContext, git_context};

use std::path::{Path, PathBuf};

use bulwark_core::{CoverageEntry, CoverageStatus, InputKind, NotInput, Skip};

pub use crate::candidate::Candidate;

use crate::classify::{classify_name, is_config_name, worth_sniffing};
use crate::error::{Error, ErrorKind};

/// The directory a run's names are relative to: the git work tree holding
/// the scanned paths, else the current directory when every path is under
/// it, else the paths' nearest common directory.
///
/// Evidence subjects are named relative to it, symbolic links may not
/// leave it, and the configuration is read from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    path: PathBuf,
    repository: bool,
}

impl Root {
    /// The root of a run over `paths` (`-`, standard input, aside).
    pub fn of(paths: &[PathBuf]) -> Root {
        let cwd = std::env::current_dir()
            .and_then(|d| d.canonicalize())
            .unwrap_or_else(|_| PathBuf::from("/"));
        let mut tops = Vec::new();
        let mut repositories = Vec::new();
        let named: Vec<&PathBuf> = paths.iter().filter(|p| p.as_os_str() != "-").collect();
        let anchors: Vec<PathBuf> = if named.is_empty() {
            vec![cwd.clone()]
        } else {
            named.iter().map(|p| anchor(p)).collect()
        };
        for dir in anchors {
            match tree::work_tree(&dir) {
                Some(work_tree) => {
                    repositories.push(work_tree.clone());
                    tops.push(work_tree);
                }
                None if dir.starts_with(&cwd) => tops.push(cwd.clone()),
                None => tops.push(dir),
            }
        }
        let mut path = tops.first().cloned().unwrap_or_else(|| cwd.clone());
        for top in &tops[1..] {
            while !top.starts_with(&path) {
                if !path.pop() {
                    break;
                }
            }
        }
        let repository =
            repositories.len() == tops.len() && repositories.iter().all(|r| *r == path);
        Root { path, repository }
    }

    /// A root at `path` (made absolute and canonical when it exists).
    pub fn at(path: &Path) -> Root {
        let path = path
            .canonicalize()
            .or_else(|_| std::path::absolute(path))
            .unwrap_or_else(|_| path.to_path_buf());
        let repository = tree::work_tree(&path).is_some_and(|w| w == path);
        Root { path, repository }
    }

    /// The root directory, absolute and canonical.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns true if and only if the root is a git work tree.
    pub fn is_repository(&self) -> bool {
        self.repository
    }

    /// `path`'s name relative to the root, `/`-separated, keeping its last
    /// component as written (a symbolic link keeps its own name); `None`
    /// when it is not under the root.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let absolute = std::path::absolute(path).ok()?;
        let resolved = match (absolute.parent(), absolute.file_name()) {
            (Some(parent), Some(name)) => parent.canonicalize().ok()?.join(name),
            _ => absolute.canonicalize().ok()?,
        };
        let rel = resolved.strip_prefix(&self.path).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }
}

/// The directory a path is judged from: itself when it is a directory,
/// else its parent, canonical when possible.
fn anchor(path: &Path) -> PathBuf {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    dir.canonicalize()
        .or_else(|_| std::path::absolute(&dir))
        .unwrap_or(dir)
}

/// A configuration `exclude` pattern that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    /// The pattern as written.
    pub pattern: String,
    /// The configuration file that holds it, as shown.
    pub config: String,
}

/// Decides whether a root-relative path (a directory when the flag is
/// set) is excluded by the configuration.
pub type Exclude<'a> = &'a dyn Fn(&str, bool) -> Option<Exclusion>;

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// Also take untracked files that git ignores (`--no-ignore`).
    pub include_ignored: bool,
    /// The configuration file this run applies (canonical path), so that
    /// it is accounted as such and any other one as not applied.
    pub config: Option<PathBuf>,
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// The files (and chart directories) to load, sorted by name.
    pub candidates: Vec<Candidate>,
    /// What discovery alone decided: files that are not inputs by name,
    /// exclusions and skips. Loading the candidates completes the account.
    pub account: Vec<CoverageEntry>,
    /// Paths named on the command line that cannot be scanned.
    pub errors: Vec<Error>,
}

pub(crate) fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    if s.is_empty() {
        ".".to_owned()
    } else {
        s.to_owned()
    }
}

/// `prefix/name`, without a leading `./`.
pub(crate) fn join_display(prefix: &str, name: &str) -> String {
    if prefix.is_empty() || prefix == "." {
        name.to_owned()
    } else {
        format!("{}/{name}", prefix.trim_end_matches('/'))
    }
}

impl Discovery {
    /// Every candidate under `paths`, in name order, with the account of
    /// what is not a candidate and the errors of named paths that cannot
    /// be scanned.
    pub fn discover(&self, root: &Root, paths: &[PathBuf], exclude: Exclude<'_>) -> Discovered {
        let mut walk = tree::Walk::new(self, root, exclude);
        for path in paths.iter().filter(|p| p.as_os_str() != "-") {
            walk.named(path);
        }
        let mut found = walk.finish();
        charts(&mut found);
        found.candidates.sort_by(|a, b| a.display.cmp(&b.display));
        found.candidates.dedup_by(|a, b| a.display == b.display);
        found.account.sort_by(|a, b| a.path.cmp(&b.path));
        found.account.dedup_by(|a, b| a.path == b.path);
        found
    }
}

/// What a walked (not named) file is before it is read: a candidate, or
/// an entry of the account.
pub(crate) fn walked_file(
    discovery: &Discovery,
    candidate: Candidate,
    canonical: Option<&Path>,
) -> Result<Candidate, CoverageEntry> {
    let name = candidate
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let not_input = |reason| CoverageEntry {
        path: candidate.display.clone(),
        relative: candidate.relative.clone(),
        status: CoverageStatus::NotInput { reason },
        target: candidate.target.clone(),
    };
    if is_config_name(&name) {
        let applied = discovery.config.is_some() && discovery.config.as_deref() == canonical;
        return Err(not_input(if applied {
            NotInput::Configuration
        } else {
            NotInput::ConfigurationIgnored
        }));
    }
    if candidate.kind.is_none() && !worth_sniffing(&name) {
        return Err(not_input(NotInput::Unrecognised));
    }
    Ok(candidate)
}

/// A named path that cannot be scanned.
pub(crate) fn named_error(display: &str, kind: ErrorKind) -> Error {
    Error::whole(display, kind)
}

/// A skip in the account.
pub(crate) fn skipped(
    display: String,
    relative: Option<String>,
    reason: Skip,
    target: Option<String>,
) -> CoverageEntry {
    CoverageEntry {
        path: display,
        relative,
        status: CoverageStatus::Skipped { reason },
        target,
    }
}

/// Charts: a directory holding `Chart.yaml` is scanned by rendering it; its
/// templates and `Chart.yaml` are accounted as parts of it.
fn charts(found: &mut Discovered) {
    let charts: Vec<(String, PathBuf, Option<String>)> = found
        .candidates
        .iter()
        .filter(|c| !c.explicit && c.path.file_name().is_some_and(|n| n == "Chart.yaml"))
        .filter_map(|c| {
            let dir = c.path.parent()?.to_path_buf();
            let display = c
                .display
                .strip_suffix("/Chart.yaml")
                .unwrap_or(".")
                .to_owned();
            let relative = c.relative.as_deref().map(|r| {
                r.strip_suffix("Chart.yaml")
                    .unwrap_or("")
                    .trim_end_matches('/')
                    .to_owned()
            });
            Some((display, dir, relative))
        })
        .collect();
    if charts.is_empty() {
        return;
    }
    let part_of_chart = |c: &Candidate| {
        charts.iter().any(|(_, dir, _)| {
            c.path == dir.join("Chart.yaml") || c.path.starts_with(dir.join("templates"))
        })
    };
    let (parts, rest): (Vec<Candidate>, Vec<Candidate>) = std::mem::take(&mut found.candidates)
        .into_iter()
        .partition(|c| !c.explicit && part_of_chart(c));
    found.candidates = rest;
    found
        .account
        .extend(parts.into_iter().map(|c| CoverageEntry {
            path: c.display,
            relative: c.relative,
            status: CoverageStatus::NotInput {
                reason: NotInput::ChartPart,
            },
            target: c.target,
        }));
    found.candidates.extend(
        charts
            .into_iter()
            .map(|(display, path, relative)| Candidate {
                display,
                path,
                relative,
                kind: Some(InputKind::Kubernetes),
                explicit: false,
                chart: true,
                chart_template: false,
                target: None,
            }),
    );
}

/// Returns true if and only if `path` lies under a `templates/` directory
/// of a Helm chart (a directory holding `Chart.yaml`).
pub(crate) fn in_chart_templates(path: &Path) -> bool {
    let Ok(absolute) = std::path::absolute(path) else {
        return false;
    };
    absolute.ancestors().skip(1).any(|dir| {
        dir.file_name().is_some_and(|n| n == "templates")
            && dir.parent().is_some_and(|p| p.join("Chart.yaml").is_file())
    })
}

/// The kind a named file's name gives.
pub(crate) fn named_kind(path: &Path) -> Option<InputKind> {
    path.file_name()
        .map(|n| n.to_string_lossy())
        .and_then(|n| classify_name(&n))
}
