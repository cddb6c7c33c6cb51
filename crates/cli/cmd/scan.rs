//! `bulwark scan [PATH…]`: discover, parse, evaluate, report.
//!
//! Files are parsed and evaluated in parallel (one evaluator, so one store
//! per module, per worker); results are sorted before output, so the report
//! is identical whatever the scheduling.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use bulwark_core::{
    Finding, InputKind, RuleFailure, RuleFailureKind, ScanError, Severity, SourceFile,
};
use bulwark_engine::{Cache, Engine, Evaluator, Limits, Module, RuleSelection};
use bulwark_inputs::helm::Helm;
use bulwark_inputs::{Candidate, Discovery, LoadOptions, Loaded};
use bulwark_report::termcolor::{NoColor, WriteColor};
use bulwark_report::{FileReport, ScanReport, Stream, Style, Tail, Tally, Verdict, sort_problems};
use rayon::prelude::*;

use super::{Format, GlobalOptions};
use crate::builtin::BUILTINS;
use crate::evidence::{Digested, Input};
use crate::exit::Exit;
use crate::units::{parse_duration, parse_size};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to scan; `-` reads standard input (with --kind).
    #[arg(default_value = ".", value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Treat every explicitly named file (and standard input) as this kind
    /// instead of telling by name and content.
    #[arg(long, value_parser = parse_kind)]
    kind: Option<InputKind>,
    /// Fail on findings of this severity or above: info, low, medium, high,
    /// critical.
    #[arg(long, value_name = "SEVERITY", default_value = "info", value_parser = parse_severity)]
    fail_on: Severity,
    /// Stop at the first blocking finding.
    #[arg(long)]
    fail_fast: bool,
    /// Pod Security Standards level Kubernetes workloads must meet:
    /// baseline or restricted.
    #[arg(long, value_name = "LEVEL", default_value = "restricted", value_parser = ["baseline", "restricted"])]
    pss_level: String,
    /// Values file passed to `helm template` when rendering charts
    /// (repeatable).
    #[arg(long = "helm-values", value_name = "FILE")]
    helm_values: Vec<PathBuf>,
    /// Read and parse every input, report input errors, run no rule: the
    /// baseline a scan's cost is measured against.
    #[arg(long, conflicts_with = "only")]
    parse_only: bool,
    /// Run only this rule (repeatable).
    #[arg(long = "rule", value_name = "RULE-ID")]
    only: Vec<String>,
    /// Refuse files larger than this.
    #[arg(long, value_name = "SIZE", default_value = "10MiB", value_parser = parse_size)]
    max_file_size: u64,
    /// Also scan hidden files and directories.
    #[arg(long)]
    hidden: bool,
    /// Do not honour .gitignore, .ignore and git excludes.
    #[arg(long)]
    no_ignore: bool,
    /// Write signed evidence of this run (a DSSE envelope around an in-toto
    /// statement) to FILE, whatever the verdict.
    #[arg(long, value_name = "FILE")]
    evidence: Option<PathBuf>,
    /// The private key (PKCS#8 PEM) that signs the evidence; default: the
    /// file named by $BULWARK_SIGNING_KEY_FILE. Never the key itself.
    #[arg(long = "key", value_name = "FILE")]
    evidence_key: Option<PathBuf>,
    #[command(flatten)]
    modules: ModuleOptions,
}

fn parse_kind(s: &str) -> Result<InputKind, String> {
    s.parse()
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
        .map_err(|e: bulwark_core::ParseSeverityError| e.to_string())
}

/// Which rule modules run, and under which limits.
#[derive(Debug, Clone, clap::Args)]
pub struct ModuleOptions {
    /// Also load the rule component at PATH (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    extra: Vec<PathBuf>,
    /// CPU deadline for one rule on one document.
    #[arg(long, value_name = "DURATION", default_value = "500ms", value_parser = parse_duration)]
    rule_timeout: Duration,
    /// Memory limit of each rule module instance.
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    rule_memory: u64,
    /// Compile every rule module afresh instead of reusing compiled code
    /// from the cache ($BULWARK_CACHE_DIR, else ~/.cache/bulwark).
    #[arg(long)]
    no_cache: bool,
}

