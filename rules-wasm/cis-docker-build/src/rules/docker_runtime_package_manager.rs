//! `docker-runtime-package-manager`: Final image keeps a package manager.

use crate::runtime_image::removes_manager;
use crate::walk::stage_run_commands;
use bulwark_sdk::Findings;
use bulwark_sdk::command::program;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::packages::{self, Action};
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-runtime-package-manager",
    title: "Final image keeps a package manager",
    severity: Severity::Low,
    controls: &["CIS-Docker 4.3"],
    remediation: "Build on a minimal base (distroless, scratch, Chainguard) and copy artifacts from a builder stage, or remove the package manager at the end of the final stage.",
    explanation: include_str!("docker_runtime_package_manager.md"),
    check: Check::Dockerfile(check_package_manager),
};

fn check_package_manager(df: &Dockerfile, out: &mut Findings) {
    let chain = df.final_chain();
    let mut commands = stage_run_commands(&chain).map(|(_, c)| c);
    let first_install = commands.find(|c| {
        packages::read(c).is_some_and(|p| p.manager.is_system() && p.action == Action::Install)
    });
    let Some(cmd) = first_install else { return };
    if removes_manager(&cmd) || commands.any(|c| removes_manager(&c)) {
        return;
    }
    let manager = program(&cmd).map_or("package manager", |(_, n)| n);
    out.report(
        cmd.pointer(),
        format!("the final image installs packages with `{manager}` and keeps the package manager"),
    )
    .detail(
        "an attacker with code execution in the container can install whatever they need with it",
    );
}
