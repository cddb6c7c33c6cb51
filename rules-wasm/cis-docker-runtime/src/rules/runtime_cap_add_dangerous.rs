//! `runtime-cap-add-dangerous`: A dangerous capability is added.

use crate::compose::each;
use crate::host::DANGEROUS_CAPABILITIES;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::kubernetes::normalise_capability;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-cap-add-dangerous",
    title: "A dangerous capability is added",
    severity: Severity::High,
    controls: &["CIS-Docker 5.4"],
    remediation: "Remove the capability. If the workload truly needs it, isolate it on dedicated nodes and record the exception.",
    explanation: include_str!("runtime_cap_add_dangerous.md"),
    check: Check::Each(&[
        Check::Compose(compose_cap_add_dangerous),
        Check::Kubernetes(kubernetes_cap_add_dangerous),
    ]),
};

fn compose_cap_add_dangerous(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for (cap, at) in s.strings("cap_add") {
            let cap = normalise_capability(&cap);
            if DANGEROUS_CAPABILITIES.contains(&cap.as_str()) {
                out.report(
                    at.pointer(),
                    format!("service `{}` adds capability {cap}", s.name),
                );
            }
        }
    });
}

fn kubernetes_cap_add_dangerous(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for (cap, at) in c.capabilities("add") {
            if DANGEROUS_CAPABILITIES.contains(&cap.as_str()) {
                out.report(at.pointer(), format!("{} adds capability {cap}", c.label()));
            }
        }
    });
}
