//! `bulwark scan [PATH…]`: flags into a scanner, the outputs wired, the
//! GitHub Actions environment, the evidence and the exit code.
//!
//! The pipeline is `bulwark_scan`: this file only turns arguments into its
//! options, chooses the report formats (the closed list is
//! [`Format`](super::Format)), draws progress and writes what the run
//! found.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bulwark_core::{InputKind, Severity, Verdict};
use bulwark_inputs::Root;
use bulwark_report::github::Annotations;
use bulwark_report::junit::Junit;
use bulwark_report::locate::Locator;
use bulwark_report::markdown::JobSummary;
use bulwark_report::sarif::{Sarif, SarifRule};
use bulwark_report::termcolor::{NoColor, WriteColor};
use bulwark_report::{Format as ReportFormat, Tail};
use bulwark_scan::profile::Phases;
use bulwark_scan::{Flow, Options, ReportedRule, Request};

use super::{Format, GlobalOptions};
use crate::exit::Exit;
use crate::options::{ModuleOptions, find_config};
use bulwark_config::units::parse_size;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to scan; `-` reads standard input (with --kind)
    /// [default: `.`, unless --image names images and no path is given].
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// A built container image to scan (repeatable): `oci:DIR[:TAG]` (an
    /// OCI layout), `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:REF]`
    /// (`docker save`, `podman save`), `[docker://]HOST/REPO[:TAG][@DIGEST]`
    /// (pulled from the registry, credentials from the Docker and
    /// containers auth files). Every platform of a multi-platform image is
    /// scanned, each named.
    #[arg(long = "image", value_name = "REF")]
    images: Vec<String>,
    /// Only this platform of a multi-platform image: os/arch[/variant].
    #[arg(long, value_name = "PLATFORM", value_parser = bulwark_scan::Platform::parse)]
    platform: Option<bulwark_scan::Platform>,
    #[command(flatten)]
    registry: crate::options::RegistryOptions,
    /// The Dockerfile the --image images were built from: each image
    /// finding is traced to the instruction that made it, or to the base
    /// image [default: the one Dockerfile among the scanned paths].
    #[arg(long, value_name = "PATH")]
    dockerfile: Option<PathBuf>,
    /// Treat every explicitly named file (and standard input) as this kind
    /// instead of telling by name and content.
    #[arg(long, value_parser = parse_kind)]
    kind: Option<InputKind>,
    /// Fail on findings of this severity or above: info, low, medium, high,
    /// critical [default: `fail-on` in .bulwark.yaml, else info].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
    /// A word people reach for: answered with where the setting lives.
    #[arg(long, hide = true, value_name = "SEVERITY", value_parser = no_severity_flag)]
    severity: Option<String>,
    /// Stop at the first blocking finding.
    #[arg(long)]
    fail_fast: bool,
    /// Pod Security Standards level Kubernetes workloads must meet:
    /// baseline or restricted [default: `pss-level` in .bulwark.yaml, else
    /// restricted].
    #[arg(long, value_name = "LEVEL", value_parser = parse_pss_level)]
    pss_level: Option<bulwark_config::PssLevel>,
    /// Pod Security Standards policy version: latest, or a Kubernetes
    /// version v1.N, judged as that version's pod-security admission
    /// judges [default: `pss-version` in .bulwark.yaml, else latest].
    /// Either --pss-level or --pss-version judges every object alike,
    /// whatever its namespace's `pod-security.kubernetes.io` labels say.
    #[arg(long, value_name = "VERSION", value_parser = bulwark_config::PssVersion::parse)]
    pss_version: Option<bulwark_config::PssVersion>,
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

/// `--severity` is not a flag: the threshold is `--fail-on`, and a rule's
/// severity is set in `.bulwark.yaml`.
fn no_severity_flag(value: &str) -> Result<String, String> {
    Err(format!(
        "there is no --severity flag: to fail on findings of severity `{value}` or above use `--fail-on {value}`; to change a rule's severity, set `severity: {{RULE-ID: {value}}}` in .bulwark.yaml"
    ))
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
        .map_err(|e: bulwark_core::ParseSeverityError| e.to_string())
}

