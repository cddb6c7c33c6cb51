//! Evaluating documents: one store and instance per module, reused.

use std::sync::Arc;
use std::time::Duration;

use bulwark_core::{Document, Finding, RuleFailure, RuleFailureKind, Span};
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::bindings::{Guest, Handover, wit};
use crate::state::State;
use crate::{Engine, Module};

/// Which rules of which modules run: for each module (in the order given to
/// the [`Evaluator`]), the indices of its enabled rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSelection {
    modules: Vec<Vec<usize>>,
}

impl RuleSelection {
    /// Every rule of every module.
    pub fn all(modules: &[Module]) -> RuleSelection {
        RuleSelection::filter(modules, |_, _| true)
    }

    /// The rules for which `keep(module, rule)` is true.
    pub fn filter(
        modules: &[Module],
        keep: impl Fn(&Module, &bulwark_core::RuleMeta) -> bool,
    ) -> RuleSelection {
        RuleSelection {
            modules: modules
                .iter()
                .map(|m| {
                    m.rules
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| keep(m, r))
                        .map(|(i, _)| i)
                        .collect()
                })
                .collect(),
        }
    }

    /// Number of enabled rules.
    pub fn len(&self) -> usize {
        self.modules.iter().map(Vec::len).sum()
    }

    /// Returns true if and only if no rule is enabled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What evaluating one document produced.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Findings, located in the document's source file.
    pub findings: Vec<Finding>,
    /// Rules (or modules) that failed to give a verdict.
    pub failures: Vec<RuleFailure>,
}

struct Live {
    store: Store<State>,
    bindings: Guest,
}

impl Live {
    /// Readies the store for one call: a fresh deadline of `time` and the
    /// memory-limit flag cleared, so a failure is classified by this call.
    fn arm(&mut self, time: Duration) {
        self.store.data_mut().memory_exceeded = false;
        self.store.data_mut().deadline = Some(time);
        self.store.set_epoch_deadline(crate::engine::ticks(time));
    }
}

/// Runs modules over documents on one thread. Create one per worker.
pub struct Evaluator<'a> {
    engine: &'a Engine,
    modules: &'a [Module],
    live: Vec<Option<Live>>,
    settings: String,
    /// The settings of the evaluation in progress, when not `settings`.
    current: Option<String>,
}

impl std::fmt::Debug for Evaluator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("modules", &self.modules.len())
            .finish()
    }
}

/// Describes why a call failed.
pub(crate) fn classify(
    engine: &Engine,
    store: &Store<State>,
    e: &wasmtime::Error,
) -> RuleFailureKind {
    if store.data().memory_exceeded {
        return RuleFailureKind::MemoryLimit {
            limit_bytes: engine.limits.memory,
        };
    }
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => RuleFailureKind::Timeout {
            limit_ms: u64::try_from(if store.data().started {
                store
                    .data()
                    .deadline
                    .unwrap_or(engine.limits.timeout)
                    .as_millis()
            } else {
                engine.startup().as_millis()
            })
            .unwrap_or(u64::MAX),
        },
        Some(trap) => RuleFailureKind::Trap {
            message: trap.to_string(),
        },
        None => RuleFailureKind::Trap {
            message: e.to_string(),
        },
    }
}

