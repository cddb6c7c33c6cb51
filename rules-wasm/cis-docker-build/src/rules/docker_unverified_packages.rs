//! `docker-unverified-packages`: Package signature verification disabled.

use crate::packages::unverified_option;
use crate::walk::run_commands;
use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::packages::{self};
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-unverified-packages",
    title: "Package signature verification disabled",
    severity: Severity::High,
    controls: &["CIS-Docker 4.11"],
    remediation: "Remove the option and import the repository's signing key so the package manager verifies what it installs.",
    explanation: include_str!("docker_unverified_packages.md"),
    check: Check::Dockerfile(check_unverified),
};

fn check_unverified(df: &Dockerfile, out: &mut Findings) {
    for (_, cmd) in run_commands(df) {
        if let Some(pkg) = packages::read(&cmd) {
            for (i, word) in cmd.argv().iter().enumerate() {
                if word.starts_with('-') && unverified_option(pkg.manager, word) {
                    out.report(
                        cmd.arg_pointer(i),
                        format!(
                            "`{word}` makes `{}` install packages without verifying signatures",
                            &cmd.argv()[0]
                        ),
                    );
                } else if i > 0
                    && cmd.argv().get(i - 1) == Some("-o")
                    && unverified_option(pkg.manager, word)
                {
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
        for (i, word) in cmd.argv().iter().enumerate().skip(1) {
            // Both settings are `name=value`: a word without `=` is neither
            // (and costs no lower-cased copy).
            if !word.contains('=') {
                continue;
            }
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
        for redirect in &cmd.redirects() {
            let body = redirect.body.unwrap_or("").to_ascii_lowercase();
            if body.contains("trusted=yes") || body.replace(' ', "").contains("gpgcheck=0") {
                out.report(
                    cmd.pointer(),
                    "a repository definition written here skips signature verification",
                );
            }
        }
    }
}
