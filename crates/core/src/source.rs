//! Source files, byte spans and line/column locations.

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// A half-open byte range `start..end` into a [`SourceFile`]'s text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// Creates a span; `end` is clamped so that it is never before `start`.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// The smallest span that covers both `self` and `other`.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The span as a range, for slicing.
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }

    /// Number of bytes covered.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// Returns true if and only if the span covers no byte.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A 1-based line and column range, columns counted in Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Line of the first character (1-based).
    pub line: usize,
    /// Column of the first character (1-based).
    pub column: usize,
    /// Line of the last character (1-based).
    pub end_line: usize,
    /// Column one past the last character (1-based).
    pub end_column: usize,
}

/// One input file's text with a line index.
///
/// The name is the path shown to users: relative to the scan root when the
/// file was found by walking a directory, as given otherwise, `<stdin>` for
/// standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Wraps `text` under the display name `name`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let line_starts = line_starts(&text);
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// The display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The full text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Byte offsets at which each line starts; the first is always 0.
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    /// The text under `span`, or the empty string if it is out of range or
    /// not on character boundaries.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The 0-based line index holding byte `offset` (clamped to the text).
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// The 1-based (line, column) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let column = self.text[start..offset].chars().count() + 1;
        (line + 1, column)
    }

    /// The location of `span`.
    pub fn location(&self, span: Span) -> Location {
        let (line, column) = self.line_col(span.start);
        let (end_line, end_column) = self.line_col(span.end);
        Location {
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// The byte range of 0-based line `index`, without its line terminator.
    pub fn line_span(&self, index: usize) -> Option<Span> {
        let start = *self.line_starts.get(index)?;
        let mut end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |next| next - 1);
        if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Some(Span::new(start, end))
    }
}

/// Byte offsets at which each line of `text` starts: 0, and after every
/// `\n`.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_to_lines_and_char_columns() {
        // a b \n | ç(2 bytes) d \r \n | \n | x
        let file = SourceFile::new("f", "ab\nçd\r\n\nx");
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(3), (2, 1));
        // `ç` is two bytes, one column.
        assert_eq!(file.line_col(5), (2, 2));
        assert_eq!(file.line_col(8), (3, 1));
        assert_eq!(file.line_col(9), (4, 1));
        assert_eq!(file.line_col(999), (4, 2));
        assert_eq!(file.line_span(1), Some(Span::new(3, 6)));
        assert_eq!(file.line_span(2), Some(Span::new(8, 8)));
        assert_eq!(file.line_span(4), None);
        assert_eq!(file.line_starts(), [0, 3, 8, 9]);
        assert_eq!(line_starts(""), [0]);
        assert_eq!(line_starts("\n\n"), [0, 1, 2]);
    }

    #[test]
    fn never_panics_inside_a_character() {
        let file = SourceFile::new("f", "é");
        assert_eq!(file.line_col(1), (1, 1));
        assert_eq!(file.slice(Span::new(1, 2)), "");
    }
}
