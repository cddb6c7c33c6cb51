//! The repository configuration: `.bulwark.yaml`.
//!
//! Found upward from the scanned path ([`Config::discover`]) or named
//! explicitly ([`Config::load`]). Every key is optional; unknown keys and
//! bad values are errors naming the file, line and column. What the file
//! says is overridden by flags given on the command line.
//!
//! ```yaml
//! fail-on: high                 # the verdict's threshold
//! pss-level: restricted         # baseline | restricted
//! pss-version: latest           # latest | v1.N (Kubernetes' policy versions)
//! enable: [cis-docker-build]    # only these packs or rules run
//! disable: [cis-4.6-healthcheck]
//! severity:                     # overrides, by rule id
//!   cis-4.6-healthcheck: low
//! exclude: ["vendor/**", "**/testdata/**"]
//! rules:                        # extra rule modules, pinned by digest
//!   - path: policy/custom.wasm
//!     sha256: 4f1c…
//!     signature: policy/custom.wasm.sig   # the default
//!   - oci: ghcr.io/acme/bulwark-rules:1.4  # from a registry
//!     digest: sha256:9b2e…                 # its manifest, required
//! trusted-keys: [keys/policy.pub] # extra modules must be signed by one
//! limits: {max-file-size: 10MiB, rule-timeout: 500ms, rule-memory: 256MiB}
//! exceptions:
//!   - rule: pss-run-as-non-root
//!     path: charts/legacy/**    # or `object: {kind, name, namespace}`
//!     reason: vendor image runs as root until 2.0
//!     owner: platform-team@example.com
//!     expires: 2027-03-31
//! ```
#![deny(missing_docs)]

mod date;
pub mod units;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bulwark_core::{Node, Value};
use bulwark_core::{Severity, SourceFile};
use std::cell::RefCell;
use std::fmt;

use globset::{Glob, GlobSet, GlobSetBuilder};

pub use crate::date::Date;

/// The configuration file's name.
pub const FILE_NAME: &str = ".bulwark.yaml";

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("reading {file}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file has problems: every one found, in file order.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

impl Error {
    /// The problems found, or none for an unreadable file.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Error::Io { .. } => &[],
            Error::Invalid(problems) => problems,
        }
    }
}

/// One thing wrong with a configuration file: where, what, and a stable
/// code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct Problem {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What kind of problem.
    pub code: Code,
    /// What is wrong and what would be right.
    pub message: String,
}

/// The kinds of configuration problem, each with a stable kebab-case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Code {
    /// The file is not valid YAML (syntax, duplicate keys, aliases).
    Yaml,
    /// A key the configuration does not have.
    UnknownKey,
    /// A value of the wrong type (a list where a string belongs).
    WrongType,
    /// A value of the right type that is not allowed (a severity, size,
    /// duration, date or digest that does not parse).
    BadValue,
    /// An `exclude` or exception path pattern that is not a glob.
    BadPattern,
    /// An entry without a field it needs.
    MissingField,
    /// A rule id that no loaded module declares.
    UnknownRule,
    /// A name that is neither a rule id nor a rule pack.
    UnknownRuleOrPack,
    /// A pinned rule module whose digest does not match.
    PinMismatch,
}

impl Code {
    /// Every code.
    pub const ALL: [Code; 9] = [
        Code::Yaml,
        Code::UnknownKey,
        Code::WrongType,
        Code::BadValue,
        Code::BadPattern,
        Code::MissingField,
        Code::UnknownRule,
        Code::UnknownRuleOrPack,
        Code::PinMismatch,
    ];

    /// The stable kebab-case code.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Yaml => "config-yaml",
            Code::UnknownKey => "config-unknown-key",
            Code::WrongType => "config-wrong-type",
            Code::BadValue => "config-bad-value",
            Code::BadPattern => "config-bad-pattern",
            Code::MissingField => "config-missing-field",
            Code::UnknownRule => "config-unknown-rule",
            Code::UnknownRuleOrPack => "config-unknown-rule-or-pack",
            Code::PinMismatch => "config-pin-mismatch",
        }
    }

    /// What the code means, for `bulwark explain CODE`.
    pub fn description(self) -> &'static str {
        match self {
            Code::Yaml => {
                "The configuration file is not valid YAML: a syntax error, a tab used for indentation, a key written twice in one mapping. Fix the line named."
            }
            Code::UnknownKey => {
                "A key the configuration does not have (often a typo: the message suggests the closest key). Every key of `.bulwark.yaml` is listed in the README."
            }
            Code::WrongType => {
                "A value of the wrong type: a list where a string belongs, a mapping where a list belongs."
            }
            Code::BadValue => {
                "A value that does not parse: a severity other than info, low, medium, high, critical; a size or duration without a unit; a date that is not YYYY-MM-DD; a digest that is not 64 hexadecimal digits."
            }
            Code::BadPattern => {
                "A path pattern in `exclude` or an exception's `path` that is not a valid glob."
            }
            Code::MissingField => {
                "An entry without a field it needs: a rule module without `path` or `sha256`, an exception without `rule`, `reason`, `owner` or `expires`."
            }
            Code::UnknownRule => {
                "A rule id (in `severity` or an exception) that no loaded rule module declares: `bulwark rules list` shows them."
            }
            Code::UnknownRuleOrPack => {
                "A name in `enable` or `disable` that is neither a rule id nor a rule pack."
            }
            Code::PinMismatch => {
                "A rule module pinned in `rules:` whose file has another SHA-256 than its pin: bulwark refuses to run it."
            }
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in the configuration file a value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct At {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where.
    pub at: At,
}

/// An extra rule module, pinned by digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRef {
    /// The component, relative paths taken from the configuration's
    /// directory.
    pub path: PathBuf,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
    /// Its signature (a DSSE envelope written by `bulwark sign`), when not
    /// the default `PATH.sig`.
    pub signature: Option<PathBuf>,
    /// Where it was declared.
    pub at: At,
}

