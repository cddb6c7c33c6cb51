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
//! Kubernetes documents must be rendered output: a string still holding
//! template syntax (`{{ … }}`) is an input error, never a silent pass.

use std::sync::Arc;

use bulwark_core::{Document, InputKind, Node, SourceFile, Value};

use crate::error::{Error, ErrorKind};
use crate::yaml::{self, YamlDocument};

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

/// Parses `source` as YAML and returns its documents of interest.
///
/// With `declared`, every non-empty document is taken as that kind (a
/// Kubernetes document must still have `apiVersion` and `kind`); without,
/// each is classified by content and the others skipped.
///
/// # Errors
///
/// YAML errors ([`yaml::parse_stream`]), unrendered template syntax, and
/// documents that do not have the declared kind's shape.
pub fn parse(source: Arc<SourceFile>, declared: Option<InputKind>) -> Result<Vec<Document>, Error> {
    let stream = yaml::parse_stream(&source).map_err(|e| {
        match source.text().find("{{") {
            // Unparseable because it is a template: say that, not the YAML error.
            Some(offset) if source.text()[offset..].contains("}}") => {
                let (line, column) = source.line_col(offset);
                Error::new(source.name(), line, column, ErrorKind::UnrenderedTemplate)
            }
            _ => e,
        }
        .with_source(source.clone())
    })?;
    let mut out = Vec::new();
    for YamlDocument { root, helm_source } in stream {
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
                    return Err(shape(
                        &source,
                        &root,
                        "not a Kubernetes object: it needs string `apiVersion` and `kind` fields",
                    ));
                }
                for object in split_list(root) {
                    reject_templates(&source, &object)?;
                    out.push(doc(object, helm_source.clone()));
                }
            }
            InputKind::Compose | InputKind::HelmValues => {
                if !matches!(root.value, Value::Object(_)) {
                    return Err(shape(
                        &source,
                        &root,
                        &format!("a {kind} document must be a mapping"),
                    ));
                }
                out.push(doc(root, helm_source));
            }
            InputKind::Dockerfile => {
                return Err(shape(&source, &root, "a Dockerfile is not YAML"));
            }
        }
    }
    Ok(out)
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

/// Fails on the first string holding `{{ … }}`.
fn reject_templates(source: &Arc<SourceFile>, node: &Node) -> Result<(), Error> {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::String(s) => {
                if let Some(open) = s.find("{{")
                    && s[open..].contains("}}")
                {
                    let (line, column) = source.line_col(n.span.start);
                    return Err(Error::new(
                        source.name(),
                        line,
                        column,
                        ErrorKind::UnrenderedTemplate,
                    )
                    .with_source(source.clone()));
                }
            }
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::Object(fields) => stack.extend(fields.iter().rev().map(|(_, v)| v)),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(name: &str, text: &str, declared: Option<InputKind>) -> Result<Vec<Document>, Error> {
        parse(Arc::new(SourceFile::new(name, text)), declared)
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
    fn rejects_unrendered_templates() {
        let e = docs(
            "d.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"{{ .Release.Name }}\"\n",
            None,
        )
        .expect_err("template");
        assert!(matches!(e.kind(), ErrorKind::UnrenderedTemplate));
        assert_eq!((e.line(), e.column()), (4, 9));
        // Not even YAML: still named as a template.
        let e = docs(
            "d.yaml",
            "apiVersion: v1\nkind: Pod\n{{- include \"x\" . }}\nspec: {}\n",
            None,
        )
        .expect_err("template");
        assert!(matches!(e.kind(), ErrorKind::UnrenderedTemplate));
        assert_eq!(e.line(), 3);
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
