//! `bulwark test MODULE FIXTURE…`: runs one rule module over fixtures
//! whose expected findings are written in the fixtures themselves, and
//! reports every missing and unexpected finding with file:line.
//!
//! The fixtures are scanned by the same scanner as `bulwark scan` (so the
//! two agree on every setting, the Pod Security level included) and
//! checked by `bulwark_scan::harness`.
//!
//! An expectation is a comment `# expect: RULE-ID[, RULE-ID…]`:
//!
//! - on a line of its own, it is about the next line that is neither blank
//!   nor a comment (in every kind of file; in a Dockerfile the only form,
//!   since `#` after an instruction is part of it);
//! - after YAML content, it is about its own line.
//!
//! Or a sidecar file `FIXTURE.expect` with lines `LINE RULE-ID[, RULE-ID…]`
//! (`#` starts a comment). A finding lands on the line its span starts on.
//! Each expectation must be met by exactly one finding: two findings of a
//! rule on one line need the rule named twice.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use bulwark_core::InputKind;
use bulwark_scan::modules::ExtraModule;
use bulwark_scan::{BUILTINS, Builtins, Options, ScannerBuilder};

use super::{Format, GlobalOptions};
use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule module: a component file, or the name of a built-in pack
    /// (`bulwark rules list` shows them).
    #[arg(value_name = "MODULE")]
    module: String,
    /// Fixture files, or directories of them.
    #[arg(value_name = "FIXTURE", required = true)]
    fixtures: Vec<PathBuf>,
    /// Check only this rule (repeatable): findings and expectations of the
    /// module's other rules are ignored.
    #[arg(long = "rule", value_name = "RULE-ID")]
    only: Vec<String>,
    /// Treat every explicitly named fixture as this kind instead of
    /// telling by name and content.
    #[arg(long, value_parser = |s: &str| s.parse::<InputKind>())]
    kind: Option<InputKind>,
    /// The Pod Security Standards level the fixtures are judged at, as
    /// `bulwark scan --pss-level` judges them [default: restricted, or
    /// what a fixture's Namespace labels say for its objects].
    #[arg(long, value_name = "LEVEL", value_parser = ["baseline", "restricted"])]
    pss_level: Option<String>,
    /// The Pod Security Standards policy version, as `bulwark scan
    /// --pss-version` [default: latest, or what a fixture's Namespace
    /// labels say for its objects].
    #[arg(long, value_name = "VERSION", value_parser = bulwark_config::PssVersion::parse)]
    pss_version: Option<bulwark_config::PssVersion>,
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let mut builder = ScannerBuilder::new();
    if BUILTINS.iter().any(|b| b.name == args.module) {
        builder = builder.builtins(Builtins::Only(args.module.clone()));
    } else {
        let path = Path::new(&args.module);
        let bytes = std::fs::read(path).with_context(|| {
            format!(
                "reading rule module {} (not a file, nor a built-in pack: {})",
                args.module,
                BUILTINS
                    .iter()
                    .map(|b| b.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        // The module under test is the author's own: pinned to what is
        // on disk.
        builder = builder.builtins(Builtins::None).module(ExtraModule {
            path: path.to_path_buf(),
            sha256: bulwark_evidence::sha256_hex(&bytes),
            signature: None,
            declared: None,
        });
    }
    let scanner = builder
        .options(Options {
            pss_level: args.pss_level.as_deref().map(|level| {
                if level == "baseline" {
                    bulwark_config::PssLevel::Baseline
                } else {
                    bulwark_config::PssLevel::Restricted
                }
            }),
            pss_version: args.pss_version,
            only: args.only.clone(),
            kind: args.kind,
            ..Options::default()
        })
        .build()
        .map_err(|e| match e {
            bulwark_scan::Error::UnknownRule(id) => {
                anyhow::anyhow!("--rule {id}: module `{}` has no such rule", args.module)
            }
            other => anyhow::Error::from(other),
        })?;
    if let Some(failure) = scanner.load_failures().first() {
        bail!("{failure}");
    }
    let module = scanner
        .modules()
        .first()
        .map_or_else(|| args.module.clone(), |m| m.name().to_owned());
    let checked = bulwark_scan::harness::check(&scanner, &args.fixtures, &args.only)?;
    let outcomes = checked.outcomes;
    let failures = checked.failures;
    let failed = outcomes.iter().filter(|o| !o.ok).count();
    let mut out = std::io::stdout().lock();
    match global.format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({
                    "module": module,
                    "fixtures": outcomes,
                    "passed": outcomes.len() - failed,
                    "failed": failed,
                    "rule_failures": failures,
                }),
            )?;
            writeln!(out)?;
        }
        _ => {
            for o in &outcomes {
                if o.ok {
                    writeln!(out, "ok    {} ({} expected)", o.file, o.expected)?;
                    continue;
                }
                writeln!(out, "FAIL  {}", o.file)?;
                for e in &o.errors {
                    writeln!(out, "  {e}")?;
                }
                for m in &o.missing {
                    match m.column {
                        Some(column) => writeln!(
                            out,
                            "  {}:{}:{column}: expected {}, found none",
                            o.file, m.line, m.rule_id
                        )?,
                        None => writeln!(
                            out,
                            "  {}:{}: expected {}, found none",
                            o.file, m.line, m.rule_id
                        )?,
                    }
                }
                for u in &o.unexpected {
                    writeln!(
                        out,
                        "  {}:{}:{}: unexpected {}: {}",
                        o.file, u.line, u.column, u.rule_id, u.message
                    )?;
                }
            }
            for failure in &failures {
                writeln!(out, "rule failure: {failure}")?;
            }
            writeln!(
                out,
                "{}: {} fixture{}, {} passed, {failed} failed (module `{}`)",
                if failed == 0 && failures.is_empty() {
                    "pass"
                } else {
                    "fail"
                },
                outcomes.len(),
                if outcomes.len() == 1 { "" } else { "s" },
                outcomes.len() - failed,
                module
            )?;
        }
    }
    Ok(if !failures.is_empty() {
        Exit::RuleFailure
    } else if failed > 0 {
        Exit::Findings
    } else {
        Exit::Clean
    })
}
