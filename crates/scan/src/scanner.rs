//! The scanner: built once ([`ScannerBuilder`]), then used for any number
//! of scans of in-memory sources ([`Scanner::scan_source`]) or of paths
//! ([`Scanner::prepare`] and [`Scanner::run`]).
//!
//! A run over paths discovers the candidates, reads, parses and evaluates
//! them on a pool of workers (one evaluator, so one store per module, per
//! worker), draws each file's part of the reports on the worker that
//! scanned it, and hands the parts to the caller in file order as soon as
//! the files before them are done. Only counts, failures, errors, notices
//! and the coverage account wait for the end.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bulwark_config::{Config, Date, PssLevel, PssVersion};
use bulwark_core::{
    CoverageEntry, CoverageStatus, ExceptionState, ExceptionStatus, Finding, InputKind, NotInput,
    RuleFailure, RuleFailureKind, RuleMeta, ScanError, Severity, Skip, SourceFile, Span, Summary,
    Suppressed, SuppressionKind, Tally, sort_problems,
};
use bulwark_engine::{Evaluation, Evaluator, Limits, Module};
use bulwark_inputs::helm::Helm;
use bulwark_inputs::{Candidate, Discovered, Discovery, Exclusion, LoadOptions, Loaded, Root};
use bulwark_report::FileReport;
use rayon::prelude::*;

use crate::baseline::{self, Baseline};
use crate::builtin::{BUILTINS, Builtin};
use crate::error::Error;
use crate::inflight::{IN_FLIGHT_BYTES, InFlight};
use crate::modules::{self, ExtraModule, Loaded as LoadedModules, ModuleSet, OciExtra, Origin};
use crate::profile::Phases;
use crate::select::{Choice, Plan};
use crate::suppress::Suppressor;

/// The largest input file, unless configured.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 << 20;

/// The name standard input (or any in-memory source without one) is
/// reported under.
pub const STDIN: &str = "<stdin>";

/// Draws one file's parts of the reports (one per output), on the worker
/// that scanned it.
pub type Render<'a> = dyn Fn(&FileReport) -> Vec<Vec<u8>> + Sync + 'a;

/// Which built-in rule packs a scanner loads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Builtins {
    /// Every built-in pack.
    #[default]
    All,
    /// Only the pack of this name (`bulwark test pod-security`).
    Only(String),
    /// None: only the extra modules.
    None,
}

/// How a scanner judges, beside its modules. Every field left unset takes
/// the configuration's value, then the default.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Findings at or above this severity fail the run [default: the
    /// configuration's `fail-on`, else info].
    pub fail_on: Option<Severity>,
    /// The Pod Security Standards level [default: the configuration's,
    /// else restricted].
    pub pss_level: Option<PssLevel>,
    /// Only this platform of a multi-platform image [default: every
    /// platform].
    pub platform: Option<bulwark_image::Platform>,
    /// The Pod Security Standards policy version [default: the
    /// configuration's, else latest]. Either this or `pss_level` set here
    /// judges every object alike, whatever its namespace's labels say.
    pub pss_version: Option<PssVersion>,
    /// Report only these rules (empty: every enabled rule).
    pub only: Vec<String>,
    /// Read and parse, run no rule.
    pub parse_only: bool,
    /// The kind of explicitly named files and in-memory sources, instead
    /// of telling by name and content.
    pub kind: Option<InputKind>,
    /// Refuse files larger than this [default: configuration, else
    /// [`DEFAULT_MAX_FILE_SIZE`]].
    pub max_file_size: Option<u64>,
    /// CPU deadline of one rule on one document [default: configuration,
    /// else 500 ms].
    pub rule_timeout: Option<Duration>,
    /// Memory of one rule module instance [default: configuration, else
    /// 256 MiB].
    pub rule_memory: Option<u64>,
    /// Compile every module afresh instead of using the cache.
    pub no_cache: bool,
    /// Values files passed to `helm template` when rendering charts.
    pub helm_values: Vec<PathBuf>,
    /// Also scan untracked files that git ignores.
    pub include_ignored: bool,
    /// Stop at the first blocking finding.
    pub fail_fast: bool,
    /// The day exceptions are judged on [default: today].
    pub today: Option<Date>,
    /// How registries are reached for `docker://` images and `oci://`
    /// rule modules.
    pub registries: crate::images::Registries,
    /// Reach no registry for rule modules: they must be in the cache.
    pub offline: bool,
}

/// Builds a [`Scanner`].
#[derive(Debug, Default)]
pub struct ScannerBuilder {
    config: Option<Config>,
    builtins: Builtins,
    modules: Vec<ExtraModule>,
    oci_modules: Vec<crate::oci::OciModule>,
    trusted_keys: Vec<PathBuf>,
    options: Options,
}

impl ScannerBuilder {
    /// A builder with every built-in pack, no configuration, no extra
    /// module and default options.
    pub fn new() -> ScannerBuilder {
        ScannerBuilder::default()
    }

    /// The repository's configuration (`.bulwark.yaml`): its settings,
    /// exclusions, exceptions, pinned modules and trusted keys.
    pub fn config(mut self, config: Config) -> ScannerBuilder {
        self.config = Some(config);
        self
    }

    /// Which built-in packs to load.
    pub fn builtins(mut self, builtins: Builtins) -> ScannerBuilder {
        self.builtins = builtins;
        self
    }

    /// An extra rule module, pinned by its SHA-256.
    pub fn module(mut self, module: ExtraModule) -> ScannerBuilder {
        self.modules.push(module);
        self
    }

    /// An extra rule module in a registry, pinned by its manifest digest.
    pub fn oci_module(mut self, module: crate::oci::OciModule) -> ScannerBuilder {
        self.oci_modules.push(module);
        self
    }

    /// A public key (SPKI PEM file) extra modules must be signed with; with
    /// any, every extra module needs a signature by one of them.
    pub fn trusted_key(mut self, path: impl Into<PathBuf>) -> ScannerBuilder {
        self.trusted_keys.push(path.into());
        self
    }

    /// How to judge.
    pub fn options(mut self, options: Options) -> ScannerBuilder {
        self.options = options;
        self
    }

