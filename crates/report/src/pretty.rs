//! Pretty-printed JSON written in place inside a larger document that is
//! written piece by piece (see [`crate::stream`]): indented to its depth as
//! it is written, instead of printed at depth zero and indented again
//! line by line.

use std::io;

use serde::Serialize;

/// Writes `value` to `out` pretty-printed as [`serde_json::to_vec_pretty`]
/// does (two spaces an indent), as if it sat `depth` levels deep: every
/// line after the first is indented by `depth` more levels. The first line
/// is not: what comes before the value on it is the caller's.
pub(crate) fn nested(out: &mut Vec<u8>, value: &impl Serialize, depth: usize) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(
        out,
        Nested {
            depth,
            has_value: false,
        },
    );
    value.serialize(&mut serializer).map_err(io::Error::other)
}

/// serde_json's pretty formatter with a starting depth.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn open<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.has_value {
            writer.write_all(b"\n")?;
            indent(writer, self.depth)?;
        }
        writer.write_all(bracket)
    }

    fn item<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        indent(writer, self.depth)
    }
}

fn indent<W: ?Sized + io::Write>(writer: &mut W, depth: usize) -> io::Result<()> {
    const SPACES: &[u8; 32] = b"                                ";
    let mut left = depth * 2;
    while left > 0 {
        let n = left.min(SPACES.len());
        writer.write_all(&SPACES[..n])?;
        left -= n;
    }
    Ok(())
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Returns true if and only if JSON escapes a byte of `bytes`: a control
/// character, a quote or a backslash. Sixteen bytes at a time, without a
/// branch per byte.
fn needs_escape(bytes: &[u8]) -> bool {
    let escaped = |b: u8| (b < 0x20) | (b == b'"') | (b == b'\\');
    let mut blocks = bytes.chunks_exact(16);
    for block in &mut blocks {
        if block.iter().fold(false, |any, &b| any | escaped(b)) {
            return true;
        }
    }
    blocks.remainder().iter().any(|&b| escaped(b))
}

/// Pretty JSON written directly, laid out exactly as [`nested`] lays out
/// the same value at the same depth: for what is written tens of thousands
/// of times (a SARIF result), where serde_json would escape every member
/// name byte by byte. Strings with nothing to escape are copied as they
/// are; any other is written by serde_json itself.
pub(crate) struct Pretty<'o> {
    out: &'o mut Vec<u8>,
    depth: usize,
    /// Nothing written yet in the innermost open object or array.
    first: bool,
}

impl<'o> Pretty<'o> {
    /// A writer for a value sitting `depth` levels deep (see [`nested`]).
    pub(crate) fn new(out: &'o mut Vec<u8>, depth: usize) -> Pretty<'o> {
        Pretty {
            out,
            depth,
            first: true,
        }
    }

    fn open(&mut self, bracket: u8) {
        self.depth += 1;
        self.first = true;
        self.out.push(bracket);
    }

    fn close(&mut self, bracket: u8) {
        self.depth = self.depth.saturating_sub(1);
        if !self.first {
            self.out.push(b'\n');
            self.indent();
        }
        self.first = false;
        self.out.push(bracket);
    }

    fn indent(&mut self) {
        let len = self.out.len() + self.depth * 2;
        self.out.resize(len, b' ');
    }

    pub(crate) fn begin_object(&mut self) {
        self.open(b'{');
    }

    pub(crate) fn end_object(&mut self) {
        self.close(b'}');
    }

    pub(crate) fn begin_array(&mut self) {
        self.open(b'[');
    }

    pub(crate) fn end_array(&mut self) {
        self.close(b']');
    }

    /// Before each element of an array.
    pub(crate) fn item(&mut self) {
        self.out
            .extend_from_slice(if self.first { b"\n" } else { b",\n" });
        self.first = false;
        self.indent();
    }

    /// A member's name of any text; its value is written next.
    #[cfg(test)]
    fn key(&mut self, name: &str) {
        self.item();
        self.string(name);
        self.out.extend_from_slice(b": ");
    }

    /// A member's name written in the code, with nothing to escape; its
    /// value is written next.
    pub(crate) fn member(&mut self, name: &'static str) {
        debug_assert!(!needs_escape(name.as_bytes()), "{name}");
        self.item();
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\": ");
    }

