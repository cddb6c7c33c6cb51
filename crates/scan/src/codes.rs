//! Every diagnostic code bulwark reports, in one list: input errors
//! (`too-large`, `duplicate-key`, `unrendered-template`, …), configuration
//! problems (`config-unknown-key`, …) and the host's own findings
//! (`bulwark-suppression-reason`). Each is stable, kebab-case, unique, and
//! explained by `bulwark explain CODE`.

/// The area a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    /// An input that could not be read or parsed.
    Input,
    /// A problem with `.bulwark.yaml`.
    Configuration,
    /// A finding the host itself reports.
    Host,
}

impl Area {
    /// How `explain` names the area.
    pub fn name(self) -> &'static str {
        match self {
            Area::Input => "input error",
            Area::Configuration => "configuration problem",
            Area::Host => "bulwark finding",
        }
    }
}

/// One diagnostic code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// The stable kebab-case code.
    pub code: &'static str,
    /// Its area.
    pub area: Area,
    /// What it means and what to do.
    pub description: String,
}

/// Every diagnostic code, by area then code.
pub fn all() -> Vec<Code> {
    let mut out: Vec<Code> = bulwark_inputs::ErrorKind::codes()
        .into_iter()
        .map(|c| Code {
            code: c.code,
            area: Area::Input,
            description: c.description.to_owned(),
        })
        .collect();
    out.extend(bulwark_config::Code::ALL.iter().map(|c| Code {
        code: c.as_str(),
        area: Area::Configuration,
        description: c.description().to_owned(),
    }));
    let rule = crate::suppress::missing_reason_rule();
    out.push(Code {
        code: crate::suppress::MISSING_REASON,
        area: Area::Host,
        description: rule.explanation,
    });
    out.sort_by(|a, b| (a.area, a.code).cmp(&(b.area, b.code)));
    out
}

/// The code `code`, if bulwark has it.
pub fn find(code: &str) -> Option<Code> {
    all().into_iter().find(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_described() {
        let codes = all();
        let mut seen = std::collections::BTreeSet::new();
        for c in &codes {
            assert!(seen.insert(c.code), "{} twice", c.code);
            assert!(
                c.code.split('-').all(|w| !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{} is not kebab-case",
                c.code
            );
            assert!(c.description.len() > 20, "{} is not described", c.code);
        }
        // No code is also a rule id of the built-in packs' naming scheme.
        for prefix in ["docker-", "runtime-", "pss-", "secret-"] {
            assert!(
                codes.iter().all(|c| !c.code.starts_with(prefix)),
                "{prefix}"
            );
        }
        assert!(find("duplicate-key").is_some());
        assert!(find("config-unknown-key").is_some());
        assert!(find("no-such-code").is_none());
    }
}
