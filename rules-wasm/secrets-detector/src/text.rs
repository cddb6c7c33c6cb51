//! Secrets in free text: where they are, as byte ranges.
//!
//! Rules see parsed documents; the host also needs to mask text that no
//! rule judged: the line of a file that failed to parse, a message a module
//! wrote. [`find`] looks for the same things the rules do, over plain text:
//!
//! - PEM private key blocks, from `-----BEGIN … PRIVATE KEY-----` to its
//!   `-----END …-----` line (or the end of the text when it never ends);
//! - credentials recognised by their format ([`crate::known_format`]): the
//!   token itself, or the password part of a URL;
//! - assignments whose name says they hold a secret and whose value is a
//!   literal ([`crate::is_secret_name`], [`crate::is_literal`]):
//!   `DB_PASSWORD=…`, `password: …`, `"apiKey": "…"`, `--token=…`,
//!   `--password …`, a YAML block scalar under such a key, and Kubernetes'
//!   `name: DB_PASSWORD` / `value: …` pairs.
//!
//! Only the value is returned, never the name, so a caller masks exactly
//! what must not be shown.

use std::ops::Range;

use crate::{TOKEN_FORMATS, is_alnum, is_literal, is_secret_name, is_token_char};

/// Where `needle` (not empty, ASCII) first occurs in `hay`: what
/// `str::find` answers, without building a two-way searcher for every
/// line and value (that set-up had cost more than the search on the short
/// texts searched here). Candidates are found by the needle's least common
/// byte in configuration text ([`commonness`]: `B` of `-----BEGIN `, `/`
/// of `://`, not the space or colon on every line), with the standard
/// library's `memchr`.
fn find_str(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    debug_assert!(!n.is_empty() && n.is_ascii());
    let matches_at =
        |start: usize| h.len() - start >= n.len() && h[start..].iter().zip(n).all(|(a, b)| a == b);
    let (anchor, &rare) = n.iter().enumerate().min_by_key(|&(_, &b)| commonness(b))?;
    // Each occurrence of the rare byte, left to right (searching on from
    // just past an ASCII byte, always a character boundary), is where a
    // match would have it.
    let mut from = 0;
    while let Some(at) = hay[from..].find(char::from(rare)) {
        let at = from + at;
        if let Some(start) = at.checked_sub(anchor)
            && matches_at(start)
        {
            return Some(start);
        }
        from = at + 1;
    }
    None
}

/// How common a byte is in configuration text, roughly: 2 for the space,
/// the line break, YAML's punctuation and the commonest letters, 1 for
/// other lower-case letters, digits and path punctuation, 0 for the rest.
fn commonness(b: u8) -> u8 {
    match b {
        b' ' | b'\n' | b':' | b'-' | b'"' | b'a' | b'e' | b'i' | b'n' | b'o' | b'r' | b's'
        | b't' => 2,
        b'a'..=b'z' | b'0'..=b'9' | b'/' | b'.' | b'_' => 1,
        _ => 0,
    }
}

/// `s` without its leading whitespace, as `str::trim_start` gives it; the
/// usual case (ASCII spaces, then an ASCII character that is not
/// whitespace) is answered byte by byte.
fn trim_start(s: &str) -> &str {
    let spaces = s.bytes().take_while(|&b| b == b' ').count();
    let rest = &s[spaces..];
    match rest.as_bytes().first() {
        Some(&b) if b.is_ascii() && !char::from(b).is_whitespace() => rest,
        None => rest,
        Some(_) => rest.trim_start(),
    }
}

/// The first two bytes of a token of [`TOKEN_FORMATS`], a Slack token
/// (`xo`) or a JSON Web Token (`ey`).
const TOKEN_PAIRS: [[u8; 2]; TOKEN_FORMATS.len() + 2] = {
    let mut pairs = [*b"xo"; TOKEN_FORMATS.len() + 2];
    pairs[1] = *b"ey";
    let mut i = 0;
    while i < TOKEN_FORMATS.len() {
        let prefix = TOKEN_FORMATS[i].prefix.as_bytes();
        pairs[i + 2] = [prefix[0], prefix[1]];
        i += 1;
    }
    pairs
};

/// Bytes a token of [`TOKEN_PAIRS`] starts with: the only word starts
/// worth a closer look.
const TOKEN_STARTS: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < TOKEN_PAIRS.len() {
        table[TOKEN_PAIRS[i][0] as usize] = true;
        i += 1;
    }
    table
};

