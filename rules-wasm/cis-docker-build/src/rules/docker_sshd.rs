//! `docker-sshd`: Final image contains an SSH server.

use crate::runtime_image::SSH_SERVERS;
use crate::runtime_image::final_package_commands;
use crate::runtime_image::removed_later;
use crate::walk::instructions;
use bulwark_sdk::Findings;
use bulwark_sdk::command::{basename, program};
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::packages::{Action, is_package};
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-sshd",
    title: "Final image contains an SSH server",
    severity: Severity::High,
    controls: &["CIS-Docker 5.7"],
    remediation: "Remove the SSH server; use `docker exec` or `kubectl exec` for access.",
    explanation: include_str!("docker_sshd.md"),
    check: Check::Dockerfile(check_sshd),
};

fn check_sshd(df: &Dockerfile, out: &mut Findings) {
    let cmds = final_package_commands(df);
    for (i, (cmd, pkg)) in cmds.iter().enumerate() {
        if pkg.action != Action::Install {
            continue;
        }
        for (arg, name) in &pkg.packages {
            if let Some(server) = SSH_SERVERS.iter().find(|s| is_package(name, s))
                && !removed_later(&cmds, i, server)
            {
                out.report(
                    cmd.arg_pointer(*arg),
                    format!("`{server}` installs an SSH server in the final image"),
                );
            }
        }
    }
    let chain = df.final_chain();
    for instr in instructions(&chain) {
        if instr.is("EXPOSE") {
            for (i, port) in instr.values().iter().enumerate() {
                if port.split('/').next() == Some("22") {
                    out.report(
                        instr.value_pointer(i),
                        "the final image exposes port 22 (SSH)",
                    );
                }
            }
        }
        if instr.is("CMD") || instr.is("ENTRYPOINT") {
            for cmd in &instr.commands() {
                if program(cmd).is_some_and(|(_, n)| basename(n) == "sshd") {
                    out.report(
                        cmd.pointer(),
                        format!("{} starts an SSH daemon", instr.keyword()),
                    );
                }
            }
        }
    }
}
