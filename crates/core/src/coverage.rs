//! The coverage account: what became of every file a run was asked to
//! look at.
//!
//! A pass means something only if every input was scanned or deliberately
//! left out. Each candidate file ends as exactly one [`CoverageStatus`]:
//! scanned, an input that failed to parse, not an input (and why), excluded
//! by the configuration (by which pattern of which file), or skipped (too
//! large, a special file, a symbolic link leaving the root, …). Reports list
//! the account and the evidence records it; `verify` compares it with a
//! checkout. This module only holds the data; discovery and loading fill
//! it in.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::InputKind;

/// What became of one file (or directory, for a skipped or excluded tree).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageEntry {
    /// The name as reported (the path as given or walked, `/`-separated).
    pub path: String,
    /// Root-relative name with `/` separators, when the entry is under the
    /// run's root (the form evidence subjects take).
    #[serde(skip)]
    pub relative: Option<String>,
    /// What became of it.
    #[serde(flatten)]
    pub status: CoverageStatus,
    /// For a symbolic link: where it points, root-relative when inside the
    /// root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// What became of a candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum CoverageStatus {
    /// Read, parsed and evaluated.
    Scanned {
        /// The kind of its documents.
        kind: InputKind,
        /// How many documents it held.
        documents: usize,
    },
    /// An input that could not be read or parsed (its errors are reported;
    /// documents parsed before or after a bad one are still scanned).
    Error {
        /// Its kind, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        kind: Option<InputKind>,
        /// Documents that were scanned all the same.
        documents: usize,
    },
    /// Looked at and found not to be an input bulwark scans.
    NotInput {
        /// Why.
        reason: NotInput,
    },
    /// Left out by the configuration's `exclude`.
    Excluded {
        /// The pattern that matched.
        pattern: String,
        /// The configuration file that holds it.
        config: String,
    },
    /// Not scanned, for a reason the user must know.
    Skipped {
        /// Why.
        #[serde(flatten)]
        reason: Skip,
    },
}

/// Why a file is not an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotInput {
    /// Neither its name nor its content makes it a Dockerfile, Compose file,
    /// Kubernetes manifest or Helm values file.
    Unrecognised,
    /// Part of a Helm chart (`Chart.yaml`, a template): scanned by
    /// rendering the chart.
    ChartPart,
    /// The configuration file this run applies.
    Configuration,
    /// A configuration file deeper than the root: never applied, so that a
    /// subdirectory cannot change how the repository is judged.
    ConfigurationIgnored,
}

impl NotInput {
    /// A stable kebab-case code.
    pub fn code(self) -> &'static str {
        match self {
            NotInput::Unrecognised => "unrecognised",
            NotInput::ChartPart => "chart-part",
            NotInput::Configuration => "configuration",
            NotInput::ConfigurationIgnored => "configuration-ignored",
        }
    }
}

impl fmt::Display for NotInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotInput::Unrecognised => "not a Dockerfile, Compose file, Kubernetes manifest or Helm values file",
            NotInput::ChartPart => "part of a Helm chart, scanned by rendering the chart",
            NotInput::Configuration => "bulwark's configuration for this run",
            NotInput::ConfigurationIgnored => {
                "a bulwark configuration below the root: not applied (only the root's configuration or --config is)"
            }
        })
    }
}

/// Why a file was skipped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "reason", content = "detail")]
pub enum Skip {
    /// Larger than the size limit, and not recognisable as an input by its
    /// name (an input by name that is too large is an input error).
    TooLarge,
    /// A FIFO, socket or device: reading it could block or never end.
    SpecialFile(SpecialFile),
    /// A symbolic link whose target is outside the root.
    SymlinkOutsideRoot,
    /// A symbolic link that leads back into itself.
    SymlinkLoop,
    /// A symbolic link to nothing.
    DanglingSymlink,
    /// Untracked and ignored by git (`.gitignore`, `info/exclude`,
    /// `core.excludesFile`); tracked files are never ignored.
    GitIgnored,
    /// Tracked by git but absent from the working tree (deleted, or outside
    /// a sparse checkout).
    NotCheckedOut,
    /// A git submodule whose working tree is not there.
    SubmoduleNotCheckedOut,
    /// A Helm chart that was not rendered.
    NotRendered,
    /// Not reached: the run stopped at the first blocking finding
    /// (`--fail-fast`).
    Stopped,
    /// The Dockerfile an image's history records, when the image cannot
    /// be read (its own input error says why).
    ImageUnreadable,
}

