//! `runtime-privileged`: Container runs privileged.

use crate::compose::each;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::Object;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-privileged",
    title: "Container runs privileged",
    severity: Severity::Critical,
    controls: &["CIS-Docker 5.5"],
    remediation: "Remove `privileged: true`; grant the specific capability or device the workload needs instead.",
    explanation: include_str!("runtime_privileged.md"),
    check: Check::Each(&[
        Check::Compose(compose_privileged),
        Check::Kubernetes(kubernetes_privileged),
    ]),
};

fn compose_privileged(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        if let Some(p) = s.get("privileged").filter(Json::is_true) {
            out.report(p.pointer(), format!("service `{}` runs privileged", s.name));
        }
    });
}

fn kubernetes_privileged(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        if let Some(p) = c.own("privileged").filter(Json::is_true) {
            out.report(p.pointer(), format!("{} runs privileged", c.label()));
        }
    });
}