    /// Loads and compiles the modules, checks the configuration against
    /// them and decides which rules run.
    ///
    /// # Errors
    ///
    /// A module that does not match its pin or signature, two modules
    /// declaring one rule id, a configuration naming unknown rules, a
    /// selection that leaves no rule to run (see [`Error`]).
    pub fn build(self) -> Result<Scanner, Error> {
        let ScannerBuilder {
            config,
            builtins,
            mut modules,
            oci_modules,
            mut trusted_keys,
            options,
        } = self;
        let mut oci: Vec<OciExtra> = oci_modules
            .into_iter()
            .map(|module| OciExtra {
                module,
                declared: None,
            })
            .collect();
        let configured = config.as_ref().map(|c| &c.limits);
        let timeout = options
            .rule_timeout
            .or_else(|| configured.and_then(|l| l.rule_timeout))
            .unwrap_or(modules::DEFAULT_RULE_TIMEOUT);
        let memory = options
            .rule_memory
            .or_else(|| configured.and_then(|l| l.rule_memory))
            .unwrap_or(modules::DEFAULT_RULE_MEMORY);
        let max_file_size = options
            .max_file_size
            .or_else(|| configured.and_then(|l| l.max_file_size))
            .unwrap_or(DEFAULT_MAX_FILE_SIZE);
        if let Some(config) = &config {
            modules.extend(config.rules.iter().map(|m| ExtraModule {
                path: config.root.join(&m.path),
                sha256: m.sha256.clone(),
                signature: m.signature.as_ref().map(|s| config.root.join(s)),
                declared: Some(m.at),
            }));
            for m in &config.oci_rules {
                let module = crate::oci::OciModule::parse(&m.reference).map_err(|why| {
                    Error::Config(bulwark_config::Error::Invalid(vec![config.problem(
                        m.at,
                        bulwark_config::Code::BadValue,
                        format!("oci: {why}"),
                    )]))
                })?;
                oci.push(OciExtra {
                    module: crate::oci::OciModule {
                        digest: m.digest.as_ref().map(|d| format!("sha256:{d}")),
                        ..module
                    },
                    declared: Some(m.at),
                });
            }
            trusted_keys.extend(
                config
                    .trusted_keys
                    .iter()
                    .map(|k| config.root.join(&k.value)),
            );
        }
        let trusted = trusted_keys
            .iter()
            .map(|p| modules::read_trusted_key(p))
            .collect::<Result<Vec<_>, _>>()?;
        let builtins: Vec<&'static Builtin> = match &builtins {
            Builtins::All => BUILTINS.iter().collect(),
            Builtins::Only(name) => BUILTINS.iter().filter(|b| b.name == name).collect(),
            Builtins::None => Vec::new(),
        };
        let fetcher = crate::oci::Fetcher::new(
            options.registries.clone(),
            crate::oci::default_store(),
            options.offline,
        );
        let loaded = ModuleSet {
            builtins,
            extra: modules,
            oci,
            fetcher: &fetcher,
            trusted,
            limits: Limits {
                timeout,
                memory: usize::try_from(memory).unwrap_or(usize::MAX),
            },
            cache: !options.no_cache,
            config: config.as_ref(),
        }
        .load()?;
        let choice = match &config {
            Some(config) => Choice::new(config, &loaded.modules)?,
            None => Choice::default(),
        };
        let pss_level = options
            .pss_level
            .or_else(|| config.as_ref().and_then(|c| c.pss_level))
            .unwrap_or(PssLevel::Restricted);
        let pss_version = options
            .pss_version
            .or_else(|| config.as_ref().and_then(|c| c.pss_version))
            .unwrap_or(PssVersion::Latest);
        let pss_default = crate::pss::Policy {
            level: pss_level.into(),
            version: pss_version,
        };
        let plan = Plan::new(
            &loaded.modules,
            choice,
            &options.only,
            pss_level,
            options.parse_only,
        )?;
        if plan.reported_count() == 0 && !options.parse_only && !loaded.modules.is_empty() {
            return Err(Error::NothingEnabled(match &config {
                Some(c) if !c.enable.is_empty() || !c.disable.is_empty() => format!(
                    " (`enable` and `disable` in {} leave none)",
                    c.path.display()
                ),
                _ if !options.only.is_empty() => {
                    " (--rule names only rules the Pod Security level leaves out)".to_owned()
                }
                _ => String::new(),
            }));
        }
        let fail_on = options
            .fail_on
            .or_else(|| config.as_ref().and_then(|c| c.fail_on))
            .unwrap_or(Severity::Info);
        let today = options
            .today
            .unwrap_or_else(|| Date::of(std::time::SystemTime::now()));
        Ok(Scanner {
            settings: crate::pss::settings(
                pss_default.level,
                pss_version,
                config
                    .as_ref()
                    .map_or(&[][..], |c| c.setuid_allowed.as_slice()),
            ),
            pss_default,
            namespace_labels: options.pss_level.is_none() && options.pss_version.is_none(),
            load_options: LoadOptions {
                kind: options.kind,
                max_file_size,
                rule_memory: Some(memory),
                helm: Helm {
                    unrendered: if config.as_ref().and_then(|c| c.skip_unrendered_charts)
                        == Some(true)
                    {
                        bulwark_inputs::helm::Unrendered::Skip
                    } else {
                        bulwark_inputs::helm::Unrendered::Error
                    },
                    ..Helm::from_env(options.helm_values.clone())
                },
            },
            config_root: config.as_ref().map(|c| {
                c.root.canonicalize().unwrap_or_else(|_| {
                    std::path::absolute(&c.root).unwrap_or_else(|_| c.root.clone())
                })
            }),
            config,
            loaded,
            plan,
            fail_on,
            pss_level,
            limits: (timeout, memory, max_file_size),
            registry: crate::images::RegistryClient::new(options.registries.clone()),
            options,
            today,
        })
    }
}

/// A rule as reported, with the severity in effect.
#[derive(Debug, Clone)]
pub struct ReportedRule {
    /// Its metadata, severity overridden by the configuration.
    pub meta: RuleMeta,
    /// The module that holds it.
    pub module: String,
    /// Whether the module is a built-in pack.
    pub builtin: bool,
}

/// A scanner: modules compiled once, rules decided, ready for any number
/// of scans from any number of threads.
#[derive(Debug)]
pub struct Scanner {
    config: Option<Config>,
    config_root: Option<PathBuf>,
    loaded: LoadedModules,
    plan: Plan,
    settings: String,
    /// The Pod Security policy of objects no namespace label judges.
    pss_default: crate::pss::Policy,
    /// Whether namespace labels judge the objects of their namespace (not
    /// when the command line names a level or version).
    namespace_labels: bool,
    load_options: LoadOptions,
    fail_on: Severity,
    pss_level: PssLevel,
    /// Rule timeout, rule memory, largest file.
    limits: (Duration, u64, u64),
    options: Options,
    today: Date,
    /// The registry client, made when the first registry image is read.
    registry: crate::images::RegistryClient,
}

