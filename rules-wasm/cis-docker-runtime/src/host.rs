//! Host paths and capabilities the runtime rules judge, shared by the
//! Compose and Kubernetes checks.

/// Container runtime sockets: whoever can reach one controls the host.
pub(crate) const RUNTIME_SOCKETS: [&str; 5] = [
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "podman.sock",
    "dockershim.sock",
];

/// Host directories that must not be mounted into a container (CIS 5.6).
pub(crate) const SENSITIVE_DIRS: [&str; 14] = [
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/sys",
    "/usr",
    "/bin",
    "/sbin",
    "/root",
    "/var/lib/docker",
    "/var/lib/kubelet",
    "/var/lib/containerd",
];

/// Capabilities that amount to (or lead straight to) root on the host.
pub(crate) const DANGEROUS_CAPABILITIES: [&str; 14] = [
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "NET_ADMIN",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "SYSLOG",
];

pub(crate) fn normalise(path: &str) -> &str {
    let trimmed = path.trim().trim_end_matches('/');
    if trimmed.is_empty() && path.trim().starts_with('/') {
        "/"
    } else {
        trimmed
    }
}

/// The runtime socket `path` names, if any.
pub(crate) fn runtime_socket(path: &str) -> Option<&'static str> {
    let path = normalise(path);
    RUNTIME_SOCKETS
        .iter()
        .find(|s| path.ends_with(&format!("/{s}")))
        .copied()
}

/// Returns true if and only if `path` is the host root or a sensitive host
/// directory or anything below one (sockets are judged by
/// [`runtime_socket`]).
pub(crate) fn is_sensitive_host_path(path: &str) -> bool {
    let path = normalise(path);
    if runtime_socket(path).is_some() {
        return false;
    }
    path == "/"
        || SENSITIVE_DIRS
            .iter()
            .any(|d| path == *d || path.starts_with(&format!("{d}/")))
}

/// Returns true if and only if `path` is a host device.
pub(crate) fn is_device_path(path: &str) -> bool {
    let path = normalise(path);
    path.starts_with("/dev/") && path != "/dev/shm" && !path.starts_with("/dev/shm/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_host_paths() {
        assert_eq!(runtime_socket("/var/run/docker.sock"), Some("docker.sock"));
        assert_eq!(
            runtime_socket("/run/containerd/containerd.sock"),
            Some("containerd.sock")
        );
        assert_eq!(runtime_socket("/var/run"), None);
        for p in [
            "/",
            "//",
            "/etc",
            "/etc/ssl/",
            "/proc",
            "/var/lib/docker/volumes",
        ] {
            assert!(is_sensitive_host_path(p), "{p}");
        }
        for p in [
            "/var/run/docker.sock",
            "/srv/data",
            "./conf",
            "/etcetera",
            "/var/log",
        ] {
            assert!(!is_sensitive_host_path(p), "{p}");
        }
        assert!(is_device_path("/dev/snd"));
        assert!(!is_device_path("/dev/shm"));
    }
}
