//! `docker-secret-literal`: Literal secret in the Dockerfile.

use crate::secrets::pair_instructions;
use crate::walk::run_commands;
use bulwark_sdk::Findings;
use bulwark_sdk::command::basename;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::secrets::{is_literal, is_secret_name, known_format};
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-secret-literal",
    title: "Literal secret in the Dockerfile",
    severity: Severity::Critical,
    controls: &["CIS-Docker 4.10"],
    remediation: "Remove the value and rotate it; pass secrets at build time with `RUN --mount=type=secret,id=…` and at run time as a mounted file (`*_FILE`).",
    explanation: include_str!("docker_secret_literal.md"),
    check: Check::Dockerfile(check_literal),
};

fn check_literal(df: &Dockerfile, out: &mut Findings) {
    for instr in pair_instructions(df) {
        for pair in &instr.pairs() {
            let Some(value) = pair.value else {
                continue;
            };
            let key = &pair.key;
            if let Some(kind) = known_format(value) {
                out.report(
                    pair.value_pointer(),
                    format!("{} `{key}` holds what looks like {kind}", instr.keyword()),
                )
                .redact(pair.value_pointer());
            } else if !instr.is("LABEL") && is_secret_name(key) && is_literal(value) {
                let what = if instr.is("ARG") {
                    "has a literal secret as its default"
                } else {
                    "sets a literal secret"
                };
                out.report(pair.value_pointer(), format!("{} `{key}` {what}", instr.keyword()))
                    .detail("the value is stored in the image configuration and history, readable by anyone who can pull the image")
                    .redact(pair.value_pointer());
            }
        }
    }
    for (_, cmd) in run_commands(df) {
        for (i, var) in cmd.env().iter().enumerate() {
            if known_format(var.value).is_some()
                || (is_secret_name(var.name) && is_literal(var.value))
            {
                out.report(
                    cmd.env_pointer(i),
                    format!(
                        "RUN sets `{}` to a literal secret, recorded in the image history",
                        var.name
                    ),
                )
                .redact(cmd.env_pointer(i));
            }
        }
        for (i, word) in cmd.argv().iter().enumerate() {
            if let Some(kind) = known_format(word) {
                out.report(
                    cmd.arg_pointer(i),
                    format!(
                        "`{}` is given what looks like {kind}, recorded in the image history",
                        basename(&cmd.argv()[0])
                    ),
                )
                .redact(cmd.arg_pointer(i));
            }
        }
    }
    for instr in df.all_instructions() {
        if instr.is("COPY") || instr.is("ADD") {
            for (i, source) in instr.sources().iter().enumerate() {
                if let Some(kind) = known_format(source) {
                    out.report(
                        instr.source_pointer(i),
                        format!("{} source holds {kind}", instr.keyword()),
                    )
                    .redact(instr.source_pointer(i));
                }
            }
        }
        for heredoc in &instr.heredocs() {
            if let Some(kind) = known_format(heredoc.content) {
                out.report(
                    heredoc.pointer(),
                    format!(
                        "the heredoc `{}` contains what looks like {kind}",
                        heredoc.name
                    ),
                )
                .redact(heredoc.pointer());
            }
        }
    }
}