/// An engine with its modules loaded.
pub struct LoadedModules {
    pub engine: Engine,
    pub modules: Vec<Module>,
    /// Extra modules that could not be loaded: the run continues with the
    /// others and fails closed with exit code 3.
    pub failures: Vec<RuleFailure>,
    /// Every module given, loaded or not: name, SHA-256 of its component,
    /// and where it came from (`built-in` or its path).
    pub origins: Vec<(String, String, String)>,
}

impl ModuleOptions {
    /// Creates the engine and loads the built-in and extra modules.
    pub fn load(&self) -> anyhow::Result<LoadedModules> {
        let limits = Limits {
            timeout: self.rule_timeout,
            memory: usize::try_from(self.rule_memory).unwrap_or(usize::MAX),
        };
        let cache = if self.no_cache {
            None
        } else {
            Cache::from_env()
        };
        let engine = Engine::new(limits)
            .context("starting the rule engine")?
            .with_cache(cache);
        let mut modules = Vec::new();
        let mut origins = Vec::new();
        for builtin in BUILTINS {
            origins.push((
                builtin.name.to_owned(),
                bulwark_evidence::sha256_hex(builtin.bytes),
                "built-in".to_owned(),
            ));
            let module = match builtin.precompiled {
                // SAFETY: embedded in this binary at build time, produced by
                // `bulwark_engine::precompile` from `builtin.bytes` (`cargo
                // xtask build-rules`, checked byte for byte in CI).
                #[allow(unsafe_code)]
                Some(precompiled) => unsafe {
                    engine.load_precompiled(builtin.name, builtin.bytes, precompiled)
                },
                None => engine.load(builtin.name, builtin.bytes),
            };
            modules.push(module.context("loading a built-in rule module")?);
        }
        let mut failures = Vec::new();
        for path in &self.extra {
            let bytes = std::fs::read(path)
                .with_context(|| format!("reading rule module {}", path.display()))?;
            let name = path.file_stem().map_or_else(
                || path.display().to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            origins.push((
                name.clone(),
                bulwark_evidence::sha256_hex(&bytes),
                path.display().to_string(),
            ));
            match engine.load(&name, &bytes) {
                Ok(module) => modules.push(module),
                Err(e) => failures.push(RuleFailure {
                    module: name,
                    rule_id: None,
                    file: path.display().to_string(),
                    kind: RuleFailureKind::Load {
                        message: error_chain(&e),
                    },
                }),
            }
        }
        let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
        for m in &modules {
            for r in m.rules() {
                if let Some(other) = owners.insert(&r.id, m.name()) {
                    bail!(
                        "rule id `{}` is declared by both module `{other}` and module `{}`",
                        r.id,
                        m.name()
                    );
                }
            }
        }
        Ok(LoadedModules {
            engine,
            modules,
            failures,
            origins,
        })
    }
}

/// What scanning one file produced.
#[derive(Default)]
struct FileResult {
    findings: Vec<Finding>,
    failures: Vec<RuleFailure>,
    errors: Vec<ScanError>,
    /// Kept when something must be shown with a snippet.
    source: Option<Arc<SourceFile>>,
    documents: usize,
    scanned: bool,
    notice: Option<String>,
}

fn scan_error(e: &bulwark_inputs::Error) -> ScanError {
    // The message without the `file:line:col: ` prefix the Display adds.
    ScanError {
        file: e.file().to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.kind().to_string(),
    }
}

/// Which rules run and which are reported. Built-in rules always run, so a
/// secret one of them finds is masked in every reported finding even when
/// `--rule` narrows the report to other rules.
struct Plan<'a> {
    selection: RuleSelection,
    only: &'a [String],
}

impl Plan<'_> {
    fn reported(&self, rule_id: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|r| r == rule_id)
    }
}

