//! Collecting findings from a rule's check.

use crate::bindings::bulwark::rules::types as wit;

/// One finding under construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// JSON pointer to the element at fault.
    pub pointer: String,
    /// What is wrong; never a secret value.
    pub message: String,
    /// Optional longer detail.
    pub detail: Option<String>,
    /// Pointers to secret values the host must mask.
    pub redact: Vec<String>,
}

impl Finding {
    /// Adds detail shown under the message.
    pub fn detail(&mut self, detail: impl Into<String>) -> &mut Self {
        self.detail = Some(detail.into());
        self
    }

    /// Marks the value at `pointer` as a secret: the host masks its source
    /// text wherever it could surface.
    pub fn redact(&mut self, pointer: impl Into<String>) -> &mut Self {
        self.redact.push(pointer.into());
        self
    }
}

/// The findings one rule reports on one document.
#[derive(Debug, Clone)]
pub struct Findings {
    rule_id: &'static str,
    items: Vec<Finding>,
}

impl Findings {
    /// An empty collector for rule `rule_id`.
    pub fn new(rule_id: &'static str) -> Findings {
        Findings {
            rule_id,
            items: Vec::new(),
        }
    }

    /// The rule these findings belong to.
    pub fn rule_id(&self) -> &'static str {
        self.rule_id
    }

    /// Reports a finding at `pointer` and returns it for further detail.
    pub fn report(
        &mut self,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.items.push(Finding {
            pointer: pointer.into(),
            message: message.into(),
            detail: None,
            redact: Vec::new(),
        });
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    /// The findings so far.
    pub fn items(&self) -> &[Finding] {
        &self.items
    }

    /// Consumes the collector.
    pub fn into_inner(self) -> Vec<Finding> {
        self.items
    }

    pub(crate) fn into_wit(self) -> Vec<wit::Finding> {
        let rule_id = self.rule_id;
        self.items
            .into_iter()
            .map(|f| wit::Finding {
                rule_id: rule_id.to_owned(),
                message: f.message,
                pointer: f.pointer,
                detail: f.detail,
                redact: f.redact,
            })
            .collect()
    }
}
