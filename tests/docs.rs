//! Generated documentation stays current: `docs/wit.md`, the reference of
//! the `bulwark:rules` WIT package, is rendered here from the doc comments
//! of `wit/rules.wit`. `BULWARK_UPDATE_DOCS=1` rewrites it.

use crate::util::root;

/// Markdown from a WIT file: each interface, world, type and function
/// with its doc comment; record fields, enum cases and variant cases as
/// lists.
fn wit_reference(wit: &str) -> String {
    let mut out = String::from(
        "# The `bulwark:rules` WIT package\n\n\
         The contract between bulwark and every rule module, whatever language it\n\
         is written in. Generated from the doc comments of\n\
         [`wit/rules.wit`](../wit/rules.wit) by the test suite; the JSON of each\n\
         document kind is described in [`wit/documents.md`](../wit/documents.md).\n",
    );
    let mut docs: Vec<String> = Vec::new();
    let take = |docs: &mut Vec<String>| -> String {
        let text = docs.join("\n");
        docs.clear();
        text
    };
    for line in wit.lines() {
        let trimmed = line.trim();
        if let Some(doc) = trimmed.strip_prefix("///") {
            docs.push(doc.strip_prefix(' ').unwrap_or(doc).to_owned());
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with("//") {
            continue;
        }
        let decl = trimmed.trim_end_matches(['{', ';', ',']).trim();
        let words: Vec<&str> = decl.split_whitespace().collect();
        let doc = take(&mut docs);
        let heading =
            |level: &str, title: String, doc: &str| format!("\n{level} {title}\n\n{doc}\n");
        match words.first().copied() {
            Some("package") => {
                out.push_str(&format!("\n`{}`\n\n{doc}\n", words.get(1).unwrap_or(&"")));
            }
            Some(kind @ ("interface" | "world")) => {
                out.push_str(&heading("##", format!("{kind} `{}`", words[1]), &doc));
            }
            Some(kind @ ("record" | "enum" | "variant" | "resource")) => {
                out.push_str(&heading("###", format!("{kind} `{}`", words[1]), &doc));
            }
            Some("use") => {}
            Some("}") => {}
            Some("export" | "import") => {
                out.push_str(&format!("- `{decl}`: {}\n", doc.replace('\n', " ")));
            }
            _ if decl.contains("func(") || decl.starts_with("constructor(") => {
                out.push_str(&format!("\n#### `{decl}`\n\n{doc}\n"));
            }
            _ => {
                // A field, or an enum or variant case.
                out.push_str(&format!("- `{decl}`: {}\n", doc.replace('\n', " ")));
            }
        }
    }
    out
}

#[test]
fn the_wit_reference_is_current() {
    let wit = std::fs::read_to_string(root().join("wit/rules.wit")).expect("wit/rules.wit");
    let rendered = wit_reference(&wit);
    let path = root().join("docs/wit.md");
    if std::env::var_os("BULWARK_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &rendered).expect("write docs/wit.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/wit.md is out of date: run `BULWARK_UPDATE_DOCS=1 cargo test the_wit_reference_is_current`"
    );
    for name in [
        "rule-meta",
        "finding",
        "prepared",
        "evaluate-all",
        "rule-module",
    ] {
        assert!(committed.contains(name), "{name}");
    }
}

/// The SDK carries its own copy of the WIT package (so it can be published
/// alone); it must be the repository's.
#[test]
fn the_sdk_carries_the_wit_package() {
    for file in ["rules.wit", "documents.md"] {
        let canonical = std::fs::read(root().join("wit").join(file)).expect("wit");
        let copy = std::fs::read(root().join("rules-wasm/sdk/wit").join(file)).expect("sdk wit");
        assert!(
            canonical == copy,
            "rules-wasm/sdk/wit/{file} differs from wit/{file}"
        );
    }
}
