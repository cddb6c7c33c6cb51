//! Literal secrets in Kubernetes manifests, Compose files and Helm values.
//!
//! Dockerfiles are judged by the CIS Docker 4.10 rules of the
//! `cis-docker-build` pack, with the same detector.
#![deny(missing_docs)]

mod checks;

mod rules;

use bulwark_sdk::{Pack, Rule};

/// The secrets pack.
pub struct Secrets;

impl Pack for Secrets {
    const RULES: &'static [Rule] = &[
        rules::secret_kubernetes_env::RULE,
        rules::secret_configmap::RULE,
        rules::secret_kubernetes_manifest::RULE,
        rules::secret_compose_env::RULE,
        rules::secret_helm_values::RULE,
    ];
}

bulwark_sdk::export_pack!(Secrets);

/// The pack's checks, natively, over its fixtures: the same expectations
/// `bulwark test` holds the component to.
#[cfg(test)]
#[test]
fn fixtures() {
    bulwark_rules_testkit::check_fixtures(
        <Secrets as Pack>::RULES,
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
    );
}
