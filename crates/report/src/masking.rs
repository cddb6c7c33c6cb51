//! Masking secret values in source text before it is shown.

use std::collections::HashMap;

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

/// All redactions of `findings`, by file.
pub(crate) fn redactions_by_file<'a>(
    findings: impl Iterator<Item = &'a Finding>,
) -> HashMap<&'a str, Vec<Span>> {
    let mut out: HashMap<&str, Vec<Span>> = HashMap::new();
    for f in findings.filter(|f| !f.redactions.is_empty()) {
        out.entry(&*f.file)
            .or_default()
            .extend(f.redactions.iter().copied());
    }
    out
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
