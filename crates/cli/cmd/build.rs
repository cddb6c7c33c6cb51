//! `bulwark build [DIR]`: a rule crate built into a component, with the
//! toolchain detection `cargo xtask build-rules` uses.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use bulwark_build::Toolchain;

use super::{Format, GlobalOptions};
use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule crate (its Cargo.toml's directory).
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Where to write the component [default: DIR/target/bulwark/NAME.wasm,
    /// wherever cargo's target directory is].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Cargo's target directory [default: $CARGO_TARGET_DIR, else DIR/target].
    #[arg(long, value_name = "DIR")]
    target_dir: Option<PathBuf>,
    /// The toolchain: `rustup` (with the wasm32-unknown-unknown target) or
    /// `debian` (rustc-web, std built from source) [default: whichever is
    /// there, rustup first].
    #[arg(long, value_name = "ROUTE", value_parser = ["rustup", "debian"])]
    toolchain: Option<String>,
}

/// The `name` of the `[package]` in `manifest` (a Cargo.toml's text).
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if in_package
            && let Some(rest) = line.strip_prefix("name")
            && let Some(value) = rest.trim_start().strip_prefix('=')
        {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let manifest_path = args.dir.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let Some(name) = package_name(&manifest) else {
        bail!("{}: no [package] name", manifest_path.display());
    };
    if !manifest.contains("cdylib") {
        bail!(
            "{}: a rule module is a `cdylib` (`[lib] crate-type = [\"cdylib\"]`)",
            manifest_path.display()
        );
    }
    let toolchain = match &args.toolchain {
        Some(route) => Toolchain::named(route),
        None => Toolchain::detect(),
    }?;
    writeln!(std::io::stderr(), "building {name} with {toolchain}")?;
    toolchain.prepare(&args.dir)?;
    let target_dir = match (&args.target_dir, std::env::var_os("CARGO_TARGET_DIR")) {
        (Some(dir), _) => dir.clone(),
        (None, Some(dir)) if !dir.is_empty() => PathBuf::from(dir),
        (None, _) => args.dir.join("target"),
    };
    let target_dir = std::path::absolute(&target_dir).unwrap_or(target_dir);
    let out_dir = toolchain.build(&args.dir, &target_dir, &[name.as_str()])?;
    let core_path = out_dir.join(format!("{}.wasm", name.replace('-', "_")));
    let core = std::fs::read(&core_path)
        .with_context(|| format!("reading the built module {}", core_path.display()))?;
    let component = if bulwark_build::is_component(&core) {
        core
    } else {
        bulwark_build::componentize(&core).with_context(|| name.clone())?
    };
    // Load it as a scan would, so a module that does not export the
    // bulwark:rules interface is caught here, not in CI.
    let engine = bulwark_engine::Engine::new(bulwark_scan::modules::default_limits())
        .context("starting the rule engine")?;
    let module = engine
        .load(&name, &component)
        .with_context(|| format!("the built component {name} is not a bulwark rule module"))?;
    let out = args.out.clone().unwrap_or_else(|| {
        let base = if args.dir == Path::new(".") {
            PathBuf::new()
        } else {
            args.dir.clone()
        };
        base.join("target/bulwark").join(format!("{name}.wasm"))
    });
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&out, &component).with_context(|| format!("writing {}", out.display()))?;
    let digest = bulwark_evidence::sha256_hex(&component);
    let rules: Vec<&str> = module.rules().iter().map(|r| r.id.as_str()).collect();
    crate::output::print_result(
        global.format == Format::Json,
        serde_json::json!({
            "module": name,
            "component": out.display().to_string(),
            "sha256": digest,
            "rules": rules,
            "toolchain": toolchain.to_string(),
        }),
        || {
            format!(
                "built {} ({} bytes, rules: {})\npin: --rules {}@sha256:{digest}",
                out.display(),
                component.len(),
                rules.join(", "),
                display(&out)
            )
        },
    )?;
    Ok(Exit::Clean)
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::package_name;

    #[test]
    fn finds_the_package_name() {
        assert_eq!(
            package_name("[workspace]\n\n[package]\nversion = \"1\"\nname = \"acme-rules\"\n[lib]\nname = \"x\"\n")
                .as_deref(),
            Some("acme-rules")
        );
        assert_eq!(package_name("[lib]\nname = \"x\"\n"), None);
    }
}
