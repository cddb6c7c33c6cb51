//! `pss-probe-host`: A probe or lifecycle hook aimed at another host.

use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-probe-host",
    title: "Probe or lifecycle hook aimed at another host",
    severity: Severity::Medium,
    controls: &["PSS-baseline Probes and Lifecycle Hooks"],
    remediation: "Remove `host` from the probe or hook: the kubelet then targets the pod's own IP.",
    explanation: include_str!("pss_probe_host.md"),
    check: Check::Kubernetes(probe_host),
};

/// The probes and lifecycle handlers of a container, and their actions
/// that take a `host`.
const HANDLERS: [&[&str]; 5] = [
    &["livenessProbe"],
    &["readinessProbe"],
    &["startupProbe"],
    &["lifecycle", "postStart"],
    &["lifecycle", "preStop"],
];

/// Baseline: Probes and Lifecycle Hooks (v1.34+): `httpGet.host` and
/// `tcpSocket.host` must be unset or empty.
fn probe_host(o: &Object<'_>, out: &mut Findings) {
    if !o.pss_version.at_least(34) {
        return;
    }
    o.each_container(|_, c| {
        for path in HANDLERS {
            let Some(handler) = c.at.at(path) else {
                continue;
            };
            for action in ["httpGet", "tcpSocket"] {
                if let Some(host) = handler
                    .at(&[action, "host"])
                    .filter(|h| h.text().is_some_and(|t| !t.is_empty()))
                {
                    out.report(
                        host.pointer(),
                        format!(
                            "{} sends its {} `{action}` to another host",
                            c.label(),
                            path.join(".")
                        ),
                    );
                }
            }
        }
    });
}
