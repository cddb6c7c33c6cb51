//! Exit codes, documented in the README and `bulwark --help`.

use std::process::ExitCode;

/// How a run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// 0: nothing at or above the threshold.
    Clean,
    /// 1: findings at or above the threshold.
    Findings,
    /// 2: a usage, configuration or input error.
    Usage,
    /// 3: a rule failed (trapped, ran out of time or memory, broke the
    /// contract); the verdict cannot be trusted.
    RuleFailure,
    /// 4 (`verify`): the signature does not verify: altered evidence, or
    /// not signed by the given key.
    BadSignature,
    /// 5 (`verify`): not a DSSE envelope holding a bulwark statement.
    Malformed,
    /// 6 (`verify`): a subject is missing or its content changed.
    SubjectChanged,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Clean => 0,
            Exit::Findings => 1,
            Exit::Usage => 2,
            Exit::RuleFailure => 3,
            Exit::BadSignature => 4,
            Exit::Malformed => 5,
            Exit::SubjectChanged => 6,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}
