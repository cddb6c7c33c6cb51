//! Which rules run and which are reported: the configuration's `enable`,
//! `disable` and `severity`, `--rule`, the Pod Security Standards level
//! and `--parse-only`, decided here once for `scan`, `test` and every other
//! caller.
//!
//! Built-in rules always run, reported or not, so that a secret one of
//! them finds is masked in everything said about the file even when the
//! report is narrowed to other rules.

use std::collections::BTreeMap;

use bulwark_config::{Code, Config, PssLevel};
use bulwark_core::{RuleMeta, Severity};
use bulwark_engine::{Module, RuleSelection};

use crate::builtin::BUILTINS;
use crate::error::Error;

/// What the configuration says about rules: which are enabled (by pack or
/// id) and at which severity.
#[derive(Debug, Default, Clone)]
pub(crate) struct Choice {
    enable: Vec<String>,
    disable: Vec<String>,
    pub(crate) severity: BTreeMap<String, Severity>,
}

impl Choice {
    /// Checks every rule id and pack name in `config` against `modules`,
    /// reporting every unknown one.
    pub(crate) fn new(config: &Config, modules: &[Module]) -> Result<Choice, Error> {
        let is_pack = |name: &str| modules.iter().any(|m| m.name() == name);
        let is_rule = |id: &str| modules.iter().any(|m| m.rules().iter().any(|r| r.id == id));
        let rule_ids: Vec<&str> = modules
            .iter()
            .flat_map(|m| m.rules().iter().map(|r| r.id.as_str()))
            .collect();
        let names: Vec<&str> = modules
            .iter()
            .map(|m| m.name())
            .chain(rule_ids.iter().copied())
            .collect();
        // ` (did you mean `x`?)` when a known name is a typo away.
        let hint = |word: &str, known: &[&str]| {
            bulwark_config::closest(word, known)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default()
        };
        let mut problems = Vec::new();
        for entry in config.enable.iter().chain(&config.disable) {
            if !is_pack(&entry.value) && !is_rule(&entry.value) {
                problems.push(config.problem(
                    entry.at,
                    Code::UnknownRuleOrPack,
                    format!(
                        "`{}` is neither a rule id nor a rule pack{} (`bulwark rules list` shows them)",
                        entry.value,
                        hint(&entry.value, &names)
                    ),
                ));
            }
        }
        for (rule, _) in &config.severity {
            if !is_rule(&rule.value) {
                problems.push(config.problem(
                    rule.at,
                    Code::UnknownRule,
                    format!(
                        "severity: no rule `{}`{}",
                        rule.value,
                        hint(&rule.value, &rule_ids)
                    ),
                ));
            }
        }
        for exception in &config.exceptions {
            if !is_rule(&exception.rule) {
                problems.push(config.problem(
                    exception.at,
                    Code::UnknownRule,
                    format!(
                        "exception for unknown rule `{}`{}",
                        exception.rule,
                        hint(&exception.rule, &rule_ids)
                    ),
                ));
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| (p.line, p.column));
            return Err(bulwark_config::Error::Invalid(problems).into());
        }
        Ok(Choice {
            enable: config.enable.iter().map(|e| e.value.clone()).collect(),
            disable: config.disable.iter().map(|e| e.value.clone()).collect(),
            severity: config
                .severity
                .iter()
                .map(|(rule, severity)| (rule.value.clone(), *severity))
                .collect(),
        })
    }

    /// Whether the rule `id` of pack `module` is enabled.
    fn enabled(&self, module: &str, id: &str) -> bool {
        let named = |list: &[String]| list.iter().any(|e| e == module || e == id);
        (self.enable.is_empty() || named(&self.enable)) && !named(&self.disable)
    }
}

/// Returns true if and only if `rule` belongs to the `restricted` Pod
/// Security profile (and not to `baseline`).
pub fn is_restricted_only(rule: &RuleMeta) -> bool {
    rule.controls
        .iter()
        .any(|c| c.starts_with("PSS-restricted"))
}

