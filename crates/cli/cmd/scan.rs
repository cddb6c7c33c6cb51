//! `bulwark scan [PATH…]`: discover, parse, evaluate, report.
//!
//! Files are parsed and evaluated in parallel (one evaluator, so one store
//! per module, per worker); results are sorted before output, so the report
//! is identical whatever the scheduling.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use bulwark_core::{
    CoverageEntry, CoverageStatus, Finding, InputKind, RuleFailure, RuleFailureKind, ScanError,
    Severity, SourceFile,
};
use bulwark_core::{
    ExceptionState, ExceptionStatus, ScanReport, Suppressed, SuppressionKind, Tally, Verdict,
    sort_problems,
};
use bulwark_engine::{Cache, Engine, Evaluator, Limits, Module, RuleSelection};
use bulwark_inputs::helm::Helm;
use bulwark_inputs::{Candidate, Discovered, Discovery, Exclusion, LoadOptions, Loaded, Root};
use bulwark_report::github::Annotations;
use bulwark_report::junit::Junit;
use bulwark_report::locate::Locator;
use bulwark_report::markdown::JobSummary;
use bulwark_report::sarif::{Sarif, SarifRule};
use bulwark_report::termcolor::{NoColor, WriteColor};
use bulwark_report::{FileReport, Format as ReportFormat, Tail};
use rayon::prelude::*;

use super::{Format, GlobalOptions};
use crate::baseline;
use crate::builtin::BUILTINS;
use crate::evidence::Digested;
use crate::exit::Exit;
use crate::suppress::Suppressor;
use bulwark_config::units::{parse_duration, parse_size};
use bulwark_config::{Config, PssLevel};

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
    /// critical [default: `fail-on` in .bulwark.yaml, else info].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
    /// Stop at the first blocking finding.
    #[arg(long)]
    fail_fast: bool,
    /// Pod Security Standards level Kubernetes workloads must meet:
    /// baseline or restricted [default: `pss-level` in .bulwark.yaml, else
    /// restricted].
    #[arg(long, value_name = "LEVEL", value_parser = ["baseline", "restricted"])]
    pss_level: Option<String>,
    /// The configuration file [default: .bulwark.yaml at the root: the git
    /// work tree of the scanned paths, else the current directory]. One
    /// found deeper is never applied.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Use no configuration file.
    #[arg(long)]
    no_config: bool,
    /// Report only findings that are not in this baseline (written by
    /// --write-baseline): adopt bulwark without fixing everything first.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the fingerprints of this run's findings in FILE, as a
    /// baseline for later runs.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
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
    /// Refuse files larger than this [default: `limits.max-file-size` in
    /// .bulwark.yaml, else 10MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
    /// Hidden files are always scanned now; kept so that old command lines
    /// still run.
    #[arg(long, hide = true)]
    hidden: bool,
    /// Also scan untracked files that git ignores (tracked files are
    /// scanned whatever .gitignore says).
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
    /// Also write the report in FORMAT to FILE (repeatable): human, json,
    /// sarif, junit, github or markdown; e.g. `--output
    /// sarif=bulwark.sarif --output junit=bulwark.xml`.
    #[arg(long = "output", value_name = "FORMAT=FILE", value_parser = parse_output)]
    outputs: Vec<(Format, PathBuf)>,
    #[command(flatten)]
    modules: ModuleOptions,
}

fn parse_output(s: &str) -> Result<(Format, PathBuf), String> {
    let (format, file) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected FORMAT=FILE, e.g. sarif=bulwark.sarif"))?;
    let format = <Format as clap::ValueEnum>::from_str(format, true).map_err(|_| {
        format!("`{format}`: not a format (human, json, sarif, junit, github, markdown)")
    })?;
    if file.is_empty() {
        return Err(format!("`{s}`: no file after `=`"));
    }
    Ok((format, PathBuf::from(file)))
}

fn parse_kind(s: &str) -> Result<InputKind, String> {
    s.parse()
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
        .map_err(|e: bulwark_core::ParseSeverityError| e.to_string())
}

/// An extra rule module given on the command line, with its pin.
#[derive(Debug, Clone)]
pub struct ModuleArg {
    pub path: PathBuf,
    pub sha256: String,
}

/// `PATH@sha256:DIGEST`. Without the pin, the error names the digest the
/// file has now, to check and copy.
fn parse_module_arg(s: &str) -> Result<ModuleArg, String> {
    if let Some((path, digest)) = s.rsplit_once('@')
        && let Some(sha256) = bulwark_config::parse_sha256(digest)
    {
        return Ok(ModuleArg {
            path: PathBuf::from(path),
            sha256,
        });
    }
    let now = std::fs::read(s)
        .map(|bytes| format!("{s}@sha256:{}", bulwark_evidence::sha256_hex(&bytes)))
        .unwrap_or_else(|_| format!("{s}@sha256:<its SHA-256>"));
    Err(format!(
        "a rule module must be pinned by its SHA-256: `--rules {now}` (check that digest against the module's publisher first)"
    ))
}

/// Where a loaded module came from, for the evidence.
#[derive(Debug, Clone)]
pub struct Origin {
    pub name: String,
    pub sha256: String,
    /// `built-in`, or the path it was loaded from.
    pub source: String,
    /// The id of the trusted key that signed it, when signatures are
    /// checked.
    pub signed_by: Option<String>,
}

/// Which rule modules run, and under which limits.
#[derive(Debug, Clone, clap::Args)]
pub struct ModuleOptions {
    /// Also load the rule component at PATH, pinned by its SHA-256
    /// (repeatable): `--rules policy.wasm@sha256:4f1c…`.
    #[arg(long = "rules", value_name = "PATH@sha256:DIGEST", value_parser = parse_module_arg)]
    extra: Vec<ModuleArg>,
    /// A public key (SPKI PEM) extra rule modules must be signed with
    /// (repeatable; adds to `trusted-keys` in .bulwark.yaml). With any
    /// trusted key, every extra module needs a signature (`MODULE.sig`,
    /// written by `bulwark sign`) by one of them.
    #[arg(long = "trusted-key", value_name = "FILE")]
    trusted_keys: Vec<PathBuf>,
    /// CPU deadline for one rule on one document [default:
    /// `limits.rule-timeout` in .bulwark.yaml, else 500ms].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    rule_timeout: Option<Duration>,
    /// Memory limit of each rule module instance [default:
    /// `limits.rule-memory` in .bulwark.yaml, else 256MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    rule_memory: Option<u64>,
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
    /// Every module given, loaded or not.
    pub origins: Vec<Origin>,
}

