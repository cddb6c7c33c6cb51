//! `docker-secret-file-copied`: Secret file copied into the image.

use crate::secrets::is_secret_file;
use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-secret-file-copied",
    title: "Secret file copied into the image",
    severity: Severity::High,
    controls: &["CIS-Docker 4.10"],
    remediation: "Keep key and credential files out of the build context (`.dockerignore`) and mount them at run time, or use `RUN --mount=type=secret` during the build.",
    explanation: include_str!("docker_secret_file_copied.md"),
    check: Check::Dockerfile(check_files),
};

fn check_files(df: &Dockerfile, out: &mut Findings) {
    for instr in df
        .all_instructions()
        .into_iter()
        .filter(|i| i.is("COPY") || i.is("ADD"))
    {
        for (i, source) in instr.sources().iter().enumerate() {
            if is_secret_file(source) {
                out.report(
                    instr.source_pointer(i),
                    format!(
                        "{} puts the credential file `{source}` into the image",
                        instr.keyword()
                    ),
                );
            }
        }
    }
}
