//! The CIS 5.x checks on Compose services.

use bulwark_sdk::Findings;
use bulwark_sdk::compose::{Compose, MountKind, Service};
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::normalise_capability;

use crate::host::{DANGEROUS_CAPABILITIES, is_device_path, is_sensitive_host_path, runtime_socket};

fn each(c: &Compose<'_>, out: &mut Findings, f: impl Fn(&Service<'_>, &mut Findings)) {
    for s in c.services() {
        f(&s, out);
    }
}

/// A string field equal to `value` (case-insensitive).
fn field_equals<'a>(s: &Service<'a>, key: &str, value: &str) -> Option<Json<'a>> {
    s.get(key).filter(|v| {
        v.as_str()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case(value))
    })
}

pub fn cap_drop_all(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        let drops = s.strings("cap_drop");
        if drops.iter().any(|(d, _)| normalise_capability(d) == "ALL") {
            return;
        }
        let at = s.get("cap_drop").unwrap_or(s.at);
        out.report(
            at.pointer(),
            format!("service `{}` does not drop all capabilities", s.name),
        );
    });
}

pub fn cap_add_dangerous(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for (cap, at) in s.strings("cap_add") {
            let cap = normalise_capability(&cap);
            if DANGEROUS_CAPABILITIES.contains(&cap.as_str()) {
                out.report(
                    at.pointer(),
                    format!("service `{}` adds capability {cap}", s.name),
                );
            }
        }
    });
}

pub fn privileged(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        if let Some(p) = s.get("privileged").filter(Json::is_true) {
            out.report(p.pointer(), format!("service `{}` runs privileged", s.name));
        }
    });
}

pub fn sensitive_mounts(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for m in s.volumes() {
            if m.kind != MountKind::Bind {
                continue;
            }
            if let Some(source) = m.source.as_deref().filter(|p| is_sensitive_host_path(p)) {
                let mode = if m.read_only { "read-only" } else { "writable" };
                out.report(
                    m.at.pointer(),
                    format!("service `{}` mounts host path `{source}` ({mode})", s.name),
                );
            }
        }
    });
}

/// Names an SSH daemon: `sshd`, `/usr/sbin/sshd`, an `openssh-server` image.
pub fn mentions_sshd(text: &str) -> bool {
    text.split(|c: char| {
        c.is_whitespace() || c == '"' || c == '\'' || c == ',' || c == '[' || c == ']'
    })
    .any(|w| {
        let base = w.rsplit('/').next().unwrap_or(w);
        let base = base.split([':', '@']).next().unwrap_or(base);
        base == "sshd" || base == "openssh-server" || base.ends_with("-sshd")
    })
}

pub fn sshd(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for key in ["image", "command", "entrypoint"] {
            let Some(at) = s.get(key) else { continue };
            let text = match at.text() {
                Some(t) => t,
                None => at
                    .items()
                    .iter()
                    .filter_map(Json::text)
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            if mentions_sshd(&text) {
                out.report(
                    at.pointer(),
                    format!("service `{}` runs an SSH daemon ({key})", s.name),
                );
            }
        }
    });
}

pub fn privileged_ports(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for p in s.ports() {
            if let Some(port) = p.published_low().filter(|&n| n > 0 && n < 1024) {
                out.report(
                    p.at.pointer(),
                    format!("service `{}` publishes privileged host port {port}", s.name),
                );
            }
        }
    });
}

pub fn all_interfaces(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for p in s.ports() {
            if p.on_all_interfaces() {
                let published = p.published.as_deref().unwrap_or_default();
                out.report(
                    p.at.pointer(),
                    format!(
                        "service `{}` publishes port {published} on every host interface",
                        s.name
                    ),
                );
            }
        }
    });
}

pub fn host_network(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        if let Some(at) = field_equals(s, "network_mode", "host") {
            out.report(
                at.pointer(),
                format!("service `{}` shares the host's network namespace", s.name),
            );
        }
    });
}

fn namespace(c: &Compose<'_>, out: &mut Findings, key: &str, what: &str) {
    each(c, out, |s, out| {
        if let Some(at) = field_equals(s, key, "host") {
            out.report(
                at.pointer(),
                format!("service `{}` shares the host's {what} namespace", s.name),
            );
        }
    });
}

