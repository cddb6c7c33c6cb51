//! End-to-end tests of the `bulwark` binary: one test binary, one module
//! per topic.

mod util;

mod action;
mod authoring;
mod canary;
mod cli;
mod config;
mod docs;
mod evidence;
mod formats;
mod images;
mod inputs;
mod large;
mod layout;
mod manifests;
mod modules;
mod oci;
mod registry;
mod results;
mod rules;
mod sandbox;
mod trust;
