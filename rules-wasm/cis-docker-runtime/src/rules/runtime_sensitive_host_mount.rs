//! `runtime-sensitive-host-mount`: Sensitive host directory mounted.

use crate::compose::{each, via};
use crate::host::is_sensitive_host_path;
use crate::kubernetes::host_paths;
use crate::kubernetes::pod;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::compose::MountKind;
use bulwark_sdk::kubernetes::Object;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-sensitive-host-mount",
    title: "Sensitive host directory mounted",
    severity: Severity::High,
    controls: &["CIS-Docker 5.6"],
    remediation: "Mount only application data directories. Never mount the host root, `/etc`, `/proc`, `/sys`, `/boot`, `/dev`, `/usr`, `/lib`, `/root` or the container runtime's state.",
    explanation: include_str!("runtime_sensitive_host_mount.md"),
    check: Check::Each(&[
        Check::Compose(compose_sensitive_mounts),
        Check::Kubernetes(kubernetes_sensitive_mounts),
    ]),
};

fn compose_sensitive_mounts(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for m in s.volumes() {
            if m.kind != MountKind::Bind {
                continue;
            }
            if let Some(source) = m.source.as_deref().filter(|p| is_sensitive_host_path(p)) {
                let mode = if m.read_only { "read-only" } else { "writable" };
                out.report(
                    m.at.pointer(),
                    format!(
                        "service `{}` mounts host path `{source}`{} ({mode})",
                        s.name,
                        via(&m)
                    ),
                );
            }
        }
    });
}

fn kubernetes_sensitive_mounts(o: &Object<'_>, out: &mut Findings) {
    let Some(pod) = pod(o) else { return };
    for (volume, path) in host_paths(&pod) {
        if let Some(p) = path.as_str().filter(|p| is_sensitive_host_path(p)) {
            let name = volume
                .get("name")
                .and_then(|n| n.text())
                .unwrap_or_default();
            out.report(
                path.pointer(),
                format!("volume `{name}` mounts host path `{p}`"),
            );
        }
    }
}
