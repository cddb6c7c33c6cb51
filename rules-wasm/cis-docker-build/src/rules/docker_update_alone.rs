//! `docker-update-alone`: Package index refreshed without an install in the same RUN.

use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::packages::{self, Action};
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-update-alone",
    title: "Package index refreshed without an install in the same RUN",
    severity: Severity::Medium,
    controls: &["CIS-Docker 4.7"],
    remediation: "Refresh and install in one RUN: `RUN apt-get update && apt-get install -y --no-install-recommends pkg && rm -rf /var/lib/apt/lists/*`.",
    explanation: include_str!("docker_update_alone.md"),
    check: Check::Dockerfile(check_update_alone),
};

fn check_update_alone(df: &Dockerfile, out: &mut Findings) {
    for instr in df.all_instructions().into_iter().filter(|i| i.is("RUN")) {
        let read: Vec<_> = instr
            .commands
            .iter()
            .map(|c| (c, packages::read(c)))
            .collect();
        for (cmd, pkg) in &read {
            let Some(pkg) = pkg else { continue };
            if pkg.action != Action::Refresh {
                continue;
            }
            let installs = read.iter().any(|(_, other)| {
                other.as_ref().is_some_and(|o| {
                    o.manager == pkg.manager
                        && matches!(o.action, Action::Install | Action::Upgrade)
                })
            });
            if !installs {
                let words = cmd
                    .argv
                    .iter()
                    .take(2)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ");
                out.report(&cmd.pointer, format!("`{words}` runs without an install in the same RUN, so a cached layer keeps a stale index"));
            }
        }
    }
}
