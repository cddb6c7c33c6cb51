//! Walking directories the way git sees them.
//!
//! Inside a work tree, a directory's candidates are the index's entries
//! under it (tracked files, whatever `.gitignore` says) and the untracked
//! files on disk that git's exclude rules (`.gitignore` files,
//! `info/exclude`, `core.excludesFile`) do not ignore; ignored directories
//! are not entered, and listed. Submodules that are checked out, and other
//! repositories nested inside, are walked as repositories of their own.
//! Outside any work tree every file is a candidate.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use bulwark_core::{CoverageEntry, CoverageStatus, Skip};
use gix::index::entry::{Flags, Mode};
use gix::worktree::stack::state::ignore::Source;

use super::{
    Candidate, Discovered, Discovery, Exclude, Exclusion, Root, display, in_chart_templates,
    join_display, named_error, named_kind, skipped, walked_file,
};
use crate::classify::{classify_name, is_config_name};
use crate::error::ErrorKind;
use crate::fs::special;

/// The canonical work tree of the git repository `dir` is in, if any.
/// Found by looking upwards for the repository, without opening it (its
/// configuration, references and object database), which took most of a
/// one-file scan's discovery; only a directory that looks like a bare
/// repository, whose configuration may still name a work tree, is opened.
pub(super) fn work_tree(dir: &Path) -> Option<PathBuf> {
    let (path, _trust) = gix::discover::upwards(dir).ok()?;
    let work_dir = match path {
        gix::discover::repository::Path::WorkTree(work_dir)
        | gix::discover::repository::Path::LinkedWorkTree { work_dir, .. } => work_dir,
        gix::discover::repository::Path::Repository(_) => {
            gix::discover(dir).ok()?.workdir()?.to_path_buf()
        }
    };
    work_dir.canonicalize().ok()
}

/// An opened repository and its index's paths.
struct Repo {
    repo: gix::Repository,
    index: gix::worktree::Index,
    /// Stage-0 (or first-stage) entries: path (work-tree relative, `/`),
    /// mode, whether the work tree skips it. Sorted by path.
    entries: Vec<(String, Mode, bool)>,
}

