//! `bulwark test MODULE FIXTURE…`: runs one rule module over fixtures
//! whose expected findings are written in the fixtures themselves, and
//! reports every missing and unexpected finding with file:line.
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

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use bulwark_core::{Finding, InputKind};
use bulwark_engine::{Engine, Evaluator, Module, RuleSelection};
use bulwark_inputs::helm::Helm;
use bulwark_inputs::{Discovery, LoadOptions, Loaded};
use serde::Serialize;

use super::{Format, GlobalOptions};
use crate::builtin::BUILTINS;
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
    /// The Pod Security Standards level handed to the module.
    #[arg(long, value_name = "LEVEL", default_value = "restricted", value_parser = ["baseline", "restricted"])]
    pss_level: String,
}

/// One expected finding: a rule on a line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
struct Expected {
    line: usize,
    rule_id: String,
}

/// A finding nobody expected.
#[derive(Debug, Serialize)]
struct Unexpected {
    line: usize,
    column: usize,
    rule_id: String,
    message: String,
}

/// How one fixture went.
#[derive(Debug, Serialize)]
struct Outcome {
    file: String,
    ok: bool,
    expected: usize,
    missing: Vec<Expected>,
    unexpected: Vec<Unexpected>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<String>,
}

const MARKER: &str = "# expect:";

/// The rule ids after the marker, separated by commas or spaces.
fn rule_ids(text: &str) -> Vec<String> {
    text.split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The expectations written in `text` as comments.
fn inline_expectations(text: &str, kind: InputKind) -> Vec<Expected> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let ids = rule_ids(&line[at + MARKER.len()..]);
        let own_line = line[..at].trim().is_empty();
        let target = if own_line {
            // The next line that is content.
            lines
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, l)| {
                    let t = l.trim();
                    !t.is_empty() && !t.starts_with('#')
                })
                .map(|(j, _)| j + 1)
        } else if kind == InputKind::Dockerfile {
            // Part of the instruction, not a comment.
            None
        } else {
            Some(i + 1)
        };
        if let Some(line) = target {
            out.extend(ids.into_iter().map(|rule_id| Expected { line, rule_id }));
        }
    }
    out
}

/// The expectations of the sidecar `FIXTURE.expect`, if there is one.
fn sidecar_expectations(fixture: &Path) -> anyhow::Result<Option<Vec<Expected>>> {
    let mut name = fixture.as_os_str().to_owned();
    name.push(".expect");
    let path = PathBuf::from(name);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let (number, rules) = line.split_once([' ', '\t']).unwrap_or((line, ""));
        let number: usize = number.parse().ok().filter(|n| *n > 0).with_context(|| {
            format!(
                "{}:{}: expected `LINE RULE-ID[, RULE-ID…]`, found `{line}`",
                path.display(),
                i + 1
            )
        })?;
        let ids = rule_ids(rules);
        if ids.is_empty() {
            bail!(
                "{}:{}: no rule id after line {number}",
                path.display(),
                i + 1
            );
        }
        out.extend(ids.into_iter().map(|rule_id| Expected {
            line: number,
            rule_id,
        }));
    }
    Ok(Some(out))
}

