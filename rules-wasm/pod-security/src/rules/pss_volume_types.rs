//! `pss-volume-types`: Volume type not allowed by the restricted profile.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-volume-types",
    title: "Volume type not allowed by the restricted profile",
    severity: Severity::Medium,
    controls: &["PSS-restricted Volume Types"],
    remediation: "Use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes.",
    explanation: include_str!("pss_volume_types.md"),
    check: Check::Kubernetes(volume_types),
};

/// Restricted: Volume Types.
fn volume_types(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        for v in pod.volumes() {
            let name = v.get("name").and_then(|n| n.text()).unwrap_or_default();
            for (key, at) in v.entries() {
                if key != "name" && !ALLOWED_VOLUMES.contains(&key) {
                    out.report(
                        at.pointer(),
                        format!("volume `{name}` has type `{key}`, not allowed by the restricted profile"),
                    );
                }
            }
        }
    });
}
