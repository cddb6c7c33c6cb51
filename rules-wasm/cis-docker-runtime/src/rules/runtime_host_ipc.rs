//! `runtime-host-ipc`: Host IPC namespace shared.

use crate::compose::namespace;
use crate::kubernetes::host_namespace;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::kubernetes::Object;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-host-ipc",
    title: "Host IPC namespace shared",
    severity: Severity::High,
    controls: &["CIS-Docker 5.17"],
    remediation: "Remove `ipc: host` / `hostIPC: true`.",
    explanation: include_str!("runtime_host_ipc.md"),
    check: Check::Each(&[
        Check::Compose(compose_host_ipc),
        Check::Kubernetes(kubernetes_host_ipc),
    ]),
};

fn compose_host_ipc(c: &Compose<'_>, out: &mut Findings) {
    namespace(c, out, "ipc", "IPC");
}

fn kubernetes_host_ipc(o: &Object<'_>, out: &mut Findings) {
    host_namespace(o, out, "hostIPC", "IPC");
}
