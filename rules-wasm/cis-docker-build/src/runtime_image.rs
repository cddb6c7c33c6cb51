//! CIS 4.3 / 4.11 / 5.7: what the final image contains.

use bulwark_sdk::command::program;
use bulwark_sdk::dockerfile::{Command, Dockerfile};
use bulwark_sdk::packages::{self, Action, PackageCommand, is_package};

use crate::walk::stage_run_commands;

/// Tools a runtime image should not carry: network clients, version
/// control, compilers and build tools, debuggers, editors.
pub(crate) const TOOLS: [&str; 36] = [
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

pub(crate) const SSH_SERVERS: [&str; 4] = ["openssh-server", "openssh", "dropbear", "ssh"];

/// The system package commands of the final image, in order.
pub(crate) fn final_package_commands(df: &Dockerfile) -> Vec<(Command<'_>, PackageCommand)> {
    stage_run_commands(&df.final_chain())
        .filter_map(|(_, c)| packages::read(&c).map(|p| (c, p)))
        .filter(|(_, p)| p.manager.is_system())
        .collect()
}

/// Returns true if and only if a package command after position `after`
/// removes `name`.
pub(crate) fn removed_later(
    cmds: &[(Command<'_>, PackageCommand)],
    after: usize,
    name: &str,
) -> bool {
    cmds[after + 1..].iter().any(|(_, p)| {
        p.action == Action::Remove && p.packages.iter().any(|(_, n)| is_package(n, name))
    })
}

/// Paths whose removal takes a package manager out of the image.
pub(crate) const MANAGER_PATHS: [&str; 11] = [
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

pub(crate) fn removes_manager(cmd: &Command<'_>) -> bool {
    match packages::read(cmd) {
        Some(p) if p.action == Action::Remove => p.packages.iter().any(|(_, n)| {
            ["apk-tools", "apt", "dpkg", "yum", "dnf", "microdnf", "rpm"].contains(&n.as_str())
        }),
        Some(_) => false,
        None => {
            program(cmd).is_some_and(|(_, name)| name == "rm")
                && cmd.argv().iter().any(|a| {
                    MANAGER_PATHS
                        .iter()
                        .any(|p| a.trim_end_matches('*').trim_end_matches('/').starts_with(p))
                })
        }
    }
}
