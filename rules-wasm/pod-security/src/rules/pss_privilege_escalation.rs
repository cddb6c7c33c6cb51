//! `pss-privilege-escalation`: Privilege escalation allowed.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::{Object, Requirement};
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-privilege-escalation",
    title: "Privilege escalation allowed",
    severity: Severity::Medium,
    controls: &["PSS-restricted Privilege Escalation"],
    remediation: "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
    explanation: include_str!("pss_privilege_escalation.md"),
    check: Check::Kubernetes(privilege_escalation),
};

/// Restricted: Privilege Escalation (not for Windows pods).
fn privilege_escalation(o: &Object<'_>, out: &mut Findings) {
    if !o.pss_version.at_least(8) {
        return;
    }
    o.each_container(|pod, c| {
        if windows_exempt(o, pod) {
            return;
        }
        match c.require("allowPrivilegeEscalation", false) {
            Requirement::Met => {}
            Requirement::Wrong(v) => {
                out.report(
                    v.pointer(),
                    format!("{} allows privilege escalation", c.label()),
                );
            }
            Requirement::Missing(at) => {
                out.report(
                    at.pointer(),
                    format!("{} must set `allowPrivilegeEscalation: false`", c.label()),
                );
            }
        }
    });
}
