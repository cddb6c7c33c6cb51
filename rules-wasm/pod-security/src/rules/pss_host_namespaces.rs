//! `pss-host-namespaces`: Host namespaces shared.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-host-namespaces",
    title: "Host namespaces shared",
    severity: Severity::High,
    controls: &["PSS-baseline Host Namespaces"],
    remediation: "Remove `hostNetwork`, `hostPID` and `hostIPC` (or set them to `false`).",
    explanation: include_str!("pss_host_namespaces.md"),
    check: Check::Kubernetes(host_namespaces),
};

/// Baseline: Host Namespaces.
fn host_namespaces(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        for key in ["hostNetwork", "hostPID", "hostIPC"] {
            if let Some(v) = pod.spec.get(key).filter(Json::is_true) {
                out.report(v.pointer(), format!("the pod sets `{key}: true`"));
            }
        }
    });
}
