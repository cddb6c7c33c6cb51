//! One module per rule: its metadata next to its check, its explanation
//! beside it (`<rule>.md`).

pub mod image_accounts;
pub mod image_healthcheck_missing;
pub mod image_leftovers;
pub mod image_secrets;
pub mod image_setuid_files;
pub mod image_ssh;
pub mod image_tools;
pub mod image_user_root;
pub mod image_world_writable;

use bulwark_sdk::image::Image;

/// The history step that made `layer`, for messages: `` (`RUN …`)``,
/// secrets in it masked, cut at 80 characters.
pub(crate) fn made_by(image: &Image<'_>, layer: usize) -> String {
    match image.created_by(layer) {
        Some(step) if !step.is_empty() => {
            let mut masked = String::with_capacity(step.len());
            let mut last = 0;
            for r in bulwark_sdk::secrets::find(step) {
                masked.push_str(&step[last..r.start]);
                masked.push_str("****");
                last = r.end;
            }
            masked.push_str(&step[last..]);
            let step: String = masked.chars().take(80).collect();
            format!("layer {layer} (`{step}`)")
        }
        _ => format!("layer {layer}"),
    }
}
