//! `runtime-cap-drop-all`: Capabilities are not all dropped.

use crate::compose::each;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::kubernetes::ContainerGroup;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::kubernetes::normalise_capability;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-cap-drop-all",
    title: "Capabilities are not all dropped",
    severity: Severity::Medium,
    controls: &["CIS-Docker 5.4"],
    remediation: "Drop every capability and add back only what the process needs: `cap_drop: [ALL]` in Compose, `securityContext.capabilities.drop: [ALL]` in Kubernetes.",
    explanation: include_str!("runtime_cap_drop_all.md"),
    check: Check::Each(&[
        Check::Compose(compose_cap_drop_all),
        Check::Kubernetes(kubernetes_cap_drop_all),
    ]),
};

fn compose_cap_drop_all(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        let drops = s.strings("cap_drop");
        if drops.iter().any(|(d, _)| normalise_capability(d) == "ALL") {
            return;
        }
        let at = s.get("cap_drop").unwrap_or(s.at);
        out.report(
            at.pointer(),
            format!("service `{}` does not drop all capabilities", s.name),
        );
    });
}

fn kubernetes_cap_drop_all(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        if c.group == ContainerGroup::EphemeralContainers {
            return;
        }
        if let Some(at) = c.missing_drop_all() {
            out.report(
                at.pointer(),
                format!("{} does not drop all capabilities", c.label()),
            );
        }
    });
}
