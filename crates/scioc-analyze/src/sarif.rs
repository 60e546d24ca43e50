//! SARIF 2.1.0 for analyses, as code-scanning tools take it: one run, every analyser rule
//! with its kind, one result per finding. A finding in an unpacked directory is located at
//! its file and line; one inside an archive at the archive, with the file inside as a logical
//! location and in the message. A malicious package's findings are errors, a suspicious
//! one's warnings, the rest notes.

use crate::{Analysis, Verdict, rules};
use serde_sarif::sarif::{
    ArtifactLocation, Location, LogicalLocation, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool,
    ToolComponent,
};
use std::collections::BTreeMap;

/// The SARIF log of `analyses`, one run.
pub fn render(analyses: &[Analysis]) -> Sarif {
    let all: Vec<&rules::Rule> = rules::rules().chain(crate::verdict::correlations()).collect();
    let descriptors: Vec<ReportingDescriptor> = all
        .iter()
        .map(|r| {
            let kind = match r.kind {
                rules::Kind::Threat => "threat: good code does not do this",
                rules::Kind::Capability => "capability: counts only beside a threat",
            };
            ReportingDescriptor::builder()
                .id(r.id)
                .name(r.name)
                .short_description(MultiformatMessageString::builder().text(r.name).build())
                .full_description(
                    MultiformatMessageString::builder().text(format!("{} ({kind}; {})", r.name, r.behaviour)).build(),
                )
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::to_value(level(r.kind, Verdict::Malicious)).unwrap_or_default())
                        .build(),
                )
                .build()
        })
        .collect();
    let mut results = Vec::new();
    for a in analyses {
        for f in &a.findings {
            let index = all.iter().position(|r| r.id == f.rule).map_or(-1, |i| i as i64);
            let (uri, region) = if std::path::Path::new(&a.path).is_dir() {
                (format!("{}/{}", a.path.trim_end_matches('/'), f.file), true)
            } else {
                (a.path.clone(), false)
            };
            let physical = PhysicalLocation::builder().artifact_location(ArtifactLocation::builder().uri(uri).build());
            let location = if region {
                physical.region(Region::builder().start_line(i64::from(f.line.max(1))).build()).build()
            } else {
                physical.build()
            };
            let logical =
                LogicalLocation::builder().fully_qualified_name(format!("{}:{}", f.file, f.line)).kind("file").build();
            let package = match (&a.name, &a.version) {
                (Some(n), Some(v)) => format!("{n}@{v}"),
                _ => a.path.clone(),
            };
            let text = format!(
                "{package} is {} (score {}): {} {} at {}:{}: {}",
                a.verdict.as_str(),
                a.score,
                f.rule,
                f.name,
                f.file,
                f.line,
                f.excerpt
            );
            let props: BTreeMap<String, serde_json::Value> = BTreeMap::from([
                ("verdict".to_owned(), serde_json::json!(a.verdict)),
                ("score".to_owned(), serde_json::json!(a.score)),
                ("threat_name".to_owned(), serde_json::json!(a.threat_name)),
                ("file".to_owned(), serde_json::json!(f.file)),
                ("line".to_owned(), serde_json::json!(f.line)),
            ]);
            results.push(
                SarifResult::builder()
                    .rule_id(f.rule)
                    .rule_index(index)
                    .level(level(f.kind, a.verdict))
                    .message(Message::builder().text(text).build())
                    .locations(vec![
                        Location::builder().physical_location(location).logical_locations(vec![logical]).build(),
                    ])
                    .properties(PropertyBag::builder().additional_properties(props).build())
                    .build(),
            );
        }
    }
    let driver = ToolComponent::builder()
        .name("scioc analyze")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/scioc/scioc")
        .rules(descriptors)
        .build();
    let run = Run::builder().tool(Tool::builder().driver(driver).build()).results(results).build();
    Sarif::builder().version(serde_json::json!("2.1.0")).schema(SCHEMA).runs(vec![run]).build()
}

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(kind: rules::Kind, verdict: Verdict) -> ResultLevel {
    match (verdict, kind) {
        (Verdict::Malicious, rules::Kind::Threat) => ResultLevel::Error,
        (Verdict::Malicious | Verdict::Suspicious, _) => ResultLevel::Warning,
        (Verdict::Clean, _) => ResultLevel::Note,
    }
}
