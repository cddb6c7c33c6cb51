//! Kubernetes Pod Security Standards: the `baseline` and `restricted`
//! profiles, over containers, init containers and ephemeral containers of
//! every workload kind that carries a pod template.
//!
//! Each rule names its profile in its control (`PSS-baseline …`,
//! `PSS-restricted …`); the host runs the restricted rules only at
//! `--pss-level restricted`, the default.

mod checks;

use bulwark_sdk::{Check, InputKind, Pack, Rule, Severity};

const KUBERNETES: &[InputKind] = &[InputKind::Kubernetes];

/// The Pod Security Standards pack.
pub struct PodSecurity;

impl Pack for PodSecurity {
    const RULES: &'static [Rule] = &[
        Rule {
            id: "pss-host-process",
            title: "Windows HostProcess pod",
            severity: Severity::Critical,
            kinds: KUBERNETES,
            controls: &["PSS-baseline HostProcess"],
            remediation: "Remove `windowsOptions.hostProcess: true` from the pod and its containers.",
            explanation: include_str!("../docs/pss-host-process.md"),
            check: Check::Kubernetes(checks::host_process),
        },
        Rule {
            id: "pss-host-namespaces",
            title: "Host namespaces shared",
            severity: Severity::High,
            kinds: KUBERNETES,
            controls: &["PSS-baseline Host Namespaces"],
            remediation: "Remove `hostNetwork`, `hostPID` and `hostIPC` (or set them to `false`).",
            explanation: include_str!("../docs/pss-host-namespaces.md"),
            check: Check::Kubernetes(checks::host_namespaces),
        },
        Rule {
            id: "pss-privileged",
            title: "Privileged container",
            severity: Severity::Critical,
            kinds: KUBERNETES,
            controls: &["PSS-baseline Privileged Containers"],
            remediation: "Remove `securityContext.privileged: true`.",
            explanation: include_str!("../docs/pss-privileged.md"),
            check: Check::Kubernetes(checks::privileged),
        },
        Rule {
            id: "pss-capabilities-baseline",
            title: "Capability beyond the baseline set",
            severity: Severity::High,
            kinds: KUBERNETES,
            controls: &["PSS-baseline Capabilities"],
            remediation: "Add only capabilities from the baseline set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).",
            explanation: include_str!("../docs/pss-capabilities-baseline.md"),
            check: Check::Kubernetes(checks::capabilities_baseline),
        },
        Rule {
            id: "pss-host-path",
            title: "hostPath volume",
            severity: Severity::High,
            kinds: KUBERNETES,
            controls: &["PSS-baseline HostPath Volumes"],
            remediation: "Replace `hostPath` volumes with `emptyDir`, a PersistentVolumeClaim, a ConfigMap or a Secret.",
            explanation: include_str!("../docs/pss-host-path.md"),
            check: Check::Kubernetes(checks::host_path),
        },
        Rule {
            id: "pss-host-ports",
            title: "Host port used",
            severity: Severity::Medium,
            kinds: KUBERNETES,
            controls: &["PSS-baseline Host Ports"],
            remediation: "Remove `hostPort`; expose the pod through a Service.",
            explanation: include_str!("../docs/pss-host-ports.md"),
            check: Check::Kubernetes(checks::host_ports),
        },
        Rule {
            id: "pss-apparmor",
            title: "AppArmor profile overridden",
            severity: Severity::High,
            kinds: KUBERNETES,
            controls: &["PSS-baseline AppArmor"],
            remediation: "Use the runtime's default AppArmor profile (`RuntimeDefault`) or a `Localhost` profile; never `Unconfined`.",
            explanation: include_str!("../docs/pss-apparmor.md"),
            check: Check::Kubernetes(checks::apparmor),
        },
        Rule {
            id: "pss-selinux",
            title: "Custom SELinux options",
            severity: Severity::High,
            kinds: KUBERNETES,
            controls: &["PSS-baseline SELinux"],
            remediation: "Remove custom SELinux `type`, `user` and `role`; the runtime's defaults confine the container.",
            explanation: include_str!("../docs/pss-selinux.md"),
            check: Check::Kubernetes(checks::selinux),
        },
        Rule {
            id: "pss-proc-mount",
            title: "Unmasked /proc",
            severity: Severity::High,
            kinds: KUBERNETES,
            controls: &["PSS-baseline /proc Mount Type"],
            remediation: "Remove `procMount` or set it to `Default`.",
            explanation: include_str!("../docs/pss-proc-mount.md"),
            check: Check::Kubernetes(checks::proc_mount),
        },
        Rule {
            id: "pss-seccomp-unconfined",
            title: "Seccomp profile set to Unconfined",
            severity: Severity::High,
            kinds: KUBERNETES,
            controls: &["PSS-baseline Seccomp"],
            remediation: "Set `seccompProfile.type: RuntimeDefault` (or `Localhost`) instead of `Unconfined`.",
            explanation: include_str!("../docs/pss-seccomp-unconfined.md"),
            check: Check::Kubernetes(checks::seccomp_baseline),
        },
        Rule {
            id: "pss-sysctls",
            title: "Unsafe sysctl",
            severity: Severity::High,
            kinds: KUBERNETES,
            controls: &["PSS-baseline Sysctls"],
            remediation: "Set only namespaced, safe sysctls; anything else belongs on the node.",
            explanation: include_str!("../docs/pss-sysctls.md"),
            check: Check::Kubernetes(checks::sysctls),
        },
        Rule {
            id: "pss-volume-types",
            title: "Volume type not allowed by the restricted profile",
            severity: Severity::Medium,
            kinds: KUBERNETES,
            controls: &["PSS-restricted Volume Types"],
            remediation: "Use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes.",
            explanation: include_str!("../docs/pss-volume-types.md"),
            check: Check::Kubernetes(checks::volume_types),
        },
        Rule {
            id: "pss-privilege-escalation",
            title: "Privilege escalation allowed",
            severity: Severity::Medium,
            kinds: KUBERNETES,
            controls: &["PSS-restricted Privilege Escalation"],
            remediation: "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
            explanation: include_str!("../docs/pss-privilege-escalation.md"),
            check: Check::Kubernetes(checks::privilege_escalation),
        },
        Rule {
            id: "pss-run-as-non-root",
            title: "May run as root",
            severity: Severity::Medium,
            kinds: KUBERNETES,
            controls: &["PSS-restricted Running as Non-root"],
            remediation: "Set `securityContext.runAsNonRoot: true` on the pod (or on every container).",
            explanation: include_str!("../docs/pss-run-as-non-root.md"),
            check: Check::Kubernetes(checks::run_as_non_root),
        },
        Rule {
            id: "pss-run-as-user",
            title: "Runs as uid 0",
            severity: Severity::High,
            kinds: KUBERNETES,
            controls: &["PSS-restricted Running as Non-root user"],
            remediation: "Set `runAsUser` to a non-zero uid, or leave it unset and build the image with a non-root `USER`.",
            explanation: include_str!("../docs/pss-run-as-user.md"),
            check: Check::Kubernetes(checks::run_as_user),
        },
        Rule {
            id: "pss-seccomp-required",
            title: "No seccomp profile",
            severity: Severity::Medium,
            kinds: KUBERNETES,
            controls: &["PSS-restricted Seccomp"],
            remediation: "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod (containers inherit it).",
            explanation: include_str!("../docs/pss-seccomp-required.md"),
            check: Check::Kubernetes(checks::seccomp_restricted),
        },
        Rule {
            id: "pss-capabilities-restricted",
            title: "Capabilities not dropped",
            severity: Severity::Medium,
            kinds: KUBERNETES,
            controls: &["PSS-restricted Capabilities"],
            remediation: "Set `capabilities: {drop: [ALL]}` on every container; add back at most `NET_BIND_SERVICE`.",
            explanation: include_str!("../docs/pss-capabilities-restricted.md"),
            check: Check::Kubernetes(checks::capabilities_restricted),
        },
    ];
}

bulwark_sdk::export_pack!(PodSecurity);