/// Loads the module under test alone.
fn load(engine: &Engine, module: &str) -> anyhow::Result<Module> {
    if let Some(builtin) = BUILTINS.iter().find(|b| b.name == module) {
        return builtin.load(engine);
    }
    let path = Path::new(module);
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "reading rule module {module} (not a file, nor a built-in pack: {})",
            BUILTINS
                .iter()
                .map(|b| b.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let name = path
        .file_stem()
        .map_or_else(|| module.to_owned(), |s| s.to_string_lossy().into_owned());
    let component = super::scan::component_of(&bytes)
        .with_context(|| format!("loading rule module {module}"))?;
    engine
        .load(&name, &component)
        .with_context(|| format!("loading rule module {module}"))
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let engine = Engine::new(super::scan::default_limits())
        .context("starting the rule engine")?
        .with_cache(bulwark_engine::Cache::from_env());
    let module = load(&engine, &args.module)?;
    let declared: Vec<&str> = module.rules().iter().map(|r| r.id.as_str()).collect();
    for id in &args.only {
        if !declared.contains(&id.as_str()) {
            bail!("--rule {id}: module `{}` has no such rule", module.name());
        }
    }
    let checked = |id: &str| args.only.is_empty() || args.only.iter().any(|o| o == id);
    let modules = std::slice::from_ref(&module);
    let settings = serde_json::json!({ "pss_level": args.pss_level }).to_string();
    let mut evaluator = Evaluator::new(&engine, modules, &settings);
    let selection = RuleSelection::all(modules);
    let discovery = Discovery::default();
    let root = bulwark_inputs::Root::of(&args.fixtures);
    let found = discovery.discover(&root, &args.fixtures, &|_, _| None);
    if let Some(e) = found.errors.first() {
        bail!("{e}");
    }
    let candidates = found.candidates;
    let options = LoadOptions {
        kind: args.kind,
        max_file_size: 10 << 20,
        helm: Helm::from_env(Vec::new()),
    };
    let mut outcomes = Vec::new();
    let mut failures = Vec::new();
    for candidate in &candidates {
        let mut outcome = Outcome {
            file: candidate.display.clone(),
            ok: false,
            expected: 0,
            missing: Vec::new(),
            unexpected: Vec::new(),
            errors: Vec::new(),
        };
        let (source, docs) = match bulwark_inputs::load(candidate, &options) {
            Ok(Loaded::Documents {
                source,
                documents,
                errors,
                ..
            }) => {
                outcome
                    .errors
                    .extend(errors.iter().map(ToString::to_string));
                (source, documents)
            }
            Ok(Loaded::NotInput(_)) => continue,
            Ok(Loaded::Skipped { reason, notice }) => {
                outcome
                    .errors
                    .push(notice.unwrap_or_else(|| format!("{}: {reason}", candidate.display)));
                outcomes.push(outcome);
                continue;
            }
            Err(e) => {
                outcome.errors.push(e.to_string());
                outcomes.push(outcome);
                continue;
            }
        };
        let kind = docs.first().map_or(InputKind::Kubernetes, |d| d.kind);
        let mut expected = match sidecar_expectations(&candidate.path)? {
            Some(sidecar) => sidecar,
            None => inline_expectations(source.text(), kind),
        };
        for e in &expected {
            if !declared.contains(&e.rule_id.as_str()) {
                bail!(
                    "{}:{}: expects `{}`, which module `{}` does not declare",
                    candidate.display,
                    e.line,
                    e.rule_id,
                    module.name()
                );
            }
        }
        expected.retain(|e| checked(&e.rule_id));
        let mut found: Vec<Finding> = Vec::new();
        for doc in &docs {
            let evaluation = evaluator.evaluate(doc, &selection);
            found.extend(
                evaluation
                    .findings
                    .into_iter()
                    .filter(|f| checked(&f.rule_id)),
            );
            failures.extend(evaluation.failures);
        }
        found.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        outcome.expected = expected.len();
        // Match each finding with an expectation of its rule on its line.
        let mut open: BTreeMap<(usize, String), usize> = BTreeMap::new();
        for e in &expected {
            *open.entry((e.line, e.rule_id.clone())).or_insert(0) += 1;
        }
        for f in found {
            match open.get_mut(&(f.location.line, f.rule_id.to_string())) {
                Some(n) if *n > 0 => *n -= 1,
                _ => outcome.unexpected.push(Unexpected {
                    line: f.location.line,
                    column: f.location.column,
                    rule_id: f.rule_id.to_string(),
                    message: f.message,
                }),
            }
        }
        for ((line, rule_id), n) in open {
            for _ in 0..n {
                outcome.missing.push(Expected {
                    line,
                    rule_id: rule_id.clone(),
                });
            }
        }
        outcome.ok = outcome.missing.is_empty() && outcome.unexpected.is_empty();
        outcomes.push(outcome);
    }
    if outcomes.is_empty() {
        bail!(
            "no fixtures found under {} (Dockerfiles, Compose files, Kubernetes manifests, Helm values)",
            args.fixtures
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let failed = outcomes.iter().filter(|o| !o.ok).count();
    let mut out = std::io::stdout().lock();
    match global.format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({
                    "module": module.name(),
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
                    writeln!(
                        out,
                        "  {}:{}: expected {}, found none",
                        o.file, m.line, m.rule_id
                    )?;
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
                module.name()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(expected: &[Expected]) -> Vec<(usize, &str)> {
        expected
            .iter()
            .map(|e| (e.line, e.rule_id.as_str()))
            .collect()
    }

    #[test]
    fn comments_name_the_next_content_line_or_their_own() {
        let dockerfile =
            "FROM a\n# expect: r1, r2\n\n# another comment\nUSER root\nRUN x # expect: r3\n";
        assert_eq!(
            lines(&inline_expectations(dockerfile, InputKind::Dockerfile)),
            [(5, "r1"), (5, "r2")]
        );
        let yaml = "a:\n  b: 1  # expect: r3\n  # expect: r4\n  c: 2\n";
        assert_eq!(
            lines(&inline_expectations(yaml, InputKind::Compose)),
            [(2, "r3"), (4, "r4")]
        );
    }
}