impl<'a> Evaluator<'a> {
    /// An evaluator for `modules`, passing `settings` (a JSON object) to
    /// each. Instances are created on first use.
    pub fn new(
        engine: &'a Engine,
        modules: &'a [Module],
        settings: impl Into<String>,
    ) -> Evaluator<'a> {
        Evaluator {
            engine,
            modules,
            live: modules.iter().map(|_| None).collect(),
            settings: settings.into(),
            current: None,
        }
    }

    /// Runs the selected rules that apply to `doc`'s kind.
    pub fn evaluate(&mut self, doc: &Document, selection: &RuleSelection) -> Evaluation {
        self.evaluate_with(doc, selection, None)
    }

    /// Runs the selected rules that apply to `doc`'s kind, passing
    /// `settings` (a JSON object) instead of the evaluator's when given: a
    /// document judged under other settings than the run's (a namespace
    /// that pins its Pod Security version).
    pub fn evaluate_with(
        &mut self,
        doc: &Document,
        selection: &RuleSelection,
        settings: Option<&str>,
    ) -> Evaluation {
        let mut out = Evaluation::default();
        let applicable: Vec<Vec<usize>> = self
            .modules
            .iter()
            .zip(&selection.modules)
            .map(|(m, rules)| {
                rules
                    .iter()
                    .copied()
                    .filter(|&r| m.rules[r].applies_to(doc.kind))
                    .collect()
            })
            .collect();
        if applicable.iter().all(Vec::is_empty) {
            return out;
        }
        // Written once for every module of a contract version.
        let wit_doc = Handover::new(doc);
        self.current = settings.map(str::to_owned);
        for (index, rules) in applicable.iter().enumerate() {
            if !rules.is_empty() {
                self.run_module(index, rules, doc, &wit_doc, &mut out);
            }
        }
        self.current = None;
        mask_findings(doc, &mut out.findings);
        out
    }

    fn instance(&mut self, index: usize) -> Result<&mut Live, RuleFailureKind> {
        if self.live[index].is_none() {
            let pre = self.modules[index].pre(self.engine)?;
            let mut store = self.engine.store();
            let bindings = pre
                .instantiate(&mut store)
                .map_err(|e| classify(self.engine, &store, &e))?;
            store.data_mut().started = true;
            self.live[index] = Some(Live { store, bindings });
        }
        self.live[index].as_mut().ok_or(RuleFailureKind::Trap {
            message: "instance lost".to_owned(),
        })
    }

    /// Runs `rules` of module `index` on `doc`: all in one guest call, and
    /// when that call traps, rule by rule on a fresh instance so the failure
    /// is tied to its rule and the other rules still report.
    fn run_module(
        &mut self,
        index: usize,
        rules: &[usize],
        doc: &Document,
        wit_doc: &Handover<'_>,
        out: &mut Evaluation,
    ) {
        if self.run_together(index, rules, doc, wit_doc, out) == Outcome::Trapped {
            self.run_each(index, rules, doc, wit_doc, out);
        }
    }

    fn failure(
        &self,
        index: usize,
        doc: &Document,
        rule_id: Option<&str>,
        kind: RuleFailureKind,
    ) -> RuleFailure {
        RuleFailure {
            module: self.modules[index].name.clone(),
            rule_id: rule_id.map(str::to_owned),
            file: doc.source.name().to_owned(),
            kind,
        }
    }

    /// Instantiates module `index` if needed and prepares `wit_doc` on it.
    /// A failure is recorded (for no rule in particular) and the instance
    /// discarded.
    fn prepare(
        &mut self,
        index: usize,
        doc: &Document,
        wit_doc: &Handover<'_>,
        out: &mut Evaluation,
    ) -> Option<ResourceAny> {
        let engine = self.engine;
        let opts = wit::Options {
            settings: self.current.as_ref().unwrap_or(&self.settings).clone(),
        };
        let size = wit_doc.size(self.modules[index].contract);
        let live = match self.instance(index) {
            Ok(live) => live,
            Err(kind) => {
                out.failures.push(self.failure(index, doc, None, kind));
                return None;
            }
        };
        live.arm(engine.prepare_deadline(size));
        match live.bindings.prepare(&mut live.store, wit_doc, &opts) {
            Ok(handle) => Some(handle),
            Err(e) => {
                let kind = classify(engine, &live.store, &e);
                self.live[index] = None;
                out.failures.push(self.failure(index, doc, None, kind));
                None
            }
        }
    }

    /// Releases a prepared document; an instance that cannot is discarded.
    fn release(&mut self, index: usize, handle: ResourceAny) {
        let ticks = self.engine.deadline_ticks();
        if let Some(live) = self.live[index].as_mut() {
            live.store.set_epoch_deadline(ticks);
            if handle.resource_drop(&mut live.store).is_err() {
                self.live[index] = None;
            }
        }
    }

    /// Records what a rule returned.
    fn record(
        &self,
        index: usize,
        rule_index: usize,
        doc: &Document,
        result: Result<Vec<wit::Finding>, wit::RuleError>,
        out: &mut Evaluation,
    ) {
        let module = &self.modules[index];
        let meta = &module.rules[rule_index];
        match result {
            Ok(findings) if findings.len() > max_findings(doc) => {
                out.failures.push(self.failure(
                    index,
                    doc,
                    Some(&meta.id),
                    RuleFailureKind::OverLimit {
                        what: "findings for one document".to_owned(),
                        value: findings.len(),
                        limit: max_findings(doc),
                    },
                ));
            }
            Ok(findings) => {
                let file: Arc<str> = doc.source.name().into();
                for f in findings {
                    match locate(module, rule_index, doc, &file, f) {
                        Ok(finding) => out.findings.push(finding),
                        Err(kind) => {
                            out.failures
                                .push(self.failure(index, doc, Some(&meta.id), kind))
                        }
                    }
                }
            }
            Err(rule_error) => out.failures.push(self.failure(
                index,
                doc,
                Some(&meta.id),
                RuleFailureKind::Error {
                    message: rule_error_message(&rule_error),
                },
            )),
        }
    }

    /// Every rule in one `evaluate-all` call, under one deadline.
    fn run_together(
        &mut self,
        index: usize,
        rules: &[usize],
        doc: &Document,
        wit_doc: &Handover<'_>,
        out: &mut Evaluation,
    ) -> Outcome {
        let Some(handle) = self.prepare(index, doc, wit_doc, out) else {
            return Outcome::Done;
        };
        let deadline = self
            .engine
            .rule_deadline(wit_doc.size(self.modules[index].contract));
        let ids: Vec<String> = rules
            .iter()
            .map(|&r| self.modules[index].rules[r].id.clone())
            .collect();
        let Some(live) = self.live[index].as_mut() else {
            return Outcome::Done;
        };
        live.arm(deadline);
        let result = live.bindings.evaluate_all(&mut live.store, handle, &ids);
        match result {
            Ok(results) if results.len() == rules.len() => {
                for (&rule_index, result) in rules.iter().zip(results) {
                    self.record(index, rule_index, doc, result, out);
                }
                self.release(index, handle);
                Outcome::Done
            }
            Ok(results) => {
                let kind = RuleFailureKind::Trap {
                    message: format!(
                        "evaluate-all returned {} results for {} rules",
                        results.len(),
                        rules.len()
                    ),
                };
                out.failures.push(self.failure(index, doc, None, kind));
                self.release(index, handle);
                Outcome::Done
            }
            Err(_) => {
                // The instance may be left in any state.
                self.live[index] = None;
                Outcome::Trapped
            }
        }
    }

    /// Rule by rule, each under its own deadline; an instance that traps is
    /// replaced for the remaining rules.
    fn run_each(
        &mut self,
        index: usize,
        rules: &[usize],
        doc: &Document,
        wit_doc: &Handover<'_>,
        out: &mut Evaluation,
    ) {
        let engine = self.engine;
        let deadline = engine.rule_deadline(wit_doc.size(self.modules[index].contract));
        let mut prepared: Option<ResourceAny> = None;
        for &rule_index in rules {
            let handle = match prepared {
                Some(h) => h,
                None => match self.prepare(index, doc, wit_doc, out) {
                    Some(h) => {
                        prepared = Some(h);
                        h
                    }
                    None => return,
                },
            };
            let Some(live) = self.live[index].as_mut() else {
                return;
            };
            live.arm(deadline);
            let result = live.bindings.evaluate(
                &mut live.store,
                handle,
                &self.modules[index].rules[rule_index].id,
            );
            match result {
                Ok(result) => self.record(index, rule_index, doc, result, out),
                Err(e) => {
                    let kind = classify(engine, &live.store, &e);
                    let id = self.modules[index].rules[rule_index].id.clone();
                    out.failures.push(self.failure(index, doc, Some(&id), kind));
                    // The instance may be left in any state: start afresh for
                    // the remaining rules.
                    self.live[index] = None;
                    prepared = None;
                }
            }
        }
        if let Some(handle) = prepared {
            self.release(index, handle);
        }
    }
}