/// An extra rule module in an OCI registry, pinned by manifest digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciModuleRef {
    /// `HOST/REPO[:TAG]`, as written (without the digest).
    pub reference: String,
    /// The manifest's SHA-256, lowercase hex; `None` when not written (the
    /// run is refused with the digest to pin).
    pub digest: Option<String>,
    /// Where it was declared.
    pub at: At,
}

/// The top-level keys of `.bulwark.yaml`, in the order the reference lists
/// them.
pub const KEYS: [&str; 13] = [
    "fail-on",
    "pss-level",
    "pss-version",
    "enable",
    "disable",
    "severity",
    "exclude",
    "rules",
    "trusted-keys",
    "limits",
    "helm",
    "image",
    "exceptions",
];

/// `sha256:HEX` or `HEX` (64 hexadecimal digits, any case) as lowercase
/// hex; `None` if it is not one.
pub fn parse_sha256(text: &str) -> Option<String> {
    let digest = text
        .strip_prefix("sha256:")
        .unwrap_or(text)
        .to_ascii_lowercase();
    (digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit())).then_some(digest)
}

/// Which Kubernetes objects an exception covers; absent fields match any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectSelector {
    /// `kind`, e.g. `Deployment`.
    pub kind: Option<String>,
    /// `metadata.name`.
    pub name: Option<String>,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
}

impl ObjectSelector {
    /// Whether an object with these fields is selected.
    pub fn matches(&self, kind: Option<&str>, name: Option<&str>, namespace: Option<&str>) -> bool {
        let field = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| Some(w) == have)
        };
        field(&self.kind, kind) && field(&self.name, name) && field(&self.namespace, namespace)
    }
}

/// A traceable exception: a rule that does not apply somewhere, for a
/// reason, owned by someone, until a date.
#[derive(Debug, Clone)]
pub struct Exception {
    /// The rule id.
    pub rule: String,
    /// Paths (globs, relative to the configuration's directory) it covers;
    /// empty: every path.
    pub paths: Vec<String>,
    matcher: Excludes,
    /// The Kubernetes objects it covers.
    pub object: Option<ObjectSelector>,
    /// Why the rule does not apply.
    pub reason: String,
    /// Who answers for it.
    pub owner: String,
    /// The last day it applies.
    pub expires: Date,
    /// Where it was declared.
    pub at: At,
}

impl Exception {
    /// Whether `path` (relative to the configuration's directory, `/`
    /// separators) is covered.
    pub fn covers_path(&self, path: &str) -> bool {
        self.paths.is_empty() || self.matcher.matching(path).is_some()
    }

    /// Whether it has expired on `today`.
    pub fn expired(&self, today: Date) -> bool {
        today > self.expires
    }
}

/// Resource limits of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    /// Largest input file.
    pub max_file_size: Option<u64>,
    /// CPU deadline of one rule on one document.
    pub rule_timeout: Option<Duration>,
    /// Memory of one rule module instance.
    pub rule_memory: Option<u64>,
}

/// The Pod Security Standards level workloads must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PssLevel {
    /// The baseline profile.
    Baseline,
    /// The restricted profile (baseline included).
    Restricted,
}

impl PssLevel {
    /// `baseline` or `restricted`.
    pub fn as_str(self) -> &'static str {
        match self {
            PssLevel::Baseline => "baseline",
            PssLevel::Restricted => "restricted",
        }
    }
}

/// A version of the Pod Security Standards policy: `latest` or Kubernetes'
/// `v1.N` (the syntax of the `pod-security.kubernetes.io/enforce-version`
/// label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PssVersion {
    /// A Kubernetes minor version's policy (`v1.25` is `Minor(25)`).
    Minor(u32),
    /// The newest policy.
    Latest,
}

impl PssVersion {
    /// Parses `latest` or `v1.N`.
    ///
    /// # Errors
    ///
    /// A message saying what is expected.
    pub fn parse(text: &str) -> Result<PssVersion, String> {
        if text == "latest" {
            return Ok(PssVersion::Latest);
        }
        text.strip_prefix("v1.")
            .filter(|m| !m.is_empty() && m.len() <= 4 && m.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|m| m.parse().ok())
            .map(PssVersion::Minor)
            .ok_or_else(|| format!("`{text}`: expected `latest` or a Kubernetes version `v1.N`"))
    }
}

