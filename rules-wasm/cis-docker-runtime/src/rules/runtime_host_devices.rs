//! `runtime-host-devices`: Host device exposed.

use crate::compose::{each, via};
use crate::host::is_device_path;
use crate::kubernetes::host_paths;
use crate::kubernetes::pod;
use bulwark_sdk::Check;
use bulwark_sdk::Findings;
use bulwark_sdk::Rule;
use bulwark_sdk::Severity;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::compose::MountKind;
use bulwark_sdk::kubernetes::Object;

/// The rule.
pub const RULE: Rule = Rule {
    id: "runtime-host-devices",
    title: "Host device exposed",
    severity: Severity::High,
    controls: &["CIS-Docker 5.18"],
    remediation: "Do not pass host devices into containers; where hardware access is required, use a device plugin and record the exception.",
    explanation: include_str!("runtime_host_devices.md"),
    check: Check::Each(&[
        Check::Compose(devices),
        Check::Kubernetes(kubernetes_devices),
    ]),
};

fn devices(c: &Compose<'_>, out: &mut Findings) {
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
                    format!("service `{}` mounts host device `{src}`{}", s.name, via(&m)),
                );
            }
        }
    });
}

fn kubernetes_devices(o: &Object<'_>, out: &mut Findings) {
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
