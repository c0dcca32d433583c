//! `cargo xtask drift REPORT.json`: a drift report (`suno drift --json`,
//! or `Client::drift()` serialized) turned into proposed fix-ups, one per
//! finding, each with the reason a maintainer needs (what was seen, where,
//! how often, when), as an Overlay document in the form of
//! `spec/fixes.yaml`; and the change report those fix-ups would make to
//! `sdk/openapi.json`, as `update-spec` reports a page update. Nothing is
//! written unless asked (`--out`): live drift is taken into the fix-ups
//! the way a page update is, by a maintainer who read the report.
//!
//! What each finding proposes (the target is the schema the report names,
//! as a JSONPath into the document the fix-ups apply to):
//! - a field the description lacks: the field, with the type seen;
//! - an enum value it does not list: the value, added to the enum;
//! - another type than declared: an integer declared, a fraction seen,
//!   becomes a number; otherwise the type is removed and `oneOf` holds
//!   both (as the `track-create-time` fix-up does);
//! - a null where not nullable: `nullable: true`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::changes;
use crate::error::SpecError;
use crate::fixes::{Fixes, Outcome};
use crate::{Layout, document};

/// A drift report as `kie_suno::drift::DriftReport` writes it.
#[derive(Debug, Deserialize)]
pub struct Report {
    pub entries: Vec<Entry>,
    #[serde(default)]
    pub compared: BTreeMap<String, u64>,
}

/// One finding of a report.
#[derive(Debug, Deserialize)]
pub struct Entry {
    pub operation: String,
    pub path: String,
    pub kind: Kind,
    pub seen: String,
    pub schema: String,
    pub count: u64,
    pub first: String,
    pub last: String,
}

/// What a finding is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    UnknownField,
    UnknownEnumValue,
    OtherType { declared: String },
    NullNotNullable,
}

/// One proposed action, in `spec/fixes.yaml`'s form.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub id: String,
    pub description: String,
    pub target: String,
    /// `None`: `remove: true`.
    pub update: Option<Value>,
}

/// The fix-ups a report proposes, against `doc` (the current
/// `sdk/openapi.json`, whose pointers the report names); ids new next to
/// `taken`. A finding whose schema the document no longer has proposes
/// nothing (it is listed in the second value).
pub fn propose(
    report: &Report,
    doc: &Value,
    taken: &BTreeSet<String>,
) -> (Vec<Proposal>, Vec<String>) {
    let mut proposals = Vec::new();
    let mut skipped = Vec::new();
    let mut ids = taken.clone();
    for entry in &report.entries {
        let Some(schema) = doc.pointer(&entry.schema) else {
            skipped.push(format!(
                "{} {}: the schema {} is not in sdk/openapi.json any more",
                entry.operation, entry.path, entry.schema
            ));
            continue;
        };
        let Some(target) = json_path(doc, &entry.schema) else {
            skipped.push(format!("{}: not a JSON pointer", entry.schema));
            continue;
        };
        let id = unique_id(&mut ids, entry);
        let description = reason(entry, report.compared.get(&entry.operation));
        let actions = actions(entry, schema, &target);
        for (i, (target, update)) in actions.into_iter().enumerate() {
            proposals.push(Proposal {
                id: id.clone(),
                // The first action of a fix-up carries its reason.
                description: if i == 0 {
                    description.clone()
                } else {
                    String::new()
                },
                target,
                update,
            });
        }
    }
    (proposals, skipped)
}

/// The actions of one finding: target and update (`None`: remove).
fn actions(entry: &Entry, schema: &Value, target: &str) -> Vec<(String, Option<Value>)> {
    match &entry.kind {
        Kind::UnknownField => {
            let name = field_name(&entry.path);
            let mut field = match entry.seen.as_str() {
                "null" => json!({}),
                "array" => json!({"type": "array", "items": {}}),
                seen => json!({"type": seen}),
            };
            field["nullable"] = json!(true);
            vec![(
                target.to_owned(),
                Some(json!({"properties": {name: field}})),
            )]
        }
        Kind::UnknownEnumValue => {
            vec![(target.to_owned(), Some(json!({"enum": [entry.seen]})))]
        }
        Kind::OtherType { declared } if declared == "integer" && entry.seen == "number" => {
            vec![(target.to_owned(), Some(json!({"type": "number"})))]
        }
        Kind::OtherType { declared } => {
            let mut alternatives: Vec<Value> = declared
                .split(" or ")
                .filter(|t| !t.is_empty())
                .map(|t| json!({"type": t}))
                .collect();
            alternatives.push(json!({"type": entry.seen}));
            let mut steps = Vec::new();
            if schema.get("type").is_some() {
                steps.push((format!("{target}.type"), None));
            }
            steps.push((target.to_owned(), Some(json!({"oneOf": alternatives}))));
            steps
        }
        Kind::NullNotNullable => vec![(target.to_owned(), Some(json!({"nullable": true})))],
    }
}

