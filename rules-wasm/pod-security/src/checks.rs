//! The Pod Security Standards checks, control by control, as Kubernetes
//! defines them for its latest policy version.

use bulwark_sdk::Findings;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::{Object, Pod};

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

pub(crate) fn seccomp_type<'a>(profile: Option<Json<'a>>) -> Option<Json<'a>> {
    profile?.get("type")
}

/// Sysctls the baseline profile allows, as of the newest policy version:
/// v1.0's five, `ip_local_reserved_ports` (v1.27), the TCP keepalive and
/// FIN timeout ones (v1.29), `tcp_rmem`/`tcp_wmem` (v1.32), and
/// `tcp_slow_start_after_idle`/`tcp_notsent_lowat`.
pub(crate) const SAFE_SYSCTLS: [&str; 14] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

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
