//! `docker-setuid-setgid`: setuid or setgid bit set.

use crate::walk::run_commands;
use bulwark_sdk::Findings;
use bulwark_sdk::command::program;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-setuid-setgid",
    title: "setuid or setgid bit set",
    severity: Severity::High,
    controls: &["CIS-Docker 4.8"],
    remediation: "Do not add setuid/setgid bits; strip existing ones with `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`.",
    explanation: include_str!("docker_setuid_setgid.md"),
    check: Check::Dockerfile(check),
};

fn check(df: &Dockerfile, out: &mut Findings) {
    for (_, cmd) in run_commands(df) {
        let Some((start, name)) = program(&cmd) else {
            continue;
        };
        let args = || cmd.argv().from(start + 1);
        match name {
            "chmod" => {
                // The mode is the first argument that is not an option.
                if let Some((i, mode)) = args()
                    .enumerate()
                    .find(|(_, a)| !a.starts_with('-') || is_minus_mode(a))
                    && sets_setid(mode)
                {
                    out.report(
                        cmd.arg_pointer(start + 1 + i),
                        format!("`chmod {mode}` sets the setuid/setgid bit"),
                    );
                }
            }
            "install" => {
                for (i, a) in args().enumerate() {
                    let mode = if a == "-m" || a == "--mode" {
                        cmd.argv().get(start + 1 + i + 1).map(|m| (i + 1, m))
                    } else {
                        a.strip_prefix("--mode=").map(|m| (i, m))
                    };
                    if let Some((mi, mode)) = mode
                        && sets_setid(mode)
                    {
                        out.report(
                            cmd.arg_pointer(start + 1 + mi),
                            format!("`install` with mode `{mode}` sets the setuid/setgid bit"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    for instr in df
        .all_instructions()
        .into_iter()
        .filter(|i| i.is("COPY") || i.is("ADD"))
    {
        for (i, flag) in instr.flags().iter().enumerate() {
            if flag.name == "chmod" && flag.value.is_some_and(sets_setid) {
                out.report(
                    instr.flag_pointer(i),
                    format!("{} --chmod sets the setuid/setgid bit", instr.keyword()),
                );
            }
        }
    }
}

/// Returns true if and only if a chmod-style `mode` sets the setuid or
/// setgid bit: octal `4755`, `2755`, `06755`, or symbolic `u+s`, `g=rws`,
/// `+s`.
pub(crate) fn sets_setid(mode: &str) -> bool {
    if !mode.is_empty() && mode.chars().all(|c| c.is_ascii_digit()) {
        let digits: Vec<u32> = mode.chars().filter_map(|c| c.to_digit(8)).collect();
        if digits.len() != mode.len() || digits.len() < 4 {
            return false;
        }
        return digits[digits.len() - 4] & 6 != 0;
    }
    mode.split(',').any(|clause| {
        let clause = clause.trim_start_matches(['u', 'g', 'o', 'a']);
        // Several operations may follow: `u+x-w+s`.
        let mut op = None;
        for c in clause.chars() {
            match c {
                '+' | '-' | '=' => op = Some(c),
                's' if matches!(op, Some('+') | Some('=')) => return true,
                _ => {}
            }
        }
        false
    })
}

/// `chmod -s file` removes bits: a mode, not an option.
pub(crate) fn is_minus_mode(a: &str) -> bool {
    a.len() > 1 && a[1..].chars().all(|c| "rwxXst".contains(c))
}

#[cfg(test)]
mod tests {
    use super::sets_setid;

    #[test]
    fn reads_octal_and_symbolic_modes() {
        for m in [
            "4755",
            "2755",
            "6755",
            "04755",
            "u+s",
            "g+s",
            "+s",
            "ug=rwxs",
            "a+rwx,u+s",
            "u+x-w+s",
        ] {
            assert!(sets_setid(m), "{m}");
        }
        for m in [
            "0755", "755", "1777", "u-s", "a-s", "g-s,o+x", "+x", "u=rwx",
        ] {
            assert!(!sets_setid(m), "{m}");
        }
    }
}
