//! `docker-runtime-tools`: Final image installs network, build or debugging tools.

use crate::runtime_image::TOOLS;
use crate::runtime_image::final_package_commands;
use crate::runtime_image::removed_later;
use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::packages::{Action, is_package};
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-runtime-tools",
    title: "Final image installs network, build or debugging tools",
    severity: Severity::Medium,
    controls: &["CIS-Docker 4.3", "CIS-Docker 4.11"],
    remediation: "Install tools in a builder stage and copy only the built artifacts into the final stage; remove anything the final stage must install temporarily in the same RUN.",
    explanation: include_str!("docker_runtime_tools.md"),
    check: Check::Dockerfile(check_tools),
};

fn check_tools(df: &Dockerfile, out: &mut Findings) {
    let cmds = final_package_commands(df);
    for (i, (cmd, pkg)) in cmds.iter().enumerate() {
        if pkg.action != Action::Install {
            continue;
        }
        for (arg, name) in &pkg.packages {
            if let Some(tool) = TOOLS.iter().find(|t| is_package(name, t))
                && !removed_later(&cmds, i, tool)
            {
                out.report(
                    cmd.arg_pointer(*arg),
                    format!("`{tool}` is installed in the final image"),
                );
            }
        }
    }
}
