//! SARIF 2.1.0, as GitHub code scanning reads it.
//!
//! One run: `tool.driver.rules` describes every rule that can report
//! (descriptions, help in text and Markdown, `helpUri`, tags and
//! `security-severity`); each finding is a result with its rule, level,
//! physical location (repository-relative, under `%SRCROOT%`),
//! `partialFingerprints` that ignore line numbers (see
//! [`crate::fingerprint`]) and, for documents rendered from a Helm
//! template, the template as a related location. Suppressed findings are
//! results too, with a `suppressions` entry saying who set them aside and
//! why. Input errors, rule failures and notices are tool execution
//! notifications of the run's invocation.
//!
//! Like the JSON report it is written as the scan goes: the header with
//! the rules, each file's results, then the suppressed results and the
//! invocation.

use std::collections::HashMap;
use std::io;

use bulwark_core::{Finding, RuleMeta, Severity};
use serde::Serialize;

use crate::pretty::Pretty;
use serde_json::{Map, Value, json};

use crate::locate::{Locator, Lookup};
use codespan_reporting::term::termcolor::WriteColor;

use crate::format::{Format, Sequence, Writer};
use crate::model::{FileReport, Tail};
use bulwark_core::{Suppressed, SuppressionKind, Verdict};

/// The key of bulwark's fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "bulwark/v1";

/// The schema URI written into the log.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// One rule as the log describes it.
#[derive(Debug, Clone)]
pub struct SarifRule {
    /// Its metadata, with the severity in effect for this run.
    pub meta: RuleMeta,
    /// Where its documentation is, when it has a page.
    pub help_uri: Option<String>,
}

/// A SARIF 2.1.0 log, for code scanning: what it says about the tool and
/// where files are.
#[derive(Debug)]
pub struct Sarif {
    /// bulwark's version.
    pub tool_version: String,
    /// bulwark's home page.
    pub information_uri: String,
    /// Every rule a result may name, in `ruleIndex` order.
    pub rules: Vec<SarifRule>,
    /// Maps file names to repository paths.
    pub locator: Locator,
    index: HashMap<String, usize>,
}

impl Sarif {
    /// A run describing `rules`.
    pub fn new(
        tool_version: String,
        information_uri: String,
        rules: Vec<SarifRule>,
        locator: Locator,
    ) -> Sarif {
        let index = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.meta.id.clone(), i))
            .collect();
        Sarif {
            tool_version,
            information_uri,
            rules,
            locator,
            index,
        }
    }
}

impl Format for Sarif {
    fn render(&self, file: &FileReport) -> io::Result<Vec<u8>> {
        render_results(self, &file.findings)
    }

    fn begin<'w>(
        &'w self,
        out: &'w mut dyn WriteColor,
        _early: &[bulwark_core::ScanError],
    ) -> io::Result<Box<dyn Writer + 'w>> {
        write_header(out, self)?;
        Ok(Sequence::json_elements(
            out,
            Box::new(move |out, parts, tail| write_tail(out, self, parts > 0, tail)),
        ))
    }
}

