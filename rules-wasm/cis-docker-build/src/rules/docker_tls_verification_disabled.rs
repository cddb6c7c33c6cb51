//! `docker-tls-verification-disabled`: TLS certificate verification disabled.

use crate::shell::disables_tls;
use crate::shell::tls_option;
use crate::walk::run_commands;
use bulwark_sdk::Findings;
use bulwark_sdk::command::basename;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-tls-verification-disabled",
    title: "TLS certificate verification disabled",
    severity: Severity::High,
    controls: &["CIS-Docker 4.11"],
    remediation: "Remove the option; if a private CA signs the server, add its certificate to the image's trust store (`update-ca-certificates`).",
    explanation: include_str!("docker_tls_verification_disabled.md"),
    check: Check::Dockerfile(check_tls),
};

fn check_tls(df: &Dockerfile, out: &mut Findings) {
    for (_, cmd) in run_commands(df) {
        if let Some((i, word)) = tls_option(&cmd) {
            out.report(
                cmd.arg_pointer(i),
                format!(
                    "`{} {word}` turns off TLS certificate verification",
                    basename(&cmd.argv()[0])
                ),
            );
        }
        for (i, var) in cmd.env().iter().enumerate() {
            if disables_tls(var.name, var.value) {
                out.report(
                    cmd.env_pointer(i),
                    format!(
                        "`{}={}` turns off TLS certificate verification",
                        var.name, var.value
                    ),
                );
            }
        }
    }
    for instr in df
        .all_instructions()
        .into_iter()
        .filter(|i| i.is("ENV") || i.is("ARG"))
    {
        for pair in &instr.pairs() {
            if let Some(value) = &pair.value
                && disables_tls(pair.key, value)
            {
                out.report(
                    pair.pointer(),
                    format!(
                        "{} `{}={value}` turns off TLS certificate verification",
                        instr.keyword(),
                        pair.key
                    ),
                );
            }
        }
    }
}
