//! `secret-kubernetes-manifest`: Secret values committed in a manifest.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::secrets::is_literal;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "secret-kubernetes-manifest",
    title: "Secret values committed in a manifest",
    severity: Severity::Medium,
    controls: &["Secrets: no literal secrets"],
    remediation: "Do not commit Secret values: create the Secret out of band, or commit an encrypted form (Sealed Secrets, SOPS) or an ExternalSecret that fetches it from a vault.",
    explanation: include_str!("secret_kubernetes_manifest.md"),
    check: Check::Kubernetes(secret_manifest),
};

fn secret_manifest(o: &Object<'_>, out: &mut Findings) {
    if o.kind != "Secret" || !o.group().is_empty() {
        return;
    }
    let name = o.name().unwrap_or_default();
    for field in ["data", "stringData"] {
        for (key, value) in o.root.get(field).map(|d| d.entries()).unwrap_or_default() {
            if is_public_material(key) {
                continue;
            }
            let literal = value.text().is_some_and(|t| is_literal(&t));
            if literal {
                out.report(
                    value.pointer(),
                    format!(
                        "Secret `{name}` carries the value of `{key}` in the manifest ({field})"
                    ),
                )
                .redact(value.pointer());
            }
        }
    }
}
