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
//! enable: [cis-docker-build]    # only these packs or rules run
//! disable: [cis-4.6-healthcheck]
//! severity:                     # overrides, by rule id
//!   cis-4.6-healthcheck: low
//! exclude: ["vendor/**", "**/testdata/**"]
//! rules:                        # extra rule modules, pinned by digest
//!   - path: policy/custom.wasm
//!     sha256: 4f1c…
//!     signature: policy/custom.wasm.sig   # the default
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
use globset::{Glob, GlobSet, GlobSetBuilder};

pub use crate::date::Date;

/// The configuration file's name.
pub const FILE_NAME: &str = ".bulwark.yaml";

/// A configuration error: where, and what.
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
    /// The file is not valid YAML.
    #[error(transparent)]
    Yaml(#[from] bulwark_inputs::Error),
    /// A key or value is wrong.
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and what would be right.
        message: String,
    },
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
    /// Public keys (SPKI PEM files, relative to `root`) extra rule modules
    /// must be signed with; empty: signatures are not checked.
    pub trusted_keys: Vec<Spanned<PathBuf>>,
    /// Limits.
    pub limits: Limits,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
}

impl Config {
    /// The nearest `.bulwark.yaml` in `start` (a directory, or a file's
    /// directory) or any directory above it.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let start = start.canonicalize().ok()?;
        let mut dir = if start.is_dir() {
            Some(start.as_path())
        } else {
            start.parent()
        };
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Some(candidate);
            }
            dir = d.parent();
        }
        None
    }

    /// Reads and checks the configuration at `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if unreadable, [`Error::Yaml`] if not YAML,
    /// [`Error::Invalid`] for unknown keys and bad values.
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
        let docs = bulwark_inputs::yaml::parse_stream(&source)?;
        let reader = Reader { source: &source };
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
            enable: Vec::new(),
            disable: Vec::new(),
            severity: Vec::new(),
            exclude: Vec::new(),
            exclude_matcher: Excludes::default(),
            rules: Vec::new(),
            trusted_keys: Vec::new(),
            limits: Limits::default(),
            exceptions: Vec::new(),
        };
        let root = match docs.as_slice() {
            [] => return Ok(config),
            [doc] => &doc.root,
            [_, second, ..] => {
                return Err(reader.invalid(&second.root, "one YAML document expected, found more"));
            }
        };
        if matches!(root.value, Value::Null) {
            return Ok(config);
        }
        for (key, value) in reader.mapping(
            root,
            &[
                "fail-on",
                "pss-level",
                "enable",
                "disable",
                "severity",
                "exclude",
                "rules",
                "trusted-keys",
                "limits",
                "exceptions",
            ],
        )? {
            match key {
                "fail-on" => config.fail_on = Some(reader.severity(value)?),
                "pss-level" => {
                    config.pss_level = Some(match reader.string(value)? {
                        "baseline" => PssLevel::Baseline,
                        "restricted" => PssLevel::Restricted,
                        other => {
                            return Err(reader.invalid(
                                value,
                                format!("pss-level `{other}`: expected `baseline` or `restricted`"),
                            ));
                        }
                    });
                }
                "enable" => config.enable = reader.spanned_strings(value)?,
                "disable" => config.disable = reader.spanned_strings(value)?,
                "severity" => {
                    for (rule, level) in reader.mapping(value, &[])? {
                        config.severity.push((
                            Spanned {
                                value: rule.to_owned(),
                                at: reader.key_at(rule, level),
                            },
                            reader.severity(level)?,
                        ));
                    }
                }
                "exclude" => {
                    let globs = reader.spanned_strings(value)?;
                    config.exclude_matcher = Excludes::new(globs.iter().map(|g| g.value.as_str()))
                        .map_err(|(i, message)| reader.invalid_at(globs[i].at, message))?;
                    config.exclude = globs.into_iter().map(|g| g.value).collect();
                }
                "rules" => {
                    for item in reader.sequence(value)? {
                        config.rules.push(reader.module(item)?);
                    }
                }
                "trusted-keys" => {
                    config.trusted_keys = reader
                        .spanned_strings(value)?
                        .into_iter()
                        .map(|s| Spanned {
                            value: PathBuf::from(s.value),
                            at: s.at,
                        })
                        .collect();
                }
                "limits" => config.limits = reader.limits(value)?,
                "exceptions" => {
                    for item in reader.sequence(value)? {
                        config.exceptions.push(reader.exception(item)?);
                    }
                }
                _ => {}
            }
        }
        Ok(config)
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

    /// An error at `at` in this file, for checks made after loading (a
    /// rule id no module declares).
    pub fn error_at(&self, at: At, message: impl Into<String>) -> Error {
        Error::Invalid {
            file: self.path.display().to_string(),
            line: at.line,
            column: at.column,
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

/// Reads typed values out of a node tree, with file:line errors.
struct Reader<'a> {
    source: &'a SourceFile,
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

    fn invalid(&self, node: &Node, message: impl Into<String>) -> Error {
        self.invalid_at(self.at(node), message)
    }

    fn invalid_at(&self, at: At, message: impl Into<String>) -> Error {
        Error::Invalid {
            file: self.source.name().to_owned(),
            line: at.line,
            column: at.column,
            message: message.into(),
        }
    }

    /// The members of a mapping; with `allowed` not empty, any other key is
    /// an error.
    fn mapping<'n>(
        &self,
        node: &'n Node,
        allowed: &[&str],
    ) -> Result<Vec<(&'n str, &'n Node)>, Error> {
        let Value::Object(members) = &node.value else {
            return Err(self.invalid(node, format!("expected a mapping, found {}", kind(node))));
        };
        let mut out = Vec::with_capacity(members.len());
        for (key, value) in members {
            if !allowed.is_empty() && !allowed.contains(&key.as_str()) {
                let hint = closest(key, allowed)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                return Err(self.invalid_at(
                    self.key_at(key, value),
                    format!(
                        "unknown key `{key}`{hint}; expected one of: {}",
                        allowed.join(", ")
                    ),
                ));
            }
            out.push((key.as_str(), value));
        }
        Ok(out)
    }

    fn sequence<'n>(&self, node: &'n Node) -> Result<&'n [Node], Error> {
        match &node.value {
            Value::Array(items) => Ok(items),
            _ => Err(self.invalid(node, format!("expected a list, found {}", kind(node)))),
        }
    }

    fn string<'n>(&self, node: &'n Node) -> Result<&'n str, Error> {
        match &node.value {
            Value::String(s) if !s.trim().is_empty() => Ok(s),
            Value::String(_) => Err(self.invalid(node, "expected a value, found an empty string")),
            _ => Err(self.invalid(node, format!("expected a string, found {}", kind(node)))),
        }
    }

    /// A scalar as text: strings, numbers and booleans alike (`sha256:` of
    /// digits only, a size written as a number).
    fn scalar<'n>(&self, node: &'n Node) -> Result<&'n str, Error> {
        match &node.value {
            Value::Number(n) => Ok(n),
            _ => self.string(node),
        }
    }

    /// One string or a list of them.
    fn spanned_strings(&self, node: &Node) -> Result<Vec<Spanned<String>>, Error> {
        let items: Vec<&Node> = match &node.value {
            Value::Array(items) => items.iter().collect(),
            _ => vec![node],
        };
        items
            .into_iter()
            .map(|item| {
                Ok(Spanned {
                    value: self.string(item)?.to_owned(),
                    at: self.at(item),
                })
            })
            .collect()
    }

    fn severity(&self, node: &Node) -> Result<Severity, Error> {
        let s = self.string(node)?;
        s.parse()
            .map_err(|e: bulwark_core::ParseSeverityError| self.invalid(node, e.to_string()))
    }

    fn module(&self, node: &Node) -> Result<ModuleRef, Error> {
        let (mut path, mut sha256, mut signature) = (None, None, None);
        for (key, value) in self.mapping(node, &["path", "sha256", "signature"])? {
            match key {
                "path" => path = Some(PathBuf::from(self.string(value)?)),
                "signature" => signature = Some(PathBuf::from(self.string(value)?)),
                _ => {
                    let digest = parse_sha256(self.scalar(value)?).ok_or_else(|| {
                        self.invalid(value, "sha256: expected 64 hexadecimal digits")
                    })?;
                    sha256 = Some(digest);
                }
            }
        }
        let missing = |what: &str| self.invalid(node, format!("a rule module needs `{what}`"));
        Ok(ModuleRef {
            path: path.ok_or_else(|| missing("path"))?,
            sha256: sha256.ok_or_else(|| missing("sha256"))?,
            signature,
            at: self.at(node),
        })
    }

    fn limits(&self, node: &Node) -> Result<Limits, Error> {
        let mut limits = Limits::default();
        for (key, value) in self.mapping(node, &["max-file-size", "rule-timeout", "rule-memory"])? {
            let text = self.scalar(value)?;
            let bad = |e: String| self.invalid(value, format!("{key}: {e}"));
            match key {
                "max-file-size" => {
                    limits.max_file_size = Some(units::parse_size(text).map_err(bad)?)
                }
                "rule-timeout" => {
                    limits.rule_timeout = Some(units::parse_duration(text).map_err(bad)?)
                }
                _ => limits.rule_memory = Some(units::parse_size(text).map_err(bad)?),
            }
        }
        Ok(limits)
    }

    fn exception(&self, node: &Node) -> Result<Exception, Error> {
        let mut rule = None;
        let mut paths = Vec::new();
        let mut object = None;
        let (mut reason, mut owner, mut expires) = (None, None, None);
        for (key, value) in self.mapping(
            node,
            &["rule", "path", "object", "reason", "owner", "expires"],
        )? {
            match key {
                "rule" => rule = Some(self.string(value)?.to_owned()),
                "path" => paths = self.spanned_strings(value)?,
                "object" => {
                    let mut selector = ObjectSelector::default();
                    for (field, v) in self.mapping(value, &["kind", "name", "namespace"])? {
                        let v = Some(self.string(v)?.to_owned());
                        match field {
                            "kind" => selector.kind = v,
                            "name" => selector.name = v,
                            _ => selector.namespace = v,
                        }
                    }
                    object = Some(selector);
                }
                "reason" => reason = Some(self.string(value)?.to_owned()),
                "owner" => owner = Some(self.string(value)?.to_owned()),
                _ => {
                    let text = self.scalar(value)?;
                    expires = Some(Date::parse(text).ok_or_else(|| {
                        self.invalid(
                            value,
                            format!("expires: `{text}` is not a date (YYYY-MM-DD)"),
                        )
                    })?);
                }
            }
        }
        let missing = |what: &str, why: &str| {
            self.invalid(node, format!("an exception needs `{what}` ({why})"))
        };
        Ok(Exception {
            rule: rule.ok_or_else(|| missing("rule", "the rule id it lifts"))?,
            matcher: Excludes::new(paths.iter().map(|p| p.value.as_str()))
                .map_err(|(i, message)| self.invalid_at(paths[i].at, message))?,
            paths: paths.into_iter().map(|p| p.value).collect(),
            object,
            reason: reason.ok_or_else(|| missing("reason", "why the rule does not apply"))?,
            owner: owner.ok_or_else(|| missing("owner", "who answers for it"))?,
            expires: expires
                .ok_or_else(|| missing("expires", "the last day it applies, YYYY-MM-DD"))?,
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

/// The allowed key closest to `key` by edit distance, if close enough to be
/// a typo.
fn closest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
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
            "repo/.bulwark.yaml:2:1: unknown key `fail_on` (did you mean `fail-on`?); expected one of: fail-on, pss-level, enable, disable, severity, exclude, rules, trusted-keys, limits, exceptions"
        );
        assert!(error("fail-on: urgent\n").starts_with("repo/.bulwark.yaml:1:10: "));
        assert!(error("pss-level: strict\n").contains("expected `baseline` or `restricted`"));
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
    fn is_found_upward() {
        let dir = tempfile::tempdir().expect("tempdir");
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).expect("mkdir");
        assert_eq!(Config::discover(&nested), None);
        std::fs::write(dir.path().join(FILE_NAME), "fail-on: low\n").expect("write");
        let found = Config::discover(&nested).expect("found");
        assert_eq!(
            found,
            dir.path()
                .canonicalize()
                .expect("canonical")
                .join(FILE_NAME)
        );
    }
}
