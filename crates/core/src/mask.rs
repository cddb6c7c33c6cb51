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
    // Each form is looked for through the whole text: with many, the file
    // would be read once per secret (a file of 20,000 `--password=…` took
    // 8 s for 580 KB). Past that many, every form is kept: messages are
    // masked more than needed, never less.
    if out.len() <= CHECKED_IN_CLEAR {
        let covers = Covers::new(spans);
        out.retain(|secret| !shown_in_clear(text, secret, &covers));
    }
    out
}

/// The most secret forms of a file checked for being shown in clear.
const CHECKED_IN_CLEAR: usize = 64;

/// Spans by start, with the furthest end of any span starting at or before
/// each: whether one contains a range is a binary search.
struct Covers {
    starts: Vec<usize>,
    furthest: Vec<usize>,
}

impl Covers {
    fn new(spans: &[Span]) -> Covers {
        let mut sorted: Vec<(usize, usize)> = spans.iter().map(|s| (s.start, s.end)).collect();
        sorted.sort_unstable();
        let mut furthest = Vec::with_capacity(sorted.len());
        let mut end = 0;
        for &(_, e) in &sorted {
            end = end.max(e);
            furthest.push(end);
        }
        Covers {
            starts: sorted.into_iter().map(|(s, _)| s).collect(),
            furthest,
        }
    }

    /// Whether one span holds all of `at..end`.
    fn cover(&self, at: usize, end: usize) -> bool {
        let starting = self.starts.partition_point(|&s| s <= at);
        starting > 0 && self.furthest.get(starting - 1).is_some_and(|&e| end <= e)
    }
}

/// Returns true if and only if `secret` occurs in `text` outside every
/// span (for a short secret, as a whole word).
fn shown_in_clear(text: &str, secret: &str, covers: &Covers) -> bool {
    text.match_indices(secret).any(|(at, _)| {
        let end = at + secret.len();
        !covers.cover(at, end) && (secret.len() >= 8 || is_word(text, at, end))
    })
}

/// A file's secret forms ([`secret_forms`]), ready to mask many messages:
/// with more than a few, the ones a message holds are found in one pass
/// over it (an Aho-Corasick automaton built once), instead of every form
/// being looked for in every message (findings × secrets: a Dockerfile of
/// 5,000 `ENV …PASSWORD=…` lines took 1.3 s, and the time grew with the
/// square of the file).
#[derive(Debug, Clone, Default)]
pub struct SecretForms {
    forms: Vec<String>,
    finder: Option<aho_corasick::AhoCorasick>,
    /// Forms holding the mask (`****` written for one could complete one):
    /// always tried.
    starred: Vec<usize>,
}

/// Forms up to this many are looked for one by one.
const FORMS_LOOKED_FOR_ONE_BY_ONE: usize = 16;

/// What a message this long may cost in matches of forms (overlapping
/// forms within forms) before it is withheld whole.
const MATCHES_PER_BYTE: usize = 16;

impl SecretForms {
    /// The forms of the secrets at `spans` of `text` ([`secret_forms`]).
    pub fn new(text: &str, spans: &[Span]) -> SecretForms {
        SecretForms::from_forms(secret_forms(text, spans))
    }

    /// `forms`, longest first as [`secret_forms`] gives them.
    pub fn from_forms(forms: Vec<String>) -> SecretForms {
        let finder = (forms.len() > FORMS_LOOKED_FOR_ONE_BY_ONE)
            .then(|| aho_corasick::AhoCorasick::new(&forms).ok())
            .flatten();
        let starred = forms
            .iter()
            .enumerate()
            .filter(|(_, f)| f.contains(MASK))
            .map(|(i, _)| i)
            .collect();
        SecretForms {
            forms,
            finder,
            starred,
        }
    }

    /// The forms, longest first.
    pub fn forms(&self) -> &[String] {
        &self.forms
    }

    /// `message` masked as [`mask_forms`] masks it with every form.
    pub fn mask<'a>(&self, message: &'a str) -> Cow<'a, str> {
        let Some(finder) = &self.finder else {
            return mask_forms(message, &self.forms);
        };
        // The forms the message holds, in the forms' order.
        let budget = MATCHES_PER_BYTE * message.len() + 64;
        let mut held = self.starred.clone();
        for (n, m) in finder.find_overlapping_iter(message).enumerate() {
            if n >= budget {
                // Forms nested in forms, many times over: the message is
                // not searched further, and not shown.
                return Cow::Owned(format!(
                    "{MASK}{MASK}{MASK}{MASK} (withheld: it holds too many of the file's secrets to mask)"
                ));
            }
            held.push(m.pattern().as_usize());
        }
        held.sort_unstable();
        held.dedup();
        mask_each(message, held.iter().filter_map(|&i| self.forms.get(i)))
    }
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
    mask_each(message, secrets.iter())
}

