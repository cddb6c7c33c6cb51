//! What a fixture says it expects, and how findings meet it: the one
//! definition `bulwark test`, bulwark's own suite (over the components) and
//! the packs' native tests (over the same checks compiled for the host)
//! share.
//!
//! An expectation is a comment `# expect: RULE-ID[, RULE-ID…]`:
//!
//! - on a line of its own, it is about the next line that is neither blank
//!   nor a comment (in every kind of file; in a Dockerfile the only form,
//!   since `#` after an instruction is part of it);
//! - after YAML content, it is about its own line.
//!
//! Or a sidecar file `FIXTURE.expect` with lines `LINE RULE-ID[, RULE-ID…]`
//! (`#` starts a comment). A finding lands on the line its span starts on.
//! Each expectation must be met by exactly one finding: two findings of a
//! rule on one line need the rule named twice. `RULE-ID:COLUMN` also pins
//! the 1-based column the finding starts at.

use serde::Serialize;

use crate::InputKind;

/// The comment that states an expectation.
pub const MARKER: &str = "# expect:";

/// One expected finding: a rule on a line (at a column, when given).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Expected {
    /// 1-based line.
    pub line: usize,
    /// The rule.
    pub rule_id: String,
    /// 1-based column, when the expectation names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Expected {
    fn new(line: usize, id: &str) -> Expected {
        match id.rsplit_once(':') {
            Some((rule, column)) if column.parse::<usize>().is_ok() => Expected {
                line,
                rule_id: rule.to_owned(),
                column: column.parse().ok(),
            },
            _ => Expected {
                line,
                rule_id: id.to_owned(),
                column: None,
            },
        }
    }
}

/// A finding nobody expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unexpected {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The rule.
    pub rule_id: String,
    /// Its message.
    pub message: String,
}

/// A finding as the comparison sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// 1-based line its span starts on.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The rule.
    pub rule_id: String,
    /// Its message.
    pub message: String,
}

/// The rule ids after the marker, separated by commas or spaces.
fn rule_ids(text: &str) -> Vec<String> {
    text.split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The expectations written in `text` as comments.
pub fn inline_expectations(text: &str, kind: InputKind) -> Vec<Expected> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let ids = rule_ids(&line[at + MARKER.len()..]);
        let own_line = line[..at].trim().is_empty();
        let target = if own_line {
            // The next line that is content.
            lines
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, l)| {
                    let t = l.trim();
                    !t.is_empty() && !t.starts_with('#')
                })
                .map(|(j, _)| j + 1)
        } else if kind == InputKind::Dockerfile {
            // Part of the instruction, not a comment.
            None
        } else {
            Some(i + 1)
        };
        if let Some(line) = target {
            out.extend(ids.iter().map(|id| Expected::new(line, id)));
        }
    }
    out
}

/// A line of a sidecar that is not `LINE RULE-ID[, RULE-ID…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SidecarError {
    /// 1-based line of the sidecar.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The expectations of a sidecar's text.
///
/// # Errors
///
/// The first line that is not `LINE RULE-ID[, RULE-ID…]`.
pub fn sidecar_expectations(text: &str) -> Result<Vec<Expected>, SidecarError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let (number, rules) = line.split_once([' ', '\t']).unwrap_or((line, ""));
        let Some(number) = number.parse::<usize>().ok().filter(|n| *n > 0) else {
            return Err(SidecarError {
                line: i + 1,
                message: format!("expected `LINE RULE-ID[, RULE-ID…]`, found `{line}`"),
            });
        };
        let ids = rule_ids(rules);
        if ids.is_empty() {
            return Err(SidecarError {
                line: i + 1,
                message: format!("no rule id after line {number}"),
            });
        }
        out.extend(ids.iter().map(|id| Expected::new(number, id)));
    }
    Ok(out)
}

/// The rule a fixture is about when it lives under a directory named after
/// one of `rules` (`fixtures/docker-user-root/dockerfile/fail/Dockerfile`):
/// the deepest such directory of `path` wins.
pub fn rule_of_fixture<'r>(path: &str, rules: &[&'r str]) -> Option<&'r str> {
    path.split(['/', '\\'])
        .rev()
        .skip(1)
        .find_map(|dir| rules.iter().find(|r| **r == dir).copied())
}