/// The byte ranges of every secret [`find`] recognises in `text`, sorted,
/// overlapping ranges merged. Each range lies on character boundaries.
pub fn find(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    pem_blocks(text, &mut out);
    tokens(text, &mut out);
    url_passwords(text, &mut out);
    assignments(text, &mut out);
    out.retain(|r| r.start < r.end);
    out.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(out.len());
    for r in out {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// `-----BEGIN … PRIVATE KEY-----` through the matching `-----END …-----`.
fn pem_blocks(text: &str, out: &mut Vec<Range<usize>>) {
    // `-----BEGIN ` and `PRIVATE KEY` at the least.
    if text.len() < 22 {
        return;
    }
    let mut from = 0;
    while let Some(at) = find_str(&text[from..], "-----BEGIN ") {
        let start = from + at;
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        if !text[start..line_end].contains("PRIVATE KEY") {
            // No later `-----BEGIN ` of this line can hold it either (what
            // follows it is part of what was searched): the line is done.
            // Searching the line again from each one had taken time growing
            // with the square of its length.
            from = line_end.max(start + 1);
            continue;
        }
        let end = match find_str(&text[line_end..], "-----END ") {
            Some(i) => {
                let end_marker = line_end + i;
                // Through the closing dashes of the END line.
                let rest = &text[end_marker + 9..];
                let close = find_str(rest, "-----").map(|j| end_marker + 9 + j + 5);
                let eol = rest.find('\n').map(|j| end_marker + 9 + j);
                match (close, eol) {
                    (Some(c), Some(e)) if c <= e => c,
                    (_, Some(e)) => e,
                    (Some(c), None) => c,
                    (None, None) => text.len(),
                }
            }
            None => text.len(),
        };
        out.push(start..end);
        from = end.max(start + 1);
    }
}

/// The byte length of the run of `class` characters at the start of `s`.
fn run(s: &str, class: impl Fn(char) -> bool) -> (usize, usize) {
    let mut chars = 0;
    let mut bytes = 0;
    for c in s.chars() {
        if !class(c) {
            break;
        }
        chars += 1;
        bytes += c.len_utf8();
    }
    (chars, bytes)
}

/// Where runs of characters of one class end, remembered for the run: a
/// token starting inside a run that was measured ends where it does, so a
/// run of a million word starts (`AIza-AIza-…`, `eyJ-eyJ-…`) is measured
/// once, not once for each (time growing with the square of its length).
struct Runs {
    /// Per kind of token (a format of [`TOKEN_FORMATS`], then Slack, then
    /// JWT): the run measured from `.0` ends at `.1`, every byte between
    /// of its class. `(1, 0)` before any.
    ends: [(usize, usize); RUN_KINDS],
}

const SLACK_RUN: usize = TOKEN_FORMATS.len();
const JWT_RUN: usize = TOKEN_FORMATS.len() + 1;
const RUN_KINDS: usize = TOKEN_FORMATS.len() + 2;

impl Runs {
    fn new() -> Runs {
        Runs {
            ends: [(1, 0); RUN_KINDS],
        }
    }

    /// The end of the run of `class` (ASCII characters) starting at `at`,
    /// for tokens of `kind`, which always use that class.
    fn end(&mut self, text: &str, at: usize, kind: usize, class: fn(char) -> bool) -> usize {
        // Every kind has its slot (`RUN_KINDS` of them).
        let slot = &mut self.ends[kind];
        if slot.0 <= at && at <= slot.1 {
            return slot.1;
        }
        let end = at + run(&text[at..], class).1;
        *slot = (at, end);
        end
    }
}

fn is_jwt_char(c: char) -> bool {
    is_token_char(c) || c == '.'
}

fn is_slack_char(c: char) -> bool {
    is_alnum(c) || c == '-'
}

/// The last three dots of the run of JWT characters ending at `end`, for
/// every start inside it ([`crate::last_dots`]): remembered per run.
struct Dots {
    end: usize,
    last: [Option<usize>; 3],
}

/// Vendor tokens, Slack tokens and JSON Web Tokens: each starts a word,
/// so one pass over the word starts of `text` finds them all.
fn tokens(text: &str, out: &mut Vec<Range<usize>>) {
    let mut runs = Runs::new();
    let mut dots = Dots {
        end: usize::MAX,
        last: [None; 3],
    };
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        // A word starts here, with a byte a token can start with: no ASCII
        // letter or digit before (a multi-byte character's last byte is
        // not one either).
        if !TOKEN_STARTS[usize::from(b)]
            || (i > 0 && bytes[i - 1].is_ascii_alphanumeric())
            || !bytes
                .get(i + 1)
                .is_some_and(|&next| TOKEN_PAIRS.contains(&[b, next]))
        {
            continue;
        }
        let rest = &text[i..];
        match b {
            b'x' => slack_token(text, i, &mut runs, out),
            b'e' if rest.starts_with("eyJ") => json_web_token(text, i, &mut runs, &mut dots, out),
            _ => {
                let formats = TOKEN_FORMATS.iter().enumerate().filter(|(_, f)| {
                    f.prefix.as_bytes().first() == Some(&b) && rest.starts_with(f.prefix)
                });
                for (kind, f) in formats {
                    let body = i + f.prefix.len();
                    // Every class is ASCII: as many characters as bytes.
                    let end = runs.end(text, body, kind, f.class);
                    if end - body >= f.min_len {
                        out.push(i..end);
                    }
                }
            }
        }
    }
}

/// A Slack token (`xoxb-…`) at `i`, where a word starts.
fn slack_token(text: &str, i: usize, runs: &mut Runs, out: &mut Vec<Range<usize>>) {
    for prefix in ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"] {
        if text[i..].starts_with(prefix) {
            let body = i + prefix.len();
            let end = runs.end(text, body, SLACK_RUN, is_slack_char);
            if end - body >= 10 {
                out.push(i..end);
            }
        }
    }
}

