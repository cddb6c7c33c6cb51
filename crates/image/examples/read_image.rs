//! Reads an image and prints what it holds: `cargo run --release -p
//! bulwark-image --example read_image -- oci:DIR[:TAG]`. benches/image.sh
//! times it: the reader's own time and memory, before any document is made.

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reference = std::env::args().nth(1).ok_or("usage: read_image REF")?;
    let images = bulwark_image::open(
        &bulwark_image::Reference::parse(&reference)?,
        &bulwark_image::Options::default(),
    )?;
    let mut out = std::io::stdout().lock();
    for image in &images {
        writeln!(
            out,
            "{}: {} files, {} layers, {} removed",
            image.name(),
            image.files.len(),
            image.layers.len(),
            image.removed.len()
        )?;
    }
    Ok(())
}
