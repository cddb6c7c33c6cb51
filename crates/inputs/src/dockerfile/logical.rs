//! Text assembled from pieces of a source file, with a map back to it.
//!
//! A Dockerfile instruction continued over several lines reaches the shell as
//! one line with the escapes, newlines and interleaved comments removed. The
//! parsers work on that assembled text; [`Logical::span`] maps positions in
//! it back to byte offsets in the file, so every word keeps its true span.

use bulwark_core::Span;

/// Text assembled from source segments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Logical {
    text: String,
    /// `(offset in text, offset in source)` at the start of each segment,
    /// ascending in both.
    segments: Vec<(usize, usize)>,
}

impl Logical {
    /// An empty text.
    pub(crate) fn new() -> Logical {
        Logical::default()
    }

    /// Appends `piece`, which starts at byte `source_offset` of the file.
    pub(crate) fn push(&mut self, piece: &str, source_offset: usize) {
        if piece.is_empty() {
            return;
        }
        self.segments.push((self.text.len(), source_offset));
        self.text.push_str(piece);
    }

    /// The assembled text.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The source offset of text offset `pos`.
    pub(crate) fn offset(&self, pos: usize) -> usize {
        let i = match self.segments.binary_search_by(|(t, _)| t.cmp(&pos)) {
            Ok(i) => i,
            Err(0) => return self.segments.first().map_or(0, |s| s.1),
            Err(i) => i - 1,
        };
        let (t, s) = self.segments[i];
        s + (pos - t)
    }

    /// The source span of the text range `start..end`.
    pub(crate) fn span(&self, start: usize, end: usize) -> Span {
        let s = self.offset(start);
        let e = if end > start {
            self.offset(end - 1) + 1
        } else {
            s
        };
        Span::new(s, e)
    }

    /// The source span of the whole text.
    pub(crate) fn full_span(&self) -> Span {
        self.span(0, self.text.len())
    }

    /// A new logical text holding `start..end` of this one, still mapped to
    /// the same source.
    pub(crate) fn slice(&self, start: usize, end: usize) -> Logical {
        let mut out = Logical::new();
        let mut pos = start;
        while pos < end {
            let i = match self.segments.binary_search_by(|(t, _)| t.cmp(&pos)) {
                Ok(i) => i,
                Err(i) => i.saturating_sub(1),
            };
            let seg_end = self
                .segments
                .get(i + 1)
                .map_or(self.text.len(), |s| s.0)
                .min(end);
            let (t, s) = self.segments[i];
            out.push(&self.text[pos..seg_end], s + (pos - t));
            pos = seg_end;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_positions_across_segments() {
        // Source: "RUN a \\\n  b" -> logical "RUN a   b"
        let mut l = Logical::new();
        l.push("RUN a ", 0);
        l.push("  b", 8);
        assert_eq!(l.text(), "RUN a   b");
        assert_eq!(l.offset(0), 0);
        assert_eq!(l.offset(5), 5);
        assert_eq!(l.offset(8), 10);
        assert_eq!(l.span(4, 9), Span::new(4, 11));
        let tail = l.slice(4, 9);
        assert_eq!(tail.text(), "a   b");
        assert_eq!(tail.span(0, 5), Span::new(4, 11));
        assert_eq!(tail.offset(4), 10);
    }
}
