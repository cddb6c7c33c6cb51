//! The result cache: what a file's evaluation gave (its findings and
//! suppressions as its report has them, secrets masked, and the spans of
//! its secrets), kept in the cache directory (`DIR/results/KEY.entry`) and
//! reused when nothing it depends on changed. No secret's text is written.
//!
//! The key binds the file's bytes and name, the kind it was declared as,
//! and everything about the run that could change what rules say of it:
//! bulwark's version, every module's digest, the settings modules hear,
//! the rules selected, the configuration's text (its exceptions, enable
//! and disable lists), the day when exceptions can expire, the Pod
//! Security labels of the run's namespaces, the rule limits. Only clean
//! evaluations are kept: a file with an input error, a rule failure or a
//! notice is evaluated again next time, as is an image. An entry that does
//! not parse, is of another format or names another key is ignored and
//! rewritten: it is never trusted. Its findings keep the fingerprints they
//! were given (which depend on nothing the key does not bind); reports,
//! baselines and severities are made from it exactly as from a fresh
//! evaluation.
//!
//! Reading the entries is most of what a cached run does, so an entry is
//! binary: a header naming the format ([`MAGIC`]), the record in postcard
//! (fields in order, integers as varints, strings as length and bytes;
//! nothing to unescape, no member names to match), and a CRC-32 of all that
//! precedes it. An entry cut short (a reader meeting one still being
//! written), damaged anywhere, or left with bytes over is unsound.

use std::path::PathBuf;
use std::sync::Arc;

use bulwark_core::{
    Finding, InputKind, Location, PssJudgement, Severity, Span, Suppressed, SuppressionKind, Traced,
};
use serde::{Deserialize, Serialize};

/// What every entry starts with: the format's name and version. Entries
/// of another format (the JSON of earlier versions included) are unsound.
const MAGIC: &[u8] = b"bulwark results 4\n";

/// The result cache of one run.
#[derive(Debug, Clone)]
pub(crate) struct Results {
    dir: PathBuf,
    run: String,
}

/// What a file's evaluation gave, as kept.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) kind: Option<InputKind>,
    pub(crate) documents: usize,
    pub(crate) findings: Vec<Finding>,
    pub(crate) suppressed: Vec<Suppressed>,
    pub(crate) secrets: Vec<Span>,
}

/// What a file's evaluation gave, borrowed, to keep.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keep<'a> {
    pub(crate) kind: Option<InputKind>,
    pub(crate) documents: usize,
    pub(crate) findings: &'a [Finding],
    pub(crate) suppressed: &'a [Suppressed],
    pub(crate) secrets: &'a [Span],
}

/// An entry's record. Every type in it serialises every field, always, in
/// order: postcard has no names to skip by, so the core types that leave
/// empty fields out of JSON are mirrored here ([`KeptPss`], [`KeptTraced`],
/// [`KeptSuppressed`]).
#[derive(Serialize, Deserialize)]
struct Record {
    key: String,
    kind: Option<InputKind>,
    documents: usize,
    /// The file the findings are in.
    file: String,
    /// What the findings of one rule share, once.
    rules: Vec<KeptRule>,
    findings: Vec<KeptFinding>,
    suppressed: Vec<KeptSuppressed>,
    secrets: Vec<(usize, usize)>,
}

#[derive(Serialize, Deserialize, PartialEq)]
struct KeptRule {
    rule_id: String,
    title: String,
    controls: Vec<String>,
    remediation: String,
    module: String,
}

/// One finding.
#[derive(Serialize, Deserialize)]
struct KeptFinding(
    /// Its rule, in [`Record::rules`].
    usize,
    Severity,
    /// Line, column, end line, end column.
    (usize, usize, usize, usize),
    /// The template.
    Option<String>,
    /// The message.
    String,
    /// The detail.
    Option<String>,
    /// The pointer.
    String,
    InputKind,
    /// The span.
    (usize, usize),
    /// The redactions.
    Vec<(usize, usize)>,
    /// The fingerprint, as assigned when the entry was kept: it depends on
    /// nothing the key does not bind (the rule, the file's name and text,
    /// the secrets' spans, the findings before it).
    String,
    Option<KeptPss>,
    Option<KeptTraced>,
);

