//! The one literal-secret detector bulwark uses, in its rules and in the
//! host alike.
//!
//! Three questions, answered the same way for Dockerfiles, Compose files,
//! Kubernetes manifests, Helm values and any other text:
//!
//! - [`is_secret_name`]: does a variable or key name say it holds a secret
//!   (`DB_PASSWORD`, `apiKey`, `client-secret`)? Names that only describe a
//!   secret (`PASSWORD_FILE`, `TOKEN_TTL`, `SECRET_NAME`) do not.
//! - [`known_format`]: does a value have the shape of a well-known credential
//!   (a PEM private key, an AWS access key id, a GitHub token …)?
//! - [`find`]: where in a piece of free text (a line that failed to parse, a
//!   heredoc, a message) are there secrets? It answers with byte ranges, so
//!   a caller can mask exactly those.
//!
//! [`is_literal`] tells a literal value from a reference (`$VAR`, a
//! `/run/secrets/…` path, an empty string). Nothing here ever returns or
//! formats the secret itself. The crate has no dependencies and builds for
//! rule modules (wasm32) and the host alike.
#![deny(missing_docs)]

mod text;

pub use crate::text::{assigned_name, find};

/// Words that make a name a secret's name.
const SECRET_WORDS: [&str; 14] = [
    "password",
    "passwd",
    "pwd",
    // `DB_PASS`, `SMTP_PASS`.
    "pass",
    // Jenkins' credentials binding: `ARTIFACTORY_USR` / `ARTIFACTORY_PSW`.
    "psw",
    "secret",
    "token",
    "apikey",
    "passphrase",
    "credential",
    "credentials",
    "privatekey",
    "secretkey",
    "accesskey",
];

/// What every word of [`SECRET_WORDS`] and pair of [`SECRET_PAIRS`]
/// contains, as [`has_secret_stem`] looks for them (both checked by tests).
#[cfg(test)]
const SECRET_STEMS: [&str; 7] = ["pass", "pwd", "psw", "secret", "token", "key", "credential"];

/// Returns true if and only if `name` contains one of [`SECRET_STEMS`],
/// ASCII case ignored: one pass over its bytes, each looked at by the
/// stems its letter starts (a test checks this against the stems).
fn has_secret_stem(name: &str) -> bool {
    let bytes = name.as_bytes();
    let at = |i: usize, rest: &[u8]| {
        bytes
            .get(i + 1..i + 1 + rest.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(rest))
    };
    (0..bytes.len()).any(|i| match bytes[i].to_ascii_lowercase() {
        b'p' => at(i, b"ass") || at(i, b"wd") || at(i, b"sw"),
        b's' => at(i, b"ecret"),
        b't' => at(i, b"oken"),
        b'k' => at(i, b"ey"),
        b'c' => at(i, b"redential"),
        _ => false,
    })
}

/// Word pairs that make a name a secret's name (`api_key`, `private-key`).
const SECRET_PAIRS: [(&str, &str); 8] = [
    ("api", "key"),
    ("private", "key"),
    ("secret", "key"),
    ("access", "key"),
    ("auth", "key"),
    ("encryption", "key"),
    ("signing", "key"),
    ("client", "secret"),
];

/// Final words that make a name describe a secret rather than hold one.
const DESCRIPTIVE_SUFFIXES: [&str; 28] = [
    "file",
    "path",
    "dir",
    "name",
    "names",
    "ref",
    "id",
    "url",
    "uri",
    "endpoint",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "timeout",
    "length",
    "len",
    "size",
    "type",
    "enabled",
    "enable",
    "disabled",
    "header",
    "policy",
    "version",
    "count",
    "env",
    "mode",
];

/// Splits a name into lower-case words at `_`, `-`, `.`, spaces and
/// camelCase boundaries.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' || c == ' ' || c == '/' {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Returns true if and only if `name` says its value is a secret.
pub fn is_secret_name(name: &str) -> bool {
    // Every secret word and pair holds one of these, so an ASCII name
    // without any cannot be a secret's name: most names are answered here
    // without splitting them into words. (Non-ASCII names take the long
    // way: some characters lower-case to ASCII, `K` KELVIN SIGN to `k`.)
    if name.is_ascii() && !has_secret_stem(name) {
        return false;
    }
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    // `AWS_ACCESS_KEY_ID` (and `VITE_AWS_ACCESS_KEY_ID`): half of a key
    // pair, the one tools print; still a credential, whatever it ends with.
    if words.len() >= 3 && words[words.len() - 3..] == ["access", "key", "id"] {
        return true;
    }
    if DESCRIPTIVE_SUFFIXES.contains(&last.as_str()) {
        return false;
    }
    // `existingSecret`, `passwordKey`, `secretKeyRef`: they name where a
    // secret is, not what it is.
    if words.first().is_some_and(|w| w == "existing")
        || (last == "key"
            && words.len() > 1
            && !SECRET_PAIRS
                .iter()
                .any(|(a, b)| *b == "key" && words.len() >= 2 && words[words.len() - 2] == *a))
    {
        return false;
    }
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || words
            .windows(2)
            .any(|p| SECRET_PAIRS.contains(&(p[0].as_str(), p[1].as_str())))
}

