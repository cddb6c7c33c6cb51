//! `runtime-no-new-privileges`: New privileges not prevented.

use crate::compose::each;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::kubernetes::Requirement;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-no-new-privileges",
    title: "New privileges not prevented",
    severity: Severity::Medium,
    controls: &["CIS-Docker 5.26"],
    remediation: "Set `security_opt: [\"no-new-privileges:true\"]` in Compose and `securityContext.allowPrivilegeEscalation: false` in Kubernetes.",
    explanation: include_str!("runtime_no_new_privileges.md"),
    check: Check::Each(&[
        Check::Compose(compose_no_new_privileges),
        Check::Kubernetes(kubernetes_no_new_privileges),
    ]),
};

fn compose_no_new_privileges(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        let opts = s.security_opt("no-new-privileges");
        match opts.last() {
            Some((v, _)) if matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes") => {}
            Some((_, at)) => {
                out.report(
                    at.pointer(),
                    format!("service `{}` allows gaining new privileges", s.name),
                );
            }
            None => {
                let at = s.get("security_opt").unwrap_or(s.at);
                out.report(
                    at.pointer(),
                    format!("service `{}` does not set `no-new-privileges:true`", s.name),
                );
            }
        }
    });
}

fn kubernetes_no_new_privileges(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| match c.require("allowPrivilegeEscalation", false) {
        Requirement::Met => {}
        Requirement::Wrong(v) => {
            out.report(
                v.pointer(),
                format!("{} allows privilege escalation", c.label()),
            );
        }
        Requirement::Missing(at) => {
            out.report(
                at.pointer(),
                format!(
                    "{} does not set `allowPrivilegeEscalation: false`",
                    c.label()
                ),
            );
        }
    });
}
