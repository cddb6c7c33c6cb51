//! The CIS 5.x checks on Kubernetes pod specs, where the control has a
//! Kubernetes meaning.

use bulwark_sdk::Findings;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::{Container, ContainerGroup, Object, Pod, Requirement};

use crate::compose::mentions_sshd;
use crate::host::{DANGEROUS_CAPABILITIES, is_device_path, is_sensitive_host_path, runtime_socket};

fn pod<'a>(o: &Object<'a>) -> Option<Pod<'a>> {
    o.pod()
}

/// `hostPath` volumes: (volume, path value).
fn host_paths<'a>(pod: &Pod<'a>) -> Vec<(Json<'a>, Json<'a>)> {
    pod.volumes()
        .into_iter()
        .filter_map(|v| {
            let path = v.at(&["hostPath", "path"])?;
            Some((v, path))
        })
        .collect()
}

pub fn cap_drop_all(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        if c.group == ContainerGroup::EphemeralContainers {
            return;
        }
        if let Some(at) = c.missing_drop_all() {
            out.report(
                at.pointer(),
                format!("{} does not drop all capabilities", c.label()),
            );
        }
    });
}

pub fn cap_add_dangerous(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for (cap, at) in c.capabilities("add") {
            if DANGEROUS_CAPABILITIES.contains(&cap.as_str()) {
                out.report(at.pointer(), format!("{} adds capability {cap}", c.label()));
            }
        }
    });
}

pub fn privileged(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        if let Some(p) = c.own("privileged").filter(Json::is_true) {
            out.report(p.pointer(), format!("{} runs privileged", c.label()));
        }
    });
}

pub fn sensitive_mounts(o: &Object<'_>, out: &mut Findings) {
    let Some(pod) = pod(o) else { return };
    for (volume, path) in host_paths(&pod) {
        if let Some(p) = path.as_str().filter(|p| is_sensitive_host_path(p)) {
            let name = volume
                .get("name")
                .and_then(|n| n.text())
                .unwrap_or_default();
            out.report(
                path.pointer(),
                format!("volume `{name}` mounts host path `{p}`"),
            );
        }
    }
}

pub fn sshd(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for key in ["image", "command", "args"] {
            let Some(at) = c.at.get(key) else { continue };
            let text = at.text().unwrap_or_else(|| {
                at.items()
                    .iter()
                    .filter_map(Json::text)
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            if mentions_sshd(&text) {
                out.report(
                    at.pointer(),
                    format!("{} runs an SSH daemon ({key})", c.label()),
                );
            }
        }
    });
}

fn host_ports<'a>(c: &Container<'a>) -> Vec<(Json<'a>, i64, Option<String>)> {
    c.at.get("ports")
        .map(|p| p.items())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let host = p.get("hostPort")?;
            let n = host.as_i64().filter(|&n| n > 0)?;
            let ip = p.get("hostIP").and_then(|i| i.text());
            Some((host, n, ip))
        })
        .collect()
}

pub fn privileged_ports(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for (at, port, _) in host_ports(c) {
            if port < 1024 {
                out.report(
                    at.pointer(),
                    format!("{} binds privileged host port {port}", c.label()),
                );
            }
        }
    });
}

pub fn all_interfaces(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for (at, port, ip) in host_ports(c) {
            if matches!(
                ip.as_deref(),
                None | Some("") | Some("0.0.0.0") | Some("::")
            ) {
                out.report(
                    at.pointer(),
                    format!(
                        "{} binds host port {port} on every node interface",
                        c.label()
                    ),
                );
            }
        }
    });
}

fn host_namespace(o: &Object<'_>, out: &mut Findings, key: &str, what: &str) {
    let Some(pod) = pod(o) else { return };
    if let Some(at) = pod.spec.get(key).filter(Json::is_true) {
        out.report(
            at.pointer(),
            format!("the pod shares the host's {what} namespace ({key})"),
        );
    }
}

pub fn host_network(o: &Object<'_>, out: &mut Findings) {
    host_namespace(o, out, "hostNetwork", "network");
}

