//! A typed view of Compose files (the Compose Specification and the v2/v3
//! file formats).
//!
//! Fields with a short and a long syntax (`ports`, `volumes`,
//! `environment`) are read in both forms into one shape. Values with
//! `${VAR:-default}` interpolation are kept as written: a port or path that
//! is not known until run time is reported as such, never guessed.

use crate::json::Json;

/// A Compose file.
#[derive(Debug, Clone)]
pub struct Compose<'a> {
    /// The whole file.
    pub root: Json<'a>,
}

/// One service under `services:`.
#[derive(Debug, Clone)]
pub struct Service<'a> {
    /// The service's name.
    pub name: &'a str,
    /// Its definition.
    pub at: Json<'a>,
}

/// A published or exposed port from `ports:`.
#[derive(Debug, Clone)]
pub struct Port<'a> {
    /// The list item.
    pub at: Json<'a>,
    /// The host address it binds to, when given (`127.0.0.1`).
    pub host_ip: Option<String>,
    /// The host port or range, when published.
    pub published: Option<String>,
    /// The container port or range.
    pub target: String,
}

impl Port<'_> {
    /// The lowest published host port, if it is a literal number.
    pub fn published_low(&self) -> Option<u32> {
        let p = self.published.as_deref()?;
        p.split('-').next()?.trim().parse().ok()
    }

    /// Returns true if and only if the port is published on every host
    /// interface (no address, `0.0.0.0` or `::`).
    pub fn on_all_interfaces(&self) -> bool {
        self.published.is_some()
            && matches!(
                self.host_ip.as_deref(),
                None | Some("") | Some("0.0.0.0") | Some("::") | Some("[::]")
            )
    }
}

/// The type of a mount from `volumes:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    /// A host path.
    Bind,
    /// A named or anonymous volume.
    Volume,
    /// A tmpfs.
    Tmpfs,
    /// Anything else (`npipe`, `cluster`, `image`).
    Other,
}

/// A mount from `volumes:`.
#[derive(Debug, Clone)]
pub struct Mount<'a> {
    /// The list item.
    pub at: Json<'a>,
    /// Its type.
    pub kind: MountKind,
    /// The host path or volume name.
    pub source: Option<String>,
    /// The path in the container.
    pub target: Option<String>,
    /// Mounted read-only.
    pub read_only: bool,
    /// Bind propagation (`shared`, `rshared`, `slave` …), when set.
    pub propagation: Option<String>,
    /// The named volume behind a bind mount: a top-level volume whose local
    /// driver binds a host path (`driver_opts: {type: none, o: bind,
    /// device: /etc}`). Its `source` is then that host path.
    pub named_volume: Option<String>,
}

/// A variable from `environment:` (list or map form).
#[derive(Debug, Clone)]
pub struct EnvVar<'a> {
    /// The variable's name.
    pub name: String,
    /// Its value; `None` when taken from the shell (`- NAME`, `NAME:`).
    pub value: Option<String>,
    /// The value in the map form, the whole `NAME=value` item in the list
    /// form: what to point at and redact.
    pub at: Json<'a>,
}

impl<'a> Compose<'a> {
    /// The services, by name.
    pub fn services(&self) -> Vec<Service<'a>> {
        self.root
            .get("services")
            .map(|s| s.entries())
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, at)| at.is_object())
            .map(|(name, at)| Service { name, at })
            .collect()
    }
}

