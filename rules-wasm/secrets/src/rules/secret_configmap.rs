//! `secret-configmap`: Secret in a ConfigMap.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::pointer::within;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "secret-configmap",
    title: "Secret in a ConfigMap",
    severity: Severity::High,
    controls: &["Secrets: no literal secrets"],
    remediation: "Move the value to a Secret (with encryption at rest and tight RBAC) and mount or reference it from there.",
    explanation: include_str!("secret_configmap.md"),
    check: Check::Kubernetes(configmap),
};

fn configmap(o: &Object<'_>, out: &mut Findings) {
    if o.kind != "ConfigMap" || !o.group().is_empty() {
        return;
    }
    let name = o.name().unwrap_or_default();
    for (key, value) in o.root.get("data").map(|d| d.entries()).unwrap_or_default() {
        let Some(text) = value.text() else { continue };
        if let Some(why) = judge(key, &text) {
            out.report(
                value.pointer(),
                format!("ConfigMap `{name}`: key `{key}` {why}"),
            )
            .redact(value.pointer());
            continue;
        }
        // A config file held in the value: each secret at its own place.
        for (range, what) in inside(value.as_str().unwrap_or_default()) {
            let at = within(&value.pointer(), &text, range);
            out.report(
                at.clone(),
                format!("ConfigMap `{name}`: key `{key}` {what}"),
            )
            .redact(at);
        }
    }
}
