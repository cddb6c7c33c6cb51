//! Literal secrets in Kubernetes manifests, Compose files and Helm values.
//!
//! Dockerfiles are judged by the CIS Docker 4.10 rules of the
//! `cis-docker-build` pack, with the same detector.

mod checks;

use bulwark_sdk::{Check, InputKind, Pack, Rule, Severity};

const KUBERNETES: &[InputKind] = &[InputKind::Kubernetes];
const COMPOSE: &[InputKind] = &[InputKind::Compose];
const HELM_VALUES: &[InputKind] = &[InputKind::HelmValues];

/// The secrets pack.
pub struct Secrets;

impl Pack for Secrets {
    const RULES: &'static [Rule] = &[
        Rule {
            id: "secret-kubernetes-env",
            title: "Literal secret in a container's environment",
            severity: Severity::Critical,
            kinds: KUBERNETES,
            controls: &["Secrets: no literal secrets"],
            remediation: "Put the value in a Secret and reference it: `valueFrom: {secretKeyRef: {name: app, key: password}}`, or mount the Secret as a file.",
            explanation: include_str!("../docs/secret-kubernetes-env.md"),
            check: Check::Kubernetes(checks::kubernetes_env),
        },
        Rule {
            id: "secret-configmap",
            title: "Secret in a ConfigMap",
            severity: Severity::High,
            kinds: KUBERNETES,
            controls: &["Secrets: no literal secrets"],
            remediation: "Move the value to a Secret (with encryption at rest and tight RBAC) and mount or reference it from there.",
            explanation: include_str!("../docs/secret-configmap.md"),
            check: Check::Kubernetes(checks::configmap),
        },
        Rule {
            id: "secret-kubernetes-manifest",
            title: "Secret values committed in a manifest",
            severity: Severity::Medium,
            kinds: KUBERNETES,
            controls: &["Secrets: no literal secrets"],
            remediation: "Do not commit Secret values: create the Secret out of band, or commit an encrypted form (Sealed Secrets, SOPS) or an ExternalSecret that fetches it from a vault.",
            explanation: include_str!("../docs/secret-kubernetes-manifest.md"),
            check: Check::Kubernetes(checks::secret_manifest),
        },
        Rule {
            id: "secret-compose-env",
            title: "Literal secret in a Compose service's environment",
            severity: Severity::Critical,
            kinds: COMPOSE,
            controls: &["Secrets: no literal secrets"],
            remediation: "Declare the value as a Compose secret (`secrets:` at the top level and on the service) and point the application at the file, e.g. `POSTGRES_PASSWORD_FILE: /run/secrets/db_password`; or take it from the shell with `${DB_PASSWORD}`.",
            explanation: include_str!("../docs/secret-compose-env.md"),
            check: Check::Compose(checks::compose_env),
        },
        Rule {
            id: "secret-helm-values",
            title: "Literal secret in Helm values",
            severity: Severity::Critical,
            kinds: HELM_VALUES,
            controls: &["Secrets: no literal secrets"],
            remediation: "Leave the value empty in the committed values file and reference an existing Secret (most charts offer `existingSecret`), or supply it at deploy time from a secret store (`--set-file`, helm-secrets, External Secrets).",
            explanation: include_str!("../docs/secret-helm-values.md"),
            check: Check::Document(checks::helm_values),
        },
    ];
}

bulwark_sdk::export_pack!(Secrets);
