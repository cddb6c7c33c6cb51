//! `runtime-cpu-limit`: No CPU limit or share.

use crate::compose::each;
use crate::compose::has_limit;
use crate::kubernetes::limit;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::kubernetes::Object;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-cpu-limit",
    title: "No CPU limit or share",
    severity: Severity::Low,
    controls: &["CIS-Docker 5.12"],
    remediation: "Set a CPU limit or share: `cpus`, `cpu_shares` or `deploy.resources.limits.cpus` in Compose, `resources.limits.cpu` in Kubernetes.",
    explanation: include_str!("runtime_cpu_limit.md"),
    check: Check::Each(&[
        Check::Compose(compose_cpu_limit),
        Check::Kubernetes(kubernetes_cpu_limit),
    ]),
};

fn compose_cpu_limit(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        if !has_limit(
            s,
            &[
                "cpus",
                "cpu_quota",
                "cpu_shares",
                "cpu_count",
                "cpu_percent",
            ],
            "cpus",
        ) {
            out.report(
                s.at.pointer(),
                format!("service `{}` has no CPU limit or share", s.name),
            );
        }
    });
}

fn kubernetes_cpu_limit(o: &Object<'_>, out: &mut Findings) {
    limit(o, out, "cpu", "CPU");
}
