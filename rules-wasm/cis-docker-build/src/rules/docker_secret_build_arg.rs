//! `docker-secret-build-arg`: Secret passed as a build argument.

use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;
use bulwark_sdk::secrets::{is_literal, is_secret_name, known_format};
use bulwark_sdk::{Check, Rule, Severity};

/// The rule.
pub const RULE: Rule = Rule {
    id: "docker-secret-build-arg",
    title: "Secret passed as a build argument",
    severity: Severity::High,
    controls: &["CIS-Docker 4.10"],
    remediation: "Use a BuildKit secret mount instead: `RUN --mount=type=secret,id=token,env=TOKEN …` with `docker build --secret id=token,env=TOKEN`.",
    explanation: include_str!("docker_secret_build_arg.md"),
    check: Check::Dockerfile(check_build_arg),
};

fn check_build_arg(df: &Dockerfile, out: &mut Findings) {
    for instr in df.all_instructions().into_iter().filter(|i| i.is("ARG")) {
        for pair in &instr.pairs() {
            // A literal default is reported by `docker-secret-literal`.
            let literal = pair
                .value
                .is_some_and(|v| is_literal(v) || known_format(v).is_some());
            if is_secret_name(pair.key) && !literal {
                out.report(pair.pointer(), format!("build argument `{}` carries a secret into the build", pair.key))
                    .detail("build argument values are recorded in the image history (`docker history`) and in provenance attestations");
            }
        }
    }
}
