//! `runtime-host-network`: Host network namespace shared.

use crate::compose::each;
use crate::compose::field_equals;
use crate::kubernetes::host_namespace;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::kubernetes::Object;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-host-network",
    title: "Host network namespace shared",
    severity: Severity::High,
    controls: &["CIS-Docker 5.10"],
    remediation: "Remove `network_mode: host` / `hostNetwork: true` and publish the ports the service needs.",
    explanation: include_str!("runtime_host_network.md"),
    check: Check::Each(&[
        Check::Compose(compose_host_network),
        Check::Kubernetes(kubernetes_host_network),
    ]),
};

fn compose_host_network(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        if let Some(at) = field_equals(s, "network_mode", "host") {
            out.report(
                at.pointer(),
                format!("service `{}` shares the host's network namespace", s.name),
            );
        }
    });
}

fn kubernetes_host_network(o: &Object<'_>, out: &mut Findings) {
    host_namespace(o, out, "hostNetwork", "network");
}
