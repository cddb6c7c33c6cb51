//! `bulwark explain RULE-ID`: the long explanation of one rule.

use std::io::Write;

use anyhow::bail;
use serde::Serialize;

use super::{Format, GlobalOptions};
use crate::cmd::scan::ModuleOptions;
use crate::exit::Exit;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule id, as shown in findings (`docker-user-root`).
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
    let config = crate::cmd::scan::find_config(None, false, &bulwark_inputs::Root::of(&[]))?;
    let loaded = args.modules.load(config.as_ref())?;
    if let Some(failure) = loaded.failures.first() {
        anyhow::bail!("{failure}");
    }
    let found = loaded
        .modules
        .iter()
        .find_map(|m| m.rules().iter().find(|r| r.id == args.rule).map(|r| (m, r)));
    let Some((module, rule)) = found else {
        let ids: Vec<&str> = loaded
            .modules
            .iter()
            .flat_map(|m| m.rules().iter().map(|r| r.id.as_str()))
            .collect();
        let close = ids
            .iter()
            .find(|id| id.contains(args.rule.as_str()) || args.rule.contains(**id));
        match close {
            Some(id) => bail!(
                "no rule `{}` (did you mean `{id}`? `bulwark rules list` shows them all)",
                args.rule
            ),
            None => bail!(
                "no rule `{}` (`bulwark rules list` shows them all)",
                args.rule
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
            writeln!(out, "{} ({})", rule.id, rule.title)?;
            writeln!(out, "severity: {}", rule.severity)?;
            writeln!(out, "controls: {}", rule.controls.join(", "))?;
            let kinds: Vec<&str> = rule.kinds.iter().map(|k| k.as_str()).collect();
            writeln!(out, "inputs:   {}", kinds.join(", "))?;
            writeln!(out, "module:   {}", module.name())?;
            writeln!(out, "fix:      {}", rule.remediation)?;
            writeln!(out)?;
            writeln!(out, "{}", rule.explanation.trim_end())?;
        }
    }
    Ok(Exit::Clean)
}