/// A SARIF level for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (0–10; ≥9 critical, ≥7 high, ≥4 medium,
/// else low). Informational rules carry none.
fn security_severity(severity: Severity) -> Option<&'static str> {
    match severity {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

/// `docker-user-root` → `DockerUserRoot`.
fn pascal_case(id: &str) -> String {
    id.split(['-', '_', '.'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

/// The first paragraph under "Why it matters" in a rule's explanation, or
/// else its first paragraph of prose, on one line.
fn full_description(meta: &RuleMeta) -> String {
    let text = &meta.explanation;
    let start = text
        .find("## Why it matters")
        .and_then(|at| text[at..].find('\n').map(|nl| at + nl + 1))
        .unwrap_or(0);
    let paragraph: Vec<&str> = text[start..]
        .lines()
        .skip_while(|l| l.trim().is_empty() || l.starts_with('#') || l.starts_with("**"))
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::trim)
        .collect();
    if paragraph.is_empty() {
        format!("{} {}", meta.title, meta.remediation)
    } else {
        paragraph.join(" ")
    }
}

fn rule_descriptor(rule: &SarifRule) -> Value {
    let meta = &rule.meta;
    let mut tags = vec!["security".to_owned()];
    tags.extend(meta.controls.iter().cloned());
    tags.extend(meta.kinds.iter().map(|k| k.as_str().to_owned()));
    let mut properties = Map::new();
    properties.insert("tags".into(), json!(tags));
    properties.insert("precision".into(), json!("high"));
    properties.insert("severity".into(), json!(meta.severity.to_string()));
    if let Some(score) = security_severity(meta.severity) {
        properties.insert("security-severity".into(), json!(score));
    }
    let controls = meta.controls.join(", ");
    let explanation = meta.explanation.trim();
    let mut descriptor = json!({
        "id": meta.id,
        "name": pascal_case(&meta.id),
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": full_description(meta)},
        "help": {
            "text": format!("{explanation}\n\nFix: {}\nControls: {controls}", meta.remediation),
            "markdown": format!("{explanation}\n\n**Fix:** {}\n\n**Controls:** {controls}", meta.remediation),
        },
        "defaultConfiguration": {"level": level(meta.severity)},
        "properties": properties,
    });
    if let (Some(uri), Some(object)) = (&rule.help_uri, descriptor.as_object_mut()) {
        object.insert("helpUri".into(), json!(uri));
    }
    descriptor
}

/// An artifact location: a URI, relative to the repository root when
/// `%SRCROOT%` is its base.
#[derive(Serialize, Clone, Debug)]
struct Artifact {
    uri: String,
    #[serde(rename = "uriBaseId", skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

/// An artifact location for `path`, relative to the repository root.
fn in_repository(path: &str) -> Artifact {
    Artifact {
        uri: crate::locate::percent_encode(path),
        uri_base_id: Some("%SRCROOT%"),
    }
}

/// An artifact location for `path`, with no base.
fn unbased(path: &str) -> Artifact {
    Artifact {
        uri: crate::locate::percent_encode(path),
        uri_base_id: None,
    }
}

/// An artifact location for the reported file `name`.
fn artifact(lookup: &mut Lookup<'_>, name: &str) -> Artifact {
    match lookup.relative(name) {
        Some(path) => in_repository(&path),
        None => unbased(&name.replace('\\', "/")),
    }
}

/// A region; its end only when it is past its start. Members are written
/// in name order, as every object of the log is.
#[derive(Serialize, Debug)]
struct Region {
    #[serde(rename = "endColumn", skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    #[serde(rename = "endLine", skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(rename = "startColumn", skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    #[serde(rename = "startLine")]
    start_line: usize,
}

fn region(line: usize, column: usize, end: Option<(usize, usize)>) -> Region {
    let end = end.filter(|&e| e > (line, column));
    Region {
        end_column: end.map(|(_, c)| c.max(1)),
        end_line: end.map(|(l, _)| l),
        start_column: Some(column.max(1)),
        start_line: line.max(1),
    }
}

#[derive(Serialize)]
struct Physical {
    #[serde(rename = "artifactLocation")]
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
struct Located {
    #[serde(rename = "physicalLocation")]
    physical_location: Physical,
}

#[derive(Serialize)]
struct Related {
    id: u32,
    message: Message,
    #[serde(rename = "physicalLocation")]
    physical_location: ArtifactOnly,
}

#[derive(Serialize)]
struct ArtifactOnly {
    #[serde(rename = "artifactLocation")]
    artifact_location: Artifact,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

/// The result's locations, and the related location of its template.
fn locations(
    lookup: &mut Lookup<'_>,
    file: &str,
    template: Option<&str>,
    at: (usize, usize, Option<(usize, usize)>),
) -> ([Located; 1], Option<[Related; 1]>, Option<String>) {
    let (line, column, end) = at;
    let in_chart = template.and_then(|t| lookup.chart_template(file, t));
    let related = template.map(|t| {
        // Inside a chart scanned here, the template's repository path;
        // otherwise Helm's name for it (`chart/templates/…`), which is
        // relative to a chart this run did not see, so no base.
        let artifact = match &in_chart {
            Some(path) => in_repository(path),
            None => unbased(t),
        };
        [Related {
            id: 1,
            message: Message {
                text: "the Helm template this document was rendered from".to_owned(),
            },
            physical_location: ArtifactOnly {
                artifact_location: artifact,
            },
        }]
    });
    match in_chart {
        // The chart's rendered output is no file in the repository: the
        // finding is put on its template, and the message says which line
        // of the rendered output it is on.
        Some(path) => (
            [Located {
                physical_location: Physical {
                    artifact_location: in_repository(&path),
                    region: Region {
                        end_column: None,
                        end_line: None,
                        start_column: None,
                        start_line: 1,
                    },
                },
            }],
            related,
            Some(format!(" (line {line} of the chart as rendered)")),
        ),
        None => (
            [Located {
                physical_location: Physical {
                    artifact_location: artifact(lookup, file),
                    region: region(line, column, end),
                },
            }],
            related,
            None,
        ),
    }
}

/// What a result says: the rule, its severity, the message, the
/// fingerprint.
struct Said<'a> {
    rule_id: &'a str,
    severity: Severity,
    text: String,
    fingerprint: &'a str,
}

/// `partialFingerprints`: bulwark's, under [`FINGERPRINT_KEY`].
struct Fingerprints<'a>(&'a str);

impl Serialize for Fingerprints<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(FINGERPRINT_KEY, self.0)?;
        map.end()
    }
}

/// One result, its members in name order; `P` its properties.
#[derive(Serialize)]
struct Out<'a, P> {
    level: &'static str,
    locations: [Located; 1],
    message: Message,
    #[serde(
        rename = "partialFingerprints",
        skip_serializing_if = "Option::is_none"
    )]
    partial_fingerprints: Option<Fingerprints<'a>>,
    properties: P,
    #[serde(rename = "relatedLocations", skip_serializing_if = "Option::is_none")]
    related_locations: Option<[Related; 1]>,
    #[serde(rename = "ruleId")]
    rule_id: &'a str,
    #[serde(rename = "ruleIndex", skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<Value>,
}

