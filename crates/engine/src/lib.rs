//! The wasmtime host that runs bulwark rule components.
//!
//! The principal type is [`Engine`]: one wasmtime engine per run, with the
//! CPU deadline and memory limit every call runs under ([`Limits`]).
//! [`Engine::load`] compiles a component once, checks that it imports
//! nothing and exports the `bulwark:rules` interface, and reads its rules,
//! giving a [`Module`]. An [`Evaluator`] (one per worker thread) keeps one
//! store and instance per module, reuses them across documents, and turns
//! each document into [`Finding`](bulwark_core::Finding)s located in source
//! and [`RuleFailure`](bulwark_core::RuleFailure)s naming module and rule.
//!
//! This crate holds the only host-side `bindgen!` over `wit/`. It does not
//! read files, parse inputs or render output.
#![deny(missing_docs)]

mod bindings;
mod cache;
mod engine;
mod error;
mod evaluator;
mod module;
mod state;
mod store;

pub use crate::{
    cache::{Cache, write_private},
    engine::{Engine, Limits, precompile},
    error::Error,
    evaluator::{Evaluation, Evaluator, RuleSelection},
    module::Module,
    store::{Cached, Store},
};
