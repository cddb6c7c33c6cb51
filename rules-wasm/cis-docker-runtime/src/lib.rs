//! CIS Docker Benchmark 5.x: container runtime rules.
//!
//! Judged on Compose services and, where the control has a Kubernetes
//! meaning, on every container of a pod spec (containers, init containers and
//! ephemeral containers) whatever workload wraps it. Each control has one
//! rule with a Compose check and a Kubernetes check side by side.

mod compose;
mod host;
mod kubernetes;

use bulwark_sdk::{Check, InputKind, Pack, Rule, Severity};

const COMPOSE: &[InputKind] = &[InputKind::Compose];
const COMPOSE_AND_KUBERNETES: &[InputKind] = &[InputKind::Compose, InputKind::Kubernetes];

/// The CIS Docker 5.x pack.
pub struct CisDockerRuntime;

impl Pack for CisDockerRuntime {
    const RULES: &'static [Rule] = &[
        Rule {
            id: "runtime-cap-drop-all",
            title: "Capabilities are not all dropped",
            severity: Severity::Medium,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.4"],
            remediation: "Drop every capability and add back only what the process needs: `cap_drop: [ALL]` in Compose, `securityContext.capabilities.drop: [ALL]` in Kubernetes.",
            explanation: include_str!("../docs/runtime-cap-drop-all.md"),
            check: Check::Each(&[
                Check::Compose(compose::cap_drop_all),
                Check::Kubernetes(kubernetes::cap_drop_all),
            ]),
        },
        Rule {
            id: "runtime-cap-add-dangerous",
            title: "A dangerous capability is added",
            severity: Severity::High,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.4"],
            remediation: "Remove the capability. If the workload truly needs it, isolate it on dedicated nodes and record the exception.",
            explanation: include_str!("../docs/runtime-cap-add-dangerous.md"),
            check: Check::Each(&[
                Check::Compose(compose::cap_add_dangerous),
                Check::Kubernetes(kubernetes::cap_add_dangerous),
            ]),
        },
        Rule {
            id: "runtime-privileged",
            title: "Container runs privileged",
            severity: Severity::Critical,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.5"],
            remediation: "Remove `privileged: true`; grant the specific capability or device the workload needs instead.",
            explanation: include_str!("../docs/runtime-privileged.md"),
            check: Check::Each(&[
                Check::Compose(compose::privileged),
                Check::Kubernetes(kubernetes::privileged),
            ]),
        },
        Rule {
            id: "runtime-sensitive-host-mount",
            title: "Sensitive host directory mounted",
            severity: Severity::High,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.6"],
            remediation: "Mount only application data directories. Never mount the host root, `/etc`, `/proc`, `/sys`, `/boot`, `/dev`, `/usr`, `/lib`, `/root` or the container runtime's state.",
            explanation: include_str!("../docs/runtime-sensitive-host-mount.md"),
            check: Check::Each(&[
                Check::Compose(compose::sensitive_mounts),
                Check::Kubernetes(kubernetes::sensitive_mounts),
            ]),
        },
        Rule {
            id: "runtime-sshd",
            title: "Container runs an SSH daemon",
            severity: Severity::Medium,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.7"],
            remediation: "Remove the SSH server. Use `docker exec` or `kubectl exec` (audited, authenticated by the platform) to get a shell.",
            explanation: include_str!("../docs/runtime-sshd.md"),
            check: Check::Each(&[
                Check::Compose(compose::sshd),
                Check::Kubernetes(kubernetes::sshd),
            ]),
        },
        Rule {
            id: "runtime-privileged-port",
            title: "Privileged host port published",
            severity: Severity::Low,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.8"],
            remediation: "Publish on a host port of 1024 or above, or put a load balancer or ingress in front; record an exception where 80/443 on the host are truly required.",
            explanation: include_str!("../docs/runtime-privileged-port.md"),
            check: Check::Each(&[
                Check::Compose(compose::privileged_ports),
                Check::Kubernetes(kubernetes::privileged_ports),
            ]),
        },
        Rule {
            id: "runtime-port-all-interfaces",
            title: "Port published on every host interface",
            severity: Severity::Medium,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.9"],
            remediation: "Bind published ports to the interface that needs them: `127.0.0.1:8080:8080` in Compose, `hostIP` in Kubernetes (or no `hostPort` at all: use a Service).",
            explanation: include_str!("../docs/runtime-port-all-interfaces.md"),
            check: Check::Each(&[
                Check::Compose(compose::all_interfaces),
                Check::Kubernetes(kubernetes::all_interfaces),
            ]),
        },
        Rule {
            id: "runtime-host-network",
            title: "Host network namespace shared",
            severity: Severity::High,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.10"],
            remediation: "Remove `network_mode: host` / `hostNetwork: true` and publish the ports the service needs.",
            explanation: include_str!("../docs/runtime-host-network.md"),
            check: Check::Each(&[
                Check::Compose(compose::host_network),
                Check::Kubernetes(kubernetes::host_network),
            ]),
        },
        Rule {
            id: "runtime-memory-limit",
            title: "No memory limit",
            severity: Severity::Low,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.11"],
            remediation: "Set a memory limit: `mem_limit` or `deploy.resources.limits.memory` in Compose, `resources.limits.memory` in Kubernetes.",
            explanation: include_str!("../docs/runtime-memory-limit.md"),
            check: Check::Each(&[
                Check::Compose(compose::memory_limit),
                Check::Kubernetes(kubernetes::memory_limit),
            ]),
        },
        Rule {
            id: "runtime-cpu-limit",
            title: "No CPU limit or share",
            severity: Severity::Low,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.12"],
            remediation: "Set a CPU limit or share: `cpus`, `cpu_shares` or `deploy.resources.limits.cpus` in Compose, `resources.limits.cpu` in Kubernetes.",
            explanation: include_str!("../docs/runtime-cpu-limit.md"),
            check: Check::Each(&[
                Check::Compose(compose::cpu_limit),
                Check::Kubernetes(kubernetes::cpu_limit),
            ]),
        },
        Rule {
            id: "runtime-read-only-rootfs",
            title: "Root filesystem is writable",
            severity: Severity::Low,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.13"],
            remediation: "Mount the root filesystem read-only (`read_only: true`, `readOnlyRootFilesystem: true`) and give writable paths explicit tmpfs or volume mounts.",
            explanation: include_str!("../docs/runtime-read-only-rootfs.md"),
            check: Check::Each(&[
                Check::Compose(compose::read_only),
                Check::Kubernetes(kubernetes::read_only),
            ]),
        },
        Rule {
            id: "runtime-host-pid",
            title: "Host PID namespace shared",
            severity: Severity::High,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.16"],
            remediation: "Remove `pid: host` / `hostPID: true`.",
            explanation: include_str!("../docs/runtime-host-pid.md"),
            check: Check::Each(&[
                Check::Compose(compose::host_pid),
                Check::Kubernetes(kubernetes::host_pid),
            ]),
        },
        Rule {
            id: "runtime-host-ipc",
            title: "Host IPC namespace shared",
            severity: Severity::High,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.17"],
            remediation: "Remove `ipc: host` / `hostIPC: true`.",
            explanation: include_str!("../docs/runtime-host-ipc.md"),
            check: Check::Each(&[
                Check::Compose(compose::host_ipc),
                Check::Kubernetes(kubernetes::host_ipc),
            ]),
        },
        Rule {
            id: "runtime-host-devices",
            title: "Host device exposed",
            severity: Severity::High,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.18"],
            remediation: "Do not pass host devices into containers; where hardware access is required, use a device plugin and record the exception.",
            explanation: include_str!("../docs/runtime-host-devices.md"),
            check: Check::Each(&[
                Check::Compose(compose::devices),
                Check::Kubernetes(kubernetes::devices),
            ]),
        },
        Rule {
            id: "runtime-mount-propagation",
            title: "Shared mount propagation",
            severity: Severity::Medium,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.20"],
            remediation: "Use the default (private) propagation; remove `shared`/`rshared` and `mountPropagation: Bidirectional`.",
            explanation: include_str!("../docs/runtime-mount-propagation.md"),
            check: Check::Each(&[
                Check::Compose(compose::propagation),
                Check::Kubernetes(kubernetes::propagation),
            ]),
        },
        Rule {
            id: "runtime-host-uts",
            title: "Host UTS namespace shared",
            severity: Severity::Medium,
            kinds: COMPOSE,
            controls: &["CIS-Docker 5.21"],
            remediation: "Remove `uts: host`.",
            explanation: include_str!("../docs/runtime-host-uts.md"),
            check: Check::Compose(compose::host_uts),
        },
        Rule {
            id: "runtime-seccomp-unconfined",
            title: "Seccomp profile disabled",
            severity: Severity::High,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.22"],
            remediation: "Keep the runtime's default seccomp profile: remove `seccomp:unconfined`; in Kubernetes set `seccompProfile.type: RuntimeDefault`.",
            explanation: include_str!("../docs/runtime-seccomp-unconfined.md"),
            check: Check::Each(&[
                Check::Compose(compose::seccomp),
                Check::Kubernetes(kubernetes::seccomp),
            ]),
        },
        Rule {
            id: "runtime-no-new-privileges",
            title: "New privileges not prevented",
            severity: Severity::Medium,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.26"],
            remediation: "Set `security_opt: [\"no-new-privileges:true\"]` in Compose and `securityContext.allowPrivilegeEscalation: false` in Kubernetes.",
            explanation: include_str!("../docs/runtime-no-new-privileges.md"),
            check: Check::Each(&[
                Check::Compose(compose::no_new_privileges),
                Check::Kubernetes(kubernetes::no_new_privileges),
            ]),
        },
        Rule {
            id: "runtime-docker-socket",
            title: "Container runtime socket mounted",
            severity: Severity::Critical,
            kinds: COMPOSE_AND_KUBERNETES,
            controls: &["CIS-Docker 5.32"],
            remediation: "Do not mount the Docker (or containerd, CRI-O, Podman) socket. Use a socket proxy with a narrow allow-list, or a rootless builder, where the API is truly needed.",
            explanation: include_str!("../docs/runtime-docker-socket.md"),
            check: Check::Each(&[
                Check::Compose(compose::runtime_socket_mounts),
                Check::Kubernetes(kubernetes::runtime_socket_mounts),
            ]),
        },
    ];
}

bulwark_sdk::export_pack!(CisDockerRuntime);
