//! One module per rule: its metadata next to its check, its explanation
//! beside it (`<rule>.md`).

pub mod runtime_cap_add_dangerous;
pub mod runtime_cap_drop_all;
pub mod runtime_cpu_limit;
pub mod runtime_docker_socket;
pub mod runtime_host_devices;
pub mod runtime_host_ipc;
pub mod runtime_host_network;
pub mod runtime_host_pid;
pub mod runtime_host_uts;
pub mod runtime_memory_limit;
pub mod runtime_mount_propagation;
pub mod runtime_no_new_privileges;
pub mod runtime_port_all_interfaces;
pub mod runtime_privileged;
pub mod runtime_privileged_port;
pub mod runtime_read_only_rootfs;
pub mod runtime_seccomp_unconfined;
pub mod runtime_sensitive_host_mount;
pub mod runtime_sshd;
