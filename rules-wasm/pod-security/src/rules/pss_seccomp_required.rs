//! `pss-seccomp-required`: No seccomp profile.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-seccomp-required",
    title: "No seccomp profile",
    severity: Severity::Medium,
    controls: &["PSS-restricted Seccomp"],
    remediation: "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod (containers inherit it).",
    explanation: include_str!("pss_seccomp_required.md"),
    check: Check::Kubernetes(seccomp_restricted),
};

/// Restricted: Seccomp (`RuntimeDefault` or `Localhost` required; not for
/// Windows pods).
fn seccomp_restricted(o: &Object<'_>, out: &mut Findings) {
    if !o.pss_version.at_least(19) {
        return;
    }
    o.each_container(|pod, c| {
        if windows_exempt(o, pod) {
            return;
        }
        match c.effective(pod, "seccompProfile") {
            // Any other type is the baseline rule's finding.
            Some(_) => {}
            None => {
                out.report(
                    c.at.pointer(),
                    format!(
                        "{} has no seccomp profile: set `seccompProfile.type: RuntimeDefault` on it or the pod",
                        c.label()
                    ),
                );
            }
        }
    });
}