/// A suppressed result's properties.
#[derive(Serialize)]
struct SeverityOnly {
    severity: String,
}

/// A finding's properties, in name order. The judgement and the trace are
/// objects written in name order too, as values.
#[derive(Serialize)]
struct FindingProperties<'a> {
    controls: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    pointer: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pss: Option<Value>,
    severity: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    traced: Option<Value>,
}

/// Written member for member as its `Serialize` form is, with
/// [`Pretty`]: a result is written for every finding, and serde_json would
/// escape each of its member names byte by byte. The `Serialize` forms
/// stay the reference; a test writes generated results both ways.
trait Hand {
    fn hand(&self, w: &mut Pretty<'_>) -> io::Result<()>;
}

impl Hand for Artifact {
    fn hand(&self, w: &mut Pretty<'_>) -> io::Result<()> {
        w.begin_object();
        w.member("uri");
        w.string(&self.uri);
        if let Some(base) = self.uri_base_id {
            w.member("uriBaseId");
            w.string(base);
        }
        w.end_object();
        Ok(())
    }
}

impl Hand for Region {
    fn hand(&self, w: &mut Pretty<'_>) -> io::Result<()> {
        w.begin_object();
        for (name, value) in [
            ("endColumn", self.end_column),
            ("endLine", self.end_line),
            ("startColumn", self.start_column),
            ("startLine", Some(self.start_line)),
        ] {
            if let Some(value) = value {
                w.member(name);
                w.number(value);
            }
        }
        w.end_object();
        Ok(())
    }
}

impl Hand for Message {
    fn hand(&self, w: &mut Pretty<'_>) -> io::Result<()> {
        w.begin_object();
        w.member("text");
        w.string(&self.text);
        w.end_object();
        Ok(())
    }
}

impl Hand for Located {
    fn hand(&self, w: &mut Pretty<'_>) -> io::Result<()> {
        let physical = &self.physical_location;
        w.begin_object();
        w.member("physicalLocation");
        w.begin_object();
        w.member("artifactLocation");
        physical.artifact_location.hand(w)?;
        w.member("region");
        physical.region.hand(w)?;
        w.end_object();
        w.end_object();
        Ok(())
    }
}

impl Hand for Related {
    fn hand(&self, w: &mut Pretty<'_>) -> io::Result<()> {
        w.begin_object();
        w.member("id");
        w.number(self.id as usize);
        w.member("message");
        self.message.hand(w)?;
        w.member("physicalLocation");
        w.begin_object();
        w.member("artifactLocation");
        self.physical_location.artifact_location.hand(w)?;
        w.end_object();
        w.end_object();
        Ok(())
    }
}

impl Hand for FindingProperties<'_> {
    fn hand(&self, w: &mut Pretty<'_>) -> io::Result<()> {
        w.begin_object();
        w.member("controls");
        w.begin_array();
        for control in self.controls {
            w.item();
            w.string(control);
        }
        w.end_array();
        if let Some(image) = self.image {
            w.member("image");
            w.string(image);
        }
        w.member("pointer");
        w.string(self.pointer);
        if let Some(pss) = &self.pss {
            w.member("pss");
            w.value(pss)?;
        }
        w.member("severity");
        w.string(&self.severity);
        if let Some(traced) = &self.traced {
            w.member("traced");
            w.value(traced)?;
        }
        w.end_object();
        Ok(())
    }
}