/// What scanning one file (or in-memory source) produced.
#[derive(Debug, Default)]
pub struct FileOutcome {
    /// Its findings (masked, fingerprinted, sorted), errors, text and the
    /// spans of its secrets: what reports draw.
    pub report: FileReport,
    /// Rules that failed on it.
    pub failures: Vec<RuleFailure>,
    /// Findings set aside, and why.
    pub suppressed: Vec<Suppressed>,
    /// What became of it, for the coverage account.
    pub coverage: Option<CoverageEntry>,
    /// Something the user must hear (a chart not rendered).
    pub notice: Option<String>,
    /// Counts: one file scanned (or none), its documents and findings.
    pub tally: Tally,
    /// Findings left out because the baseline knows them.
    pub known: usize,
    /// The files it read, named as evidence subjects, with their SHA-256.
    pub subjects: Vec<(String, String)>,
    /// Its evaluation came from the result cache.
    pub cached: bool,
}

/// What to scan.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Files and directories.
    pub paths: Vec<PathBuf>,
    /// Bytes read from standard input, scanned as [`STDIN`].
    pub stdin: Option<Vec<u8>>,
    /// Container images, by reference (`oci:DIR[:TAG]`,
    /// `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:REF]`).
    pub images: Vec<String>,
    /// The Dockerfile the images were built from, to trace their findings
    /// to its lines [default: the one Dockerfile among the scanned files,
    /// if there is exactly one].
    pub dockerfile: Option<PathBuf>,
    /// Known findings, not reported.
    pub baseline: Option<Baseline>,
    /// Keep every reported finding in the [`Run`] (for evidence).
    pub keep_findings: bool,
    /// Keep every finding's fingerprint (to write a baseline).
    pub keep_fingerprints: bool,
}

/// A request with its candidates discovered, ready to run.
#[derive(Debug)]
pub struct Prepared {
    request: Request,
    root: Root,
    candidates: Vec<Candidate>,
    account: Vec<CoverageEntry>,
    early: Vec<ScanError>,
}

impl Prepared {
    /// The run's root: names in the evidence are relative to it.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// Input errors known before any file is read (named paths that
    /// cannot be scanned).
    pub fn early_errors(&self) -> &[ScanError] {
        &self.early
    }

    /// How many files (and charts, standard input and images) will be
    /// scanned.
    pub fn len(&self) -> usize {
        self.candidates.len()
            + usize::from(self.request.stdin.is_some())
            + self.request.images.len()
    }

    /// Returns true if and only if there is nothing to scan.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether a run goes on after a part was handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Scan nothing more (the files still in flight are finished).
    Stop,
}

/// What a run found.
#[derive(Debug)]
pub struct Run {
    /// The root names are relative to.
    pub root: Root,
    /// Counts and verdict.
    pub summary: Summary,
    /// Every reported finding, when the request kept them.
    pub findings: Vec<Finding>,
    /// Input errors, sorted.
    pub errors: Vec<ScanError>,
    /// Rule failures (modules that did not load included), sorted.
    pub failures: Vec<RuleFailure>,
    /// Notices, sorted.
    pub notices: Vec<String>,
    /// Findings set aside.
    pub suppressed: Vec<Suppressed>,
    /// Every configured exception and what became of it.
    pub exceptions: Vec<ExceptionStatus>,
    /// Every candidate and what became of it, by name.
    pub coverage: Vec<CoverageEntry>,
    /// Findings the baseline knew, not reported.
    pub known: usize,
    /// Every finding's fingerprint, when the request kept them.
    pub fingerprints: Vec<baseline::Entry>,
    /// Every file read, as an evidence subject, with its SHA-256.
    pub subjects: Vec<(String, String)>,
    /// Files whose evaluation came from the result cache.
    pub cached_files: usize,
}

impl Scanner {
    /// The loaded modules, built-in packs first.
    pub fn modules(&self) -> &[Module] {
        &self.loaded.modules
    }

    /// Where each module came from (for the evidence).
    pub fn origins(&self) -> &[Origin] {
        &self.loaded.origins
    }

    /// Extra modules that could not be loaded: every run fails closed.
    pub fn load_failures(&self) -> &[RuleFailure] {
        &self.loaded.failures
    }

    /// The configuration in use.
    pub fn config(&self) -> Option<&Config> {
        self.config.as_ref()
    }

    /// The threshold.
    pub fn fail_on(&self) -> Severity {
        self.fail_on
    }

    /// The Pod Security Standards level.
    pub fn pss_level(&self) -> PssLevel {
        self.pss_level
    }

    /// The Pod Security Standards policy version.
    pub fn pss_version(&self) -> PssVersion {
        self.pss_default.version
    }

    /// The settings every module receives with each evaluation (the WIT
    /// `options.settings`): a JSON object.
    pub fn module_settings(&self) -> &str {
        &self.settings
    }

    /// The rule timeout, rule memory and largest input in effect.
    pub fn limits(&self) -> (Duration, u64, u64) {
        self.limits
    }

    /// The options the scanner was built with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// What becomes of a Helm chart that cannot be rendered.
    pub fn unrendered_charts(&self) -> bulwark_inputs::helm::Unrendered {
        self.load_options.helm.unrendered
    }

    /// Every reported rule, sorted by id, at the severity in effect.
    pub fn rules(&self) -> Vec<ReportedRule> {
        let mut rules = Vec::new();
        for module in self.modules() {
            let builtin = BUILTINS.iter().any(|b| b.name == module.name());
            for rule in module.rules() {
                if self.plan.reported(&rule.id) {
                    let mut meta = rule.clone();
                    if let Some(severity) = self.plan.severity.get(&rule.id) {
                        meta.severity = *severity;
                    }
                    rules.push(ReportedRule {
                        meta,
                        module: module.name().to_owned(),
                        builtin,
                    });
                }
            }
        }
        rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        rules
    }

    /// Scans one in-memory source: `bytes` named `name`, of `kind` (told
    /// by content when `None`). What an editor scanning an unsaved buffer,
    /// a pre-commit hook or a service calls.
    pub fn scan_source(&self, name: &str, kind: Option<InputKind>, bytes: Vec<u8>) -> FileOutcome {
        let kind = kind.or(self.options.kind);
        let loaded = if bytes.len() as u64 > self.load_options.max_file_size {
            Err(bulwark_inputs::Error::whole(
                name,
                bulwark_inputs::ErrorKind::TooLarge {
                    size: bytes.len() as u64,
                    limit: self.load_options.max_file_size,
                },
            ))
        } else if bytes.iter().all(u8::is_ascii_whitespace) {
            Err(bulwark_inputs::Error::whole(
                name,
                bulwark_inputs::ErrorKind::Empty,
            ))
        } else {
            bulwark_inputs::load_bytes_within(name, kind, bytes, self.load_options.rule_memory)
        };
        let mut evaluator = Evaluator::new(&self.loaded.engine, self.modules(), &self.settings);
        let phases = Phases::new(false);
        let context = self.context(&phases);
        let job = Job::Source {
            name: name.to_owned(),
            kind,
        };
        context.finish(&job, Input::Loaded(loaded), None, &mut evaluator)
    }

