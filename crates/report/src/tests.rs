//! The formats through the [`Format`] trait: parts in file order, the
//! streamed JSON equal to the whole document, secrets masked.

use std::sync::Arc;

use bulwark_core::{Finding, InputKind, ScanReport, Severity, SourceFile, Span, Tally};
use codespan_reporting::term::termcolor::NoColor;

use crate::format::Format;
use crate::human::Human;
use crate::json::Json;
use crate::model::{FileReport, Tail};

fn finding(source: &SourceFile, rule: &str, span: Span, secret: Option<Span>) -> Finding {
    Finding {
        rule_id: rule.into(),
        severity: Severity::High,
        title: "title".into(),
        controls: vec!["CIS-4.1".to_owned()].into(),
        file: source.name().into(),
        location: source.location(span),
        template: None,
        message: format!("{rule} \"quoted\"\nsecond line"),
        detail: None,
        remediation: "fix it".into(),
        module: "m".into(),
        pointer: "/a/0".to_owned(),
        fingerprint: String::new(),
        kind: InputKind::Dockerfile,
        span,
        redactions: secret.into_iter().collect(),
        pss: None,
        traced: None,
    }
}

fn files() -> Vec<FileReport> {
    let a = Arc::new(SourceFile::new(
        "a/Dockerfile",
        "FROM x\nENV TOKEN=hunter2\n",
    ));
    let b = Arc::new(SourceFile::new("b/Dockerfile", "FROM y\nUSER root\n"));
    vec![
        FileReport::new(
            vec![
                finding(&a, "R2", Span::new(7, 24), Some(Span::new(17, 24))),
                finding(&a, "R1", Span::new(0, 6), None),
            ],
            Vec::new(),
            Some(a),
            Vec::new(),
        ),
        FileReport::default(),
        FileReport::new(
            vec![finding(&b, "R1", Span::new(7, 16), None)],
            Vec::new(),
            Some(b),
            vec![Span::new(12, 16)],
        ),
    ]
}

fn streamed(format: &dyn Format, files: &[FileReport]) -> String {
    let mut out = NoColor::new(Vec::new());
    let mut tally = Tally::default();
    let mut writer = format.begin(&mut out, &[]).unwrap();
    for file in files {
        tally.add_findings(&file.findings, Severity::Low);
        writer.part(&format.render(file).unwrap()).unwrap();
    }
    let summary = tally.summary(3, Severity::Low, &[], &[]);
    let notices = vec!["a notice".to_owned()];
    writer
        .finish(Tail {
            failures: &[],
            errors: &[],
            notices: &notices,
            suppressed: &[],
            exceptions: &[],
            coverage: &[],
            summary: &summary,
        })
        .unwrap();
    String::from_utf8(out.into_inner()).unwrap()
}

#[test]
fn streamed_json_is_the_whole_document_pretty_printed() {
    let json = Json {
        tool_version: "9.9.9".to_owned(),
    };
    for files in [files(), Vec::new()] {
        let text = streamed(&json, &files);
        let findings: Vec<Finding> = files.iter().flat_map(|f| f.findings.clone()).collect();
        let report = ScanReport::new(findings, Vec::new(), Vec::new(), (0, 0, 3), Severity::Low)
            .with_notices(vec!["a notice".to_owned()]);
        // The layout as one serde value, fields in declaration order.
        #[derive(serde::Serialize)]
        struct Whole<'a> {
            schema_version: u32,
            tool: serde_json::Value,
            #[serde(flatten)]
            report: &'a ScanReport,
        }
        let whole = Whole {
            schema_version: crate::json::SCHEMA_VERSION,
            tool: serde_json::json!({"name": "bulwark", "version": "9.9.9"}),
            report: &report,
        };
        let expected = serde_json::to_string_pretty(&whole).unwrap() + "\n";
        assert_eq!(text, expected);
    }
}

#[test]
fn human_parts_are_in_file_order_with_secrets_masked() {
    let text = streamed(&Human { color: false }, &files());
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("ENV TOKEN=*******"), "{text}");
    // A secret no reported finding marked is masked all the same.
    assert!(text.contains("USER ****"), "{text}");
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {text}"))
    };
    assert!(at("a/Dockerfile:1:1") < at("a/Dockerfile:2:1"));
    assert!(at("a/Dockerfile:2:1") < at("b/Dockerfile:2:1"));
    assert!(at("b/Dockerfile:2:1") < at("a notice"));
    assert!(text.ends_with("3 at or above `low`\n"), "{text}");
}