/// A one-element array of `item`.
fn one(w: &mut Pretty<'_>, item: &impl Hand) -> io::Result<()> {
    w.begin_array();
    w.item();
    item.hand(w)?;
    w.end_array();
    Ok(())
}

impl<P: Hand> Hand for Out<'_, P> {
    fn hand(&self, w: &mut Pretty<'_>) -> io::Result<()> {
        w.begin_object();
        w.member("level");
        w.string(self.level);
        w.member("locations");
        let [located] = &self.locations;
        one(w, located)?;
        w.member("message");
        self.message.hand(w)?;
        if let Some(Fingerprints(fingerprint)) = &self.partial_fingerprints {
            w.member("partialFingerprints");
            w.begin_object();
            w.member(FINGERPRINT_KEY);
            w.string(fingerprint);
            w.end_object();
        }
        w.member("properties");
        self.properties.hand(w)?;
        if let Some([related]) = &self.related_locations {
            w.member("relatedLocations");
            one(w, related)?;
        }
        w.member("ruleId");
        w.string(self.rule_id);
        if let Some(index) = self.rule_index {
            w.member("ruleIndex");
            w.number(index);
        }
        if let Some(suppressions) = &self.suppressions {
            w.member("suppressions");
            w.value(suppressions)?;
        }
        w.end_object();
        Ok(())
    }
}

fn result<'a, P>(
    run: &Sarif,
    lookup: &mut Lookup<'_>,
    said: Said<'a>,
    file: &str,
    template: Option<&str>,
    at: (usize, usize, Option<(usize, usize)>),
    properties: P,
) -> Out<'a, P> {
    let Said {
        rule_id,
        severity,
        text,
        fingerprint,
    } = said;
    let (locations, related_locations, suffix) = locations(lookup, file, template, at);
    Out {
        level: level(severity),
        locations,
        message: Message {
            text: text + suffix.as_deref().unwrap_or_default(),
        },
        partial_fingerprints: (!fingerprint.is_empty()).then_some(Fingerprints(fingerprint)),
        properties,
        related_locations,
        rule_id,
        rule_index: run.index.get(rule_id).copied(),
        suppressions: None,
    }
}

fn finding_result<'a>(
    run: &Sarif,
    lookup: &mut Lookup<'_>,
    f: &'a Finding,
) -> Out<'a, FindingProperties<'a>> {
    let mut text = f.message.clone();
    if let Some(detail) = &f.detail {
        text.push('\n');
        text.push_str(detail);
    }
    // An image finding traced to its Dockerfile is located on the
    // instruction; the image and its path are in the message.
    let (file, at) = match &f.traced {
        Some(traced) => {
            text.push_str(&format!("\nin image {} ({})", f.file, f.pointer));
            if traced.base_image.is_some() {
                text.push_str(&format!("; {traced}"));
            }
            (traced.dockerfile.as_str(), (traced.line, 1, None))
        }
        None => (
            &*f.file,
            (
                f.location.line,
                f.location.column,
                Some((f.location.end_line, f.location.end_column)),
            ),
        ),
    };
    let properties = FindingProperties {
        controls: &f.controls,
        image: f.traced.as_ref().map(|_| &*f.file),
        pointer: &f.pointer,
        pss: f.pss.as_ref().map(|pss| json!(pss)),
        severity: f.severity.to_string(),
        traced: f.traced.as_ref().map(|traced| json!(traced)),
    };
    result(
        run,
        lookup,
        Said {
            rule_id: &f.rule_id,
            severity: f.severity,
            text,
            fingerprint: &f.fingerprint,
        },
        file,
        f.template.as_deref().filter(|_| f.traced.is_none()),
        at,
        properties,
    )
}