/// Returns true if and only if `value` is a literal that could be a secret:
/// not empty, not only a variable reference (`$X`, `${X}`, `$(X)`,
/// `{{ .X }}`), not a placeholder (`<your token>`, `xxxx`, `SECRET`), not a
/// path to a mounted secret file, not a boolean or placeholder for "unset".
pub fn is_literal(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() {
        return false;
    }
    let only_reference = (v.starts_with("${") && v.ends_with('}') && !v[2..v.len() - 1].contains(['$', '}']))
            // Kubernetes dependent variables: `$(OTHER_VAR)`.
            || (v.starts_with("$(") && v.ends_with(')') && !v[2..v.len() - 1].contains(['$', ')', ' ']))
            || (v.starts_with('$')
                && v[1..]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'))
            || (v.starts_with("{{") && v.ends_with("}}"));
    if only_reference {
        return false;
    }
    // Placeholders in examples: `<Client Secret>`, `xxxx`, `***`, `SECRET`.
    let placeholder = (v.starts_with('<') && v.ends_with('>'))
        || (v.len() >= 3
            && v.chars().all(|c| c == v.chars().next().unwrap_or(c))
            && !v.chars().any(|c| c.is_ascii_digit()))
        || (v.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            && SECRET_WORDS.contains(&v.to_ascii_lowercase().replace('_', "").as_str()));
    if placeholder {
        return false;
    }
    if v.starts_with("/run/secrets/")
        || v.starts_with("/var/run/secrets/")
        || v.starts_with("file://")
        || is_file_path(v)
    {
        return false;
    }
    // The words are five letters at most: a longer value is not lowered
    // (a copy of every value, however long, had been made here).
    !(v.len() <= 5
        && matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "null" | "none" | "~"
        ))
}

/// Returns true if and only if `v` reads as a path to a file or directory
/// (`/credentials/sa.json`, `./certs/`, `~/.aws/credentials`): what
/// `GOOGLE_APPLICATION_CREDENTIALS` and `*_FILE` variables hold. A path is
/// absolute or explicitly relative, has no spaces, and is made of short
/// name-like segments (at least two, or one with an extension, or a final
/// `/`), so a random
/// key that happens to start with `/` is not taken for one.
fn is_file_path(v: &str) -> bool {
    let rest = ["/", "./", "../", "~/"]
        .iter()
        .find_map(|p| v.strip_prefix(p));
    let Some(rest) = rest else {
        return false;
    };
    let name_like = |s: &str| {
        s.len() <= 40
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '+'))
            // Base64 noise has upper case inside runs of letters and digits;
            // path segments are words.
            && s.chars().filter(char::is_ascii_uppercase).count() * 3 <= s.len().max(1)
    };
    // Segment by segment, stopping at the first that is not name-like.
    let (mut segments, mut dotted) = (0usize, false);
    for s in rest.split('/').filter(|s| !s.is_empty()) {
        if !name_like(s) {
            return false;
        }
        segments += 1;
        dotted |= s.contains('.');
    }
    segments > 0 && (segments >= 2 || v.ends_with('/') || dotted)
}

/// A token recognised by its vendor prefix.
struct TokenFormat {
    prefix: &'static str,
    kind: &'static str,
    /// Characters of `class` that must follow the prefix.
    min_len: usize,
    class: fn(char) -> bool,
}