fn evaluate_loaded(
    loaded: Result<Loaded, bulwark_inputs::Error>,
    evaluator: &mut Evaluator<'_>,
    plan: &Plan<'_>,
) -> FileResult {
    let mut result = FileResult::default();
    match loaded {
        Ok(Loaded::Skipped) => {}
        Ok(Loaded::Notice(notice)) => result.notice = Some(notice),
        Ok(Loaded::Documents(source, docs)) => {
            result.scanned = true;
            result.documents = docs.len();
            for doc in &docs {
                let out = evaluator.evaluate(doc, &plan.selection);
                let (mut kept, dropped): (Vec<Finding>, Vec<Finding>) = out
                    .findings
                    .into_iter()
                    .partition(|f| plan.reported(&f.rule_id));
                // Secrets found by unreported rules stay masked in snippets.
                let hidden: Vec<_> = dropped
                    .iter()
                    .flat_map(|f| f.redactions.iter().copied())
                    .collect();
                if let Some(first) = kept.first_mut() {
                    first.redactions.extend(hidden);
                }
                result.findings.extend(kept);
                result.failures.extend(out.failures);
            }
            if !result.findings.is_empty() {
                result.source = Some(source);
            }
        }
        Err(e) => {
            result.errors.push(scan_error(&e));
            result.source = e.source_file().cloned();
        }
    }
    result
}

/// One unit of work: a discovered file, or standard input.
enum Job<'a> {
    File(&'a Candidate),
    /// Read before the scan starts; taken by the worker that scans it.
    Stdin(std::sync::Mutex<Option<Result<Loaded, bulwark_inputs::Error>>>),
}

/// The name standard input is reported under.
const STDIN: &str = "<stdin>";

impl<'a> Job<'a> {
    /// All jobs in report order (by name).
    fn list(
        candidates: &'a [Candidate],
        stdin: Option<Result<Loaded, bulwark_inputs::Error>>,
    ) -> Vec<Job<'a>> {
        let mut jobs: Vec<Job<'a>> = candidates.iter().map(Job::File).collect();
        if let Some(loaded) = stdin {
            let at = candidates.partition_point(|c| c.display.as_str() < STDIN);
            jobs.insert(at, Job::Stdin(std::sync::Mutex::new(Some(loaded))));
        }
        jobs
    }
}

/// Reads standard input whole (up to the size limit) and parses it; the
/// SHA-256 of the bytes read comes with it.
fn read_stdin(
    kind: Option<InputKind>,
    max_file_size: u64,
) -> anyhow::Result<(String, Result<Loaded, bulwark_inputs::Error>)> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(max_file_size + 1)
        .read_to_end(&mut bytes)
        .context("reading standard input")?;
    let digest = bulwark_evidence::sha256_hex(&bytes);
    let loaded = if bytes.len() as u64 > max_file_size {
        Err(bulwark_inputs::Error::new(
            STDIN,
            1,
            1,
            bulwark_inputs::ErrorKind::TooLarge {
                size: bytes.len() as u64,
                limit: max_file_size,
            },
        ))
    } else {
        bulwark_inputs::load_bytes(STDIN, kind, bytes)
    };
    Ok((digest, loaded))
}

/// What every worker shares.
struct Worker<'a> {
    engine: &'a Engine,
    modules: &'a [Module],
    settings: &'a str,
    plan: &'a Plan<'a>,
    load_options: &'a LoadOptions,
    style: &'a Style,
    fail_on: Severity,
    fail_fast: bool,
    /// Keep findings and subjects for the evidence.
    evidence: bool,
    /// Set at the first blocking finding under `--fail-fast`, or when the
    /// report can no longer be written.
    stop: AtomicBool,
    phases: &'a Phases,
}

/// One job's outcome, its report part already drawn.
#[derive(Default)]
struct Scanned {
    part: Vec<u8>,
    tally: Tally,
    errors: Vec<ScanError>,
    failures: Vec<RuleFailure>,
    notice: Option<String>,
    /// Kept only when evidence is written.
    findings: Vec<Finding>,
    /// The files read and their SHA-256, when evidence is written.
    subjects: Vec<Digested>,
}

