//! `runtime-host-pid`: Host PID namespace shared.

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
    id: "runtime-host-pid",
    title: "Host PID namespace shared",
    severity: Severity::High,
    controls: &["CIS-Docker 5.16"],
    remediation: "Remove `pid: host` / `hostPID: true`.",
    explanation: include_str!("runtime_host_pid.md"),
    check: Check::Each(&[
        Check::Compose(compose_host_pid),
        Check::Kubernetes(kubernetes_host_pid),
    ]),
};

fn compose_host_pid(c: &Compose<'_>, out: &mut Findings) {
    namespace(c, out, "pid", "PID");
}

fn kubernetes_host_pid(o: &Object<'_>, out: &mut Findings) {
    host_namespace(o, out, "hostPID", "PID");
}
