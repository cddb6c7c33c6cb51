//! CIS 4.7 (update not alone) and 4.11 (verified packages).

use bulwark_sdk::packages::Manager;

/// Options that switch off signature checks, per manager.
pub(crate) fn unverified_option(manager: Manager, option: &str) -> bool {
    let o = option.to_ascii_lowercase();
    match manager {
        Manager::Apt => {
            matches!(
                o.as_str(),
                "--allow-unauthenticated" | "--force-yes" | "--allow-insecure-repositories"
            ) || ((o.contains("allowunauthenticated")
                || o.contains("allowinsecurerepositories")
                || o.contains("allowdowngradetoinsecurerepositories")
                || o.contains("allow-insecure"))
                && (o.ends_with("=true") || o.ends_with("=1") || o.ends_with("=yes")))
        }
        Manager::Yum => {
            o == "--nogpgcheck"
                || o.replace(' ', "").contains("gpgcheck=0")
                || o.contains("gpgcheck=false")
        }
        Manager::Rpm => matches!(o.as_str(), "--nosignature" | "--nodigest" | "--nogpgcheck"),
        Manager::Apk => o == "--allow-untrusted",
        Manager::Zypper => matches!(
            o.as_str(),
            "--no-gpg-checks" | "--gpg-auto-import-keys" | "--no-gpgcheck"
        ),
        // pacman has no flag that skips signatures (SigLevel lives in pacman.conf).
        Manager::Pip | Manager::Pacman => false,
    }
}