impl Repo {
    fn open(work_tree: &Path) -> Option<Repo> {
        let repo = gix::open(work_tree).ok()?;
        let index = repo.index_or_empty().ok()?;
        let mut entries: Vec<(String, Mode, bool)> = index
            .entries()
            .iter()
            .map(|e| {
                (
                    String::from_utf8_lossy(e.path(&index)).into_owned(),
                    e.mode,
                    e.flags.contains(Flags::SKIP_WORKTREE),
                )
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        // Conflicted paths have one entry per stage: one is enough.
        entries.dedup_by(|a, b| a.0 == b.0);
        Some(Repo {
            repo,
            index,
            entries,
        })
    }

    /// The entries under `dir` (work-tree relative, `""` for the whole
    /// tree).
    fn under(&self, dir: &str) -> &[(String, Mode, bool)] {
        if dir.is_empty() {
            return &self.entries;
        }
        let prefix = format!("{dir}/");
        let start = self
            .entries
            .partition_point(|e| e.0.as_str() < prefix.as_str());
        let len = self.entries[start..]
            .iter()
            .take_while(|e| e.0.starts_with(&prefix))
            .count();
        &self.entries[start..start + len]
    }

    fn entry(&self, path: &str) -> Option<&(String, Mode, bool)> {
        self.entries
            .binary_search_by(|e| e.0.as_str().cmp(path))
            .ok()
            .map(|i| &self.entries[i])
    }
}

/// Where a symbolic link leads.
enum Resolved {
    File(PathBuf),
    Dir(PathBuf),
    Special(bulwark_core::SpecialFile),
}

/// One discovery in progress.
pub(super) struct Walk<'a> {
    discovery: &'a Discovery,
    root: &'a Root,
    exclude: Exclude<'a>,
    out: Discovered,
    repos: HashMap<PathBuf, Option<Rc<Repo>>>,
    /// Canonical directories being walked: a link back into one loops.
    active: Vec<PathBuf>,
}

/// A path being walked: how to reach it, and its names.
#[derive(Clone)]
struct At {
    path: PathBuf,
    display: String,
    relative: Option<String>,
}

impl At {
    fn child(&self, name: &str) -> At {
        At {
            path: self.path.join(name),
            display: join_display(&self.display, name),
            relative: self.relative.as_deref().map(|r| {
                if r.is_empty() {
                    name.to_owned()
                } else {
                    format!("{r}/{name}")
                }
            }),
        }
    }
}

impl<'a> Walk<'a> {
    pub(super) fn new(discovery: &'a Discovery, root: &'a Root, exclude: Exclude<'a>) -> Walk<'a> {
        Walk {
            discovery,
            root,
            exclude,
            out: Discovered::default(),
            repos: HashMap::new(),
            active: Vec::new(),
        }
    }

    pub(super) fn finish(self) -> Discovered {
        self.out
    }

    fn repo(&mut self, work_tree: &Path) -> Option<Rc<Repo>> {
        self.repos
            .entry(work_tree.to_path_buf())
            .or_insert_with(|| Repo::open(work_tree).map(Rc::new))
            .clone()
    }

    /// The exclusion that covers `relative` (or a directory above it).
    fn excluded(&self, relative: Option<&str>, is_dir: bool) -> Option<Exclusion> {
        let relative = relative?;
        (self.exclude)(relative, is_dir)
    }

    fn exclude_entry(&mut self, at: &At, exclusion: Exclusion) {
        self.out.account.push(CoverageEntry {
            path: at.display.clone(),
            relative: at.relative.clone(),
            status: CoverageStatus::Excluded {
                pattern: exclusion.pattern,
                config: exclusion.config,
            },
            target: None,
        });
    }

    /// A path named on the command line.
    pub(super) fn named(&mut self, path: &Path) {
        let at = At {
            path: path.to_path_buf(),
            display: display(path),
            relative: self.root.relative(path),
        };
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.out
                    .errors
                    .push(named_error(&at.display, ErrorKind::Io(e)));
                return;
            }
        };
        if let Some(exclusion) = self.excluded(at.relative.as_deref(), meta.is_dir()) {
            self.out.errors.push(named_error(
                &at.display,
                ErrorKind::Excluded {
                    pattern: exclusion.pattern,
                    config: exclusion.config,
                },
            ));
            return;
        }
        let kind = meta.file_type();
        if kind.is_symlink() {
            match self.resolve(path) {
                Err(e) => self.out.errors.push(named_error(&at.display, e)),
                Ok(Resolved::File(target)) => {
                    let target = self.root_relative(&target);
                    self.push_named(&at, target);
                }
                Ok(Resolved::Dir(target)) => self.dir(&at, &target, true),
                Ok(Resolved::Special(s)) => self
                    .out
                    .errors
                    .push(named_error(&at.display, ErrorKind::SpecialFile(s))),
            }
        } else if kind.is_file() {
            self.push_named(&at, None);
        } else if kind.is_dir() {
            match path.canonicalize() {
                Ok(canonical) => self.dir(&at, &canonical, true),
                Err(e) => self
                    .out
                    .errors
                    .push(named_error(&at.display, ErrorKind::Io(e))),
            }
        } else {
            self.out.errors.push(named_error(
                &at.display,
                ErrorKind::SpecialFile(special(&kind)),
            ));
        }
    }

    fn push_named(&mut self, at: &At, target: Option<String>) {
        self.out.candidates.push(Candidate {
            path: at.path.clone(),
            display: at.display.clone(),
            relative: at.relative.clone(),
            kind: named_kind(&at.path),
            explicit: true,
            chart: false,
            chart_template: in_chart_templates(&at.path),
            target,
        });
    }

    fn root_relative(&self, canonical: &Path) -> Option<String> {
        let rel = canonical.strip_prefix(self.root.path()).ok()?;
        Some(
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/"),
        )
    }

