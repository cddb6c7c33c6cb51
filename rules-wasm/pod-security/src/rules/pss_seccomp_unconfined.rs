//! `pss-seccomp-unconfined`: Seccomp profile set to Unconfined.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::{Object, Pod};
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-seccomp-unconfined",
    title: "Seccomp profile other than RuntimeDefault or Localhost",
    severity: Severity::High,
    controls: &["PSS-baseline Seccomp"],
    remediation: "Set `seccompProfile.type: RuntimeDefault` (or `Localhost`) instead of `Unconfined`.",
    explanation: include_str!("pss_seccomp_unconfined.md"),
    check: Check::Kubernetes(seccomp_baseline),
};

/// Baseline: Seccomp (never `Unconfined`).
/// Baseline: Seccomp. From v1.19 the `seccompProfile` fields (any type but
/// `RuntimeDefault` and `Localhost`); before, the alpha annotations (any
/// value but `runtime/default`, `docker/default` and `localhost/*`).
fn seccomp_baseline(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        if !o.pss_version.at_least(19) {
            annotations(pod, out);
            return;
        }
        let mut check = |profile: Option<Json<'_>>, who: &str| {
            let Some(profile) = profile else { return };
            let at = profile.get("type");
            let t = at.as_ref().and_then(|t| t.text()).unwrap_or_default();
            if !matches!(t.as_str(), "RuntimeDefault" | "Localhost") {
                let message = if at.is_some() {
                    format!("{who} sets seccomp profile `{t}`")
                } else {
                    format!("{who} sets a seccomp profile without a type")
                };
                out.report(at.unwrap_or(profile).pointer(), message);
            }
        };
        check(
            pod.security_context()
                .and_then(|sc| sc.get("seccompProfile")),
            "the pod",
        );
        for c in pod.containers() {
            check(c.own("seccompProfile"), &c.label());
        }
    });
}

/// The seccomp annotations of policy versions before v1.19: the pod's and
/// one per container that the pod has.
fn annotations(pod: &Pod<'_>, out: &mut Findings) {
    let containers = pod.containers();
    for (key, value) in pod.annotations() {
        let who = if key == "seccomp.security.alpha.kubernetes.io/pod" {
            "the pod".to_owned()
        } else if let Some(c) = key
            .strip_prefix("container.seccomp.security.alpha.kubernetes.io/")
            .and_then(|name| containers.iter().find(|c| c.name == name))
        {
            c.label()
        } else {
            continue;
        };
        let v = value.text().unwrap_or_default();
        if !(v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")) {
            out.report(
                value.pointer(),
                format!("{who} sets seccomp profile `{v}` (annotation `{key}`)"),
            );
        }
    }
}
