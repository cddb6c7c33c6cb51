//! `secret-kubernetes-env`: Literal secret in a container's environment.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::secrets::known_format;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "secret-kubernetes-env",
    title: "Literal secret in a container's environment",
    severity: Severity::Critical,
    controls: &["Secrets: no literal secrets"],
    remediation: "Put the value in a Secret and reference it: `valueFrom: {secretKeyRef: {name: app, key: password}}`, or mount the Secret as a file.",
    explanation: include_str!("secret_kubernetes_env.md"),
    check: Check::Kubernetes(kubernetes_env),
};

fn kubernetes_env(o: &Object<'_>, out: &mut Findings) {
    let Some(pod) = o.pod() else { return };
    for c in pod.containers() {
        for var in c.at.get("env").map(|e| e.items()).unwrap_or_default() {
            let (Some(name), Some(value)) =
                (var.get("name").and_then(|n| n.text()), var.get("value"))
            else {
                continue;
            };
            let Some(text) = value.text() else { continue };
            if let Some(why) = judge(&name, &text) {
                out.report(
                    value.pointer(),
                    format!("{}: environment variable `{name}` {why}", c.label()),
                )
                .redact(value.pointer());
            }
        }
        for key in ["command", "args"] {
            for word in c.at.get(key).map(|l| l.items()).unwrap_or_default() {
                if let Some(kind) = word.as_str().and_then(known_format) {
                    out.report(
                        word.pointer(),
                        format!("{}: `{key}` holds what looks like {kind}", c.label()),
                    )
                    .redact(word.pointer());
                }
            }
        }
    }
}
