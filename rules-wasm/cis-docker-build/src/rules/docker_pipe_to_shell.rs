//! `docker-pipe-to-shell`: Downloaded script piped into a shell.

use bulwark_sdk::Findings;
use bulwark_sdk::command::{is_download_to_stdout, is_interpreter, program};
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-pipe-to-shell",
    title: "Downloaded script piped into a shell",
    severity: Severity::High,
    controls: &["CIS-Docker 4.11"],
    remediation: "Download to a file, verify its checksum or signature (`sha256sum -c`, `gpg --verify`), then run it; better, install a signed package.",
    explanation: include_str!("docker_pipe_to_shell.md"),
    check: Check::Dockerfile(check_pipe_to_shell),
};

fn check_pipe_to_shell(df: &Dockerfile, out: &mut Findings) {
    for instr in df.all_instructions().into_iter().filter(|i| i.is("RUN")) {
        let cmds = &instr.commands();
        for (i, cmd) in cmds.iter().enumerate() {
            if !is_download_to_stdout(cmd) {
                continue;
            }
            let fetcher = program(cmd).map_or("download", |(_, n)| n);
            // `curl … | sh`: a later command of the same pipeline interprets it.
            let piped_into = cmds[i + 1..]
                .iter()
                .take_while(|c| c.pipeline() == cmd.pipeline())
                .filter_map(|c| program(c).map(|(_, n)| n))
                .find(|n| is_interpreter(n));
            if let Some(shell) = piped_into {
                out.report(
                    cmd.pointer(),
                    format!("`{fetcher}` output is piped into `{shell}` without verification"),
                );
                continue;
            }
            // `sh -c "$(curl …)"`, `bash <(curl …)`: nested in an interpreter.
            if let Some(parent) = cmd.parent().and_then(|p| cmds.get(p))
                && let Some((_, shell)) = program(parent).filter(|(_, n)| is_interpreter(n))
            {
                out.report(
                    cmd.pointer(),
                    format!("`{shell}` runs what `{fetcher}` downloads without verification"),
                );
            }
        }
    }
}
