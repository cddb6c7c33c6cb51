//! `secret-helm-values`: Literal secret in Helm values.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::json::Json;
use bulwark_sdk::pointer::within;
use bulwark_sdk::secrets::{is_literal, is_secret_name, known_format};
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "secret-helm-values",
    title: "Literal secret in Helm values",
    severity: Severity::Critical,
    controls: &["Secrets: no literal secrets"],
    remediation: "Leave the value empty in the committed values file and reference an existing Secret (most charts offer `existingSecret`), or supply it at deploy time from a secret store (`--set-file`, helm-secrets, External Secrets).",
    explanation: include_str!("secret_helm_values.md"),
    check: Check::HelmValues(helm_values),
};

/// Walks Helm values: keys with secret names holding literals, values of a
/// known credential format, and `{name: X_PASSWORD, value: …}` env entries.
fn helm_values(root: &Json<'_>, out: &mut Findings) {
    let mut stack: Vec<(&str, Json<'_>)> = vec![("", *root)];
    while let Some((key, node)) = stack.pop() {
        if let Some(text) = node.as_str() {
            if let Some(why) = judge(key, text) {
                out.report(
                    node.pointer(),
                    format!("value `{}` {why}", display_path(&node.pointer())),
                )
                .redact(node.pointer());
                continue;
            }
            // A config file held in the value: each secret at its own place.
            for (range, what) in inside(text) {
                let at = within(&node.pointer(), text, range);
                out.report(
                    at.clone(),
                    format!("value `{}` {what}", display_path(&node.pointer())),
                )
                .redact(at);
            }
            continue;
        }
        // Numbers, booleans and nulls hold nothing to judge.
        if !node.is_object() && !node.is_array() {
            continue;
        }
        if let (Some(name), Some(value)) = (
            node.get("name").and_then(|n| n.text()),
            node.get("value").filter(|v| v.as_str().is_some()),
        ) && let Some(text) = value.as_str()
            && known_format(text).is_none()
            && is_secret_name(&name)
            && is_literal(text)
        {
            out.report(
                value.pointer(),
                format!(
                    "environment entry `{name}` in `{}` is set to a literal secret",
                    display_path(&node.pointer())
                ),
            )
            .redact(value.pointer());
        }
        let entries = node.entries();
        if entries.is_empty() {
            for item in node.items().into_iter().rev() {
                stack.push((key, item));
            }
        } else {
            for (k, v) in entries.into_iter().rev() {
                stack.push((k, v));
            }
        }
    }
}
