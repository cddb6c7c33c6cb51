//! Masking secret values in source text before it is shown.

use bulwark_core::{Finding, Span};

/// The mask character.
const MASK: char = '*';

/// Returns `text` with every byte range in `spans` replaced by `*`, one per
/// character, keeping line breaks so line and column numbers stay true.
pub(crate) fn mask_spans(text: &str, spans: &[Span]) -> String {
    if spans.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        let hidden = spans.iter().any(|s| s.start <= i && i < s.end);
        if hidden && c != '\n' && c != '\r' {
            out.push(MASK);
        } else {
            out.push(c);
        }
    }
    out
}

/// All redactions of the findings in `file`.
pub(crate) fn redactions_in<'a>(
    findings: impl Iterator<Item = &'a Finding>,
    file: &str,
) -> Vec<Span> {
    findings
        .filter(|f| f.file == file)
        .flat_map(|f| f.redactions.iter().copied())
        .collect()
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
}
