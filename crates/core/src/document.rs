//! One parsed input document.

use std::sync::Arc;

use crate::{InputKind, Node, SourceFile, Span};

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
    pub fn span_of(&self, pointer: &str) -> Option<Span> {
        self.root.pointer(pointer).map(|n| n.span)
    }

    /// The document's JSON text, the form rule modules receive.
    pub fn to_json(&self) -> String {
        self.root.to_json()
    }
}
