//! Finding severities and their order.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How serious a finding is, from least to most severe.
///
/// The derived order follows the declaration order, so `Severity::High >
/// Severity::Low`, and a `--fail-on` threshold is a simple comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: worth knowing, never a risk by itself.
    Info,
    /// A weak hardening gap.
    Low,
    /// A hardening gap that widens the attack surface.
    Medium,
    /// A misconfiguration that is directly exploitable or leaks access.
    High,
    /// A misconfiguration that gives away the host or a credential.
    Critical,
}

impl Severity {
    /// Every severity, from least to most severe.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used in configuration, flags and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseSeverityError {
    given: String,
}

impl fmt::Display for ParseSeverityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown severity `{}` (expected one of info, low, medium, high, critical)",
            self.given
        )
    }
}

impl std::error::Error for ParseSeverityError {}

impl FromStr for Severity {
    type Err = ParseSeverityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseSeverityError {
                given: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_from_info_to_critical() {
        let mut sorted = Severity::ALL;
        sorted.sort();
        assert_eq!(sorted, Severity::ALL);
        assert!(Severity::Critical > Severity::High);
    }

    #[test]
    fn parses_names_case_insensitively() {
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        for sev in Severity::ALL {
            assert_eq!(sev.as_str().parse::<Severity>(), Ok(sev));
        }
        let err = "severe".parse::<Severity>().unwrap_err();
        assert!(err.to_string().contains("`severe`"));
    }
}
