//! One module per rule: its metadata next to its check, its explanation
//! beside it (`<rule>.md`).

pub mod docker_add_instead_of_copy;
pub mod docker_base_latest;
pub mod docker_base_unpinned;
pub mod docker_healthcheck_missing;
pub mod docker_pipe_to_shell;
pub mod docker_runtime_package_manager;
pub mod docker_runtime_tools;
pub mod docker_secret_build_arg;
pub mod docker_secret_file_copied;
pub mod docker_secret_literal;
pub mod docker_setuid_setgid;
pub mod docker_sshd;
pub mod docker_tls_verification_disabled;
pub mod docker_unverified_packages;
pub mod docker_update_alone;
pub mod docker_user_root;
