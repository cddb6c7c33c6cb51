//! Host bindings of the `bulwark:rules` WIT package and conversions between
//! generated and `bulwark_core` types. Generated types stop here.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "rule-module",
});

use bulwark_core::{InputKind, RuleMeta, Severity};

pub(crate) use self::bulwark::rules::types as wit;

impl From<wit::Severity> for Severity {
    fn from(s: wit::Severity) -> Severity {
        match s {
            wit::Severity::Info => Severity::Info,
            wit::Severity::Low => Severity::Low,
            wit::Severity::Medium => Severity::Medium,
            wit::Severity::High => Severity::High,
            wit::Severity::Critical => Severity::Critical,
        }
    }
}

impl From<wit::InputKind> for InputKind {
    fn from(k: wit::InputKind) -> InputKind {
        match k {
            wit::InputKind::Dockerfile => InputKind::Dockerfile,
            wit::InputKind::Compose => InputKind::Compose,
            wit::InputKind::Kubernetes => InputKind::Kubernetes,
            wit::InputKind::HelmValues => InputKind::HelmValues,
        }
    }
}

impl From<InputKind> for wit::InputKind {
    fn from(k: InputKind) -> wit::InputKind {
        match k {
            InputKind::Dockerfile => wit::InputKind::Dockerfile,
            InputKind::Compose => wit::InputKind::Compose,
            InputKind::Kubernetes => wit::InputKind::Kubernetes,
            InputKind::HelmValues => wit::InputKind::HelmValues,
        }
    }
}

impl From<wit::RuleMeta> for RuleMeta {
    fn from(m: wit::RuleMeta) -> RuleMeta {
        RuleMeta {
            id: m.id,
            title: m.title,
            severity: m.severity.into(),
            kinds: m.kinds.into_iter().map(Into::into).collect(),
            controls: m.controls,
            remediation: m.remediation,
            explanation: m.explanation,
        }
    }
}
