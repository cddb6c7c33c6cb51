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
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(match e {
            Exit::Clean => 0,
            Exit::Findings => 1,
            Exit::Usage => 2,
            Exit::RuleFailure => 3,
        })
    }
}
