//! `bulwark sign MODULE --key KEY`: a signature of a rule module, for runs
//! that trust only modules signed by known keys.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use super::{Format, GlobalOptions};
use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule module (a component) to sign.
    #[arg(value_name = "MODULE")]
    module: PathBuf,
    /// The private key (PKCS#8 PEM) to sign with; default: the file named
    /// by $BULWARK_SIGNING_KEY_FILE.
    #[arg(long = "key", value_name = "FILE")]
    key: Option<PathBuf>,
    /// Where to write the signature [default: MODULE.sig].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let key_path = crate::keys::signing_key_path(args.key.as_deref(), "`bulwark sign` needs")?;
    let key = bulwark_scan::evidence::read_signing_key(&key_path)
        .with_context(|| format!("reading the signing key {}", key_path.display()))?;
    let bytes = std::fs::read(&args.module)
        .with_context(|| format!("reading rule module {}", args.module.display()))?;
    let name = args
        .module
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let envelope =
        bulwark_evidence::module::sign_module(&name, &bytes, &key).context("signing the module")?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| bulwark_scan::modules::default_signature_path(&args.module));
    std::fs::write(&out, envelope.to_json())
        .with_context(|| format!("writing {}", out.display()))?;
    let digest = bulwark_evidence::sha256_hex(&bytes);
    let keyid = key.verifying_key().key_id();
    let mut stdout = std::io::stdout().lock();
    match global.format {
        Format::Json => writeln!(
            stdout,
            "{}",
            serde_json::json!({
                "module": args.module.display().to_string(),
                "sha256": digest,
                "keyid": keyid,
                "signature": out.display().to_string(),
            })
        )?,
        _ => writeln!(
            stdout,
            "signed {} (sha256 {digest}) with key {keyid}: {}\npin it: --rules {}@sha256:{digest}",
            args.module.display(),
            out.display(),
            args.module.display()
        )?,
    }
    Ok(Exit::Clean)
}