/// A JSON Web Token (three dot-separated parts, the first two JSON
/// objects in base64url) at `i`, where a word starts ([`crate::jwt_at`]).
fn json_web_token(
    text: &str,
    i: usize,
    runs: &mut Runs,
    dots: &mut Dots,
    out: &mut Vec<Range<usize>>,
) {
    let end = runs.end(text, i, JWT_RUN, is_jwt_char);
    if dots.end != end {
        *dots = Dots {
            end,
            last: crate::last_dots(text, i, end),
        };
    }
    if crate::jwt_at(text, i, end, dots.last) {
        out.push(i..end);
    }
}

/// The password of `scheme://user:password@host`.
fn url_passwords(text: &str, out: &mut Vec<Range<usize>>) {
    // `://u:p@h` at the least (the scheme may be empty).
    if text.len() < 7 {
        return;
    }
    // `://` cannot overlap itself, so every occurrence is one found after
    // the last.
    let mut from = 0;
    while let Some(at) = find_str(&text[from..], "://") {
        let i = from + at;
        from = i + 3;
        let start = i + 3;
        let authority_len = text[start..]
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | '`') || c.is_whitespace()
            })
            .unwrap_or(text.len() - start);
        let authority = &text[start..start + authority_len];
        let Some((userinfo, host)) = authority.rsplit_once('@') else {
            continue;
        };
        let Some((user, password)) = userinfo.split_once(':') else {
            continue;
        };
        if !user.is_empty()
            && !host.is_empty()
            && !password.starts_with('$')
            && is_literal(password)
        {
            let p = start + user.len() + 1;
            out.push(p..p + password.len());
        }
    }
}

/// Characters a name may hold.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Named assignments, line by line.
fn assignments(text: &str, out: &mut Vec<Range<usize>>) {
    let lines: Vec<(usize, &str)> = lines(text).collect();
    // Lines with a `--` are few: they are found in one pass over the text
    // rather than by searching every line.
    let mut dashes = {
        let mut from = 0;
        std::iter::from_fn(move || {
            let at = from + find_str(&text[from..], "--")?;
            from = at + 2;
            Some(at)
        })
        .peekable()
    };
    // The last line of a block scalar found so far: a key line inside it
    // is text, and the block it would start lies inside this one.
    let mut block_until = 0;
    for (index, &(offset, line)) in lines.iter().enumerate() {
        let mut stops = Stops::default();
        // Both separators are ASCII: a byte equal to one is the character.
        let separators = line
            .bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'=' || b == b':')
            .map(|(at, b)| (at, char::from(b)));
        for (sep_at, sep) in separators {
            let Some(name) = name_before(line, sep_at) else {
                continue;
            };
            if !is_secret_name(name) {
                continue;
            }
            let after = &line[sep_at + 1..];
            // `key:value` without a space is not YAML (an image, a URL, a
            // time); JSON's `"key":"value"` is.
            // An environment-style name (`DB_PASSWORD:secret`) is an
            // assignment either way.
            let quoted_name = line[..sep_at].trim_end().ends_with(['"', '\'']);
            let env_name = name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if sep == ':'
                && !after.is_empty()
                && !after.starts_with([' ', '\t'])
                && !quoted_name
                && !env_name
            {
                continue;
            }
            if sep == ':' && is_block_indicator(after) {
                if index >= block_until {
                    block_until = block_scalar(&lines, index, line, out);
                }
                continue;
            }
            let Some(value) = stops.value_after(line, sep_at + 1, sep) else {
                continue;
            };
            let base = offset + sep_at + 1;
            let range = base + value.start..base + value.end;
            // Inside a value found on this line already: it changes nothing
            // (and is not looked at again).
            if out
                .last()
                .is_some_and(|r| r.start <= range.start && range.end <= r.end)
            {
                continue;
            }
            if is_literal(&after[value]) {
                out.push(range);
            }
        }
        while dashes.next_if(|&at| at < offset).is_some() {}
        if dashes.peek().is_some_and(|&at| at < offset + line.len()) {
            flag_values(line, offset, out);
        }
        name_value_pair(&lines, index, out);
    }
}

/// Every line with its byte offset, without the line break.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split('\n').map(move |l| {
        let at = offset;
        offset += l.len() + 1;
        (at, l.strip_suffix('\r').unwrap_or(l))
    })
}