    /// Where the link at `path` leads, if it stays inside the root.
    fn resolve(&self, path: &Path) -> Result<Resolved, ErrorKind> {
        let target = path.canonicalize().map_err(|e| {
            if e.raw_os_error() == Some(libc_eloop()) {
                ErrorKind::SymlinkLoop
            } else if e.kind() == std::io::ErrorKind::NotFound {
                ErrorKind::DanglingSymlink
            } else {
                ErrorKind::Io(e)
            }
        })?;
        if !target.starts_with(self.root.path()) {
            return Err(ErrorKind::SymlinkOutsideRoot {
                root: display(self.root.path()),
            });
        }
        let meta = std::fs::metadata(&target).map_err(ErrorKind::Io)?;
        Ok(if meta.is_file() {
            Resolved::File(target)
        } else if meta.is_dir() {
            Resolved::Dir(target)
        } else {
            Resolved::Special(special(&meta.file_type()))
        })
    }

    /// A walked symbolic link.
    fn link(&mut self, at: &At) {
        let written = std::fs::read_link(&at.path)
            .map(|t| t.to_string_lossy().into_owned())
            .ok();
        match self.resolve(&at.path) {
            Ok(Resolved::File(target)) => {
                let target = self.root_relative(&target);
                self.file(at, target);
            }
            Ok(Resolved::Dir(target)) => {
                if self.active.iter().any(|a| a.starts_with(&target)) {
                    self.skip(at, Skip::SymlinkLoop, written);
                } else {
                    self.dir(at, &target, false);
                }
            }
            Ok(Resolved::Special(s)) => self.skip(at, Skip::SpecialFile(s), written),
            Err(ErrorKind::SymlinkLoop) => self.skip(at, Skip::SymlinkLoop, written),
            Err(ErrorKind::DanglingSymlink) => self.skip(at, Skip::DanglingSymlink, written),
            Err(ErrorKind::SymlinkOutsideRoot { .. }) => {
                let target = at.path.canonicalize().ok().map(|t| display(&t)).or(written);
                self.skip(at, Skip::SymlinkOutsideRoot, target);
            }
            Err(e) => self.out.errors.push(named_error(&at.display, e)),
        }
    }

    fn skip(&mut self, at: &At, reason: Skip, target: Option<String>) {
        self.out.account.push(skipped(
            at.display.clone(),
            at.relative.clone(),
            reason,
            target,
        ));
    }

    /// A walked regular file (or a link to one).
    fn file(&mut self, at: &At, target: Option<String>) {
        let name = at
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let candidate = Candidate {
            path: at.path.clone(),
            display: at.display.clone(),
            relative: at.relative.clone(),
            kind: classify_name(&name),
            explicit: false,
            chart: false,
            chart_template: false,
            target,
        };
        let canonical = is_config_name(&name)
            .then(|| at.path.canonicalize().ok())
            .flatten();
        match walked_file(self.discovery, candidate, canonical.as_deref()) {
            Ok(c) => self.out.candidates.push(c),
            Err(entry) => self.out.account.push(entry),
        }
    }

    /// A walked entry that is not a directory.
    fn leaf(&mut self, at: &At, kind: std::fs::FileType) {
        if kind.is_symlink() {
            self.link(at);
        } else if kind.is_file() {
            self.file(at, None);
        } else {
            self.skip(at, Skip::SpecialFile(special(&kind)), None);
        }
    }

    /// Walks the directory `at`, whose real path is `canonical`.
    fn dir(&mut self, at: &At, canonical: &Path, named: bool) {
        self.active.push(canonical.to_path_buf());
        match work_tree(canonical).and_then(|w| Some((self.repo(&w)?, w))) {
            Some((repo, work_tree)) => {
                let rel = canonical
                    .strip_prefix(&work_tree)
                    .map(|r| {
                        r.components()
                            .map(|c| c.as_os_str().to_string_lossy().into_owned())
                            .collect::<Vec<_>>()
                            .join("/")
                    })
                    .unwrap_or_default();
                self.git(&repo, &rel, at, named);
            }
            None => self.plain(at),
        }
        self.active.pop();
    }

