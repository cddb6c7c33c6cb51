//! CIS Docker Benchmark section 4 ("Container Images and Build File")
//! judged on what ships: a built image, one platform at a time, as the
//! host reads it (configuration, history, every layer's files, and the
//! files later layers hid but did not remove from the blobs).
#![deny(missing_docs)]

mod rules;

#[cfg(test)]
mod tests;

use bulwark_sdk::{Pack, Rule};

/// The image pack.
pub struct ImagePack;

impl Pack for ImagePack {
    const RULES: &'static [Rule] = &[
        rules::image_user_root::RULE,
        rules::image_healthcheck_missing::RULE,
        rules::image_setuid_files::RULE,
        rules::image_secrets::RULE,
        rules::image_ssh::RULE,
        rules::image_accounts::RULE,
        rules::image_world_writable::RULE,
        rules::image_tools::RULE,
        rules::image_leftovers::RULE,
    ];
}

bulwark_sdk::export_pack!(ImagePack);

/// The pack's checks, natively, over its fixtures.
#[cfg(test)]
#[test]
fn fixtures() {
    bulwark_rules_testkit::check_fixtures(
        <ImagePack as Pack>::RULES,
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
    );
}
