//! Masking secret values in text before it is shown or digested.

use std::borrow::Cow;

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

/// The forms the secrets at `spans` of `text` may take in a message: as
/// written, without surrounding quotes, and each line of a multi-line one
/// (a PEM body quoted a line at a time). Longest first.
///
/// A form that `text` also shows outside every secret span (a password
/// equal to a service's name, `name: test` beside `secretkey: test`) is
/// left out: the file shows it in clear there, so masking it in a message
/// would hide nothing and garble what the message says. Snippets are
/// masked by span, so the secret's own place is masked all the same.
pub fn secret_forms(text: &str, spans: &[Span]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for span in spans {
        let Some(secret) = text.get(span.range()) else {
            continue;
        };
        let mut forms = vec![secret];
        for q in ['"', '\''] {
            if let Some(inner) = secret.strip_prefix(q).and_then(|t| t.strip_suffix(q)) {
                forms.push(inner);
            }
        }
        if secret.contains('\n') {
            forms.extend(secret.lines().map(str::trim).filter(|l| l.len() >= 8));
        }
        out.extend(
            forms
                .into_iter()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        );
    }
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out.dedup();
    out.retain(|secret| !shown_in_clear(text, secret, spans));
    out
}

/// Returns true if and only if `secret` occurs in `text` outside every
/// span of `spans` (for a short secret, as a whole word).
fn shown_in_clear(text: &str, secret: &str, spans: &[Span]) -> bool {
    text.match_indices(secret).any(|(at, _)| {
        let end = at + secret.len();
        let covered = spans.iter().any(|s| s.start <= at && end <= s.end);
        !covered && (secret.len() >= 8 || is_word(text, at, end))
    })
}

/// Returns true if and only if `text[at..end]` is not part of a longer
/// word.
fn is_word(text: &str, at: usize, end: usize) -> bool {
    let edge = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric() && c != '_');
    edge(text[..at].chars().next_back()) && edge(text[end..].chars().next())
}

/// `message` with every occurrence of each of `secrets` (longest first)
/// replaced by `****`. Short
/// secrets (under 8 bytes) are masked only where they stand as a word, so
/// that a password such as `test` does not garble every `test…` nearby.
pub fn mask_forms<'a>(message: &'a str, secrets: &[String]) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(message);
    for secret in secrets {
        if !out.contains(secret.as_str()) {
            continue;
        }
        let text = out.as_ref();
        let mut masked = String::with_capacity(text.len());
        let mut last = 0;
        for (at, _) in text.match_indices(secret.as_str()) {
            if at < last || (secret.len() < 8 && !is_word(text, at, at + secret.len())) {
                continue;
            }
            masked.push_str(&text[last..at]);
            masked.push_str("****");
            last = at + secret.len();
        }
        masked.push_str(&text[last..]);
        out = Cow::Owned(masked);
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