/// How a call of `evaluate-all` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Every rule's result (or the module's failure) is recorded.
    Done,
    /// The call trapped: nothing is recorded yet.
    Trapped,
}

/// The most bytes a finding's message may have.
pub const MAX_MESSAGE: usize = 4096;
/// The most bytes a finding's detail may have.
pub const MAX_DETAIL: usize = 16 * 1024;
/// The most bytes a JSON pointer may have.
pub const MAX_POINTER: usize = 4096;
/// The most spans one finding may redact.
pub const MAX_REDACTIONS: usize = 256;

/// The most findings one rule may report on one document: generous for
/// any real rule (four per line of the file, and never fewer than 10,000),
/// and a bound on what a misbehaving module can make bulwark hold, print
/// and sign.
pub fn max_findings(doc: &Document) -> usize {
    (doc.source.line_starts().len() * 4).max(10_000)
}

/// Checks a guest finding against the contract's size limits.
fn within_limits(f: &wit::Finding) -> Result<(), RuleFailureKind> {
    let over = |what: &str, value: usize, limit: usize| {
        Err(RuleFailureKind::OverLimit {
            what: what.to_owned(),
            value,
            limit,
        })
    };
    if f.message.len() > MAX_MESSAGE {
        return over("message bytes", f.message.len(), MAX_MESSAGE);
    }
    if let Some(detail) = f.detail.as_ref().filter(|d| d.len() > MAX_DETAIL) {
        return over("detail bytes", detail.len(), MAX_DETAIL);
    }
    let pointer = f
        .redact
        .iter()
        .chain([&f.pointer])
        .map(String::len)
        .max()
        .unwrap_or(0);
    if pointer > MAX_POINTER {
        return over("bytes of JSON pointer", pointer, MAX_POINTER);
    }
    if f.redact.len() > MAX_REDACTIONS {
        return over("redactions in one finding", f.redact.len(), MAX_REDACTIONS);
    }
    Ok(())
}

