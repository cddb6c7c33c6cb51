//! A diagnostic as the human report draws it, written directly for the
//! common shape and by codespan for every other.
//!
//! Almost every finding is one header, one primary label on one line of
//! printable ASCII text, and a few notes. codespan draws that through a
//! general layout (every label of every file grouped in maps, each
//! character of the line measured for its Unicode width and written
//! through `fmt`, the style looked up at every change), which was half of
//! a scan drawn from the result cache. [`draw`] writes that shape byte for
//! byte as codespan 0.13 does under [`crate::human::codespan_config`] (the
//! same characters, the same ANSI sequences, which are taken from
//! termcolor itself) and declines everything else: a label over more than
//! one line, a line with a tab, a control or anything beyond ASCII (whose
//! width codespan measures), a range outside the text. A declined drawing
//! goes to codespan unchanged. A property test draws generated diagnostics
//! both ways and requires the same bytes whenever [`draw`] accepts one.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use codespan_reporting::diagnostic::LabelStyle;
use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as Level};
use codespan_reporting::term::WriteStyle;
use codespan_reporting::term::termcolor::{Buffer, WriteColor};

use crate::escape;
use crate::text::push_number;

/// What one diagnostic says, before it is drawn either way.
#[derive(Debug, Clone)]
pub(crate) struct Drawing<'a> {
    pub level: Level,
    /// Shown in brackets after the level, unless empty.
    pub code: Cow<'a, str>,
    pub message: Cow<'a, str>,
    /// A primary label: a range of the file's shown text and its message.
    pub label: Option<(Range<usize>, Cow<'a, str>)>,
    pub notes: Vec<Cow<'a, str>>,
}

impl Drawing<'_> {
    /// The same diagnostic for codespan, its label in file `file`.
    pub fn diagnostic(&self, file: usize) -> Diagnostic<usize> {
        let mut d = Diagnostic::new(self.level)
            .with_message(self.message.clone().into_owned())
            .with_notes(self.notes.iter().map(|n| n.clone().into_owned()).collect());
        if !self.code.is_empty() {
            d = d.with_code(self.code.clone().into_owned());
        }
        if let Some((range, message)) = &self.label {
            d = d.with_labels(vec![
                Label::primary(file, range.clone()).with_message(message.clone().into_owned()),
            ]);
        }
        d
    }
}

/// A file's name and shown text, with where its lines start (as codespan
/// finds them: after every `\n`).
#[derive(Debug)]
pub(crate) struct Shown<'a> {
    name: &'a str,
    text: &'a str,
    starts: Cow<'a, [usize]>,
}

impl<'a> Shown<'a> {
    pub fn new(name: &'a str, text: &'a str) -> Shown<'a> {
        Shown {
            name,
            text,
            starts: Cow::Owned(bulwark_core::line_starts(text)),
        }
    }

    /// `text` whose lines start at `starts`, already found.
    pub fn with_starts(name: &'a str, text: &'a str, starts: &'a [usize]) -> Shown<'a> {
        debug_assert_eq!(starts, bulwark_core::line_starts(text));
        Shown {
            name,
            text,
            starts: Cow::Borrowed(starts),
        }
    }

    pub fn name(&self) -> &'a str {
        self.name
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The line holding byte `offset`, as codespan's `SimpleFile` finds it.
    fn line_index(&self, offset: usize) -> usize {
        self.starts
            .binary_search(&offset)
            .unwrap_or_else(|next| next - 1)
    }

    /// The bytes of line `index`, its line break included.
    fn line_range(&self, index: usize) -> Range<usize> {
        let at = |i: usize| self.starts.get(i).copied().unwrap_or(self.text.len());
        at(index)..at(index + 1)
    }

    /// `range` when it lies on one line of printable ASCII: that line.
    fn single_line(&self, range: &Range<usize>) -> Option<OneLine<'a>> {
        if range.start > range.end || range.end > self.text.len() {
            return None;
        }
        let index = self.line_index(range.start);
        if self.line_index(range.end) != index {
            return None;
        }
        let bytes = self.line_range(index);
        let line = self
            .text
            .get(bytes.clone())?
            .trim_end_matches(['\n', '\r', '\0']);
        if !escape::plain(line, false) {
            return None;
        }
        // Every byte of the line's range is one character: the line and
        // the breaks trimmed from it.
        let start = range.start - bytes.start;
        Some(OneLine {
            number: index + 1,
            column: range.start.min(bytes.end) - bytes.start + 1,
            text: line,
            start,
            end: (range.end - bytes.start).max(start + 1),
        })
    }
}

