//! The Pod Security Standards checks, control by control, as Kubernetes
//! defines them for its latest policy version.

use bulwark_sdk::Findings;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::{Object, Pod, Requirement};

fn with_pod(o: &Object<'_>, out: &mut Findings, f: impl for<'a> Fn(&Pod<'a>, &mut Findings)) {
    if let Some(pod) = o.pod() {
        f(&pod, out);
    }
}

/// Baseline: HostProcess.
pub fn host_process(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        if let Some(v) = pod
            .security_context()
            .and_then(|sc| sc.at(&["windowsOptions", "hostProcess"]))
            .filter(Json::is_true)
        {
            out.report(v.pointer(), "the pod runs as a Windows HostProcess");
        }
        for c in pod.containers() {
            if let Some(v) = c
                .own("windowsOptions")
                .and_then(|w| w.get("hostProcess"))
                .filter(Json::is_true)
            {
                out.report(
                    v.pointer(),
                    format!("{} runs as a Windows HostProcess", c.label()),
                );
            }
        }
    });
}

/// Baseline: Host Namespaces.
pub fn host_namespaces(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        for key in ["hostNetwork", "hostPID", "hostIPC"] {
            if let Some(v) = pod.spec.get(key).filter(Json::is_true) {
                out.report(v.pointer(), format!("the pod sets `{key}: true`"));
            }
        }
    });
}

/// Baseline: Privileged Containers.
pub fn privileged(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        if let Some(v) = c.own("privileged").filter(Json::is_true) {
            out.report(v.pointer(), format!("{} is privileged", c.label()));
        }
    });
}

/// Capabilities the baseline profile allows to be added.
const BASELINE_CAPABILITIES: [&str; 13] = [
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

/// Baseline: Capabilities.
pub fn capabilities_baseline(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for (cap, at) in c.capabilities("add") {
            if !BASELINE_CAPABILITIES.contains(&cap.as_str()) {
                out.report(
                    at.pointer(),
                    format!(
                        "{} adds capability {cap}, beyond the baseline set",
                        c.label()
                    ),
                );
            }
        }
    });
}

/// Baseline: HostPath Volumes.
pub fn host_path(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        for v in pod.volumes() {
            if let Some(h) = v.get("hostPath") {
                let name = v.get("name").and_then(|n| n.text()).unwrap_or_default();
                out.report(h.pointer(), format!("volume `{name}` is a hostPath volume"));
            }
        }
    });
}

/// Baseline: Host Ports.
pub fn host_ports(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for p in c.at.get("ports").map(|p| p.items()).unwrap_or_default() {
            if let Some(h) = p
                .get("hostPort")
                .filter(|h| h.as_i64().is_some_and(|n| n != 0))
            {
                let n = h.as_i64().unwrap_or_default();
                out.report(h.pointer(), format!("{} uses host port {n}", c.label()));
            }
        }
    });
}

/// Baseline: AppArmor.
pub fn apparmor(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        let allowed = |t: &str| matches!(t, "RuntimeDefault" | "Localhost");
        if let Some(t) = pod
            .security_context()
            .and_then(|sc| sc.at(&["appArmorProfile", "type"]))
            .filter(|t| !t.as_str().is_some_and(allowed))
        {
            let v = t.text().unwrap_or_default();
            out.report(
                t.pointer(),
                format!("the pod sets AppArmor profile type `{v}`"),
            );
        }
        for c in pod.containers() {
            if let Some(t) = c
                .own("appArmorProfile")
                .and_then(|p| p.get("type"))
                .filter(|t| !t.as_str().is_some_and(allowed))
            {
                let v = t.text().unwrap_or_default();
                out.report(
                    t.pointer(),
                    format!("{} sets AppArmor profile type `{v}`", c.label()),
                );
            }
        }
        for (key, value) in pod.annotations() {
            if key.starts_with("container.apparmor.security.beta.kubernetes.io/") {
                let v = value.text().unwrap_or_default();
                if v != "runtime/default" && !v.starts_with("localhost/") {
                    out.report(
                        value.pointer(),
                        format!("annotation `{key}` sets AppArmor profile `{v}`"),
                    );
                }
            }
        }
    });
}