/// A [`PssJudgement`]: level, version, mode, namespace.
#[derive(Serialize, Deserialize)]
struct KeptPss(String, String, String, Option<String>);

impl KeptPss {
    fn of(p: &PssJudgement) -> KeptPss {
        KeptPss(
            p.level.clone(),
            p.version.clone(),
            p.mode.clone(),
            p.namespace.clone(),
        )
    }

    fn into_core(self) -> PssJudgement {
        let KeptPss(level, version, mode, namespace) = self;
        PssJudgement {
            level,
            version,
            mode,
            namespace,
        }
    }
}

/// A [`Traced`]: the Dockerfile, its line, the instruction, the base image.
#[derive(Serialize, Deserialize)]
struct KeptTraced(String, usize, String, Option<String>);

impl KeptTraced {
    fn of(t: &Traced) -> KeptTraced {
        KeptTraced(
            t.dockerfile.clone(),
            t.line,
            t.instruction.clone(),
            t.base_image.clone(),
        )
    }

    fn into_core(self) -> Traced {
        let KeptTraced(dockerfile, line, instruction, base_image) = self;
        Traced {
            dockerfile,
            line,
            instruction,
            base_image,
        }
    }
}

/// A [`Suppressed`], every field.
#[derive(Serialize, Deserialize)]
struct KeptSuppressed {
    rule_id: String,
    severity: Severity,
    file: String,
    line: usize,
    column: usize,
    end: (usize, usize),
    template: Option<String>,
    fingerprint: String,
    message: String,
    kind: SuppressionKind,
    reason: String,
    owner: Option<String>,
    expires: Option<String>,
    declared_at: String,
}

impl KeptSuppressed {
    fn of(s: &Suppressed) -> KeptSuppressed {
        KeptSuppressed {
            rule_id: s.rule_id.to_string(),
            severity: s.severity,
            file: s.file.to_string(),
            line: s.line,
            column: s.column,
            end: s.end,
            template: s.template.clone(),
            fingerprint: s.fingerprint.clone(),
            message: s.message.clone(),
            kind: s.kind,
            reason: s.reason.clone(),
            owner: s.owner.clone(),
            expires: s.expires.clone(),
            declared_at: s.declared_at.clone(),
        }
    }

    fn into_core(self) -> Suppressed {
        Suppressed {
            rule_id: Arc::from(self.rule_id),
            severity: self.severity,
            file: Arc::from(self.file),
            line: self.line,
            column: self.column,
            end: self.end,
            template: self.template,
            fingerprint: self.fingerprint,
            message: self.message,
            kind: self.kind,
            reason: self.reason,
            owner: self.owner,
            expires: self.expires,
            declared_at: self.declared_at,
        }
    }
}

fn span(s: Span) -> (usize, usize) {
    (s.start, s.end)
}

impl Results {
    /// The cache in `dir` for a run whose dependencies `run` describes.
    pub(crate) fn new(dir: PathBuf, run: &str) -> Results {
        Results {
            dir: dir.join("results"),
            run: bulwark_evidence::sha256_hex(run.as_bytes()),
        }
    }

    /// The key of the file `name` whose bytes have the SHA-256 `digest`
    /// (hex; the digest its evidence subject names, computed once),
    /// declared as `kind`.
    pub(crate) fn key(&self, name: &str, kind: Option<InputKind>, digest: &str) -> String {
        bulwark_evidence::sha256_hex(
            format!(
                "{}\0{}\0{}\0{}",
                self.run,
                name,
                kind.map(|k| k.to_string()).unwrap_or_default(),
                digest
            )
            .as_bytes(),
        )
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.entry"))
    }

    /// The entry kept under `key`, if there is a sound one. One that is
    /// not (cut short, damaged, of another format or key) is removed, so
    /// that [`Results::put`] writes it again.
    pub(crate) fn get(&self, key: &str) -> Option<Entry> {
        let path = self.path(key);
        let bytes = std::fs::read(&path).ok()?;
        let entry = sound(key, &bytes);
        if entry.is_none() {
            let _ = std::fs::remove_file(&path);
        }
        entry
    }