fn suppressed_result<'a>(
    run: &Sarif,
    lookup: &mut Lookup<'_>,
    s: &'a Suppressed,
) -> Out<'a, SeverityOnly> {
    let mut result = result(
        run,
        lookup,
        Said {
            rule_id: &s.rule_id,
            severity: s.severity,
            text: s.message.clone(),
            fingerprint: &s.fingerprint,
        },
        &s.file,
        s.template.as_deref(),
        (s.line, s.column, Some(s.end)),
        SeverityOnly {
            severity: s.severity.to_string(),
        },
    );
    let mut properties = Map::new();
    properties.insert("declaredAt".into(), json!(s.declared_at));
    properties.insert(
        "bulwarkKind".into(),
        json!(match s.kind {
            SuppressionKind::Inline => "inline",
            SuppressionKind::Annotation => "annotation",
            SuppressionKind::Exception => "exception",
        }),
    );
    if let Some(owner) = &s.owner {
        properties.insert("owner".into(), json!(owner));
    }
    if let Some(expires) = &s.expires {
        properties.insert("expires".into(), json!(expires));
    }
    result.suppressions = Some(json!([{
        "kind": if s.kind == SuppressionKind::Exception { "external" } else { "inSource" },
        "status": "accepted",
        "justification": s.reason,
        "properties": properties,
    }]));
    result
}

/// Pretty-printed `value` as if it sat `depth` levels deep (see
/// [`crate::pretty::nested`]).
fn indented(value: &impl Serialize, depth: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    crate::pretty::nested(&mut out, value, depth)?;
    Ok(out)
}

/// The log up to the opening of the results array.
fn write_header(out: &mut dyn io::Write, run: &Sarif) -> io::Result<()> {
    let driver = json!({
        "name": "bulwark",
        "version": run.tool_version,
        "semanticVersion": run.tool_version,
        "informationUri": run.information_uri,
        "rules": run.rules.iter().map(rule_descriptor).collect::<Vec<_>>(),
    });
    write!(
        out,
        "{{\n  \"$schema\": \"{SCHEMA_URI}\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": "
    )?;
    out.write_all(&indented(&json!({ "driver": driver }), 3)?)?;
    if let Some(root) = run.locator.root_uri() {
        out.write_all(b",\n      \"originalUriBaseIds\": ")?;
        out.write_all(&indented(&json!({"%SRCROOT%": {"uri": root}}), 3)?)?;
    }
    out.write_all(b",\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [")
}

/// One file's results, separated by commas.
fn render_results(run: &Sarif, findings: &[Finding]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut lookup = run.locator.lookup();
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(b"        ");
        finding_result(run, &mut lookup, f).hand(&mut Pretty::new(&mut out, 4))?;
    }
    Ok(out)
}