fn parse_pss_level(s: &str) -> Result<bulwark_config::PssLevel, String> {
    match s {
        "baseline" => Ok(bulwark_config::PssLevel::Baseline),
        "restricted" => Ok(bulwark_config::PssLevel::Restricted),
        _ => Err(format!("`{s}`: expected `baseline` or `restricted`")),
    }
}

/// Reads standard input whole, up to `limit` bytes and one more (so that
/// an oversized input is seen as such).
fn read_stdin(limit: u64) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .context("reading standard input")?;
    Ok(bytes)
}

pub fn run(args: Args, global: &GlobalOptions) -> anyhow::Result<Exit> {
    let started_at = std::time::SystemTime::now();
    let phases = Phases::from_env();
    // The signing key is read before any work, so a bad key fails fast.
    let mut early_notices = Vec::new();
    let signing_key = match &args.evidence {
        Some(_) => {
            let path =
                crate::keys::signing_key_path(args.evidence_key.as_deref(), "--evidence needs")?;
            early_notices.extend(bulwark_scan::evidence::key_permission_warning(&path));
            Some(
                bulwark_scan::evidence::read_signing_key(&path)
                    .with_context(|| format!("reading the signing key {}", path.display()))?,
            )
        }
        None => None,
    };
    let mut args = args;
    if args.paths.is_empty() && args.images.is_empty() {
        args.paths.push(PathBuf::from("."));
    }
    let root = Root::of(&args.paths);
    let config = find_config(args.config.as_deref(), args.no_config, &root)?;
    let scanner = args
        .modules
        .builder(config)
        .options(Options {
            fail_on: args.fail_on,
            pss_level: args.pss_level,
            pss_version: args.pss_version,
            only: args.only.clone(),
            parse_only: args.parse_only,
            kind: args.kind,
            max_file_size: args.max_file_size,
            helm_values: args.helm_values.clone(),
            include_ignored: args.no_ignore,
            fail_fast: args.fail_fast,
            platform: args.platform.clone(),
            registries: args.registry.registries(),
            ..args.modules.options()
        })
        .build()?;
    let stdin = if args.paths.iter().any(|p| p.as_os_str() == "-") {
        Some(read_stdin(scanner.limits().2)?)
    } else {
        None
    };
    let baseline = args
        .baseline
        .as_deref()
        .map(|path| {
            bulwark_scan::baseline::read(path).map_err(|source| bulwark_scan::Error::Baseline {
                action: "reading",
                path: path.to_path_buf(),
                source,
            })
        })
        .transpose()?;
    let baseline_sha256 = baseline.as_ref().map(|b| b.sha256.clone());
    let prepared = scanner.prepare(Request {
        paths: args.paths.clone(),
        images: args.images.clone(),
        dockerfile: args.dockerfile.clone(),
        stdin,
        baseline,
        keep_findings: signing_key.is_some(),
        keep_fingerprints: args.write_baseline.is_some(),
    });

    let rules = scanner.rules();
    let mut styles = StyleBuilder {
        root: prepared.root().path().to_path_buf(),
        rules: &rules,
        fail_on: scanner.fail_on(),
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
    let formats: Vec<Arc<dyn ReportFormat>> = outputs.iter().map(|o| o.style.clone()).collect();
    let mut writers = Vec::with_capacity(outputs.len());
    for output in &mut outputs {
        let name = output.name.clone();
        writers.push((
            output
                .style
                .begin(&mut *output.out, prepared.early_errors())
                .with_context(|| format!("writing {name}"))?,
            name,
        ));
    }
    let render = |report: &bulwark_report::FileReport| -> Vec<Vec<u8>> {
        formats
            .iter()
            .map(|format| {
                format.render(report).unwrap_or_else(|e| {
                    format!("error: drawing the report for this file failed: {e}\n").into_bytes()
                })
            })
            .collect()
    };
    let keep_going = signing_key.is_some();
    let progress = Progress::new(prepared.len());
    let mut write_error = None;
    let run = scanner.run(prepared, &phases, &render, &mut |_, parts| {
        if write_error.is_none() {
            let shown = parts.iter().any(|p| !p.is_empty());
            let written = progress.suspend(shown, || {
                for ((writer, name), part) in writers.iter_mut().zip(parts) {
                    writer
                        .part(part)
                        .with_context(|| format!("writing {name}"))?;
                }
                anyhow::Ok(())
            });
            if let Err(e) = written {
                write_error = Some(e);
            }
        }
        progress.advance();
        // Nobody is reading. Evidence still records the whole run;
        // without it, the rest is not scanned.
        if write_error.is_some() && !keep_going {
            Flow::Stop
        } else {
            Flow::Continue
        }
    });
    progress.finish();
    phases.mark("read, parse, evaluate and write (wall)");

    if let Some(path) = &args.write_baseline {
        bulwark_scan::baseline::write(path, run.fingerprints.clone()).map_err(|source| {
            bulwark_scan::Error::Baseline {
                action: "writing",
                path: path.clone(),
                source,
            }
        })?;
    }
    let mut notices = run.notices.clone();
    notices.extend(early_notices);
    notices.sort();
    let tail = Tail {
        failures: &run.failures,
        errors: &run.errors,
        notices: &notices,
        suppressed: &run.suppressed,
        exceptions: &run.exceptions,
        coverage: &run.coverage,
        summary: &run.summary,
    };
    for (writer, name) in writers {
        if write_error.is_none() {
            write_error = writer
                .finish(tail)
                .with_context(|| format!("writing {name}"))
                .err();
        }
    }
    drop(outputs);
    if let Some(path) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) {
        write_github_outputs(Path::new(&path), &run.summary)
            .with_context(|| format!("writing $GITHUB_OUTPUT ({})", Path::new(&path).display()))?;
    }
    if global.format == Format::Human && run.summary.files == 0 && run.errors.is_empty() {
        #[allow(clippy::disallowed_macros)]
        {
            eprintln!(
                "note: found nothing to scan (Dockerfiles, Compose files, Kubernetes manifests, Helm values) under {}",
                bulwark_report::escape::inline(&display_paths(&args.paths))
            );
        }
    }
    if let (Some(path), Some(key)) = (&args.evidence, &signing_key) {
        let mut run = run;
        run.notices = notices;
        let context = bulwark_scan::evidence::Context {
            paths: &args.paths,
            started_at,
            baseline: args.baseline.as_deref().zip(baseline_sha256.as_deref()),
            helm_values: &args.helm_values,
        };
        let envelope = bulwark_scan::evidence::sign(&scanner, &run, &context, key)
            .with_context(|| format!("writing evidence to {}", path.display()))?;
        std::fs::write(path, envelope.to_json() + "\n")
            .with_context(|| format!("writing evidence to {}", path.display()))?;
        phases.mark("write the evidence");
        return finish(write_error, &phases, run.summary.verdict);
    }
    finish(write_error, &phases, run.summary.verdict)
}