    /// Keeps `entry` under `key`; a cache that cannot be written is
    /// passed over.
    pub(crate) fn put(&self, key: &str, entry: Keep<'_>) {
        // One file's findings: one name, kept once.
        if let Some(first) = entry.findings.first()
            && entry.findings.iter().any(|f| f.file != first.file)
        {
            return;
        }
        let mut rules: Vec<KeptRule> = Vec::new();
        let mut rule_of = |f: &Finding| {
            let rule = KeptRule {
                rule_id: f.rule_id.to_string(),
                title: f.title.to_string(),
                controls: f.controls.to_vec(),
                remediation: f.remediation.to_string(),
                module: f.module.to_string(),
            };
            match rules.iter().position(|r| *r == rule) {
                Some(i) => i,
                None => {
                    rules.push(rule);
                    rules.len() - 1
                }
            }
        };
        let findings: Vec<KeptFinding> = entry
            .findings
            .iter()
            .map(|f| {
                let l = f.location;
                KeptFinding(
                    rule_of(f),
                    f.severity,
                    (l.line, l.column, l.end_line, l.end_column),
                    f.template.clone(),
                    f.message.clone(),
                    f.detail.clone(),
                    f.pointer.clone(),
                    f.kind,
                    span(f.span),
                    f.redactions.iter().copied().map(span).collect(),
                    f.fingerprint.clone(),
                    f.pss.as_ref().map(KeptPss::of),
                    f.traced.as_ref().map(KeptTraced::of),
                )
            })
            .collect();
        let record = Record {
            key: key.to_owned(),
            kind: entry.kind,
            documents: entry.documents,
            file: entry
                .findings
                .first()
                .map(|f| f.file.to_string())
                .unwrap_or_default(),
            rules,
            findings,
            suppressed: entry.suppressed.iter().map(KeptSuppressed::of).collect(),
            secrets: entry.secrets.iter().copied().map(span).collect(),
        };
        if let Some(bytes) = encode(&record) {
            self.write(key, &bytes);
        }
    }

    /// Writes the entry `key` straight under its name, created afresh
    /// (mode 0600): one directory operation per entry instead of a
    /// temporary file and a rename, which made writing the entries of a
    /// first run cost as much as evaluating the files. A reader that meets
    /// an entry still being written sees it cut short, which is unsound
    /// and evaluated again; an entry already there (another run's) is left
    /// as it is. The directory is made (private) with the first entry.
    fn write(&self, key: &str, bytes: &[u8]) {
        use std::io::Write as _;
        let path = self.path(key);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(mut file) => {
                if file.write_all(bytes).is_err() {
                    let _ = std::fs::remove_file(&path);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let _ = bulwark_engine::write_private(&path, bytes);
            }
            Err(_) => {}
        }
    }
}

/// `record` as an entry: [`MAGIC`], the record, the CRC-32 of both.
fn encode(record: &Record) -> Option<Vec<u8>> {
    let mut bytes = postcard::to_extend(record, MAGIC.to_vec()).ok()?;
    let sum = crc32fast::hash(&bytes);
    bytes.extend_from_slice(&sum.to_le_bytes());
    Some(bytes)
}

/// The record `bytes` hold, if they are a whole entry: [`MAGIC`], a
/// record and nothing more, and a checksum that matches.
fn decode(bytes: &[u8]) -> Option<Record> {
    let (body, sum) = bytes.split_last_chunk::<4>()?;
    let payload = body.strip_prefix(MAGIC)?;
    if crc32fast::hash(body) != u32::from_le_bytes(*sum) {
        return None;
    }
    match postcard::take_from_bytes::<Record>(payload) {
        Ok((record, [])) => Some(record),
        _ => None,
    }
}

