//! `runtime-sshd`: Container runs an SSH daemon.

use crate::compose::each;
use crate::compose::mentions_sshd;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::Object;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-sshd",
    title: "Container runs an SSH daemon",
    severity: Severity::Medium,
    controls: &["CIS-Docker 5.7"],
    remediation: "Remove the SSH server. Use `docker exec` or `kubectl exec` (audited, authenticated by the platform) to get a shell.",
    explanation: include_str!("runtime_sshd.md"),
    check: Check::Each(&[
        Check::Compose(compose_sshd),
        Check::Kubernetes(kubernetes_sshd),
    ]),
};

fn compose_sshd(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for key in ["image", "command", "entrypoint"] {
            let Some(at) = s.get(key) else { continue };
            let text = match at.text() {
                Some(t) => t,
                None => at
                    .items()
                    .iter()
                    .filter_map(Json::text)
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            if mentions_sshd(&text) {
                out.report(
                    at.pointer(),
                    format!("service `{}` runs an SSH daemon ({key})", s.name),
                );
            }
        }
    });
}

fn kubernetes_sshd(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for key in ["image", "command", "args"] {
            let Some(at) = c.at.get(key) else { continue };
            let text = at.text().unwrap_or_else(|| {
                at.items()
                    .iter()
                    .filter_map(Json::text)
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            if mentions_sshd(&text) {
                out.report(
                    at.pointer(),
                    format!("{} runs an SSH daemon ({key})", c.label()),
                );
            }
        }
    });
}
