//! `bulwark sign MODULE --key KEY`: a signature of a rule module, for runs
//! that trust only modules signed by known keys. For a module in a
//! registry (`oci://REF@sha256:…`) the signature is attached to its
//! manifest as a referrer.

use std::path::PathBuf;

use anyhow::Context;

use super::{Format, GlobalOptions};
use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule module to sign: a component file, or
    /// `oci://HOST/REPO:TAG@sha256:DIGEST` in a registry (the signature is
    /// pushed as an artifact whose subject is the module's manifest).
    #[arg(value_name = "MODULE")]
    module: String,
    /// The private key (PKCS#8 PEM) to sign with; default: the file named
    /// by $BULWARK_SIGNING_KEY_FILE.
    #[arg(long = "key", value_name = "FILE")]
    key: Option<PathBuf>,
    /// Where to write the signature [default: MODULE.sig; for a
    /// registry module, only pushed].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    registry: crate::options::RegistryOptions,
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let key_path = crate::keys::signing_key_path(args.key.as_deref(), "`bulwark sign` needs")?;
    let key = bulwark_scan::evidence::read_signing_key(&key_path)
        .with_context(|| format!("reading the signing key {}", key_path.display()))?;
    if args.module.starts_with("oci://") {
        return sign_oci(&args, &key, global);
    }
    let module = PathBuf::from(&args.module);
    let bytes = std::fs::read(&module)
        .with_context(|| format!("reading rule module {}", module.display()))?;
    let name = module
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let envelope =
        bulwark_evidence::module::sign_module(&name, &bytes, &key).context("signing the module")?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| bulwark_scan::modules::default_signature_path(&module));
    std::fs::write(&out, envelope.to_json())
        .with_context(|| format!("writing {}", out.display()))?;
    let digest = bulwark_evidence::sha256_hex(&bytes);
    let keyid = key.verifying_key().key_id();
    crate::output::print_result(
        global.format == Format::Json,
        serde_json::json!({
            "module": module.display().to_string(),
            "sha256": digest,
            "keyid": keyid,
            "signature": out.display().to_string(),
        }),
        || {
            format!(
                "signed {} (sha256 {digest}) with key {keyid}: {}\npin it: --rules {}@sha256:{digest}",
                module.display(),
                out.display(),
                module.display()
            )
        },
    )?;
    Ok(Exit::Clean)
}

/// Signs the module a registry holds and attaches the signature to its
/// manifest.
fn sign_oci(
    args: &Args,
    key: &bulwark_evidence::SigningKey,
    global: &GlobalOptions,
) -> anyhow::Result<Exit> {
    use bulwark_scan::oci::{Fetcher, OciModule};
    let module = OciModule::parse(&args.module).map_err(anyhow::Error::msg)?;
    let fetcher = Fetcher::new(
        args.registry.registries(),
        bulwark_scan::oci::default_store(),
        false,
    );
    let digest = match &module.digest {
        Some(d) => d.clone(),
        None => fetcher.resolve(&module)?,
    };
    let fetched = fetcher.module(&module, &digest)?;
    let envelope = bulwark_evidence::module::sign_module(
        &format!("{}.wasm", fetched.name),
        &fetched.wasm,
        key,
    )
    .context("signing the module")?
    .to_json();
    if let Some(out) = &args.out {
        std::fs::write(out, &envelope).with_context(|| format!("writing {}", out.display()))?;
    }
    let keyid = key.verifying_key().key_id();
    let (signature, tagged) =
        fetcher.attach_signature(&module, &digest, envelope.as_bytes(), &keyid)?;
    let pin = module.pinned(&digest);
    crate::output::print_result(
        global.format == Format::Json,
        serde_json::json!({
            "module": pin,
            "sha256": bulwark_evidence::sha256_hex(&fetched.wasm),
            "keyid": keyid,
            "signature": signature,
            "referrers_tag": tagged.then(|| digest.replace(':', "-")),
        }),
        || {
            format!(
                "signed {pin} with key {keyid}: signature {signature} attached to its manifest{}\npin it: --rules {pin}",
                if tagged {
                    format!(
                        " (the registry has no Referrers API: listed under the tag {})",
                        digest.replace(':', "-")
                    )
                } else {
                    String::new()
                }
            )
        },
    )?;
    Ok(Exit::Clean)
}
