//! `pss-run-as-user`: Runs as uid 0.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-run-as-user",
    title: "Runs as uid 0",
    severity: Severity::High,
    controls: &["PSS-restricted Running as Non-root user"],
    remediation: "Set `runAsUser` to a non-zero uid, or leave it unset and build the image with a non-root `USER`.",
    explanation: include_str!("pss_run_as_user.md"),
    check: Check::Kubernetes(run_as_user),
};

/// Restricted: Running as Non-root user.
fn run_as_user(o: &Object<'_>, out: &mut Findings) {
    if !o.pss_version.at_least(23) {
        return;
    }
    with_pod(o, out, |pod, out| {
        if let Some(v) = pod
            .security_context()
            .and_then(|sc| sc.get("runAsUser"))
            .filter(|v| v.as_i64() == Some(0))
        {
            out.report(v.pointer(), "the pod sets `runAsUser: 0`");
        }
        for c in pod.containers() {
            if let Some(v) = c.own("runAsUser").filter(|v| v.as_i64() == Some(0)) {
                out.report(v.pointer(), format!("{} sets `runAsUser: 0`", c.label()));
            }
        }
    });
}
