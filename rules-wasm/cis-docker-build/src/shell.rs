//! CIS 4.11: downloads are verified; TLS is never switched off.

use bulwark_sdk::Findings;
use bulwark_sdk::command::{basename, has_option, is_download_to_stdout, is_interpreter, program};
use bulwark_sdk::dockerfile::{Command, Dockerfile};
use bulwark_sdk::packages;

use crate::walk::run_commands;

pub fn check_pipe_to_shell(df: &Dockerfile, out: &mut Findings) {
    for instr in df.all_instructions().into_iter().filter(|i| i.is("RUN")) {
        let cmds = &instr.commands;
        for (i, cmd) in cmds.iter().enumerate() {
            if !is_download_to_stdout(cmd) {
                continue;
            }
            let fetcher = program(cmd).map_or("download", |(_, n)| n);
            // `curl … | sh`: a later command of the same pipeline interprets it.
            let piped_into = cmds[i + 1..]
                .iter()
                .take_while(|c| c.pipeline == cmd.pipeline)
                .filter_map(|c| program(c).map(|(_, n)| n))
                .find(|n| is_interpreter(n));
            if let Some(shell) = piped_into {
                out.report(
                    &cmd.pointer,
                    format!("`{fetcher}` output is piped into `{shell}` without verification"),
                );
                continue;
            }
            // `sh -c "$(curl …)"`, `bash <(curl …)`: nested in an interpreter.
            if let Some(parent) = cmd.parent.and_then(|p| cmds.get(p))
                && let Some((_, shell)) = program(parent).filter(|(_, n)| is_interpreter(n))
            {
                out.report(
                    &cmd.pointer,
                    format!("`{shell}` runs what `{fetcher}` downloads without verification"),
                );
            }
        }
    }
}

/// Environment variables that switch off TLS verification, with the values
/// that do so.
fn disables_tls(name: &str, value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    match name.to_ascii_uppercase().as_str() {
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => v == "0",
        "GIT_SSL_NO_VERIFY" => !v.is_empty() && v != "0" && v != "false",
        "NPM_CONFIG_STRICT_SSL" | "YARN_STRICT_SSL" => v == "false" || v == "0",
        "PIP_TRUSTED_HOST" => !v.is_empty(),
        _ => false,
    }
}

fn tls_option(cmd: &Command) -> Option<(usize, String)> {
    let (start, name) = program(cmd)?;
    let args = &cmd.argv[start + 1..];
    let at = |pred: &dyn Fn(&str) -> bool| {
        args.iter()
            .position(|a| pred(a))
            .map(|i| (start + 1 + i, args[i].clone()))
    };
    match name {
        "curl" if has_option(cmd, Some('k'), &["insecure"]) => at(&|a| {
            a == "--insecure" || (a.starts_with('-') && !a.starts_with("--") && a.contains('k'))
        }),
        "wget" => at(&|a| a == "--no-check-certificate"),
        "git" => at(&|a| {
            let a = a.to_ascii_lowercase().replace(' ', "");
            a.contains("sslverify=false") || a.contains("sslverify=0") || a == "http.sslverify"
        })
        .filter(|(i, word)| {
            // `git config http.sslVerify false` needs the value after it.
            !word.eq_ignore_ascii_case("http.sslverify")
                || cmd
                    .argv
                    .get(i + 1)
                    .is_some_and(|v| v == "false" || v == "0")
        }),
        "npm" | "yarn" | "pnpm" => at(&|a| a == "strict-ssl")
            .filter(|(i, _)| cmd.argv.get(i + 1).is_some_and(|v| v == "false"))
            .or_else(|| at(&|a| a == "--strict-ssl=false")),
        _ => match packages::read(cmd) {
            Some(p) if p.manager == packages::Manager::Pip => {
                at(&|a| a == "--trusted-host" || a.starts_with("--trusted-host="))
            }
            Some(p) if p.manager == packages::Manager::Yum => at(&|a| {
                let a = a.to_ascii_lowercase();
                a.contains("sslverify=0") || a.contains("sslverify=false")
            }),
            _ => None,
        },
    }
}

pub fn check_tls(df: &Dockerfile, out: &mut Findings) {
    for (_, cmd) in run_commands(df) {
        if let Some((i, word)) = tls_option(cmd) {
            out.report(
                cmd.arg_pointer(i),
                format!(
                    "`{} {word}` turns off TLS certificate verification",
                    basename(&cmd.argv[0])
                ),
            );
        }
        for (i, var) in cmd.env.iter().enumerate() {
            if disables_tls(&var.name, &var.value) {
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
        for pair in &instr.pairs {
            if let Some(value) = &pair.value
                && disables_tls(&pair.key, value)
            {
                out.report(
                    &pair.pointer,
                    format!(
                        "{} `{}={value}` turns off TLS certificate verification",
                        instr.keyword, pair.key
                    ),
                );
            }
        }
    }
}