/// The reason of a fix-up: what was seen, where, how often, when.
fn reason(entry: &Entry, compared: Option<&u64>) -> String {
    let what = match &entry.kind {
        Kind::UnknownField => format!("a field the description lacks ({})", entry.seen),
        Kind::UnknownEnumValue => format!("the value {:?}, which the enum lacks", entry.seen),
        Kind::OtherType { declared } => {
            format!("a {} where the description declares {declared}", entry.seen)
        }
        Kind::NullNotNullable => "null, which the description does not allow".to_owned(),
    };
    let of = compared.map_or(String::new(), |n| format!(" of {n}"));
    let line = format!(
        "live {} answers carry {what} at {}: in {}{of} compared answers, {} to {} (drift report)",
        entry.operation,
        entry.path,
        entry.count,
        minute(&entry.first),
        minute(&entry.last)
    );
    line.replace(['\n', '\r'], " ")
}

/// A report's time to the minute (`2026-12-02 14:53 UTC`), or as written
/// when it is not RFC 3339.
fn minute(time: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(time).map_or_else(
        |_| time.to_owned(),
        |t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()
        },
    )
}

/// `drift-<field>-<kind>`, numbered when taken.
fn unique_id(ids: &mut BTreeSet<String>, entry: &Entry) -> String {
    let kind = match entry.kind {
        Kind::UnknownField => "field",
        Kind::UnknownEnumValue => "enum-value",
        Kind::OtherType { .. } => "type",
        Kind::NullNotNullable => "null",
    };
    let field: String = field_name(&entry.path)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let base = format!("drift-{}-{kind}", field.trim_matches('-'));
    let mut id = base.clone();
    let mut n = 2;
    while !ids.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// The last field of an answer path: `$.data.tracks[*].sourceAudioUrl` ->
/// `sourceAudioUrl`; `$.data["a b"]` -> `a b`.
fn field_name(path: &str) -> String {
    let path = path.trim_end_matches("[*]");
    if let Some(start) = path.rfind("[\"")
        && path.ends_with("\"]")
        && let Ok(name) = serde_json::from_str::<String>(&path[start + 1..path.len() - 1])
    {
        return name;
    }
    path.rsplit('.').next().unwrap_or(path).to_owned()
}

/// The JSONPath of a JSON pointer into `doc`, in the fix-ups' style:
/// `.name` for plain names, `['/a/b']` otherwise, `[1]` for array items.
pub fn json_path(doc: &Value, pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix('/')?;
    let mut path = "$".to_owned();
    let mut node = doc;
    for raw in rest.split('/') {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        match node {
            Value::Array(items) => {
                let i: usize = segment.parse().ok()?;
                path.push_str(&format!("[{i}]"));
                node = items.get(i)?;
            }
            Value::Object(map) => {
                let plain = segment
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && segment
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_');
                if plain {
                    path.push('.');
                    path.push_str(&segment);
                } else {
                    let quoted = segment.replace('\\', "\\\\").replace('\'', "\\'");
                    path.push_str(&format!("['{quoted}']"));
                }
                node = map.get(&segment)?;
            }
            _ => return None,
        }
    }
    Some(path)
}

/// An Overlay document, its keys in `spec/fixes.yaml`'s order.
#[derive(Serialize)]
struct Overlay<'a> {
    overlay: &'static str,
    info: Info,
    actions: Vec<Action<'a>>,
}

#[derive(Serialize)]
struct Info {
    title: &'static str,
    version: &'static str,
}

