//! `bulwark explain RULE-ID|CODE`: the long explanation of one rule, or
//! what a diagnostic code (an input error, a configuration problem)
//! means.

use std::io::Write;

use anyhow::bail;
use serde::Serialize;

use super::{Format, GlobalOptions};
use crate::exit::Exit;
use crate::options::ModuleOptions;
use bulwark_report::escape::{inline, lines};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule id, as shown in findings (`docker-user-root`), or a
    /// diagnostic code, as shown with input errors and configuration
    /// problems (`duplicate-key`, `config-unknown-key`).
    #[arg(value_name = "RULE-ID|CODE")]
    rule: String,
    #[command(flatten)]
    modules: ModuleOptions,
}

#[derive(Serialize)]
struct Explained<'a> {
    #[serde(flatten)]
    rule: &'a bulwark_core::RuleMeta,
    module: &'a str,
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let scanner = args.modules.lister()?;
    if let Some(failure) = scanner.load_failures().first() {
        anyhow::bail!("{failure}");
    }
    let found = scanner
        .modules()
        .iter()
        .find_map(|m| m.rules().iter().find(|r| r.id == args.rule).map(|r| (m, r)));
    if found.is_none()
        && let Some(code) = bulwark_scan::codes::find(&args.rule)
    {
        let mut out = std::io::stdout().lock();
        match global.format {
            Format::Json => {
                serde_json::to_writer_pretty(
                    &mut out,
                    &serde_json::json!({
                        "code": code.code,
                        "area": code.area.name(),
                        "description": code.description,
                    }),
                )?;
                writeln!(out)?;
            }
            _ => {
                writeln!(out, "{} ({})", code.code, code.area.name())?;
                writeln!(out)?;
                writeln!(out, "{}", lines(code.description.trim_end()))?;
            }
        }
        return Ok(Exit::Clean);
    }
    let Some((module, rule)) = found else {
        let ids: Vec<&str> = scanner
            .modules()
            .iter()
            .flat_map(|m| m.rules().iter().map(|r| r.id.as_str()))
            .collect();
        let close = ids
            .iter()
            .find(|id| id.contains(args.rule.as_str()) || args.rule.contains(**id));
        match close {
            Some(id) => bail!(
                "no rule `{}` (did you mean `{id}`? `bulwark rules list` shows them all)",
                inline(&args.rule)
            ),
            None => bail!(
                "no rule `{}` (`bulwark rules list` shows them all)",
                inline(&args.rule)
            ),
        }
    };
    let mut out = std::io::stdout().lock();
    match global.format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &Explained {
                    rule,
                    module: module.name(),
                },
            )?;
            writeln!(out)?;
        }
        _ => {
            // A module's strings are data: escaped, so that none of them
            // can move the terminal or start a CI workflow command.
            writeln!(out, "{} ({})", inline(&rule.id), inline(&rule.title))?;
            writeln!(out, "severity: {}", rule.severity)?;
            writeln!(out, "controls: {}", inline(&rule.controls.join(", ")))?;
            let kinds: Vec<&str> = rule.kinds.iter().map(|k| k.as_str()).collect();
            writeln!(out, "inputs:   {}", kinds.join(", "))?;
            writeln!(out, "module:   {}", inline(module.name()))?;
            writeln!(out, "fix:      {}", inline(&rule.remediation))?;
            writeln!(out)?;
            writeln!(out, "{}", lines(rule.explanation.trim_end()))?;
        }
    }
    Ok(Exit::Clean)
}
