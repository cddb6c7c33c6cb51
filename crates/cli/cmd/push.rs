//! `bulwark push MODULE REF`: a rule module to a registry, as an OCI
//! artifact in the Wasm layout, printing the pin to use.

use std::path::PathBuf;

use anyhow::Context;
use bulwark_scan::oci::{Fetcher, OciModule};

use super::{Format, GlobalOptions};
use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule module: a component (`bulwark build` writes one), or the
    /// core module `cargo build` leaves.
    #[arg(value_name = "MODULE")]
    module: PathBuf,
    /// Where to push it: `[oci://]HOST/REPO:TAG`.
    #[arg(value_name = "REF")]
    reference: String,
    /// The module's version (`org.opencontainers.image.version`).
    #[arg(long = "module-version", value_name = "VERSION")]
    module_version: Option<String>,
    /// Where its source is (`org.opencontainers.image.source`), e.g. the
    /// repository's URL.
    #[arg(long, value_name = "URL")]
    source: Option<String>,
    /// What it checks (`org.opencontainers.image.description`).
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
    /// Its licence, an SPDX expression (`org.opencontainers.image.licenses`).
    #[arg(long, value_name = "SPDX")]
    license: Option<String>,
    /// Also sign the module with this private key (PKCS#8 PEM) and
    /// attach the signature to the pushed manifest, as `bulwark sign
    /// oci://…` does.
    #[arg(long = "key", value_name = "FILE")]
    key: Option<PathBuf>,
    #[command(flatten)]
    registry: crate::options::RegistryOptions,
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let target = OciModule::parse(&args.reference).map_err(anyhow::Error::msg)?;
    if target.digest.is_some() {
        anyhow::bail!(
            "{}: push to a tag (`HOST/REPO:TAG`); the digest is the manifest's, printed after the push",
            args.reference
        );
    }
    let key = match &args.key {
        Some(path) => Some(
            bulwark_scan::evidence::read_signing_key(path)
                .with_context(|| format!("reading the signing key {}", path.display()))?,
        ),
        None => None,
    };
    let bytes = std::fs::read(&args.module)
        .with_context(|| format!("reading rule module {}", args.module.display()))?;
    let name = args
        .module
        .file_stem()
        .map_or_else(|| "module".to_owned(), |s| s.to_string_lossy().into_owned());
    let (component, mut info) = bulwark_scan::modules::describe(&name, &bytes).map_err(|why| {
        anyhow::anyhow!(
            "refusing to push {}: it does not load as a rule module: {why}",
            args.module.display()
        )
    })?;
    use bulwark_scan::oci::annotations as a;
    for (key, value) in [
        (a::VERSION, &args.module_version),
        (a::SOURCE, &args.source),
        (a::DESCRIPTION, &args.description),
        (a::LICENSES, &args.license),
    ] {
        if let Some(value) = value {
            info.annotations.insert(key.to_owned(), value.clone());
        }
    }
    let fetcher = Fetcher::new(
        args.registry.registries(),
        bulwark_scan::oci::default_store(),
        false,
    );
    let digest = fetcher.push(&target, &info, &component)?;
    let pin = target.pinned(&digest);
    let signed = match &key {
        Some(key) => {
            let envelope =
                bulwark_evidence::module::sign_module(&format!("{name}.wasm"), &component, key)
                    .context("signing the module")?
                    .to_json();
            let keyid = key.verifying_key().key_id();
            let pinned = OciModule {
                digest: Some(digest.clone()),
                ..target.clone()
            };
            let (signature, _) =
                fetcher.attach_signature(&pinned, &digest, envelope.as_bytes(), &keyid)?;
            Some((keyid, signature))
        }
        None => None,
    };
    crate::output::print_result(
        global.format == Format::Json,
        serde_json::json!({
            "module": args.module.display().to_string(),
            "reference": target.unpinned(),
            "digest": digest,
            "pin": pin,
            "rules": info.rules,
            "contract": format!("bulwark:rules@{}", info.contract),
            "sha256": bulwark_evidence::sha256_hex(&component),
            "signed_by": signed.as_ref().map(|(k, _)| k),
            "signature": signed.as_ref().map(|(_, s)| s),
        }),
        || {
            format!(
                "pushed {} ({} rules, bulwark:rules@{}) to {}\nmanifest {digest}{}\npin it: --rules {pin}\nor in .bulwark.yaml:\n  rules:\n    - oci: {}\n      digest: {digest}",
                args.module.display(),
                info.rules.len(),
                info.contract,
                target.unpinned(),
                signed
                    .as_ref()
                    .map(|(k, s)| format!("\nsigned with key {k}: signature {s} attached"))
                    .unwrap_or_default(),
                target.unpinned().trim_start_matches("oci://"),
            )
        },
    )?;
    Ok(Exit::Clean)
}
