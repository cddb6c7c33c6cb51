//! `runtime-port-all-interfaces`: Port published on every host interface.

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
    id: "runtime-port-all-interfaces",
    title: "Port published on every host interface",
    severity: Severity::Medium,
    controls: &["CIS-Docker 5.9"],
    remediation: "Bind published ports to the interface that needs them: `127.0.0.1:8080:8080` in Compose, `hostIP` in Kubernetes (or no `hostPort` at all: use a Service).",
    explanation: include_str!("runtime_port_all_interfaces.md"),
    check: Check::Each(&[
        Check::Compose(compose_all_interfaces),
        Check::Kubernetes(kubernetes_all_interfaces),
    ]),
};

fn compose_all_interfaces(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for p in s.ports() {
            if p.on_all_interfaces() {
                let published = p.published.as_deref().unwrap_or_default();
                out.report(
                    p.at.pointer(),
                    format!(
                        "service `{}` publishes port {published} on every host interface",
                        s.name
                    ),
                );
            }
        }
    });
}

fn kubernetes_all_interfaces(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for (at, port, ip) in host_ports(c) {
            if matches!(
                ip.as_deref(),
                None | Some("") | Some("0.0.0.0") | Some("::")
            ) {
                out.report(
                    at.pointer(),
                    format!(
                        "{} binds host port {port} on every node interface",
                        c.label()
                    ),
                );
            }
        }
    });
}
