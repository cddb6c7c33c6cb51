//! `docker-user-root`: Final image runs as root.

use crate::walk::instructions;
use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-user-root",
    title: "Final image runs as root",
    severity: Severity::High,
    controls: &["CIS-Docker 4.1"],
    remediation: "Create an unprivileged user and end the final stage with `USER <name or uid>` (not root or 0).",
    explanation: include_str!("docker_user_root.md"),
    check: Check::Dockerfile(check),
};

fn check(df: &Dockerfile, out: &mut Findings) {
    let Some(final_stage) = df.final_stage() else {
        return;
    };
    let chain = df.final_chain();
    let last_user = instructions(&chain).rev().find(|i| i.is("USER"));
    match last_user {
        Some(instr) => {
            let user = instr.resolved_user().or(instr.user()).unwrap_or("");
            if is_root(user) {
                out.report(instr.pointer(), format!("the final image runs as `{user}`"))
                    .detail("the last USER of the final stage names root, so every process in the container runs with uid 0");
            }
        }
        None => {
            // An image whose tag says it defaults to a non-root user
            // (distroless `:nonroot`, `:debug-nonroot`) is fine as it is.
            let root = chain.first().map_or(final_stage.from(), |s| s.from());
            if root.tag().is_some_and(|t| t.contains("nonroot")) {
                return;
            }
            let name = final_stage
                .name()
                .map(|n| format!(" `{n}`"))
                .unwrap_or_default();
            out.report(
                final_stage.from().pointer(),
                format!("the final stage{name} sets no USER, so the container runs as root"),
            );
        }
    }
}

/// Returns true if and only if `user` names the root account.
pub(crate) fn is_root(user: &str) -> bool {
    let user = user.trim();
    user == "root" || (!user.is_empty() && user.chars().all(|c| c == '0'))
}
