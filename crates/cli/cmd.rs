//! The command line: global options and one variant per subcommand.

mod build;
mod explain;
mod keygen;
mod new;
mod pull;
mod push;
mod rules;
pub mod scan;
mod sign;
mod test;
mod verify;

use clap::{Parser, Subcommand};

use crate::exit::Exit;
use crate::output::Color;

const AFTER_HELP: &str = "\
Exit codes:
  0  clean: nothing at or above the --fail-on threshold
  1  findings at or above the threshold
  2  usage, configuration or input error (unreadable, binary, oversized or malformed files)
  3  a rule failed: it trapped, ran past its deadline or memory limit, or broke the contract
`bulwark verify` also exits with:
  1  the evidence verifies but its verdict is not the one --require asks for
  4  bad signature: the evidence was altered or not signed by this key
  5  not a DSSE envelope holding a bulwark statement
  6  a subject is missing or its content changed";

/// Build-time policy-as-code: hardening rules compiled to sandboxed
/// WebAssembly, run over Dockerfiles, Kubernetes manifests, Helm values and
/// Compose files.
#[derive(Debug, Parser)]
#[command(name = "bulwark", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand understands.
#[derive(Debug, clap::Args)]
pub struct GlobalOptions {
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with source snippets.
    Human,
    /// One JSON object.
    Json,
    /// SARIF 2.1.0, for code scanning (`scan` only).
    Sarif,
    /// JUnit XML, for CI test reports (`scan` only).
    Junit,
    /// GitHub Actions workflow commands: annotations (`scan` only).
    Github,
    /// Markdown: the job summary written to $GITHUB_STEP_SUMMARY (`scan`),
    /// the rules reference (`rules list`).
    Markdown,
}

impl Format {
    /// Whether `command` writes this format.
    fn written_by(self, command: &Command) -> bool {
        match self {
            Format::Human | Format::Json => true,
            Format::Markdown => matches!(command, Command::Scan(_) | Command::Rules(_)),
            Format::Sarif | Format::Junit | Format::Github => matches!(command, Command::Scan(_)),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories.
    Scan(Box<scan::Args>),
    /// Work with rules.
    #[command(subcommand)]
    Rules(rules::Command),
    /// Explain a rule (why it matters, what it checks, how to fix it) or a
    /// diagnostic code (`bulwark explain duplicate-key`).
    Explain(explain::Args),
    /// Generate a key pair for signing evidence (Ed25519 or ECDSA P-256).
    Keygen(keygen::Args),
    /// Check signed evidence before promoting a build: signature, statement,
    /// subjects, verdict.
    Verify(verify::Args),
    /// Sign a rule module, for runs that trust only modules signed by known
    /// keys (`--trusted-key`, `trusted-keys` in .bulwark.yaml).
    Sign(sign::Args),
    /// Push a rule module to a registry as an OCI artifact (the Wasm
    /// layout), printing the digest to pin.
    Push(push::Args),
    /// Fetch a rule module from a registry into the cache, verified,
    /// printing the digest to pin.
    Pull(pull::Args),
    /// Run one rule module over fixtures that say which findings they
    /// expect (`# expect: RULE-ID`), reporting missing and unexpected ones.
    Test(test::Args),
    /// Create a new rule module crate.
    #[command(subcommand)]
    New(new::Command),
    /// Build a rule crate into a component (rustup's wasm32 target, or
    /// Debian's rustc-web with std built from source).
    Build(build::Args),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    if !cli.global.format.written_by(&cli.command) {
        anyhow::bail!(
            "--format {}: only `bulwark scan` writes this format (`rules list` also writes markdown; others human or json)",
            clap::ValueEnum::to_possible_value(&cli.global.format)
                .map(|v| v.get_name().to_owned())
                .unwrap_or_default()
        );
    }
    match cli.command {
        Command::Scan(args) => scan::run(*args, &cli.global),
        Command::Rules(command) => rules::run(command, &cli.global),
        Command::Explain(args) => explain::run(args, &cli.global),
        Command::Keygen(args) => keygen::run(args, &cli.global),
        Command::Verify(args) => verify::run(args, &cli.global),
        Command::Sign(args) => sign::run(args, &cli.global),
        Command::Push(args) => push::run(args, &cli.global),
        Command::Pull(args) => pull::run(args, &cli.global),
        Command::Test(args) => test::run(args, &cli.global),
        Command::New(command) => new::run(command, &cli.global),
        Command::Build(args) => build::run(args, &cli.global),
    }
}
