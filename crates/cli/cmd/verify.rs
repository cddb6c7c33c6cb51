//! `bulwark verify EVIDENCE --pub KEY.pub`: the promotion gate.
//!
//! Checks, in order: the envelope is DSSE JSON; a signature by the key
//! verifies over the pre-authentication encoding; the payload is an in-toto
//! Statement v1 of bulwark's scan predicate; with `--subjects-root`, every
//! subject still has its recorded SHA-256; with `--require pass`, the
//! recorded verdict passed. The first check that fails decides the exit
//! code and the message.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::Context;
use bulwark_evidence::{
    Envelope, Error, PAYLOAD_TYPE_IN_TOTO, Statement, VerifyingKey, sha256_hex,
};

use super::{Format, GlobalOptions};
use crate::exit::Exit;

use crate::evidence::PREDICATE_TYPE;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The evidence file (a DSSE envelope) to check.
    #[arg(value_name = "EVIDENCE")]
    evidence: PathBuf,
    /// The public key (SPKI PEM) the evidence must be signed with.
    #[arg(long = "pub", value_name = "KEY.pub")]
    public_key: PathBuf,
    /// Check that every subject under DIR still has its recorded digest.
    #[arg(long, value_name = "DIR")]
    subjects_root: Option<PathBuf>,
    /// Also fail unless the recorded verdict is this (only `pass`).
    #[arg(long, value_name = "VERDICT", value_parser = ["pass"])]
    require: Option<String>,
}

/// What `verify` concluded, printed before exiting.
struct Outcome {
    exit: Exit,
    message: String,
}

fn fail(exit: Exit, message: impl Into<String>) -> Outcome {
    Outcome {
        exit,
        message: message.into(),
    }
}

/// `root` joined with a subject name, refusing names that leave `root`.
fn subject_path(root: &Path, name: &str) -> Option<PathBuf> {
    let relative = Path::new(name);
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| root.join(relative))
}

fn check(args: &Args, key: &VerifyingKey, bytes: &[u8]) -> Outcome {
    let envelope = match Envelope::from_json(bytes) {
        Ok(e) => e,
        Err(e) => return fail(Exit::Malformed, e.to_string()),
    };
    let payload = match envelope.verify(key) {
        Ok(p) => p,
        Err(e @ (Error::WrongKey { .. } | Error::BadSignature)) => {
            return fail(Exit::BadSignature, e.to_string());
        }
        Err(e) => return fail(Exit::Malformed, e.to_string()),
    };
    if envelope.payload_type != PAYLOAD_TYPE_IN_TOTO {
        return fail(
            Exit::Malformed,
            format!(
                "payload type is `{}`, not `{PAYLOAD_TYPE_IN_TOTO}`",
                envelope.payload_type
            ),
        );
    }
    let statement: Statement<serde_json::Value> =
        match Statement::from_json(&payload, PREDICATE_TYPE) {
            Ok(s) => s,
            Err(e) => return fail(Exit::Malformed, e.to_string()),
        };
    let verdict = statement.predicate["verdict"]["result"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    if verdict.is_empty() {
        return fail(Exit::Malformed, "the predicate records no verdict");
    }
    // Standard input has a recorded digest but nothing to re-read.
    let mut unchecked = 0;
    if let Some(root) = &args.subjects_root {
        for subject in &statement.subject {
            let Some(expected) = subject.sha256() else {
                return fail(
                    Exit::Malformed,
                    format!("subject {} has no sha256 digest", subject.name),
                );
            };
            if subject.name == crate::evidence::STDIN_SUBJECT {
                unchecked += 1;
                continue;
            }
            let Some(path) = subject_path(root, &subject.name) else {
                return fail(
                    Exit::Malformed,
                    format!("subject name {} leaves the subjects root", subject.name),
                );
            };
            match std::fs::read(&path) {
                Ok(bytes) if sha256_hex(&bytes) == expected => {}
                Ok(bytes) => {
                    return fail(
                        Exit::SubjectChanged,
                        format!(
                            "subject {} changed: recorded sha256 {expected}, now {}",
                            subject.name,
                            sha256_hex(&bytes)
                        ),
                    );
                }
                Err(e) => {
                    return fail(
                        Exit::SubjectChanged,
                        format!(
                            "subject {} is missing ({}): {e}",
                            subject.name,
                            path.display()
                        ),
                    );
                }
            }
        }
    }
    if args.require.as_deref() == Some("pass") && verdict != "pass" {
        return fail(
            Exit::Findings,
            format!("the recorded verdict is `{verdict}`, and `pass` is required"),
        );
    }
    let checked = if args.subjects_root.is_some() {
        let stdin = if unchecked > 0 {
            " (standard input, recorded by digest only, not re-checked)"
        } else {
            ""
        };
        format!(
            ", {} subjects unchanged{stdin}",
            statement.subject.len() - unchecked
        )
    } else {
        String::new()
    };
    Outcome {
        exit: Exit::Clean,
        message: format!(
            "verified: signed by {} ({}){checked}; recorded verdict `{verdict}`",
            key.key_id(),
            key.algorithm()
        ),
    }
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let pem = std::fs::read_to_string(&args.public_key)
        .with_context(|| format!("reading {}", args.public_key.display()))?;
    let key = VerifyingKey::from_public_key_pem(&pem)
        .with_context(|| format!("reading {}", args.public_key.display()))?;
    let bytes = std::fs::read(&args.evidence)
        .with_context(|| format!("reading {}", args.evidence.display()))?;
    let outcome = check(&args, &key, &bytes);
    let ok = outcome.exit == Exit::Clean;
    match global.format {
        Format::Json => writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::json!({
                "verified": ok,
                "exit_code": outcome.exit.code(),
                "message": outcome.message,
            })
        )?,
        _ if ok => writeln!(std::io::stdout().lock(), "{}", outcome.message)?,
        _ => writeln!(
            std::io::stderr().lock(),
            "error: {}: {}",
            args.evidence.display(),
            outcome.message
        )?,
    }
    Ok(outcome.exit)
}
