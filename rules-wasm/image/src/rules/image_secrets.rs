//! `image-secrets`: Secrets in the image.

use bulwark_sdk::Findings;
use bulwark_sdk::image::{File, Image};
use bulwark_sdk::pointer::within;
use bulwark_sdk::secrets::{find, is_literal, is_secret_name, known_format};
use bulwark_sdk::{Check, Rule, Severity};

use super::made_by;

/// The rule.
pub const RULE: Rule = Rule {
    id: "image-secrets",
    title: "Secret in the image",
    severity: Severity::Critical,
    controls: &["CIS-Docker 4.10"],
    remediation: "Pass secrets at build time with `RUN --mount=type=secret` and at run time from a secret store; never `ENV`, `ARG`, `COPY` them. A file deleted in a later layer stays in the earlier layer's blob: rebuild without it, and rotate the secret.",
    explanation: include_str!("image_secrets.md"),
    check: Check::Image {
        reads: &[
            "**/.aws/credentials",
            "**/.docker/config.json",
            "**/.netrc",
            "**/.git-credentials",
            "**/.npmrc",
            "**/.pypirc",
            "**/.pgpass",
            "**/.env",
            "**/id_rsa",
            "**/id_dsa",
            "**/id_ecdsa",
            "**/id_ed25519",
            "**/*.pem",
            "**/*.key",
        ],
        check: secrets,
    },
};

/// Files that hold a private key or credentials whatever their content.
const KEY_FILES: [&str; 6] = [
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".git-credentials",
    ".pgpass",
];

/// CIS 4.10: secrets in the configuration's environment and labels, in the
/// history (build arguments recorded in `created_by`), and credential files
/// in the filesystem or deleted by a later layer but still in a blob.
fn secrets(image: &Image<'_>, out: &mut Findings) {
    environment(image, out);
    labels(image, out);
    history(image, out);
    for file in image.files() {
        if let Some(what) = credential(image, &file, false) {
            out.report(
                file.at.pointer(),
                format!(
                    "`{}` {what}, from {}",
                    file.path(),
                    made_by(image, file.layer())
                ),
            );
        }
    }
    for file in image.removed() {
        if let Some(what) = credential(image, &file, true) {
            let how = if file.at.get("how").and_then(|h| h.as_str()) == Some("overwritten") {
                "replaced"
            } else {
                "deleted"
            };
            out.report(
                file.at.pointer(),
                format!(
                    "`{}` {what}; {} {how} it, but {}'s blob still holds it for anyone who pulls the image",
                    file.path(),
                    made_by(image, file.removed_in().unwrap_or_default()),
                    made_by(image, file.layer())
                ),
            );
        }
    }
}

/// `NAME=value` entries of `Env` with a literal secret.
fn environment(image: &Image<'_>, out: &mut Findings) {
    let env = image
        .config_field("Env")
        .map(|e| e.items())
        .unwrap_or_default();
    for entry in env {
        let Some(text) = entry.as_str() else { continue };
        let Some((name, value)) = text.split_once('=') else {
            continue;
        };
        let why = match known_format(value) {
            Some(kind) => format!("holds what looks like {kind}"),
            None if is_secret_name(name) && is_literal(value) => {
                "is set to a literal secret".to_owned()
            }
            None => continue,
        };
        let at = within(&entry.pointer(), text, name.len() + 1..text.len());
        out.report(at.clone(), format!("environment variable `{name}` {why}"))
            .redact(at);
    }
}

/// `Labels` whose value is a literal secret: by its format, or by a
/// secret's name (`org.example.api-token`) with a literal value.
fn labels(image: &Image<'_>, out: &mut Findings) {
    let labels = image
        .config_field("Labels")
        .map(|l| l.entries())
        .unwrap_or_default();
    for (name, value) in labels {
        let Some(text) = value.as_str() else { continue };
        // A label's name is dotted and dashed: its last part says what
        // it holds (`com.example.db-password`).
        let last = name.rsplit(['.', '/']).next().unwrap_or(name);
        let why = match known_format(text) {
            Some(kind) => format!("holds what looks like {kind}"),
            None if is_secret_name(&last.replace('-', "_")) && is_literal(text) => {
                "is set to a literal secret".to_owned()
            }
            None => continue,
        };
        let at = value.pointer();
        out.report(at.clone(), format!("label `{name}` {why}"))
            .redact(at);
    }
}

/// Secrets in what built each layer (`|1 TOKEN=… /bin/sh -c …`).
fn history(image: &Image<'_>, out: &mut Findings) {
    let steps = image
        .root
        .get("history")
        .map(|h| h.items())
        .unwrap_or_default();
    for step in steps {
        let Some(created_by) = step.get("created_by") else {
            continue;
        };
        let Some(text) = created_by.as_str() else {
            continue;
        };
        for range in find(text) {
            let name = bulwark_sdk::secrets::assigned_name(text, range.clone())
                .map(|n| format!(" (`{n}`)"))
                .unwrap_or_default();
            let at = within(&created_by.pointer(), text, range);
            out.report(
                at.clone(),
                format!("the image's history records a secret{name}: build arguments and commands are part of the image"),
            )
            .redact(at);
        }
    }
}

/// What makes `file` a credential file, if it is one: its name, or its
/// content (which the host included for the names in `reads`).
fn credential(image: &Image<'_>, file: &File<'_>, removed: bool) -> Option<String> {
    if file.kind() != "file" {
        return None;
    }
    let path = file.path();
    let name = path.rsplit('/').next().unwrap_or(path);
    if KEY_FILES.contains(&name) || path.ends_with("/.aws/credentials") {
        return Some("is a credentials file".to_owned());
    }
    let text = image
        .contents()
        .into_iter()
        .find(|(c, was_removed)| {
            *was_removed == removed
                && c.get("path").and_then(|p| p.as_str()) == Some(path)
                && c.get("layer").and_then(|l| l.as_i64()) == i64::try_from(file.layer()).ok()
        })
        .and_then(|(c, _)| c.get("text")?.as_str())?;
    if text.contains("PRIVATE KEY-----") {
        return Some("holds a private key".to_owned());
    }
    (!find(text).is_empty()).then(|| "holds credentials".to_owned())
}