    /// A directory outside any work tree: every file.
    fn plain(&mut self, at: &At) {
        for (name, kind) in self.list(at) {
            if name == ".git" {
                continue;
            }
            let child = at.child(&name);
            if let Some(exclusion) = self.excluded(child.relative.as_deref(), kind.is_dir()) {
                self.exclude_entry(&child, exclusion);
                continue;
            }
            if kind.is_dir() {
                if child.path.join(".git").exists() {
                    // A repository inside: walked as one.
                    match child.path.canonicalize() {
                        Ok(c) => self.dir(&child, &c, false),
                        Err(e) => self
                            .out
                            .errors
                            .push(named_error(&child.display, ErrorKind::Io(e))),
                    }
                } else {
                    self.plain(&child);
                }
            } else {
                self.leaf(&child, kind);
            }
        }
    }

    /// A directory's entries, sorted by name. An unreadable directory is an
    /// input error: what is in it cannot be accounted for.
    fn list(&mut self, at: &At) -> Vec<(String, std::fs::FileType)> {
        let entries = match std::fs::read_dir(&at.path) {
            Ok(entries) => entries,
            Err(e) => {
                self.out
                    .errors
                    .push(named_error(&at.display, ErrorKind::ReadDir(e)));
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for entry in entries {
            match entry.and_then(|e| Ok((e.file_name(), e.file_type()?))) {
                Ok((name, kind)) => out.push((name.to_string_lossy().into_owned(), kind)),
                Err(e) => self
                    .out
                    .errors
                    .push(named_error(&at.display, ErrorKind::ReadDir(e))),
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// A directory `rel` (work-tree relative) of `repo`.
    fn git(&mut self, repo: &Rc<Repo>, rel: &str, at: &At, named: bool) {
        let Ok(mut excludes) =
            repo.repo
                .excludes(&repo.index, None, Source::WorktreeThenIdMappingIfNotSkipped)
        else {
            return self.plain(at);
        };
        let mut ignored = |path: &str, dir: bool| -> bool {
            excludes
                .at_path(path, dir.then_some(Mode::DIR))
                .is_ok_and(|p| p.is_excluded())
        };
        // A directory the user named is scanned even when git ignores it
        // (a build output, a temporary directory): as a plain directory
        // when git tracks nothing in it.
        if named
            && !self.discovery.include_ignored
            && !rel.is_empty()
            && ignored(rel, true)
            && repo.under(rel).is_empty()
        {
            return self.plain(at);
        }
        // Tracked files first, whatever git's ignore rules say.
        let strip = if rel.is_empty() { 0 } else { rel.len() + 1 };
        let mut covered: Vec<String> = Vec::new();
        for (path, mode, skip_worktree) in repo.under(rel) {
            let sub = &path[strip..];
            let child = sub.split('/').fold(at.clone(), |a, part| a.child(part));
            match self.collapsed_exclusion(at, sub, &mut covered) {
                Excluded::No => {}
                Excluded::Already => continue,
                Excluded::Here(dir_at, exclusion) => {
                    self.exclude_entry(&dir_at, exclusion);
                    continue;
                }
            }
            if *skip_worktree {
                self.skip(&child, Skip::NotCheckedOut, None);
                continue;
            }
            if *mode == Mode::COMMIT {
                if child.path.join(".git").exists() {
                    match child.path.canonicalize() {
                        Ok(c) => self.dir(&child, &c, false),
                        Err(e) => self
                            .out
                            .errors
                            .push(named_error(&child.display, ErrorKind::Io(e))),
                    }
                } else {
                    self.skip(&child, Skip::SubmoduleNotCheckedOut, None);
                }
                continue;
            }
            match std::fs::symlink_metadata(&child.path) {
                Ok(meta) if meta.is_dir() => {} // replaced by a directory: the walk below sees it
                Ok(meta) => self.leaf(&child, meta.file_type()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    self.skip(&child, Skip::NotCheckedOut, None);
                }
                Err(e) => self
                    .out
                    .errors
                    .push(named_error(&child.display, ErrorKind::Io(e))),
            }
        }
        // Then what is on disk and not tracked.
        let include_ignored = self.discovery.include_ignored;
        let mut pending = vec![(rel.to_owned(), at.clone())];
        while let Some((dir_rel, dir_at)) = pending.pop() {
            let mut subdirs = Vec::new();
            for (name, kind) in self.list(&dir_at) {
                if name == ".git" {
                    continue;
                }
                let path = if dir_rel.is_empty() {
                    name.clone()
                } else {
                    format!("{dir_rel}/{name}")
                };
                let child = dir_at.child(&name);
                if kind.is_dir() {
                    if repo.entry(&path).is_some_and(|e| e.1 == Mode::COMMIT) {
                        continue; // a submodule: walked with the tracked files
                    }
                    if !include_ignored && ignored(&path, true) {
                        self.skip(&child, Skip::GitIgnored, None);
                        continue;
                    }
                    if let Some(exclusion) = self.excluded(child.relative.as_deref(), true) {
                        self.exclude_entry(&child, exclusion);
                        continue;
                    }
                    if child.path.join(".git").exists() {
                        match child.path.canonicalize() {
                            Ok(c) => self.dir(&child, &c, false),
                            Err(e) => self
                                .out
                                .errors
                                .push(named_error(&child.display, ErrorKind::Io(e))),
                        }
                        continue;
                    }
                    subdirs.push((path, child));
                    continue;
                }
                if repo.entry(&path).is_some() {
                    continue; // tracked: done above
                }
                if !include_ignored && ignored(&path, false) {
                    self.skip(&child, Skip::GitIgnored, None);
                    continue;
                }
                if let Some(exclusion) = self.excluded(child.relative.as_deref(), false) {
                    self.exclude_entry(&child, exclusion);
                    continue;
                }
                self.leaf(&child, kind);
            }
            // Depth first, in name order.
            pending.extend(subdirs.into_iter().rev());
        }
    }

    /// The exclusion of a tracked file `sub` (relative to the walked
    /// directory `at`), reported once for the highest excluded directory
    /// above it; `covered` remembers directories already reported.
    fn collapsed_exclusion(&self, at: &At, sub: &str, covered: &mut Vec<String>) -> Excluded {
        let parts: Vec<&str> = sub.split('/').collect();
        let mut current = at.clone();
        for (i, part) in parts.iter().enumerate() {
            current = current.child(part);
            let is_dir = i + 1 < parts.len();
            let key = parts[..=i].join("/");
            if covered.contains(&key) {
                return Excluded::Already;
            }
            if let Some(exclusion) = self.excluded(current.relative.as_deref(), is_dir) {
                covered.push(key);
                return Excluded::Here(current, exclusion);
            }
        }
        Excluded::No
    }
}

/// Whether a tracked file is excluded by the configuration.
enum Excluded {
    No,
    /// Under a directory already accounted as excluded.
    Already,
    /// Excluded: account this path (the file or the directory above it).
    Here(At, Exclusion),
}

/// `ELOOP`: too many levels of symbolic links.
fn libc_eloop() -> i32 {
    #[cfg(unix)]
    {
        libc::ELOOP
    }
    #[cfg(not(unix))]
    {
        -1
    }
}

/// Where a work tree's checkout came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GitContext {
    /// The commit checked out.
    pub commit: Option<String>,
    /// The branch (`refs/heads/main`), unless the head is detached.
    pub reference: Option<String>,
    /// `remote.origin.url`, as configured.
    pub remote: Option<String>,
}

/// The commit, branch and origin of the git work tree holding `dir`, read
/// with gix (never by running `git`); `None` outside git or before the
/// first commit.
pub fn git_context(dir: &Path) -> Option<GitContext> {
    let repo = gix::discover(dir).ok()?;
    let commit = repo.head_id().ok().map(|id| id.to_string());
    commit.as_ref()?;
    let reference = repo
        .head_name()
        .ok()
        .flatten()
        .map(|name| name.as_bstr().to_string());
    let remote = repo
        .config_snapshot()
        .string("remote.origin.url")
        .map(|url| url.to_string());
    Some(GitContext {
        commit,
        reference,
        remote,
    })
}
