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
use bulwark_report::escape::inline;

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
    /// Accept evidence of a run that scanned no file (refused by default:
    /// a pass on nothing vouches for nothing).
    #[arg(long)]
    allow_empty: bool,
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

/// `root` joined with a subject name, refusing names that leave `root`
/// (malformed evidence) and files that a symbolic link takes out of it
/// (a checkout that is not what was scanned).
fn subject_path(root: &Path, name: &str) -> Result<PathBuf, Outcome> {
    let relative = Path::new(name);
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(fail(
            Exit::Malformed,
            format!("subject name {} leaves the subjects root", inline(name)),
        ));
    }
    let path = root.join(relative);
    if let (Ok(real), Ok(real_root)) = (path.canonicalize(), root.canonicalize())
        && !real.starts_with(&real_root)
    {
        return Err(fail(
            Exit::SubjectChanged,
            format!(
                "subject {} is a symbolic link out of the subjects root; it is not followed",
                inline(name)
            ),
        ));
    }
    Ok(path)
}

/// Classifies the checkout at `root` as `scan` would, with the recorded
/// exclusions, and names the first input that the evidence neither covers
/// as a subject nor excludes.
fn uncovered_input(
    root: &Path,
    predicate: &serde_json::Value,
    subjects: &std::collections::BTreeSet<&str>,
) -> Result<Option<String>, String> {
    let coverage = &predicate["coverage"];
    let exclude = &coverage["exclude"];
    let patterns: Vec<&str> = exclude["patterns"]
        .as_array()
        .map(|p| p.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let base = exclude["base"].as_str().unwrap_or("");
    let excludes = bulwark_config::Excludes::new(patterns.iter().copied())
        .map_err(|(_, e)| format!("the recorded exclusions do not compile: {e}"))?;
    let exclusion = |rel: &str, _dir: bool| -> Option<bulwark_inputs::Exclusion> {
        let under_base = if base.is_empty() {
            Some(rel)
        } else {
            rel.strip_prefix(base).and_then(|r| r.strip_prefix('/'))
        }?;
        excludes
            .matching(under_base)
            .map(|pattern| bulwark_inputs::Exclusion {
                pattern: pattern.to_owned(),
                config: "the recorded configuration".to_owned(),
            })
    };
    let root = bulwark_inputs::Root::at(root);
    let discovery = bulwark_inputs::Discovery {
        include_ignored: coverage["include_ignored"].as_bool().unwrap_or(false),
        config: None,
    };
    let found = discovery.discover(&root, &[root.path().to_path_buf()], &exclusion);
    let options = bulwark_inputs::LoadOptions {
        kind: None,
        max_file_size: predicate["configuration"]["settings"]["max_file_size"]
            .as_u64()
            .unwrap_or(10 << 20),
        helm: bulwark_inputs::helm::Helm::default(),
    };
    for candidate in &found.candidates {
        let Some(name) = candidate.relative.as_deref() else {
            continue;
        };
        let (input, subject) = if candidate.chart {
            (
                true,
                format!(
                    "{}Chart.yaml",
                    if name.is_empty() {
                        String::new()
                    } else {
                        format!("{name}/")
                    }
                ),
            )
        } else {
            let input = match bulwark_inputs::load(candidate, &options) {
                Ok(bulwark_inputs::Loaded::Documents { .. }) | Err(_) => true,
                Ok(_) => false,
            };
            (input, name.to_owned())
        };
        if input && !subjects.contains(subject.as_str()) {
            return Ok(Some(name.to_owned()));
        }
    }
    Ok(None)
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
    let scanned = statement.predicate["counts"]["files"].as_u64().unwrap_or(0);
    if !args.allow_empty && (scanned == 0 || statement.subject.is_empty()) {
        return fail(
            Exit::SubjectChanged,
            "the evidence records a run that scanned no file: it vouches for nothing (--allow-empty accepts it)",
        );
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
            let path = match subject_path(root, &subject.name) {
                Ok(path) => path,
                Err(outcome) => return outcome,
            };
            match std::fs::read(&path) {
                Ok(bytes) if sha256_hex(&bytes) == expected => {}
                Ok(bytes) => {
                    return fail(
                        Exit::SubjectChanged,
                        format!(
                            "subject {} changed: recorded sha256 {expected}, now {}",
                            inline(&subject.name),
                            sha256_hex(&bytes)
                        ),
                    );
                }
                Err(e) => {
                    return fail(
                        Exit::SubjectChanged,
                        format!(
                            "subject {} is missing ({}): {e}",
                            inline(&subject.name),
                            inline(&path.display().to_string())
                        ),
                    );
                }
            }
        }
        let names: std::collections::BTreeSet<&str> =
            statement.subject.iter().map(|s| s.name.as_str()).collect();
        match uncovered_input(root, &statement.predicate, &names) {
            Ok(None) => {}
            Ok(Some(name)) => {
                return fail(
                    Exit::SubjectChanged,
                    format!(
                        "{} is an input in {} that the evidence neither scanned nor excluded: evidence of a smaller scan cannot vouch for this checkout",
                        inline(&name),
                        inline(&root.display().to_string())
                    ),
                );
            }
            Err(e) => return fail(Exit::Malformed, e),
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
        _ if ok => writeln!(std::io::stdout().lock(), "{}", inline(&outcome.message))?,
        _ => writeln!(
            std::io::stderr().lock(),
            "error: {}: {}",
            inline(&args.evidence.display().to_string()),
            inline(&outcome.message)
        )?,
    }
    Ok(outcome.exit)
}