impl std::fmt::Display for PssVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PssVersion::Latest => f.write_str("latest"),
            PssVersion::Minor(m) => write!(f, "v1.{m}"),
        }
    }
}

/// A parsed `.bulwark.yaml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file.
    pub path: PathBuf,
    /// Its directory: relative paths in it start here.
    pub root: PathBuf,
    /// Its text, for the evidence's configuration digest.
    pub text: Arc<str>,
    /// The verdict's threshold.
    pub fail_on: Option<Severity>,
    /// The Pod Security Standards level.
    pub pss_level: Option<PssLevel>,
    /// The Pod Security Standards policy version.
    pub pss_version: Option<PssVersion>,
    /// When not empty, only these packs or rules run.
    pub enable: Vec<Spanned<String>>,
    /// Packs or rules that do not run.
    pub disable: Vec<Spanned<String>>,
    /// Severity overrides by rule id.
    pub severity: Vec<(Spanned<String>, Severity)>,
    /// Paths (globs relative to `root`) never scanned.
    pub exclude: Vec<String>,
    exclude_matcher: Excludes,
    /// Extra rule modules.
    pub rules: Vec<ModuleRef>,
    /// Extra rule modules in registries (`- oci: REF`).
    pub oci_rules: Vec<OciModuleRef>,
    /// Public keys (SPKI PEM files, relative to `root`) extra rule modules
    /// must be signed with; empty: signatures are not checked.
    pub trusted_keys: Vec<Spanned<PathBuf>>,
    /// Limits.
    pub limits: Limits,
    /// What becomes of a Helm chart that cannot be rendered (no `helm`):
    /// `helm: {unrendered: error | skip}`; unset is an error.
    pub skip_unrendered_charts: Option<bool>,
    /// Paths in images allowed to be setuid or setgid
    /// (`image: {setuid-allowed: [/usr/bin/passwd, /usr/lib/*/ssh-keysign]}`).
    pub setuid_allowed: Vec<String>,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
}

