//! One file (or chart directory) to scan, as discovery found it.

use std::path::PathBuf;

use bulwark_core::InputKind;

/// A file to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Where it is (a symbolic link's own path, when it is one).
    pub path: PathBuf,
    /// The name shown in output (the path as given or walked, without
    /// `./`).
    pub display: String,
    /// The name relative to the run's [`Root`], `/`-separated, when it is
    /// under the root.
    pub relative: Option<String>,
    /// Its kind, when the name gives it; `None` means decide by content.
    pub kind: Option<InputKind>,
    /// True when the user named the file itself.
    pub explicit: bool,
    /// True for a Helm chart directory (it holds `Chart.yaml`): scanned by
    /// rendering it with `helm template`.
    pub chart: bool,
    /// True for a file under a chart's `templates/` named on the command
    /// line: any template syntax in it means it was not rendered.
    pub chart_template: bool,
    /// For a symbolic link, where it points (root-relative).
    pub target: Option<String>,
}