impl Worker<'_> {
    fn scan(&self, job: &Job<'_>, evaluator: &mut Evaluator<'_>) -> Scanned {
        if self.stop.load(Ordering::Relaxed) {
            return Scanned::default();
        }
        let phases = self.phases;
        let loaded = phases.time(&phases.parse, || match job {
            Job::File(candidate) => bulwark_inputs::load(candidate, self.load_options),
            Job::Stdin(taken) => taken
                .lock()
                .ok()
                .and_then(|mut t| t.take())
                .unwrap_or(Ok(Loaded::Skipped)),
        });
        let subjects = match job {
            Job::File(candidate) if self.evidence => subjects(candidate, &loaded),
            _ => Vec::new(),
        };
        let result = phases.time(&phases.evaluate, || {
            evaluate_loaded(loaded, evaluator, self.plan)
        });
        let report = FileReport::new(result.findings, result.errors, result.source);
        let mut tally = Tally {
            files: usize::from(result.scanned),
            documents: result.documents,
            ..Tally::default()
        };
        tally.add_findings(&report.findings, self.fail_on);
        if self.fail_fast && tally.blocking > 0 {
            self.stop.store(true, Ordering::Relaxed);
        }
        let part = phases.time(&phases.render, || self.style.render(&report));
        let part = part.unwrap_or_else(|e| {
            format!("error: drawing the report for this file failed: {e}\n").into_bytes()
        });
        Scanned {
            part,
            tally,
            errors: report.errors,
            failures: result.failures,
            notice: result.notice,
            findings: if self.evidence {
                report.findings
            } else {
                Vec::new()
            },
            subjects,
        }
    }
}

/// The files `candidate` read, with their digests: a file that was read
/// (scanned, or failing to parse), or every file of a rendered chart.
fn subjects(
    candidate: &Candidate,
    loaded: &Result<Loaded, bulwark_inputs::Error>,
) -> Vec<Digested> {
    if candidate.chart {
        if matches!(loaded, Ok(Loaded::Notice(_))) {
            return Vec::new();
        }
        // A file that vanished since rendering is left out; `verify` would
        // not find it either.
        return crate::evidence::chart_files(&candidate.path)
            .unwrap_or_default()
            .iter()
            .filter_map(|f| crate::evidence::digest_file(f).ok())
            .collect();
    }
    let source = match loaded {
        Ok(Loaded::Documents(source, _)) => Some(source),
        Err(e) => e.source_file(),
        Ok(_) => None,
    };
    // The text is the file's bytes, as read.
    source
        .map(|s| {
            (
                Input::File(candidate.path.clone()),
                bulwark_evidence::sha256_hex(s.text().as_bytes()),
            )
        })
        .into_iter()
        .collect()
}

/// What the writer keeps of a run.
#[derive(Default)]
struct RunTotals {
    tally: Tally,
    findings: Vec<Finding>,
    errors: Vec<ScanError>,
    failures: Vec<RuleFailure>,
    notices: Vec<String>,
    subjects: Vec<Digested>,
}

impl RunTotals {
    fn add(&mut self, scanned: Scanned) {
        self.tally.merge(scanned.tally);
        self.findings.extend(scanned.findings);
        self.errors.extend(scanned.errors);
        self.failures.extend(scanned.failures);
        self.notices.extend(scanned.notice);
        self.subjects.extend(scanned.subjects);
    }
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let started_at = std::time::SystemTime::now();
    // The signing key is read before any work, so a bad key fails fast.
    let signing_key = match &args.evidence {
        Some(_) => {
            let path = args
                .evidence_key
                .clone()
                .or_else(|| std::env::var_os("BULWARK_SIGNING_KEY_FILE").map(PathBuf::from))
                .filter(|p| !p.as_os_str().is_empty())
                .context(
                    "--evidence needs a signing key: --key FILE, or BULWARK_SIGNING_KEY_FILE naming the file",
                )?;
            Some(crate::evidence::read_signing_key(&path)?)
        }
        None => None,
    };
    let loaded = args.modules.load()?;
    let known: Vec<&str> = loaded
        .modules
        .iter()
        .flat_map(|m| m.rules().iter().map(|r| r.id.as_str()))
        .collect();
    for id in &args.only {
        if !known.contains(&id.as_str()) {
            bail!("--rule {id}: no such rule (`bulwark rules list` shows them all)");
        }
    }
    // A rule can run at all unless this is a parse-only pass, or it belongs
    // to the restricted Pod Security profile and the level is baseline.
    let baseline_only = args.pss_level == "baseline";
    let restricted =
        |r: &bulwark_core::RuleMeta| r.controls.iter().any(|c| c.starts_with("PSS-restricted"));
    let runnable =
        |r: &bulwark_core::RuleMeta| !(args.parse_only || (baseline_only && restricted(r)));
    let plan = Plan {
        selection: RuleSelection::filter(&loaded.modules, |m, r| {
            runnable(r)
                && (args.only.is_empty()
                    || args.only.contains(&r.id)
                    || BUILTINS.iter().any(|b| b.name == m.name()))
        }),
        only: &args.only,
    };
    let reported_rules =
        RuleSelection::filter(&loaded.modules, |_, r| runnable(r) && plan.reported(&r.id)).len();
    let settings = serde_json::json!({ "pss_level": args.pss_level }).to_string();
    let load_options = LoadOptions {
        kind: args.kind,
        max_file_size: args.max_file_size,
        helm: Helm::from_env(args.helm_values.clone()),
    };