impl Config {
    /// Reads and checks the configuration at `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if unreadable, [`Error::Invalid`] with every problem
    /// (YAML syntax, unknown keys, bad values) otherwise.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            file: path.display().to_string(),
            source,
        })?;
        Config::parse(path, &text)
    }

    /// Parses `text` as the configuration at `path`.
    ///
    /// # Errors
    ///
    /// As [`Config::load`].
    pub fn parse(path: &Path, text: &str) -> Result<Config, Error> {
        let name = path.display().to_string();
        let source = SourceFile::new(name.clone(), text);
        let docs = bulwark_yaml::parse_stream(&source).map_err(|e| {
            Error::Invalid(vec![Problem {
                file: name.clone(),
                line: e.line,
                column: e.column,
                code: Code::Yaml,
                message: e.kind.to_string(),
            }])
        })?;
        let reader = Reader {
            source: &source,
            problems: RefCell::new(Vec::new()),
        };
        let root_dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let mut config = Config {
            path: path.to_path_buf(),
            root: root_dir,
            text: Arc::from(text),
            fail_on: None,
            pss_level: None,
            pss_version: None,
            enable: Vec::new(),
            disable: Vec::new(),
            severity: Vec::new(),
            exclude: Vec::new(),
            exclude_matcher: Excludes::default(),
            rules: Vec::new(),
            oci_rules: Vec::new(),
            trusted_keys: Vec::new(),
            limits: Limits::default(),
            skip_unrendered_charts: None,
            setuid_allowed: Vec::new(),
            exceptions: Vec::new(),
        };
        let root = match docs.as_slice() {
            [] => return Ok(config),
            [doc] => &doc.root,
            [_, second, ..] => {
                return Err(Error::Invalid(vec![reader.problem(
                    Code::WrongType,
                    &second.root,
                    "one YAML document expected, found more",
                )]));
            }
        };
        if matches!(root.value, Value::Null) {
            return Ok(config);
        }
        let keys = reader
            .mapping(root, &KEYS)
            .map_err(|p| Error::Invalid(vec![p]))?;
        for (key, value) in keys {
            match key {
                "fail-on" => config.fail_on = reader.keep(reader.severity(value)),
                "pss-level" => {
                    config.pss_level = reader.keep(reader.string(value).and_then(|s| match s {
                        "baseline" => Ok(PssLevel::Baseline),
                        "restricted" => Ok(PssLevel::Restricted),
                        other => Err(reader.problem(
                            Code::BadValue,
                            value,
                            format!("pss-level `{other}`: expected `baseline` or `restricted`"),
                        )),
                    }));
                }
                "pss-version" => {
                    config.pss_version = reader.keep(reader.scalar(value).and_then(|s| {
                        PssVersion::parse(s).map_err(|message| {
                            reader.problem(Code::BadValue, value, format!("pss-version {message}"))
                        })
                    }));
                }
                "enable" => config.enable = reader.spanned_strings(value),
                "disable" => config.disable = reader.spanned_strings(value),
                "severity" => {
                    for (rule, level) in reader.keep(reader.mapping(value, &[])).unwrap_or_default()
                    {
                        if let Some(severity) = reader.keep(reader.severity(level)) {
                            config.severity.push((
                                Spanned {
                                    value: rule.to_owned(),
                                    at: reader.key_at(rule, level),
                                },
                                severity,
                            ));
                        }
                    }
                }
                "exclude" => {
                    let globs = reader.spanned_strings(value);
                    let good: Vec<Spanned<String>> = globs
                        .into_iter()
                        .filter(|g| match Excludes::new([g.value.as_str()]) {
                            Ok(_) => true,
                            Err((_, message)) => {
                                reader.push(reader.problem_at(Code::BadPattern, g.at, message));
                                false
                            }
                        })
                        .collect();
                    if let Ok(matcher) = Excludes::new(good.iter().map(|g| g.value.as_str())) {
                        config.exclude_matcher = matcher;
                    }
                    config.exclude = good.into_iter().map(|g| g.value).collect();
                }
                "rules" => {
                    for item in reader.keep(reader.sequence(value)).unwrap_or_default() {
                        let oci = item.get("oci").is_some();
                        if oci {
                            if let Some(module) = reader.keep(reader.oci_module(item)) {
                                config.oci_rules.push(module);
                            }
                        } else if let Some(module) = reader.keep(reader.module(item)) {
                            config.rules.push(module);
                        }
                    }
                }
                "trusted-keys" => {
                    config.trusted_keys = reader
                        .spanned_strings(value)
                        .into_iter()
                        .map(|s| Spanned {
                            value: PathBuf::from(s.value),
                            at: s.at,
                        })
                        .collect();
                }
                "limits" => config.limits = reader.limits(value),
                "helm" => {
                    let keys = reader
                        .keep(reader.mapping(value, &["unrendered"]))
                        .unwrap_or_default();
                    for (_, setting) in keys {
                        config.skip_unrendered_charts =
                            reader.keep(reader.string(setting).and_then(|s| match s {
                                "error" => Ok(false),
                                "skip" => Ok(true),
                                other => Err(reader.problem(
                                    Code::BadValue,
                                    setting,
                                    format!(
                                        "helm.unrendered `{other}`: expected `error` or `skip`"
                                    ),
                                )),
                            }));
                    }
                }
                "image" => {
                    let keys = reader
                        .keep(reader.mapping(value, &["setuid-allowed"]))
                        .unwrap_or_default();
                    for (_, setting) in keys {
                        for item in reader.keep(reader.sequence(setting)).unwrap_or_default() {
                            let Some(path) = reader.keep(reader.string(item)) else {
                                continue;
                            };
                            if path.starts_with('/') {
                                config.setuid_allowed.push(path.to_owned());
                            } else {
                                reader.keep::<()>(Err(reader.problem(
                                    Code::BadValue,
                                    item,
                                    format!(
                                        "image.setuid-allowed `{path}`: a path in the image, from `/` (`*` within one component)"
                                    ),
                                )));
                            }
                        }
                    }
                }
                "exceptions" => {
                    for item in reader.keep(reader.sequence(value)).unwrap_or_default() {
                        if let Some(exception) = reader.exception(item) {
                            config.exceptions.push(exception);
                        }
                    }
                }
                _ => {}
            }
        }
        let mut problems = reader.problems.into_inner();
        if problems.is_empty() {
            return Ok(config);
        }
        problems.sort_by_key(|p| (p.line, p.column));
        Err(Error::Invalid(problems))
    }

    /// Whether `path` (relative to [`Config::root`], `/` separators) is
    /// excluded from scanning.
    pub fn excludes(&self, path: &str) -> bool {
        self.exclude_matcher.matching(path).is_some()
    }

    /// The `exclude` pattern that excludes `path` (relative to
    /// [`Config::root`], `/` separators), if any.
    pub fn exclusion(&self, path: &str) -> Option<&str> {
        self.exclude_matcher.matching(path)
    }

    /// A problem at `at` in this file, for checks made after loading (a
    /// rule id no module declares).
    pub fn problem(&self, at: At, code: Code, message: impl Into<String>) -> Problem {
        Problem {
            file: self.path.display().to_string(),
            line: at.line,
            column: at.column,
            code,
            message: message.into(),
        }
    }
}

/// `exclude` patterns, compiled: which pattern (if any) excludes a path.
///
/// A pattern is a glob relative to the configuration's directory; a
/// pattern naming a directory also covers everything under it.
#[derive(Debug, Clone, Default)]
pub struct Excludes {
    patterns: Vec<String>,
    set: GlobSet,
    /// For each glob of `set`, the index of its pattern.
    owner: Vec<usize>,
}

