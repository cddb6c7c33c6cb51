//! Package-manager commands: which manager, which action, which packages.
//!
//! Shared by every rule that asks "does this stage install X", "is the index
//! refreshed without an install", "are signatures checked".

use crate::command::program;
use crate::dockerfile::Command;

/// A system or language package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// `apt-get`, `apt`, `aptitude`.
    Apt,
    /// Alpine's `apk`.
    Apk,
    /// `yum`, `dnf`, `microdnf`, `tdnf`.
    Yum,
    /// `zypper`.
    Zypper,
    /// `rpm`.
    Rpm,
    /// Arch Linux's `pacman`.
    Pacman,
    /// `pip`, `pip3`.
    Pip,
}

impl Manager {
    /// The manager behind program `name`.
    pub fn from_program(name: &str) -> Option<Manager> {
        Some(match name {
            "apt-get" | "apt" | "aptitude" => Manager::Apt,
            "apk" => Manager::Apk,
            "yum" | "dnf" | "microdnf" | "tdnf" => Manager::Yum,
            "zypper" => Manager::Zypper,
            "rpm" => Manager::Rpm,
            "pacman" => Manager::Pacman,
            "pip" | "pip3" => Manager::Pip,
            _ => return None,
        })
    }

    /// Returns true if and only if the manager installs OS packages.
    pub fn is_system(self) -> bool {
        !matches!(self, Manager::Pip)
    }

    /// Options that take a separate value word.
    fn value_options(self) -> &'static [&'static str] {
        match self {
            Manager::Apt => &[
                "-o",
                "-c",
                "-t",
                "--option",
                "--config-file",
                "--target-release",
            ],
            Manager::Apk => &[
                "-X",
                "--repository",
                "-p",
                "--root",
                "-t",
                "--virtual",
                "--arch",
                "--cache-dir",
                "--keys-dir",
            ],
            Manager::Yum => &[
                "-c",
                "--config",
                "--installroot",
                "--enablerepo",
                "--disablerepo",
                "--setopt",
                "-x",
                "--exclude",
                "--releasever",
            ],
            // `-n` is `--non-interactive`: no value.
            Manager::Zypper => &["-r", "--repo", "--root"],
            Manager::Pacman => &[
                "-b",
                "--dbpath",
                "-r",
                "--root",
                "--config",
                "--cachedir",
                "--arch",
                "--gpgdir",
                "--hookdir",
                "--logfile",
                "--overwrite",
                "--ignore",
                "--ignoregroup",
                "--assume-installed",
            ],
            Manager::Rpm => &["--root", "--dbpath"],
            Manager::Pip => &[
                "-r",
                "--requirement",
                "-c",
                "--constraint",
                "-i",
                "--index-url",
                "--extra-index-url",
                "--trusted-host",
                "-t",
                "--target",
                "--prefix",
                "-e",
                "--editable",
            ],
        }
    }
}

/// What a package command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Refreshes the package index (`apt-get update`, `apk update`,
    /// `dnf makecache`, `zypper refresh`).
    Refresh,
    /// Installs packages.
    Install,
    /// Removes packages.
    Remove,
    /// Upgrades installed packages.
    Upgrade,
    /// Anything else.
    Other,
}

/// A package-manager command, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageCommand {
    /// The manager.
    pub manager: Manager,
    /// The action.
    pub action: Action,
    /// Package arguments: `(index in argv, name without version)`.
    pub packages: Vec<(usize, String)>,
    /// Every option word, as written.
    pub options: Vec<String>,
}