    /// Discovers the candidates of `request`.
    pub fn prepare(&self, request: Request) -> Prepared {
        let root = Root::of(&request.paths);
        let config = self.config.as_ref();
        let config_root = self.config_root.as_deref();
        let exclude = |rel: &str, _dir: bool| -> Option<Exclusion> {
            let config = config.filter(|c| !c.exclude.is_empty())?;
            let path = bulwark_config::relative_path(config_root?, &root.path().join(rel))?;
            config.exclusion(&path).map(|pattern| Exclusion {
                pattern: pattern.to_owned(),
                config: config.path.display().to_string(),
            })
        };
        let discovery = Discovery {
            include_ignored: self.options.include_ignored,
            config: config.and_then(|c| c.path.canonicalize().ok()),
        };
        let Discovered {
            candidates,
            account,
            errors,
        } = discovery.discover(&root, &request.paths, &exclude);
        Prepared {
            early: errors.iter().map(scan_error).collect(),
            request,
            root,
            candidates,
            account,
        }
    }

    /// Scans what `prepared` holds. `render` draws one file's parts of the
    /// reports on the worker that scanned it; `emit` receives each file's
    /// outcome and parts in file order, on the calling thread, and may stop
    /// the run.
    pub fn run(
        &self,
        prepared: Prepared,
        phases: &Phases,
        render: &Render<'_>,
        emit: &mut dyn FnMut(&FileOutcome, &[Vec<u8>]) -> Flow,
    ) -> Run {
        let Prepared {
            request,
            root,
            candidates,
            account,
            early,
        } = prepared;
        let mut jobs: Vec<Job<'_>> = candidates.iter().map(Job::File).collect();
        jobs.extend(request.images.iter().map(|r| Job::Image(r)));
        let stdin = request.stdin.as_ref().map(|bytes| {
            let digest = bulwark_evidence::sha256_hex(bytes);
            (digest, bytes)
        });
        if stdin.is_some() {
            let at = candidates.partition_point(|c| c.display.as_str() < STDIN);
            jobs.insert(
                at,
                Job::Source {
                    name: STDIN.to_owned(),
                    kind: self.options.kind,
                },
            );
        }
        let (namespaces, label_notices) = self.namespaces(&candidates, request.stdin.as_deref());
        let dockerfile = if request.images.is_empty() {
            None
        } else {
            crate::trace::dockerfile(request.dockerfile.as_deref(), &candidates)
        };
        // Without a Dockerfile, the Dockerfile rules judge the one each
        // image's history records.
        if dockerfile.is_none() {
            jobs.extend(request.images.iter().map(|r| Job::Recovered(r)));
        }
        let baseline = request.baseline.as_ref().map(|b| &b.fingerprints);
        let context = Context {
            results: self.results(&namespaces),
            namespaces: Some(&namespaces),
            dockerfile: dockerfile.as_ref(),
            render: Some(render),
            baseline,
            keep_findings: request.keep_findings,
            keep_fingerprints: request.keep_fingerprints,
            root: Some(&root),
            ..self.context(phases)
        };
        let stdin_bytes = request.stdin.clone();
        let mut totals = Totals::default();
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, FileOutcome, Vec<Vec<u8>>)>(64);
            let context = &context;
            let jobs = &jobs;
            let stdin_bytes = &stdin_bytes;
            scope.spawn(move || {
                jobs.iter().enumerate().par_bridge().for_each_init(
                    || Evaluator::new(&self.loaded.engine, self.modules(), &self.settings),
                    |evaluator, (i, job)| {
                        let (outcome, parts) = context.scan(job, stdin_bytes.as_deref(), evaluator);
                        // The receiver only goes away once every job is in.
                        let _ = tx.send((i, outcome, parts));
                    },
                );
            });
            // Files are scanned roughly in order by the workers and handed
            // over in order here as they arrive; the few that finish early
            // wait in `pending`.
            let mut pending = BTreeMap::new();
            let mut next = 0;
            // Once stopped (the first blocking finding in file order, or
            // the caller), files scanned meanwhile are not reported: they
            // are listed as not reached.
            let mut stopped = false;
            for (i, outcome, parts) in rx {
                pending.insert(i, (outcome, parts));
                while let Some((mut outcome, mut parts)) = pending.remove(&next) {
                    next += 1;
                    if stopped {
                        outcome = FileOutcome {
                            coverage: outcome.coverage.map(|c| CoverageEntry {
                                status: CoverageStatus::Skipped {
                                    reason: Skip::Stopped,
                                },
                                ..c
                            }),
                            ..FileOutcome::default()
                        };
                        parts = Vec::new();
                    }
                    if emit(&outcome, &parts) == Flow::Stop
                        || (self.options.fail_fast && outcome.tally.blocking > 0)
                    {
                        stopped = true;
                        context.stop.store(true, Ordering::Relaxed);
                    }
                    totals.add(outcome, request.keep_findings, request.keep_fingerprints);
                }
            }
        });
        if let Some((digest, _)) = stdin {
            totals.subjects.push((STDIN.to_owned(), digest));
        }
        totals.notices.extend(label_notices);
        self.conclude(root, totals, early, account)
    }

    /// Folds a run's totals into its result.
    fn conclude(
        &self,
        root: Root,
        totals: Totals,
        early: Vec<ScanError>,
        account: Vec<CoverageEntry>,
    ) -> Run {
        let Totals {
            tally,
            findings,
            errors,
            failures,
            mut notices,
            suppressed,
            known,
            fingerprints,
            subjects,
            coverage,
            cached,
        } = totals;
        if known > 0 {
            notices.push(format!(
                "{known} finding{} known to the baseline not reported",
                if known == 1 { "" } else { "s" }
            ));
        }
        let exceptions = self.exception_statuses(&suppressed);
        for e in exceptions
            .iter()
            .filter(|e| e.status == ExceptionState::Expired)
        {
            notices.push(format!(
                "the exception for `{}` at {} (owner {}) expired on {} and no longer applies",
                e.rule, e.declared_at, e.owner, e.expires
            ));
        }
        let mut coverage = coverage;
        coverage.extend(account);
        coverage.sort_by(|a, b| a.path.cmp(&b.path));
        for entry in &coverage {
            if let CoverageStatus::NotInput {
                reason: NotInput::ConfigurationIgnored,
            } = entry.status
            {
                notices.push(format!(
                    "{} is not applied: only the configuration at the root ({}) or --config is",
                    entry.path,
                    root.path().display()
                ));
            }
        }
        let mut failures_all = self.loaded.failures.clone();
        failures_all.extend(failures);
        let mut errors_all = early;
        errors_all.extend(errors);
        sort_problems(&mut failures_all, &mut errors_all);
        notices.sort();
        let summary = tally.summary(
            self.plan.reported_count(),
            self.fail_on,
            &failures_all,
            &errors_all,
        );
        Run {
            root,
            summary,
            findings,
            errors: errors_all,
            failures: failures_all,
            notices,
            suppressed,
            exceptions,
            coverage,
            known,
            fingerprints,
            subjects,
            cached_files: cached,
        }
    }

    /// Every configured exception, whether it is in force and how often it
    /// applied.
    fn exception_statuses(&self, suppressed: &[Suppressed]) -> Vec<ExceptionStatus> {
        let Some(config) = &self.config else {
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
                    .filter(|s| {
                        s.kind == SuppressionKind::Exception && s.declared_at == declared_at
                    })
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
                    status: if e.expired(self.today) {
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

    /// The namespaces the inputs label for Pod Security, read ahead of the
    /// run from the files that mention the labels, with notices about
    /// labels that cannot be used. Nothing when the command line judges
    /// every object alike or no Pod Security rule runs.
    fn namespaces(
        &self,
        candidates: &[Candidate],
        stdin: Option<&[u8]>,
    ) -> (crate::pss::Namespaces, Vec<String>) {
        let mut namespaces = crate::pss::Namespaces::default();
        let mut notices = Vec::new();
        if !self.namespace_labels || self.plan.pss_only.is_empty() {
            return (namespaces, notices);
        }
        // Files are parsed side by side within a budget, as in the run,
        // and only their Namespaces kept.
        let in_flight = InFlight::new(IN_FLIGHT_BYTES);
        let load = |name: &str, bytes: Vec<u8>| -> Option<Vec<bulwark_core::Document>> {
            if !crate::pss::may_label(&bytes) {
                return None;
            }
            let _permit = in_flight.take(bytes.len() as u64);
            match bulwark_inputs::load_bytes(name, Some(InputKind::Kubernetes), bytes) {
                Ok(Loaded::Documents { mut documents, .. }) => {
                    documents.retain(crate::pss::is_namespace);
                    Some(documents)
                }
                _ => None,
            }
        };
        let found: Vec<(String, Vec<bulwark_core::Document>)> = candidates
            .par_iter()
            .filter(|c| !c.chart && c.kind.is_none_or(|k| k == InputKind::Kubernetes))
            .filter_map(|c| {
                let size = std::fs::metadata(&c.path).ok()?.len();
                if size > self.load_options.max_file_size {
                    return None;
                }
                let bytes = std::fs::read(&c.path).ok()?;
                Some((c.display.clone(), load(&c.display, bytes)?))
            })
            .collect();
        for (name, documents) in &found {
            namespaces.add(name, documents, &mut notices);
        }
        if let Some(bytes) = stdin
            && let Some(documents) = load(STDIN, bytes.to_vec())
        {
            namespaces.add(STDIN, &documents, &mut notices);
        }
        (namespaces, notices)
    }

    /// A context for jobs of this scanner, timing into `phases`.
    fn context<'s>(&'s self, phases: &'s Phases) -> Context<'s> {
        Context {
            scanner: self,
            suppressor: Suppressor::new(self.config.as_ref(), self.today),
            render: None,
            baseline: None,
            keep_findings: false,
            keep_fingerprints: false,
            root: None,
            stop: AtomicBool::new(false),
            phases,
            namespaces: None,
            dockerfile: None,
            results: None,
            in_flight: InFlight::new(IN_FLIGHT_BYTES),
        }
    }

    /// The result cache of a run judging namespaces as `namespaces` say:
    /// `None` when caching is off, there is no cache directory, or a
    /// module failed to load.
    fn results(&self, namespaces: &crate::pss::Namespaces) -> Option<crate::results::Results> {
        if self.options.no_cache || !self.loaded.failures.is_empty() {
            return None;
        }
        let dir = bulwark_engine::Cache::from_env()?.dir().to_path_buf();
        let config = self.config.as_ref().map(|c| {
            (
                c.path.display().to_string(),
                bulwark_evidence::sha256_hex(c.text.as_bytes()),
                // Exceptions expire: their verdict is the day's.
                (!c.exceptions.is_empty()).then(|| self.today.to_string()),
            )
        });
        let modules: Vec<(&str, &str)> = self
            .loaded
            .origins
            .iter()
            .map(|o| (o.name.as_str(), o.sha256.as_str()))
            .collect();
        let run = format!(
            "bulwark {} {}\n{modules:?}\n{}\n{:?}\n{:?}\n{:?}\n{:?} {} {:?}\n{:?}\n{:?}",
            env!("CARGO_PKG_VERSION"),
            bulwark_core::WIT_PACKAGE_VERSION,
            self.settings,
            self.plan.describe(),
            self.options.only,
            config,
            self.pss_default,
            self.namespace_labels,
            self.limits,
            self.options.kind,
            namespaces.describe(),
        );
        Some(crate::results::Results::new(dir, &run))
    }
}

/// One unit of work: a discovered file, or an in-memory source.
#[derive(Debug)]
enum Job<'a> {
    File(&'a Candidate),
    Source {
        name: String,
        kind: Option<InputKind>,
    },
    /// A container image, by reference.
    Image(&'a str),
    /// The Dockerfile a container image's history records.
    Recovered(&'a str),
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
            Job::Recovered(reference) => CoverageEntry {
                path: format!("{reference}{}", crate::recover::SUFFIX),
                relative: None,
                status,
                target: None,
            },
            Job::Image(reference) => CoverageEntry {
                path: (*reference).to_owned(),
                relative: None,
                status,
                target: None,
            },
            Job::Source { name, .. } => CoverageEntry {
                path: name.clone(),
                relative: Some(name.clone()),
                status,
                target: None,
            },
        }
    }
}

/// An input error as report data: the message without the location, a
/// stable code.
pub(crate) fn scan_error(e: &bulwark_inputs::Error) -> ScanError {
    ScanError {
        file: e.file().to_owned(),
        line: e.line(),
        column: e.column(),
        code: e.kind().code().to_owned(),
        message: e.kind().to_string(),
    }
}

/// What every worker of one run shares.
struct Context<'s> {
    scanner: &'s Scanner,
    suppressor: Suppressor<'s>,
    render: Option<&'s Render<'s>>,
    baseline: Option<&'s std::collections::HashSet<String>>,
    keep_findings: bool,
    keep_fingerprints: bool,
    root: Option<&'s Root>,
    /// Set at the first blocking finding under `--fail-fast`, or when the
    /// caller stops the run.
    stop: AtomicBool,
    phases: &'s Phases,
    /// The labelled namespaces of the run's inputs.
    namespaces: Option<&'s crate::pss::Namespaces>,
    /// The Dockerfile image findings are traced to (or why it cannot be
    /// read).
    dockerfile: Option<&'s Result<bulwark_core::Document, String>>,
    /// The result cache, when on.
    results: Option<crate::results::Results>,
    /// The source bytes the workers hold parsed at once.
    in_flight: InFlight,
}

impl Context<'_> {
    /// Reads, parses, evaluates and draws one job.
    fn scan(
        &self,
        job: &Job<'_>,
        stdin: Option<&[u8]>,
        evaluator: &mut Evaluator<'_>,
    ) -> (FileOutcome, Vec<Vec<u8>>) {
        if self.stop.load(Ordering::Relaxed) {
            let outcome = FileOutcome {
                coverage: Some(job.coverage(CoverageStatus::Skipped {
                    reason: Skip::Stopped,
                })),
                ..FileOutcome::default()
            };
            return (outcome, Vec::new());
        }
        let scanner = self.scanner;
        let phases = self.phases;
        let mut key = None;
        // Held until the file's report is drawn.
        let mut permit = None;
        let input = phases.time(&phases.parse, || match job {
            Job::File(candidate) => match bulwark_inputs::read(candidate, &scanner.load_options) {
                Ok(bulwark_inputs::Read::File(file)) => {
                    if let Some(results) = &self.results
                        && file.declared() != Some(InputKind::Image)
                    {
                        let digest = bulwark_evidence::sha256_hex(file.bytes());
                        let k = results.key(&candidate.display, file.declared(), &digest);
                        if let Some(entry) = results.get(&k)
                            && let Ok(text) = std::str::from_utf8(file.bytes())
                        {
                            let source = Arc::new(SourceFile::new(&candidate.display, text));
                            return Input::Cached {
                                entry,
                                source,
                                digest,
                            };
                        }
                        key = Some(k);
                    }
                    permit = Some(self.in_flight.take(file.bytes().len() as u64));
                    Input::Loaded(file.parse())
                }
                Ok(bulwark_inputs::Read::Loaded(loaded)) => Input::Loaded(Ok(loaded)),
                Err(e) => Input::Loaded(Err(e)),
            },
            Job::Recovered(reference) => Input::Loaded(crate::recover::load(
                reference,
                scanner.options.platform.as_ref(),
                &scanner.registry,
            )),
            Job::Image(reference) => Input::Loaded(crate::images::load(
                reference,
                scanner.options.platform.as_ref(),
                &scanner.plan.reads,
                &scanner.registry,
            )),
            Job::Source { name, kind } => {
                let bytes = stdin.map(<[u8]>::to_vec).unwrap_or_default();
                Input::Loaded(if bytes.len() as u64 > scanner.load_options.max_file_size {
                    Err(bulwark_inputs::Error::whole(
                        name,
                        bulwark_inputs::ErrorKind::TooLarge {
                            size: bytes.len() as u64,
                            limit: scanner.load_options.max_file_size,
                        },
                    ))
                } else if bytes.iter().all(u8::is_ascii_whitespace) {
                    // `helm template … | bulwark scan -` with the first
                    // command failing must not pass on nothing.
                    Err(bulwark_inputs::Error::whole(
                        name,
                        bulwark_inputs::ErrorKind::Empty,
                    ))
                } else {
                    permit = Some(self.in_flight.take(bytes.len() as u64));
                    bulwark_inputs::load_bytes_within(
                        name,
                        *kind,
                        bytes,
                        self.scanner.load_options.rule_memory,
                    )
                })
            }
        });
        let mut outcome = self.finish(job, input, key, evaluator);
        if self.scanner.options.fail_fast && outcome.tally.blocking > 0 {
            self.stop.store(true, Ordering::Relaxed);
        }
        let parts = match self.render {
            Some(render) => phases.time(&phases.render, || render(&outcome.report)),
            None => Vec::new(),
        };
        if !self.keep_findings && !self.keep_fingerprints {
            // Drawn already: only counts travel on.
            outcome.report.findings = Vec::new();
        }
        drop(permit);
        (outcome, parts)
    }

    /// Evaluates what loading a job gave, and prepares the file's report:
    /// suppressions, severities, masking, fingerprints, the baseline.
    fn finish(
        &self,
        job: &Job<'_>,
        input: Input,
        key: Option<String>,
        evaluator: &mut Evaluator<'_>,
    ) -> FileOutcome {
        let scanner = self.scanner;
        let phases = self.phases;
        let subjects = match (job, self.root, &input) {
            (Job::File(candidate), Some(root), Input::Loaded(loaded)) => {
                subjects(root, candidate, loaded)
            }
            (Job::File(candidate), Some(_), Input::Cached { digest, .. }) => vec![(
                candidate
                    .relative
                    .clone()
                    .unwrap_or_else(|| candidate.display.clone()),
                digest.clone(),
            )],
            (Job::Image(_), _, Input::Loaded(loaded)) => crate::images::subjects(loaded),
            _ => Vec::new(),
        };
        let config_path = match (job, &scanner.config_root) {
            (Job::File(candidate), Some(root)) => std::path::absolute(&candidate.path)
                .ok()
                .and_then(|p| bulwark_config::relative_path(root, &p)),
            _ => None,
        };
        let known_kind = match job {
            Job::File(candidate) => candidate
                .kind
                .or(scanner.load_options.kind.filter(|_| candidate.explicit)),
            Job::Source { kind, .. } => *kind,
            Job::Image(_) => Some(InputKind::Image),
            Job::Recovered(_) => Some(InputKind::Dockerfile),
        };
        let cached = matches!(input, Input::Cached { .. });
        let evaluated = match input {
            Input::Cached { entry, source, .. } => Evaluated::from_cache(entry, source),
            Input::Loaded(loaded) => phases.time(&phases.evaluate, || {
                self.evaluate(loaded, evaluator, config_path.as_deref(), known_kind)
            }),
        };
        // Kept once its report is masked: no secret reaches the cache.
        let keep = key.filter(|_| evaluated.cacheable());
        let documents = evaluated.documents;
        let mut findings = evaluated.findings;
        // A recovered Dockerfile is known by its job, not by its name.
        if matches!(job, Job::Recovered(_)) {
            crate::recover::mark(&mut findings);
        }
        for f in &mut findings {
            if let Some(severity) = scanner.plan.severity.get(&*f.rule_id) {
                f.severity = *severity;
            }
            // What a namespace's `warn` or `audit` policy adds is reported
            // below what it enforces.
            match f.pss.as_ref().map(|p| p.mode.as_str()) {
                Some("warn") => f.severity = f.severity.min(Severity::Low),
                Some("audit") => f.severity = Severity::Info,
                _ => {}
            }
        }
        let (mut report, masker) = if cached {
            kept_report(findings, evaluated.source, evaluated.secrets)
        } else {
            prepare_report(
                findings,
                evaluated.errors,
                evaluated.source,
                evaluated.secrets,
            )
        };
        report.name = evaluated.name;
        report.kind = evaluated.kind;
        let mut suppressed = evaluated.suppressed;
        for x in &mut suppressed {
            if let std::borrow::Cow::Owned(m) = masker.mask(&x.message) {
                x.message = m;
            }
        }
        let mut failures = evaluated.failures;
        for f in &mut failures {
            if let RuleFailureKind::Error { message } | RuleFailureKind::Trap { message } =
                &mut f.kind
                && let std::borrow::Cow::Owned(m) = masker.mask(message)
            {
                *message = m;
            }
        }
        if !suppressed.is_empty() {
            suppressed.sort_by(|a, b| {
                (a.line, a.column, &a.rule_id).cmp(&(b.line, b.column, &b.rule_id))
            });
            crate::fingerprint::assign_suppressed(
                &mut suppressed,
                report.source.as_deref(),
                &report.secrets,
            );
        }
        if let (Some(results), Some(key)) = (&self.results, keep) {
            results.put(
                &key,
                crate::results::Keep {
                    kind: report.kind,
                    documents,
                    findings: &report.findings,
                    suppressed: &suppressed,
                    secrets: &report.secrets,
                },
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
        if scanner.options.fail_fast
            && let Some(first) = report
                .findings
                .iter()
                .position(|f| f.severity >= scanner.fail_on)
        {
            // Stop at the first blocking finding: what comes after it in
            // the file is not reported either.
            report.findings.truncate(first + 1);
        }
        let mut tally = Tally {
            files: usize::from(evaluated.scanned),
            documents: evaluated.documents,
            ..Tally::default()
        };
        tally.add_findings(&report.findings, scanner.fail_on);
        FileOutcome {
            report,
            failures,
            suppressed,
            coverage: evaluated.status.map(|status| job.coverage(status)),
            notice: evaluated.notice,
            tally,
            known,
            subjects,
            cached,
        }
    }

    /// Runs the rules over one document and keeps the findings reported:
    /// a Kubernetes object under each Pod Security policy that judges it
    /// (its namespace's labels, else the run's), every Pod Security
    /// finding tagged with the policy that judged it.
    fn judge(&self, doc: &bulwark_core::Document, evaluator: &mut Evaluator<'_>) -> Evaluation {
        let scanner = self.scanner;
        let plan = &scanner.plan;
        let default = scanner.pss_default;
        if doc.kind != InputKind::Kubernetes {
            let mut out = evaluator.evaluate(doc, &plan.run);
            out.findings.retain(|f| plan.reported(&f.rule_id));
            return out;
        }
        let judges = match self.namespaces {
            Some(ns) if !ns.is_empty() => ns.judges(doc, default),
            _ => vec![crate::pss::Judge {
                mode: crate::pss::Mode::Enforce,
                policy: default,
                namespace: None,
            }],
        };
        // Modules hear the highest level the object is judged at.
        let top = judges
            .iter()
            .map(|j| j.policy.level)
            .fold(crate::pss::Level::Baseline, Ord::max);
        let restricted = top == crate::pss::Level::Restricted;
        let settings_of = |version: PssVersion| {
            (version != default.version || top != default.level).then(|| {
                crate::pss::settings(
                    top,
                    version,
                    self.scanner
                        .config
                        .as_ref()
                        .map_or(&[][..], |c| c.setuid_allowed.as_slice()),
                )
            })
        };
        // The first policy's version runs every rule; another version
        // runs the Pod Security rules again.
        let first = judges[0].policy.version;
        let selection = if restricted {
            &plan.run_restricted
        } else {
            &plan.run
        };
        let mut primary = evaluator.evaluate_with(doc, selection, settings_of(first).as_deref());
        let mut by_version: Vec<(PssVersion, Vec<Finding>)> = Vec::new();
        let mut out = Evaluation {
            findings: Vec::new(),
            failures: std::mem::take(&mut primary.failures),
        };
        let (pss, other): (Vec<Finding>, Vec<Finding>) = primary
            .findings
            .into_iter()
            .partition(|f| self.level_of(f).is_some());
        out.findings
            .extend(other.into_iter().filter(|f| plan.reported(&f.rule_id)));
        by_version.push((first, pss));
        for judge in &judges[1..] {
            let version = judge.policy.version;
            if by_version.iter().any(|(v, _)| *v == version) {
                continue;
            }
            let again =
                evaluator.evaluate_with(doc, &plan.pss_only, settings_of(version).as_deref());
            out.failures.extend(again.failures);
            by_version.push((version, again.findings));
        }
        let mut seen = std::collections::HashSet::new();
        for judge in &judges {
            let Some((_, findings)) = by_version.iter().find(|(v, _)| *v == judge.policy.version)
            else {
                continue;
            };
            for f in findings {
                let Some(level) = self.level_of(f) else {
                    continue;
                };
                let reported = if judge.policy.level == crate::pss::Level::Restricted {
                    plan.reported_restricted(&f.rule_id)
                } else {
                    plan.reported(&f.rule_id)
                };
                if !judge.covers(level) || !reported {
                    continue;
                }
                if seen.insert((f.rule_id.clone(), f.span, f.message.clone())) {
                    let mut f = f.clone();
                    f.pss = Some(judge.judgement());
                    out.findings.push(f);
                } else {
                    // Secrets a repeated finding marks are marked already.
                }
            }
        }
        out
    }

    /// The Pod Security profile of a finding's rule.
    fn level_of(&self, f: &Finding) -> Option<crate::pss::Level> {
        self.scanner.plan.levels.get(&*f.rule_id).copied()
    }

    /// Runs the rules over what loading gave.
    fn evaluate(
        &self,
        loaded: Result<Loaded, bulwark_inputs::Error>,
        evaluator: &mut Evaluator<'_>,
        path: Option<&str>,
        known_kind: Option<InputKind>,
    ) -> Evaluated {
        let mut result = Evaluated::default();
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
                    let mut out = self.judge(doc, evaluator);
                    if doc.kind == InputKind::Image
                        && let Some(dockerfile) = self.dockerfile
                    {
                        match crate::trace::attach(doc, dockerfile, &mut out.findings) {
                            Ok(()) => {}
                            Err(why) => result.notice = Some(why),
                        }
                    }
                    // The platforms of a multi-platform image share one
                    // reference: each finding says which it is about.
                    if let Some(platform) = crate::images::platform_of(doc) {
                        for f in &mut out.findings {
                            f.message = format!("{platform}: {}", f.message);
                        }
                    }
                    // Every secret any rule found stays masked, whether or
                    // not its finding is reported.
                    result.secrets.extend(
                        out.findings
                            .iter()
                            .flat_map(|f| f.redactions.iter().copied()),
                    );
                    let kept = out.findings;
                    let (kept, suppressed) = self.suppressor.apply(doc, path, kept);
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
}

/// What a job's reading gave: what loading it came to, or its
/// evaluation from the result cache with its text.
enum Input {
    Loaded(Result<Loaded, bulwark_inputs::Error>),
    Cached {
        entry: crate::results::Entry,
        source: Arc<SourceFile>,
        /// The SHA-256 of its bytes (hex), its evidence subject's digest.
        digest: String,
    },
}

impl Evaluated {
    /// What a file's cached evaluation stands for.
    fn from_cache(entry: crate::results::Entry, source: Arc<SourceFile>) -> Evaluated {
        let kind = entry.kind;
        let keep_source = !entry.findings.is_empty() || !entry.suppressed.is_empty();
        Evaluated {
            findings: entry.findings,
            suppressed: entry.suppressed,
            secrets: entry.secrets,
            documents: entry.documents,
            scanned: true,
            name: Some(Arc::from(source.name())),
            kind,
            status: Some(CoverageStatus::Scanned {
                kind: kind.unwrap_or(InputKind::Kubernetes),
                documents: entry.documents,
            }),
            source: keep_source.then_some(source),
            ..Evaluated::default()
        }
    }

    /// Whether the result cache keeps this evaluation: a clean one (no
    /// input error, rule failure or notice; not an image).
    fn cacheable(&self) -> bool {
        self.errors.is_empty()
            && self.failures.is_empty()
            && self.notice.is_none()
            && self.kind != Some(InputKind::Image)
            && matches!(self.status, Some(CoverageStatus::Scanned { .. }))
    }
}

/// What evaluating one file produced, before its report is prepared.
#[derive(Default)]
struct Evaluated {
    findings: Vec<Finding>,
    failures: Vec<RuleFailure>,
    errors: Vec<ScanError>,
    source: Option<Arc<SourceFile>>,
    documents: usize,
    scanned: bool,
    notice: Option<String>,
    suppressed: Vec<Suppressed>,
    secrets: Vec<Span>,
    name: Option<Arc<str>>,
    kind: Option<InputKind>,
    status: Option<CoverageStatus>,
}

/// A file's report: findings sorted, every secret known in the file (marked
/// by a rule, or found by the shared detector in its text) masked in every
/// message, detail and error, fingerprints assigned. Returns the masker
/// for the rest of what is said about the file.
pub(crate) fn prepare_report(
    mut findings: Vec<Finding>,
    mut errors: Vec<ScanError>,
    source: Option<Arc<SourceFile>>,
    mut secrets: Vec<Span>,
) -> (FileReport, crate::mask::Masker) {
    bulwark_core::sort_findings(&mut findings);
    secrets.extend(findings.iter().flat_map(|f| f.redactions.iter().copied()));
    if let Some(source) = &source
        && (!findings.is_empty() || !errors.is_empty())
    {
        secrets.extend(crate::mask::detect(source.text()));
    }
    secrets.sort_unstable();
    secrets.dedup();
    let masker = crate::mask::Masker::new(source.as_deref().map(SourceFile::text), &secrets);
    for f in &mut findings {
        if let std::borrow::Cow::Owned(m) = masker.mask(&f.message) {
            f.message = m;
        }
        if let Some(detail) = &f.detail
            && let std::borrow::Cow::Owned(d) = masker.mask(detail)
        {
            f.detail = Some(d);
        }
    }
    for e in &mut errors {
        if let std::borrow::Cow::Owned(m) = masker.mask(&e.message) {
            e.message = m;
        }
    }
    crate::fingerprint::assign(&mut findings, source.as_deref(), &secrets);
    (file_report(findings, errors, source, secrets), masker)
}

/// The report of a file whose findings are sorted, masked and
/// fingerprinted, the secrets' spans kept for drawing snippets.
fn file_report(
    findings: Vec<Finding>,
    errors: Vec<ScanError>,
    source: Option<Arc<SourceFile>>,
    secrets: Vec<Span>,
) -> FileReport {
    let mut report = FileReport::new(findings, errors, source, Vec::new());
    report.secrets = secrets;
    report
}

/// A file's report from its result-cache entry. The entry was kept from a
/// report [`prepare_report`] made of the same bytes under the same key
/// (bulwark's version, the modules, the settings): its findings sorted,
/// their messages and details masked, their fingerprints assigned, its
/// secrets' spans all there (the rules' and the detector's). The file's
/// text is not searched for secrets again.
fn kept_report(
    findings: Vec<Finding>,
    source: Option<Arc<SourceFile>>,
    secrets: Vec<Span>,
) -> (FileReport, crate::mask::Masker) {
    let masker = crate::mask::Masker::new(source.as_deref().map(SourceFile::text), &secrets);
    (file_report(findings, Vec::new(), source, secrets), masker)
}

/// The files `candidate` read, with their digests, named relative to the
/// root: a file that was read (scanned, or failing to parse), or every
/// file of a rendered chart.
fn subjects(
    root: &Root,
    candidate: &Candidate,
    loaded: &Result<Loaded, bulwark_inputs::Error>,
) -> Vec<(String, String)> {
    if candidate.chart {
        if matches!(loaded, Ok(Loaded::Skipped { .. })) {
            return Vec::new();
        }
        // A file that vanished since rendering is left out; `verify` would
        // not find it either.
        return crate::subjects::chart_files(&candidate.path)
            .unwrap_or_default()
            .iter()
            .filter_map(|f| crate::subjects::digest_file(root, f).ok())
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

/// What the caller's thread keeps of a run.
#[derive(Default)]
struct Totals {
    tally: Tally,
    findings: Vec<Finding>,
    errors: Vec<ScanError>,
    failures: Vec<RuleFailure>,
    notices: Vec<String>,
    suppressed: Vec<Suppressed>,
    known: usize,
    fingerprints: Vec<baseline::Entry>,
    subjects: Vec<(String, String)>,
    coverage: Vec<CoverageEntry>,
    cached: usize,
}

impl Totals {
    fn add(&mut self, outcome: FileOutcome, keep_findings: bool, keep_fingerprints: bool) {
        let FileOutcome {
            report,
            failures,
            suppressed,
            coverage,
            notice,
            tally,
            known,
            subjects,
            cached,
        } = outcome;
        self.cached += usize::from(cached);
        self.tally.merge(tally);
        if keep_fingerprints {
            self.fingerprints
                .extend(report.findings.iter().map(baseline::Entry::of));
        }
        if keep_findings {
            self.findings.extend(report.findings);
        }
        self.errors.extend(report.errors);
        self.failures.extend(failures);
        self.notices.extend(notice);
        self.suppressed.extend(suppressed);
        self.known += known;
        self.subjects.extend(subjects);
        self.coverage.extend(coverage);
    }
}
