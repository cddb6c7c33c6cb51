//! CIS 4.10: no secrets in the Dockerfile or the image.

use bulwark_sdk::Findings;
use bulwark_sdk::command::basename;
use bulwark_sdk::dockerfile::{Dockerfile, Instruction};
use bulwark_sdk::secrets::{is_literal, is_secret_name, known_format};

use crate::walk::run_commands;

/// ENV, ARG and LABEL instructions anywhere, ONBUILD triggers included.
fn pair_instructions(df: &Dockerfile) -> impl Iterator<Item = &Instruction> {
    df.all_instructions()
        .into_iter()
        .filter(|i| i.is("ENV") || i.is("ARG") || i.is("LABEL"))
}

pub fn check_literal(df: &Dockerfile, out: &mut Findings) {
    for instr in pair_instructions(df) {
        for pair in &instr.pairs {
            let Some(value) = pair.value.as_deref() else {
                continue;
            };
            let key = &pair.key;
            if let Some(kind) = known_format(value) {
                out.report(
                    pair.value_pointer(),
                    format!("{} `{key}` holds what looks like {kind}", instr.keyword),
                )
                .redact(pair.value_pointer());
            } else if !instr.is("LABEL") && is_secret_name(key) && is_literal(value) {
                let what = if instr.is("ARG") {
                    "has a literal secret as its default"
                } else {
                    "sets a literal secret"
                };
                out.report(pair.value_pointer(), format!("{} `{key}` {what}", instr.keyword))
                    .detail("the value is stored in the image configuration and history, readable by anyone who can pull the image")
                    .redact(pair.value_pointer());
            }
        }
    }
    for (_, cmd) in run_commands(df) {
        for (i, var) in cmd.env.iter().enumerate() {
            if known_format(&var.value).is_some()
                || (is_secret_name(&var.name) && is_literal(&var.value))
            {
                out.report(
                    cmd.env_pointer(i),
                    format!(
                        "RUN sets `{}` to a literal secret, recorded in the image history",
                        var.name
                    ),
                )
                .redact(cmd.env_pointer(i));
            }
        }
        for (i, word) in cmd.argv.iter().enumerate() {
            if let Some(kind) = known_format(word) {
                out.report(
                    cmd.arg_pointer(i),
                    format!(
                        "`{}` is given what looks like {kind}, recorded in the image history",
                        basename(&cmd.argv[0])
                    ),
                )
                .redact(cmd.arg_pointer(i));
            }
        }
    }
    for instr in df.all_instructions() {
        if instr.is("COPY") || instr.is("ADD") {
            for (i, source) in instr.sources.iter().enumerate() {
                if let Some(kind) = known_format(source) {
                    out.report(
                        instr.source_pointer(i),
                        format!("{} source holds {kind}", instr.keyword),
                    )
                    .redact(instr.source_pointer(i));
                }
            }
        }
        for heredoc in &instr.heredocs {
            if let Some(kind) = known_format(&heredoc.content) {
                out.report(
                    &heredoc.pointer,
                    format!(
                        "the heredoc `{}` contains what looks like {kind}",
                        heredoc.name
                    ),
                )
                .redact(&heredoc.pointer);
            }
        }
    }
}

pub fn check_build_arg(df: &Dockerfile, out: &mut Findings) {
    for instr in df.all_instructions().into_iter().filter(|i| i.is("ARG")) {
        for pair in &instr.pairs {
            // A literal default is reported by `docker-secret-literal`.
            let literal = pair
                .value
                .as_deref()
                .is_some_and(|v| is_literal(v) || known_format(v).is_some());
            if is_secret_name(&pair.key) && !literal {
                out.report(&pair.pointer, format!("build argument `{}` carries a secret into the build", pair.key))
                    .detail("build argument values are recorded in the image history (`docker history`) and in provenance attestations");
            }
        }
    }
}

/// File names that hold keys or credentials.
fn is_secret_file(path: &str) -> bool {
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

pub fn check_files(df: &Dockerfile, out: &mut Findings) {
    for instr in df
        .all_instructions()
        .into_iter()
        .filter(|i| i.is("COPY") || i.is("ADD"))
    {
        for (i, source) in instr.sources.iter().enumerate() {
            if is_secret_file(source) {
                out.report(
                    instr.source_pointer(i),
                    format!(
                        "{} puts the credential file `{source}` into the image",
                        instr.keyword
                    ),
                );
            }
        }
    }
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