/// Splits `s` at `sep` outside `${…}` interpolations.
fn split_outside_braces(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut prev = '\0';
    for (i, c) in s.char_indices() {
        match c {
            '{' if prev == '$' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            c if c == sep && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
        prev = c;
    }
    parts.push(&s[start..]);
    parts
}

/// Parses the short port syntax `[HOST_IP:][HOST:]CONTAINER[/PROTOCOL]`.
fn short_port(spec: &str) -> (Option<String>, Option<String>, String) {
    let spec = spec.trim();
    let spec = split_outside_braces(spec, '/')
        .first()
        .copied()
        .unwrap_or(spec);
    // `[::1]:8080:80`
    if let Some(rest) = spec.strip_prefix('[')
        && let Some((ip, rest)) = rest.split_once(']')
    {
        let rest = rest.trim_start_matches(':');
        let parts = split_outside_braces(rest, ':');
        let (published, target) = match parts.as_slice() {
            [p, t] => (Some((*p).to_owned()), (*t).to_owned()),
            _ => (None, rest.to_owned()),
        };
        return (Some(ip.to_owned()), published, target);
    }
    let parts = split_outside_braces(spec, ':');
    match parts.as_slice() {
        [target] => (None, None, (*target).to_owned()),
        [published, target] => (None, Some((*published).to_owned()), (*target).to_owned()),
        [ip @ .., published, target] => (
            Some(ip.join(":")),
            Some((*published).to_owned()),
            (*target).to_owned(),
        ),
        [] => (None, None, String::new()),
    }
}

impl<'a> Service<'a> {
    /// Member `key` of the service.
    pub fn get(&self, key: &str) -> Option<Json<'a>> {
        self.at.get(key)
    }

    /// The strings of a list field (`cap_add`, `security_opt`, `devices`),
    /// with their elements. A single string counts as a one-item list.
    pub fn strings(&self, key: &str) -> Vec<(String, Json<'a>)> {
        let Some(field) = self.get(key) else {
            return Vec::new();
        };
        if let Some(s) = field.text() {
            return vec![(s, field)];
        }
        field
            .items()
            .into_iter()
            .filter_map(|i| i.text().map(|t| (t, i)))
            .collect()
    }

    /// Published and exposed ports, in both syntaxes.
    pub fn ports(&self) -> Vec<Port<'a>> {
        let Some(ports) = self.get("ports") else {
            return Vec::new();
        };
        ports
            .items()
            .into_iter()
            .filter_map(|at| {
                if let Some(spec) = at.text() {
                    let (host_ip, published, target) = short_port(&spec);
                    return Some(Port {
                        at,
                        host_ip,
                        published,
                        target,
                    });
                }
                if at.is_object() {
                    let text = |k| at.get(k).and_then(|v| v.text());
                    return Some(Port {
                        host_ip: text("host_ip"),
                        published: text("published"),
                        target: text("target").unwrap_or_default(),
                        at,
                    });
                }
                None
            })
            .collect()
    }

    /// Mounts from `volumes:`, in both syntaxes. A named volume that the
    /// file's top-level `volumes:` defines as a bind mount of a host path
    /// (the local driver with `o: bind`) is a [`MountKind::Bind`] of that
    /// path, its name in [`Mount::named_volume`].
    pub fn volumes(&self) -> Vec<Mount<'a>> {
        let mut mounts = self.declared_volumes();
        let defined = self.at.document().get("volumes");
        for m in &mut mounts {
            if m.kind != MountKind::Volume {
                continue;
            }
            let Some(name) = m.source.clone() else {
                continue;
            };
            if let Some(device) = defined
                .and_then(|d| d.get(&name))
                .and_then(|v| bind_device(&v))
            {
                m.kind = MountKind::Bind;
                m.source = Some(device);
                m.named_volume = Some(name);
            }
        }
        mounts
    }

    fn declared_volumes(&self) -> Vec<Mount<'a>> {
        let Some(volumes) = self.get("volumes") else {
            return Vec::new();
        };
        volumes
            .items()
            .into_iter()
            .filter_map(|at| {
                if let Some(spec) = at.as_str() {
                    return Some(short_volume(spec, at));
                }
                if !at.is_object() {
                    return None;
                }
                let text = |k| at.get(k).and_then(|v| v.text());
                let kind = match text("type").as_deref() {
                    Some("bind") => MountKind::Bind,
                    Some("volume") | None => MountKind::Volume,
                    Some("tmpfs") => MountKind::Tmpfs,
                    Some(_) => MountKind::Other,
                };
                Some(Mount {
                    kind,
                    source: text("source"),
                    target: text("target"),
                    read_only: at.get("read_only").is_some_and(|v| v.is_true()),
                    propagation: at.at(&["bind", "propagation"]).and_then(|v| v.text()),
                    named_volume: None,
                    at,
                })
            })
            .collect()
    }

    /// Variables from `environment:`, in both forms.
    pub fn environment(&self) -> Vec<EnvVar<'a>> {
        let Some(env) = self.get("environment") else {
            return Vec::new();
        };
        if env.is_object() {
            return env
                .entries()
                .into_iter()
                .map(|(name, at)| EnvVar {
                    name: name.to_owned(),
                    value: at.text(),
                    at,
                })
                .collect();
        }
        env.items()
            .into_iter()
            .filter_map(|at| {
                let item = at.as_str()?;
                let (name, value) = match item.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (item, None),
                };
                Some(EnvVar {
                    name: name.trim().to_owned(),
                    value,
                    at,
                })
            })
            .collect()
    }

    /// The values `security_opt` entries give `option` (`no-new-privileges`,
    /// `seccomp`, `apparmor` …), with their elements; a bare option has the
    /// value `true`. Both `name:value` and `name=value` are read.
    pub fn security_opt(&self, option: &str) -> Vec<(String, Json<'a>)> {
        self.strings("security_opt")
            .into_iter()
            .filter_map(|(s, at)| {
                let (name, value) = match s.split_once([':', '=']) {
                    Some((n, v)) => (n.trim().to_owned(), v.trim().to_owned()),
                    None => (s.trim().to_owned(), "true".to_owned()),
                };
                (name == option).then_some((value, at))
            })
            .collect()
    }
}

