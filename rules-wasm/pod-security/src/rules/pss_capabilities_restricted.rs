//! `pss-capabilities-restricted`: Capabilities not dropped.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-capabilities-restricted",
    title: "Capabilities not dropped",
    severity: Severity::Medium,
    controls: &["PSS-restricted Capabilities"],
    remediation: "Set `capabilities: {drop: [ALL]}` on every container; add back at most `NET_BIND_SERVICE`.",
    explanation: include_str!("pss_capabilities_restricted.md"),
    check: Check::Kubernetes(capabilities_restricted),
};

/// Restricted: Capabilities (drop ALL, add only NET_BIND_SERVICE; not for
/// Windows pods).
fn capabilities_restricted(o: &Object<'_>, out: &mut Findings) {
    if !o.pss_version.at_least(22) {
        return;
    }
    o.each_container(|pod, c| {
        if windows_exempt(o, pod) {
            return;
        }
        if let Some(at) = c.missing_drop_all() {
            out.report(
                at.pointer(),
                format!("{} does not drop ALL capabilities", c.label()),
            );
        }
        for (cap, at) in c.capabilities("add") {
            if cap != "NET_BIND_SERVICE" {
                out.report(
                    at.pointer(),
                    format!(
                        "{} adds capability {cap}; only NET_BIND_SERVICE may be added",
                        c.label()
                    ),
                );
            }
        }
    });
}