/// [`mask_forms`] over `secrets`, in their order.
fn mask_each<'a, 's>(message: &'a str, secrets: impl Iterator<Item = &'s String>) -> Cow<'a, str> {
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

    /// A small deterministic generator (xorshift).
    fn rng(seed: u64) -> impl FnMut(usize) -> usize {
        let mut state = seed;
        move |n| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        }
    }

    /// Masking through the automaton gives what masking with every form
    /// one by one gives: forms in messages, short ones as words, forms
    /// holding the mask, forms inside forms.
    #[test]
    fn many_forms_mask_as_each_form_one_by_one() {
        let pieces = [
            "hunter22", "hunter2", "test", "a", " ", "-", "*", "**", "pass", "word", "é", "\"",
            "S3cr3t", "x",
        ];
        let mut next = rng(0x0dd_ba11_cafe_f00d);
        let text = |n: usize, next: &mut dyn FnMut(usize) -> usize| -> String {
            (0..n).map(|_| pieces[next(pieces.len())]).collect()
        };
        let mut masked = 0;
        for _ in 0..600 {
            let count = 17 + next(40);
            let mut forms: Vec<String> = (0..count)
                .map(|_| {
                    let n = 1 + next(4);
                    text(n, &mut next).trim().to_owned()
                })
                .filter(|f| !f.is_empty())
                .collect();
            forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
            forms.dedup();
            let secrets = SecretForms::from_forms(forms.clone());
            assert_eq!(
                secrets.finder.is_some(),
                forms.len() > FORMS_LOOKED_FOR_ONE_BY_ONE
            );
            for _ in 0..10 {
                let n = next(30);
                let message = text(n, &mut next);
                let want = mask_forms(&message, &forms);
                masked += usize::from(want != message);
                assert_eq!(secrets.mask(&message), want, "{message:?} {forms:?}");
            }
        }
        assert!(masked > 500, "{masked}");
    }

    /// A message of forms nested in forms many times over is withheld
    /// whole rather than searched without end.
    #[test]
    fn a_message_of_forms_nested_in_forms_is_withheld() {
        let forms: Vec<String> = (8..60).rev().map(|n| "a".repeat(n)).collect();
        let secrets = SecretForms::from_forms(forms.clone());
        let message = "a".repeat(4096);
        let masked = secrets.mask(&message);
        assert!(masked.starts_with("**** (withheld"), "{masked}");
        // A message with a few of them is masked as usual.
        let message = format!("x {} y", "a".repeat(20));
        assert_eq!(secrets.mask(&message), mask_forms(&message, &forms));
        assert_eq!(secrets.mask(&message), "x **** y");
    }

    /// Whether a form is shown in clear, through the spans by start,
    /// against looking at every span; past the bound, all are kept.
    #[test]
    fn forms_shown_in_clear_are_left_out_up_to_the_bound() {
        let mut next = rng(0xabad_1dea_0000_0001);
        let words = ["test", "hunter22", "app", " ", "\n", "=", "test1234"];
        for _ in 0..2_000 {
            let n = 1 + next(30);
            let text: String = (0..n).map(|_| words[next(words.len())]).collect();
            let spans: Vec<Span> = (0..1 + next(6))
                .map(|_| {
                    let a = next(text.len() + 1);
                    let b = next(text.len() + 1);
                    Span::new(a.min(b), a.max(b))
                })
                .filter(|s| text.is_char_boundary(s.start) && text.is_char_boundary(s.end))
                .collect();
            let naive = |secret: &str| {
                text.match_indices(secret).any(|(at, _)| {
                    let end = at + secret.len();
                    let covered = spans.iter().any(|s| s.start <= at && end <= s.end);
                    !covered && (secret.len() >= 8 || is_word(&text, at, end))
                })
            };
            let covers = Covers::new(&spans);
            for span in &spans {
                let secret = &text[span.range()];
                if !secret.is_empty() {
                    assert_eq!(
                        shown_in_clear(&text, secret, &covers),
                        naive(secret),
                        "{text:?}"
                    );
                }
            }
        }
        // More forms than are checked: every one is kept, even one shown in
        // clear.
        let mut text = String::from("name: test\n");
        let mut spans = vec![];
        for i in 0..=CHECKED_IN_CLEAR {
            let start = text.len() + 4;
            text.push_str(&format!("pw: secret{i:04}\n"));
            spans.push(Span::new(start, start + 10));
        }
        assert_eq!(secret_forms(&text, &spans).len(), CHECKED_IN_CLEAR + 1);
        spans.push(Span::new(text.len(), text.len() + 4));
        text.push_str("test");
        assert_eq!(secret_forms(&text, &spans).len(), CHECKED_IN_CLEAR + 2);
        // Fewer: `test` is shown in clear (`name: test`) and left out.
        let few = [spans[0], spans[1], spans[spans.len() - 1]];
        assert_eq!(secret_forms(&text, &few).len(), 2);
    }
}
