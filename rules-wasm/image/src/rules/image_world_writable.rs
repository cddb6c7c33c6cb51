//! `image-world-writable`: World-writable files outside temporary
//! directories.

use bulwark_sdk::Findings;
use bulwark_sdk::image::Image;
use bulwark_sdk::{Check, Rule, Severity};

use super::made_by;

/// The rule.
pub const RULE: Rule = Rule {
    id: "image-world-writable",
    title: "World-writable file or directory outside temporary directories",
    severity: Severity::Medium,
    controls: &["CIS-Docker 4.8"],
    remediation: "Remove the write bit for others (`chmod o-w`); a directory every user must write to belongs under /tmp with the sticky bit.",
    explanation: include_str!("image_world_writable.md"),
    check: Check::Image {
        reads: &[],
        check: world_writable,
    },
};

/// Where every user may write by design.
const TEMPORARY: [&str; 4] = ["/tmp", "/var/tmp", "/dev/shm", "/run/lock"];

/// Regular files and directories writable by others, outside temporary
/// directories (links' modes mean nothing; a sticky directory is the
/// temporary-directory idiom wherever it is).
fn world_writable(image: &Image<'_>, out: &mut Findings) {
    for file in image.files() {
        let path = file.path();
        let kind = file.kind();
        let mode = file.mode();
        if mode & 0o002 == 0 || !matches!(kind, "file" | "dir") {
            continue;
        }
        if kind == "dir" && mode & 0o1000 != 0 {
            continue;
        }
        if TEMPORARY
            .iter()
            .any(|t| path == *t || path.strip_prefix(t).is_some_and(|r| r.starts_with('/')))
        {
            continue;
        }
        let what = if kind == "dir" { "directory" } else { "file" };
        out.report(
            file.at.pointer(),
            format!(
                "{what} `{path}` is writable by every user (mode {:o}), from {}",
                mode & 0o7777,
                made_by(image, file.layer())
            ),
        );
    }
}
