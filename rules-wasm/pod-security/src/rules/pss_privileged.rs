//! `pss-privileged`: Privileged container.

use bulwark_sdk::Findings;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-privileged",
    title: "Privileged container",
    severity: Severity::Critical,
    controls: &["PSS-baseline Privileged Containers"],
    remediation: "Remove `securityContext.privileged: true`.",
    explanation: include_str!("pss_privileged.md"),
    check: Check::Kubernetes(privileged),
};

/// Baseline: Privileged Containers.
fn privileged(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        if let Some(v) = c.own("privileged").filter(Json::is_true) {
            out.report(v.pointer(), format!("{} is privileged", c.label()));
        }
    });
}
