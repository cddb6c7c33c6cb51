//! Strings from inputs and rule modules, made safe for the medium they are
//! written to.
//!
//! Everything a report shows that bulwark did not write itself (file names,
//! source lines, rule modules' messages, titles, controls, remediation,
//! template names, error messages quoting any of these) is data. On a
//! terminal or a CI log, data must not move the cursor, change colours,
//! open a hyperlink, ring a bell, reorder text (bidirectional overrides) or
//! start a line the GitHub Actions runner reads as a workflow command
//! (`::error …`, `::stop-commands::`, `::add-mask::`, the older `##[…]`).
//!
//! - [`inline`]: one-line text (a message, a title, a file name): every
//!   control character, line break included, and every invisible or
//!   direction-changing character is written as a visible escape (`\n`,
//!   `\u{1b}`, `\u{202e}`).
//! - [`lines`]: multi-line text bulwark shows as such (a rule's
//!   explanation): the same, but line breaks kept, and a line that would
//!   start a workflow command is prefixed with `\`.
//! - [`Source`]: a file's text for a snippet: each such character becomes
//!   one visible character (`␛`, `␇`, `�`) so columns stay put, with the
//!   byte offsets remapped.
//!
//! JSON, SARIF and XML have escapes of their own; their writers use them.

use std::borrow::Cow;

/// Returns true if and only if `c` must not reach a terminal raw: C0 and C1
/// controls, DEL, and characters that are invisible or change the direction
/// or flow of text.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
        )
}

/// Returns true if and only if every byte of `text` is printable ASCII, or
/// a line break or tab when `breaks`: no character in it is unsafe. Most
/// text is, and this is much cheaper than decoding it character by
/// character (a block at a time, without a branch per byte).
pub(crate) fn plain(text: &str, breaks: bool) -> bool {
    text.as_bytes().chunks(64).all(|block| {
        block.iter().fold(true, |ok, &b| {
            ok & ((b.wrapping_sub(0x20) < 0x5f) | (breaks & ((b == b'\n') | (b == b'\t'))))
        })
    })
}

