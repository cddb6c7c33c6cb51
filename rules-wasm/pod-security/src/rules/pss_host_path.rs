//! `pss-host-path`: hostPath volume.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-host-path",
    title: "hostPath volume",
    severity: Severity::High,
    controls: &["PSS-baseline HostPath Volumes"],
    remediation: "Replace `hostPath` volumes with `emptyDir`, a PersistentVolumeClaim, a ConfigMap or a Secret.",
    explanation: include_str!("pss_host_path.md"),
    check: Check::Kubernetes(host_path),
};

/// Baseline: HostPath Volumes.
fn host_path(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        for v in pod.volumes() {
            if let Some(h) = v.get("hostPath") {
                let name = v.get("name").and_then(|n| n.text()).unwrap_or_default();
                out.report(h.pointer(), format!("volume `{name}` is a hostPath volume"));
            }
        }
    });
}
