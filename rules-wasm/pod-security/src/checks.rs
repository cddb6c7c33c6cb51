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

/// Sysctls the baseline profile allows.
pub(crate) const SAFE_SYSCTLS: [&str; 10] = [
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
