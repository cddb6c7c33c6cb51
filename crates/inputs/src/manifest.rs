//! YAML inputs: Compose files, Kubernetes manifests and Helm values.
//!
//! A YAML (or JSON) file is a stream of documents; each is classified on its
//! own:
//!
//! - a mapping with string `apiVersion` and `kind` is a Kubernetes object
//!   (a `…List` with `items` is split into its items, each located where it
//!   is written); unknown kinds and CRDs are kept, rules decide what applies;
//! - a mapping with a `services` mapping is a Compose file;
//! - a file named `values*.yaml` is Helm values, whatever it holds.
//!
//! Kubernetes documents must be rendered output, but Go-template text is
//! common in rendered output too (alert annotations, notification
//! templates, dashboards): template syntax is an input error only where it
//! cannot be text (see [`Templates`]). One document that fails never drops
//! the others of its file.

use std::sync::Arc;

use bulwark_core::{Document, InputKind, Node, SourceFile, Value};

use crate::error::{Error, ErrorKind};
use bulwark_yaml::{self as yaml, YamlDocument};

/// The kind a YAML file's name implies: `compose*.y*ml` and
/// `docker-compose*.y*ml` are Compose, `values*.y*ml` Helm values.
pub fn classify_yaml_name(lower: &str) -> Option<InputKind> {
    let stem = lower
        .strip_suffix(".yaml")
        .or_else(|| lower.strip_suffix(".yml"))?;
    if stem.starts_with("compose") || stem.starts_with("docker-compose") {
        Some(InputKind::Compose)
    } else if stem.starts_with("values") {
        Some(InputKind::HelmValues)
    } else {
        None
    }
}

/// Returns true if and only if `name` is a YAML or JSON file that may hold
/// inputs, to be decided by content.
pub fn is_yaml_name(lower: &str) -> bool {
    lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")
}

/// A cheap look at the text: could it hold a Kubernetes object or a Compose
/// file? Only then is an unnamed YAML file parsed.
pub fn sniff_yaml(text: &str) -> bool {
    if text.trim_start().starts_with(['{', '[']) {
        // JSON (or YAML flow style): keys anywhere.
        return (text.contains("\"apiVersion\"") || text.contains("apiVersion:"))
            && (text.contains("\"kind\"") || text.contains("kind:"));
    }
    let mut api_version = false;
    let mut kind = false;
    for line in text.lines() {
        let l = line.trim_start_matches(['{', ' ', '\t']);
        let top = line.len() - l.len() <= 1 || line.starts_with('{');
        if l.starts_with("services:") && !line.starts_with(' ') {
            return true;
        }
        api_version |= (top && l.starts_with("apiVersion:")) || l.starts_with("\"apiVersion\"");
        kind |= (top && l.starts_with("kind:")) || l.starts_with("\"kind\"");
        if api_version && kind {
            return true;
        }
    }
    false
}

/// What a YAML file held: its documents of interest, and an error for each
/// document that could not be read (the others are kept).
#[derive(Debug, Default)]
pub struct Parsed {
    /// The documents of interest, in file order.
    pub documents: Vec<Document>,
    /// One error per document that failed.
    pub errors: Vec<Error>,
}

/// How strictly template syntax (`{{ … }}`) is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Templates {
    /// Go-template text in a string value is text (Prometheus alert
    /// annotations, Alertmanager and Argo CD notification templates,
    /// Grafana dashboards, container arguments): only template syntax where
    /// YAML structure belongs (a key, a field Kubernetes reads as a number,
    /// boolean, list or mapping, or text that does not parse without it) is
    /// an unrendered template.
    Text,
    /// The file is a chart template (it lives under a chart's
    /// `templates/`): any template syntax means it was not rendered.
    Unrendered,
}

