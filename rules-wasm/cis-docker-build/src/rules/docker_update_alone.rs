//! `docker-update-alone`: an update instruction without an install in the same RUN.

use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::packages::{self, Action};
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-update-alone",
    title: "Update instruction without an install in the same RUN",
    severity: Severity::Medium,
    controls: &["CIS-Docker 4.7"],
    remediation: "Refresh and install in one RUN: `RUN apt-get update && apt-get install -y --no-install-recommends pkg && rm -rf /var/lib/apt/lists/*`.",
    explanation: include_str!("docker_update_alone.md"),
    check: Check::Dockerfile(check_update_alone),
};

fn check_update_alone(df: &Dockerfile, out: &mut Findings) {
    for instr in df.all_instructions().into_iter().filter(|i| i.is("RUN")) {
        let read: Vec<_> = instr
            .commands()
            .into_iter()
            .filter_map(|c| packages::read(&c).map(|p| (c, p)))
            .collect();
        // One finding per package manager that only updates in this RUN:
        // refreshes its index or upgrades what is installed, and installs
        // nothing.
        let mut reported = Vec::new();
        for (cmd, pkg) in &read {
            if !matches!(pkg.action, Action::Refresh | Action::Upgrade)
                || reported.contains(&pkg.manager)
            {
                continue;
            }
            let installs = read
                .iter()
                .any(|(_, o)| o.manager == pkg.manager && o.action == Action::Install);
            if !installs {
                reported.push(pkg.manager);
                let words = cmd.argv().iter().take(2).collect::<Vec<_>>().join(" ");
                out.report(cmd.pointer(), format!("`{words}` runs without an install in the same RUN, so a cached layer keeps a stale index and stale packages"));
            }
        }
    }
}
