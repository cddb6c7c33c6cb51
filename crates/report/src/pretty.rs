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
}