/// The CPU deadline of one rule on one document, unless configured.
const DEFAULT_RULE_TIMEOUT: Duration = Duration::from_millis(500);
/// The memory of one rule module instance, unless configured.
const DEFAULT_RULE_MEMORY: u64 = 256 << 20;
/// The limits rules run under when nothing is configured (also for
/// `bulwark test` and the check `bulwark build` makes).
pub fn default_limits() -> Limits {
    Limits {
        timeout: DEFAULT_RULE_TIMEOUT,
        memory: usize::try_from(DEFAULT_RULE_MEMORY).unwrap_or(usize::MAX),
    }
}

/// `bytes` as a component: a core module carrying wit-bindgen's
/// component-type section (what `cargo build` leaves before `bulwark
/// build`) is encoded here; a component is returned as it is.
///
/// # Errors
///
/// When a core module cannot be encoded (it lacks the type section, or
/// its exports do not match it).
pub fn component_of(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, bulwark_build::Error> {
    if bytes.starts_with(b"\0asm") && !bulwark_build::is_component(bytes) {
        return bulwark_build::componentize(bytes).map(std::borrow::Cow::Owned);
    }
    Ok(std::borrow::Cow::Borrowed(bytes))
}

/// The largest input file, unless configured.
const DEFAULT_MAX_FILE_SIZE: u64 = 10 << 20;

impl ModuleOptions {
    /// The effective CPU deadline and memory limit: flag, else
    /// configuration, else default.
    pub fn limits(&self, config: Option<&Config>) -> (Duration, u64) {
        let configured = config.map(|c| &c.limits);
        (
            self.rule_timeout
                .or_else(|| configured.and_then(|l| l.rule_timeout))
                .unwrap_or(DEFAULT_RULE_TIMEOUT),
            self.rule_memory
                .or_else(|| configured.and_then(|l| l.rule_memory))
                .unwrap_or(DEFAULT_RULE_MEMORY),
        )
    }

    /// Creates the engine and loads the built-in modules, the extra modules
    /// given with `--rules` and those `config` pins by digest.
    pub fn load(&self, config: Option<&Config>) -> anyhow::Result<LoadedModules> {
        let (timeout, memory) = self.limits(config);
        let limits = Limits {
            timeout,
            memory: usize::try_from(memory).unwrap_or(usize::MAX),
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
            origins.push(Origin {
                name: builtin.name.to_owned(),
                sha256: bulwark_evidence::sha256_hex(builtin.bytes),
                source: "built-in".to_owned(),
                signed_by: None,
            });
            modules.push(builtin.load(&engine)?);
        }
        let trusted = self.trusted_keys(config)?;
        let mut failures = Vec::new();
        for extra in self.extra_modules(config) {
            let path = &extra.path;
            let bytes = std::fs::read(path)
                .with_context(|| format!("reading rule module {}", path.display()))?;
            let actual = bulwark_evidence::sha256_hex(&bytes);
            if actual != extra.sha256 {
                let message = format!(
                    "rule module {} does not match its pin: sha256 {} pinned, {actual} on disk; refusing to run it",
                    path.display(),
                    extra.sha256
                );
                return Err(match extra.declared {
                    Some((config, at)) => bulwark_config::Error::Invalid(vec![config.problem(
                        at,
                        bulwark_config::Code::PinMismatch,
                        message,
                    )])
                    .into(),
                    None => anyhow::anyhow!("--rules: {message}"),
                });
            }
            let signed_by = if trusted.is_empty() {
                None
            } else {
                let signature = extra
                    .signature
                    .clone()
                    .unwrap_or_else(|| crate::evidence::default_signature_path(path));
                let envelope = std::fs::read(&signature).with_context(|| {
                    format!(
                        "rule module {}: trusted keys are configured, but its signature {} cannot be read (sign it with `bulwark sign {} --key KEY`)",
                        path.display(),
                        signature.display(),
                        path.display()
                    )
                })?;
                let keys: Vec<_> = trusted.iter().map(|(_, key)| key.clone()).collect();
                let signer = bulwark_evidence::module::verify_module(&envelope, &bytes, &keys)
                    .with_context(|| {
                        format!(
                            "rule module {}: signature {} refused; refusing to run it",
                            path.display(),
                            signature.display()
                        )
                    })?;
                Some(signer)
            };
            let name = path.file_stem().map_or_else(
                || path.display().to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            origins.push(Origin {
                name: name.clone(),
                sha256: actual,
                source: path.display().to_string(),
                signed_by,
            });
            let loaded = component_of(&bytes)
                .map_err(|e| error_chain(&e))
                .and_then(|component| engine.load(&name, &component).map_err(|e| error_chain(&e)));
            match loaded {
                Ok(module) => modules.push(module),
                Err(message) => failures.push(RuleFailure {
                    module: name,
                    rule_id: None,
                    file: path.display().to_string(),
                    kind: RuleFailureKind::Load { message },
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

/// An extra module to load: from `--rules` or the configuration.
struct ExtraModule<'c> {
    path: PathBuf,
    sha256: String,
    signature: Option<PathBuf>,
    /// The configuration entry that declared it.
    declared: Option<(&'c Config, bulwark_config::At)>,
}

impl ModuleOptions {
    /// The modules of `--rules`, then those pinned in `config`.
    fn extra_modules<'c>(&self, config: Option<&'c Config>) -> Vec<ExtraModule<'c>> {
        let given = self.extra.iter().map(|m| ExtraModule {
            path: m.path.clone(),
            sha256: m.sha256.clone(),
            signature: None,
            declared: None,
        });
        let pinned = config.into_iter().flat_map(|c| {
            c.rules.iter().map(move |m| ExtraModule {
                path: c.root.join(&m.path),
                sha256: m.sha256.clone(),
                signature: m.signature.as_ref().map(|s| c.root.join(s)),
                declared: Some((c, m.at)),
            })
        });
        given.chain(pinned).collect()
    }

    /// The trusted keys of `--trusted-key` and `trusted-keys`, by path.
    fn trusted_keys(
        &self,
        config: Option<&Config>,
    ) -> anyhow::Result<Vec<(PathBuf, bulwark_evidence::VerifyingKey)>> {
        let configured = config
            .into_iter()
            .flat_map(|c| c.trusted_keys.iter().map(|k| c.root.join(&k.value)));
        self.trusted_keys
            .iter()
            .cloned()
            .chain(configured)
            .map(|path| {
                let pem = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading the trusted key {}", path.display()))?;
                let key = bulwark_evidence::VerifyingKey::from_public_key_pem(&pem)
                    .with_context(|| format!("reading the trusted key {}", path.display()))?;
                Ok((path, key))
            })
            .collect()
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
    suppressed: Vec<Suppressed>,
    /// Spans of secret values in the file.
    secrets: Vec<bulwark_core::Span>,
    /// The file's name as reported, and its documents' kind.
    name: Option<Arc<str>>,
    kind: Option<InputKind>,
    /// What became of the file, for the coverage account.
    status: Option<CoverageStatus>,
}

/// An input error as report data: the message without the location, a
/// stable code.
fn scan_error(e: &bulwark_inputs::Error) -> ScanError {
    ScanError {
        file: e.file().to_owned(),
        line: e.line(),
        column: e.column(),
        code: e.kind().code().to_owned(),
        message: e.kind().to_string(),
    }
}

/// Which rules run and which are reported. Built-in rules always run, so a
/// secret one of them finds is masked in every reported finding even when
/// `--rule` narrows the report to other rules.
struct Plan<'a> {
    selection: RuleSelection,
    only: &'a [String],
    choice: &'a RuleChoice,
}

impl Plan<'_> {
    fn reported(&self, module: &str, rule_id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|r| r == rule_id))
            && self.choice.enabled(module, rule_id)
    }
}

/// What the configuration says about rules: which are enabled (by pack or
/// id) and at which severity.
#[derive(Default)]
struct RuleChoice {
    enable: Vec<String>,
    disable: Vec<String>,
    severity: BTreeMap<String, Severity>,
}

impl RuleChoice {
    /// Checks every rule id and pack name in `config` against `modules`,
    /// reporting every unknown one.
    fn new(config: &Config, modules: &[Module]) -> anyhow::Result<RuleChoice> {
        use bulwark_config::Code;
        let is_pack = |name: &str| modules.iter().any(|m| m.name() == name);
        let is_rule = |id: &str| modules.iter().any(|m| m.rules().iter().any(|r| r.id == id));
        let mut problems = Vec::new();
        for entry in config.enable.iter().chain(&config.disable) {
            if !is_pack(&entry.value) && !is_rule(&entry.value) {
                problems.push(config.problem(
                    entry.at,
                    Code::UnknownRuleOrPack,
                    format!(
                        "`{}` is neither a rule id nor a rule pack (`bulwark rules list` shows them)",
                        entry.value
                    ),
                ));
            }
        }
        for (rule, _) in &config.severity {
            if !is_rule(&rule.value) {
                problems.push(config.problem(
                    rule.at,
                    Code::UnknownRule,
                    format!("severity: no rule `{}`", rule.value),
                ));
            }
        }
        for exception in &config.exceptions {
            if !is_rule(&exception.rule) {
                problems.push(config.problem(
                    exception.at,
                    Code::UnknownRule,
                    format!("exception for unknown rule `{}`", exception.rule),
                ));
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| (p.line, p.column));
            return Err(bulwark_config::Error::Invalid(problems).into());
        }
        Ok(RuleChoice {
            enable: config.enable.iter().map(|e| e.value.clone()).collect(),
            disable: config.disable.iter().map(|e| e.value.clone()).collect(),
            severity: config
                .severity
                .iter()
                .map(|(rule, severity)| (rule.value.clone(), *severity))
                .collect(),
        })
    }

    /// Whether the rule `id` of pack `module` is reported.
    fn enabled(&self, module: &str, id: &str) -> bool {
        let named = |list: &[String]| list.iter().any(|e| e == module || e == id);
        (self.enable.is_empty() || named(&self.enable)) && !named(&self.disable)
    }
}

/// The configuration named by `--config`, or `.bulwark.yaml` at `root`.
/// A configuration deeper in the tree is never applied: a subdirectory
/// cannot change how the repository is judged.
pub fn find_config(
    explicit: Option<&std::path::Path>,
    disabled: bool,
    root: &bulwark_inputs::Root,
) -> anyhow::Result<Option<Config>> {
    if disabled {
        return Ok(None);
    }
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => [".bulwark.yaml", ".bulwark.yml"]
            .iter()
            .map(|name| root.path().join(name))
            .find(|p| p.is_file()),
    };
    path.map(|p| Config::load(&p).map_err(anyhow::Error::from))
        .transpose()
}

/// Every configured exception, whether it is in force and how often it
/// applied.
fn exception_statuses(
    config: Option<&Config>,
    today: bulwark_config::Date,
    suppressed: &[Suppressed],
) -> Vec<ExceptionStatus> {
    let Some(config) = config else {
        return Vec::new();
    };
    let file = config.path.display().to_string();
    config
        .exceptions
        .iter()
        .map(|e| {
            let declared_at = format!("{file}:{}", e.at.line);
            let applied = suppressed
                .iter()
                .filter(|s| s.kind == SuppressionKind::Exception && s.declared_at == declared_at)
                .count();
            let object = e
                .object
                .iter()
                .flat_map(|o| {
                    [
                        ("kind", &o.kind),
                        ("name", &o.name),
                        ("namespace", &o.namespace),
                    ]
                    .into_iter()
                    .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v)))
                })
                .collect();
            ExceptionStatus {
                rule: e.rule.clone(),
                paths: e.paths.clone(),
                object,
                reason: e.reason.clone(),
                owner: e.owner.clone(),
                expires: e.expires.to_string(),
                status: if e.expired(today) {
                    ExceptionState::Expired
                } else {
                    ExceptionState::Active
                },
                applied,
                declared_at,
            }
        })
        .collect()
}

