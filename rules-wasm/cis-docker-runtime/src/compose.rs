//! The CIS 5.x checks on Compose services.

use bulwark_sdk::Findings;
use bulwark_sdk::compose::{Compose, Service};
use bulwark_sdk::json::Json;

pub(crate) fn each(c: &Compose<'_>, out: &mut Findings, f: impl Fn(&Service<'_>, &mut Findings)) {
    for s in c.services() {
        f(&s, out);
    }
}

/// A string field equal to `value` (case-insensitive).
pub(crate) fn field_equals<'a>(s: &Service<'a>, key: &str, value: &str) -> Option<Json<'a>> {
    s.get(key).filter(|v| {
        v.as_str()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case(value))
    })
}

/// Names an SSH daemon: `sshd`, `/usr/sbin/sshd`, an `openssh-server` image.
pub(crate) fn mentions_sshd(text: &str) -> bool {
    text.split(|c: char| {
        c.is_whitespace() || c == '"' || c == '\'' || c == ',' || c == '[' || c == ']'
    })
    .any(|w| {
        let base = w.rsplit('/').next().unwrap_or(w);
        let base = base.split([':', '@']).next().unwrap_or(base);
        base == "sshd" || base == "openssh-server" || base.ends_with("-sshd")
    })
}

pub(crate) fn namespace(c: &Compose<'_>, out: &mut Findings, key: &str, what: &str) {
    each(c, out, |s, out| {
        if let Some(at) = field_equals(s, key, "host") {
            out.report(
                at.pointer(),
                format!("service `{}` shares the host's {what} namespace", s.name),
            );
        }
    });
}

/// The service's limit for `short` (`mem_limit`, `cpus` …) or
/// `deploy.resources.limits.<long>`.
pub(crate) fn has_limit(s: &Service<'_>, short: &[&str], long: &str) -> bool {
    let set =
        |v: Option<Json<'_>>| v.is_some_and(|v| !v.is_null() && v.text().is_some_and(|t| t != "0"));
    short.iter().any(|k| set(s.get(k))) || set(s.at.at(&["deploy", "resources", "limits", long]))
}

/// How a bind mount reached the host path: `" through named volume `x`"`
/// for a named volume that binds it, else nothing.
pub(crate) fn via(m: &bulwark_sdk::compose::Mount<'_>) -> String {
    m.named_volume
        .as_deref()
        .map(|n| format!(" through named volume `{n}`"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use bulwark_sdk::compose::Compose;
    use bulwark_sdk::json::{Json, Tree};

    #[test]
    fn names_the_named_volume_behind_a_bind_mount() {
        let tree = Tree::parse(
            r#"{"services": {"a": {"volumes": ["etc:/e", "/srv:/s"]}},
                "volumes": {"etc": {"driver_opts": {"type": "none", "o": "bind", "device": "/etc"}}}}"#,
        )
        .expect("json");
        let compose = Compose {
            root: Json::root(&tree),
        };
        let service = &compose.services()[0];
        let vias: Vec<String> = service.volumes().iter().map(super::via).collect();
        assert_eq!(vias, [" through named volume `etc`", ""]);
    }
}
