//! Options more than one subcommand takes: which rule modules run (and
//! under which limits), and where the configuration is.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bulwark_config::Config;
use bulwark_config::units::{parse_duration, parse_size};
use bulwark_inputs::Root;
use bulwark_scan::modules::ExtraModule;
use bulwark_scan::{Options, Scanner, ScannerBuilder};

/// An extra rule module given on the command line, with its pin.
#[derive(Debug, Clone)]
pub enum ModuleArg {
    /// A component file.
    File { path: PathBuf, sha256: String },
    /// A module in a registry (its digest checked when the scanner is
    /// built, where an unpinned one is refused with the digest to pin).
    Oci(bulwark_scan::oci::OciModule),
}

/// `PATH@sha256:DIGEST` or `oci://REF@sha256:DIGEST`. Without a valid
/// pin, the error names the digest the file has now, to check and copy.
fn parse_module_arg(s: &str) -> Result<ModuleArg, String> {
    if s.starts_with("oci://") {
        return bulwark_scan::oci::OciModule::parse(s).map(ModuleArg::Oci);
    }
    let (path, digest) = match s.rsplit_once('@') {
        Some((path, digest)) if digest.starts_with("sha256:") || digest.len() == 64 => {
            (path, Some(digest))
        }
        _ => (s, None),
    };
    if let Some(sha256) = digest.and_then(bulwark_config::parse_sha256) {
        return Ok(ModuleArg::File {
            path: PathBuf::from(path),
            sha256,
        });
    }
    let now = std::fs::read(path)
        .map(|bytes| format!("{path}@sha256:{}", bulwark_evidence::sha256_hex(&bytes)))
        .unwrap_or_else(|_| format!("{path}@sha256:<its SHA-256>"));
    let what = match digest {
        Some(digest) => format!("`{digest}` is not a SHA-256 pin (`sha256:` and 64 hex digits)"),
        None => "a rule module must be pinned by its SHA-256".to_owned(),
    };
    Err(format!(
        "{what}: `--rules {now}` (check that digest against the module's publisher first)"
    ))
}

/// Which rule modules run, and under which limits.
#[derive(Debug, Clone, clap::Args)]
pub struct ModuleOptions {
    /// Also load the rule component at PATH, pinned by its SHA-256, or
    /// the module in a registry, pinned by its manifest digest
    /// (repeatable): `--rules policy.wasm@sha256:4f1c…`,
    /// `--rules oci://ghcr.io/acme/rules:1.4@sha256:9b2e…`.
    #[arg(long = "rules", value_name = "PATH@sha256:DIGEST", value_parser = parse_module_arg)]
    extra: Vec<ModuleArg>,
    /// Reach no registry for rule modules: every `oci://` module (and,
    /// with trusted keys, its signature) must already be in the cache
    /// (`bulwark pull`).
    #[arg(long)]
    offline: bool,
    /// A public key (SPKI PEM) extra rule modules must be signed with
    /// (repeatable; adds to `trusted-keys` in .bulwark.yaml). With any
    /// trusted key, every extra module needs a signature (`MODULE.sig`,
    /// written by `bulwark sign`) by one of them.
    #[arg(long = "trusted-key", value_name = "FILE")]
    trusted_keys: Vec<PathBuf>,
    /// CPU deadline for one rule on one document [default:
    /// `limits.rule-timeout` in .bulwark.yaml, else 500ms].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    rule_timeout: Option<Duration>,
    /// Memory limit of each rule module instance [default:
    /// `limits.rule-memory` in .bulwark.yaml, else 256MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    rule_memory: Option<u64>,
    /// Compile every rule module and evaluate every file afresh instead of
    /// reusing compiled code and the results of unchanged files from the
    /// cache ($BULWARK_CACHE_DIR, else ~/.cache/bulwark; `off` disables
    /// it). Modules pulled from registries are still kept there, and
    /// hashed again whenever they are read.
    #[arg(long)]
    no_cache: bool,
}

impl ModuleOptions {
    /// A scanner builder with the configuration and these modules.
    pub fn builder(&self, config: Option<Config>) -> ScannerBuilder {
        let mut builder = ScannerBuilder::new();
        if let Some(config) = config {
            builder = builder.config(config);
        }
        for m in &self.extra {
            builder = match m {
                ModuleArg::File { path, sha256 } => builder.module(ExtraModule {
                    path: path.clone(),
                    sha256: sha256.clone(),
                    signature: None,
                    declared: None,
                }),
                ModuleArg::Oci(module) => builder.oci_module(module.clone()),
            };
        }
        for key in &self.trusted_keys {
            builder = builder.trusted_key(key);
        }
        builder
    }

    /// The scanner's options for these flags.
    pub fn options(&self) -> Options {
        Options {
            rule_timeout: self.rule_timeout,
            rule_memory: self.rule_memory,
            no_cache: self.no_cache,
            offline: self.offline,
            ..Options::default()
        }
    }

    /// A scanner that only lists rules (`rules list`, `explain`): every
    /// module loaded, nothing checked about what runs.
    pub fn lister(&self) -> anyhow::Result<Scanner> {
        let config = find_config(None, false, &Root::of(&[]))?;
        Ok(self
            .builder(config)
            .options(Options {
                parse_only: true,
                ..self.options()
            })
            .build()?)
    }
}

/// The configuration named by `--config`, or `.bulwark.yaml` at `root`.
/// A configuration deeper in the tree is never applied: a subdirectory
/// cannot change how the repository is judged.
pub fn find_config(
    explicit: Option<&Path>,
    disabled: bool,
    root: &Root,
) -> anyhow::Result<Option<Config>> {
    if disabled {
        return Ok(None);
    }
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => [".bulwark.yaml", ".bulwark.yml"]
            .iter()
            .map(|name| root.path().join(name))
            .find(|p| p.is_file()),
    };
    path.map(|p| Config::load(&p).map_err(anyhow::Error::from))
        .transpose()
}

/// How registries are reached for `docker://` images.
#[derive(Debug, Clone, clap::Args)]
pub struct RegistryOptions {
    /// Reach this registry (`host[:port]`) over plain HTTP (repeatable).
    /// Loopback registries (`localhost`, `127.0.0.1`, `[::1]`) always are;
    /// any other host is reached over HTTPS only.
    #[arg(long = "insecure-registry", value_name = "HOST")]
    insecure_registries: Vec<String>,
    /// The bound on connecting to a registry and on each read, e.g. `30s`;
    /// a request that times out, or answers 429 or 5xx, is tried twice more
    /// [default: 30s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    registry_timeout: Option<Duration>,
}

impl RegistryOptions {
    /// The settings the scanner and `verify` take.
    pub fn registries(&self) -> bulwark_scan::Registries {
        bulwark_scan::Registries {
            insecure: self.insecure_registries.clone(),
            timeout: self.registry_timeout,
            retries: None,
        }
    }
}