/// Reads `cmd` as a package-manager command.
pub fn read(cmd: &Command<'_>) -> Option<PackageCommand> {
    let (start, name) = program(cmd)?;
    let manager = Manager::from_program(name)?;
    let takes_value = manager.value_options();
    let mut action = None;
    let mut packages = Vec::new();
    let mut options = Vec::new();
    let mut i = start + 1;
    while let Some(word) = cmd.argv().get(i) {
        if word.starts_with('-') && word.len() > 1 {
            options.push(word.to_owned());
            if takes_value.contains(&word) {
                if let Some(v) = cmd.argv().get(i + 1) {
                    options.push(v.to_owned());
                }
                i += 1;
            }
        } else if matches!(manager, Manager::Rpm | Manager::Pacman) {
            // Their operation is an option (`rpm -i`, `pacman -S`): every
            // word is a package.
            packages.push((i, package_name(word)));
        } else if action.is_none() {
            action = Some(classify(manager, word));
        } else {
            packages.push((i, package_name(word)));
        }
        i += 1;
    }
    let action = match manager {
        Manager::Rpm => {
            if options.iter().any(|o| {
                o.starts_with("-i") || o.starts_with("-U") || o == "--install" || o == "--upgrade"
            }) {
                Action::Install
            } else {
                Action::Other
            }
        }
        Manager::Pacman => pacman_action(&options, !packages.is_empty()),
        _ => action.unwrap_or(Action::Other),
    };
    Some(PackageCommand {
        manager,
        action,
        packages,
        options,
    })
}

/// What a `pacman` command does, from its operation options: `-S` with
/// targets installs, `-Syu` (or `--sysupgrade`) without upgrades the system,
/// `-Sy` without refreshes the index; `-U` installs, `-R` removes.
fn pacman_action(options: &[String], has_targets: bool) -> Action {
    let (mut sync, mut refresh, mut upgrade, mut remove, mut local) =
        (false, false, false, false, false);
    for o in options {
        match o.as_str() {
            "--sync" => sync = true,
            "--refresh" => refresh = true,
            "--sysupgrade" => upgrade = true,
            "--remove" => remove = true,
            "--upgrade" => local = true,
            short if short.starts_with('-') && !short.starts_with("--") => {
                let letters = &short[1..];
                // The operation is the upper-case letter; `y` and `u` are
                // modifiers of -S.
                sync |= letters.contains('S');
                remove |= letters.contains('R');
                local |= letters.contains('U');
                refresh |= sync && letters.contains('y');
                upgrade |= sync && letters.contains('u');
            }
            _ => {}
        }
    }
    match () {
        () if remove => Action::Remove,
        () if local || (sync && has_targets) => Action::Install,
        () if sync && upgrade => Action::Upgrade,
        () if sync && refresh => Action::Refresh,
        () => Action::Other,
    }
}

fn classify(manager: Manager, sub: &str) -> Action {
    match (manager, sub) {
        (Manager::Apt, "update")
        | (Manager::Apk, "update")
        | (Manager::Yum, "makecache" | "check-update") => Action::Refresh,
        (Manager::Zypper, "refresh" | "ref") => Action::Refresh,
        (Manager::Apt, "install" | "reinstall") | (Manager::Apk, "add") => Action::Install,
        (Manager::Yum, "install" | "reinstall" | "localinstall" | "groupinstall") => {
            Action::Install
        }
        (Manager::Zypper, "install" | "in") | (Manager::Pip, "install") => Action::Install,
        (Manager::Apt, "remove" | "purge" | "autoremove") | (Manager::Apk, "del") => Action::Remove,
        (Manager::Yum, "remove" | "erase" | "autoremove") | (Manager::Zypper, "remove" | "rm") => {
            Action::Remove
        }
        (Manager::Pip, "uninstall") => Action::Remove,
        (Manager::Apt, "upgrade" | "dist-upgrade" | "full-upgrade") | (Manager::Apk, "upgrade") => {
            Action::Upgrade
        }
        (Manager::Yum, "update" | "upgrade")
        | (Manager::Yum, "distro-sync" | "upgrade-minimal")
        | (Manager::Zypper, "update" | "up" | "dist-upgrade" | "dup" | "patch") => Action::Upgrade,
        _ => Action::Other,
    }
}

/// A package argument without version or architecture qualifiers:
/// `curl=7.88.1-10` → `curl`, `libc6:amd64` → `libc6`, `gcc>=12` → `gcc`.
pub fn package_name(word: &str) -> String {
    let end = word
        .find(['=', '<', '>', '~', ':', '@', '['])
        .unwrap_or(word.len());
    word[..end].to_ascii_lowercase()
}

