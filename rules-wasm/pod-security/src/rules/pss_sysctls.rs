//! `pss-sysctls`: Unsafe sysctl.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-sysctls",
    title: "Unsafe sysctl",
    severity: Severity::High,
    controls: &["PSS-baseline Sysctls"],
    remediation: "Set only namespaced, safe sysctls; anything else belongs on the node.",
    explanation: include_str!("pss_sysctls.md"),
    check: Check::Kubernetes(sysctls),
};

/// Baseline: Sysctls.
fn sysctls(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        let list = pod
            .security_context()
            .and_then(|sc| sc.get("sysctls"))
            .map(|s| s.items())
            .unwrap_or_default();
        for s in list {
            let Some(name) = s.get("name") else { continue };
            let n = name.text().unwrap_or_default();
            let safe = SAFE_SYSCTLS
                .iter()
                .any(|&(safe, since)| safe == n && o.pss_version.at_least(since));
            if !safe {
                out.report(name.pointer(), format!("the pod sets unsafe sysctl `{n}`"));
            }
        }
    });
}
