//! `image-user-root`: The image runs as root.

use bulwark_sdk::Findings;
use bulwark_sdk::image::Image;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "image-user-root",
    title: "Image runs as root",
    severity: Severity::High,
    controls: &["CIS-Docker 4.1"],
    remediation: "Create an unprivileged user in the image and end the Dockerfile with `USER <name or uid>` (not 0 and not a name that /etc/passwd maps to uid 0).",
    explanation: include_str!("image_user_root.md"),
    check: Check::Image {
        reads: &["/etc/passwd"],
        check: user_root,
    },
};

/// The uid `/etc/passwd` gives `name`, if it lists it.
fn uid_of(passwd: &str, name: &str) -> Option<u64> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next()? == name)
            .then(|| fields.nth(1)?.trim().parse().ok())
            .flatten()
    })
}

/// CIS 4.1: the configured user is root: unset or empty, `root`, `0`, or a
/// name the image's /etc/passwd maps to uid 0 (a group after `:` does not
/// matter).
fn user_root(image: &Image<'_>, out: &mut Findings) {
    let field = image.config_field("User");
    let user = field.as_ref().and_then(|u| u.as_str()).unwrap_or("").trim();
    let name = user.split(':').next().unwrap_or("");
    let why = if name.is_empty() {
        "sets no user, so it runs as root".to_owned()
    } else if name == "root" || name.parse::<u64>().ok() == Some(0) {
        format!("runs as `{user}`, which is root")
    } else if name.parse::<u64>().is_err()
        && image.content("/etc/passwd").and_then(|p| uid_of(p, name)) == Some(0)
    {
        format!("runs as `{user}`, which /etc/passwd maps to uid 0")
    } else {
        return;
    };
    let at = field
        .or_else(|| image.config())
        .map_or_else(String::new, |f| f.pointer());
    out.report(at, format!("the image {why}"));
}
