//! `pss-selinux`: Custom SELinux options.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-selinux",
    title: "Custom SELinux options",
    severity: Severity::High,
    controls: &["PSS-baseline SELinux"],
    remediation: "Remove custom SELinux `type`, `user` and `role`; the runtime's defaults confine the container.",
    explanation: include_str!("pss_selinux.md"),
    check: Check::Kubernetes(selinux),
};

/// Baseline: SELinux.
fn selinux(o: &Object<'_>, out: &mut Findings) {
    // `container_engine_t` is allowed since v1.31.
    let engine = o.pss_version.at_least(31);
    let check = |options: Option<Json<'_>>, who: &str, out: &mut Findings| {
        let Some(options) = options else { return };
        if let Some(t) = options.get("type") {
            let v = t.text().unwrap_or_default();
            let allowed = match v.as_str() {
                "" | "container_t" | "container_init_t" | "container_kvm_t" => true,
                "container_engine_t" => engine,
                _ => false,
            };
            if !allowed {
                out.report(t.pointer(), format!("{who} sets SELinux type `{v}`"));
            }
        }
        for key in ["user", "role"] {
            if let Some(v) = options
                .get(key)
                .filter(|v| v.text().is_some_and(|t| !t.is_empty()))
            {
                out.report(v.pointer(), format!("{who} sets a custom SELinux {key}"));
            }
        }
    };
    with_pod(o, out, |pod, out| {
        check(
            pod.security_context()
                .and_then(|sc| sc.get("seLinuxOptions")),
            "the pod",
            out,
        );
        for c in pod.containers() {
            check(c.own("seLinuxOptions"), &c.label(), out);
        }
    });
}