impl Skip {
    /// A stable kebab-case code.
    pub fn code(&self) -> &'static str {
        match self {
            Skip::TooLarge => "too-large",
            Skip::SpecialFile(_) => "special-file",
            Skip::SymlinkOutsideRoot => "symlink-outside-root",
            Skip::SymlinkLoop => "symlink-loop",
            Skip::DanglingSymlink => "dangling-symlink",
            Skip::GitIgnored => "git-ignored",
            Skip::NotCheckedOut => "not-checked-out",
            Skip::SubmoduleNotCheckedOut => "submodule-not-checked-out",
            Skip::NotRendered => "not-rendered",
            Skip::Stopped => "stopped",
            Skip::ImageUnreadable => "image-unreadable",
        }
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::TooLarge => f.write_str("larger than the size limit, and not an input by name"),
            Skip::SpecialFile(what) => write!(f, "a {what}, not a regular file"),
            Skip::SymlinkOutsideRoot => f.write_str("a symbolic link to a path outside the root"),
            Skip::SymlinkLoop => f.write_str("a symbolic link that loops"),
            Skip::DanglingSymlink => f.write_str("a symbolic link to nothing"),
            Skip::GitIgnored => f.write_str("untracked and ignored by git"),
            Skip::NotCheckedOut => f.write_str("tracked by git but not in the working tree"),
            Skip::SubmoduleNotCheckedOut => f.write_str("a git submodule that is not checked out"),
            Skip::NotRendered => f.write_str("a Helm chart that was not rendered"),
            Skip::Stopped => {
                f.write_str("not reached: the run stopped at the first blocking finding")
            }
            Skip::ImageUnreadable => {
                f.write_str("the image's history, which cannot be read (see the image's error)")
            }
        }
    }
}

/// A file that is neither regular nor a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpecialFile {
    /// A named pipe.
    Fifo,
    /// A Unix domain socket.
    Socket,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// Anything else that is not a file or directory.
    Other,
}

impl fmt::Display for SpecialFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpecialFile::Fifo => "FIFO (named pipe)",
            SpecialFile::Socket => "socket",
            SpecialFile::CharDevice => "character device",
            SpecialFile::BlockDevice => "block device",
            SpecialFile::Other => "special file",
        })
    }
}

impl CoverageStatus {
    /// The status's kebab-case name, as serialised.
    pub fn name(&self) -> &'static str {
        match self {
            CoverageStatus::Scanned { .. } => "scanned",
            CoverageStatus::Error { .. } => "error",
            CoverageStatus::NotInput { .. } => "not-input",
            CoverageStatus::Excluded { .. } => "excluded",
            CoverageStatus::Skipped { .. } => "skipped",
        }
    }
}

/// How many entries of each status an account holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageCounts {
    /// Scanned inputs.
    pub scanned: usize,
    /// Inputs with errors.
    pub errors: usize,
    /// Files that are not inputs.
    pub not_input: usize,
    /// Entries the configuration excluded.
    pub excluded: usize,
    /// Entries skipped.
    pub skipped: usize,
}

impl CoverageCounts {
    /// Counts `entries`.
    pub fn of(entries: &[CoverageEntry]) -> CoverageCounts {
        let mut counts = CoverageCounts::default();
        for e in entries {
            match e.status {
                CoverageStatus::Scanned { .. } => counts.scanned += 1,
                CoverageStatus::Error { .. } => counts.errors += 1,
                CoverageStatus::NotInput { .. } => counts.not_input += 1,
                CoverageStatus::Excluded { .. } => counts.excluded += 1,
                CoverageStatus::Skipped { .. } => counts.skipped += 1,
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_flat_with_kebab_case_codes() {
        let entries = [
            CoverageEntry {
                path: "a/Dockerfile".into(),
                relative: None,
                status: CoverageStatus::Scanned {
                    kind: InputKind::Dockerfile,
                    documents: 1,
                },
                target: None,
            },
            CoverageEntry {
                path: "pipe".into(),
                relative: None,
                status: CoverageStatus::Skipped {
                    reason: Skip::SpecialFile(SpecialFile::Fifo),
                },
                target: None,
            },
            CoverageEntry {
                path: "docker-compose.yml".into(),
                relative: None,
                status: CoverageStatus::Skipped {
                    reason: Skip::SymlinkOutsideRoot,
                },
                target: Some("/etc/compose.yml".into()),
            },
        ];
        let json = serde_json_like(&entries);
        assert_eq!(
            json,
            [
                r#"{"path":"a/Dockerfile","status":"scanned","kind":"dockerfile","documents":1}"#,
                r#"{"path":"pipe","status":"skipped","reason":"special-file","detail":"fifo"}"#,
                r#"{"path":"docker-compose.yml","status":"skipped","reason":"symlink-outside-root","target":"/etc/compose.yml"}"#,
            ]
        );
        let counts = CoverageCounts::of(&entries);
        assert_eq!((counts.scanned, counts.skipped), (1, 2));
        for (entry, text) in entries.iter().zip(&json) {
            let back: CoverageEntry = serde_json::from_str(text).expect("reads back");
            assert_eq!(back.status, entry.status);
        }
    }

    fn serde_json_like(entries: &[CoverageEntry]) -> Vec<String> {
        entries
            .iter()
            .map(|e| serde_json::to_string(e).expect("serialises"))
            .collect()
    }
}