pub fn host_pid(c: &Compose<'_>, out: &mut Findings) {
    namespace(c, out, "pid", "PID");
}

pub fn host_ipc(c: &Compose<'_>, out: &mut Findings) {
    namespace(c, out, "ipc", "IPC");
}

pub fn host_uts(c: &Compose<'_>, out: &mut Findings) {
    namespace(c, out, "uts", "UTS");
}

/// The service's limit for `short` (`mem_limit`, `cpus` …) or
/// `deploy.resources.limits.<long>`.
fn has_limit(s: &Service<'_>, short: &[&str], long: &str) -> bool {
    let set =
        |v: Option<Json<'_>>| v.is_some_and(|v| !v.is_null() && v.text().is_some_and(|t| t != "0"));
    short.iter().any(|k| set(s.get(k))) || set(s.at.at(&["deploy", "resources", "limits", long]))
}

pub fn memory_limit(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        if !has_limit(s, &["mem_limit"], "memory") {
            out.report(
                s.at.pointer(),
                format!("service `{}` has no memory limit", s.name),
            );
        }
    });
}

pub fn cpu_limit(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        if !has_limit(
            s,
            &[
                "cpus",
                "cpu_quota",
                "cpu_shares",
                "cpu_count",
                "cpu_percent",
            ],
            "cpus",
        ) {
            out.report(
                s.at.pointer(),
                format!("service `{}` has no CPU limit or share", s.name),
            );
        }
    });
}

pub fn read_only(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| match s.get("read_only") {
        Some(v) if v.is_true() => {}
        Some(v) => {
            out.report(
                v.pointer(),
                format!("service `{}` has a writable root filesystem", s.name),
            );
        }
        None => {
            out.report(
                s.at.pointer(),
                format!(
                    "service `{}` has a writable root filesystem (`read_only` is not set)",
                    s.name
                ),
            );
        }
    });
}

pub fn devices(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for (device, at) in s.strings("devices") {
            let host = device.split(':').next().unwrap_or(&device).to_owned();
            out.report(
                at.pointer(),
                format!("service `{}` is given host device `{host}`", s.name),
            );
        }
        for m in s.volumes() {
            if m.kind == MountKind::Bind
                && let Some(src) = m.source.as_deref().filter(|p| is_device_path(p))
            {
                out.report(
                    m.at.pointer(),
                    format!("service `{}` mounts host device `{src}`", s.name),
                );
            }
        }
    });
}

pub fn propagation(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for m in s.volumes() {
            if let Some(p) = m
                .propagation
                .as_deref()
                .filter(|p| matches!(*p, "shared" | "rshared"))
            {
                out.report(
                    m.at.pointer(),
                    format!("service `{}` mounts a volume with {p} propagation", s.name),
                );
            }
        }
    });
}

pub fn seccomp(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for (value, at) in s.security_opt("seccomp") {
            if value.eq_ignore_ascii_case("unconfined") {
                out.report(
                    at.pointer(),
                    format!("service `{}` disables the seccomp profile", s.name),
                );
            }
        }
    });
}

pub fn no_new_privileges(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        let opts = s.security_opt("no-new-privileges");
        match opts.last() {
            Some((v, _)) if matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes") => {}
            Some((_, at)) => {
                out.report(
                    at.pointer(),
                    format!("service `{}` allows gaining new privileges", s.name),
                );
            }
            None => {
                let at = s.get("security_opt").unwrap_or(s.at);
                out.report(
                    at.pointer(),
                    format!("service `{}` does not set `no-new-privileges:true`", s.name),
                );
            }
        }
    });
}

pub fn runtime_socket_mounts(c: &Compose<'_>, out: &mut Findings) {
    each(c, out, |s, out| {
        for m in s.volumes() {
            if m.kind != MountKind::Bind {
                continue;
            }
            if let Some(sock) = m.source.as_deref().and_then(runtime_socket) {
                out.report(
                    m.at.pointer(),
                    format!(
                        "service `{}` mounts the container runtime socket `{sock}`",
                        s.name
                    ),
                );
            }
        }
    });
}
