//! `image-ssh`: An SSH server in the image.

use bulwark_sdk::Findings;
use bulwark_sdk::image::Image;
use bulwark_sdk::{Check, Rule, Severity};

use super::made_by;

/// The rule.
pub const RULE: Rule = Rule {
    id: "image-ssh",
    title: "SSH server in the image",
    severity: Severity::Medium,
    controls: &["CIS-Docker 5.7"],
    remediation: "Remove the SSH server from the image and do not expose port 22; use `docker exec` / `kubectl exec` (or `kubectl debug`) to get into a container.",
    explanation: include_str!("image_ssh.md"),
    check: Check::Image {
        reads: &[],
        check: ssh,
    },
};

/// SSH server binaries, wherever a distribution puts them.
const SERVERS: [&str; 5] = [
    "/usr/sbin/sshd",
    "/sbin/sshd",
    "/usr/bin/sshd",
    "/usr/sbin/dropbear",
    "/usr/bin/dropbear",
];

/// CIS 5.7 (run no SSH server in a container), judged where it is
/// decided: an SSH server binary in the final filesystem, or port 22
/// exposed by the configuration.
fn ssh(image: &Image<'_>, out: &mut Findings) {
    for file in image.files() {
        if SERVERS.contains(&file.path()) && matches!(file.kind(), "file" | "hardlink" | "symlink")
        {
            out.report(
                file.at.pointer(),
                format!(
                    "the image ships an SSH server, `{}`, from {}",
                    file.path(),
                    made_by(image, file.layer())
                ),
            );
        }
    }
    let ports = image
        .config_field("ExposedPorts")
        .map(|p| p.entries())
        .unwrap_or_default();
    for (port, at) in ports {
        if port == "22" || port == "22/tcp" {
            out.report(at.pointer(), format!("the image exposes port {port} (SSH)"));
        }
    }
}
