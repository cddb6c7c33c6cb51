//! `bulwark keygen`: a key pair for signing evidence.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use bulwark_evidence::{Algorithm, SigningKey};

use super::{Format, GlobalOptions};
use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Signature algorithm: ed25519, or p256 (ECDSA P-256 with SHA-256).
    #[arg(long, value_name = "ALGORITHM", default_value = "ed25519", value_parser = parse_algorithm)]
    algorithm: Algorithm,
    /// Writes PREFIX.key (the private key, PKCS#8 PEM, readable by the
    /// owner only) and PREFIX.pub (the public key, SPKI PEM).
    #[arg(long, value_name = "PREFIX")]
    out: PathBuf,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
}

fn parse_algorithm(s: &str) -> Result<Algorithm, String> {
    s.parse()
}

/// `PREFIX` with `ext` appended (not replacing anything after a dot).
fn with_extension(prefix: &Path, ext: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// Writes `contents` to a new file at `path` (or, with `force`, over an
/// existing one); a `private` file is readable by its owner only (on Unix).
fn write_key_file(path: &Path, contents: &[u8], force: bool, private: bool) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    // A file replaced with --force keeps its old mode otherwise.
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(contents)?;
    file.sync_all()
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let private_path = with_extension(&args.out, "key");
    let public_path = with_extension(&args.out, "pub");
    if !args.force {
        for path in [&private_path, &public_path] {
            if path.exists() {
                anyhow::bail!(
                    "{} already exists (pass --force to replace it)",
                    path.display()
                );
            }
        }
    }
    let key = SigningKey::generate(args.algorithm);
    let public = key.verifying_key();
    let public_pem = public.to_public_key_pem()?;
    {
        let private_pem = key.to_pkcs8_pem()?;
        write_key_file(&private_path, private_pem.as_bytes(), args.force, true)
            .with_context(|| format!("writing {}", private_path.display()))?;
    }
    write_key_file(&public_path, public_pem.as_bytes(), args.force, false)
        .with_context(|| format!("writing {}", public_path.display()))?;

    crate::output::print_result(
        global.format == Format::Json,
        serde_json::json!({
            "algorithm": args.algorithm.name(),
            "keyid": public.key_id(),
            "private_key": private_path.display().to_string(),
            "public_key": public_path.display().to_string(),
        }),
        || {
            format!(
                "wrote {} (private key, keep it secret) and {} (public key)\nalgorithm: {}\nkey id:    {}",
                private_path.display(),
                public_path.display(),
                args.algorithm,
                public.key_id()
            )
        },
    )?;
    Ok(Exit::Clean)
}
