//! Reading shell commands: which program runs, with which arguments.

use crate::dockerfile::Command;

/// Commands that run another command given as their arguments.
const WRAPPERS: [&str; 9] = [
    "sudo", "env", "exec", "nice", "nohup", "time", "command", "doas", "stdbuf",
];

/// The program a command runs and the index of its name in `argv`, looking
/// through wrappers (`sudo -E apt-get …`, `env A=b curl …`). The name is the
/// basename (`/usr/bin/curl` → `curl`).
pub fn program<'a>(cmd: &Command<'a>) -> Option<(usize, &'a str)> {
    let mut i = 0;
    while let Some(word) = cmd.argv().get(i) {
        let name = basename(word);
        if !WRAPPERS.contains(&name) {
            return Some((i, name));
        }
        i += 1;
        // Skip the wrapper's own options and `NAME=value` assignments.
        while let Some(w) = cmd.argv().get(i) {
            if w.starts_with('-') || (name == "env" && w.contains('=')) {
                // `sudo -u user`, `nice -n 10` take a value.
                if matches!(w, "-u" | "-g" | "-n" | "-o" | "-e" | "-i") && name != "env" {
                    i += 1;
                }
                i += 1;
            } else {
                break;
            }
        }
    }
    None
}

/// The last path component of `word`.
pub fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Returns true if and only if `cmd`'s arguments after the program include
/// a short-option cluster containing `letter` (`-fsSLk` contains `k`) or the
/// long option `long`.
pub fn has_option(cmd: &Command<'_>, letter: Option<char>, long: &[&str]) -> bool {
    let Some((start, _)) = program(cmd) else {
        return false;
    };
    cmd.argv().from(start + 1).any(|a| {
        if let Some(name) = a.strip_prefix("--") {
            let name = name.split('=').next().unwrap_or(name);
            long.contains(&name)
        } else if let (Some(cluster), Some(letter)) = (a.strip_prefix('-'), letter) {
            !cluster.is_empty()
                && cluster.chars().all(|c| c.is_ascii_alphanumeric())
                && cluster.contains(letter)
        } else {
            false
        }
    })
}

/// Interpreters that execute a script read from standard input or from a
/// file argument.
pub const INTERPRETERS: [&str; 14] = [
    "sh", "bash", "ash", "dash", "zsh", "ksh", "fish", "python", "python2", "python3", "perl",
    "ruby", "node", "php",
];

/// Returns true if and only if `name` is a shell or script interpreter.
pub fn is_interpreter(name: &str) -> bool {
    INTERPRETERS.contains(&name) || name.starts_with("python3.")
}

/// Returns true if and only if the command downloads something to its
/// standard output (`curl URL`, `wget -O- URL`, `wget -qO - URL`).
pub fn is_download_to_stdout(cmd: &Command<'_>) -> bool {
    let Some((start, name)) = program(cmd) else {
        return false;
    };
    let args = || cmd.argv().from(start + 1);
    match name {
        // curl writes to stdout unless told to write a file.
        "curl" => {
            !has_option(cmd, Some('o'), &["output", "remote-name"])
                && !has_option(cmd, Some('O'), &[])
        }
        "wget" => {
            args().zip(args().skip(1)).any(|(option, value)| {
                matches!(option, "-O" | "-qO" | "--output-document") && value == "-"
            }) || args().any(|a| {
                a == "-O-"
                    || a == "-qO-"
                    || a == "--output-document=-"
                    || (a.starts_with('-') && !a.starts_with("--") && a.ends_with("O-"))
            })
        }
        "fetch" => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(argv: &[&str]) -> Command<'static> {
        crate::dockerfile::command_of(argv)
    }

    #[test]
    fn looks_through_wrappers() {
        assert_eq!(
            program(&cmd(&["sudo", "-E", "/usr/bin/apt-get", "update"])),
            Some((2, "apt-get"))
        );
        assert_eq!(
            program(&cmd(&["env", "A=b", "curl", "x"])),
            Some((2, "curl"))
        );
        assert_eq!(
            program(&cmd(&["sudo", "-u", "root", "sh"])),
            Some((3, "sh"))
        );
        assert_eq!(program(&cmd(&["sudo"])), None);
    }

    #[test]
    fn finds_options_in_clusters() {
        assert!(has_option(
            &cmd(&["curl", "-fsSLk", "u"]),
            Some('k'),
            &["insecure"]
        ));
        assert!(has_option(
            &cmd(&["curl", "--insecure", "u"]),
            Some('k'),
            &["insecure"]
        ));
        assert!(!has_option(
            &cmd(&["curl", "-fsSL", "u"]),
            Some('k'),
            &["insecure"]
        ));
    }

    #[test]
    fn recognises_downloads_to_stdout() {
        assert!(is_download_to_stdout(&cmd(&["curl", "-fsSL", "https://x"])));
        assert!(!is_download_to_stdout(&cmd(&[
            "curl",
            "-fsSLo",
            "/tmp/x",
            "https://x"
        ])));
        assert!(is_download_to_stdout(&cmd(&["wget", "-qO-", "https://x"])));
        assert!(is_download_to_stdout(&cmd(&[
            "wget",
            "-O",
            "-",
            "https://x"
        ])));
        assert!(!is_download_to_stdout(&cmd(&["wget", "https://x"])));
    }
}