pub fn host_pid(o: &Object<'_>, out: &mut Findings) {
    host_namespace(o, out, "hostPID", "PID");
}

pub fn host_ipc(o: &Object<'_>, out: &mut Findings) {
    host_namespace(o, out, "hostIPC", "IPC");
}

fn limit(o: &Object<'_>, out: &mut Findings, resource: &str, what: &str) {
    o.each_container(|_, c| {
        // Ephemeral containers cannot have resources.
        if c.group == ContainerGroup::EphemeralContainers {
            return;
        }
        let set =
            c.at.at(&["resources", "limits", resource])
                .is_some_and(|v| v.text().is_some_and(|t| !t.trim().is_empty() && t != "0"));
        if !set {
            let at = c.at.get("resources").unwrap_or(c.at);
            out.report(at.pointer(), format!("{} has no {what} limit", c.label()));
        }
    });
}

pub fn memory_limit(o: &Object<'_>, out: &mut Findings) {
    limit(o, out, "memory", "memory");
}

pub fn cpu_limit(o: &Object<'_>, out: &mut Findings) {
    limit(o, out, "cpu", "CPU");
}

pub fn read_only(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| match c.require("readOnlyRootFilesystem", true) {
        Requirement::Met => {}
        Requirement::Wrong(v) => {
            out.report(
                v.pointer(),
                format!("{} has a writable root filesystem", c.label()),
            );
        }
        Requirement::Missing(at) => {
            out.report(
                at.pointer(),
                format!(
                    "{} has a writable root filesystem (`readOnlyRootFilesystem` is not set)",
                    c.label()
                ),
            );
        }
    });
}

pub fn devices(o: &Object<'_>, out: &mut Findings) {
    let Some(pod) = pod(o) else { return };
    for (volume, path) in host_paths(&pod) {
        let kind = volume
            .at(&["hostPath", "type"])
            .and_then(|t| t.text())
            .unwrap_or_default();
        let p = path.as_str().unwrap_or_default();
        if is_device_path(p) || kind == "CharDevice" || kind == "BlockDevice" {
            out.report(path.pointer(), format!("the pod mounts host device `{p}`"));
        }
    }
}

pub fn propagation(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| {
        for m in
            c.at.get("volumeMounts")
                .map(|v| v.items())
                .unwrap_or_default()
        {
            if let Some(p) = m
                .get("mountPropagation")
                .filter(|p| p.as_str() == Some("Bidirectional"))
            {
                let name = m.get("name").and_then(|n| n.text()).unwrap_or_default();
                out.report(
                    p.pointer(),
                    format!(
                        "{} mounts volume `{name}` with Bidirectional (shared) propagation",
                        c.label()
                    ),
                );
            }
        }
    });
}

pub fn seccomp(o: &Object<'_>, out: &mut Findings) {
    let Some(pod) = pod(o) else { return };
    let mut reported = Vec::new();
    for c in pod.containers() {
        let Some(t) = c
            .effective(&pod, "seccompProfile")
            .and_then(|p| p.get("type"))
            .filter(|t| t.as_str() == Some("Unconfined"))
        else {
            continue;
        };
        if !reported.contains(&t.pointer().to_owned()) {
            reported.push(t.pointer().to_owned());
            out.report(
                t.pointer(),
                format!("{} runs without a seccomp profile", c.label()),
            );
        }
    }
}

pub fn no_new_privileges(o: &Object<'_>, out: &mut Findings) {
    o.each_container(|_, c| match c.require("allowPrivilegeEscalation", false) {
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
                format!(
                    "{} does not set `allowPrivilegeEscalation: false`",
                    c.label()
                ),
            );
        }
    });
}

pub fn runtime_socket_mounts(o: &Object<'_>, out: &mut Findings) {
    let Some(pod) = pod(o) else { return };
    for (_, path) in host_paths(&pod) {
        if let Some(sock) = path.as_str().and_then(runtime_socket) {
            out.report(
                path.pointer(),
                format!("the pod mounts the container runtime socket `{sock}`"),
            );
        }
    }
}
