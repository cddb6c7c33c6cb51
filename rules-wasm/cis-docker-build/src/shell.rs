//! CIS 4.11: downloads are verified; TLS is never switched off.

use bulwark_sdk::command::{has_option, program};
use bulwark_sdk::dockerfile::Command;
use bulwark_sdk::packages;

/// Environment variables that switch off TLS verification, with the values
/// that do so.
pub(crate) fn disables_tls(name: &str, value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    match name.to_ascii_uppercase().as_str() {
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => v == "0",
        "GIT_SSL_NO_VERIFY" => !v.is_empty() && v != "0" && v != "false",
        "NPM_CONFIG_STRICT_SSL" | "YARN_STRICT_SSL" => v == "false" || v == "0",
        "PIP_TRUSTED_HOST" => !v.is_empty(),
        _ => false,
    }
}

pub(crate) fn tls_option(cmd: &Command<'_>) -> Option<(usize, String)> {
    let (start, name) = program(cmd)?;
    let at = |pred: &dyn Fn(&str) -> bool| {
        cmd.argv()
            .iter()
            .enumerate()
            .skip(start + 1)
            .find(|(_, a)| pred(a))
            .map(|(i, a)| (i, a.to_owned()))
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
                    .argv()
                    .get(i + 1)
                    .is_some_and(|v| v == "false" || v == "0")
        }),
        "npm" | "yarn" | "pnpm" => at(&|a| a == "strict-ssl")
            .filter(|(i, _)| cmd.argv().get(i + 1).is_some_and(|v| v == "false"))
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
