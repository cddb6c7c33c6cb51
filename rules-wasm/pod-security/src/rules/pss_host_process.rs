//! `pss-host-process`: Windows HostProcess pod.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::json::Json;
use bulwark_sdk::kubernetes::Object;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "pss-host-process",
    title: "Windows HostProcess pod",
    severity: Severity::Critical,
    controls: &["PSS-baseline HostProcess"],
    remediation: "Remove `windowsOptions.hostProcess: true` from the pod and its containers.",
    explanation: include_str!("pss_host_process.md"),
    check: Check::Kubernetes(host_process),
};

/// Baseline: HostProcess.
fn host_process(o: &Object<'_>, out: &mut Findings) {
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
