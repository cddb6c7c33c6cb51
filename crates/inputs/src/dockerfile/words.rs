//! Shell-like words in Dockerfile arguments: splitting, unquoting and
//! variable substitution as BuildKit's lexer does them.
//!
//! This is not a shell parser: RUN commands go through `shell.rs`. These
//! helpers serve the instructions whose arguments BuildKit itself tokenises
//! (ENV, LABEL, ARG, COPY, ADD, USER, FROM, heredoc openers).

/// A word's byte range in the text it was split from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WordSpan {
    pub start: usize,
    pub end: usize,
}

/// Splits `text` on unquoted, unescaped whitespace. Quotes stay in the words.
pub(crate) fn split_words(text: &str, escape: char) -> Vec<WordSpan> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if start.is_none() {
            if c.is_whitespace() {
                continue;
            }
            start = Some(i);
        }
        match quote {
            Some('\'') => {
                if c == '\'' {
                    quote = None;
                }
            }
            Some(q) => {
                if c == escape {
                    chars.next();
                } else if c == q {
                    quote = None;
                }
            }
            None => {
                if c == escape {
                    chars.next();
                } else if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if c.is_whitespace()
                    && let Some(s) = start.take()
                {
                    words.push(WordSpan { start: s, end: i });
                }
            }
        }
    }
    if let Some(s) = start {
        words.push(WordSpan {
            start: s,
            end: text.len(),
        });
    }
    words
}

