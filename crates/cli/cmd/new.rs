//! `bulwark new rule NAME`: a rule crate that builds, tests and runs as
//! it is.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::GlobalOptions;
use crate::exit::Exit;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// A rule module crate laid out as the built-in packs are: the pack, one
    /// file per rule with its explanation beside it, failing and passing
    /// fixtures per rule, a README.
    Rule(RuleArgs),
}

#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// The crate's name, kebab-case; also the example rule's id.
    #[arg(value_name = "NAME")]
    name: String,
    /// Where to create it [default: ./NAME].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// A local bulwark-sdk crate to depend on (a checkout's
    /// `rules-wasm/sdk`), written relative to the new crate [default: the
    /// SDK of this release, by its git tag in bulwark's repository].
    #[arg(long, value_name = "PATH")]
    sdk: Option<PathBuf>,
}

const CARGO_TOML: &str = include_str!("../templates/rule/Cargo.toml.tmpl");
const LIB_RS: &str = include_str!("../templates/rule/lib.rs.tmpl");
const RULES_RS: &str = include_str!("../templates/rule/rules.rs.tmpl");
const RULE_RS: &str = include_str!("../templates/rule/rule.rs.tmpl");
const EXPLANATION: &str = include_str!("../templates/rule/explanation.md.tmpl");
const README: &str = include_str!("../templates/rule/README.md.tmpl");
const FAIL: &str = include_str!("../templates/rule/fail.Dockerfile.tmpl");
const PASS: &str = include_str!("../templates/rule/pass.Dockerfile.tmpl");
const PUBLISH: &str = include_str!("../templates/rule/publish.yml.tmpl");

/// Whether `name` is a kebab-case identifier a crate and a rule can share.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--")
}

/// The `bulwark-sdk = …` dependency of a crate created in `dir`.
///
/// By default the SDK of this release, by its git tag in bulwark's
/// repository (`docs/releasing.md` creates the tag): something every
/// teammate and CI can fetch. (The crates.io name `bulwark-sdk` belongs to
/// another project.) With `--sdk PATH`, a path dependency, written relative
/// to the crate when it can be, so a checkout holding both still builds
/// elsewhere.
fn sdk_dependency(explicit: Option<&Path>, dir: &Path) -> anyhow::Result<String> {
    let Some(path) = explicit else {
        return Ok(format!(
            "{{ git = \"{}\", tag = \"v{}\" }}",
            env!("CARGO_PKG_REPOSITORY"),
            env!("CARGO_PKG_VERSION")
        ));
    };
    let path = path
        .canonicalize()
        .with_context(|| format!("--sdk {}", path.display()))?;
    if !path.join("Cargo.toml").is_file() {
        bail!("--sdk {}: no Cargo.toml there", path.display());
    }
    let written = dir
        .canonicalize()
        .ok()
        .and_then(|dir| relative(&dir, &path))
        .unwrap_or(path);
    Ok(format!(
        "{{ path = {} }}",
        serde_json::to_string(&written.to_string_lossy())?
    ))
}

/// `to` relative to `from` (both absolute and canonical), when they share
/// more than the root.
fn relative(from: &Path, to: &Path) -> Option<PathBuf> {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common <= 1 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c);
    }
    Some(out)
}

pub fn run(command: Command, _global: &GlobalOptions) -> anyhow::Result<Exit> {
    let Command::Rule(args) = command;
    if !valid_name(&args.name) {
        bail!(
            "`{}`: a rule module's name is kebab-case: lower-case letters, digits and single dashes, starting with a letter (e.g. `acme-image-labels`)",
            args.name
        );
    }
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    if dir.exists() && std::fs::read_dir(&dir).map_or(true, |mut d| d.next().is_some()) {
        bail!("{} already exists and is not empty", dir.display());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let sdk = sdk_dependency(args.sdk.as_deref(), &dir)?;
    // The rule's module: its id in snake case.
    let rule_module = args.name.replace('-', "_");
    let fill = |template: &str| {
        template
            .replace("{{name}}", &args.name)
            .replace("{{rule_module}}", &rule_module)
            .replace("{{rule_id}}", &args.name)
            .replace("{{sdk}}", &sdk)
            .replace("{{version}}", env!("CARGO_PKG_VERSION"))
    };
    let files = [
        ("Cargo.toml".to_owned(), fill(CARGO_TOML)),
        ("src/lib.rs".to_owned(), fill(LIB_RS)),
        ("src/rules.rs".to_owned(), fill(RULES_RS)),
        (format!("src/rules/{rule_module}.rs"), fill(RULE_RS)),
        (format!("src/rules/{rule_module}.md"), fill(EXPLANATION)),
        ("README.md".to_owned(), fill(README)),
        (
            format!("fixtures/{}/dockerfile/fail/Dockerfile", args.name),
            fill(FAIL),
        ),
        (
            format!("fixtures/{}/dockerfile/pass/Dockerfile", args.name),
            fill(PASS),
        ),
        (".github/workflows/publish.yml".to_owned(), fill(PUBLISH)),
        (".gitignore".to_owned(), "/target\n".to_owned()),
    ];
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "created rule module `{}` in {}\nnext:\n  cd {}\n  bulwark build\n  bulwark test target/bulwark/{}.wasm fixtures",
        args.name,
        dir.display(),
        dir.display(),
        args.name
    )?;
    Ok(Exit::Clean)
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn names_are_kebab_case() {
        for ok in ["acme", "acme-labels", "r2-d2"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "Acme", "2fa", "a_b", "a--b", "a-", "-a", "a b"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
