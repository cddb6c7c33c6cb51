//! `bulwark pull REF`: a rule module from a registry into the cache,
//! verified, printing the pin to use.

use bulwark_report::escape::inline;
use std::path::PathBuf;

use anyhow::Context;
use bulwark_scan::oci::{Fetcher, OciModule};

use super::{Format, GlobalOptions};
use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The module: `[oci://]HOST/REPO:TAG` (resolved now) or
    /// `…@sha256:DIGEST`.
    #[arg(value_name = "REF")]
    reference: String,
    /// A public key (SPKI PEM) the module must be signed with
    /// (repeatable; adds to `trusted-keys` in the configuration): its
    /// signature is looked up among the manifest's referrers and kept in
    /// the cache with it.
    #[arg(long = "trusted-key", value_name = "FILE")]
    trusted_keys: Vec<PathBuf>,
    /// The configuration whose `trusted-keys` apply [default:
    /// .bulwark.yaml in the current directory's repository root, if any].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Read no configuration.
    #[arg(long)]
    no_config: bool,
    /// Also write the component to FILE.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Use only the cache: fail if the module is not in it.
    #[arg(long)]
    offline: bool,
    #[command(flatten)]
    registry: crate::options::RegistryOptions,
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let module = OciModule::parse(&args.reference).map_err(anyhow::Error::msg)?;
    let config = crate::options::find_config(
        args.config.as_deref(),
        args.no_config,
        &bulwark_inputs::Root::of(&[]),
    )?;
    let configured = config
        .iter()
        .flat_map(|c| c.trusted_keys.iter().map(|k| c.root.join(&k.value)));
    let trusted = args
        .trusted_keys
        .iter()
        .cloned()
        .chain(configured)
        .map(|p| bulwark_scan::modules::read_trusted_key(&p))
        .collect::<Result<Vec<_>, _>>()?;
    let store = bulwark_scan::oci::default_store();
    let fetcher = Fetcher::new(args.registry.registries(), store, args.offline);
    let digest = match &module.digest {
        Some(d) => d.clone(),
        None => fetcher.resolve(&module)?,
    };
    let fetched = fetcher.module(&module, &digest)?;
    let pinned = OciModule {
        digest: Some(digest.clone()),
        ..module.clone()
    };
    bulwark_scan::modules::check_world(&pinned, &fetched)?;
    let rules: Option<Vec<String>> = fetched
        .manifest
        .annotations
        .get(bulwark_scan::oci::annotations::RULES)
        .map(|r| {
            r.split(',')
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect()
        });
    let signer = if trusted.is_empty() {
        None
    } else {
        Some(fetcher.signer(&pinned, &fetched, &trusted)?)
    };
    if let Some(out) = &args.out {
        std::fs::write(out, &fetched.wasm).with_context(|| format!("writing {}", out.display()))?;
    }
    let pin = module.pinned(&digest);
    let sha256 = fetched.manifest.layer.digest[7..].to_owned();
    let json = serde_json::json!({
        "reference": module.unpinned(),
        "digest": digest,
        "pin": pin,
        "name": fetched.name,
        "sha256": sha256,
        "rules": rules,
        "downloaded": fetched.downloaded,
        "signed_by": signer,
        "cache": fetcher.store().map(|s| s.dir().display().to_string()),
    });
    crate::output::print_result(global.format == Format::Json, json, || {
        let from = if fetched.downloaded == 0 {
            "from the cache".to_owned()
        } else {
            format!("{} bytes downloaded", fetched.downloaded)
        };
        // Rule ids and the name come from the registry: data, escaped.
        let rules = rules
            .as_ref()
            .map(|r| format!("rules {}; ", inline(&r.join(", "))))
            .unwrap_or_default();
        let signer = signer
            .as_ref()
            .map(|k| format!(", signed by {k}"))
            .unwrap_or_default();
        let wrote = args
            .out
            .as_ref()
            .map(|out| format!("\nwrote {}", inline(&out.display().to_string())))
            .unwrap_or_default();
        format!(
            "pulled {} ({rules}component sha256 {sha256}; {from}){signer}{wrote}\npin it: --rules {pin}",
            inline(&fetched.name)
        )
    })?;
    Ok(Exit::Clean)
}