/// Removes quotes and escapes from a word, the way BuildKit's lexer does.
pub(crate) fn unquote(word: &str, escape: char) -> String {
    let mut out = String::with_capacity(word.len());
    let mut quote: Option<char> = None;
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some('\'') => {
                if c == '\'' {
                    quote = None;
                } else {
                    out.push(c);
                }
            }
            Some(q) => {
                if c == escape {
                    match chars.peek() {
                        Some(&n) if n == q || n == '$' || n == escape => {
                            out.push(n);
                            chars.next();
                        }
                        _ => out.push(c),
                    }
                } else if c == q {
                    quote = None;
                } else {
                    out.push(c);
                }
            }
            None => {
                if c == escape {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else if c == '\'' || c == '"' {
                    quote = Some(c);
                } else {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// The result of substituting variables in a word.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Expanded {
    /// The word with quotes removed and variables substituted.
    pub value: String,
    /// Variables that were referenced but have no value in scope.
    pub unresolved: Vec<String>,
    /// A default or alternative nested past [`MAX_SUBSTITUTION_DEPTH`]
    /// was met (and left out): the word is not what a build would see.
    pub too_deep: bool,
}

/// Deepest nesting of `${NAME:-…}` defaults and alternatives substituted.
/// Each level is substituted by a call of its own, over its own copy of
/// the text inside it, so without a bound a line of `${a:-${a:-…}}` took
/// memory growing with the square of its length, or the whole stack.
pub(crate) const MAX_SUBSTITUTION_DEPTH: usize = 32;

/// Unquotes `word` and substitutes `$VAR`, `${VAR}`, `${VAR:-default}`,
/// `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}` and `${VAR:?message}` using
/// `lookup`. Single-quoted text and escaped `$` are left alone. A variable
/// with no value expands to the empty string, as in BuildKit.
pub(crate) fn expand(
    word: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Expanded {
    expand_at(word, escape, lookup, 0)
}

/// [`expand`] at `level` defaults and alternatives deep.
fn expand_at(
    word: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Option<String>,
    level: usize,
) -> Expanded {
    let mut out = Expanded::default();
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if quote == Some('\'') {
            if c == '\'' {
                quote = None;
            } else {
                out.value.push(c);
            }
            i += 1;
            continue;
        }
        if c == escape {
            if let Some(&n) = chars.get(i + 1) {
                if quote.is_none() || n == '"' || n == '$' || n == escape {
                    out.value.push(n);
                } else {
                    out.value.push(c);
                    out.value.push(n);
                }
            }
            i += 2;
            continue;
        }
        match c {
            '"' if quote == Some('"') => quote = None,
            '"' | '\'' if quote.is_none() => quote = Some(c),
            '$' => {
                i += 1;
                i = expand_variable(&chars, i, escape, lookup, level, &mut out);
                continue;
            }
            _ => out.value.push(c),
        }
        i += 1;
    }
    out
}

/// Expands the variable reference starting at `chars[i]` (just after `$`),
/// returning the index after it.
fn expand_variable(
    chars: &[char],
    mut i: usize,
    escape: char,
    lookup: &dyn Fn(&str) -> Option<String>,
    level: usize,
    out: &mut Expanded,
) -> usize {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if chars.get(i) == Some(&'{') {
        // Find the matching close brace, allowing nested `${...}`.
        let mut depth = 1;
        let mut j = i + 1;
        while j < chars.len() && depth > 0 {
            match chars[j] {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            j += 1;
        }
        if depth != 0 {
            // Unterminated: keep the text literally.
            out.value.push('$');
            out.value.extend(&chars[i..]);
            return chars.len();
        }
        let inner: String = chars[i + 1..j - 1].iter().collect();
        let name_len = inner.chars().take_while(|&c| is_name(c)).count();
        let name = &inner[..name_len];
        let rest = &inner[name_len..];
        let value = lookup(name);
        let (op, arg) = ["-", ":-", "+", ":+", "?", ":?"]
            .iter()
            .filter_map(|op| rest.strip_prefix(op).map(|arg| (*op, arg)))
            .max_by_key(|(op, _)| op.len())
            .unwrap_or(("", rest));
        let set = value.is_some();
        let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
        let expand_arg = |out: &mut Expanded| {
            if level >= MAX_SUBSTITUTION_DEPTH {
                out.too_deep = true;
                return;
            }
            let nested = expand_at(arg, escape, lookup, level + 1);
            out.value.push_str(&nested.value);
            out.unresolved.extend(nested.unresolved);
            out.too_deep |= nested.too_deep;
        };
        match op {
            "-" if !set => expand_arg(out),
            ":-" if !non_empty => expand_arg(out),
            "+" | ":+" => {
                if (op == "+" && set) || (op == ":+" && non_empty) {
                    expand_arg(out);
                }
            }
            _ => match value {
                Some(v) => out.value.push_str(&v),
                None => out.unresolved.push(name.to_owned()),
            },
        }
        return j;
    }
    let start = i;
    while i < chars.len() && is_name(chars[i]) {
        i += 1;
    }
    if i == start {
        out.value.push('$');
        return i;
    }
    let name: String = chars[start..i].iter().collect();
    match lookup(&name) {
        Some(v) => out.value.push_str(&v),
        None => out.unresolved.push(name),
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<&str> {
        split_words(s, '\\')
            .into_iter()
            .map(|w| &s[w.start..w.end])
            .collect()
    }

    #[test]
    fn splits_on_unquoted_whitespace() {
        assert_eq!(
            words(r#"A="a b" B='c d' C=e\ f  "#),
            vec![r#"A="a b""#, "B='c d'", r"C=e\ f"]
        );
        assert_eq!(words(""), Vec::<&str>::new());
    }

    #[test]
    fn unquotes_like_buildkit() {
        assert_eq!(unquote(r#""a \"b\"""#, '\\'), r#"a "b""#);
        assert_eq!(unquote(r"'a\b'", '\\'), r"a\b");
        assert_eq!(unquote(r"a\ b", '\\'), "a b");
        assert_eq!(unquote(r"C:\path", '`'), r"C:\path");
    }

    #[test]
    fn expands_variables_with_defaults() {
        let lookup = |n: &str| match n {
            "TAG" => Some("3.12".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        let e = |s| expand(s, '\\', &lookup);
        assert_eq!(e("python:${TAG}").value, "python:3.12");
        assert_eq!(e("python:$TAG-slim").value, "python:3.12-slim");
        assert_eq!(e("x:${NOPE:-latest}").value, "x:latest");
        assert_eq!(e("x:${EMPTY:-d}").value, "x:d");
        assert_eq!(e("x:${EMPTY-d}").value, "x:");
        assert_eq!(e("x${TAG:+-y}").value, "x-y");
        assert_eq!(e("'$TAG'").value, "$TAG");
        assert_eq!(e(r"\$TAG").value, "$TAG");
        let missing = e("img:$MISSING");
        assert_eq!(missing.value, "img:");
        assert_eq!(missing.unresolved, vec!["MISSING"]);
        assert_eq!(e("a${B").value, "a${B");
    }

    /// Defaults nest up to the bound, and past it the word says so.
    #[test]
    fn bounds_the_nesting_of_defaults() {
        let lookup = |_: &str| None;
        let nested = |n: usize| format!("{}x{}", "${A:-".repeat(n), "}".repeat(n));
        let within = expand(&nested(MAX_SUBSTITUTION_DEPTH), '\\', &lookup);
        assert_eq!((within.value.as_str(), within.too_deep), ("x", false));
        assert_eq!(within.unresolved.len(), 0);
        let over = expand(&nested(MAX_SUBSTITUTION_DEPTH + 1), '\\', &lookup);
        assert!(over.too_deep);
        assert_eq!(over.value, "");
        // Alternatives count too; a deep one not taken is never read.
        let set = |_: &str| Some("v".to_owned());
        let alt = format!("{}y{}", "${A:+".repeat(40), "}".repeat(40));
        assert!(expand(&alt, '\\', &set).too_deep);
        let untaken = format!("${{A:-{}}}", nested(40));
        assert_eq!(expand(&untaken, '\\', &set).value, "v");
        // A deep line is read in time linear in its length.
        let deep = expand(&nested(200_000), '\\', &lookup);
        assert!(deep.too_deep);
    }
}
