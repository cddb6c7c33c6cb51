//! Kubernetes Pod Security Standards: the `baseline` and `restricted`
//! profiles, over containers, init containers and ephemeral containers of
//! every workload kind that carries a pod template.
//!
//! Each rule names its profile in its control (`PSS-baseline …`,
//! `PSS-restricted …`); the host runs the restricted rules only at
//! `--pss-level restricted`, the default.
#![deny(missing_docs)]

mod checks;

mod rules;

#[cfg(test)]
mod tests;

use bulwark_sdk::{Pack, Rule};

/// The Pod Security Standards pack.
pub struct PodSecurity;

impl Pack for PodSecurity {
    const RULES: &'static [Rule] = &[
        rules::pss_host_process::RULE,
        rules::pss_host_namespaces::RULE,
        rules::pss_privileged::RULE,
        rules::pss_capabilities_baseline::RULE,
        rules::pss_host_path::RULE,
        rules::pss_host_ports::RULE,
        rules::pss_apparmor::RULE,
        rules::pss_selinux::RULE,
        rules::pss_proc_mount::RULE,
        rules::pss_probe_host::RULE,
        rules::pss_seccomp_unconfined::RULE,
        rules::pss_sysctls::RULE,
        rules::pss_volume_types::RULE,
        rules::pss_privilege_escalation::RULE,
        rules::pss_run_as_non_root::RULE,
        rules::pss_run_as_user::RULE,
        rules::pss_seccomp_required::RULE,
        rules::pss_capabilities_restricted::RULE,
        rules::pss_proc_mount_restricted::RULE,
    ];
}

bulwark_sdk::export_pack!(PodSecurity);

/// The pack's checks, natively, over its fixtures: the same expectations
/// `bulwark test` holds the component to.
#[cfg(test)]
#[test]
fn fixtures() {
    bulwark_rules_testkit::check_fixtures(
        <PodSecurity as Pack>::RULES,
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
    );
}
