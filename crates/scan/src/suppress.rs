//! Setting findings aside, traceably: inline `# bulwark:ignore` comments,
//! `bulwark.dev/ignore.RULE` annotations on Kubernetes objects, and the
//! exceptions of `.bulwark.yaml`.
//!
//! A suppression needs a reason. One without is itself a finding
//! ([`MISSING_REASON`]) and suppresses nothing. Every suppression that
//! applied is listed in the report and the evidence.

use std::sync::Arc;

use bulwark_config::{Config, Date, Exception};
use bulwark_core::{Document, Finding, InputKind, Node, Severity, Span, Value};
use bulwark_core::{Suppressed, SuppressionKind};

/// The rule id of a suppression written without a reason.
pub const MISSING_REASON: &str = "bulwark-suppression-reason";

/// The comment marker of an inline suppression.
const MARKER: &str = "bulwark:ignore";

/// The annotation prefix of an object's suppressions.
const ANNOTATION: &str = "bulwark.dev/ignore.";

/// The exceptions in force, and where they were written.
pub struct Suppressor<'a> {
    exceptions: Vec<&'a Exception>,
    config_file: String,
}

impl<'a> Suppressor<'a> {
    /// The suppressor of a run: `config`'s exceptions that have not expired
    /// on `today`.
    pub fn new(config: Option<&'a Config>, today: Date) -> Suppressor<'a> {
        Suppressor {
            exceptions: config
                .map(|c| c.exceptions.iter().filter(|e| !e.expired(today)).collect())
                .unwrap_or_default(),
            config_file: config
                .map(|c| c.path.display().to_string())
                .unwrap_or_default(),
        }
    }

    /// Splits `findings` of `doc` into those reported and those set aside;
    /// `path` is the file relative to the configuration's directory (none
    /// for standard input). Suppressions without a reason add findings.
    pub fn apply(
        &self,
        doc: &Document,
        path: Option<&str>,
        findings: Vec<Finding>,
    ) -> (Vec<Finding>, Vec<Suppressed>) {
        if findings.is_empty() {
            return (findings, Vec::new());
        }
        let object = Object::of(doc);
        let mut kept = Vec::with_capacity(findings.len());
        let mut suppressed = Vec::new();
        let mut unreasoned = Vec::new();
        for finding in findings {
            match self.why(doc, &object, path, &finding) {
                Some(Ok(s)) => suppressed.push(s),
                Some(Err(span)) => {
                    unreasoned.push(missing_reason(doc, span, &finding.rule_id));
                    kept.push(finding);
                }
                None => kept.push(finding),
            }
        }
        kept.extend(unreasoned);
        (kept, suppressed)
    }

    /// Why `finding` is set aside; `Err(span)` for a suppression at `span`
    /// that gives no reason.
    fn why(
        &self,
        doc: &Document,
        object: &Object<'_>,
        path: Option<&str>,
        finding: &Finding,
    ) -> Option<Result<Suppressed, Span>> {
        let source = &doc.source;
        let set_aside =
            |kind, reason: &str, at: Span, owner: Option<&str>, expires: Option<Date>| {
                let declared = source.location(at);
                Suppressed {
                    rule_id: finding.rule_id.clone(),
                    severity: finding.severity,
                    file: finding.file.clone(),
                    line: finding.location.line,
                    column: finding.location.column,
                    end: (finding.location.end_line, finding.location.end_column),
                    template: finding.template.clone(),
                    fingerprint: String::new(),
                    message: finding.message.clone(),
                    kind,
                    reason: reason.to_owned(),
                    owner: owner.map(str::to_owned),
                    expires: expires.map(|d| d.to_string()),
                    declared_at: format!("{}:{}", source.name(), declared.line),
                }
            };
        if let Some((span, reason)) = inline(source.text(), source.line_starts(), finding) {
            return Some(match reason {
                Some(reason) => Ok(set_aside(SuppressionKind::Inline, reason, span, None, None)),
                None => Err(span),
            });
        }
        if let Some(node) = object.annotation(&finding.rule_id) {
            return Some(
                match node.as_str().map(str::trim).filter(|r| !r.is_empty()) {
                    Some(reason) => Ok(set_aside(
                        SuppressionKind::Annotation,
                        reason,
                        node.span,
                        None,
                        None,
                    )),
                    None => Err(node.span),
                },
            );
        }
        let exception = self.exceptions.iter().find(|e| {
            *e.rule == *finding.rule_id
                && (e.paths.is_empty() || path.is_some_and(|p| e.covers_path(p)))
                && e.object.as_ref().is_none_or(|o| {
                    doc.kind == InputKind::Kubernetes
                        && o.matches(object.kind, object.name, object.namespace)
                })
        })?;
        let mut s = set_aside(
            SuppressionKind::Exception,
            &exception.reason,
            Span::new(0, 0),
            Some(&exception.owner),
            Some(exception.expires),
        );
        s.declared_at = format!("{}:{}", self.config_file, exception.at.line);
        Some(Ok(s))
    }
}

/// What identifies a Kubernetes object, and its ignore annotations.
struct Object<'d> {
    kind: Option<&'d str>,
    name: Option<&'d str>,
    namespace: Option<&'d str>,
    annotations: Option<&'d Node>,
}