/// The message of a rule's error result.
fn rule_error_message(e: &wit::RuleError) -> String {
    let (prefix, m) = match e {
        wit::RuleError::InvalidDocument(m) => ("invalid document: ", m),
        wit::RuleError::Internal(m) => ("", m),
    };
    let limit = MAX_MESSAGE;
    if m.len() > limit {
        let cut = m.floor_char_boundary(limit);
        format!(
            "{prefix}{} … ({} more bytes not shown)",
            &m[..cut],
            m.len() - cut
        )
    } else {
        format!("{prefix}{m}")
    }
}

/// Turns a guest finding into a located, masked [`Finding`].
fn locate(
    module: &Module,
    rule_index: usize,
    doc: &Document,
    file: &Arc<str>,
    f: wit::Finding,
) -> Result<Finding, RuleFailureKind> {
    let meta = &module.rules[rule_index];
    let shared = &module.shared[rule_index];
    if f.rule_id != meta.id {
        let mut rule_id = f.rule_id;
        rule_id.truncate(rule_id.floor_char_boundary(64));
        return Err(RuleFailureKind::WrongRule { rule_id });
    }
    within_limits(&f)?;
    let span = doc
        .span_of(&f.pointer)
        .ok_or_else(|| RuleFailureKind::BadPointer {
            pointer: f.pointer.clone(),
        })?;
    let redactions: Vec<Span> = f
        .redact
        .iter()
        .map(|p| {
            doc.span_of(p)
                .ok_or_else(|| RuleFailureKind::BadPointer { pointer: p.clone() })
        })
        .collect::<Result<_, _>>()?;
    Ok(Finding {
        rule_id: shared.id.clone(),
        severity: meta.severity,
        title: shared.title.clone(),
        controls: shared.controls.clone(),
        file: file.clone(),
        location: doc.source.location(span),
        template: doc.template.clone(),
        message: f.message,
        detail: f.detail,
        remediation: shared.remediation.clone(),
        module: module.label.clone(),
        pointer: f.pointer,
        fingerprint: String::new(),
        kind: doc.kind,
        span,
        redactions,
        pss: None,
        traced: None,
    })
}

/// Masks, in every finding's message and detail, every secret any finding
/// on the document marked: a secret one rule found must not surface through
/// another rule's message.
fn mask_findings(doc: &Document, findings: &mut [Finding]) {
    let spans: Vec<Span> = findings
        .iter()
        .flat_map(|f| f.redactions.iter().copied())
        .collect();
    if spans.is_empty() {
        return;
    }
    // The forms a secret takes in a message, but not one the file shows in
    // clear elsewhere (a ConfigMap named like its secret value).
    let secrets = bulwark_core::SecretForms::new(doc.source.text(), &spans);
    for f in findings.iter_mut() {
        if let std::borrow::Cow::Owned(m) = secrets.mask(&f.message) {
            f.message = m;
        }
        if let Some(detail) = &f.detail
            && let std::borrow::Cow::Owned(d) = secrets.mask(detail)
        {
            f.detail = Some(d);
        }
    }
}
