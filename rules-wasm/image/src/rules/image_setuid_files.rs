//! `image-setuid-files`: Setuid and setgid files in the image.

use bulwark_sdk::Findings;
use bulwark_sdk::image::Image;
use bulwark_sdk::{Check, Rule, Severity};

use super::made_by;

/// The rule.
pub const RULE: Rule = Rule {
    id: "image-setuid-files",
    title: "Setuid or setgid file in the image",
    severity: Severity::Medium,
    controls: &["CIS-Docker 4.8"],
    remediation: "Remove the setuid and setgid bits in the Dockerfile (`RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`), or remove the file; keep only those the application needs.",
    explanation: include_str!("image_setuid_files.md"),
    check: Check::Image {
        reads: &[],
        check: setuid,
    },
};

/// Whether `path` matches `pattern`, component by component, `*` standing
/// for any part of one component.
fn glob(pattern: &str, path: &str) -> bool {
    let (p, t): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == t.len() && p.iter().zip(&t).all(|(p, t)| component(p, t))
}

fn component(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => text.strip_prefix(head).is_some_and(|rest| {
            (0..=rest.len())
                .filter(|&i| rest.is_char_boundary(i))
                .any(|i| component(tail, &rest[i..]))
        }),
    }
}

/// CIS 4.8: every regular file of the final filesystem with the setuid or
/// setgid bit, named with the layer that wrote it.
fn setuid(image: &Image<'_>, out: &mut Findings) {
    let allowed = image.setuid_allowed();
    for file in image.files() {
        let mode = file.mode();
        if file.kind() != "file" || mode & 0o6000 == 0 {
            continue;
        }
        if allowed.iter().any(|pattern| glob(pattern, file.path())) {
            continue;
        }
        let bits = match (mode & 0o4000 != 0, mode & 0o2000 != 0) {
            (true, true) => "setuid and setgid",
            (true, false) => "setuid",
            _ => "setgid",
        };
        out.report(
            file.at.pointer(),
            format!(
                "`{}` is {bits} (mode {:o}), from {}",
                file.path(),
                mode & 0o7777,
                made_by(image, file.layer())
            ),
        );
    }
}
