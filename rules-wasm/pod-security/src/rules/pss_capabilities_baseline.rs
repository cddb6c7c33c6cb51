//! `pss-capabilities-baseline`: Capability beyond the baseline set.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-capabilities-baseline",
    title: "Capability beyond the baseline set",
    severity: Severity::High,
    controls: &["PSS-baseline Capabilities"],
    remediation: "Add only capabilities from the baseline set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).",
    explanation: include_str!("pss_capabilities_baseline.md"),
    check: Check::Kubernetes(capabilities_baseline),
};

/// Baseline: Capabilities.
fn capabilities_baseline(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for (cap, at) in c.capabilities("add") {
            if !BASELINE_CAPABILITIES.contains(&cap.as_str()) {
                out.report(
                    at.pointer(),
                    format!(
                        "{} adds capability {cap}, beyond the baseline set",
                        c.label()
                    ),
                );
            }
        }
    });
}