/// Returns true if and only if `package` (as read by [`package_name`]) is
/// `name` or `name` followed by a version (`curl-7.61.1`).
pub fn is_package(package: &str, name: &str) -> bool {
    package == name
        || package
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(argv: &[&str]) -> Command<'static> {
        crate::dockerfile::command_of(argv)
    }

    #[test]
    fn an_option_keeps_its_value() {
        let read = read(&cmd(&[
            "apt-get",
            "-o",
            "Acquire::Retries=3",
            "install",
            "-y",
            "curl",
        ]))
        .expect("an apt-get command");
        assert_eq!(read.options, ["-o", "Acquire::Retries=3", "-y"]);
        assert_eq!(read.action, Action::Install);
    }

    #[test]
    fn reads_every_update_instruction() {
        let action = |argv: &[&str]| read(&cmd(argv)).map(|p| (p.manager, p.action));
        for (argv, manager, expected) in [
            (&["yum", "update", "-y"][..], Manager::Yum, Action::Upgrade),
            (&["dnf", "upgrade", "-y"], Manager::Yum, Action::Upgrade),
            (&["dnf", "check-update"], Manager::Yum, Action::Refresh),
            (&["microdnf", "update"], Manager::Yum, Action::Upgrade),
            (&["tdnf", "makecache"], Manager::Yum, Action::Refresh),
            (&["zypper", "-n", "up"], Manager::Zypper, Action::Upgrade),
            (
                &["zypper", "--non-interactive", "patch"],
                Manager::Zypper,
                Action::Upgrade,
            ),
            (
                &["zypper", "-n", "install", "curl"],
                Manager::Zypper,
                Action::Install,
            ),
            (
                &["pacman", "-Syu", "--noconfirm"],
                Manager::Pacman,
                Action::Upgrade,
            ),
            (&["pacman", "-Sy"], Manager::Pacman, Action::Refresh),
            (
                &["pacman", "--sync", "--refresh"],
                Manager::Pacman,
                Action::Refresh,
            ),
            (
                &["pacman", "-Syu", "--noconfirm", "git"],
                Manager::Pacman,
                Action::Install,
            ),
            (
                &["pacman", "-S", "--needed", "git"],
                Manager::Pacman,
                Action::Install,
            ),
            (
                &["pacman", "-U", "./pkg.tar.zst"],
                Manager::Pacman,
                Action::Install,
            ),
            (&["pacman", "-Rns", "git"], Manager::Pacman, Action::Remove),
            (&["pacman", "-Q"], Manager::Pacman, Action::Other),
        ] {
            assert_eq!(action(argv), Some((manager, expected)), "{argv:?}");
        }
    }

    #[test]
    fn reads_apt_with_options_before_the_subcommand() {
        let p = read(&cmd(&[
            "apt-get",
            "-o",
            "Acquire::Retries=3",
            "-y",
            "install",
            "curl=7.88",
            "git",
        ]))
        .expect("apt");
        assert_eq!(p.manager, Manager::Apt);
        assert_eq!(p.action, Action::Install);
        assert_eq!(
            p.packages,
            vec![(5, "curl".to_owned()), (6, "git".to_owned())]
        );
    }

    #[test]
    fn reads_apk_virtual_and_yum_and_rpm() {
        let p = read(&cmd(&[
            "apk",
            "add",
            "--no-cache",
            "--virtual",
            ".build-deps",
            "gcc",
            "musl-dev",
        ]))
        .expect("apk");
        assert_eq!(
            p.packages.iter().map(|p| p.1.as_str()).collect::<Vec<_>>(),
            vec!["gcc", "musl-dev"]
        );
        let p = read(&cmd(&["dnf", "makecache"])).expect("dnf");
        assert_eq!(p.action, Action::Refresh);
        let p = read(&cmd(&["rpm", "-ivh", "--nosignature", "x.rpm"])).expect("rpm");
        assert_eq!(p.action, Action::Install);
        assert!(read(&cmd(&["echo", "apt-get"])).is_none());
    }

    #[test]
    fn matches_versioned_package_names() {
        assert!(is_package("curl", "curl"));
        assert!(is_package("curl-7.61.1", "curl"));
        assert!(!is_package("curlie", "curl"));
        assert!(!is_package("gcc-c", "gcc"));
    }
}
