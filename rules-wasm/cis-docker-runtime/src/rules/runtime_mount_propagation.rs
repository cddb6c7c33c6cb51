//! `runtime-mount-propagation`: Shared mount propagation.

use crate::compose::each;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::kubernetes::Object;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-mount-propagation",
    title: "Shared mount propagation",
    severity: Severity::Medium,
    controls: &["CIS-Docker 5.20"],
    remediation: "Use the default (private) propagation; remove `shared`/`rshared` and `mountPropagation: Bidirectional`.",
    explanation: include_str!("runtime_mount_propagation.md"),
    check: Check::Each(&[
        Check::Compose(compose_propagation),
        Check::Kubernetes(kubernetes_propagation),
    ]),
};

fn compose_propagation(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for m in s.volumes() {
            if let Some(p) = m
                .propagation
                .as_deref()
                .filter(|p| matches!(*p, "shared" | "rshared"))
            {
                out.report(
                    m.at.pointer(),
                    format!("service `{}` mounts a volume with {p} propagation", s.name),
                );
            }
        }
    });
}

fn kubernetes_propagation(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for m in
            c.at.get("volumeMounts")
                .map(|v| v.items())
                .unwrap_or_default()
        {
            if let Some(p) = m
                .get("mountPropagation")
                .filter(|p| p.as_str() == Some("Bidirectional"))
            {
                let name = m.get("name").and_then(|n| n.text()).unwrap_or_default();
                out.report(
                    p.pointer(),
                    format!(
                        "{} mounts volume `{name}` with Bidirectional (shared) propagation",
                        c.label()
                    ),
                );
            }
        }
    });
}