/// The name written right before the separator at `sep_at`: an unquoted
/// run of name characters, or a quoted string; whitespace between name and
/// separator is allowed.
/// The name a secret at `value` (a range [`find`] gave) is assigned to in
/// `text`: `spring.datasource.password` for the value of
/// `spring.datasource.password=…`, `DB_PASSWORD` for `export
/// DB_PASSWORD="…"`; `None` for a secret that stands alone (a token, a
/// private key) or one whose name is not on its line.
pub fn assigned_name(text: &str, value: Range<usize>) -> Option<&str> {
    let line_start = text.get(..value.start)?.rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..value.start];
    let sep_at = line.rfind(['=', ':'])?;
    // `--password=…` names the flag; `-Dspring.datasource.password=…` (a
    // Java system property) the property.
    let name = name_before(line, sep_at)?.trim_start_matches('-');
    let java = line[..sep_at]
        .trim_end()
        .strip_suffix(name)
        .is_some_and(|before| before.ends_with('-'))
        && name.starts_with('D')
        && name[1..].starts_with(|c: char| c.is_ascii_lowercase());
    Some(if java { &name[1..] } else { name })
}

fn name_before(line: &str, sep_at: usize) -> Option<&str> {
    let before = line[..sep_at].trim_end();
    if let Some(inner) = before
        .strip_suffix('"')
        .or_else(|| before.strip_suffix('\''))
    {
        let quote = if before.ends_with('"') { '"' } else { '\'' };
        let open = inner.rfind(quote)?;
        let name = &inner[open + 1..];
        return (!name.is_empty() && name.chars().all(is_name_char)).then_some(name);
    }
    // Name characters are ASCII; a byte of a multi-byte character is not
    // one, so counting bytes from the end stops where the characters do.
    let len = before
        .bytes()
        .rev()
        .take_while(|&b| is_name_char(char::from(b)))
        .count();
    if len == 0 {
        return None;
    }
    let name = before[before.len() - len..].trim_start_matches(['-', '.']);
    (!name.is_empty()).then_some(name)
}

/// Where the values of a line's separators end, remembered for the part of
/// the line searched: separators are visited left to right, and every
/// value starting before the first stop found ends there, so each part of
/// the line is searched once. Searching each value to its end had taken
/// time growing with the square of the line (`password=password=…`,
/// `password: password: …`, `password={{password={{…`).
#[derive(Default)]
struct Stops {
    /// For a value after `=`, after `:`, and a template's `}}`: searched
    /// from `.0`, found at `.1` (or nowhere after).
    word: Option<(usize, Option<usize>)>,
    rest: Option<(usize, Option<usize>)>,
    template: Option<(usize, Option<usize>)>,
}

impl Stops {
    /// The first stop at or after `at` in `line`, by `find`, through `memo`.
    fn next(
        memo: &mut Option<(usize, Option<usize>)>,
        line: &str,
        at: usize,
        find: impl Fn(&str) -> Option<usize>,
    ) -> Option<usize> {
        if let Some((from, found)) = *memo
            && from <= at
            && found.is_none_or(|f| at <= f)
        {
            return found;
        }
        let found = find(&line[at..]).map(|i| at + i);
        *memo = Some((at, found));
        found
    }

    /// [`value_after`] for the separator ending at `after_at` in `line`.
    fn value_after(&mut self, line: &str, after_at: usize, sep: char) -> Option<Range<usize>> {
        let after = &line[after_at..];
        let lead = after.len() - after.trim_start_matches([' ', '\t']).len();
        let rest = &after[lead..];
        let at = after_at + lead;
        let first = rest.chars().next()?;
        if first == '"' || first == '\'' {
            let close = rest[1..].find(first)?;
            return Some(lead + 1..lead + 1 + close);
        }
        if rest.starts_with("{{")
            && let Some(close) = Self::next(&mut self.template, line, at, |t| find_str(t, "}}"))
        {
            return Some(lead..close - after_at + 2);
        }
        let end = if sep == '=' {
            Self::next(&mut self.word, line, at, word_end).map_or(rest.len(), |e| e - at)
        } else {
            let stop =
                Self::next(&mut self.rest, line, at, rest_end).map_or(rest.len(), |e| e - at);
            rest[..stop].trim_end().len()
        };
        (end > 0).then_some(lead..lead + end)
    }
}

/// Where an unquoted value after `=` ends: a space or shell punctuation.
fn word_end(rest: &str) -> Option<usize> {
    rest.find(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '"' | '\'' | ')' | '`'))
}

/// Where a value after `:` ends, before trailing spaces: a comment (` #`)
/// or, in flow collections and JSON, `,`, `}` or `]`, whichever comes first.
fn rest_end(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    bytes.iter().enumerate().position(|(i, &b)| {
        matches!(b, b',' | b'}' | b']') || (b == b' ' && bytes.get(i + 1) == Some(&b'#'))
    })
}

/// The range (within `after`) of the value that follows a separator: a
/// quoted string's inside, or an unquoted word (`=`) or rest of the line
/// (`:`), without a trailing comment or flow punctuation.
fn value_after(after: &str, sep: char) -> Option<Range<usize>> {
    // One search from the separator: nothing remembered yet.
    Stops::default().value_after(after, 0, sep)
}

