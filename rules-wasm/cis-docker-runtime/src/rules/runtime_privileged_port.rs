//! `runtime-privileged-port`: Privileged host port published.

use crate::compose::each;
use crate::kubernetes::host_ports;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::kubernetes::Object;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-privileged-port",
    title: "Privileged host port published",
    severity: Severity::Low,
    controls: &["CIS-Docker 5.8"],
    remediation: "Publish on a host port of 1024 or above, or put a load balancer or ingress in front; record an exception where 80/443 on the host are truly required.",
    explanation: include_str!("runtime_privileged_port.md"),
    check: Check::Each(&[
        Check::Compose(compose_privileged_ports),
        Check::Kubernetes(kubernetes_privileged_ports),
    ]),
};

fn compose_privileged_ports(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for p in s.ports() {
            if let Some(port) = p.published_low().filter(|&n| n > 0 && n < 1024) {
                out.report(
                    p.at.pointer(),
                    format!("service `{}` publishes privileged host port {port}", s.name),
                );
            }
        }
    });
}

fn kubernetes_privileged_ports(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for (at, port, _) in host_ports(c) {
            if port < 1024 {
                out.report(
                    at.pointer(),
                    format!("{} binds privileged host port {port}", c.label()),
                );
            }
        }
    });
}
