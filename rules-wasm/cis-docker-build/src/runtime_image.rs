//! CIS 4.3 / 4.11 / 5.7: what the final image contains.

use bulwark_sdk::Findings;
use bulwark_sdk::command::{basename, program};
use bulwark_sdk::dockerfile::{Command, Dockerfile};
use bulwark_sdk::packages::{self, Action, PackageCommand, is_package};

use crate::walk::{instructions, stage_run_commands};

/// Tools a runtime image should not carry: network clients, version
/// control, compilers and build tools, debuggers, editors.
const TOOLS: [&str; 36] = [
    "curl",
    "wget",
    "git",
    "gcc",
    "g++",
    "cc",
    "clang",
    "make",
    "cmake",
    "build-essential",
    "build-base",
    "gcc-c++",
    "autoconf",
    "automake",
    "libtool",
    "musl-dev",
    "netcat",
    "netcat-openbsd",
    "netcat-traditional",
    "nc",
    "ncat",
    "nmap",
    "socat",
    "telnet",
    "ftp",
    "tcpdump",
    "strace",
    "ltrace",
    "gdb",
    "vim",
    "vi",
    "nano",
    "openssh-client",
    "ssh-client",
    "subversion",
    "mercurial",
];

const SSH_SERVERS: [&str; 4] = ["openssh-server", "openssh", "dropbear", "ssh"];

/// The system package commands of the final image, in order.
fn final_package_commands(df: &Dockerfile) -> Vec<(&Command, PackageCommand)> {
    stage_run_commands(&df.final_chain())
        .into_iter()
        .filter_map(|(_, c)| packages::read(c).map(|p| (c, p)))
        .filter(|(_, p)| p.manager.is_system())
        .collect()
}

/// Returns true if and only if a package command after position `after`
/// removes `name`.
fn removed_later(cmds: &[(&Command, PackageCommand)], after: usize, name: &str) -> bool {
    cmds[after + 1..].iter().any(|(_, p)| {
        p.action == Action::Remove && p.packages.iter().any(|(_, n)| is_package(n, name))
    })
}

pub fn check_tools(df: &Dockerfile, out: &mut Findings) {
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

/// Paths whose removal takes a package manager out of the image.
const MANAGER_PATHS: [&str; 11] = [
    "/sbin/apk",
    "/etc/apk",
    "/lib/apk",
    "/usr/bin/apt",
    "/usr/bin/apt-get",
    "/usr/bin/dpkg",
    "/var/lib/dpkg",
    "/usr/bin/yum",
    "/usr/bin/dnf",
    "/usr/bin/microdnf",
    "/usr/bin/rpm",
];

fn removes_manager(cmd: &Command) -> bool {
    match packages::read(cmd) {
        Some(p) if p.action == Action::Remove => p.packages.iter().any(|(_, n)| {
            ["apk-tools", "apt", "dpkg", "yum", "dnf", "microdnf", "rpm"].contains(&n.as_str())
        }),
        Some(_) => false,
        None => {
            program(cmd).is_some_and(|(_, name)| name == "rm")
                && cmd.argv.iter().any(|a| {
                    MANAGER_PATHS
                        .iter()
                        .any(|p| a.trim_end_matches('*').trim_end_matches('/').starts_with(p))
                })
        }
    }
}

pub fn check_package_manager(df: &Dockerfile, out: &mut Findings) {
    let chain = df.final_chain();
    let commands = stage_run_commands(&chain);
    let first_install = commands.iter().position(|(_, c)| {
        packages::read(c).is_some_and(|p| p.manager.is_system() && p.action == Action::Install)
    });
    let Some(first) = first_install else { return };
    if commands[first..].iter().any(|(_, c)| removes_manager(c)) {
        return;
    }
    let (_, cmd) = commands[first];
    let manager = program(cmd).map_or("package manager", |(_, n)| n);
    out.report(
        &cmd.pointer,
        format!("the final image installs packages with `{manager}` and keeps the package manager"),
    )
    .detail(
        "an attacker with code execution in the container can install whatever they need with it",
    );
}

pub fn check_sshd(df: &Dockerfile, out: &mut Findings) {
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
            for (i, port) in instr.values.iter().enumerate() {
                if port.split('/').next() == Some("22") {
                    out.report(
                        instr.value_pointer(i),
                        "the final image exposes port 22 (SSH)",
                    );
                }
            }
        }
        if instr.is("CMD") || instr.is("ENTRYPOINT") {
            for cmd in &instr.commands {
                if program(cmd).is_some_and(|(_, n)| basename(n) == "sshd") {
                    out.report(
                        &cmd.pointer,
                        format!("{} starts an SSH daemon", instr.keyword),
                    );
                }
            }
        }
    }
}