/// Baseline: SELinux.
pub fn selinux(o: &Object<'_>, out: &mut Findings) {
    fn check(options: Option<Json<'_>>, who: &str, out: &mut Findings) {
        let Some(options) = options else { return };
        if let Some(t) = options.get("type") {
            let v = t.text().unwrap_or_default();
            if !matches!(
                v.as_str(),
                "" | "container_t" | "container_init_t" | "container_kvm_t" | "container_engine_t"
            ) {
                out.report(t.pointer(), format!("{who} sets SELinux type `{v}`"));
            }
        }
        for key in ["user", "role"] {
            if let Some(v) = options
                .get(key)
                .filter(|v| v.text().is_some_and(|t| !t.is_empty()))
            {
                out.report(v.pointer(), format!("{who} sets a custom SELinux {key}"));
            }
        }
    }
    with_pod(o, out, |pod, out| {
        check(
            pod.security_context()
                .and_then(|sc| sc.get("seLinuxOptions")),
            "the pod",
            out,
        );
        for c in pod.containers() {
            check(c.own("seLinuxOptions"), &c.label(), out);
        }
    });
}

/// Baseline: /proc Mount Type.
pub fn proc_mount(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        if let Some(v) = c
            .own("procMount")
            .filter(|v| v.as_str().is_some_and(|s| s != "Default"))
        {
            out.report(
                v.pointer(),
                format!("{} unmasks /proc (`procMount: Unmasked`)", c.label()),
            );
        }
    });
}

fn seccomp_type<'a>(profile: Option<Json<'a>>) -> Option<Json<'a>> {
    profile?.get("type")
}

/// Baseline: Seccomp (never `Unconfined`).
pub fn seccomp_baseline(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        if let Some(t) = seccomp_type(
            pod.security_context()
                .and_then(|sc| sc.get("seccompProfile")),
        )
        .filter(|t| t.as_str() == Some("Unconfined"))
        {
            out.report(t.pointer(), "the pod sets seccomp profile `Unconfined`");
        }
        for c in pod.containers() {
            if let Some(t) =
                seccomp_type(c.own("seccompProfile")).filter(|t| t.as_str() == Some("Unconfined"))
            {
                out.report(
                    t.pointer(),
                    format!("{} sets seccomp profile `Unconfined`", c.label()),
                );
            }
        }
    });
}

/// Sysctls the baseline profile allows.
const SAFE_SYSCTLS: [&str; 10] = [
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

/// Baseline: Sysctls.
pub fn sysctls(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        let list = pod
            .security_context()
            .and_then(|sc| sc.get("sysctls"))
            .map(|s| s.items())
            .unwrap_or_default();
        for s in list {
            let Some(name) = s.get("name") else { continue };
            let n = name.text().unwrap_or_default();
            if !SAFE_SYSCTLS.contains(&n.as_str()) {
                out.report(name.pointer(), format!("the pod sets unsafe sysctl `{n}`"));
            }
        }
    });
}

/// Volume sources the restricted profile allows.
const ALLOWED_VOLUMES: [&str; 8] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Restricted: Volume Types.
pub fn volume_types(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        for v in pod.volumes() {
            let name = v.get("name").and_then(|n| n.text()).unwrap_or_default();
            for (key, at) in v.entries() {
                if key != "name" && !ALLOWED_VOLUMES.contains(&key) {
                    out.report(
                        at.pointer(),
                        format!("volume `{name}` has type `{key}`, not allowed by the restricted profile"),
                    );
                }
            }
        }
    });
}

