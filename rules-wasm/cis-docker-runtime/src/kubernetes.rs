//! The CIS 5.x checks on Kubernetes pod specs, where the control has a
//! Kubernetes meaning.

use bulwark_sdk::Findings;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::{Container, ContainerGroup, Object, Pod};

pub(crate) fn pod<'a>(o: &Object<'a>) -> Option<Pod<'a>> {
    o.pod()
}

/// `hostPath` volumes: (volume, path value).
pub(crate) fn host_paths<'a>(pod: &Pod<'a>) -> Vec<(Json<'a>, Json<'a>)> {
    pod.volumes()
        .into_iter()
        .filter_map(|v| {
            let path = v.at(&["hostPath", "path"])?;
            Some((v, path))
        })
        .collect()
}

pub(crate) fn host_ports<'a>(c: &Container<'a>) -> Vec<(Json<'a>, i64, Option<String>)> {
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

pub(crate) fn host_namespace(o: &Object<'_>, out: &mut Findings, key: &str, what: &str) {
    let Some(pod) = pod(o) else { return };
    if let Some(at) = pod.spec.get(key).filter(Json::is_true) {
        out.report(
            at.pointer(),
            format!("the pod shares the host's {what} namespace ({key})"),
        );
    }
}

pub(crate) fn limit(o: &Object<'_>, out: &mut Findings, resource: &str, what: &str) {
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
