//! `secret-compose-env`: Literal secret in a Compose service's environment.

use crate::checks::*;
use bulwark_sdk::Findings;
use bulwark_sdk::compose::Compose;
use bulwark_sdk::pointer::within;
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
                continue;
            }
            // A config file held in the value (`NAME=value` in the list
            // form, the value alone in the map form): each secret at its
            // own place.
            let Some(written) = var.at.as_str().filter(|w| w.ends_with(value)) else {
                continue;
            };
            let offset = written.len() - value.len();
            for (range, what) in inside(value) {
                let at = within(
                    &var.at.pointer(),
                    written,
                    range.start + offset..range.end + offset,
                );
                out.report(
                    at.clone(),
                    format!(
                        "service `{}`: environment variable `{}` {what}",
                        s.name, var.name
                    ),
                )
                .redact(at);
            }
        }
    }
}