/// Parses `source` as YAML and returns its documents of interest.
///
/// With `declared`, every non-empty document is taken as that kind (a
/// Kubernetes document must still have `apiVersion` and `kind`); without,
/// each is classified by content and the others skipped. A document that
/// fails (YAML errors, unrendered templates, the wrong shape for the
/// declared kind) is an error in [`Parsed::errors`]; the other documents
/// of the file are still returned.
pub fn parse(source: Arc<SourceFile>, declared: Option<InputKind>, templates: Templates) -> Parsed {
    let mut out = Parsed::default();
    for parsed in yaml::parse_documents(&source) {
        let YamlDocument { root, helm_source } = match parsed {
            Ok(doc) => doc,
            Err(e) => {
                out.errors
                    .push(template_or(e, &source).with_source(source.clone()));
                continue;
            }
        };
        if matches!(root.value, Value::Null) {
            continue;
        }
        let kind = match declared {
            Some(kind) => Some(kind),
            None => classify(&root),
        };
        let Some(kind) = kind else { continue };
        let doc = |root: Node, template: Option<String>| Document {
            kind,
            source: source.clone(),
            root,
            template,
        };
        match kind {
            InputKind::Kubernetes => {
                if classify(&root) != Some(InputKind::Kubernetes) {
                    out.errors.push(shape(
                        &source,
                        &root,
                        "not a Kubernetes object: it needs string `apiVersion` and `kind` fields",
                    ));
                    continue;
                }
                for object in split_list(root) {
                    match find_template(&object, templates) {
                        Some(at) => {
                            let (line, column) = source.line_col(at);
                            out.errors.push(
                                Error::new(
                                    source.name(),
                                    line,
                                    column,
                                    ErrorKind::UnrenderedTemplate,
                                )
                                .with_source(source.clone()),
                            );
                        }
                        None => out.documents.push(doc(object, helm_source.clone())),
                    }
                }
            }
            InputKind::Compose | InputKind::HelmValues => {
                if !matches!(root.value, Value::Object(_)) {
                    out.errors.push(shape(
                        &source,
                        &root,
                        &format!("a {kind} document must be a mapping"),
                    ));
                    continue;
                }
                out.documents.push(doc(root, helm_source));
            }
            InputKind::Dockerfile => {
                out.errors
                    .push(shape(&source, &root, "a Dockerfile is not YAML"));
            }
            // An image document saved to a file (`*.image.json`): what
            // `--image` hands rules, written by hand or kept from a run.
            InputKind::Image => {
                let files = match &root.value {
                    Value::Object(fields) => fields.iter().find(|(k, _)| k == "files"),
                    _ => None,
                };
                if !files.is_some_and(|(_, v)| matches!(v.value, Value::Array(_))) {
                    out.errors.push(shape(
                        &source,
                        &root,
                        "an image document is a mapping with a `files` list (see wit/documents.md)",
                    ));
                    continue;
                }
                out.documents.push(doc(root, None));
            }
        }
    }
    out
}

/// A document that does not parse because of template syntax is an
/// unrendered template (at its first `{{`), not a YAML error.
fn template_or(e: yaml::DocumentError, source: &SourceFile) -> Error {
    let text = &source.text()[e.range.clone()];
    match text.find("{{") {
        Some(open) if text[open..].contains("}}") => {
            let (line, column) = source.line_col(e.range.start + open);
            Error::new(source.name(), line, column, ErrorKind::UnrenderedTemplate)
        }
        _ => Error::yaml(source.name(), e.error),
    }
}

fn shape(source: &Arc<SourceFile>, node: &Node, message: &str) -> Error {
    let (line, column) = source.line_col(node.span.start);
    Error::new(
        source.name(),
        line,
        column,
        ErrorKind::Shape(message.to_owned()),
    )
    .with_source(source.clone())
}

/// The kind a document's content implies.
fn classify(root: &Node) -> Option<InputKind> {
    let is_str = |key| root.get(key).and_then(Node::as_str).is_some();
    if is_str("apiVersion") && is_str("kind") {
        return Some(InputKind::Kubernetes);
    }
    match root.get("services").map(|s| &s.value) {
        Some(Value::Object(_)) => Some(InputKind::Compose),
        _ => None,
    }
}

/// A `List` (or `DeploymentList` …) with `items` becomes its items; other
/// objects stay as they are.
fn split_list(root: Node) -> Vec<Node> {
    let is_list = root
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k.ends_with("List"));
    if !is_list {
        return vec![root];
    }
    let Value::Object(fields) = root.value else {
        return Vec::new();
    };
    let Some((_, items)) = fields.into_iter().find(|(k, _)| k == "items") else {
        return Vec::new();
    };
    match items.value {
        Value::Array(items) => items
            .into_iter()
            .filter(|i| classify(i) == Some(InputKind::Kubernetes))
            .collect(),
        _ => Vec::new(),
    }
}

