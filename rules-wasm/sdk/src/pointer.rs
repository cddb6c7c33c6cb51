//! JSON pointers (RFC 6901).

/// Appends `token` to `base` as one escaped reference token.
pub fn join(base: &str, token: impl std::fmt::Display) -> String {
    join_str(base, &token.to_string())
}

/// [`join`] for a string token, without the formatting machinery: views
/// build a pointer for every value they hand out, so this is hot.
pub fn join_str(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    out.push('/');
    if token.contains(['~', '/']) {
        for c in token.chars() {
            match c {
                '~' => out.push_str("~0"),
                '/' => out.push_str("~1"),
                c => out.push(c),
            }
        }
    } else {
        out.push_str(token);
    }
    out
}

/// [`join`] for an array index.
pub fn join_index(base: &str, index: usize) -> String {
    let mut buf = [0u8; 20];
    let mut n = index;
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let digits = std::str::from_utf8(&buf[i..]).unwrap_or("0");
    let mut out = String::with_capacity(base.len() + digits.len() + 1);
    out.push_str(base);
    out.push('/');
    out.push_str(digits);
    out
}

/// `pointer` narrowed to the bytes `range` of `value`, the string it
/// names: `POINTER~@START-END` in characters, which the host maps to where
/// those characters are written (a secret assignment inside a value that
/// holds a config file). A range outside `value` or off a character
/// boundary is the whole value's pointer.
pub fn within(pointer: &str, value: &str, range: std::ops::Range<usize>) -> String {
    let chars = |b: usize| value.get(..b).map(|s| s.chars().count());
    match (chars(range.start), chars(range.end)) {
        (Some(start), Some(end)) if start < end => format!("{pointer}~@{start}-{end}"),
        _ => pointer.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_range_inside_a_value_counts_characters() {
        let value = "é=1\npassword=s3cr3t";
        let at = value.find("s3cr3t").unwrap_or_default();
        assert_eq!(
            super::within("/data/a~1b", value, at..at + 6),
            "/data/a~1b~@13-19"
        );
        // Off a character boundary, empty or outside: the whole value.
        assert_eq!(super::within("/x", value, 1..3), "/x");
        assert_eq!(super::within("/x", value, 4..4), "/x");
        assert_eq!(super::within("/x", value, 4..99), "/x");
    }

    #[test]
    fn escapes_tokens() {
        assert_eq!(super::join("/a", "b/c~d"), "/a/b~1c~0d");
        assert_eq!(super::join("", 3), "/3");
        assert_eq!(super::join_str("/a", "x"), "/a/x");
        assert_eq!(super::join_index("/a", 0), "/a/0");
        assert_eq!(super::join_index("", 1207), "/1207");
    }
}