/// The rules of a run.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The rules that run.
    pub(crate) run: RuleSelection,
    /// The rules that run on an object a namespace label judges at the
    /// restricted level when the run's level is baseline.
    pub(crate) run_restricted: RuleSelection,
    /// The Pod Security rules of any level: what runs again on an object
    /// judged at a second policy version.
    pub(crate) pss_only: RuleSelection,
    /// The ids of the rules whose findings are reported (ids are unique
    /// across modules).
    reported: std::collections::HashSet<String>,
    /// The restricted Pod Security rules that are reported when an object
    /// is judged at the restricted level (the run's level or a label's).
    restricted: std::collections::HashSet<String>,
    /// The image files whose content the running rules read.
    pub(crate) reads: Vec<String>,
    /// The Pod Security profile of each rule that has one, by id.
    pub(crate) levels: std::collections::HashMap<String, crate::pss::Level>,
    /// Severity overrides by rule id.
    pub(crate) severity: BTreeMap<String, Severity>,
}

impl Plan {
    /// Everything the plan decides, the same text in every process (sets
    /// sorted): part of what a cached result depends on.
    pub(crate) fn describe(&self) -> String {
        fn sorted(set: &std::collections::HashSet<String>) -> Vec<&String> {
            let mut v: Vec<&String> = set.iter().collect();
            v.sort();
            v
        }
        let levels: BTreeMap<&String, &crate::pss::Level> = self.levels.iter().collect();
        format!(
            "{:?} {:?} {:?} {:?} {:?} {:?} {levels:?} {:?}",
            self.run,
            self.run_restricted,
            self.pss_only,
            sorted(&self.reported),
            sorted(&self.restricted),
            self.reads,
            self.severity
        )
    }

    /// Decides the rules of a run over `modules`.
    pub(crate) fn new(
        modules: &[Module],
        choice: Choice,
        only: &[String],
        pss_level: PssLevel,
        parse_only: bool,
    ) -> Result<Plan, Error> {
        for id in only {
            if !modules
                .iter()
                .any(|m| m.rules().iter().any(|r| &r.id == id))
            {
                return Err(Error::UnknownRule(id.clone()));
            }
        }
        let at_level = |r: &RuleMeta| !(pss_level == PssLevel::Baseline && is_restricted_only(r));
        let chosen = |m: &Module, r: &RuleMeta| {
            !parse_only
                && (only.is_empty() || only.contains(&r.id))
                && choice.enabled(m.name(), &r.id)
        };
        let reported_by = |m: &Module, r: &RuleMeta| at_level(r) && chosen(m, r);
        let builtin = |m: &Module| BUILTINS.iter().any(|b| b.name == m.name());
        let run = RuleSelection::filter(modules, |m, r| {
            !parse_only && at_level(r) && (reported_by(m, r) || builtin(m))
        });
        let run_restricted =
            RuleSelection::filter(modules, |m, r| !parse_only && (chosen(m, r) || builtin(m)));
        let pss_only = RuleSelection::filter(modules, |m, r| {
            !parse_only && crate::pss::Level::of_rule(r).is_some() && (chosen(m, r) || builtin(m))
        });
        let restricted = modules
            .iter()
            .flat_map(|m| {
                m.rules()
                    .iter()
                    .filter(|r| is_restricted_only(r) && chosen(m, r))
                    .map(|r| r.id.clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        let reported = modules
            .iter()
            .flat_map(|m| {
                m.rules()
                    .iter()
                    .filter(|r| reported_by(m, r))
                    .map(|r| r.id.clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        let levels = modules
            .iter()
            .flat_map(|m| m.rules().iter())
            .filter_map(|r| Some((r.id.clone(), crate::pss::Level::of_rule(r)?)))
            .collect();
        let mut reads: Vec<String> = modules
            .iter()
            .flat_map(|m| m.rules().iter())
            .filter(|r| r.kinds.contains(&bulwark_core::InputKind::Image))
            .flat_map(|r| r.reads.iter().cloned())
            .collect();
        reads.sort();
        reads.dedup();
        Ok(Plan {
            reads,
            levels,
            run,
            run_restricted,
            pss_only,
            restricted,
            reported,
            severity: choice.severity,
        })
    }

    /// Whether findings of rule `id` are reported.
    pub(crate) fn reported(&self, id: &str) -> bool {
        self.reported.contains(id)
    }

    /// Whether findings of rule `id` are reported on an object judged at
    /// the restricted level.
    pub(crate) fn reported_restricted(&self, id: &str) -> bool {
        self.reported.contains(id) || self.restricted.contains(id)
    }

    /// How many rules are reported.
    pub(crate) fn reported_count(&self) -> usize {
        self.reported.len()
    }
}
