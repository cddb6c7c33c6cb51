//! `bulwark verify EVIDENCE --pub KEY.pub`: the promotion gate.
//!
//! The checks are `bulwark_scan::verify`; this file reads the files, maps
//! the outcome to an exit code and prints it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use bulwark_evidence::VerifyingKey;
use bulwark_report::escape::inline;

use super::{Format, GlobalOptions};
use crate::exit::Exit;

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
    /// Fail unless this image (resolved now: `oci:DIR[:TAG]`,
    /// `oci-archive:FILE`, `docker-archive:FILE`, `[docker://]HOST/REPO…`)
    /// is what the evidence
    /// scanned: its digest must be a subject (repeatable).
    #[arg(long = "image", value_name = "REF")]
    images: Vec<String>,
    #[command(flatten)]
    registry: crate::options::RegistryOptions,
    /// Also fail unless the recorded verdict is this (only `pass`).
    #[arg(long, value_name = "VERDICT", value_parser = ["pass"])]
    require: Option<String>,
    /// Accept evidence of a run that scanned no file (refused by default:
    /// a pass on nothing vouches for nothing).
    #[arg(long)]
    allow_empty: bool,
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let pem = std::fs::read_to_string(&args.public_key)
        .with_context(|| format!("reading {}", args.public_key.display()))?;
    let key = VerifyingKey::from_public_key_pem(&pem)
        .with_context(|| format!("reading {}", args.public_key.display()))?;
    let bytes = std::fs::read(&args.evidence)
        .with_context(|| format!("reading {}", args.evidence.display()))?;
    let options = bulwark_scan::verify::Options {
        subjects_root: args.subjects_root.as_deref(),
        images: &args.images,
        registries: args.registry.registries(),
        require_pass: args.require.as_deref() == Some("pass"),
        allow_empty: args.allow_empty,
    };
    let (exit, message) = match bulwark_scan::verify::verify(&bytes, &key, &options) {
        Ok(verified) => (Exit::Clean, verified.to_string()),
        Err(refused) => {
            let exit = match refused.exit_code() {
                1 => Exit::Findings,
                4 => Exit::BadSignature,
                5 => Exit::Malformed,
                _ => Exit::SubjectChanged,
            };
            (exit, refused.to_string())
        }
    };
    let ok = exit == Exit::Clean;
    match global.format {
        Format::Json => writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::json!({
                "verified": ok,
                "exit_code": exit.code(),
                "message": message,
            })
        )?,
        _ if ok => writeln!(std::io::stdout().lock(), "{}", inline(&message))?,
        _ => writeln!(
            std::io::stderr().lock(),
            "error: {}: {}",
            inline(&args.evidence.display().to_string()),
            inline(&message)
        )?,
    }
    Ok(exit)
}