/// Parses the short volume syntax `[SOURCE:]TARGET[:MODE]`.
fn short_volume<'a>(spec: &str, at: Json<'a>) -> Mount<'a> {
    let parts = split_outside_braces(spec, ':');
    let (source, target, mode) = match parts.as_slice() {
        [target] => (None, Some(*target), None),
        [source, target] => (Some(*source), Some(*target), None),
        [source, target, mode, ..] => (Some(*source), Some(*target), Some(*mode)),
        [] => (None, None, None),
    };
    let is_path = |s: &str| {
        s.starts_with('/')
            || s.starts_with('.')
            || s.starts_with('~')
            || s.starts_with('$')
            || s.contains('/')
    };
    let kind = match source {
        Some(s) if is_path(s) => MountKind::Bind,
        _ => MountKind::Volume,
    };
    let modes: Vec<&str> = mode.map(|m| m.split(',').collect()).unwrap_or_default();
    Mount {
        kind,
        source: source.map(str::to_owned),
        target: target.map(str::to_owned),
        read_only: modes.contains(&"ro"),
        propagation: modes
            .iter()
            .find(|m| {
                matches!(
                    **m,
                    "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate"
                )
            })
            .map(|m| (*m).to_owned()),
        named_volume: None,
        at,
    }
}

/// The host path a top-level volume definition binds, when its driver is
/// the local one (or none) and its options say `o: bind` (or `rbind`).
fn bind_device(volume: &Json<'_>) -> Option<String> {
    let driver = volume.get("driver").and_then(|d| d.text());
    if driver.as_deref().is_some_and(|d| d != "local") {
        return None;
    }
    let opts = volume.get("driver_opts")?;
    let binds = opts
        .get("o")
        .and_then(|o| o.text())
        .is_some_and(|o| o.split(',').any(|t| matches!(t.trim(), "bind" | "rbind")));
    if !binds {
        return None;
    }
    opts.get("device").and_then(|d| d.text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Tree;
    use serde_json::json;

    #[test]
    fn reads_short_port_syntax() {
        let cases = [
            ("3000", (None, None, "3000")),
            ("8000:80", (None, Some("8000"), "80")),
            (
                "127.0.0.1:8001:8001/tcp",
                (Some("127.0.0.1"), Some("8001"), "8001"),
            ),
            ("[::1]:6000:6000", (Some("::1"), Some("6000"), "6000")),
            ("::1:6000:6000", (Some("::1"), Some("6000"), "6000")),
            (
                "${WEB_PORT:-8080}:80",
                (None, Some("${WEB_PORT:-8080}"), "80"),
            ),
            (
                "9090-9091:8080-8081",
                (None, Some("9090-9091"), "8080-8081"),
            ),
        ];
        for (spec, (ip, published, target)) in cases {
            let (i, p, t) = short_port(spec);
            assert_eq!(
                (i.as_deref(), p.as_deref(), t.as_str()),
                (ip, published, target),
                "{spec}"
            );
        }
    }

    #[test]
    fn reads_both_volume_syntaxes() {
        let v = json!({"services": {"web": {"volumes": [
            "/var/run/docker.sock:/var/run/docker.sock:ro",
            "data:/data",
            "${PWD}/conf:/conf:rshared,z",
            {"type": "bind", "source": "/etc", "target": "/host-etc", "bind": {"propagation": "shared"}},
            "/anonymous"
        ]}}});
        let tree = Tree::from(&v);
        let compose = Compose {
            root: Json::root(&tree),
        };
        let web = &compose.services()[0];
        let mounts = web.volumes();
        let got: Vec<_> = mounts
            .iter()
            .map(|m| {
                (
                    m.kind,
                    m.source.as_deref(),
                    m.read_only,
                    m.propagation.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (MountKind::Bind, Some("/var/run/docker.sock"), true, None),
                (MountKind::Volume, Some("data"), false, None),
                (MountKind::Bind, Some("${PWD}/conf"), false, Some("rshared")),
                (MountKind::Bind, Some("/etc"), false, Some("shared")),
                (MountKind::Volume, None, false, None),
            ]
        );
        assert_eq!(mounts[3].at.pointer(), "/services/web/volumes/3");
    }

    #[test]
    fn reads_both_environment_forms() {
        let v = json!({"services": {
            "a": {"environment": ["A=1", "B", "C=x=y"]},
            "b": {"environment": {"D": "2", "E": null, "F": 3}}
        }});
        let tree = Tree::from(&v);
        let compose = Compose {
            root: Json::root(&tree),
        };
        let all: Vec<(String, Option<String>, String)> = compose
            .services()
            .iter()
            .flat_map(|s| s.environment())
            .map(|e| (e.name, e.value, e.at.pointer().to_owned()))
            .collect();
        assert_eq!(
            all[0],
            (
                "A".into(),
                Some("1".into()),
                "/services/a/environment/0".into()
            )
        );
        assert_eq!(all[1].1, None);
        assert_eq!(all[2].1.as_deref(), Some("x=y"));
        assert_eq!(
            all[3],
            (
                "D".into(),
                Some("2".into()),
                "/services/b/environment/D".into()
            )
        );
        assert_eq!(all[4].1, None);
        assert_eq!(all[5].1.as_deref(), Some("3"));
    }
}
