//! `pss-host-ports`: Host port used.

use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-host-ports",
    title: "Host port used",
    severity: Severity::Medium,
    controls: &["PSS-baseline Host Ports"],
    remediation: "Remove `hostPort`; expose the pod through a Service.",
    explanation: include_str!("pss_host_ports.md"),
    check: Check::Kubernetes(host_ports),
};

/// Baseline: Host Ports.
fn host_ports(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for p in c.at.get("ports").map(|p| p.items()).unwrap_or_default() {
            if let Some(h) = p
                .get("hostPort")
                .filter(|h| h.as_i64().is_some_and(|n| n != 0))
            {
                let n = h.as_i64().unwrap_or_default();
                out.report(h.pointer(), format!("{} uses host port {n}", c.label()));
            }
        }
    });
}