    let discovery = Discovery {
        hidden: args.hidden,
        respect_ignore_files: !args.no_ignore,
        max_file_size: args.max_file_size,
    };
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    let paths: Vec<PathBuf> = args
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let phases = Phases::from_env();
    let (candidates, walk_errors) = if paths.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        discovery.discover(&paths)
    };

    let (stdin_subject, stdin_loaded) = if stdin {
        let (digest, loaded) = read_stdin(args.kind, args.max_file_size)?;
        (Some((Input::Stdin, digest)), Some(loaded))
    } else {
        (None, None)
    };
    let jobs = Job::list(&candidates, stdin_loaded);

    let style = match global.format {
        Format::Human => None,
        Format::Json => Some(Style::Json {
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        }),
    };
    let mut out: Box<dyn WriteColor> = match style {
        None => Box::new(global.color.stdout()),
        Some(_) => Box::new(NoColor::new(std::io::BufWriter::new(std::io::stdout()))),
    };
    let style = style.unwrap_or(Style::Human {
        color: out.supports_color(),
    });
    let mut walk_errors: Vec<ScanError> = walk_errors.iter().map(scan_error).collect();
    let mut stream =
        Stream::begin(&mut *out, style.clone(), &walk_errors).context("writing the report")?;

    let worker = Worker {
        engine: &loaded.engine,
        modules: &loaded.modules,
        settings: settings.as_str(),
        plan: &plan,
        load_options: &load_options,
        style: &style,
        fail_on: args.fail_on,
        fail_fast: args.fail_fast,
        evidence: signing_key.is_some(),
        stop: AtomicBool::new(false),
        phases: &phases,
    };
    // Files are scanned roughly in order by the workers and written in
    // order here as they arrive; the few that finish early wait in
    // `pending`.
    let mut run = RunTotals::default();
    let mut write_error = None;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Scanned)>(64);
        let worker = &worker;
        let jobs = &jobs;
        scope.spawn(move || {
            jobs.iter().enumerate().par_bridge().for_each_init(
                || Evaluator::new(worker.engine, worker.modules, worker.settings),
                |evaluator, (i, job)| {
                    // The receiver only goes away once every job is in.
                    let _ = tx.send((i, worker.scan(job, evaluator)));
                },
            );
        });
        let mut pending = BTreeMap::new();
        let mut next = 0;
        for (i, scanned) in rx {
            pending.insert(i, scanned);
            while let Some(scanned) = pending.remove(&next) {
                next += 1;
                if write_error.is_none()
                    && let Err(e) = stream.part(&scanned.part)
                {
                    // Nobody is reading. Evidence still records the whole
                    // run; without it, the rest is not scanned.
                    if !worker.evidence {
                        worker.stop.store(true, Ordering::Relaxed);
                    }
                    write_error = Some(e);
                }
                run.add(scanned);
            }
        }
    });
    phases.mark("read, parse, evaluate and write (wall)");

    let RunTotals {
        tally,
        findings,
        errors: file_errors,
        failures: file_failures,
        mut notices,
        mut subjects,
    } = run;
    let files = tally.files;
    let mut failures = loaded.failures.clone();
    failures.extend(file_failures);
    walk_errors.extend(file_errors);
    let mut errors = walk_errors;
    sort_problems(&mut failures, &mut errors);
    notices.sort();
    let summary = tally.summary(reported_rules, args.fail_on, &failures, &errors);
    if write_error.is_none() {
        write_error = stream
            .finish(Tail {
                failures: &failures,
                errors: &errors,
                notices: &notices,
                summary: &summary,
            })
            .err();
    }
    drop(out);
    if global.format == Format::Human && files == 0 && errors.is_empty() {
        #[allow(clippy::disallowed_macros)]
        {
            eprintln!(
                "note: found nothing to scan (Dockerfiles, Compose files, Kubernetes manifests, Helm values) under {}",
                display_paths(&args.paths)
            );
        }
    }
    if let (Some(path), Some(key)) = (&args.evidence, &signing_key) {
        subjects.extend(stdin_subject);
        for values in &args.helm_values {
            subjects.push(
                crate::evidence::digest_file(values)
                    .with_context(|| format!("reading the values file {}", values.display()))?,
            );
        }
        let report = ScanReport {
            findings,
            failures,
            errors,
            summary: summary.clone(),
            notices,
        };
        let run = crate::evidence::Run {
            report: &report,
            subjects: &subjects,
            modules: &loaded.origins,
            configuration: serde_json::json!({
                "fail_on": args.fail_on.to_string(),
                "pss_level": args.pss_level,
                "rules": args.only,
                "kind": args.kind.map(|k| k.to_string()),
                "max_file_size": args.max_file_size,
                "rule_timeout_ms": u64::try_from(args.modules.rule_timeout.as_millis()).unwrap_or(u64::MAX),
                "rule_memory": args.modules.rule_memory,
                "extra_modules": args.modules.extra.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            }),
            started_at,
            scanned_paths: &args.paths,
        };
        crate::evidence::write(path, key, &run)
            .with_context(|| format!("writing evidence to {}", path.display()))?;
        phases.mark("write the evidence");
    }
    if let Some(e) = write_error {
        return Err(anyhow::Error::new(e).context("writing the report"));
    }
    phases.report();
    Ok(match summary.verdict {
        Verdict::Pass => Exit::Clean,
        Verdict::Fail => Exit::Findings,
        Verdict::InputError => Exit::Usage,
        Verdict::RuleFailure => Exit::RuleFailure,
    })
}