/// Whether `s`, spaces around it aside, is a block scalar's indicator
/// (`|`, `>-`, `|+2`). Read from the start, stopping at the first byte
/// that cannot be one, so a long line is not trimmed for every separator.
fn is_block_indicator(s: &str) -> bool {
    let Some(rest) = trim_start(s).strip_prefix(['|', '>']) else {
        return false;
    };
    rest.trim_start_matches(|c: char| matches!(c, '-' | '+') || c.is_ascii_digit())
        .chars()
        .all(char::is_whitespace)
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The column of a line's first key: past the indentation and any list
/// item dashes (`  - name: x` → 4).
fn key_column(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '-']).len()
}

/// A YAML block scalar under a secret's key: its indented lines. Returns
/// the index of its last line (the key's when it has none).
fn block_scalar(
    lines: &[(usize, &str)],
    index: usize,
    key_line: &str,
    out: &mut Vec<Range<usize>>,
) -> usize {
    let key_indent = key_column(key_line);
    let mut start = None;
    let mut end = 0;
    let mut last = index;
    for (i, &(offset, line)) in lines.iter().enumerate().skip(index + 1) {
        if line.trim().is_empty() {
            continue;
        }
        if indent(line) <= key_indent {
            break;
        }
        start.get_or_insert(offset + indent(line));
        end = offset + line.len();
        last = i;
    }
    if let Some(start) = start {
        out.push(start..end);
    }
    last
}

/// `--password hunter2`: a flag named like a secret, its value the next
/// word.
fn flag_values(line: &str, offset: usize, out: &mut Vec<Range<usize>>) {
    // Where `--` starts, left to right, not overlapping (as `match_indices`
    // would find them).
    let mut from = 0;
    while let Some(at) = find_str(&line[from..], "--") {
        let i = from + at;
        from = i + 2;
        if !line[..i]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace)
        {
            continue;
        }
        let name_len = line[i + 2..]
            .find(|c: char| !is_name_char(c))
            .unwrap_or(line.len() - i - 2);
        let name = &line[i + 2..i + 2 + name_len];
        let after = &line[i + 2 + name_len..];
        if name.is_empty() || !after.starts_with(' ') || !is_secret_name(name) {
            continue;
        }
        let lead = after.len() - after.trim_start().len();
        let word = &after[lead..];
        let word_len = word.find(char::is_whitespace).unwrap_or(word.len());
        let value = word[..word_len].trim_matches(['"', '\'']);
        if !word.starts_with('-') && is_literal(value) {
            let start = offset
                + i
                + 2
                + name_len
                + lead
                + (word_len - word[..word_len].trim_start_matches(['"', '\'']).len());
            out.push(start..start + value.len());
        }
    }
}

/// The value of a secret's name as YAML reads it: `name: X` with `X` a
/// plain or quoted scalar.
fn yaml_scalar<'a>(line: &'a str, key: &str) -> Option<(usize, &'a str)> {
    let mut trimmed = trim_start(line);
    while let Some(rest) = trimmed.strip_prefix("- ") {
        trimmed = rest;
    }
    let trimmed = trim_start(trimmed);
    let at = line.len() - trimmed.len();
    let rest = trimmed.strip_prefix(key)?.strip_prefix(':')?;
    let value = value_after(rest, ':')?;
    Some((at + key.len() + 1 + value.start, &rest[value]))
}

