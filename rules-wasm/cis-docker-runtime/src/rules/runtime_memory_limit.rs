//! `runtime-memory-limit`: No memory limit.

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
    id: "runtime-memory-limit",
    title: "No memory limit",
    severity: Severity::Low,
    controls: &["CIS-Docker 5.11"],
    remediation: "Set a memory limit: `mem_limit` or `deploy.resources.limits.memory` in Compose, `resources.limits.memory` in Kubernetes.",
    explanation: include_str!("runtime_memory_limit.md"),
    check: Check::Each(&[
        Check::Compose(compose_memory_limit),
        Check::Kubernetes(kubernetes_memory_limit),
    ]),
};

fn compose_memory_limit(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        if !has_limit(s, &["mem_limit"], "memory") {
            out.report(
                s.at.pointer(),
                format!("service `{}` has no memory limit", s.name),
            );
        }
    });
}

fn kubernetes_memory_limit(o: &Object<'_>, out: &mut Findings) {
    limit(o, out, "memory", "memory");
}