impl<'d> Object<'d> {
    fn of(doc: &'d Document) -> Object<'d> {
        if doc.kind != InputKind::Kubernetes {
            return Object {
                kind: None,
                name: None,
                namespace: None,
                annotations: None,
            };
        }
        let text = |pointer: &str| doc.root.pointer(pointer).and_then(Node::as_str);
        Object {
            kind: text("/kind"),
            name: text("/metadata/name"),
            namespace: text("/metadata/namespace"),
            annotations: doc.root.pointer("/metadata/annotations"),
        }
    }

    /// The `bulwark.dev/ignore.RULE` annotation's value node.
    fn annotation(&self, rule: &str) -> Option<&'d Node> {
        let Value::Object(members) = &self.annotations?.value else {
            return None;
        };
        members
            .iter()
            .find(|(k, _)| k.strip_prefix(ANNOTATION) == Some(rule))
            .map(|(_, v)| v)
    }
}

/// A `# bulwark:ignore RULE[,RULE…] -- reason` comment naming the
/// finding's rule, in the block of comment lines right above the line it
/// starts on: its span, and the reason if one is given.
fn inline<'t>(
    text: &'t str,
    line_starts: &[usize],
    finding: &Finding,
) -> Option<(Span, Option<&'t str>)> {
    let mut line = finding.location.line.checked_sub(1)?;
    while line >= 1 {
        let start = *line_starts.get(line - 1)?;
        let end = line_starts.get(line).copied().unwrap_or(text.len());
        let content = text.get(start..end)?.trim();
        let comment = content.strip_prefix('#')?;
        if let Some(directive) = comment.trim_start().strip_prefix(MARKER) {
            let (rules, reason) = match directive.split_once("--") {
                Some((rules, reason)) => (rules, Some(reason.trim()).filter(|r| !r.is_empty())),
                None => (directive, None),
            };
            if rules
                .split(|c: char| c == ',' || c.is_whitespace())
                .any(|r| r == &*finding.rule_id)
            {
                let span = Span::new(start, start + text[start..end].trim_end().len());
                return Some((span, reason));
            }
        }
        line -= 1;
    }
    None
}

/// The description of [`MISSING_REASON`], for reports that list rules.
pub fn missing_reason_rule() -> bulwark_core::RuleMeta {
    bulwark_core::RuleMeta {
        id: MISSING_REASON.to_owned(),
        title: "Suppression without a reason".to_owned(),
        severity: Severity::Medium,
        kinds: vec![
            InputKind::Dockerfile,
            InputKind::Compose,
            InputKind::Kubernetes,
            InputKind::HelmValues,
        ],
        controls: vec!["traceable-exceptions".to_owned()],
        remediation: "say why the rule does not apply: `# bulwark:ignore RULE -- reason`, or a non-empty `bulwark.dev/ignore.RULE` annotation".to_owned(),
        reads: Vec::new(),
        explanation: "# bulwark-suppression-reason: suppression without a reason\n\n## Why it matters\nA finding set aside without a reason cannot be reviewed later: nobody knows\nwhether the risk was accepted, misunderstood or hidden. bulwark applies a\nsuppression only when it says why, and lists every one that applied.\n\n## What the rule checks\nA `# bulwark:ignore RULE` comment without `-- reason`, or a\n`bulwark.dev/ignore.RULE` annotation with an empty value. The suppression\ndoes not apply: the finding it names is reported too.\n".to_owned(),
    }
}

/// The finding a suppression without a reason becomes.
fn missing_reason(doc: &Document, span: Span, rule: &str) -> Finding {
    Finding {
        rule_id: Arc::from(MISSING_REASON),
        severity: Severity::Medium,
        title: Arc::from("Suppression without a reason"),
        controls: Arc::from(vec!["traceable-exceptions".to_owned()]),
        file: Arc::from(doc.source.name()),
        location: doc.source.location(span),
        template: doc.template.clone(),
        message: format!("the suppression of `{rule}` gives no reason, so it does not apply"),
        detail: None,
        remediation: Arc::from(
            "say why the rule does not apply: `# bulwark:ignore RULE -- reason`, or a non-empty `bulwark.dev/ignore.RULE` annotation",
        ),
        module: Arc::from("bulwark"),
        pointer: String::new(),
        fingerprint: String::new(),
        kind: doc.kind,
        span,
        redactions: Vec::new(),
        pss: None,
        traced: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding_at(line: usize, rule: &str) -> Finding {
        let source = bulwark_core::SourceFile::new("f", "x\n");
        let mut f = missing_reason(
            &Document {
                kind: InputKind::Dockerfile,
                source: Arc::new(source),
                root: Node::null(Span::new(0, 0)),
                template: None,
            },
            Span::new(0, 1),
            "r",
        );
        f.rule_id = Arc::from(rule);
        f.location.line = line;
        f
    }

    fn starts(text: &str) -> Vec<usize> {
        bulwark_core::line_starts(text)
    }

    #[test]
    fn reads_the_comment_block_above_the_finding() {
        let text = "FROM a\n# bulwark:ignore cis-4.1-user,cis-4.6 -- runs as root by design\n  # other comment\nUSER root\n";
        let lines = starts(text);
        let (span, reason) = inline(text, &lines, &finding_at(4, "cis-4.6")).expect("found");
        assert_eq!(reason, Some("runs as root by design"));
        assert!(text[span.range()].starts_with("# bulwark:ignore"));
        assert!(inline(text, &lines, &finding_at(4, "cis-4.9")).is_none());
        // Not across a non-comment line.
        assert!(inline(text, &lines, &finding_at(1, "cis-4.6")).is_none());
        let bare = "# bulwark:ignore r1\nUSER root\n";
        assert_eq!(
            inline(bare, &starts(bare), &finding_at(2, "r1")).map(|s| s.1),
            Some(None)
        );
        let empty = "# bulwark:ignore r1 --   \nUSER root\n";
        assert_eq!(
            inline(empty, &starts(empty), &finding_at(2, "r1")).map(|s| s.1),
            Some(None)
        );
    }
}