fn escaped(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// `text` on one line, every unsafe character (line breaks and tabs
/// included) written as a visible escape.
pub fn inline(text: &str) -> Cow<'_, str> {
    if plain(text, false) || !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            escaped(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Returns true if and only if a line with this text would be read by a CI
/// runner as a command: `::` or `##[` after leading whitespace.
pub fn starts_command(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.starts_with("::") || trimmed.starts_with("##[")
}

/// Multi-line `text`: line breaks kept (`\r\n` becomes `\n`), tabs kept,
/// every other unsafe character escaped, and a line that would start a
/// workflow command prefixed with `\`.
pub fn lines(text: &str) -> Cow<'_, str> {
    let clean = (plain(text, true)
        || !text.chars().any(|c| c != '\n' && c != '\t' && is_unsafe(c)))
        && !text.split('\n').any(starts_command);
    if clean {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let count = text.split('\n').count();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        // `\r\n` is a line break; a `\r` anywhere else is escaped.
        let line = if i + 1 < count {
            line.strip_suffix('\r').unwrap_or(line)
        } else {
            line
        };
        if starts_command(line) {
            out.push('\\');
        }
        for c in line.chars() {
            if c != '\t' && is_unsafe(c) {
                escaped(c, &mut out);
            } else {
                out.push(c);
            }
        }
    }
    Cow::Owned(out)
}

/// The visible stand-in for an unsafe character in a snippet.
fn picture(c: char) -> char {
    match u32::from(c) {
        n @ 0..=0x1f => char::from_u32(0x2400 + n).unwrap_or('\u{FFFD}'),
        0x7f => '\u{2421}',
        _ => '\u{FFFD}',
    }
}

/// A file's text made safe to show in a snippet, with the map from byte
/// offsets in the original to offsets in the shown text.
#[derive(Debug)]
pub struct Source {
    text: String,
    /// `(original offset, shown offset)` at each replaced character, in
    /// order; empty when nothing was replaced.
    shifts: Vec<(usize, usize)>,
}

impl Source {
    /// `text` with every unsafe character but line breaks (`\n`, and `\r`
    /// before one) and tabs replaced by one visible character.
    pub fn new(text: impl Into<String>) -> Source {
        let text: String = text.into();
        let replace = |i: usize, c: char| {
            is_unsafe(c)
                && c != '\n'
                && c != '\t'
                && !(c == '\r' && text[i + 1..].starts_with('\n'))
        };
        if plain(&text, true) || !text.char_indices().any(|(i, c)| replace(i, c)) {
            return Source {
                text,
                shifts: Vec::new(),
            };
        }
        let mut out = String::with_capacity(text.len() + 16);
        let mut shifts = Vec::new();
        for (i, c) in text.char_indices() {
            if replace(i, c) {
                let p = picture(c);
                out.push(p);
                shifts.push((i + c.len_utf8(), out.len()));
            } else {
                out.push(c);
            }
        }
        Source { text: out, shifts }
    }

    /// The text to show.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Returns true if and only if nothing was replaced: every offset is
    /// where it was.
    pub fn unchanged(&self) -> bool {
        self.shifts.is_empty()
    }

    /// Where byte `offset` of the original is in the shown text.
    pub fn offset(&self, offset: usize) -> usize {
        let i = self.shifts.partition_point(|(orig, _)| *orig <= offset);
        match i.checked_sub(1).map(|i| self.shifts[i]) {
            Some((orig, shown)) => shown + (offset - orig),
            None => offset,
        }
    }

    /// [`Source::offset`] for a range.
    pub fn range(&self, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
        self.offset(range.start)..self.offset(range.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_fast_path_passes_only_safe_bytes() {
        for b in 0u8..=0xff {
            // Alone, and at every place in a block and across blocks.
            for at in [0, 1, 31, 63, 64, 65, 127, 200] {
                let mut text = vec![b'a'; 201];
                text[at] = b;
                let Ok(text) = String::from_utf8(text) else {
                    continue;
                };
                let c = char::from(b);
                assert_eq!(plain(&text, false), !is_unsafe(c), "byte {b:#x} at {at}");
                let kept = c == '\n' || c == '\t';
                assert_eq!(
                    plain(&text, true),
                    kept || !is_unsafe(c),
                    "byte {b:#x} at {at}"
                );
            }
        }
        assert!(plain("", false));
        // Anything beyond ASCII is left to the character scan.
        assert!(!plain("\u{202E}", false));
        assert!(!plain("é", true));
        assert_eq!(inline("a\u{202E}b"), "a\\u{202e}b");
    }

    #[test]
    fn inline_escapes_controls_breaks_and_bidi() {
        assert_eq!(inline("plain text: ok"), "plain text: ok");
        assert!(matches!(inline("plain"), Cow::Borrowed(_)));
        assert_eq!(
            inline("a\n::error file=x::forged\r\u{1b}[31m\u{7}\u{202e}z\u{85}"),
            "a\\n::error file=x::forged\\r\\u{1b}[31m\\u{7}\\u{202e}z\\u{85}"
        );
        assert_eq!(inline("tab\there"), "tab\\there");
    }

    #[test]
    fn lines_keep_breaks_and_defuse_commands() {
        assert_eq!(
            lines("## Why\ntext\n  ::stop-commands::x\n##[error]y\r\n\u{1b}]8;;http://x\u{7}"),
            "## Why\ntext\n\\  ::stop-commands::x\n\\##[error]y\n\\u{1b}]8;;http://x\\u{7}"
        );
        assert!(matches!(lines("## ok\n- a: b\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn source_keeps_columns_and_maps_offsets() {
        let text = "a\u{1b}b\r\nc\u{202e}d\re\n";
        let s = Source::new(text);
        assert_eq!(s.text(), "a\u{241b}b\r\nc\u{FFFD}d\u{240d}e\n");
        // `b` is at 2 in the original, 4 in the shown text (␛ is 3 bytes).
        assert_eq!(s.offset(2), 4);
        assert_eq!(&s.text()[s.range(2..3)], "b");
        let d = text.find('d').expect("d");
        assert_eq!(&s.text()[s.range(d..d + 1)], "d");
        assert_eq!(&s.text()[s.range(text.len() - 2..text.len())], "e\n");
        assert_eq!(Source::new("plain\n").offset(3), 3);
    }
}