/// Restricted: Privilege Escalation (not for Windows pods).
pub fn privilege_escalation(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|pod, c| {
        if pod.is_windows() {
            return;
        }
        match c.require("allowPrivilegeEscalation", false) {
            Requirement::Met => {}
            Requirement::Wrong(v) => {
                out.report(
                    v.pointer(),
                    format!("{} allows privilege escalation", c.label()),
                );
            }
            Requirement::Missing(at) => {
                out.report(
                    at.pointer(),
                    format!("{} must set `allowPrivilegeEscalation: false`", c.label()),
                );
            }
        }
    });
}

/// Restricted: Running as Non-root.
pub fn run_as_non_root(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        let pod_level = pod
            .security_context()
            .and_then(|sc| sc.get("runAsNonRoot"))
            .filter(|v| !v.is_null());
        if let Some(v) = pod_level.as_ref().filter(|v| v.truthy() != Some(true)) {
            out.report(v.pointer(), "the pod sets `runAsNonRoot: false`");
        }
        for c in pod.containers() {
            match c.own("runAsNonRoot").filter(|v| !v.is_null()) {
                Some(v) if v.truthy() == Some(true) => {}
                Some(v) => {
                    out.report(
                        v.pointer(),
                        format!("{} sets `runAsNonRoot: false`", c.label()),
                    );
                }
                None if pod_level.as_ref().is_some_and(Json::is_true) => {}
                None if pod_level.is_some() => {}
                None => {
                    out.report(
                        c.at.pointer(),
                        format!(
                            "{} may run as root: neither it nor the pod sets `runAsNonRoot: true`",
                            c.label()
                        ),
                    );
                }
            }
        }
    });
}

/// Restricted: Running as Non-root user.
pub fn run_as_user(o: &Object<'_>, out: &mut Findings) {
    with_pod(o, out, |pod, out| {
        if let Some(v) = pod
            .security_context()
            .and_then(|sc| sc.get("runAsUser"))
            .filter(|v| v.as_i64() == Some(0))
        {
            out.report(v.pointer(), "the pod sets `runAsUser: 0`");
        }
        for c in pod.containers() {
            if let Some(v) = c.own("runAsUser").filter(|v| v.as_i64() == Some(0)) {
                out.report(v.pointer(), format!("{} sets `runAsUser: 0`", c.label()));
            }
        }
    });
}

/// Restricted: Seccomp (`RuntimeDefault` or `Localhost` required; not for
/// Windows pods).
pub fn seccomp_restricted(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|pod, c| {
        if pod.is_windows() {
            return;
        }
        let effective = seccomp_type(c.effective(pod, "seccompProfile"));
        match effective.as_ref().and_then(|t| t.as_str()) {
            Some("RuntimeDefault" | "Localhost") => {}
            // Unconfined is the baseline rule's finding.
            Some("Unconfined") => {}
            Some(other) => {
                if let Some(t) = &effective {
                    out.report(
                        t.pointer(),
                        format!("{} has seccomp profile type `{other}`", c.label()),
                    );
                }
            }
            None => {
                out.report(
                    c.at.pointer(),
                    format!(
                        "{} has no seccomp profile: set `seccompProfile.type: RuntimeDefault` on it or the pod",
                        c.label()
                    ),
                );
            }
        }
    });
}

/// Restricted: Capabilities (drop ALL, add only NET_BIND_SERVICE; not for
/// Windows pods).
pub fn capabilities_restricted(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|pod, c| {
        if pod.is_windows() {
            return;
        }
        if let Some(at) = c.missing_drop_all() {
            out.report(
                at.pointer(),
                format!("{} does not drop ALL capabilities", c.label()),
            );
        }
        for (cap, at) in c.capabilities("add") {
            if cap != "NET_BIND_SERVICE" {
                out.report(
                    at.pointer(),
                    format!(
                        "{} adds capability {cap}; only NET_BIND_SERVICE may be added",
                        c.label()
                    ),
                );
            }
        }
    });
}
