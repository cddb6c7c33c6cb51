//! Finding fingerprints: stable when unrelated lines move.
//!
//! A fingerprint digests the rule id, the file name, the text of the line
//! the finding starts on (secrets masked, whitespace collapsed) and how
//! many findings of the same rule came before it on lines with the same
//! text in the file. Line numbers are not part of it, so inserting or
//! removing other lines keeps it; editing the line itself changes it.

use std::collections::HashMap;

use bulwark_core::{Finding, SourceFile, Span};
use sha2::{Digest, Sha256};

use bulwark_core::{Suppressed, mask_spans};

/// Assigns the fingerprint of every finding of one file, in report order.
/// `secrets` are masked in the line text first.
pub fn assign(findings: &mut [Finding], source: Option<&SourceFile>, secrets: &[Span]) {
    assign_with(
        findings,
        source,
        secrets,
        |f| (&f.rule_id, &f.file, f.location.line),
        |f, print| f.fingerprint = print,
    );
}

/// Assigns the fingerprint of every suppressed finding of one file, in
/// report order: the fingerprint it would have had if reported alone.
pub fn assign_suppressed(
    suppressed: &mut [Suppressed],
    source: Option<&SourceFile>,
    secrets: &[Span],
) {
    assign_with(
        suppressed,
        source,
        secrets,
        |s| (&s.rule_id, &s.file, s.line),
        |s, print| s.fingerprint = print,
    );
}

fn assign_with<T>(
    items: &mut [T],
    source: Option<&SourceFile>,
    redactions: &[Span],
    key: impl Fn(&T) -> (&str, &str, usize),
    mut set: impl FnMut(&mut T, String),
) {
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for item in items.iter_mut() {
        let (rule_id, file, line) = key(item);
        let line = source
            .map(|s| line_text(s, line, redactions))
            .unwrap_or_default();
        let mut hash = Sha256::new();
        for part in [rule_id.as_bytes(), file.as_bytes(), line.as_bytes()] {
            hash.update(part);
            hash.update([0]);
        }
        let occurrence = seen.entry((rule_id.to_owned(), line)).or_insert(0);
        hash.update(occurrence.to_le_bytes());
        *occurrence += 1;
        let print = hex::encode(&hash.finalize()[..16]);
        set(item, print);
    }
}

/// Whether `print` has a fingerprint's shape: the hex of 16 bytes.
pub(crate) fn well_formed(print: &str) -> bool {
    print.len() == 32
        && print
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Line `line` (1-based) of `source`, masked and with whitespace collapsed.
fn line_text(source: &SourceFile, line: usize, redactions: &[Span]) -> String {
    let starts = source.line_starts();
    let text = source.text();
    let Some(&start) = line.checked_sub(1).and_then(|i| starts.get(i)) else {
        return String::new();
    };
    let end = starts.get(line).copied().unwrap_or(text.len());
    let here: Vec<Span> = redactions
        .iter()
        .filter(|s| s.start < end && s.end > start)
        .map(|s| Span::new(s.start.max(start) - start, s.end.min(end) - start))
        .collect();
    let line = text.get(start..end).unwrap_or_default();
    let masked = if here.is_empty() {
        std::borrow::Cow::Borrowed(line)
    } else {
        std::borrow::Cow::Owned(mask_spans(line, &here))
    };
    let mut collapsed = String::with_capacity(masked.len());
    for word in masked.split_whitespace() {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bulwark_core::{InputKind, Severity};

    use super::*;

    fn finding(source: &SourceFile, rule: &str, line: usize) -> Finding {
        let start = source.line_starts()[line - 1];
        let span = Span::new(start, start + 1);
        Finding {
            rule_id: rule.into(),
            severity: Severity::Low,
            title: "t".into(),
            controls: Arc::from(Vec::new()),
            file: source.name().into(),
            location: source.location(span),
            template: None,
            message: "m".to_owned(),
            detail: None,
            remediation: "r".into(),
            module: "m".into(),
            pointer: String::new(),
            fingerprint: String::new(),
            kind: InputKind::Dockerfile,
            span,
            redactions: Vec::new(),
            pss: None,
            traced: None,
        }
    }

    fn prints(text: &str, at: &[(&str, usize)]) -> Vec<String> {
        let source = SourceFile::new("Dockerfile", text);
        let mut findings: Vec<Finding> = at.iter().map(|(r, l)| finding(&source, r, *l)).collect();
        assign(&mut findings, Some(&source), &[]);
        findings.into_iter().map(|f| f.fingerprint).collect()
    }

    #[test]
    fn survive_moved_lines_not_edited_ones() {
        let before = prints(
            "FROM a\nUSER root\nRUN x\nRUN x\n",
            &[("r1", 2), ("r2", 3), ("r2", 4)],
        );
        let moved = prints(
            "# new\nFROM a\n\nUSER root\nRUN x\nRUN x\n",
            &[("r1", 4), ("r2", 5), ("r2", 6)],
        );
        assert_eq!(before, moved);
        assert_ne!(before[1], before[2], "two identical lines still differ");
        let edited = prints("FROM a\nUSER 0\nRUN x\nRUN x\n", &[("r1", 2)]);
        assert_ne!(before[0], edited[0]);
        assert!(before.iter().all(|p| well_formed(p)));
        assert!(!well_formed("0123456789ABCDEF0123456789abcdef"));
        assert!(!well_formed(&before[0][1..]));
    }

    /// The line is read masked and with its whitespace collapsed: another
    /// secret, or other spacing, is the same line; other text is not.
    #[test]
    fn read_the_line_masked_and_collapsed() {
        let print = |text: &str, secret: Option<(usize, usize)>| {
            let source = SourceFile::new("Dockerfile", text);
            let mut findings = vec![finding(&source, "r", 2)];
            let start = source.line_starts()[1];
            let secrets: Vec<Span> = secret
                .map(|(a, b)| Span::new(start + a, start + b))
                .into_iter()
                .collect();
            assign(&mut findings, Some(&source), &secrets);
            findings.remove(0).fingerprint
        };
        let one = print("FROM a\nENV K=secret-one\n", Some((6, 16)));
        assert_eq!(one, print("FROM a\nENV K=secret-two\n", Some((6, 16))));
        assert_ne!(one, print("FROM a\nENV K=secret-one\n", None));
        assert_eq!(
            print("FROM a\nRUN  a \t b\n", None),
            print("FROM a\nRUN a b\n", None)
        );
        assert_ne!(
            print("FROM a\nRUN a b\n", None),
            print("FROM a\nRUN ab\n", None)
        );
    }
}
