//! `image-accounts`: Accounts without a password or sharing an id.

use bulwark_sdk::Findings;
use bulwark_sdk::image::Image;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "image-accounts",
    title: "Account without a password, or accounts sharing a uid or gid",
    severity: Severity::High,
    controls: &["CIS-Docker 4.1"],
    remediation: "Lock every account that needs no password (`passwd -l`, or `!` / `*` in /etc/shadow) and give each user and group its own id.",
    explanation: include_str!("image_accounts.md"),
    check: Check::Image {
        reads: &["/etc/passwd", "/etc/shadow", "/etc/group"],
        check: accounts,
    },
};

/// Accounts of the final filesystem: an empty password field in
/// `/etc/shadow` (or in `/etc/passwd` where no shadow entry replaces it),
/// and a uid in `/etc/passwd` or a gid in `/etc/group` that two names
/// share.
fn accounts(image: &Image<'_>, out: &mut Findings) {
    let Some(at) = image.file("/etc/passwd").map(|f| f.at.pointer()) else {
        return;
    };
    let shadow_at = image
        .file("/etc/shadow")
        .map_or_else(|| at.clone(), |f| f.at.pointer());
    let shadow = image.content("/etc/shadow").unwrap_or("");
    let passwd = image.content("/etc/passwd").unwrap_or("");
    // An empty field in /etc/shadow, or in /etc/passwd (where `x` would
    // defer to /etc/shadow): no password at all.
    for (text, place) in [(shadow, &shadow_at), (passwd, &at)] {
        for line in text.lines() {
            let mut f = line.split(':');
            if let (Some(name), Some("")) = (f.next(), f.next())
                && !name.is_empty()
            {
                out.report(
                    place.clone(),
                    format!("account `{name}` has an empty password: anyone can log in as it"),
                );
            }
        }
    }
    for (file, what, text) in [
        (&at, "uid", passwd),
        (
            &image
                .file("/etc/group")
                .map_or_else(|| at.clone(), |f| f.at.pointer()),
            "gid",
            image.content("/etc/group").unwrap_or(""),
        ),
    ] {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split(':').collect();
            let (Some(name), Some(id)) = (f.first(), f.get(2)) else {
                continue;
            };
            if name.is_empty() || id.is_empty() {
                continue;
            }
            if let Some((first, _)) = seen.iter().find(|(_, i)| i == id) {
                out.report(
                    file.clone(),
                    format!("`{name}` and `{first}` share {what} {id}"),
                );
            } else {
                seen.push((name, id));
            }
        }
    }
}
