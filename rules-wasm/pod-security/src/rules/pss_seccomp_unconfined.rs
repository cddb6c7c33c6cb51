//! `pss-seccomp-unconfined`: Seccomp profile set to Unconfined.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-seccomp-unconfined",
    title: "Seccomp profile set to Unconfined",
    severity: Severity::High,
    controls: &["PSS-baseline Seccomp"],
    remediation: "Set `seccompProfile.type: RuntimeDefault` (or `Localhost`) instead of `Unconfined`.",
    explanation: include_str!("pss_seccomp_unconfined.md"),
    check: Check::Kubernetes(seccomp_baseline),
};

/// Baseline: Seccomp (never `Unconfined`).
fn seccomp_baseline(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        if let Some(t) = seccomp_type(
            pod.security_context()
                .and_then(|sc| sc.get("seccompProfile")),
        )
        .filter(|t| t.as_str() == Some("Unconfined"))
        {
            out.report(t.pointer(), "the pod sets seccomp profile `Unconfined`");
        }
        for c in pod.containers() {
            if let Some(t) =
                seccomp_type(c.own("seccompProfile")).filter(|t| t.as_str() == Some("Unconfined"))
            {
                out.report(
                    t.pointer(),
                    format!("{} sets seccomp profile `Unconfined`", c.label()),
                );
            }
        }
    });
}