const TOKEN_FORMATS: [TokenFormat; 11] = [
    TokenFormat {
        prefix: "AKIA",
        kind: "an AWS access key id",
        min_len: 16,
        class: is_upper_alnum,
    },
    TokenFormat {
        prefix: "ASIA",
        kind: "an AWS temporary access key id",
        min_len: 16,
        class: is_upper_alnum,
    },
    TokenFormat {
        prefix: "ghp_",
        kind: "a GitHub personal access token",
        min_len: 36,
        class: is_alnum,
    },
    TokenFormat {
        prefix: "gho_",
        kind: "a GitHub OAuth token",
        min_len: 36,
        class: is_alnum,
    },
    TokenFormat {
        prefix: "ghs_",
        kind: "a GitHub app token",
        min_len: 36,
        class: is_alnum,
    },
    TokenFormat {
        prefix: "ghu_",
        kind: "a GitHub user token",
        min_len: 36,
        class: is_alnum,
    },
    TokenFormat {
        prefix: "ghr_",
        kind: "a GitHub refresh token",
        min_len: 36,
        class: is_alnum,
    },
    TokenFormat {
        prefix: "AIza",
        kind: "a Google API key",
        min_len: 35,
        class: is_token_char,
    },
    TokenFormat {
        prefix: "sk_live_",
        kind: "a Stripe secret key",
        min_len: 24,
        class: is_alnum,
    },
    TokenFormat {
        prefix: "npm_",
        kind: "an npm access token",
        min_len: 36,
        class: is_alnum,
    },
    TokenFormat {
        prefix: "dop_v1_",
        kind: "a DigitalOcean token",
        min_len: 64,
        class: is_alnum,
    },
];

/// The kind of well-known credential `value` contains, if any, with its
/// article ("a PEM private key", "an AWS access key id").
pub fn known_format(value: &str) -> Option<&'static str> {
    // Every check below needs some length first (the shortest, a password
    // in a URL: `a://u:p@h` less the scheme); most values are shorter, and
    // every search skipped is a searcher not built.
    if value.len() < 7 {
        return None;
    }
    if value.len() >= 21 && value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("a PEM private key");
    }
    for f in &TOKEN_FORMATS {
        if has_prefixed_run(value, f.prefix, f.min_len, f.class) {
            return Some(f.kind);
        }
    }
    for prefix in ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"] {
        if has_prefixed_run(value, prefix, 10, |c| is_alnum(c) || c == '-') {
            return Some("a Slack token");
        }
    }
    if looks_like_jwt(value) {
        return Some("a JSON Web Token");
    }
    if has_url_password(value) {
        return Some("a password in a URL");
    }
    None
}

