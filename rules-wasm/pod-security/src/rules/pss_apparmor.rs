//! `pss-apparmor`: AppArmor profile overridden.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-apparmor",
    title: "AppArmor profile overridden",
    severity: Severity::High,
    controls: &["PSS-baseline AppArmor"],
    remediation: "Use the runtime's default AppArmor profile (`RuntimeDefault`) or a `Localhost` profile; never `Unconfined`.",
    explanation: include_str!("pss_apparmor.md"),
    check: Check::Kubernetes(apparmor),
};

/// Baseline: AppArmor.
fn apparmor(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        let allowed = |t: &str| matches!(t, "RuntimeDefault" | "Localhost");
        if let Some(t) = pod
            .security_context()
            .and_then(|sc| sc.at(&["appArmorProfile", "type"]))
            .filter(|t| !t.as_str().is_some_and(allowed))
        {
            let v = t.text().unwrap_or_default();
            out.report(
                t.pointer(),
                format!("the pod sets AppArmor profile type `{v}`"),
            );
        }
        for c in pod.containers() {
            if let Some(t) = c
                .own("appArmorProfile")
                .and_then(|p| p.get("type"))
                .filter(|t| !t.as_str().is_some_and(allowed))
            {
                let v = t.text().unwrap_or_default();
                out.report(
                    t.pointer(),
                    format!("{} sets AppArmor profile type `{v}`", c.label()),
                );
            }
        }
        for (key, value) in pod.annotations() {
            if key.starts_with("container.apparmor.security.beta.kubernetes.io/") {
                let v = value.text().unwrap_or_default();
                if v != "runtime/default" && !v.starts_with("localhost/") {
                    out.report(
                        value.pointer(),
                        format!("annotation `{key}` sets AppArmor profile `{v}`"),
                    );
                }
            }
        }
    });
}