    pub(crate) fn string(&mut self, text: &str) {
        if !needs_escape(text.as_bytes()) {
            self.out.push(b'"');
            self.out.extend_from_slice(text.as_bytes());
            self.out.push(b'"');
        } else {
            // A string is written the same by every formatter.
            let _ = serde_json::to_writer(&mut *self.out, text);
        }
    }

    pub(crate) fn number(&mut self, n: usize) {
        crate::text::push_number(self.out, n);
    }

    /// Any other value, through serde_json.
    pub(crate) fn value(&mut self, value: &impl Serialize) -> io::Result<()> {
        nested(self.out, value, self.depth)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// What printing at depth zero and indenting every line after the
    /// first gives.
    fn reindented(value: &serde_json::Value, depth: usize) -> Vec<u8> {
        let text = serde_json::to_vec_pretty(value).unwrap_or_default();
        let mut out = Vec::new();
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                out.push(b'\n');
                out.extend(std::iter::repeat_n(b' ', depth * 2));
            }
            out.extend_from_slice(line);
        }
        out
    }

    #[test]
    fn writes_what_indenting_the_pretty_text_gives() -> io::Result<()> {
        let values = [
            json!(1),
            json!("a\nb \"c\" \u{1b}"),
            json!([]),
            json!({}),
            json!({"a": [], "b": {}, "c": [1, {"d": [[], [2]]}], "e": null}),
            json!([{"x": "y"}, [], {}, [[{}]]]),
        ];
        for value in &values {
            for depth in [0, 1, 4, 20] {
                let mut out = Vec::new();
                nested(&mut out, value, depth)?;
                assert_eq!(
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(&reindented(value, depth)),
                    "{value} at depth {depth}"
                );
            }
        }
        Ok(())
    }

    /// `value` through [`Pretty`]'s own methods, as far as they go.
    fn by_hand(w: &mut Pretty<'_>, value: &serde_json::Value) -> io::Result<()> {
        use serde_json::Value;
        match value {
            Value::Object(members) => {
                w.begin_object();
                for (name, v) in members {
                    w.key(name);
                    by_hand(w, v)?;
                }
                w.end_object();
            }
            Value::Array(items) => {
                w.begin_array();
                for v in items {
                    w.item();
                    by_hand(w, v)?;
                }
                w.end_array();
            }
            Value::String(s) => w.string(s),
            Value::Number(n) if n.as_u64().is_some() => {
                w.number(
                    n.as_u64()
                        .and_then(|n| usize::try_from(n).ok())
                        .unwrap_or(0),
                );
            }
            other => w.value(other)?,
        }
        Ok(())
    }

    #[test]
    fn escapes_are_found_wherever_they_are() {
        for b in 0u8..0x80 {
            for at in [0, 1, 15, 16, 17, 31, 40] {
                let mut bytes = vec![b'a'; 41];
                bytes[at] = b;
                let text = String::from_utf8(bytes).unwrap_or_default();
                let escaped = serde_json::to_string(&text).unwrap_or_default();
                assert_eq!(
                    needs_escape(text.as_bytes()),
                    escaped.len() != text.len() + 2,
                    "byte {b:#x} at {at}"
                );
            }
        }
        assert!(!needs_escape(b""));
        assert!(!needs_escape("é".as_bytes()));
    }

    #[test]
    fn the_writer_lays_out_what_nested_does() -> io::Result<()> {
        let values = [
            json!(0),
            json!(18446744073709551615u64),
            json!("plain"),
            json!("a\nb \"c\" \\ \u{1b} \u{7f} é"),
            json!([]),
            json!({}),
            json!({"a": [], "b": {}, "c": [1, {"d": [[], [2]]}], "e": null, "f": -1.5}),
            json!([{"x": "y"}, [], {}, [[{}]], true, "q\"", {"k\n": "v"}]),
        ];
        for value in &values {
            for depth in [0, 1, 4, 20] {
                let mut expected = Vec::new();
                nested(&mut expected, value, depth)?;
                let mut out = Vec::new();
                by_hand(&mut Pretty::new(&mut out, depth), value)?;
                assert_eq!(
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(&expected),
                    "{value} at depth {depth}"
                );
            }
        }
        Ok(())
    }
}