/// The suppressed results, the invocation and the end of the log; `any`
/// says whether results were written before.
fn write_tail(out: &mut dyn io::Write, run: &Sarif, any: bool, tail: Tail<'_>) -> io::Result<()> {
    let mut any = any;
    let mut lookup = run.locator.lookup();
    for s in tail.suppressed {
        out.write_all(if any { b",\n        " } else { b"\n        " })?;
        out.write_all(&indented(&suppressed_result(run, &mut lookup, s), 4)?)?;
        any = true;
    }
    out.write_all(if any { b"\n      ],\n" } else { b"],\n" })?;
    let mut notifications = Vec::new();
    for e in tail.errors {
        let mut location = Map::new();
        location.insert(
            "artifactLocation".into(),
            json!(artifact(&mut lookup, &e.file)),
        );
        if let Some(line) = e.line {
            location.insert(
                "region".into(),
                json!(region(line, e.column.unwrap_or(1), None)),
            );
        }
        notifications.push(json!({
            "level": "error",
            "message": {"text": e.message},
            "descriptor": {"id": "input-error"},
            "properties": {"code": e.code},
            "locations": [{"physicalLocation": location}],
        }));
    }
    for failure in tail.failures {
        let mut n = json!({
            "level": "error",
            "message": {"text": failure.to_string()},
            "descriptor": {"id": "rule-failure"},
            "locations": [{"physicalLocation": {"artifactLocation": artifact(&mut lookup, &failure.file)}}],
        });
        if let (Some(rule), Some(object)) = (&failure.rule_id, n.as_object_mut()) {
            let mut associated = json!({ "id": rule });
            if let (Some(index), Some(a)) = (run.index.get(rule), associated.as_object_mut()) {
                a.insert("index".into(), json!(index));
            }
            object.insert("associatedRule".into(), associated);
        }
        notifications.push(n);
    }
    for notice in tail.notices {
        notifications.push(json!({"level": "note", "message": {"text": notice}}));
    }
    let invocation = json!([{
        "executionSuccessful": tail.failures.is_empty() && tail.errors.is_empty(),
        "toolExecutionNotifications": notifications,
    }]);
    out.write_all(b"      \"invocations\": ")?;
    out.write_all(&indented(&invocation, 3)?)?;
    let properties = json!({
        "verdict": tail.summary.verdict,
        "summary": tail.summary,
        "exceptions": tail.exceptions,
        "passed": tail.summary.verdict == Verdict::Pass,
        "coverage": bulwark_core::CoverageCounts::of(tail.coverage),
    });
    out.write_all(b",\n      \"properties\": ")?;
    out.write_all(&indented(&properties, 3)?)?;
    out.write_all(b"\n    }\n  ]\n}\n")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(&["a", "Z9", " ", "\"", "\\", "\n", "\u{1}", "é", "%20", "/"][..]),
            0..6,
        )
        .prop_map(|p| p.concat())
    }

    fn artifact() -> impl Strategy<Value = Artifact> {
        (text(), any::<bool>()).prop_map(|(uri, based)| Artifact {
            uri,
            uri_base_id: based.then_some("%SRCROOT%"),
        })
    }

    fn region() -> impl Strategy<Value = Region> {
        (
            prop::option::of(0usize..1000),
            prop::option::of(0usize..100_000),
            prop::option::of(0usize..1000),
            0usize..100_000,
        )
            .prop_map(|(end_column, end_line, start_column, start_line)| Region {
                end_column,
                end_line,
                start_column,
                start_line,
            })
    }

    fn value() -> impl Strategy<Value = Value> {
        (text(), prop::option::of(text()), 0u32..5).prop_map(
            |(a, b, n)| json!({"level": a, "namespace": b, "n": n, "empty": [], "list": [a, {}]}),
        )
    }

    proptest! {
        /// A finding's result written by hand is what serde_json writes
        /// of its `Serialize` form, at the depth results sit.
        #[test]
        fn results_by_hand_are_what_serde_json_writes(
            level in prop::sample::select(&["error", "warning", "note"][..]),
            artifact in artifact(),
            region in region(),
            message in text(),
            fingerprint in prop::option::of("[0-9a-f]{32}"),
            controls in prop::collection::vec(text(), 0..3),
            image in prop::option::of(text()),
            pointer in text(),
            pss in prop::option::of(value()),
            severity in text(),
            traced in prop::option::of(value()),
            related in prop::option::of((0u32..3, text(), artifact())),
            rule_id in text(),
            rule_index in prop::option::of(0usize..500),
            suppressions in prop::option::of(value()),
            depth in 0usize..6,
        ) {
            let out = Out {
                level,
                locations: [Located {
                    physical_location: Physical {
                        artifact_location: artifact,
                        region,
                    },
                }],
                message: Message { text: message },
                partial_fingerprints: fingerprint.as_deref().map(Fingerprints),
                properties: FindingProperties {
                    controls: &controls,
                    image: image.as_deref(),
                    pointer: &pointer,
                    pss,
                    severity,
                    traced,
                },
                related_locations: related.map(|(id, text, artifact)| {
                    [Related {
                        id,
                        message: Message { text },
                        physical_location: ArtifactOnly {
                            artifact_location: artifact,
                        },
                    }]
                }),
                rule_id: &rule_id,
                rule_index,
                suppressions,
            };
            let mut expected = Vec::new();
            crate::pretty::nested(&mut expected, &out, depth)?;
            let mut written = Vec::new();
            out.hand(&mut Pretty::new(&mut written, depth))?;
            prop_assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&expected)
            );
        }
    }
}
