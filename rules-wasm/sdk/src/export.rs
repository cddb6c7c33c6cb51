//! The WIT export glue behind [`export_pack!`](crate::export_pack).

use std::marker::PhantomData;

use crate::bindings::bulwark::rules::types as wit;
use crate::bindings::exports::bulwark::rules::rules::{Guest, GuestPrepared};
use crate::{Document, Pack};

/// The exported component type for pack `P`.
#[doc(hidden)]
pub struct Exported<P>(PhantomData<P>);

/// A prepared document for pack `P`: parsed once, evaluated per rule.
#[doc(hidden)]
pub struct Prepared<P> {
    doc: Result<Document, String>,
    _pack: PhantomData<P>,
}

impl<P: Pack> Guest for Exported<P> {
    type Prepared = Prepared<P>;

    fn rules() -> Vec<wit::RuleMeta> {
        P::RULES.iter().map(|r| r.meta()).collect()
    }
}

impl<P: Pack> GuestPrepared for Prepared<P> {
    fn new(doc: wit::Document, opts: wit::Options) -> Self {
        Prepared {
            doc: match doc.content {
                wit::Content::Json(json) => {
                    Document::parse(doc.kind, doc.path, &json, &opts.settings)
                }
                wit::Content::Tree(tree) => Document::from_tree(
                    doc.kind,
                    doc.path,
                    tree.nodes,
                    tree.strings,
                    &opts.settings,
                ),
            },
            _pack: PhantomData,
        }
    }

    fn evaluate(&self, rule_id: String) -> Result<Vec<wit::Finding>, wit::RuleError> {
        self.run(&rule_id)
    }

    fn evaluate_all(
        &self,
        rule_ids: Vec<String>,
    ) -> Vec<Result<Vec<wit::Finding>, wit::RuleError>> {
        rule_ids.iter().map(|id| self.run(id)).collect()
    }
}

impl<P: Pack> Prepared<P> {
    fn run(&self, rule_id: &str) -> Result<Vec<wit::Finding>, wit::RuleError> {
        let doc = self
            .doc
            .as_ref()
            .map_err(|e| wit::RuleError::InvalidDocument(e.clone()))?;
        let rule = P::RULES.iter().find(|r| r.id == rule_id).ok_or_else(|| {
            wit::RuleError::Internal(format!("this module has no rule `{rule_id}`"))
        })?;
        if !rule.check.applies_to(doc.kind) {
            return Ok(Vec::new());
        }
        Ok(rule.run(doc).into_wit())
    }
}
