//! Masking secret values in text before it is shown or digested.

use crate::Span;

/// The mask character.
const MASK: char = '*';

/// Returns `text` with every byte range in `spans` replaced by `*`, one per
/// character, keeping line breaks so line and column numbers stay true.
pub fn mask_spans(text: &str, spans: &[Span]) -> String {
    if spans.is_empty() {
        return text.to_owned();
    }
    let mut ranges: Vec<(usize, usize)> = spans
        .iter()
        .map(|s| (s.start.min(text.len()), s.end.min(text.len())))
        .filter(|(start, end)| start < end)
        .collect();
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in ranges {
        let start = start.max(at);
        if start >= end {
            continue;
        }
        // Whole characters: a span boundary inside one widens to it.
        let start = floor_char_boundary(text, start);
        let end = ceil_char_boundary(text, end);
        out.push_str(&text[at..start]);
        for c in text[start..end].chars() {
            out.push(if c == '\n' || c == '\r' { c } else { MASK });
        }
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_characters_and_keeps_lines() {
        let text = "ENV A=s3cr\u{e9}t\nK=\"-----BEGIN\nKEY\"\n";
        let masked = mask_spans(text, &[Span::new(6, 13), Span::new(16, 32)]);
        assert_eq!(masked, "ENV A=******\nK=***********\n****\n");
        assert!(!masked.contains("s3cr"));
    }

    #[test]
    fn overlapping_unsorted_and_out_of_range_spans() {
        let text = "abcdef\ngh";
        let masked = mask_spans(
            text,
            &[
                Span::new(4, 9),
                Span::new(1, 3),
                Span::new(2, 5),
                Span::new(8, 99),
            ],
        );
        assert_eq!(masked, "a*****\n**");
        // A span starting inside a multibyte character masks all of it.
        assert_eq!(mask_spans("xé!", &[Span::new(2, 3)]), "x*!");
    }
}
