//! CIS 4.7 (update not alone) and 4.11 (verified packages).

use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::packages::{self, Action, Manager};

use crate::walk::run_commands;

pub fn check_update_alone(df: &Dockerfile, out: &mut Findings) {
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

/// Options that switch off signature checks, per manager.
fn unverified_option(manager: Manager, option: &str) -> bool {
    let o = option.to_ascii_lowercase();
    match manager {
        Manager::Apt => {
            matches!(
                o.as_str(),
                "--allow-unauthenticated" | "--force-yes" | "--allow-insecure-repositories"
            ) || ((o.contains("allowunauthenticated")
                || o.contains("allowinsecurerepositories")
                || o.contains("allow-insecure"))
                && (o.ends_with("=true") || o.ends_with("=1") || o.ends_with("=yes")))
        }
        Manager::Yum => {
            o == "--nogpgcheck"
                || o.replace(' ', "").contains("gpgcheck=0")
                || o.contains("gpgcheck=false")
        }
        Manager::Rpm => matches!(o.as_str(), "--nosignature" | "--nodigest" | "--nogpgcheck"),
        Manager::Apk => o == "--allow-untrusted",
        Manager::Zypper => matches!(
            o.as_str(),
            "--no-gpg-checks" | "--gpg-auto-import-keys" | "--no-gpgcheck"
        ),
        Manager::Pip => false,
    }
}

pub fn check_unverified(df: &Dockerfile, out: &mut Findings) {
    for (_, cmd) in run_commands(df) {
        if let Some(pkg) = packages::read(cmd) {
            for (i, word) in cmd.argv.iter().enumerate() {
                if word.starts_with('-') && unverified_option(pkg.manager, word) {
                    out.report(
                        cmd.arg_pointer(i),
                        format!(
                            "`{word}` makes `{}` install packages without verifying signatures",
                            cmd.argv[0]
                        ),
                    );
                } else if i > 0 && cmd.argv[i - 1] == "-o" && unverified_option(pkg.manager, word) {
                    out.report(
                        cmd.arg_pointer(i),
                        format!("`-o {word}` makes apt accept unauthenticated packages"),
                    );
                }
            }
            continue;
        }
        // Repository definitions written by hand: `deb [trusted=yes] …`,
        // `gpgcheck=0` in a .repo file.
        for (i, word) in cmd.argv.iter().enumerate().skip(1) {
            let w = word.to_ascii_lowercase();
            if w.contains("trusted=yes") {
                out.report(
                    cmd.arg_pointer(i),
                    "an apt source marked `[trusted=yes]` skips signature verification",
                );
            } else if w.replace(' ', "").contains("gpgcheck=0") {
                out.report(
                    cmd.arg_pointer(i),
                    "a repository with `gpgcheck=0` skips signature verification",
                );
            }
        }
        for redirect in &cmd.redirects {
            let body = redirect.body.as_deref().unwrap_or("").to_ascii_lowercase();
            if body.contains("trusted=yes") || body.replace(' ', "").contains("gpgcheck=0") {
                out.report(
                    &cmd.pointer,
                    "a repository definition written here skips signature verification",
                );
            }
        }
    }
}