impl Excludes {
    /// Compiles `patterns`.
    ///
    /// # Errors
    ///
    /// The index of the first bad pattern and why it is bad.
    pub fn new<'a>(
        patterns: impl IntoIterator<Item = &'a str>,
    ) -> Result<Excludes, (usize, String)> {
        let mut builder = GlobSetBuilder::new();
        let mut owner = Vec::new();
        let mut kept = Vec::new();
        for (i, raw) in patterns.into_iter().enumerate() {
            let pattern = raw.trim_start_matches("./");
            let compiled = Glob::new(pattern)
                .map_err(|e| (i, format!("bad path pattern `{raw}`: {}", e.kind())))?;
            builder.add(compiled);
            owner.push(i);
            if !pattern.ends_with("/**")
                && let Ok(under) = Glob::new(&format!("{}/**", pattern.trim_end_matches('/')))
            {
                builder.add(under);
                owner.push(i);
            }
            kept.push(raw.to_owned());
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(Excludes {
            patterns: kept,
            set,
            owner,
        })
    }

    /// The first pattern that matches `path` (`/`-separated, relative to
    /// the patterns' directory).
    pub fn matching(&self, path: &str) -> Option<&str> {
        let first = self.set.matches(path).into_iter().min()?;
        let pattern = *self.owner.get(first)?;
        self.patterns.get(pattern).map(String::as_str)
    }

    /// The patterns, as written.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

/// `full` relative to `root`, components joined with `/` (the form
/// exclusion and exception paths, and evidence subjects, are written in);
/// `None` when `full` is not under `root`. Neither path is resolved here.
pub fn relative_path(root: &Path, full: &Path) -> Option<String> {
    let rel = full.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// Reads typed values out of a node tree. A value that cannot be read is a
/// [`Problem`]; the reader collects them and reading goes on, so a file
/// with three mistakes reports three.
struct Reader<'a> {
    source: &'a SourceFile,
    problems: RefCell<Vec<Problem>>,
}

impl Reader<'_> {
    fn at(&self, node: &Node) -> At {
        let location = self.source.location(node.span);
        At {
            line: location.line,
            column: location.column,
        }
    }

    /// Where `key` was written: the last occurrence of it before its value.
    fn key_at(&self, key: &str, value: &Node) -> At {
        let text = self.source.text();
        let before = &text[..value.span.start.min(text.len())];
        match before.rfind(key) {
            Some(offset) => {
                let location = self
                    .source
                    .location(bulwark_core::Span::new(offset, offset + key.len()));
                At {
                    line: location.line,
                    column: location.column,
                }
            }
            None => self.at(value),
        }
    }

    fn problem(&self, code: Code, node: &Node, message: impl Into<String>) -> Problem {
        self.problem_at(code, self.at(node), message)
    }

    fn problem_at(&self, code: Code, at: At, message: impl Into<String>) -> Problem {
        Problem {
            file: self.source.name().to_owned(),
            line: at.line,
            column: at.column,
            code,
            message: message.into(),
        }
    }

    fn push(&self, problem: Problem) {
        self.problems.borrow_mut().push(problem);
    }

    /// The value, or `None` with its problem recorded.
    fn keep<T>(&self, result: Result<T, Problem>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(p) => {
                self.push(p);
                None
            }
        }
    }

    /// The members of a mapping; with `allowed` not empty, any other key is
    /// a problem (recorded) and left out.
    fn mapping<'n>(
        &self,
        node: &'n Node,
        allowed: &[&str],
    ) -> Result<Vec<(&'n str, &'n Node)>, Problem> {
        let Value::Object(members) = &node.value else {
            return Err(self.problem(
                Code::WrongType,
                node,
                format!("expected a mapping, found {}", kind(node)),
            ));
        };
        let mut out = Vec::with_capacity(members.len());
        for (key, value) in members {
            if !allowed.is_empty() && !allowed.contains(&key.as_str()) {
                let hint = closest(key, allowed)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                self.push(self.problem_at(
                    Code::UnknownKey,
                    self.key_at(key, value),
                    format!(
                        "unknown key `{key}`{hint}; expected one of: {}",
                        allowed.join(", ")
                    ),
                ));
                continue;
            }
            out.push((key.as_str(), value));
        }
        Ok(out)
    }

    fn sequence<'n>(&self, node: &'n Node) -> Result<&'n [Node], Problem> {
        match &node.value {
            Value::Array(items) => Ok(items),
            _ => Err(self.problem(
                Code::WrongType,
                node,
                format!("expected a list, found {}", kind(node)),
            )),
        }
    }

    fn string<'n>(&self, node: &'n Node) -> Result<&'n str, Problem> {
        match &node.value {
            Value::String(s) if !s.trim().is_empty() => Ok(s),
            Value::String(_) => Err(self.problem(
                Code::BadValue,
                node,
                "expected a value, found an empty string",
            )),
            _ => Err(self.problem(
                Code::WrongType,
                node,
                format!("expected a string, found {}", kind(node)),
            )),
        }
    }

    /// A scalar as text: strings, numbers and booleans alike (`sha256:` of
    /// digits only, a size written as a number).
    fn scalar<'n>(&self, node: &'n Node) -> Result<&'n str, Problem> {
        match &node.value {
            Value::Number(n) => Ok(n),
            _ => self.string(node),
        }
    }

    /// One string or a list of them; items that are not strings are
    /// problems (recorded) and left out.
    fn spanned_strings(&self, node: &Node) -> Vec<Spanned<String>> {
        let items: Vec<&Node> = match &node.value {
            Value::Array(items) => items.iter().collect(),
            _ => vec![node],
        };
        items
            .into_iter()
            .filter_map(|item| {
                self.keep(self.string(item)).map(|s| Spanned {
                    value: s.to_owned(),
                    at: self.at(item),
                })
            })
            .collect()
    }

    fn severity(&self, node: &Node) -> Result<Severity, Problem> {
        let s = self.string(node)?;
        s.parse().map_err(|e: bulwark_core::ParseSeverityError| {
            self.problem(Code::BadValue, node, e.to_string())
        })
    }

    fn oci_module(&self, node: &Node) -> Result<OciModuleRef, Problem> {
        let (mut reference, mut digest) = (None, None);
        for (key, value) in self.mapping(node, &["oci", "digest"])? {
            match key {
                "oci" => reference = self.keep(self.string(value)).map(|v| (v.to_owned(), value)),
                _ => {
                    digest = self.keep(self.scalar(value).and_then(|text| {
                        parse_sha256(text).ok_or_else(|| {
                            self.problem(
                                Code::BadValue,
                                value,
                                "digest: expected `sha256:` and 64 hexadecimal digits",
                            )
                        })
                    }));
                }
            }
        }
        let Some((reference, at)) = reference else {
            return Err(self.problem(Code::MissingField, node, "a rule module needs `oci`"));
        };
        let (reference, inline) = match reference.rsplit_once('@') {
            Some((name, pin)) => match parse_sha256(pin) {
                Some(d) if pin.starts_with("sha256:") => (name.to_owned(), Some(d)),
                _ => {
                    return Err(self.problem(
                        Code::BadValue,
                        at,
                        format!(
                            "oci: `{pin}` is not a digest (`sha256:` and 64 hexadecimal digits)"
                        ),
                    ));
                }
            },
            None => (reference, None),
        };
        if let (Some(a), Some(b)) = (&inline, &digest)
            && a != b
        {
            return Err(self.problem(
                Code::BadValue,
                node,
                format!("the reference is pinned to sha256:{a} and `digest` says sha256:{b}"),
            ));
        }
        Ok(OciModuleRef {
            reference,
            digest: digest.or(inline),
            at: self.at(node),
        })
    }

    fn module(&self, node: &Node) -> Result<ModuleRef, Problem> {
        let (mut path, mut sha256, mut signature) = (None, None, None);
        for (key, value) in self.mapping(node, &["path", "sha256", "signature"])? {
            match key {
                "path" => path = self.keep(self.string(value)).map(PathBuf::from),
                "signature" => signature = self.keep(self.string(value)).map(PathBuf::from),
                _ => {
                    sha256 = self.keep(self.scalar(value).and_then(|text| {
                        parse_sha256(text).ok_or_else(|| {
                            self.problem(
                                Code::BadValue,
                                value,
                                "sha256: expected 64 hexadecimal digits",
                            )
                        })
                    }));
                }
            }
        }
        let missing = |what: &str| {
            self.problem(
                Code::MissingField,
                node,
                format!("a rule module needs `{what}`"),
            )
        };
        Ok(ModuleRef {
            path: path.ok_or_else(|| missing("path"))?,
            sha256: sha256.ok_or_else(|| missing("sha256"))?,
            signature,
            at: self.at(node),
        })
    }

    fn limits(&self, node: &Node) -> Limits {
        let mut limits = Limits::default();
        let keys = self
            .keep(self.mapping(node, &["max-file-size", "rule-timeout", "rule-memory"]))
            .unwrap_or_default();
        for (key, value) in keys {
            let Some(text) = self.keep(self.scalar(value)) else {
                continue;
            };
            let bad = |e: String| self.problem(Code::BadValue, value, format!("{key}: {e}"));
            match key {
                "max-file-size" => {
                    limits.max_file_size = self.keep(units::parse_size(text).map_err(bad));
                }
                "rule-timeout" => {
                    limits.rule_timeout = self.keep(units::parse_duration(text).map_err(bad));
                }
                _ => limits.rule_memory = self.keep(units::parse_size(text).map_err(bad)),
            }
        }
        limits
    }

    fn exception(&self, node: &Node) -> Option<Exception> {
        let mut rule = None;
        let mut paths = Vec::new();
        let mut object = None;
        let (mut reason, mut owner, mut expires) = (None, None, None);
        let keys = self.keep(self.mapping(
            node,
            &["rule", "path", "object", "reason", "owner", "expires"],
        ))?;
        for (key, value) in keys {
            match key {
                "rule" => rule = self.keep(self.string(value)).map(str::to_owned),
                "path" => paths = self.spanned_strings(value),
                "object" => {
                    let mut selector = ObjectSelector::default();
                    let fields = self
                        .keep(self.mapping(value, &["kind", "name", "namespace"]))
                        .unwrap_or_default();
                    for (field, v) in fields {
                        let v = self.keep(self.string(v)).map(str::to_owned);
                        match field {
                            "kind" => selector.kind = v,
                            "name" => selector.name = v,
                            _ => selector.namespace = v,
                        }
                    }
                    object = Some(selector);
                }
                "reason" => reason = self.keep(self.string(value)).map(str::to_owned),
                "owner" => owner = self.keep(self.string(value)).map(str::to_owned),
                _ => {
                    expires = self.keep(self.scalar(value).and_then(|text| {
                        Date::parse(text).ok_or_else(|| {
                            self.problem(
                                Code::BadValue,
                                value,
                                format!("expires: `{text}` is not a date (YYYY-MM-DD)"),
                            )
                        })
                    }));
                }
            }
        }
        let mut complete = true;
        for (present, what, why) in [
            (rule.is_some(), "rule", "the rule id it lifts"),
            (reason.is_some(), "reason", "why the rule does not apply"),
            (owner.is_some(), "owner", "who answers for it"),
            (
                expires.is_some(),
                "expires",
                "the last day it applies, YYYY-MM-DD",
            ),
        ] {
            if !present {
                complete = false;
                self.push(self.problem(
                    Code::MissingField,
                    node,
                    format!("an exception needs `{what}` ({why})"),
                ));
            }
        }
        let matcher = match Excludes::new(paths.iter().map(|p| p.value.as_str())) {
            Ok(m) => m,
            Err((i, message)) => {
                self.push(self.problem_at(Code::BadPattern, paths[i].at, message));
                return None;
            }
        };
        if !complete {
            return None;
        }
        Some(Exception {
            rule: rule?,
            matcher,
            paths: paths.into_iter().map(|p| p.value).collect(),
            object,
            reason: reason?,
            owner: owner?,
            expires: expires?,
            at: self.at(node),
        })
    }
}

