//! CIS Docker Benchmark 5.x: container runtime rules.
//!
//! Judged on Compose services and, where the control has a Kubernetes
//! meaning, on every container of a pod spec (containers, init containers and
//! ephemeral containers) whatever workload wraps it. Each control has one
//! rule with a Compose check and a Kubernetes check side by side.
#![deny(missing_docs)]

mod compose;
mod host;
mod kubernetes;

mod rules;

use bulwark_sdk::{Pack, Rule};

/// The CIS Docker 5.x pack.
pub struct CisDockerRuntime;

impl Pack for CisDockerRuntime {
    const RULES: &'static [Rule] = &[
        rules::runtime_cap_drop_all::RULE,
        rules::runtime_cap_add_dangerous::RULE,
        rules::runtime_privileged::RULE,
        rules::runtime_sensitive_host_mount::RULE,
        rules::runtime_sshd::RULE,
        rules::runtime_privileged_port::RULE,
        rules::runtime_port_all_interfaces::RULE,
        rules::runtime_host_network::RULE,
        rules::runtime_memory_limit::RULE,
        rules::runtime_cpu_limit::RULE,
        rules::runtime_read_only_rootfs::RULE,
        rules::runtime_host_pid::RULE,
        rules::runtime_host_ipc::RULE,
        rules::runtime_host_devices::RULE,
        rules::runtime_mount_propagation::RULE,
        rules::runtime_host_uts::RULE,
        rules::runtime_seccomp_unconfined::RULE,
        rules::runtime_no_new_privileges::RULE,
        rules::runtime_docker_socket::RULE,
    ];
}

bulwark_sdk::export_pack!(CisDockerRuntime);

/// The pack's checks, natively, over its fixtures: the same expectations
/// `bulwark test` holds the component to.
#[cfg(test)]
#[test]
fn fixtures() {
    bulwark_rules_testkit::check_fixtures(
        <CisDockerRuntime as Pack>::RULES,
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
    );
}