/// `path` relative to `root` with `/` separators, if it is under it.
fn relative_to(root: &std::path::Path, path: &std::path::Path) -> Option<String> {
    bulwark_config::relative_path(root, &std::path::absolute(path).ok()?)
}

fn evaluate_loaded(
    loaded: Result<Loaded, bulwark_inputs::Error>,
    evaluator: &mut Evaluator<'_>,
    plan: &Plan<'_>,
    suppressor: &Suppressor<'_>,
    path: Option<&str>,
    known_kind: Option<InputKind>,
) -> FileResult {
    let mut result = FileResult::default();
    match loaded {
        Ok(Loaded::NotInput(reason)) => {
            result.status = Some(CoverageStatus::NotInput { reason });
        }
        Ok(Loaded::Skipped { reason, notice }) => {
            result.notice = notice;
            result.status = Some(CoverageStatus::Skipped { reason });
        }
        Ok(Loaded::Documents {
            source,
            documents,
            errors,
            kind,
        }) => {
            result.scanned = !documents.is_empty() || errors.is_empty();
            result.documents = documents.len();
            result.name = Some(Arc::from(source.name()));
            result.kind = kind.or_else(|| documents.first().map(|d| d.kind));
            result.errors.extend(errors.iter().map(scan_error));
            result.status = Some(if errors.is_empty() {
                CoverageStatus::Scanned {
                    kind: result.kind.unwrap_or(InputKind::Kubernetes),
                    documents: documents.len(),
                }
            } else {
                CoverageStatus::Error {
                    kind: result.kind,
                    documents: documents.len(),
                }
            });
            for doc in &documents {
                let out = evaluator.evaluate(doc, &plan.selection);
                // Every secret any rule found stays masked in snippets,
                // whether or not its finding is reported.
                result.secrets.extend(
                    out.findings
                        .iter()
                        .flat_map(|f| f.redactions.iter().copied()),
                );
                let kept: Vec<Finding> = out
                    .findings
                    .into_iter()
                    .filter(|f| plan.reported(&f.module, &f.rule_id))
                    .collect();
                let (kept, suppressed) = suppressor.apply(doc, path, kept);
                result.suppressed.extend(suppressed);
                result.findings.extend(kept);
                result.failures.extend(out.failures);
            }
            if !result.findings.is_empty()
                || !result.suppressed.is_empty()
                || !result.errors.is_empty()
                || !result.failures.is_empty()
            {
                result.source = Some(source);
            }
        }
        Err(e) => {
            result.name = Some(Arc::from(e.file()));
            result.errors.push(scan_error(&e));
            result.source = e.source_file().cloned();
            result.status = Some(CoverageStatus::Error {
                kind: known_kind,
                documents: 0,
            });
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
        Err(bulwark_inputs::Error::whole(
            STDIN,
            bulwark_inputs::ErrorKind::TooLarge {
                size: bytes.len() as u64,
                limit: max_file_size,
            },
        ))
    } else if bytes.iter().all(u8::is_ascii_whitespace) {
        // `helm template … | bulwark scan -` with the first command failing
        // must not pass on nothing.
        Err(bulwark_inputs::Error::whole(
            STDIN,
            bulwark_inputs::ErrorKind::Empty,
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
    /// One per output, in order.
    styles: &'a [Arc<dyn ReportFormat>],
    fail_on: Severity,
    /// Severity overrides by rule id.
    severity: &'a BTreeMap<String, Severity>,
    fail_fast: bool,
    suppressor: &'a Suppressor<'a>,
    /// Fingerprints of known findings, not reported.
    baseline: Option<&'a std::collections::HashSet<String>>,
    /// Keep every finding's fingerprint, to write a baseline.
    fingerprints: bool,
    /// The configuration's directory, absolute: exception paths are
    /// relative to it.
    config_root: Option<PathBuf>,
    /// The run's root: subjects are named relative to it.
    root: &'a Root,
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
    /// The file's part of each output, in the order of the outputs.
    parts: Vec<Vec<u8>>,
    tally: Tally,
    errors: Vec<ScanError>,
    failures: Vec<RuleFailure>,
    notice: Option<String>,
    suppressed: Vec<Suppressed>,
    /// Findings left out because the baseline knows them.
    known: usize,
    /// Kept only when a baseline is written.
    fingerprints: Vec<baseline::Entry>,
    /// Kept only when evidence is written.
    findings: Vec<Finding>,
    /// The files read and their SHA-256, when evidence is written.
    subjects: Vec<Digested>,
    /// What became of the job's file.
    coverage: Option<CoverageEntry>,
}

impl Job<'_> {
    /// The job's entry in the coverage account.
    fn coverage(&self, status: CoverageStatus) -> CoverageEntry {
        match self {
            Job::File(c) => CoverageEntry {
                path: c.display.clone(),
                relative: c.relative.clone(),
                status,
                target: c.target.clone(),
            },
            Job::Stdin(_) => CoverageEntry {
                path: STDIN.to_owned(),
                relative: Some(STDIN.to_owned()),
                status,
                target: None,
            },
        }
    }
}

impl Worker<'_> {
    fn scan(&self, job: &Job<'_>, evaluator: &mut Evaluator<'_>) -> Scanned {
        if self.stop.load(Ordering::Relaxed) {
            return Scanned {
                coverage: Some(job.coverage(CoverageStatus::Skipped {
                    reason: bulwark_core::Skip::Stopped,
                })),
                ..Scanned::default()
            };
        }
        let phases = self.phases;
        let loaded = phases.time(&phases.parse, || match job {
            Job::File(candidate) => bulwark_inputs::load(candidate, self.load_options),
            Job::Stdin(taken) => taken.lock().ok().and_then(|mut t| t.take()).unwrap_or(Err(
                bulwark_inputs::Error::whole(STDIN, bulwark_inputs::ErrorKind::Empty),
            )),
        });
        let subjects = match job {
            Job::File(candidate) if self.evidence => subjects(self.root, candidate, &loaded),
            _ => Vec::new(),
        };
        let path = match (job, &self.config_root) {
            (Job::File(candidate), Some(root)) => relative_to(root, &candidate.path),
            _ => None,
        };
        let known_kind = match job {
            Job::File(candidate) => candidate
                .kind
                .or(self.load_options.kind.filter(|_| candidate.explicit)),
            Job::Stdin(_) => self.load_options.kind,
        };
        let result = phases.time(&phases.evaluate, || {
            evaluate_loaded(
                loaded,
                evaluator,
                self.plan,
                self.suppressor,
                path.as_deref(),
                known_kind,
            )
        });
        let coverage = result.status.clone().map(|status| job.coverage(status));
        let mut findings = result.findings;
        if !self.severity.is_empty() {
            for f in &mut findings {
                if let Some(severity) = self.severity.get(&*f.rule_id) {
                    f.severity = *severity;
                }
            }
        }
        let mut report = FileReport::new(findings, result.errors, result.source, result.secrets);
        report.name = result.name;
        report.kind = result.kind;
        let mut suppressed = result.suppressed;
        // A secret found anywhere in the file is masked in everything said
        // about it: suppressed findings and rule failures too.
        for x in &mut suppressed {
            if let std::borrow::Cow::Owned(m) = report.mask(&x.message) {
                x.message = m;
            }
        }
        let mut failures = result.failures;
        for f in &mut failures {
            if let RuleFailureKind::Error { message } | RuleFailureKind::Trap { message } =
                &mut f.kind
                && let std::borrow::Cow::Owned(m) = report.mask(message)
            {
                *message = m;
            }
        }
        if !suppressed.is_empty() {
            suppressed.sort_by(|a, b| {
                (a.line, a.column, &a.rule_id).cmp(&(b.line, b.column, &b.rule_id))
            });
            bulwark_report::fingerprint::assign_suppressed(
                &mut suppressed,
                report.source.as_deref(),
                &report.secrets,
            );
        }
        let mut known = 0;
        if let Some(baseline) = self.baseline {
            let before = report.findings.len();
            report
                .findings
                .retain(|f| !baseline.contains(&f.fingerprint));
            known = before - report.findings.len();
        }
        let mut tally = Tally {
            files: usize::from(result.scanned),
            documents: result.documents,
            ..Tally::default()
        };
        tally.add_findings(&report.findings, self.fail_on);
        if self.fail_fast && tally.blocking > 0 {
            self.stop.store(true, Ordering::Relaxed);
        }
        let parts = phases.time(&phases.render, || {
            self.styles
                .iter()
                .map(|style| {
                    style.render(&report).unwrap_or_else(|e| {
                        format!("error: drawing the report for this file failed: {e}\n")
                            .into_bytes()
                    })
                })
                .collect()
        });
        Scanned {
            parts,
            tally,
            errors: report.errors,
            failures,
            notice: result.notice,
            suppressed,
            known,
            fingerprints: if self.fingerprints {
                report.findings.iter().map(baseline::Entry::of).collect()
            } else {
                Vec::new()
            },
            findings: if self.evidence {
                report.findings
            } else {
                Vec::new()
            },
            subjects,
            coverage,
        }
    }
}

/// The files `candidate` read, with their digests, named relative to the
/// root: a file that was read (scanned, or failing to parse), or every
/// file of a rendered chart.
fn subjects(
    root: &Root,
    candidate: &Candidate,
    loaded: &Result<Loaded, bulwark_inputs::Error>,
) -> Vec<Digested> {
    if candidate.chart {
        if matches!(loaded, Ok(Loaded::Skipped { .. })) {
            return Vec::new();
        }
        // A file that vanished since rendering is left out; `verify` would
        // not find it either.
        return crate::evidence::chart_files(&candidate.path)
            .unwrap_or_default()
            .iter()
            .filter_map(|f| crate::evidence::digest_file(root, f).ok())
            .collect();
    }
    let source = match loaded {
        Ok(Loaded::Documents { source, .. }) => Some(source),
        Err(e) => e.source_file(),
        Ok(_) => None,
    };
    // The text is the file's bytes, as read.
    source
        .map(|s| {
            (
                candidate
                    .relative
                    .clone()
                    .unwrap_or_else(|| candidate.display.clone()),
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
    suppressed: Vec<Suppressed>,
    known: usize,
    fingerprints: Vec<baseline::Entry>,
    subjects: Vec<Digested>,
    coverage: Vec<CoverageEntry>,
}

impl RunTotals {
    fn add(&mut self, scanned: Scanned) {
        self.tally.merge(scanned.tally);
        self.findings.extend(scanned.findings);
        self.errors.extend(scanned.errors);
        self.failures.extend(scanned.failures);
        self.notices.extend(scanned.notice);
        self.suppressed.extend(scanned.suppressed);
        self.known += scanned.known;
        self.fingerprints.extend(scanned.fingerprints);
        self.subjects.extend(scanned.subjects);
        self.coverage.extend(scanned.coverage);
    }
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let started_at = std::time::SystemTime::now();
    // The signing key is read before any work, so a bad key fails fast.
    let mut early_notices = Vec::new();
    let signing_key = match &args.evidence {
        Some(_) => {
            let path = crate::evidence::signing_key_path(
                args.evidence_key.as_deref(),
                "--evidence needs",
            )?;
            early_notices.extend(crate::evidence::key_permission_warning(&path));
            Some(crate::evidence::read_signing_key(&path)?)
        }
        None => None,
    };
    let root = Root::of(&args.paths);
    let config = find_config(args.config.as_deref(), args.no_config, &root)?;
    let config = config.as_ref();
    let today = bulwark_config::Date::of(started_at);
    let fail_on = args
        .fail_on
        .or_else(|| config.and_then(|c| c.fail_on))
        .unwrap_or(Severity::Info);
    let pss_level = match (&args.pss_level, config.and_then(|c| c.pss_level)) {
        (Some(level), _) => level.clone(),
        (None, Some(level)) => level.as_str().to_owned(),
        (None, None) => PssLevel::Restricted.as_str().to_owned(),
    };
    let max_file_size = args
        .max_file_size
        .or_else(|| config.and_then(|c| c.limits.max_file_size))
        .unwrap_or(DEFAULT_MAX_FILE_SIZE);
    let (rule_timeout, rule_memory) = args.modules.limits(config);
    let loaded = args.modules.load(config)?;
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
    let choice = match config {
        Some(config) => RuleChoice::new(config, &loaded.modules)?,
        None => RuleChoice::default(),
    };
    // A rule can run at all unless this is a parse-only pass, or it belongs
    // to the restricted Pod Security profile and the level is baseline.
    let baseline_only = pss_level == "baseline";
    let restricted =
        |r: &bulwark_core::RuleMeta| r.controls.iter().any(|c| c.starts_with("PSS-restricted"));
    let runnable =
        |r: &bulwark_core::RuleMeta| !(args.parse_only || (baseline_only && restricted(r)));
    let plan = Plan {
        selection: RuleSelection::filter(&loaded.modules, |m, r| {
            runnable(r)
                && ((args.only.is_empty() || args.only.contains(&r.id))
                    && choice.enabled(m.name(), &r.id)
                    || BUILTINS.iter().any(|b| b.name == m.name()))
        }),
        only: &args.only,
        choice: &choice,
    };
    let reported_rules = RuleSelection::filter(&loaded.modules, |m, r| {
        runnable(r) && plan.reported(m.name(), &r.id)
    })
    .len();
    if reported_rules == 0 && !args.parse_only {
        bail!(
            "no rule is enabled{}: a run that checks nothing cannot pass (see `bulwark rules list`; --parse-only only reads the inputs)",
            match config {
                Some(c) if !c.enable.is_empty() || !c.disable.is_empty() => format!(
                    " (`enable` and `disable` in {} leave none)",
                    c.path.display()
                ),
                _ if !args.only.is_empty() =>
                    " (--rule names only rules the Pod Security level leaves out)".to_owned(),
                _ => String::new(),
            }
        );
    }
    let settings = serde_json::json!({ "pss_level": pss_level }).to_string();
    let load_options = LoadOptions {
        kind: args.kind,
        max_file_size,
        helm: Helm::from_env(args.helm_values.clone()),
    };

    let config_root = config.map(|c| {
        c.root
            .canonicalize()
            .unwrap_or_else(|_| std::path::absolute(&c.root).unwrap_or_else(|_| c.root.clone()))
    });
    let exclude = |rel: &str, _dir: bool| -> Option<Exclusion> {
        let config = config.filter(|c| !c.exclude.is_empty())?;
        let path = relative_to(config_root.as_ref()?, &root.path().join(rel))?;
        config.exclusion(&path).map(|pattern| Exclusion {
            pattern: pattern.to_owned(),
            config: config.path.display().to_string(),
        })
    };
    let discovery = Discovery {
        include_ignored: args.no_ignore,
        config: config.and_then(|c| c.path.canonicalize().ok()),
    };
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    let phases = Phases::from_env();
    let Discovered {
        candidates,
        account,
        errors: walk_errors,
    } = discovery.discover(&root, &args.paths, &exclude);

    let (stdin_subject, stdin_loaded) = if stdin {
        let (digest, loaded) = read_stdin(args.kind, max_file_size)?;
        (Some((STDIN.to_owned(), digest)), Some(loaded))
    } else {
        (None, None)
    };
    let jobs = Job::list(&candidates, stdin_loaded);

    let mut styles = StyleBuilder {
        paths: &args.paths,
        modules: &loaded.modules,
        reported: &|m: &Module, r: &bulwark_core::RuleMeta| {
            runnable(r) && plan.reported(m.name(), &r.id)
        },
        severity: &choice.severity,
        fail_on,
        locator: None,
        sarif: None,
        junit: None,
    };
    let mut outputs = Vec::new();
    let stdout: Box<dyn WriteColor> = match global.format {
        Format::Human => Box::new(global.color.stdout()),
        _ => Box::new(NoColor::new(std::io::BufWriter::new(std::io::stdout()))),
    };
    let color = stdout.supports_color();
    outputs.push(Output {
        style: styles.style(global.format, color, true),
        out: stdout,
        name: "the report".to_owned(),
    });
    for (format, path) in &args.outputs {
        let file = std::fs::File::create(path)
            .with_context(|| format!("--output: creating {}", path.display()))?;
        outputs.push(Output {
            style: styles.style(*format, false, true),
            out: Box::new(NoColor::new(std::io::BufWriter::new(file))),
            name: path.display().to_string(),
        });
    }
    let wants =
        |format: Format| global.format == format || args.outputs.iter().any(|(f, _)| *f == format);
    // In GitHub Actions, findings are also annotations (on standard error,
    // which the runner reads as well), and the job summary gets a section.
    if github_actions() && !wants(Format::Github) {
        outputs.push(Output {
            style: styles.style(Format::Github, false, false),
            out: Box::new(NoColor::new(std::io::BufWriter::new(std::io::stderr()))),
            name: "the annotations".to_owned(),
        });
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
        && !wants(Format::Markdown)
    {
        let path = PathBuf::from(path);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening $GITHUB_STEP_SUMMARY ({})", path.display()))?;
        outputs.push(Output {
            style: styles.style(Format::Markdown, false, false),
            out: Box::new(NoColor::new(std::io::BufWriter::new(file))),
            name: path.display().to_string(),
        });
    }
    let output_styles: Vec<Arc<dyn ReportFormat>> =
        outputs.iter().map(|o| o.style.clone()).collect();
    let mut walk_errors: Vec<ScanError> = walk_errors.iter().map(scan_error).collect();
    let mut streams = Vec::with_capacity(outputs.len());
    for output in &mut outputs {
        let name = output.name.clone();
        streams.push((
            output
                .style
                .begin(&mut *output.out, &walk_errors)
                .with_context(|| format!("writing {name}"))?,
            name,
        ));
    }

    let suppressor = Suppressor::new(config, today);
    let known_findings = args.baseline.as_deref().map(baseline::read).transpose()?;
    let worker = Worker {
        suppressor: &suppressor,
        baseline: known_findings.as_ref().map(|b| &b.fingerprints),
        fingerprints: args.write_baseline.is_some(),
        config_root: config
            .map(|c| std::path::absolute(&c.root).unwrap_or_else(|_| c.root.clone())),
        root: &root,
        engine: &loaded.engine,
        modules: &loaded.modules,
        settings: settings.as_str(),
        plan: &plan,
        load_options: &load_options,
        styles: &output_styles,
        fail_on,
        severity: &choice.severity,
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
        let progress = Progress::new(jobs.len());
        for (i, scanned) in rx {
            pending.insert(i, scanned);
            while let Some(scanned) = pending.remove(&next) {
                next += 1;
                if write_error.is_none() {
                    let shown = scanned.parts.iter().any(|p| !p.is_empty());
                    let written = progress.suspend(shown, || {
                        for ((stream, name), part) in streams.iter_mut().zip(&scanned.parts) {
                            stream
                                .part(part)
                                .with_context(|| format!("writing {name}"))?;
                        }
                        anyhow::Ok(())
                    });
                    if let Err(e) = written {
                        // Nobody is reading. Evidence still records the
                        // whole run; without it, the rest is not scanned.
                        if !worker.evidence {
                            worker.stop.store(true, Ordering::Relaxed);
                        }
                        write_error = Some(e);
                    }
                }
                progress.advance();
                run.add(scanned);
            }
        }
        progress.finish();
    });
    phases.mark("read, parse, evaluate and write (wall)");

    let RunTotals {
        tally,
        findings,
        errors: file_errors,
        failures: file_failures,
        mut notices,
        suppressed,
        known,
        fingerprints,
        mut subjects,
        coverage,
    } = run;
    notices.extend(early_notices);
    let mut coverage = coverage;
    coverage.extend(account);
    coverage.sort_by(|a, b| a.path.cmp(&b.path));
    for entry in &coverage {
        if let CoverageStatus::NotInput {
            reason: bulwark_core::NotInput::ConfigurationIgnored,
        } = entry.status
        {
            notices.push(format!(
                "{} is not applied: only the configuration at the root ({}) or --config is",
                entry.path,
                root.path().display()
            ));
        }
    }
    if let Some(path) = &args.write_baseline {
        baseline::write(path, fingerprints)
            .with_context(|| format!("writing the baseline {}", path.display()))?;
    }
    if known > 0 {
        notices.push(format!(
            "{known} finding{} known to the baseline not reported",
            if known == 1 { "" } else { "s" }
        ));
    }
    let exceptions = exception_statuses(config, today, &suppressed);
    for e in exceptions
        .iter()
        .filter(|e| e.status == ExceptionState::Expired)
    {
        notices.push(format!(
            "the exception for `{}` at {} (owner {}) expired on {} and no longer applies",
            e.rule, e.declared_at, e.owner, e.expires
        ));
    }
    let files = tally.files;
    let mut failures = loaded.failures.clone();
    failures.extend(file_failures);
    walk_errors.extend(file_errors);
    let mut errors = walk_errors;
    sort_problems(&mut failures, &mut errors);
    notices.sort();
    let summary = tally.summary(reported_rules, fail_on, &failures, &errors);
    let tail = Tail {
        failures: &failures,
        errors: &errors,
        notices: &notices,
        suppressed: &suppressed,
        exceptions: &exceptions,
        coverage: &coverage,
        summary: &summary,
    };
    for (stream, name) in streams {
        if write_error.is_none() {
            write_error = stream
                .finish(tail)
                .with_context(|| format!("writing {name}"))
                .err();
        }
    }
    drop(outputs);
    if let Some(path) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) {
        write_github_outputs(Path::new(&path), &summary)
            .with_context(|| format!("writing $GITHUB_OUTPUT ({})", Path::new(&path).display()))?;
    }
    if global.format == Format::Human && files == 0 && errors.is_empty() {
        #[allow(clippy::disallowed_macros)]
        {
            eprintln!(
                "note: found nothing to scan (Dockerfiles, Compose files, Kubernetes manifests, Helm values) under {}",
                bulwark_report::escape::inline(&display_paths(&args.paths))
            );
        }
    }
    if let (Some(path), Some(key)) = (&args.evidence, &signing_key) {
        subjects.extend(stdin_subject);
        for values in &args.helm_values {
            subjects.push(
                crate::evidence::digest_file(&root, values)
                    .with_context(|| format!("reading the values file {}", values.display()))?,
            );
        }
        let report = ScanReport {
            findings,
            failures,
            errors,
            summary: summary.clone(),
            notices,
            coverage,
        };
        let run = crate::evidence::Run {
            report: &report,
            suppressed: &suppressed,
            exceptions: &exceptions,
            subjects: &subjects,
            modules: &loaded.origins,
            configuration: serde_json::json!({
                "fail_on": fail_on.to_string(),
                "pss_level": pss_level,
                "rules": args.only,
                "kind": args.kind.map(|k| k.to_string()),
                "max_file_size": max_file_size,
                "rule_timeout_ms": u64::try_from(rule_timeout.as_millis()).unwrap_or(u64::MAX),
                "rule_memory": rule_memory,
                "config_file": config.map(|c| c.path.display().to_string()),
                "config_sha256": config.map(|c| bulwark_evidence::sha256_hex(c.text.as_bytes())),
                "extra_modules": args.modules.extra.iter().map(|m| m.path.display().to_string()).collect::<Vec<_>>(),
                "baseline": args.baseline.as_ref().zip(known_findings.as_ref()).map(|(path, b)| serde_json::json!({
                    "file": path.display().to_string(),
                    "sha256": b.sha256,
                    "known_not_reported": known,
                })),
            }),
            started_at,
            scanned_paths: &args.paths,
            root: &root,
            exclude: config.map(|c| (c, config_root.as_deref())),
            include_ignored: args.no_ignore,
        };
        crate::evidence::write(path, key, &run)
            .with_context(|| format!("writing evidence to {}", path.display()))?;
        phases.mark("write the evidence");
    }
    if let Some(e) = write_error {
        return Err(e);
    }
    phases.report();
    Ok(match summary.verdict {
        Verdict::Pass => Exit::Clean,
        Verdict::Fail => Exit::Findings,
        Verdict::InputError => Exit::Usage,
        Verdict::RuleFailure => Exit::RuleFailure,
    })
}

/// One report being written.
struct Output {
    style: Arc<dyn ReportFormat>,
    out: Box<dyn WriteColor>,
    /// What to call it in an error.
    name: String,
}

/// Whether bulwark runs in a GitHub Actions job.
fn github_actions() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// Appends the step outputs `verdict`, `findings` and `blocking` to the
/// file `$GITHUB_OUTPUT` names.
fn write_github_outputs(path: &Path, summary: &bulwark_core::Summary) -> std::io::Result<()> {
    use std::io::Write as _;
    let verdict = match summary.verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::InputError => "input-error",
        Verdict::RuleFailure => "rule-failure",
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    write!(
        file,
        "verdict={verdict}\nfindings={}\nblocking={}\n",
        summary.findings, summary.blocking
    )
}

/// Makes the style of each output format, with what the formats need
/// (rule metadata, repository paths) built once.
struct StyleBuilder<'a> {
    paths: &'a [PathBuf],
    modules: &'a [Module],
    reported: &'a dyn Fn(&Module, &bulwark_core::RuleMeta) -> bool,
    severity: &'a BTreeMap<String, Severity>,
    fail_on: Severity,
    locator: Option<Locator>,
    sarif: Option<Arc<Sarif>>,
    junit: Option<Arc<Junit>>,
}

impl StyleBuilder<'_> {
    fn locator(&mut self) -> Locator {
        let paths = self.paths;
        self.locator
            .get_or_insert_with(|| Locator::new(crate::evidence::repository_root(paths)))
            .clone()
    }

    /// The reported rules, at the severity in effect.
    fn rules(&self) -> Vec<(bulwark_core::RuleMeta, bool)> {
        let mut rules = Vec::new();
        for module in self.modules {
            let builtin = BUILTINS.iter().any(|b| b.name == module.name());
            for rule in module.rules() {
                if (self.reported)(module, rule) {
                    let mut rule = rule.clone();
                    if let Some(severity) = self.severity.get(&rule.id) {
                        rule.severity = *severity;
                    }
                    rules.push((rule, builtin));
                }
            }
        }
        rules.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        rules
    }

    /// The style of `format`; `color` for the human report, `primary`
    /// when it is the only thing written to where it goes.
    fn style(&mut self, format: Format, color: bool, primary: bool) -> Arc<dyn ReportFormat> {
        let repository = env!("CARGO_PKG_REPOSITORY");
        match format {
            Format::Human => Arc::new(bulwark_report::human::Human { color }),
            Format::Json => Arc::new(bulwark_report::json::Json {
                tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            }),
            Format::Sarif => {
                if let Some(run) = &self.sarif {
                    return run.clone();
                }
                let mut rules: Vec<SarifRule> = self
                    .rules()
                    .into_iter()
                    .map(|(meta, builtin)| SarifRule {
                        help_uri: builtin
                            .then(|| format!("{repository}/blob/main/docs/rules.md#{}", meta.id)),
                        meta,
                    })
                    .collect();
                rules.push(SarifRule {
                    meta: crate::suppress::missing_reason_rule(),
                    help_uri: Some(format!(
                        "{repository}/blob/main/README.md#configuration-suppressions-and-baselines"
                    )),
                });
                let run = Arc::new(Sarif::new(
                    env!("CARGO_PKG_VERSION").to_owned(),
                    repository.to_owned(),
                    rules,
                    self.locator(),
                ));
                self.sarif = Some(run.clone());
                run
            }
            Format::Junit => {
                let fail_on = self.fail_on;
                let rules = self.rules().into_iter().map(|(meta, _)| meta).collect();
                self.junit
                    .get_or_insert_with(|| Arc::new(Junit { rules, fail_on }))
                    .clone()
            }
            Format::Github => Arc::new(Annotations {
                fail_on: self.fail_on,
                locator: self.locator(),
                summary_line: primary,
            }),
            Format::Markdown => Arc::new(JobSummary {
                fail_on: self.fail_on,
                locator: self.locator(),
            }),
        }
    }
}

/// A progress bar on standard error for long scans on a terminal: shown
/// once a scan has run for a moment, never in CI or when standard error is
/// not a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: std::time::Instant,
    shown: std::cell::Cell<bool>,
    /// Standard output is the same terminal: the bar steps aside while
    /// the report is written.
    shared: bool,
}

impl Progress {
    /// How long a scan runs before the bar appears.
    const DELAY: Duration = Duration::from_millis(400);

    fn new(files: usize) -> Progress {
        use std::io::IsTerminal as _;
        let enabled = std::io::stderr().is_terminal()
            && !github_actions()
            && std::env::var_os("CI").is_none()
            && files > 1;
        let bar = enabled.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(files as u64),
                indicatif::ProgressDrawTarget::hidden(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "scanning {pos}/{len} files [{bar:30}] {elapsed} (about {eta} left)",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Progress {
            bar,
            started: std::time::Instant::now(),
            shown: std::cell::Cell::new(false),
            shared: std::io::stdout().is_terminal(),
        }
    }

    /// Runs `f`, which writes the report, with the bar out of the way if
    /// `writes` something to the terminal it is drawn on.
    fn suspend<R>(&self, writes: bool, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) if writes && self.shared && self.shown.get() => bar.suspend(f),
            _ => f(),
        }
    }

    /// One more file done.
    fn advance(&self) {
        let Some(bar) = &self.bar else { return };
        bar.inc(1);
        if !self.shown.get() && self.started.elapsed() >= Self::DELAY {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown.set(true);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
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
