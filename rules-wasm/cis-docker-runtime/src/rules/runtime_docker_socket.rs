//! `runtime-docker-socket`: Container runtime socket mounted.

use crate::compose::{each, via};
use crate::host::runtime_socket;
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
    id: "runtime-docker-socket",
    title: "Container runtime socket mounted",
    severity: Severity::Critical,
    controls: &["CIS-Docker 5.32"],
    remediation: "Do not mount the Docker (or containerd, CRI-O, Podman) socket. Use a socket proxy with a narrow allow-list, or a rootless builder, where the API is truly needed.",
    explanation: include_str!("runtime_docker_socket.md"),
    check: Check::Each(&[
        Check::Compose(compose_runtime_socket_mounts),
        Check::Kubernetes(kubernetes_runtime_socket_mounts),
    ]),
};

fn compose_runtime_socket_mounts(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for m in s.volumes() {
            if m.kind != MountKind::Bind {
                continue;
            }
            if let Some(sock) = m.source.as_deref().and_then(runtime_socket) {
                out.report(
                    m.at.pointer(),
                    format!(
                        "service `{}` mounts the container runtime socket `{sock}`{}",
                        s.name,
                        via(&m)
                    ),
                );
            }
        }
    });
}

fn kubernetes_runtime_socket_mounts(o: &Object<'_>, out: &mut Findings) {
    let Some(pod) = pod(o) else { return };
    for (_, path) in host_paths(&pod) {
        if let Some(sock) = path.as_str().and_then(runtime_socket) {
            out.report(
                path.pointer(),
                format!("the pod mounts the container runtime socket `{sock}`"),
            );
        }
    }
}
