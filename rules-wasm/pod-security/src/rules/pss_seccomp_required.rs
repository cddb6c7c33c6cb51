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
    o.each_container(|pod, c| {
        if pod.is_windows() {
            return;
        }
        let effective = seccomp_type(c.effective(pod, "seccompProfile"));
        match effective.as_ref().and_then(|t| t.as_str()) {
            Some("RuntimeDefault" | "Localhost") => {}
            // Unconfined is the baseline rule's finding.
            Some("Unconfined") => {}
            Some(other) => {
                if let Some(t) = &effective {
                    out.report(
                        t.pointer(),
                        format!("{} has seccomp profile type `{other}`", c.label()),
                    );
                }
            }
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