/// Fields Kubernetes reads as a number, boolean, list or mapping, never
/// as text: a template in their place is structure still to be rendered.
const STRUCTURAL_FIELDS: [&str; 48] = [
    "metadata",
    "spec",
    "template",
    "labels",
    "annotations",
    "selector",
    "matchLabels",
    "replicas",
    "containers",
    "initContainers",
    "ephemeralContainers",
    "volumes",
    "volumeMounts",
    "env",
    "envFrom",
    "ports",
    "containerPort",
    "hostPort",
    "resources",
    "limits",
    "requests",
    "securityContext",
    "capabilities",
    "add",
    "drop",
    "privileged",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "runAsNonRoot",
    "runAsUser",
    "runAsGroup",
    "fsGroup",
    "supplementalGroups",
    "seccompProfile",
    "seLinuxOptions",
    "appArmorProfile",
    "sysctls",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "hostUsers",
    "shareProcessNamespace",
    "automountServiceAccountToken",
    "hostPath",
    "tolerations",
    "affinity",
    "nodeSelector",
    "jobTemplate",
];

fn has_template(s: &str) -> bool {
    // Pair by pair rather than through `str::find`, which sets up a
    // substring searcher for every key and string of every document.
    let pair = |b: u8| move |w: &[u8]| w[0] == b && w[1] == b;
    let bytes = s.as_bytes();
    bytes
        .windows(2)
        .position(pair(b'{'))
        .is_some_and(|open| bytes[open..].windows(2).any(pair(b'}')))
}