/// One action, its keys in `spec/fixes.yaml`'s order.
#[derive(Serialize)]
struct Action<'a> {
    #[serde(rename = "x-fixup")]
    id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    target: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    update: Option<&'a Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    remove: bool,
}

fn action(p: &Proposal) -> Action<'_> {
    Action {
        id: &p.id,
        description: &p.description,
        target: &p.target,
        update: p.update.as_ref(),
        remove: p.update.is_none(),
    }
}

/// The proposals as an Overlay document (YAML), in `spec/fixes.yaml`'s
/// form.
pub fn overlay_yaml(proposals: &[Proposal]) -> String {
    let doc = Overlay {
        overlay: "1.0.0",
        info: Info {
            title: "kie-suno fix-ups proposed from a drift report",
            version: "1.0.0",
        },
        actions: proposals.iter().map(action).collect(),
    };
    serde_norway::to_string(&doc).unwrap_or_default()
}

fn action_value(p: &Proposal) -> Value {
    serde_json::to_value(action(p)).unwrap_or_default()
}

/// Runs `cargo xtask drift`: prints the proposed fix-ups (or writes them
/// to `out`), what each would do, and the change report.
pub fn run(
    layout: &Layout,
    report_path: &Path,
    out: Option<&Path>,
    w: &mut impl std::io::Write,
) -> Result<(), SpecError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SpecError::Io { path, source }
    };
    let text = std::fs::read_to_string(report_path).map_err(io(report_path))?;
    let report: Report = serde_json::from_str(&text).map_err(|source| SpecError::Json {
        path: report_path.to_path_buf(),
        source,
    })?;
    let sources = document::read_dir(&layout.upstream)?;
    let fixes_text = std::fs::read_to_string(&layout.fixes).map_err(io(&layout.fixes))?;
    let names = crate::naming::Names::recorded_at(&layout.output);
    let current = crate::build(&sources, &Fixes::parse(&layout.fixes, &fixes_text)?, &names)?;
    let taken: BTreeSet<String> = current
        .report
        .fixups
        .iter()
        .map(|(id, _)| id.clone())
        .collect();
    let (proposals, skipped) = propose(&report, &current.fixed, &taken);
    let write_err = |e: std::io::Error| SpecError::Io {
        path: "stdout".into(),
        source: e,
    };
    for line in &skipped {
        writeln!(w, "not proposed: {line}").map_err(write_err)?;
    }
    if proposals.is_empty() {
        writeln!(w, "the report proposes no fix-ups").map_err(write_err)?;
        return Ok(());
    }
    let overlay = overlay_yaml(&proposals);
    // The pipeline with the fix-ups as they are, then these after them.
    let mut combined: Value =
        serde_norway::from_str(&fixes_text).map_err(|source| SpecError::FixupsFile {
            path: layout.fixes.clone(),
            source,
        })?;
    if let Some(actions) = combined.get_mut("actions").and_then(Value::as_array_mut) {
        actions.extend(proposals.iter().map(action_value));
    }
    let combined_text = serde_norway::to_string(&combined).unwrap_or_default();
    let proposed = crate::build(
        &sources,
        &Fixes::parse(&layout.fixes, &combined_text)?,
        &names,
    )?;
    match out {
        Some(out) => {
            std::fs::write(out, &overlay).map_err(io(out))?;
            writeln!(
                w,
                "wrote {} proposed fix-up actions to {}",
                proposals.len(),
                out.display()
            )
            .map_err(write_err)?;
        }
        None => write!(w, "{overlay}").map_err(write_err)?,
    }
    let ids: BTreeSet<&str> = proposals.iter().map(|p| p.id.as_str()).collect();
    for (id, outcome) in &proposed.report.fixups {
        if ids.contains(id.as_str()) {
            let said = match outcome {
                Outcome::Applied => "applied".to_owned(),
                Outcome::NoOp => "no-op (the description says this already)".to_owned(),
                Outcome::TargetNotFound { target } => format!("target not found: {target}"),
            };
            writeln!(w, "{id}: {said}").map_err(write_err)?;
        }
    }
    let changes = changes::compare(&current.raw, &proposed.raw, &current.fixed, &proposed.fixed);
    writeln!(
        w,
        "what they would change in sdk/openapi.json: {}",
        changes::summary(&changes)
    )
    .map_err(write_err)?;
    for change in &changes {
        writeln!(w, "  {change}").map_err(write_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_become_the_fix_ups_json_paths() {
        let doc = json!({"paths": {"/api/v1/x": {"get": {"responses": {"200": {"content": {
            "application/json": {"schema": {"allOf": [{}, {"properties": {"data": {}}}]}}}}}}}}});
        let pointer = "/paths/~1api~1v1~1x/get/responses/200/content/application~1json/schema/allOf/1/properties/data";
        assert_eq!(
            json_path(&doc, pointer).as_deref(),
            Some(
                "$.paths['/api/v1/x'].get.responses['200'].content['application/json'].schema.allOf[1].properties.data"
            )
        );
        assert_eq!(json_path(&doc, "/paths/nowhere"), None);
    }

    fn entry(path: &str, kind: Kind, seen: &str, schema: &str) -> Entry {
        Entry {
            operation: "get_x".into(),
            path: path.into(),
            kind,
            seen: seen.into(),
            schema: schema.into(),
            count: 3,
            first: "2026-12-01T10:00:00Z".into(),
            last: "2026-12-02T11:30:00.123Z".into(),
        }
    }

    #[test]
    fn each_kind_of_finding_proposes_its_fix_up_with_a_reason() {
        let doc = json!({"s": {"type": "object", "properties": {
            "status": {"type": "string", "enum": ["A"]},
            "code": {"type": "integer"},
            "when": {"type": "string"},
            "name": {"type": "string"}
        }}});
        let report = Report {
            entries: vec![
                entry(
                    "$.status",
                    Kind::UnknownEnumValue,
                    "B",
                    "/s/properties/status",
                ),
                entry(
                    "$.code",
                    Kind::OtherType {
                        declared: "integer".into(),
                    },
                    "number",
                    "/s/properties/code",
                ),
                entry(
                    "$.when",
                    Kind::OtherType {
                        declared: "string".into(),
                    },
                    "integer",
                    "/s/properties/when",
                ),
                entry(
                    "$.name",
                    Kind::NullNotNullable,
                    "null",
                    "/s/properties/name",
                ),
                entry("$.gone", Kind::UnknownField, "string", "/t"),
            ],
            compared: [("get_x".to_owned(), 10)].into(),
        };
        let taken = ["drift-status-enum-value".to_owned()].into();
        let (proposals, skipped) = propose(&report, &doc, &taken);
        let shown: Vec<(&str, &str, Option<&Value>)> = proposals
            .iter()
            .map(|p| (p.id.as_str(), p.target.as_str(), p.update.as_ref()))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "drift-status-enum-value-2",
                    "$.s.properties.status",
                    Some(&json!({"enum": ["B"]}))
                ),
                (
                    "drift-code-type",
                    "$.s.properties.code",
                    Some(&json!({"type": "number"}))
                ),
                ("drift-when-type", "$.s.properties.when.type", None),
                (
                    "drift-when-type",
                    "$.s.properties.when",
                    Some(&json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}))
                ),
                (
                    "drift-name-null",
                    "$.s.properties.name",
                    Some(&json!({"nullable": true}))
                ),
            ]
        );
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert_eq!(
            proposals[0].description,
            "live get_x answers carry the value \"B\", which the enum lacks at $.status: in 3 of 10 \
             compared answers, 2026-12-01 10:00 UTC to 2026-12-02 11:30 UTC (drift report)"
        );
        assert!(proposals[3].description.is_empty(), "one reason per fix-up");
        // The overlay reads back as fix-ups.
        let yaml = overlay_yaml(&proposals);
        let parsed = Fixes::parse(Path::new("proposed.yaml"), &yaml);
        assert!(parsed.is_ok(), "{yaml}");
    }

    #[test]
    fn field_names_come_from_the_answer_path() {
        assert_eq!(
            field_name("$.data.tracks[*].sourceAudioUrl"),
            "sourceAudioUrl"
        );
        assert_eq!(field_name("$.data[\"a b\"]"), "a b");
        assert_eq!(field_name("$.data.list[*]"), "list");
    }
}
