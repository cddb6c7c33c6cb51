//! The exec (JSON) form of instruction arguments: a JSON array of strings,
//! parsed with the position of every element.

use super::logical::Logical;
use bulwark_core::Span;

/// One element of an exec-form array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    pub value: String,
    pub span: Span,
}

/// Returns true if and only if `text` is plainly meant as exec form, so a
/// JSON error in it is a mistake rather than a shell command that happens to
/// start with `[` (as `[ -f x ] && …` does).
pub(crate) fn looks_like_json(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('[') else {
        return false;
    };
    if rest.starts_with(['"', '\'']) {
        return true;
    }
    let rest = rest.trim_start();
    if rest.starts_with(']') {
        return true;
    }
    if !rest.starts_with(['"', '\'']) {
        return false;
    }
    // `[ "a", "b" ]` has quote-comma-quote; a shell test does not.
    let bytes = rest.as_bytes();
    (0..bytes.len()).any(|i| {
        matches!(bytes[i], b'"' | b'\'')
            && rest[i + 1..].trim_start().starts_with(',')
            && rest[i + 1..].trim_start()[1..]
                .trim_start()
                .starts_with(['"', '\''])
    })
}

/// Parses `text` (a slice of `logical`) as a JSON array of strings.
///
/// # Errors
///
/// A short description of the first problem, never quoting the input.
pub(crate) fn parse(logical: &Logical, start: usize) -> Result<Vec<Element>, String> {
    let text = &logical.text()[start..];
    let mut chars = text.char_indices().peekable();
    let skip_ws = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
            chars.next();
        }
    };
    match chars.next() {
        Some((_, '[')) => {}
        _ => return Err("expected `[`".to_owned()),
    }
    let mut out = Vec::new();
    skip_ws(&mut chars);
    if let Some((_, ']')) = chars.peek() {
        chars.next();
        skip_ws(&mut chars);
        return match chars.next() {
            None => Ok(out),
            Some(_) => Err("text after the closing `]`".to_owned()),
        };
    }
    loop {
        skip_ws(&mut chars);
        let (open, c) = chars
            .next()
            .ok_or("unterminated array: expected a string")?;
        match c {
            '"' => {}
            '\'' => return Err("strings must use double quotes, not single quotes".to_owned()),
            _ => return Err("expected a double-quoted string".to_owned()),
        }
        let mut value = String::new();
        let close;
        loop {
            let (i, c) = chars.next().ok_or("unterminated string")?;
            match c {
                '"' => {
                    close = i;
                    break;
                }
                '\\' => {
                    let (_, e) = chars.next().ok_or("unterminated string")?;
                    match e {
                        '"' => value.push('"'),
                        '\\' => value.push('\\'),
                        '/' => value.push('/'),
                        'b' => value.push('\u{8}'),
                        'f' => value.push('\u{c}'),
                        'n' => value.push('\n'),
                        'r' => value.push('\r'),
                        't' => value.push('\t'),
                        'u' => {
                            let hex: String = (0..4)
                                .filter_map(|_| chars.next().map(|(_, c)| c))
                                .collect();
                            let code =
                                u32::from_str_radix(&hex, 16).map_err(|_| "invalid \\u escape")?;
                            value.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                        _ => return Err("invalid escape in string".to_owned()),
                    }
                }
                c if (c as u32) < 0x20 => return Err("control character in string".to_owned()),
                c => value.push(c),
            }
        }
        out.push(Element {
            value,
            span: logical.span(start + open, start + close + 1),
        });
        skip_ws(&mut chars);
        match chars.next() {
            Some((_, ',')) => continue,
            Some((_, ']')) => break,
            Some(_) => return Err("expected `,` or `]` after a string".to_owned()),
            None => return Err("unterminated array: expected `]`".to_owned()),
        }
    }
    skip_ws(&mut chars);
    match chars.next() {
        None => Ok(out),
        Some(_) => Err("text after the closing `]`".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> Result<Vec<String>, String> {
        let mut l = Logical::new();
        l.push(s, 0);
        parse(&l, 0).map(|v| v.into_iter().map(|e| e.value).collect())
    }

    #[test]
    fn parses_string_arrays() {
        assert_eq!(
            run(r#"["a", "b \"c\"", "\u0041"]"#),
            Ok(vec!["a".into(), "b \"c\"".into(), "A".into()])
        );
        assert_eq!(run("[ ]"), Ok(vec![]));
    }

    #[test]
    fn explains_errors() {
        assert!(run(r#"["a", "b""#).unwrap_err().contains("unterminated"));
        assert!(run("['a', 'b']").unwrap_err().contains("single quotes"));
        assert!(run(r#"["a" "b"]"#).unwrap_err().contains("expected `,`"));
        assert!(run(r#"["a", 1]"#).is_err());
    }

    #[test]
    fn tells_exec_form_from_shell_tests() {
        assert!(looks_like_json(r#"["nginx", "-g""#));
        assert!(looks_like_json("['a', 'b']"));
        assert!(looks_like_json(r#"[ "a", "b" ]"#));
        assert!(!looks_like_json(r#"[ "$A" = "b" ] && echo"#));
        assert!(!looks_like_json("[ -f /x ] || exit 1"));
    }
}
