//! `docker-healthcheck-missing`: Final image has no HEALTHCHECK.

use crate::walk::instructions;
use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-healthcheck-missing",
    title: "Final image has no HEALTHCHECK",
    severity: Severity::Low,
    controls: &["CIS-Docker 4.6"],
    remediation: "Add `HEALTHCHECK CMD [\"/app\", \"healthcheck\"]` (exec form, a probe the image itself ships) to the final stage.",
    explanation: include_str!("docker_healthcheck_missing.md"),
    check: Check::Dockerfile(check),
};

fn check(df: &Dockerfile, out: &mut Findings) {
    let Some(final_stage) = df.final_stage() else {
        return;
    };
    let chain = df.final_chain();
    match instructions(&chain).rev().find(|i| i.is("HEALTHCHECK")) {
        Some(hc) if hc.none() == Some(true) => {
            out.report(
                hc.pointer(),
                "HEALTHCHECK NONE turns off health checking for the final image",
            );
        }
        Some(_) => {}
        None => {
            out.report(
                final_stage.from().pointer(),
                "the final image defines no HEALTHCHECK",
            );
        }
    }
}
