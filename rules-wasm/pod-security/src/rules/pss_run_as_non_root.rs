//! `pss-run-as-non-root`: May run as root.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-run-as-non-root",
    title: "May run as root",
    severity: Severity::Medium,
    controls: &["PSS-restricted Running as Non-root"],
    remediation: "Set `securityContext.runAsNonRoot: true` on the pod (or on every container).",
    explanation: include_str!("pss_run_as_non_root.md"),
    check: Check::Kubernetes(run_as_non_root),
};

/// Restricted: Running as Non-root.
fn run_as_non_root(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        let pod_level = pod
            .security_context()
            .and_then(|sc| sc.get("runAsNonRoot"))
            .filter(|v| !v.is_null());
        if let Some(v) = pod_level.as_ref().filter(|v| v.truthy() != Some(true)) {
            out.report(v.pointer(), "the pod sets `runAsNonRoot: false`");
        }
        for c in pod.containers() {
            match c.own("runAsNonRoot").filter(|v| !v.is_null()) {
                Some(v) if v.truthy() == Some(true) => {}
                Some(v) => {
                    out.report(
                        v.pointer(),
                        format!("{} sets `runAsNonRoot: false`", c.label()),
                    );
                }
                None if pod_level.is_some() => {}
                None => {
                    out.report(
                        c.at.pointer(),
                        format!(
                            "{} may run as root: neither it nor the pod sets `runAsNonRoot: true`",
                            c.label()
                        ),
                    );
                }
            }
        }
    });
}
