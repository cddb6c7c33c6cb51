//! `pss-proc-mount`: Unmasked /proc.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-proc-mount",
    title: "Unmasked /proc",
    severity: Severity::High,
    controls: &["PSS-baseline /proc Mount Type"],
    remediation: "Remove `procMount` or set it to `Default`.",
    explanation: include_str!("pss_proc_mount.md"),
    check: Check::Kubernetes(proc_mount),
};

/// Baseline: /proc Mount Type. Since Kubernetes v1.35 a pod in its own user
/// namespace (`hostUsers: false`) may unmask /proc: its /proc belongs to
/// that namespace, not the node (`pss-proc-mount-restricted` still forbids
/// it at the restricted level).
fn proc_mount(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|pod, c| {
        if o.pss_version.at_least(35) && own_user_namespace(pod) {
            return;
        }
        if let Some(v) = unmasked(c) {
            out.report(
                v.pointer(),
                format!("{} unmasks /proc (`procMount: Unmasked`)", c.label()),
            );
        }
    });
}
