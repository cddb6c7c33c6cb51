//! CIS 4.6: the image defines a HEALTHCHECK.

use bulwark_sdk::Findings;
use bulwark_sdk::dockerfile::Dockerfile;

use crate::walk::instructions;

pub fn check(df: &Dockerfile, out: &mut Findings) {
    let Some(final_stage) = df.final_stage() else {
        return;
    };
    let chain = df.final_chain();
    match instructions(&chain)
        .into_iter()
        .rev()
        .find(|i| i.is("HEALTHCHECK"))
    {
        Some(hc) if hc.none == Some(true) => {
            out.report(
                &hc.pointer,
                "HEALTHCHECK NONE turns off health checking for the final image",
            );
        }
        Some(_) => {}
        None => {
            out.report(
                &final_stage.from.pointer,
                "the final image defines no HEALTHCHECK",
            );
        }
    }
}