/// Matches `found` with `expected`: each expectation by one finding of its
/// rule on its line. Returns the expectations no finding met and the
/// findings no expectation named, in order.
pub fn compare(
    expected: &[Expected],
    found: impl IntoIterator<Item = Found>,
) -> (Vec<Expected>, Vec<Unexpected>) {
    // Expectations that name a column are met first, so that one without
    // a column does not take the finding a column-precise one needs.
    let mut open: Vec<(&Expected, bool)> = expected.iter().map(|e| (e, false)).collect();
    open.sort_by_key(|(e, _)| e.column.is_none());
    let mut unexpected = Vec::new();
    let mut found: Vec<Found> = found.into_iter().collect();
    found.sort_by_key(|f| (f.line, f.column));
    for f in found {
        let slot = open.iter_mut().find(|(e, taken)| {
            !*taken
                && e.line == f.line
                && e.rule_id == f.rule_id
                && e.column.is_none_or(|c| c == f.column)
        });
        match slot {
            Some((_, taken)) => *taken = true,
            None => unexpected.push(Unexpected {
                line: f.line,
                column: f.column,
                rule_id: f.rule_id,
                message: f.message,
            }),
        }
    }
    let mut missing: Vec<Expected> = open
        .into_iter()
        .filter(|(_, taken)| !taken)
        .map(|(e, _)| e.clone())
        .collect();
    missing.sort();
    (missing, unexpected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(expected: &[Expected]) -> Vec<(usize, &str)> {
        expected
            .iter()
            .map(|e| (e.line, e.rule_id.as_str()))
            .collect()
    }

    #[test]
    fn comments_name_the_next_content_line_or_their_own() {
        let dockerfile =
            "FROM a\n# expect: r1, r2\n\n# another comment\nUSER root\nRUN x # expect: r3\n";
        assert_eq!(
            lines(&inline_expectations(dockerfile, InputKind::Dockerfile)),
            [(5, "r1"), (5, "r2")]
        );
        let yaml = "a:\n  b: 1  # expect: r3\n  # expect: r4\n  c: 2\n";
        assert_eq!(
            lines(&inline_expectations(yaml, InputKind::Compose)),
            [(2, "r3"), (4, "r4")]
        );
    }

    #[test]
    fn sidecars_are_line_and_rules() {
        let text = "# a comment\n3 r1, r2\n\n7 r3 # why\n";
        assert_eq!(
            lines(&sidecar_expectations(text).expect("valid")),
            [(3, "r1"), (3, "r2"), (7, "r3")]
        );
        assert_eq!(sidecar_expectations("x r1").map_err(|e| e.line), Err(1));
        assert_eq!(sidecar_expectations("\n0 r1").map_err(|e| e.line), Err(2));
        assert_eq!(sidecar_expectations("4").map_err(|e| e.line), Err(1));
    }

    #[test]
    fn each_expectation_takes_one_finding() {
        let found = |line, rule: &str| Found {
            line,
            column: 1,
            rule_id: rule.to_owned(),
            message: String::new(),
        };
        let expected = [
            Expected::new(2, "r"),
            Expected::new(2, "r"),
            Expected::new(5, "s"),
        ];
        let (missing, unexpected) = compare(
            &expected,
            [found(2, "r"), found(2, "r"), found(2, "r"), found(4, "s")],
        );
        assert_eq!(lines(&missing), [(5, "s")]);
        assert_eq!(
            unexpected
                .iter()
                .map(|u| (u.line, u.rule_id.as_str()))
                .collect::<Vec<_>>(),
            [(2, "r"), (4, "s")]
        );
    }

    #[test]
    fn a_column_pins_where_the_finding_starts() {
        let found = |column| Found {
            line: 3,
            column,
            rule_id: "r".to_owned(),
            message: String::new(),
        };
        let expected = inline_expectations("a: 1\n# expect: r:7, r\nb: 2\n", InputKind::Compose);
        assert_eq!(expected[0].column, Some(7));
        assert_eq!(expected[1].column, None);
        // The column-free expectation takes whatever the precise one leaves.
        let (missing, unexpected) = compare(&expected, [found(1), found(7)]);
        assert!(missing.is_empty() && unexpected.is_empty());
        let (missing, unexpected) = compare(&expected, [found(1), found(2)]);
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].column, Some(7));
        assert_eq!(unexpected.len(), 1);
    }

    #[test]
    fn a_fixture_under_a_rules_directory_is_about_that_rule() {
        let rules = ["docker-user-root", "docker-sshd"];
        assert_eq!(
            rule_of_fixture(
                "p/fixtures/docker-user-root/dockerfile/fail/Dockerfile",
                &rules
            ),
            Some("docker-user-root")
        );
        assert_eq!(rule_of_fixture("p/fixtures/fail/Dockerfile", &rules), None);
        // The file's own name is not a directory.
        assert_eq!(rule_of_fixture("docker-sshd", &rules), None);
    }
}
