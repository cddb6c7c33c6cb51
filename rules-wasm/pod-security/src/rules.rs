//! One module per rule: its metadata next to its check, its explanation
//! beside it (`<rule>.md`).

pub mod pss_apparmor;
pub mod pss_capabilities_baseline;
pub mod pss_capabilities_restricted;
pub mod pss_host_namespaces;
pub mod pss_host_path;
pub mod pss_host_ports;
pub mod pss_host_process;
pub mod pss_privilege_escalation;
pub mod pss_privileged;
pub mod pss_probe_host;
pub mod pss_proc_mount;
pub mod pss_proc_mount_restricted;
pub mod pss_run_as_non_root;
pub mod pss_run_as_user;
pub mod pss_seccomp_required;
pub mod pss_seccomp_unconfined;
pub mod pss_selinux;
pub mod pss_sysctls;
pub mod pss_volume_types;
