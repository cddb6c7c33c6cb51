//! `pss-proc-mount`: Unmasked /proc.

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
/// that namespace, not the node.
fn proc_mount(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|pod, c| {
        let own_user_namespace = pod
            .spec
            .get("hostUsers")
            .is_some_and(|v| v.truthy() == Some(false));
        if own_user_namespace {
            return;
        }
        if let Some(v) = c
            .own("procMount")
            .filter(|v| v.as_str().is_some_and(|s| s != "Default"))
        {
            out.report(
                v.pointer(),
                format!("{} unmasks /proc (`procMount: Unmasked`)", c.label()),
            );
        }
    });
}