fn is_upper_alnum(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Returns true if and only if `prefix` occurs at a word start in `value`
/// followed by at least `min_len` characters of `class`.
fn has_prefixed_run(value: &str, prefix: &str, min_len: usize, class: fn(char) -> bool) -> bool {
    // Every class is ASCII: `min_len` characters are as many bytes.
    if value.len() < prefix.len() + min_len {
        return false;
    }
    value.match_indices(prefix).any(|(i, _)| {
        let at_word_start = value[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        // Counting stops at `min_len`: counting each run to its end had
        // taken time growing with the square of a run of prefixes
        // (`AIza-AIza-…`).
        at_word_start
            && value[i + prefix.len()..]
                .chars()
                .take_while(|&c| class(c))
                .take(min_len)
                .count()
                >= min_len
    })
}

fn looks_like_jwt(value: &str) -> bool {
    // Three parts of at least 10 characters and two dots.
    if value.len() < 32 {
        return false;
    }
    // The run each `eyJ` is in, measured once for all of them in it.
    let mut run: Option<(usize, usize, [Option<usize>; 3])> = None;
    value.match_indices("eyJ").any(|(i, _)| {
        let (end, last) = match run {
            Some((from, end, last)) if from <= i && i <= end => (end, last),
            _ => {
                let end = i + value.as_bytes()[i..]
                    .iter()
                    .take_while(|&&b| is_jwt_byte(b))
                    .count();
                let last = last_dots(value, i, end);
                run = Some((i, end, last));
                (end, last)
            }
        };
        jwt_at(value, i, end, last)
    })
}

/// A character of a JSON Web Token: base64url or a dot.
pub(crate) fn is_jwt_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The third-last, second-last and last dot of `text[from..end]`, where
/// there are so many.
pub(crate) fn last_dots(text: &str, from: usize, end: usize) -> [Option<usize>; 3] {
    let mut dots = text.as_bytes()[from..end]
        .iter()
        .enumerate()
        .rev()
        .filter(|&(_, &b)| b == b'.')
        .map(|(at, _)| from + at);
    let (last, second, third) = (dots.next(), dots.next(), dots.next());
    [third, second, last]
}

/// Whether `text[i..end]`, of JWT characters up to `end` (where they
/// stop), is a JSON Web Token: exactly two dots, parts of ten characters
/// or more, the second starting `eyJ`. `last` holds the last three dots
/// of a run of JWT characters ending at `end` that `i` is in ([`last_dots`]
/// of any part of it holding `i`): only a start after the third-last dot
/// and up to the second-last has two dots after it, so a run of many
/// starts is measured once.
pub(crate) fn jwt_at(text: &str, i: usize, end: usize, last: [Option<usize>; 3]) -> bool {
    let [third, Some(first), Some(second)] = last else {
        return false;
    };
    third.is_none_or(|t| t < i)
        && i <= first
        && first - i >= 10
        && second - first > 10
        && end - second > 10
        && text[first + 1..].starts_with("eyJ")
}

/// `scheme://user:password@host` with a literal password.
fn has_url_password(value: &str) -> bool {
    value.match_indices("://").any(|(i, _)| {
        let rest = &value[i + 3..];
        let authority = rest
            .split(['/', '?', '#', ' ', '"', '\''])
            .next()
            .unwrap_or("");
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, password)) => {
                    !user.is_empty()
                        && !host.is_empty()
                        && is_literal(password)
                        && !password.starts_with('$')
                }
                None => false,
            },
            None => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_rejection_misses_no_secret_word() {
        for word in SECRET_WORDS.iter().chain(
            SECRET_PAIRS
                .iter()
                .flat_map(|(a, b)| [a, b])
                .filter(|w| **w != "api"),
        ) {
            let covered = SECRET_STEMS.iter().any(|s| word.contains(s));
            let pair_part = SECRET_PAIRS.iter().any(|(a, _)| a == word);
            assert!(covered || pair_part, "{word}");
        }
        for (a, b) in SECRET_PAIRS {
            assert!(
                SECRET_STEMS.iter().any(|s| a.contains(s) || b.contains(s)),
                "{a} {b}"
            );
        }
        // Names that only a non-ASCII character makes secret still are.
        assert!(is_secret_name("API_\u{212a}EY"));
        assert!(!is_secret_name("DATABASE_HOST"));
    }

    /// A small deterministic generator (xorshift) for the tests below.
    pub(crate) struct Rng(pub(crate) u64);

    impl Rng {
        pub(crate) fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// `has_secret_stem` answers what looking for each of
    /// [`SECRET_STEMS`], case ignored, answers: on names made of the
    /// stems, their beginnings and ends, in every case, between other
    /// letters and separators.
    #[test]
    fn the_stem_check_finds_every_stem_and_nothing_else() {
        let mut pieces: Vec<String> = ["_", "-", ".", "a", "Z", "9", "\u{e9}", "\u{212a}", "ey"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for stem in SECRET_STEMS {
            assert!(stem.bytes().all(|b| b.is_ascii_lowercase()), "{stem}");
            for i in 0..=stem.len() {
                for part in [&stem[..i], &stem[i..]] {
                    let mut capitalised = part.to_string();
                    if let Some(first) = capitalised.get_mut(..1) {
                        first.make_ascii_uppercase();
                    }
                    pieces.extend([part.to_string(), part.to_ascii_uppercase(), capitalised]);
                }
            }
        }
        let naive = |name: &str| {
            SECRET_STEMS.iter().any(|stem| {
                name.as_bytes()
                    .windows(stem.len())
                    .any(|w| w.eq_ignore_ascii_case(stem.as_bytes()))
            })
        };
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let (mut with, mut without) = (0, 0);
        for _ in 0..50_000 {
            let name: String = (0..1 + rng.below(4))
                .map(|_| pieces[rng.below(pieces.len())].as_str())
                .collect();
            let expected = naive(&name);
            assert_eq!(has_secret_stem(&name), expected, "{name:?}");
            if expected { with += 1 } else { without += 1 }
        }
        // Both answers were asked for, often.
        assert!(with > 5_000 && without > 5_000, "{with} {without}");
    }

    #[test]
    fn recognises_secret_names() {
        for name in [
            "DB_PASSWORD",
            "apiKey",
            "API_KEY",
            "client-secret",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "privateKey",
            "MYSQL_ROOT_PASSWORD",
            "npm.token",
            "DB_PASS",
            "ARTIFACTORY_PSW",
            "JENKINS_PSW",
            "AWS_ACCESS_KEY_ID",
            "VITE_AWS_ACCESS_KEY_ID",
            "VITE_AWS_SECRET_ACCESS_KEY",
            "REACT_APP_API_KEY",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "DB_PASSWORD_FILE",
            "TOKEN_TTL",
            "SECRET_NAME",
            "PASSWORD_POLICY",
            "DB_USER",
            "KEYCLOAK_URL",
            "PATH",
            "API_KEY_HEADER",
            "tokenizer",
            "existingSecret",
            "passwordKey",
            "existingSecretPasswordKey",
            "BYPASS_CACHE",
            "PASSENGER_APP_ENV",
            "ARTIFACTORY_USR",
            "KEY_ID",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn tells_literals_from_references() {
        for v in ["hunter2", "s3cr3t!", "123456"] {
            assert!(is_literal(v), "{v}");
        }
        for v in [
            "",
            "  ",
            "$DB_PASSWORD",
            "${DB_PASSWORD}",
            "$(DB_PASSWORD)",
            "{{ .Values.password }}",
            "/run/secrets/db",
            "true",
            "<Client Secret>",
            "xxxxxxxx",
            "********",
            "SECRET",
            "API_KEY",
            "/credentials/sa.json",
            "/etc/ssl/private/server.key",
            "./certs/",
            "~/.aws/credentials",
            "../secrets/db.env",
        ] {
            assert!(!is_literal(v), "{v}");
        }
        // Keys that start with a slash are not paths.
        for v in ["/K7MDENG/bPxRfiCYEXAMPLEKEYwJalrXUtnFEMI", "/Zq8rT2vLm4pX"] {
            assert!(is_literal(v), "{v}");
        }
    }

    #[test]
    fn recognises_known_formats() {
        let cases = [
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nabc",
                "a PEM private key",
            ),
            ("AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
            (
                "token ghp_0123456789abcdefghijABCDEFGHIJ012345",
                "a GitHub personal access token",
            ),
            ("xoxb-1234567890-abcdef", "a Slack token"),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "a JSON Web Token",
            ),
            ("postgres://app:hunter2@db:5432/app", "a password in a URL"),
        ];
        for (value, kind) in cases {
            assert_eq!(known_format(value), Some(kind), "{value}");
        }
        for value in [
            "AKIA-short",
            "postgres://app:${PW}@db/app",
            "https://example.com/a@b",
            "plain text",
            "notghp_0123456789abcdefghijABCDEFGHIJ012345",
        ] {
            assert_eq!(known_format(value), None, "{value}");
        }
    }

    /// `looks_like_jwt`, measuring each run once, against reading the
    /// token from every `eyJ` and splitting it at its dots.
    #[test]
    fn jwts_in_values_are_found_as_from_every_start() {
        let naive = |value: &str| {
            value.len() >= 32
                && value.match_indices("eyJ").any(|(i, _)| {
                    let token: String = value[i..]
                        .chars()
                        .take_while(|&c| is_token_char(c) || c == '.')
                        .collect();
                    let parts: Vec<&str> = token.split('.').collect();
                    parts.len() == 3
                        && parts[1].starts_with("eyJ")
                        && parts.iter().all(|p| p.len() >= 10)
                })
        };
        let pieces = [
            "eyJhbGciOi",
            "abcdefghij",
            "abcdefghij",
            ".",
            ".",
            "eyJ",
            "-",
            " ",
            "é",
            "=",
            "x",
        ];
        let mut rng = Rng(0x1234_5678_9abc_def1);
        let mut jwts = 0;
        for _ in 0..20_000 {
            let n = 1 + rng.below(16);
            let value: String = (0..n).map(|_| pieces[rng.below(pieces.len())]).collect();
            assert_eq!(looks_like_jwt(&value), naive(&value), "{value:?}");
            jwts += usize::from(naive(&value));
        }
        assert!(jwts > 20, "{jwts}");
    }

    /// Paths read segment by segment: one dotted segment is enough, no
    /// segment is not a path.
    #[test]
    fn paths_need_a_segment_and_a_dot_a_slash_or_two_segments() {
        for path in [
            "/sa.json",
            "./key.pem",
            "~/.aws/credentials",
            "/etc/",
            "/a/b",
        ] {
            assert!(is_file_path(path), "{path}");
        }
        for not in [
            "/",
            "//",
            "./",
            "/abc",
            "/aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9",
            "/a b/c",
        ] {
            assert!(!is_file_path(not), "{not}");
        }
    }
}
