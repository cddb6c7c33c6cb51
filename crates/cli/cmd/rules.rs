//! `bulwark rules list`: the rules of every loaded module.

use std::io::Write;

use anyhow::Context;
use bulwark_core::{InputKind, Severity};
use serde::Serialize;

use super::{Format, GlobalOptions};
use crate::exit::Exit;
use crate::{cmd::scan::ModuleOptions, exit};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the rules, with severity, controls and input kinds.
    List(ListArgs),
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    modules: ModuleOptions,
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    title: &'a str,
    severity: Severity,
    controls: &'a [String],
    kinds: &'a [InputKind],
    module: &'a str,
    remediation: &'a str,
}

pub fn run(command: Command, global: &GlobalOptions) -> anyhow::Result<exit::Exit> {
    let Command::List(args) = command;
    let config = crate::cmd::scan::find_config(None, false, std::path::Path::new("."))?;
    let loaded = args.modules.load(config.as_ref())?;
    if let Some(failure) = loaded.failures.first() {
        anyhow::bail!("{failure}");
    }
    let mut rows: Vec<Row<'_>> = loaded
        .modules
        .iter()
        .flat_map(|m| {
            m.rules().iter().map(move |r| Row {
                id: &r.id,
                title: &r.title,
                severity: r.severity,
                controls: &r.controls,
                kinds: &r.kinds,
                module: m.name(),
                remediation: &r.remediation,
            })
        })
        .collect();
    rows.sort_by(|a, b| a.id.cmp(b.id));
    let mut out = std::io::stdout().lock();
    match global.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &rows).context("writing JSON")?;
            writeln!(out)?;
        }
        _ => {
            let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in &rows {
                writeln!(
                    out,
                    "{:width$}  {:<8}  {:<32}  {}",
                    r.id,
                    r.severity.as_str(),
                    r.controls.join(", "),
                    r.title
                )?;
            }
        }
    }
    Ok(Exit::Clean)
}
