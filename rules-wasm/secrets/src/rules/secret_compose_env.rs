//! `secret-compose-env`: Literal secret in a Compose service's environment.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "secret-compose-env",
    title: "Literal secret in a Compose service's environment",
    severity: Severity::Critical,
    controls: &["Secrets: no literal secrets"],
    remediation: "Declare the value as a Compose secret (`secrets:` at the top level and on the service) and point the application at the file, e.g. `POSTGRES_PASSWORD_FILE: /run/secrets/db_password`; or take it from the shell with `${DB_PASSWORD}`.",
    explanation: include_str!("secret_compose_env.md"),
    check: Check::Compose(compose_env),
};

fn compose_env(c: &Compose<'_>, out: &mut Findings) {
    for s in c.services() {
        for var in s.environment() {
            let Some(value) = var.value.as_deref() else {
                continue;
            };
            if let Some(why) = judge(&var.name, value) {
                out.report(
                    var.at.pointer(),
                    format!(
                        "service `{}`: environment variable `{}` {why}",
                        s.name, var.name
                    ),
                )
                .redact(var.at.pointer());
            }
        }
    }
}
