//! Literal secrets in Kubernetes objects, Compose files and Helm values.
//!
//! One detector ([`bulwark_sdk::secrets`]) judges every value, here and in
//! the Dockerfile pack. Every finding redacts the value it is about: the
//! host masks it in every output.

use bulwark_sdk::compose::Compose;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::secrets::{is_literal, is_secret_name, known_format};
use bulwark_sdk::{Document, Findings};

/// What a `name`d value holds, if it is a literal secret: the reason.
fn judge(name: &str, value: &str) -> Option<String> {
    if let Some(kind) = known_format(value) {
        return Some(format!("holds what looks like {kind}"));
    }
    (is_secret_name(name) && is_literal(value)).then(|| "is set to a literal secret".to_owned())
}

pub fn kubernetes_env(o: &Object<'_>, out: &mut Findings) {
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

pub fn configmap(o: &Object<'_>, out: &mut Findings) {
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
        }
    }
}

/// Keys of public material that Secrets often carry alongside the private
/// parts: certificates, public keys, Diffie-Hellman parameters.
fn is_public_material(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.ends_with(".crt")
        || key.ends_with(".pub")
        || key.ends_with(".cert")
        || key == "ca.pem"
        || key.starts_with("dhparam")
}

pub fn secret_manifest(o: &Object<'_>, out: &mut Findings) {
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

pub fn compose_env(c: &Compose<'_>, out: &mut Findings) {
    for s in c.services() {
        for var in s.environment() {
            let Some(value) = var.value.as_deref() else {
                continue;
            };
            if let Some(why) = judge(&var.name, value) {
                out.report(
                    var.at.pointer(),
                    format!(
                        "service `{}`: environment variable `{}` {why}",
                        s.name, var.name
                    ),
                )
                .redact(var.at.pointer());
            }
        }
    }
}

/// Walks Helm values: keys with secret names holding literals, values of a
/// known credential format, and `{name: X_PASSWORD, value: …}` env entries.
pub fn helm_values(doc: &Document, out: &mut Findings) {
    let Some(root) = doc.root() else { return };
    let mut stack: Vec<(String, Json<'_>)> = vec![(String::new(), root)];
    while let Some((key, node)) = stack.pop() {
        if let Some(text) = node.as_str() {
            if let Some(why) = judge(&key, text) {
                out.report(
                    node.pointer(),
                    format!("value `{}` {why}", display_path(&node.pointer())),
                )
                .redact(node.pointer());
            }
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
                stack.push((key.clone(), item));
            }
        } else {
            for (k, v) in entries.into_iter().rev() {
                stack.push((k.to_owned(), v));
            }
        }
    }
}

/// `/a/b/0/c` as `a.b[0].c`.
fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{token}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn tells_public_material_from_secrets() {
        for key in ["ca.crt", "tls.crt", "id_ed25519.pub", "dhparam.pem"] {
            assert!(super::is_public_material(key), "{key}");
        }
        for key in ["tls.key", "password", "id_ed25519", ".dockerconfigjson"] {
            assert!(!super::is_public_material(key), "{key}");
        }
    }

    #[test]
    fn displays_value_paths() {
        assert_eq!(
            super::display_path("/auth/users/0/pass~1word"),
            "auth.users[0].pass/word"
        );
    }
}
