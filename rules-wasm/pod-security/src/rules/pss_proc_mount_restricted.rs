//! `pss-proc-mount-restricted`: Unmasked /proc in a pod with its own user
//! namespace.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-proc-mount-restricted",
    title: "Unmasked /proc (restricted, user namespace or not)",
    severity: Severity::Medium,
    controls: &["PSS-restricted /proc Mount Type"],
    remediation: "Remove `procMount` or set it to `Default`.",
    explanation: include_str!("pss_proc_mount_restricted.md"),
    check: Check::Kubernetes(proc_mount_restricted),
};

/// Restricted: /proc Mount Type (v1.35+). The baseline rule lets a pod in
/// its own user namespace unmask /proc from v1.35; the restricted profile
/// does not. Everything else is the baseline rule's finding.
fn proc_mount_restricted(o: &Object<'_>, out: &mut Findings) {
    if !o.pss_version.at_least(35) {
        return;
    }
    o.each_container(|pod, c| {
        if !own_user_namespace(pod) {
            return;
        }
        if let Some(v) = unmasked(c) {
            out.report(
                v.pointer(),
                format!(
                    "{} unmasks /proc (`procMount: Unmasked`); the restricted profile forbids it even in a user namespace",
                    c.label()
                ),
            );
        }
    });
}
