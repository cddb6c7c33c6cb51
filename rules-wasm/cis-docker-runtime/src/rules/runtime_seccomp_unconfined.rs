//! `runtime-seccomp-unconfined`: Seccomp profile disabled.

use crate::compose::each;
use crate::kubernetes::pod;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::kubernetes::Object;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-seccomp-unconfined",
    title: "Seccomp profile disabled",
    severity: Severity::High,
    controls: &["CIS-Docker 5.22"],
    remediation: "Keep the runtime's default seccomp profile: remove `seccomp:unconfined`; in Kubernetes set `seccompProfile.type: RuntimeDefault`.",
    explanation: include_str!("runtime_seccomp_unconfined.md"),
    check: Check::Each(&[
        Check::Compose(compose_seccomp),
        Check::Kubernetes(kubernetes_seccomp),
    ]),
};

fn compose_seccomp(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for (value, at) in s.security_opt("seccomp") {
            if value.eq_ignore_ascii_case("unconfined") {
                out.report(
                    at.pointer(),
                    format!("service `{}` disables the seccomp profile", s.name),
                );
            }
        }
    });
}

fn kubernetes_seccomp(o: &Object<'_>, out: &mut Findings) {
    let Some(pod) = pod(o) else { return };
    let mut reported = Vec::new();
    for c in pod.containers() {
        let Some(t) = c
            .effective(&pod, "seccompProfile")
            .and_then(|p| p.get("type"))
            .filter(|t| t.as_str() == Some("Unconfined"))
        else {
            continue;
        };
        if !reported.contains(&t.pointer().to_owned()) {
            reported.push(t.pointer().to_owned());
            out.report(
                t.pointer(),
                format!("{} runs without a seccomp profile", c.label()),
            );
        }
    }
}