/// A label on one line of printable ASCII, in the line's byte offsets.
struct OneLine<'a> {
    number: usize,
    column: usize,
    text: &'a str,
    /// The label: at least one column wide, as codespan draws it.
    start: usize,
    end: usize,
}

/// The byte sequences codespan's styles write, taken from termcolor.
struct Styles {
    header: [Vec<u8>; 3],
    header_message: Vec<u8>,
    line_number: Vec<u8>,
    source_border: Vec<u8>,
    note_bullet: Vec<u8>,
    label: [Vec<u8>; 3],
    reset: Vec<u8>,
}

const LEVELS: [Level; 3] = [Level::Error, Level::Warning, Level::Note];

impl Styles {
    fn of(color: bool) -> Styles {
        let buffer = || {
            if color {
                Buffer::ansi()
            } else {
                Buffer::no_color()
            }
        };
        let take = |set: &dyn Fn(&mut Buffer) -> std::io::Result<()>| {
            let mut b = buffer();
            // Writing into memory does not fail; a failure would only
            // leave the sequence empty, and the property test would see it.
            let _ = set(&mut b);
            b.into_inner()
        };
        Styles {
            header: LEVELS.map(|l| take(&|b| b.set_header(l))),
            header_message: take(&|b| b.set_header_message()),
            line_number: take(&|b| b.set_line_number()),
            source_border: take(&|b| b.set_source_border()),
            note_bullet: take(&|b| b.set_note_bullet()),
            label: LEVELS.map(|l| take(&|b| b.set_label(l, LabelStyle::Primary))),
            reset: take(&|b| WriteColor::reset(b)),
        }
    }

    fn get(color: bool) -> &'static Styles {
        static ANSI: OnceLock<Styles> = OnceLock::new();
        static PLAIN: OnceLock<Styles> = OnceLock::new();
        if color {
            ANSI.get_or_init(|| Styles::of(true))
        } else {
            PLAIN.get_or_init(|| Styles::of(false))
        }
    }
}

fn level_index(level: Level) -> Option<usize> {
    LEVELS.iter().position(|l| *l == level)
}

fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Writes `d` as codespan draws it (rich style, [`crate::human::codespan_config`]),
/// its label in `file`, and returns true; or writes nothing and returns
/// false when `d` is not of the shape drawn here.
pub(crate) fn draw(
    out: &mut Vec<u8>,
    d: &Drawing<'_>,
    file: Option<&Shown<'_>>,
    color: bool,
) -> bool {
    let Some(level) = level_index(d.level) else {
        return false;
    };
    let line = match (&d.label, file) {
        (None, _) => None,
        (Some((range, _)), Some(file)) => match file.single_line(range) {
            Some(line) => Some((line, file)),
            None => return false,
        },
        (Some(_), None) => return false,
    };
    let s = Styles::get(color);
    let word: &[u8] = match d.level {
        Level::Error => b"error",
        Level::Warning => b"warning",
        _ => b"note",
    };
    out.extend_from_slice(&s.header[level]);
    out.extend_from_slice(word);
    if !d.code.is_empty() {
        out.push(b'[');
        out.extend_from_slice(d.code.as_bytes());
        out.push(b']');
    }
    out.extend_from_slice(&s.header_message);
    out.extend_from_slice(b": ");
    out.extend_from_slice(d.message.as_bytes());
    out.extend_from_slice(&s.reset);
    out.push(b'\n');

    let mut padding = 0;
    if let (Some((line, file)), Some((_, title))) = (&line, &d.label) {
        padding = digits(line.number);
        let gutter = |out: &mut Vec<u8>| {
            out.resize(out.len() + padding + 1, b' ');
        };
        let border = |out: &mut Vec<u8>| {
            out.extend_from_slice(&s.source_border);
            out.extend_from_slice("│".as_bytes());
            out.extend_from_slice(&s.reset);
        };
        // ┌─ name:line:column
        gutter(out);
        out.extend_from_slice(&s.source_border);
        out.extend_from_slice("┌─".as_bytes());
        out.extend_from_slice(&s.reset);
        out.push(b' ');
        out.extend_from_slice(file.name().as_bytes());
        out.push(b':');
        push_number(out, line.number);
        out.push(b':');
        push_number(out, line.column);
        out.push(b'\n');
        gutter(out);
        border(out);
        out.push(b'\n');

        // The line, the labelled part in the label's colour.
        let text = line.text.as_bytes();
        let len = text.len();
        out.extend_from_slice(&s.line_number);
        push_number(out, line.number);
        out.extend_from_slice(&s.reset);
        out.push(b' ');
        border(out);
        out.push(b' ');
        let (from, to) = (line.start.min(len), line.end.min(len));
        out.extend_from_slice(&text[..from]);
        if from < to {
            out.extend_from_slice(&s.label[level]);
            out.extend_from_slice(&text[from..to]);
            out.extend_from_slice(&s.reset);
        }
        out.extend_from_slice(&text[to..]);
        out.push(b'\n');

        // The carets: one column past the line's end may be marked.
        gutter(out);
        border(out);
        out.push(b' ');
        out.resize(out.len() + line.start.min(len + 1), b' ');
        if line.start <= len {
            out.extend_from_slice(&s.label[level]);
            out.resize(out.len() + line.end.min(len + 1) - line.start, b'^');
            out.extend_from_slice(&s.reset);
        }
        if !title.is_empty() {
            out.push(b' ');
            out.extend_from_slice(&s.label[level]);
            out.extend_from_slice(title.as_bytes());
            out.extend_from_slice(&s.reset);
        }
        out.push(b'\n');
        if !d.notes.is_empty() {
            gutter(out);
            border(out);
            out.push(b'\n');
        }
    }
    for note in &d.notes {
        for (i, text) in note.lines().enumerate() {
            out.resize(out.len() + padding + 1, b' ');
            if i == 0 {
                out.extend_from_slice(&s.note_bullet);
                out.push(b'=');
                out.extend_from_slice(&s.reset);
            } else {
                out.push(b' ');
            }
            out.push(b' ');
            out.extend_from_slice(text.as_bytes());
            out.push(b'\n');
        }
    }
    out.push(b'\n');
    true
}

#[cfg(test)]
mod tests {
    use codespan_reporting::files::SimpleFiles;
    use codespan_reporting::term;
    use proptest::prelude::*;

    use super::*;
    use crate::human::codespan_config;

    fn by_codespan(d: &Drawing<'_>, file: Option<&Shown<'_>>, color: bool) -> Vec<u8> {
        let mut files = SimpleFiles::new();
        if let Some(file) = file {
            files.add(file.name().to_owned(), file.text().to_owned());
        }
        let mut buffer = if color {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        };
        term::emit_to_write_style(&mut buffer, &codespan_config(), &files, &d.diagnostic(0))
            .expect("codespan draws it");
        buffer.into_inner()
    }