/// `err` and its causes on one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `BULWARK_PROFILE=phases`: where a scan's time goes, on standard error.
/// Reading and parsing, and evaluating (serialising documents for the
/// guests included), are summed over the worker threads; the other phases
/// are wall time.
struct Phases {
    enabled: bool,
    parse: std::sync::atomic::AtomicU64,
    evaluate: std::sync::atomic::AtomicU64,
    render: std::sync::atomic::AtomicU64,
    last: std::sync::Mutex<(std::time::Instant, Vec<(&'static str, Duration)>)>,
    started: std::time::Instant,
}

impl Phases {
    fn from_env() -> Phases {
        let now = std::time::Instant::now();
        Phases {
            enabled: std::env::var_os("BULWARK_PROFILE").is_some_and(|v| v == "phases"),
            parse: Default::default(),
            evaluate: Default::default(),
            render: Default::default(),
            last: std::sync::Mutex::new((now, Vec::new())),
            started: now,
        }
    }

    /// Runs `f`, adding its duration to `total` when profiling.
    fn time<T>(&self, total: &std::sync::atomic::AtomicU64, f: impl FnOnce() -> T) -> T {
        if !self.enabled {
            return f();
        }
        let start = std::time::Instant::now();
        let out = f();
        let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        total.fetch_add(nanos, Ordering::Relaxed);
        out
    }

    /// Ends the phase `name` now.
    fn mark(&self, name: &'static str) {
        if !self.enabled {
            return;
        }
        if let Ok(mut last) = self.last.lock() {
            let now = std::time::Instant::now();
            let took = now - last.0;
            last.1.push((name, took));
            last.0 = now;
        }
    }

    #[allow(clippy::disallowed_macros)]
    fn report(&self) {
        if !self.enabled {
            return;
        }
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let summed =
            |a: &std::sync::atomic::AtomicU64| Duration::from_nanos(a.load(Ordering::Relaxed));
        eprintln!("phases (ms):");
        eprintln!(
            "  read and parse (summed over workers)   {:9.1}",
            ms(summed(&self.parse))
        );
        eprintln!(
            "  evaluate (summed over workers)         {:9.1}",
            ms(summed(&self.evaluate))
        );
        eprintln!(
            "  draw the report (summed over workers)  {:9.1}",
            ms(summed(&self.render))
        );
        if let Ok(last) = self.last.lock() {
            for (name, took) in &last.1 {
                eprintln!("  {name:<39}{:9.1}", ms(*took));
            }
        }
        eprintln!(
            "  total (wall)                           {:9.1}",
            ms(self.started.elapsed())
        );
    }
}
