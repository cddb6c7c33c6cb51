//! One parsed input document.

use std::sync::Arc;

use crate::{InputKind, Node, SourceFile, Span, Value};

/// Sources of this many bytes or more have their JSON sized exactly before
/// it is written ([`Document::to_json`]).
const EXACT_JSON_FROM: usize = 1024 * 1024;

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
    ///
    /// A pointer may end with `~@START-END`: the characters `START..END`
    /// (Unicode scalar values, `END` exclusive) of the string it names, a
    /// secret assignment inside a value that holds a config file. (RFC 6901
    /// never writes `~@`, so no plain pointer reads this way.) The span is
    /// where those characters are written in the source when the value's
    /// source shows them verbatim (a literal block scalar, a plain or quoted
    /// scalar without escapes in them), else the whole value's.
    pub fn span_of(&self, pointer: &str) -> Option<Span> {
        if let Some((base, range)) = pointer.rsplit_once("~@") {
            let (start, end) = range.split_once('-')?;
            let (start, end): (usize, usize) = (start.parse().ok()?, end.parse().ok()?);
            let node = self.root.pointer(base)?;
            let Value::String(value) = &node.value else {
                return None;
            };
            return within(self.source.slice(node.span), value, start, end)
                .map(|(a, b)| Span::new(node.span.start + a, node.span.start + b))
                .or(Some(node.span));
        }
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

    /// The document's JSON text, the form rule modules receive. From a
    /// source of a megabyte or more it is allocated once at its exact
    /// length ([`Node::to_json_exact`]).
    pub fn to_json(&self) -> String {
        if self.source.text().len() >= EXACT_JSON_FROM {
            self.root.to_json_exact()
        } else {
            self.root.to_json()
        }
    }
}

/// Where characters `start..end` of `value` are written in `source` (the
/// value's source text), as a byte range of `source`: the same occurrence
/// of that text, counted from the start, when `source` holds it as often
/// as `value` does. `None` for a range outside `value`, an empty one, or
/// text the source writes otherwise (escapes, folded lines).
fn within(source: &str, value: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    if start >= end {
        return None;
    }
    let byte = |chars: usize| {
        value
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(value.len()))
            .nth(chars)
    };
    let (a, b) = (byte(start)?, byte(end)?);
    let needle = &value[a..b];
    let nth = value[..a].matches(needle).count();
    let in_value = value.matches(needle).count();
    let found: Vec<usize> = source.match_indices(needle).map(|(i, _)| i).collect();
    if found.len() != in_value {
        return None;
    }
    found.get(nth).map(|&i| (i, i + needle.len()))
}