    fn drawing<'a>(label: Option<(Range<usize>, &'a str)>, notes: Vec<&'a str>) -> Drawing<'a> {
        Drawing {
            level: Level::Warning,
            code: "pss-run-as-non-root".into(),
            message: "container `c0` may run as root".into(),
            label: label.map(|(r, t)| (r, t.into())),
            notes: notes.into_iter().map(Cow::Borrowed).collect(),
        }
    }

    #[test]
    fn the_common_finding_is_drawn_here_as_codespan_draws_it() {
        let text = "spec:\n  containers:\n      - name: c0\n        image: x\n";
        let file = Shown::new("k8s/deploy.yaml", text);
        let start = text.find("name").expect("in the text");
        let d = drawing(
            Some((start..start + 8, "May run as root")),
            vec!["medium · PSS-restricted", "help: set it"],
        );
        for color in [false, true] {
            let mut out = Vec::new();
            assert!(draw(&mut out, &d, Some(&file), color));
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&by_codespan(&d, Some(&file), color))
            );
        }
        let mut out = Vec::new();
        assert!(draw(&mut out, &d, Some(&file), false));
        assert_eq!(
            String::from_utf8_lossy(&out),
            "warning[pss-run-as-non-root]: container `c0` may run as root\n  \
             ┌─ k8s/deploy.yaml:3:9\n  │\n3 │       - name: c0\n  │         ^^^^^^^^ May run as root\n  \
             │\n  = medium · PSS-restricted\n  = help: set it\n\n"
        );
    }

    #[test]
    fn other_shapes_are_left_to_codespan() {
        let text = "a\tb\nline two\nüber\n";
        let file = Shown::new("f", text);
        #[allow(clippy::reversed_empty_ranges)] // a reversed range is declined
        let ranges = [0..3, 2..7, 13..14, 0..99, 3..2];
        for range in ranges {
            let d = drawing(Some((range.clone(), "t")), vec![]);
            assert!(!draw(&mut Vec::new(), &d, Some(&file), false), "{range:?}");
        }
        let d = drawing(Some((0..1, "t")), vec![]);
        assert!(!draw(&mut Vec::new(), &d, None, false));
        let mut help = drawing(None, vec![]);
        help.level = Level::Help;
        assert!(!draw(&mut Vec::new(), &help, None, false));
    }

    /// Pieces of text of every kind the fast path must accept or decline.
    const PIECES: &[&str] = &[
        "a", "b", "xy", " ", "  ", "\t", "\n", "\r\n", "\r", "é", "界", "␛", "\u{0}", "-", ":",
    ];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|p| p.concat())
    }

    fn note() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(&["n", " ", "\n", "\r\n", "=", "é"][..]),
            0..8,
        )
        .prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Whenever the fast path draws a diagnostic, codespan draws the
        /// same bytes, with colours and without.
        #[test]
        fn drawn_here_is_drawn_as_codespan_draws_it(
            text in text(),
            a in 0usize..64,
            b in 0usize..64,
            labelled in any::<bool>(),
            title in prop::sample::select(&["", "t", "May run as root"][..]),
            code in prop::sample::select(&["", "R1", "input-error: yaml"][..]),
            level in prop::sample::select(&[Level::Error, Level::Warning, Level::Note][..]),
            notes in prop::collection::vec(note(), 0..3),
            color in any::<bool>(),
        ) {
            let file = Shown::new("dir/name.yaml", &text);
            let bound = |i: usize| {
                let mut i = i.min(text.len());
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                i
            };
            let (start, end) = (bound(a.min(b)), bound(a.max(b)));
            let d = Drawing {
                level,
                code: code.into(),
                message: "a message".into(),
                label: labelled.then(|| (start..end, title.into())),
                notes: notes.iter().map(|n| Cow::Borrowed(n.as_str())).collect(),
            };
            let mut out = Vec::new();
            if draw(&mut out, &d, Some(&file), color) {
                let expected = by_codespan(&d, Some(&file), color);
                prop_assert_eq!(
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(&expected)
                );
            } else {
                prop_assert!(out.is_empty());
            }
        }
    }
}