fn kind(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The word of `allowed` closest to `key` by edit distance, if close
/// enough to be a typo of it (at most two edits).
pub fn closest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(key, a), *a))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Error> {
        Config::parse(Path::new("repo/.bulwark.yaml"), text)
    }

    fn error(text: &str) -> String {
        match parse(text) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn registry_modules_are_pinned_inline_or_by_digest() {
        let d = "ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
        let config = parse(&format!(
            "rules:\n  - oci: ghcr.io/acme/rules:1.4\n    digest: sha256:{d}\n  - oci: ghcr.io/acme/other:2@sha256:{}\n  - oci: ghcr.io/acme/loose:3\n",
            d.to_uppercase()
        ))
        .expect("valid");
        assert!(config.rules.is_empty());
        let oci = &config.oci_rules;
        assert_eq!(oci.len(), 3);
        assert_eq!(oci[0].reference, "ghcr.io/acme/rules:1.4");
        assert_eq!(oci[0].digest.as_deref(), Some(d));
        assert_eq!(oci[0].at.line, 2);
        assert_eq!(oci[1].reference, "ghcr.io/acme/other:2");
        assert_eq!(oci[1].digest.as_deref(), Some(d));
        assert_eq!(oci[2].digest, None, "refused later, with the digest to pin");

        assert!(
            error(&format!(
                "rules:\n  - oci: a/b:1@sha256:{d}\n    digest: sha256:{}\n",
                d.replace('a', "b")
            ))
            .contains("the reference is pinned to sha256:")
        );
        assert!(error("rules:\n  - oci: a/b:1@md5:abc\n").contains("is not a digest"));
        assert!(
            error("rules:\n  - oci: a/b:1\n    digest: 12\n").contains("64 hexadecimal digits")
        );
        assert!(error("rules:\n  - oci: a/b\n    sha256: x\n").contains("unknown key `sha256`"));
    }

    #[test]
    fn reads_every_key() {
        let config = parse(
            "fail-on: high\npss-level: baseline\nenable: [cis-docker-build]\ndisable: cis-4.6-healthcheck\nseverity:\n  cis-4.9-copy: low\nexclude: [vendor, \"**/testdata/**\"]\nrules:\n  - path: policy/x.wasm\n    sha256: sha256:AB0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\nlimits: {max-file-size: 1MiB, rule-timeout: 2s, rule-memory: 64MiB}\nexceptions:\n  - rule: pss-run-as-non-root\n    path: charts/legacy/**\n    object: {kind: Deployment, name: legacy}\n    reason: vendor image\n    owner: platform@example.com\n    expires: 2027-03-31\n",
        )
        .expect("valid");
        assert_eq!(config.fail_on, Some(Severity::High));
        assert_eq!(config.pss_level, Some(PssLevel::Baseline));
        assert_eq!(config.enable[0].value, "cis-docker-build");
        assert_eq!(
            config.disable[0].at,
            At {
                line: 4,
                column: 10
            }
        );
        assert_eq!(config.severity[0].0.at.line, 6);
        assert!(config.excludes("vendor/lib/Dockerfile"));
        assert!(config.excludes("a/testdata/x.yaml"));
        assert!(!config.excludes("src/Dockerfile"));
        assert_eq!(config.root, Path::new("repo"));
        assert_eq!(
            config.rules[0].sha256,
            "ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
        );
        assert_eq!(config.limits.max_file_size, Some(1 << 20));
        assert_eq!(config.limits.rule_timeout, Some(Duration::from_secs(2)));
        let exception = &config.exceptions[0];
        assert!(exception.covers_path("charts/legacy/templates/d.yaml"));
        assert!(!exception.covers_path("charts/new/d.yaml"));
        assert!(exception.object.as_ref().is_some_and(|o| o.matches(
            Some("Deployment"),
            Some("legacy"),
            Some("prod")
        )));
        assert!(!exception.expired(Date::parse("2027-03-31").expect("date")));
        assert!(exception.expired(Date::parse("2027-04-01").expect("date")));
        assert_eq!(exception.at.line, 13);
    }

    #[test]
    fn an_empty_file_is_no_configuration() {
        let config = parse("# nothing yet\n").expect("valid");
        assert!(config.fail_on.is_none() && config.exceptions.is_empty());
    }

    #[test]
    fn bad_keys_and_values_name_the_line() {
        assert_eq!(
            error("fail-on: high\nfail_on: low\n"),
            "repo/.bulwark.yaml:2:1: unknown key `fail_on` (did you mean `fail-on`?); expected one of: fail-on, pss-level, pss-version, enable, disable, severity, exclude, rules, trusted-keys, limits, helm, image, exceptions"
        );
        assert!(error("fail-on: urgent\n").starts_with("repo/.bulwark.yaml:1:10: "));
        assert!(error("pss-level: strict\n").contains("expected `baseline` or `restricted`"));
        assert!(
            error("pss-version: 1.25\n")
                .contains("expected `latest` or a Kubernetes version `v1.N`")
        );
        let config = parse("pss-version: v1.25\n").expect("valid");
        assert_eq!(config.pss_version, Some(PssVersion::Minor(25)));
        let config = parse("image:\n  setuid-allowed: [/usr/bin/passwd, /usr/lib/*/ssh-keysign]\n")
            .expect("valid");
        assert_eq!(
            config.setuid_allowed,
            vec![
                "/usr/bin/passwd".to_owned(),
                "/usr/lib/*/ssh-keysign".to_owned()
            ]
        );
        assert!(error("image:\n  setuid-allowed: [bin/su]\n").starts_with(
            "repo/.bulwark.yaml:2:20: image.setuid-allowed `bin/su`: a path in the image"
        ));
        assert!(error("image:\n  setuid: []\n").contains("unknown key `setuid`"));
        assert!(
            error("limits:\n  rule-timeout: soon\n")
                .starts_with("repo/.bulwark.yaml:2:17: rule-timeout:")
        );
        assert!(error("rules:\n  - path: x.wasm\n").contains("a rule module needs `sha256`"));
        assert!(
            error("rules:\n  - path: x.wasm\n    sha256: abc\n").contains("64 hexadecimal digits")
        );
        assert!(error("exclude: [\"a[\"]\n").contains("bad path pattern"));
        assert!(error("[1, 2]\n").contains("expected a mapping, found a list"));
        let missing_reason =
            error("exceptions:\n  - rule: r\n    owner: o\n    expires: 2027-01-01\n");
        assert!(
            missing_reason.starts_with("repo/.bulwark.yaml:2:"),
            "{missing_reason}"
        );
        assert!(missing_reason.contains("needs `reason`"));
        assert!(
            error("exceptions:\n  - {rule: r, reason: x, owner: o, expires: 2027-02-30}\n")
                .contains("is not a date")
        );
        assert!(error("fail-on: [high\n").starts_with("repo/.bulwark.yaml:"));
    }

    #[test]
    fn collects_every_problem_with_its_code() {
        let Err(Error::Invalid(problems)) = parse(
            "fial-on: high\nseverity:\n  a: urgent\n  b: low\nexclude: [\"a[\", ok, \"b[\"]\nexceptions:\n  - rule: r\nlimits: {rule-timeout: soon}\npss-level: strict\n",
        ) else {
            panic!("refused")
        };
        let found: Vec<(usize, &str)> =
            problems.iter().map(|p| (p.line, p.code.as_str())).collect();
        assert_eq!(
            found,
            [
                (1, "config-unknown-key"),
                (3, "config-bad-value"),
                (5, "config-bad-pattern"),
                (5, "config-bad-pattern"),
                (7, "config-missing-field"),
                (7, "config-missing-field"),
                (7, "config-missing-field"),
                (8, "config-bad-value"),
                (9, "config-bad-value"),
            ]
        );
        // Each printed once, on its own line.
        let text = Error::Invalid(problems).to_string();
        assert_eq!(text.lines().count(), 9, "{text}");
    }

    #[test]
    fn codes_are_unique_and_described() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code}");
            assert!(!code.description().is_empty());
        }
    }
}