/// Kubernetes environment variables: `name: DB_PASSWORD` and, in the same
/// list item, `value: hunter2` (block or flow style).
fn name_value_pair(lines: &[(usize, &str)], index: usize, out: &mut Vec<Range<usize>>) {
    let (_, line) = lines[index];
    // Flow style: `{name: DB_PASSWORD, value: hunter2}` on one line.
    if trim_start(line).starts_with(['{', '-'])
        && let (Some(n), Some(v)) = (find_str(line, "name:"), find_str(line, "value:"))
        && n < v
    {
        let name_rest = &line[n + 5..];
        let name = value_after(name_rest, ':').map(|r| &name_rest[r]);
        let value_rest = &line[v + 6..];
        if let (Some(name), Some(range)) = (name, value_after(value_rest, ':'))
            && is_secret_name(name)
            && is_literal(&value_rest[range.clone()])
        {
            let base = lines[index].0 + v + 6;
            out.push(base + range.start..base + range.end);
        }
    }
    let Some((_, name)) = yaml_scalar(line, "name") else {
        return;
    };
    if !is_secret_name(name) {
        return;
    }
    let item_indent = key_column(line);
    for &(offset, next) in lines.iter().skip(index + 1).take(4) {
        if next.trim().is_empty() {
            continue;
        }
        if indent(next) < item_indent || next.trim_start().starts_with("- ") {
            break;
        }
        if let Some((at, value)) = yaml_scalar(next, "value") {
            if is_literal(value) {
                out.push(offset + at..offset + at + value.len());
            }
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts `find` marks in `text`.
    fn found(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn finds_tokens_by_format() {
        let text = "x ghp_0123456789abcdefghijABCDEFGHIJ012345 y\nkey AKIAIOSFODNN7EXAMPLE\n";
        assert_eq!(
            found(text),
            [
                "ghp_0123456789abcdefghijABCDEFGHIJ012345",
                "AKIAIOSFODNN7EXAMPLE"
            ]
        );
        assert_eq!(
            found("notghp_0123456789abcdefghijABCDEFGHIJ012345"),
            Vec::<&str>::new()
        );
        assert_eq!(found("postgres://app:hunter2@db:5432/x"), ["hunter2"]);
        assert_eq!(
            found("postgres://app:${PW}@db/x https://a.b/c@d"),
            Vec::<&str>::new()
        );
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert_eq!(found(&format!("Authorization: Bearer {jwt}")), [jwt]);
        assert_eq!(
            found("token xoxb-1234567890-abcdef end"),
            ["xoxb-1234567890-abcdef"]
        );
    }

    #[test]
    fn finds_pem_blocks_whole() {
        let text = "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\nb\n";
        assert_eq!(
            found(text),
            ["-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"]
        );
        assert_eq!(
            found("-----BEGIN PRIVATE KEY-----\nMII"),
            ["-----BEGIN PRIVATE KEY-----\nMII"]
        );
        assert_eq!(
            found("-----BEGIN CERTIFICATE-----\nMII\n"),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn finds_named_assignments() {
        assert_eq!(found("export MYSQL_PASSWORD=s3cr3t; echo"), ["s3cr3t"]);
        assert_eq!(found("ENV DB_PASSWORD=\"hunter 2\" A=b"), ["hunter 2"]);
        assert_eq!(found("  password: hunter2 # a comment"), ["hunter2"]);
        assert_eq!(
            found("{\"apiKey\": \"abc123\", \"user\": \"x\"}"),
            ["abc123"]
        );
        assert_eq!(found("{\"apiKey\":\"abc123\"}"), ["abc123"]);
        assert_eq!(found("{password: hunter2, user: x}"), ["hunter2"]);
        assert_eq!(
            found("run --token=abc123 --password hunter2 -v"),
            ["abc123", "hunter2"]
        );
        assert_eq!(
            found("client_secret: |\n  line one\n  line two\nnext: 1\n"),
            ["line one\n  line two"]
        );
        // References, placeholders, descriptive names, images and URLs.
        for text in [
            "DB_PASSWORD=$DB_PASSWORD",
            "password: \"{{ .Values.password }}\"",
            "DB_PASSWORD_FILE=/run/secrets/db",
            "secretName: db-creds",
            "password:",
            "image: token:1.2",
            "passwords:hunter2",
            "password = {{ .Values.password }}",
            "key: password",
            "TOKEN_TTL=3600",
        ] {
            assert_eq!(found(text), Vec::<&str>::new(), "{text}");
        }
    }

    /// Config files held in a value: properties, ini, `.env`, shell,
    /// JSON and YAML, each assignment found with its name.
    #[test]
    fn finds_assignments_in_config_files_and_names_them() {
        let text = "server.port=8080\nspring.datasource.password=S3cr3tPass\n[db]\npassword = iniSecret9\nexport REDIS_PASSWORD=\"abcd1234x\"\nDB_PASSWORD:supersecret\n{\"apiToken\": \"tok-123456\"}\nauth:\n  client_secret: yamlSecret7\nplain: value\n";
        let found = find(text);
        let named: Vec<(&str, Option<&str>)> = found
            .iter()
            .map(|r| (&text[r.clone()], assigned_name(text, r.clone())))
            .collect();
        assert_eq!(
            named,
            [
                ("S3cr3tPass", Some("spring.datasource.password")),
                ("iniSecret9", Some("password")),
                ("abcd1234x", Some("REDIS_PASSWORD")),
                ("supersecret", Some("DB_PASSWORD")),
                ("tok-123456", Some("apiToken")),
                ("yamlSecret7", Some("client_secret")),
            ]
        );
        // A lowercase name glued to its value is not an assignment.
        assert_eq!(find("image: registry/password:1.2"), Vec::new());
        assert_eq!(assigned_name("ghp_x", 0..5), None);
        assert_eq!(assigned_name("x --password=abc", 13..16), Some("password"));
        let java = "-Xmx1g -Dspring.datasource.password=abc";
        assert_eq!(
            assigned_name(java, java.len() - 3..java.len()),
            Some("spring.datasource.password")
        );
        assert_eq!(
            assigned_name("DB_PASSWORD=abc", 12..15),
            Some("DB_PASSWORD")
        );
        let quoted = "{\"Dpass\": \"abc\"}";
        assert_eq!(assigned_name(quoted, 11..14), Some("Dpass"));
    }

    #[test]
    fn finds_kubernetes_env_values() {
        let text =
            "env:\n  - name: DB_PASSWORD\n    value: hunter2\n  - name: USER\n    value: app\n";
        assert_eq!(found(text), ["hunter2"]);
        assert_eq!(found("- {name: API_TOKEN, value: abc123}"), ["abc123"]);
        let other = "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db, key: pw}\n";
        assert_eq!(found(other), Vec::<&str>::new());
    }

    /// `find_str` answers what `str::find` answers, for every needle the
    /// detector searches for, on texts that hold them, their parts and
    /// multi-byte characters.
    #[test]
    fn the_substring_search_agrees_with_str_find() {
        let needles = [
            "-----BEGIN ",
            "-----END ",
            "-----",
            "://",
            "--",
            " #",
            "}}",
            "name:",
            "value:",
        ];
        let mut pieces = vec!["a", "B", " ", "\n", "é", "€", "😀", "-", ":", "/", "#", "}"];
        pieces.extend(needles);
        pieces.extend(needles.iter().map(|n| &n[1..]));
        pieces.extend(needles.iter().map(|n| &n[..n.len() - 1]));
        let mut rng = crate::tests::Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..20_000 {
            // Long texts too: past the lengths where `memchr` reads
            // words at a time.
            let count = if round % 10 == 0 {
                60
            } else {
                1 + rng.below(8)
            };
            let hay: String = (0..count)
                .map(|_| pieces[rng.below(pieces.len())])
                .collect();
            for needle in needles {
                assert_eq!(
                    find_str(&hay, needle),
                    hay.find(needle),
                    "{hay:?} {needle:?}"
                );
            }
        }
    }

    /// `trim_start` trims what `str::trim_start` trims: ASCII and other
    /// whitespace, before and after the spaces it skips itself.
    #[test]
    fn trimming_agrees_with_str_trim_start() {
        let pieces = [
            " ", "\t", "\r", "\u{b}", "\u{c}", "\u{a0}", "\u{3000}", "a", "-", "é", "",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}x");
                    assert_eq!(trim_start(&text), text.trim_start(), "{text:?}");
                }
            }
        }
    }

    /// A key block ends with its closing dashes, whatever follows them on
    /// the line.
    #[test]
    fn a_key_block_ends_at_its_closing_dashes() {
        let text = "-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY----- tail\nnext\n";
        assert_eq!(
            found(text),
            ["-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----"]
        );
    }

    /// `--flag value` pairs are found on every line that has them,
    /// whatever other lines hold dashes.
    #[test]
    fn finds_flags_on_every_line() {
        let text = "a--b\n  --password hunter2\n- x -- y --token abc1\n--\n--secret s3cr3t";
        assert_eq!(found(text), ["hunter2", "abc1", "s3cr3t"]);
    }

    /// Every credential format is found where a word starts, and only
    /// there.
    #[test]
    fn finds_every_token_format() {
        for f in &crate::TOKEN_FORMATS {
            let c = ['A', 'a', '0']
                .into_iter()
                .find(|&c| (f.class)(c))
                .unwrap_or('A');
            let token = format!("{}{}", f.prefix, c.to_string().repeat(f.min_len));
            assert_eq!(
                found(&format!("x {token} y")),
                [token.as_str()],
                "{}",
                f.prefix
            );
            assert_eq!(
                found(&format!("x9{token} y")),
                Vec::<&str>::new(),
                "{}",
                f.prefix
            );
        }
    }

    #[test]
    fn ranges_are_sorted_merged_and_on_boundaries() {
        let text = "é password=ghp_0123456789abcdefghijABCDEFGHIJ012345 ü";
        let ranges = find(text);
        assert_eq!(ranges.len(), 1);
        assert!(text.is_char_boundary(ranges[0].start) && text.is_char_boundary(ranges[0].end));
    }

    /// Lines made of the pieces that end, quote and separate values.
    fn generated_lines(count: usize) -> Vec<String> {
        let pieces = [
            "password",
            "token",
            "a",
            "=",
            ":",
            " ",
            "  ",
            "\t",
            "\"",
            "'",
            "{{",
            "}}",
            "}",
            "]",
            ",",
            " #",
            "#",
            ";",
            "|",
            ")",
            "`",
            "$",
            "é",
            "x y",
            "DB_PASSWORD",
        ];
        let mut rng = crate::tests::Rng(0x51ed_2701_f00d_cafe);
        (0..count)
            .map(|_| {
                let n = 1 + rng.below(40);
                (0..n).map(|_| pieces[rng.below(pieces.len())]).collect()
            })
            .collect()
    }

    /// A line's values found through [`Stops`], separators left to right,
    /// are those [`value_after`] finds for each.
    #[test]
    fn remembered_stops_give_the_values_a_search_from_each_separator_gives() {
        for line in generated_lines(20_000) {
            let mut stops = Stops::default();
            for (at, b) in line.bytes().enumerate() {
                if b == b'=' || b == b':' {
                    let sep = char::from(b);
                    assert_eq!(
                        stops.value_after(&line, at + 1, sep),
                        value_after(&line[at + 1..], sep),
                        "{line:?} at {at}"
                    );
                }
            }
        }
    }

    /// A JSON Web Token at every start of generated runs, against reading
    /// the token from that start and splitting it at its dots.
    #[test]
    fn tokens_are_found_in_runs_measured_once_as_from_each_start() {
        let naive = |text: &str, i: usize| {
            let token: String = text[i..]
                .chars()
                .take_while(|&c| is_token_char(c) || c == '.')
                .collect();
            let parts: Vec<&str> = token.split('.').collect();
            parts.len() == 3 && parts[1].starts_with("eyJ") && parts.iter().all(|p| p.len() >= 10)
        };
        let pieces = [
            "eyJhbGciOi",
            "eyJhbGciOi",
            "abcdefghij",
            "abcdefghij",
            ".",
            ".",
            ".",
            "eyJ",
            "abc",
            "-",
            "_",
            " ",
            "é",
        ];
        let mut rng = crate::tests::Rng(0xfeed_beef_1234_5678);
        let mut tokens = 0;
        for _ in 0..20_000 {
            let n = 1 + rng.below(16);
            let text: String = (0..n).map(|_| pieces[rng.below(pieces.len())]).collect();
            let mut runs = Runs::new();
            let mut dots = Dots {
                end: usize::MAX,
                last: [None; 3],
            };
            for i in text
                .match_indices("eyJ")
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
            {
                let mut out = Vec::new();
                json_web_token(&text, i, &mut runs, &mut dots, &mut out);
                assert_eq!(!out.is_empty(), naive(&text, i), "{text:?} at {i}");
                tokens += out.len();
            }
        }
        // Tokens among them, not only misses.
        assert!(tokens > 150, "{tokens}");
    }

    /// Runs of prefixes and separators: what is found, whatever the length.
    #[test]
    fn long_runs_of_prefixes_and_separators_are_found_as_short_ones() {
        for n in [1, 2, 3, 50] {
            // Every `password=` names the next: one value to the end.
            let text = "password=".repeat(n) + "x";
            assert_eq!(find(&text), vec![9..text.len()], "{n}");
            let text = "password: ".repeat(n) + "x";
            assert_eq!(found(&text), vec![&text[10..]], "{n}");
            // A template never closed: each value is the word.
            let text = format!("{}x y", "password={{".repeat(n));
            assert_eq!(find(&text), vec![9..text.len() - 2], "{n}");
            // `-----BEGIN ` many times on a line, the key on the next.
            let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----";
            let text = format!("{}\n{key}", "-----BEGIN ".repeat(n));
            assert_eq!(found(&text), vec![key], "{n}");
            // A token after a run of its prefix.
            let text = format!(
                "{}AIzaSyA1234567890abcdefghijklmnopqrstu",
                "AIza-".repeat(n)
            );
            assert_eq!(find(&text), vec![0..text.len()], "{n}");
        }
    }

    /// A block scalar's lines that look like keys of block scalars are its
    /// text: the block found is the outer one, once.
    #[test]
    fn block_scalars_inside_block_scalars_are_text() {
        let text = "password: |\n  password: |\n    password: |\n      x\nother: 1\n";
        assert_eq!(found(text), vec!["password: |\n    password: |\n      x"]);
        // After the block, a key starts one again.
        let text = "a:\n  password: |\n    x\n  token: |\n    y\n";
        assert_eq!(found(text), vec!["x", "y"]);
    }

    /// What each remembered part must not change: a token after a value
    /// found earlier in the text, a JWT inside a Slack token's run, a
    /// prefix without its minimum, a JWT whose first part is not `eyJ`,
    /// block indicators with their modifiers.
    #[test]
    fn remembered_parts_do_not_leak_between_tokens_and_values() {
        let ghp = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
        let text = format!("password=hunter22\nx {ghp}\n");
        assert_eq!(found(&text), vec!["hunter22", ghp]);
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N";
        let text = format!("xoxb-1234567890-{jwt} end");
        assert_eq!(found(&text), vec![&text[..text.len() - 4]]);
        assert_eq!(
            found(&format!("x {}", &jwt.replacen("eyJ", "eyA", 1))),
            Vec::<&str>::new()
        );
        for short in [
            "AKIAABCDEFGHIJKLMNO",
            "ghp_0123456789",
            "xoxb-123456789",
            "AIzaSy",
        ] {
            assert_eq!(
                found(&format!("x {short} y")),
                Vec::<&str>::new(),
                "{short}"
            );
        }
        assert_eq!(
            found("x AKIAABCDEFGHIJKLMNOP y"),
            vec!["AKIAABCDEFGHIJKLMNOP"]
        );
        for indicator in ["|-", ">+2", "|2-", "> "] {
            let text = format!("password: {indicator}\n  hunter22\n");
            assert_eq!(found(&text), vec!["hunter22"], "{indicator}");
        }
        assert_eq!(found("password: |x\n  y\n"), vec!["|x"]);
    }
}
