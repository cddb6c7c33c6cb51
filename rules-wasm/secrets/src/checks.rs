//! Literal secrets in Kubernetes objects, Compose files and Helm values.
//!
//! One detector ([`bulwark_sdk::secrets`]) judges every value, here and in
//! the Dockerfile pack. Every finding redacts the value it is about: the
//! host masks it in every output.

use std::ops::Range;

use bulwark_sdk::secrets::{assigned_name, find, is_literal, is_secret_name, known_format};

/// What a `name`d value holds, if it is a literal secret: the reason.
pub(crate) fn judge(name: &str, value: &str) -> Option<String> {
    if let Some(kind) = known_format(value) {
        return Some(format!("holds what looks like {kind}"));
    }
    (is_secret_name(name) && is_literal(value)).then(|| "is set to a literal secret".to_owned())
}

/// The secrets written inside `value`, a value that holds a config file
/// (properties, ini, `.env`, shell `export`, JSON, YAML): each byte range
/// with what it is (`sets \`DB_PASSWORD\` to a literal secret`).
pub(crate) fn inside(value: &str) -> Vec<(Range<usize>, String)> {
    find(value)
        .into_iter()
        .map(|r| {
            let what = match assigned_name(value, r.clone()) {
                Some(name) => format!("sets `{name}` to a literal secret"),
                None => match known_format(&value[r.clone()]) {
                    Some(kind) => format!("holds what looks like {kind}"),
                    None => "holds a literal secret".to_owned(),
                },
            };
            (r, what)
        })
        .collect()
}

/// Keys of public material that Secrets often carry alongside the private
/// parts: certificates, public keys, Diffie-Hellman parameters.
pub(crate) fn is_public_material(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.ends_with(".crt")
        || key.ends_with(".pub")
        || key.ends_with(".cert")
        || key == "ca.pem"
        || key.starts_with("dhparam")
}

/// `/a/b/0/c` as `a.b[0].c`.
pub(crate) fn display_path(pointer: &str) -> String {
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
