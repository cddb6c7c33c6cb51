//! CIS 4.10: no secrets in the Dockerfile or the image.

use bulwark_sdk::command::basename;
use bulwark_sdk::dockerfile::{Dockerfile, Instruction};

/// ENV, ARG and LABEL instructions anywhere, ONBUILD triggers included.
pub(crate) fn pair_instructions(df: &Dockerfile) -> impl Iterator<Item = Instruction<'_>> {
    df.all_instructions()
        .into_iter()
        .filter(|i| i.is("ENV") || i.is("ARG") || i.is("LABEL"))
}

/// File names that hold keys or credentials.
pub(crate) fn is_secret_file(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    let name = basename(path).to_ascii_lowercase();
    const EXACT: [&str; 16] = [
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        ".env",
        ".npmrc",
        ".pypirc",
        ".netrc",
        ".git-credentials",
        "credentials",
        "credentials.json",
        "kubeconfig",
        ".htpasswd",
        "secrets.yaml",
        "secrets.yml",
        "secrets.json",
    ];
    const EXTENSIONS: [&str; 6] = [".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk"];
    const NOT_SECRET: [&str; 4] = ["example", "sample", "template", "dist"];
    if EXACT.contains(&name.as_str()) {
        return true;
    }
    if let Some(suffix) = name.strip_prefix(".env.") {
        return !NOT_SECRET.contains(&suffix);
    }
    if EXTENSIONS.iter().any(|e| name.ends_with(e)) {
        return true;
    }
    if name.ends_with(".pem") && (name.contains("key") || name.contains("private")) {
        return true;
    }
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".aws/credentials")
        || lower.ends_with(".docker/config.json")
        || lower.ends_with(".kube/config")
}

#[cfg(test)]
mod tests {
    use super::is_secret_file;

    #[test]
    fn recognises_secret_files() {
        for p in [
            "id_rsa",
            "/root/.ssh/id_ed25519",
            ".env",
            ".env.production",
            "certs/server.key",
            "tls-key.pem",
            "home/.aws/credentials",
            ".npmrc",
        ] {
            assert!(is_secret_file(p), "{p}");
        }
        for p in [
            "app.py",
            ".env.example",
            "ca.pem",
            "cert.pem",
            "keys/",
            "environment.yaml",
        ] {
            assert!(!is_secret_file(p), "{p}");
        }
    }
}
