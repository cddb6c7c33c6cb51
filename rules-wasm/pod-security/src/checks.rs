//! The Pod Security Standards checks, control by control, as Kubernetes'
//! pod-security-admission defines them for each policy version: a control
//! that changed in some Kubernetes minor version asks the object's
//! [`PssVersion`](bulwark_sdk::kubernetes::PssVersion) which applies.

use bulwark_sdk::Findings;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::{Container, Object, Pod};

pub(crate) fn with_pod(
    o: &Object<'_>,
    out: &mut Findings,
    f: impl for<'a> Fn(&Pod<'a>, &mut Findings),
) {
    if let Some(pod) = o.pod() {
        f(&pod, out);
    }
}

/// Capabilities the baseline profile allows to be added.
pub(crate) const BASELINE_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Sysctls the baseline profile allows, each with the policy version that
/// added it: v1.0's five, `ip_local_reserved_ports` (v1.27), the TCP
/// keepalive and FIN timeout ones (v1.29), `tcp_rmem`/`tcp_wmem` (v1.32),
/// `tcp_slow_start_after_idle`/`tcp_notsent_lowat` (v1.37).
pub(crate) const SAFE_SYSCTLS: [(&str, u32); 14] = [
    ("kernel.shm_rmid_forced", 0),
    ("net.ipv4.ip_local_port_range", 0),
    ("net.ipv4.ip_unprivileged_port_start", 0),
    ("net.ipv4.tcp_syncookies", 0),
    ("net.ipv4.ping_group_range", 0),
    ("net.ipv4.ip_local_reserved_ports", 27),
    ("net.ipv4.tcp_keepalive_time", 29),
    ("net.ipv4.tcp_fin_timeout", 29),
    ("net.ipv4.tcp_keepalive_intvl", 29),
    ("net.ipv4.tcp_keepalive_probes", 29),
    ("net.ipv4.tcp_rmem", 32),
    ("net.ipv4.tcp_wmem", 32),
    ("net.ipv4.tcp_slow_start_after_idle", 37),
    ("net.ipv4.tcp_notsent_lowat", 37),
];

/// Returns true if and only if the restricted controls that exempt Windows
/// pods (privilege escalation, capabilities, seccomp) leave this pod
/// alone: a Windows pod, judged at v1.25 or later.
pub(crate) fn windows_exempt(o: &Object<'_>, pod: &Pod<'_>) -> bool {
    pod.is_windows() && o.pss_version.at_least(25)
}

/// The container's `procMount`, when it is anything but `Default`.
pub(crate) fn unmasked<'a>(c: &Container<'a>) -> Option<Json<'a>> {
    c.own("procMount")
        .filter(|v| v.as_str().is_some_and(|s| s != "Default"))
}

/// Returns true if and only if the pod runs in its own user namespace
/// (`spec.hostUsers: false`).
pub(crate) fn own_user_namespace(pod: &Pod<'_>) -> bool {
    pod.spec
        .get("hostUsers")
        .is_some_and(|v| v.truthy() == Some(false))
}

/// Volume sources the restricted profile allows.
pub(crate) const ALLOWED_VOLUMES: [&str; 8] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];