/// The entry `bytes` hold, if they are a sound record of `key`.
fn sound(key: &str, bytes: &[u8]) -> Option<Entry> {
    let record = decode(bytes)?;
    if record.key != key {
        return None;
    }
    // Each rule's shared text once, shared by its findings.
    type Shared = (Arc<str>, Arc<str>, Arc<[String]>, Arc<str>, Arc<str>);
    let rules: Vec<Shared> = record
        .rules
        .into_iter()
        .map(|r| {
            (
                Arc::from(r.rule_id),
                Arc::from(r.title),
                Arc::from(r.controls),
                Arc::from(r.remediation),
                Arc::from(r.module),
            )
        })
        .collect();
    let file: Arc<str> = Arc::from(record.file);
    let mut findings = Vec::with_capacity(record.findings.len());
    for kept in record.findings {
        let KeptFinding(
            rule,
            severity,
            (line, column, end_line, end_column),
            template,
            message,
            detail,
            pointer,
            kind,
            (start, end),
            redactions,
            fingerprint,
            pss,
            traced,
        ) = kept;
        let (rule_id, title, controls, remediation, module) = rules.get(rule)?.clone();
        if !crate::fingerprint::well_formed(&fingerprint) {
            return None;
        }
        findings.push(Finding {
            rule_id,
            severity,
            title,
            controls,
            file: file.clone(),
            location: Location {
                line,
                column,
                end_line,
                end_column,
            },
            template,
            message,
            detail,
            remediation,
            module,
            pointer,
            fingerprint,
            kind,
            span: Span::new(start, end),
            redactions: redactions
                .into_iter()
                .map(|(a, b)| Span::new(a, b))
                .collect(),
            pss: pss.map(KeptPss::into_core),
            traced: traced.map(KeptTraced::into_core),
        });
    }
    Some(Entry {
        kind: record.kind,
        documents: record.documents,
        findings,
        suppressed: record
            .suppressed
            .into_iter()
            .map(KeptSuppressed::into_core)
            .collect(),
        secrets: record
            .secrets
            .into_iter()
            .map(|(a, b)| Span::new(a, b))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache under `dir/cache` and the key of a Dockerfile with `text`.
    fn dockerfile_cache(dir: &tempfile::TempDir, text: &[u8]) -> (Results, String) {
        let results = Results::new(dir.path().join("cache"), "run");
        let key = results.key("Dockerfile", None, &bulwark_evidence::sha256_hex(text));
        (results, key)
    }

    fn keep() -> Keep<'static> {
        Keep {
            kind: Some(InputKind::Dockerfile),
            documents: 1,
            findings: &[],
            suppressed: &[],
            secrets: &[],
        }
    }

    /// The first entry makes the directory (private); entries are written
    /// straight under their name (mode 0600), never over one already there;
    /// one cut short is removed when read, and written again.
    #[test]
    fn entries_are_created_once_and_unsound_ones_removed() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let (results, key) = dockerfile_cache(&dir, b"FROM scratch\n");
        assert!(results.get(&key).is_none());
        results.put(&key, keep());
        let path = results.path(&key);
        let written = std::fs::read(&path)?;
        assert!(results.get(&key).is_some_and(|e| e.documents == 1));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                std::fs::metadata(&path)?.permissions().mode() & 0o777,
                0o600
            );
            let dir_mode = std::fs::metadata(path.parent().ok_or("dir")?)?
                .permissions()
                .mode();
            assert_eq!(dir_mode & 0o777, 0o700);
        }

        // Another run's entry is left as it is.
        std::fs::write(&path, b"{\"other\":1}")?;
        results.put(&key, keep());
        assert_eq!(std::fs::read(&path)?, b"{\"other\":1}");

        // Unsound: removed on reading, written afresh by the next put.
        assert!(results.get(&key).is_none());
        assert!(!path.exists());
        results.put(&key, keep());
        assert_eq!(std::fs::read(&path)?, written);
        std::fs::write(&path, &written[..written.len() / 2])?;
        assert!(results.get(&key).is_none());
        results.put(&key, keep());
        assert!(results.get(&key).is_some());
        Ok(())
    }

    /// A finding is kept with its fingerprint and read back whole; one
    /// whose fingerprint is not one, or whose rule is not in the entry,
    /// makes the entry unsound.
    #[test]
    fn findings_are_kept_with_their_fingerprints() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let (results, key) = dockerfile_cache(&dir, b"FROM a\nUSER root\n");
        let finding = Finding {
            rule_id: "user".into(),
            severity: Severity::High,
            title: "t".into(),
            controls: Arc::from(vec!["CIS 4.1".to_owned()]),
            file: "Dockerfile".into(),
            location: Location {
                line: 2,
                column: 1,
                end_line: 2,
                end_column: 10,
            },
            template: None,
            message: "runs as root".to_owned(),
            detail: Some("d".to_owned()),
            remediation: "r".into(),
            module: "m".into(),
            pointer: "/stages/0".to_owned(),
            fingerprint: "0123456789abcdef0123456789abcdef".to_owned(),
            kind: InputKind::Dockerfile,
            span: Span::new(7, 16),
            redactions: vec![Span::new(12, 16)],
            pss: Some(PssJudgement {
                level: "restricted".to_owned(),
                version: "latest".to_owned(),
                mode: "enforce".to_owned(),
                namespace: Some("web".to_owned()),
            }),
            traced: Some(Traced {
                dockerfile: "Dockerfile".to_owned(),
                line: 1,
                instruction: "FROM a".to_owned(),
                base_image: Some("a".to_owned()),
            }),
        };
        let findings = [finding.clone()];
        let suppressed = [Suppressed {
            rule_id: "user".into(),
            severity: Severity::High,
            file: "Dockerfile".into(),
            line: 2,
            column: 1,
            end: (2, 10),
            template: Some("t.yaml".to_owned()),
            fingerprint: "0123456789abcdef0123456789abcdef".to_owned(),
            message: "runs as root".to_owned(),
            kind: SuppressionKind::Exception,
            reason: "why".to_owned(),
            owner: Some("team".to_owned()),
            expires: Some("2030-01-01".to_owned()),
            declared_at: "bulwark.toml:3".to_owned(),
        }];
        results.put(
            &key,
            Keep {
                findings: &findings,
                suppressed: &suppressed,
                ..keep()
            },
        );
        let entry = results.get(&key).ok_or("kept")?;
        assert_eq!(entry.findings, findings);
        assert_eq!(entry.suppressed, suppressed);

        let path = results.path(&key);
        let written = std::fs::read(&path)?;
        let damage: [fn(&mut KeptFinding); 2] =
            [|f| f.10 = "not a fingerprint".to_owned(), |f| f.0 = 1];
        for damage in damage {
            let mut record = decode(&written).ok_or("decodes")?;
            damage(record.findings.first_mut().ok_or("a finding")?);
            let broken = encode(&record).ok_or("encodes")?;
            std::fs::write(&path, &broken)?;
            assert!(decode(&broken).is_some(), "a whole entry");
            assert!(results.get(&key).is_none(), "but not a sound one");
            results.put(
                &key,
                Keep {
                    findings: &findings,
                    suppressed: &suppressed,
                    ..keep()
                },
            );
            assert_eq!(std::fs::read(&path)?, written);
        }
        Ok(())
    }

    /// An entry with any one byte changed, cut short anywhere, or with a
    /// byte over is unsound; the pristine one reads back.
    #[test]
    fn damage_anywhere_makes_an_entry_unsound() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let (results, key) = dockerfile_cache(&dir, b"FROM a\n");
        results.put(
            &key,
            Keep {
                secrets: &[Span::new(1, 3)],
                ..keep()
            },
        );
        let written = std::fs::read(results.path(&key))?;
        assert!(sound(&key, &written).is_some_and(|e| e.secrets == [Span::new(1, 3)]));
        assert!(sound("another key", &written).is_none());
        for i in 0..written.len() {
            for bit in [0x01, 0x80] {
                let mut broken = written.clone();
                broken[i] ^= bit;
                assert!(sound(&key, &broken).is_none(), "byte {i} ^ {bit:#x}");
            }
            assert!(sound(&key, &written[..i]).is_none(), "cut at {i}");
        }
        let mut longer = written.clone();
        longer.push(0);
        assert!(sound(&key, &longer).is_none());
        Ok(())
    }
}