/// Where `node` holds template syntax that cannot be text: in a key, in
/// place of a structural field's value, or anywhere in a chart template.
/// Template syntax inside a string value elsewhere is text.
fn find_template(node: &Node, templates: Templates) -> Option<usize> {
    let mut stack = vec![(None, node)];
    while let Some((key, n)) = stack.pop() {
        match &n.value {
            Value::String(s) if has_template(s) => {
                let structural = key.is_some_and(|k: &str| STRUCTURAL_FIELDS.contains(&k));
                if templates == Templates::Unrendered || structural {
                    return Some(n.span.start);
                }
            }
            Value::Array(items) => stack.extend(items.iter().rev().map(|i| (key, i))),
            Value::Object(fields) => {
                for (k, v) in fields.iter().rev() {
                    if has_template(k) {
                        return Some(v.span.start);
                    }
                    stack.push((Some(k.as_str()), v));
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `has_template` answers what finding `{{` and then `}}` as
    /// substrings answers, on every text of up to seven braces and letters.
    #[test]
    fn template_syntax_is_found_as_substrings_find_it() {
        let mut texts = vec![String::new()];
        for _ in 0..7 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|t| t.len() == texts.last().map_or(0, String::len))
                .flat_map(|t| ['{', '}', 'a'].map(|c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        for text in &texts {
            let expected = text
                .find("{{")
                .is_some_and(|open| text[open..].contains("}}"));
            assert_eq!(has_template(text), expected, "{text:?}");
        }
        assert!(texts.len() > 3_000);
    }

    /// The documents, or the first error.
    fn docs(name: &str, text: &str, declared: Option<InputKind>) -> Result<Vec<Document>, Error> {
        let mut parsed = parse(
            Arc::new(SourceFile::new(name, text)),
            declared,
            Templates::Text,
        );
        match parsed.errors.is_empty() {
            true => Ok(parsed.documents),
            false => Err(parsed.errors.remove(0)),
        }
    }

    #[test]
    fn classifies_names() {
        assert_eq!(classify_yaml_name("compose.yaml"), Some(InputKind::Compose));
        assert_eq!(
            classify_yaml_name("docker-compose.prod.yml"),
            Some(InputKind::Compose)
        );
        assert_eq!(
            classify_yaml_name("values-prod.yaml"),
            Some(InputKind::HelmValues)
        );
        assert_eq!(classify_yaml_name("deploy.yaml"), None);
        assert_eq!(classify_yaml_name("compose.json"), None);
    }

    #[test]
    fn sniffs_manifests_and_compose_files() {
        assert!(sniff_yaml("# x\napiVersion: v1\nkind: Pod\n"));
        assert!(sniff_yaml("---\n# Source: x\napiVersion: v1\nkind: Pod\n"));
        assert!(sniff_yaml(
            "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\"\n}"
        ));
        assert!(sniff_yaml("version: '3'\nservices:\n  web: {}\n"));
        assert!(!sniff_yaml("name: CI\non: push\njobs: {}\n"));
        assert!(!sniff_yaml("apiVersion: v2\nname: chart\n"));
        assert!(!sniff_yaml("x:\n  services:\n    a: 1\n"));
        assert!(sniff_yaml("{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}"));
        assert!(!sniff_yaml("{\"name\": \"x\", \"kind\": \"library\"}"));
    }

    #[test]
    fn classifies_each_document_and_splits_lists() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Service\n---\nname: not-an-object\n---\napiVersion: v1\nkind: ConfigMap\n";
        let found = docs("m.yaml", text, None).expect("parses");
        let kinds: Vec<_> = found
            .iter()
            .map(|d| d.root.get("kind").and_then(Node::as_str).unwrap_or(""))
            .collect();
        assert_eq!(kinds, ["Pod", "Service", "ConfigMap"]);
        let pod = &found[0];
        assert_eq!(pod.source.line_col(pod.root.span.start), (4, 3));
    }

    #[test]
    fn go_template_text_in_values_is_text() {
        // What `helm template` prints for charts that ship alerting rules,
        // dashboards and templated arguments.
        let text = "---\n# Source: mon/templates/rules.yaml\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: alerts\nspec:\n  groups:\n  - name: node\n    rules:\n    - alert: Down\n      annotations:\n        description: \"{{ $labels.instance }} is down\"\n        summary: '{{ printf \"%.2f\" $value }}'\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dashboards\ndata:\n  d.json: |\n    {\"title\": \"{{ .Values.x }}\", \"expr\": \"up{job=\\\"{{job}}\\\"}\"}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: x\n    args: [\"--format={{.Name}}\"]\n    securityContext: {privileged: true}\n";
        let found = docs("out.yaml", text, None).expect("all text");
        let kinds: Vec<_> = found
            .iter()
            .map(|d| d.root.get("kind").and_then(Node::as_str).unwrap_or(""))
            .collect();
        assert_eq!(kinds, ["PrometheusRule", "ConfigMap", "Pod"]);
    }

    #[test]
    fn rejects_templates_where_structure_belongs() {
        let e = docs(
            "d.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: \"{{ .Values.hostNetwork }}\"\n",
            None,
        )
        .expect_err("template");
        assert!(matches!(e.kind(), ErrorKind::UnrenderedTemplate));
        assert_eq!((e.line(), e.column()), (Some(4), Some(16)));
        let e = docs(
            "d.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    \"{{ .Values.key }}\": x\n",
            None,
        )
        .expect_err("template key");
        assert!(matches!(e.kind(), ErrorKind::UnrenderedTemplate));
        // Not even YAML: still named as a template.
        let e = docs(
            "d.yaml",
            "apiVersion: v1\nkind: Pod\n{{- include \"x\" . }}\nspec: {}\n",
            None,
        )
        .expect_err("template");
        assert!(matches!(e.kind(), ErrorKind::UnrenderedTemplate));
        assert_eq!(e.line(), Some(3));
        // A chart template: any template syntax is unrendered.
        let parsed = parse(
            Arc::new(SourceFile::new(
                "chart/templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"{{ .Release.Name }}\"\n",
            )),
            None,
            Templates::Unrendered,
        );
        assert!(matches!(
            parsed.errors[0].kind(),
            ErrorKind::UnrenderedTemplate
        ));
        // Helm values may hold templates for `tpl`.
        assert!(
            docs(
                "values.yaml",
                "x: \"{{ .Values.y }}\"\n",
                Some(InputKind::HelmValues)
            )
            .is_ok()
        );
    }

    #[test]
    fn one_bad_document_keeps_the_others() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostPID: true\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  a: 1\n  a: 2\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b\n---\napiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: \"{{ .Values.x }}\"\n---\napiVersion: v1\nkind: Service\n";
        let parsed = parse(
            Arc::new(SourceFile::new("s.yaml", text)),
            None,
            Templates::Text,
        );
        let kinds: Vec<_> = parsed
            .documents
            .iter()
            .map(|d| d.root.get("kind").and_then(Node::as_str).unwrap_or(""))
            .collect();
        assert_eq!(kinds, ["Pod", "Service"]);
        let errors: Vec<_> = parsed
            .errors
            .iter()
            .map(|e| (e.kind().code(), e.line()))
            .collect();
        assert_eq!(
            errors,
            [
                ("duplicate-key", Some(11)),
                ("yaml-syntax", Some(15)),
                ("unrendered-template", Some(20))
            ]
        );
    }

    #[test]
    fn checks_the_declared_shape() {
        let e = docs("-", "just: data\n", Some(InputKind::Kubernetes)).expect_err("shape");
        assert!(e.to_string().contains("not a Kubernetes object"), "{e}");
        let e = docs("c.yaml", "- a\n", Some(InputKind::Compose)).expect_err("shape");
        assert!(e.to_string().contains("must be a mapping"), "{e}");
        assert!(
            docs("c.yaml", "", Some(InputKind::Compose))
                .expect("empty")
                .is_empty()
        );
    }
}
