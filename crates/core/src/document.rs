//! One parsed input document.

use std::sync::Arc;

use crate::{InputKind, Node, SourceFile, Span, Value};

/// What the name of a rendered Helm chart's output ends with: the chart
/// directory's name, then this (`charts/web (helm template)`).
pub const RENDERED_CHART_SUFFIX: &str = " (helm template)";

/// One parsed input document, ready to hand to rule modules.
///
/// A file may hold several documents (a Kubernetes manifest stream); each
/// shares the file's [`SourceFile`].
#[derive(Debug, Clone)]
pub struct Document {
    /// Which parser produced the document.
    pub kind: InputKind,
    /// The file the document came from.
    pub source: Arc<SourceFile>,
    /// The document's content with source spans.
    pub root: Node,
    /// The template the document was rendered from, when the file is
    /// rendered output that says so (Helm's `# Source:` comments).
    pub template: Option<String>,
}

impl Document {
    /// The span of the value `pointer` names, or `None` if it names nothing.
    ///
    /// In a Compose file, a mapping that is the value of a key (a service,
    /// its `deploy`, a volume) is where its key is: a finding about the
    /// service `web` as a whole (a setting it lacks) marks `web:`, not the
    /// first setting it has.
    pub fn span_of(&self, pointer: &str) -> Option<Span> {
        let node = self.root.pointer(pointer)?;
        if self.kind == InputKind::Compose
            && matches!(node.value, Value::Object(_))
            && let Some(key) = self.key_span(pointer, node)
        {
            return Some(key);
        }
        Some(node.span)
    }

    /// The span of the key whose value `node` (named by `pointer`) is:
    /// found in the source between the previous entry's value (or the
    /// start of the parent mapping) and `node`, preferring an occurrence
    /// that starts its line (a comment may repeat the key's text).
    fn key_span(&self, pointer: &str, node: &Node) -> Option<Span> {
        let (parent_pointer, raw) = pointer.rsplit_once('/')?;
        let key = crate::node::unescape_token(raw)?;
        let parent = self.root.pointer(parent_pointer)?;
        let Value::Object(entries) = &parent.value else {
            return None;
        };
        let index = entries.iter().position(|(k, _)| *k == key)?;
        let from = match index {
            0 => parent.span.start,
            i => entries[i - 1].1.span.end,
        };
        let to = node.span.start;
        let text = self.source.text().get(from..to)?;
        let mut best: Option<(usize, usize, bool)> = None;
        for quote in ["", "\"", "'"] {
            let written = format!("{quote}{key}{quote}");
            for (at, _) in text.match_indices(&written) {
                let after = text[at + written.len()..].trim_start_matches([' ', '\t']);
                if !after.starts_with(':') {
                    continue;
                }
                let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
                let starts_line = text[line_start..at]
                    .chars()
                    .all(|c| c == ' ' || c == '\t' || c == '-' || c == '?');
                // A key that starts its line wins; among equals, the last.
                if best.is_none_or(|(_, _, line)| starts_line || !line) {
                    best = Some((at, written.len(), starts_line));
                }
            }
        }
        let (at, len, _) = best?;
        Some(Span::new(from + at, from + at + len))
    }

    /// The document's JSON text, the form rule modules receive.
    pub fn to_json(&self) -> String {
        self.root.to_json()
    }
}