/// The exit code of a run, after the profile is printed.
fn finish(
    write_error: Option<anyhow::Error>,
    phases: &Phases,
    verdict: Verdict,
) -> anyhow::Result<Exit> {
    if let Some(e) = write_error {
        return Err(e);
    }
    #[allow(clippy::disallowed_macros)]
    for line in phases.lines() {
        eprintln!("{line}");
    }
    Ok(match verdict {
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

/// Makes the report format of each output, with what the formats need
/// (rule metadata, repository paths) built once.
struct StyleBuilder<'a> {
    root: PathBuf,
    rules: &'a [ReportedRule],
    fail_on: Severity,
    locator: Option<Locator>,
    sarif: Option<Arc<Sarif>>,
    junit: Option<Arc<Junit>>,
}

impl StyleBuilder<'_> {
    fn locator(&mut self) -> Locator {
        let root = self.root.clone();
        self.locator
            .get_or_insert_with(|| Locator::new(Some(root)))
            .clone()
    }

    /// The format `format` writes with; `color` for the human report,
    /// `primary` when it is the only thing written to where it goes.
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
                    .rules
                    .iter()
                    .map(|r| SarifRule {
                        help_uri: r
                            .builtin
                            .then(|| format!("{repository}/blob/main/docs/rules.md#{}", r.meta.id)),
                        meta: r.meta.clone(),
                    })
                    .collect();
                rules.push(SarifRule {
                    meta: bulwark_scan::missing_reason_rule(),
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
                let rules = self.rules.iter().map(|r| r.meta.clone()).collect();
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
fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
