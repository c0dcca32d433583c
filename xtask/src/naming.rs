//! Which page's component keeps a name that several pages use: the export
//! repeats each page's security scheme and schemas, and pages of other
//! APIs bring their own `ApiResponse` and `BearerAuth`.
//!
//! The rule (stated in `spec/README.md`): definitions of one name that are
//! the same shape (words aside: descriptions, titles, examples, `x-` keys)
//! are one component. When they differ, the name stays with the
//! definition that held it in the last generated document, which records
//! the pages of each name under `x-component-pages`; on a first run, with
//! the first page in path order. Every other definition is scoped to the
//! first page that brings it, `<name>_<page stem>`, and its pages' `$ref`s
//! and security requirements follow. So adding, removing or reordering
//! unrelated pages never renames or re-shapes a vendored page's types.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::page::Endpoint;

/// The top-level key of the generated document that records the pages of
/// each component name.
pub const RECORD_KEY: &str = "x-component-pages";

/// The pages (file stems) each component name (`schemas/ApiResponse`)
/// belonged to in the last generated document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names(BTreeMap<String, Vec<String>>);

impl Names {
    /// What `doc` (a generated document) records; nothing for a document
    /// without the record.
    pub fn recorded_in(doc: &Value) -> Self {
        let mut names = BTreeMap::new();
        for (name, pages) in doc
            .get(RECORD_KEY)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let pages = pages
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            names.insert(name.clone(), pages);
        }
        Names(names)
    }

    /// What the generated document at `path` records; nothing when it is
    /// missing or unreadable (a first run: path order decides).
    pub fn recorded_at(path: &Path) -> Self {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .map_or_else(Names::default, |doc| Names::recorded_in(&doc))
    }

    /// The record to write into the document.
    pub fn to_value(&self) -> Value {
        Value::Object(self.0.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
    }
}

/// One distinct definition of a name and the pages that give it.
struct Group {
    shape: Value,
    pages: Vec<String>,
}

/// Renames the components of `endpoints` (in path order) by the rule, and
/// returns the record of the names they end with.
pub fn assign(endpoints: &mut [(PathBuf, Endpoint)], recorded: &Names) -> Names {
    let mut groups: BTreeMap<String, Vec<Group>> = BTreeMap::new();
    for (path, endpoint) in endpoints.iter() {
        for (kind, name, value) in components(endpoint) {
            let key = format!("{kind}/{name}");
            let list = groups.entry(key).or_default();
            let shape = shape_of(value);
            match list.iter_mut().find(|g| g.shape == shape) {
                Some(group) => group.pages.push(page_stem(path)),
                None => list.push(Group {
                    shape,
                    pages: vec![page_stem(path)],
                }),
            }
        }
    }
    let mut record = BTreeMap::new();
    for (key, list) in &groups {
        let owner = recorded
            .0
            .get(key)
            .and_then(|pages| {
                list.iter()
                    .position(|g| g.pages.iter().any(|p| pages.contains(p)))
            })
            .unwrap_or(0);
        let (kind, name) = key.split_once('/').expect("keys are kind/name");
        for (i, group) in list.iter().enumerate() {
            let named = if i == owner {
                name.to_owned()
            } else {
                format!("{name}_{}", group.pages[0])
            };
            record.insert(format!("{kind}/{named}"), group.pages.clone());
            if i == owner {
                continue;
            }
            for (path, endpoint) in endpoints.iter_mut() {
                if group.pages.contains(&page_stem(path))
                    && components(endpoint)
                        .iter()
                        .any(|(k, n, v)| k == kind && n == name && shape_of(v) == group.shape)
                {
                    rename_component(endpoint, kind, name, &named);
                }
            }
        }
    }
    Names(record)
}

/// `(kind, name, definition)` of every component of `endpoint`.
fn components(endpoint: &Endpoint) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (kind, entries) in &endpoint.components {
        for (name, value) in entries.as_object().into_iter().flatten() {
            out.push((kind.clone(), name.clone(), value));
        }
    }
    out
}

/// A definition without its words (descriptions, titles, examples, `x-`
/// keys): what two definitions must share to be one component.
pub fn shape_of(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "description"
                            | "title"
                            | "example"
                            | "examples"
                            | "externalDocs"
                            | "summary"
                    ) && !k.starts_with("x-")
                })
                .map(|(k, v)| (k.clone(), shape_of(v)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(shape_of).collect()),
        other => other.clone(),
    }
}

/// `value` with every `$ref` to a schema of `components` replaced by the
/// schema (to compare two pages that place a schema differently); deeper
/// than 32 references, a reference stays.
pub fn resolved(value: &Value, components: &Map<String, Value>) -> Value {
    fn walk(value: &Value, schemas: Option<&Value>, depth: usize) -> Value {
        match value {
            Value::Object(map) => {
                let target = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    .and_then(|name| schemas?.get(name));
                match target {
                    Some(schema) if depth < 32 => walk(schema, schemas, depth + 1),
                    _ => Value::Object(
                        map.iter()
                            .map(|(k, v)| (k.clone(), walk(v, schemas, depth)))
                            .collect(),
                    ),
                }
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| walk(v, schemas, depth)).collect())
            }
            other => other.clone(),
        }
    }
    walk(value, components.get("schemas"), 0)
}

/// Where `a` and `b` first differ in shape (words aside), as
/// `requestBody.required: true vs none`.
pub fn first_difference(a: &Value, b: &Value) -> String {
    fn walk(a: &Value, b: &Value, at: &str) -> Option<String> {
        let show = |v: Option<&Value>| {
            v.map_or_else(
                || "none".to_owned(),
                |v| {
                    let text = v.to_string();
                    match text.char_indices().nth(60) {
                        Some((cut, _)) => format!("{}...", &text[..cut]),
                        None => text,
                    }
                },
            )
        };
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                keys.into_iter().find_map(|k| {
                    let here = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    match (x.get(k), y.get(k)) {
                        (Some(v), Some(w)) => walk(v, w, &here),
                        (v, w) => Some(format!("{here}: {} vs {}", show(v), show(w))),
                    }
                })
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (v, w))| walk(v, w, &format!("{at}[{i}]"))),
            _ if a == b => None,
            _ => Some(format!(
                "{}: {} vs {}",
                if at.is_empty() { "$" } else { at },
                show(Some(a)),
                show(Some(b))
            )),
        }
    }
    walk(&shape_of(a), &shape_of(b), "").unwrap_or_else(|| "they differ in words only".to_owned())
}

/// Renames component `old` of `kind` in `endpoint` to `new`, with every
/// reference in its page (`$ref`s, security requirements).
fn rename_component(endpoint: &mut Endpoint, kind: &str, old: &str, new: &str) {
    if let Some(Value::Object(entries)) = endpoint.components.get_mut(kind)
        && let Some(value) = entries.remove(old)
    {
        entries.insert(new.to_owned(), value);
    }
    let from = format!("#/components/{kind}/{old}");
    let to = format!("#/components/{kind}/{new}");
    replace_refs(&mut endpoint.operation, &from, &to);
    for entries in endpoint.components.values_mut() {
        replace_refs(entries, &from, &to);
    }
    if kind == "securitySchemes" {
        let requirements = endpoint
            .operation
            .get_mut("security")
            .into_iter()
            .chain(endpoint.security.as_mut());
        for requirement in requirements.flat_map(|r| r.as_array_mut().into_iter().flatten()) {
            if let Some(map) = requirement.as_object_mut()
                && let Some(scopes) = map.remove(old)
            {
                map.insert(new.to_owned(), scopes);
            }
        }
    }
}

fn replace_refs(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "$ref" && v.as_str() == Some(from) {
                    *v = json!(to);
                } else {
                    replace_refs(v, from, to);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| replace_refs(v, from, to)),
        _ => {}
    }
}

/// `suno-api/get-music-details.md` -> `get_music_details`.
pub fn page_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::Form;

    /// A page `stem.md` whose operation answers with its `ApiResponse`.
    fn page(stem: &str, envelope: Value) -> (PathBuf, Endpoint) {
        let endpoint = Endpoint {
            method: "get".into(),
            route: format!("/{stem}"),
            operation: json!({"responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ApiResponse"}}}}}}),
            servers: Vec::new(),
            components: [("schemas".to_owned(), json!({ "ApiResponse": envelope }))]
                .into_iter()
                .collect(),
            security: None,
            line: None,
            form: Form::OpenApiSection,
        };
        (PathBuf::from(format!("spec/upstream/{stem}.md")), endpoint)
    }

    fn reference(endpoint: &Endpoint) -> &Value {
        &endpoint.operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    }

    fn suno() -> Value {
        json!({"type": "object", "properties": {"code": {"type": "integer"}}})
    }

    fn other() -> Value {
        json!({"type": "object", "properties": {"status": {"type": "string"}}})
    }

    #[test]
    fn definitions_that_differ_only_in_words_are_one_component() {
        let mut english = suno();
        english["description"] = json!("The envelope");
        let mut pages = vec![page("a", suno()), page("b", english)];
        let record = assign(&mut pages, &Names::default());
        assert_eq!(reference(&pages[0].1), reference(&pages[1].1));
        assert_eq!(record.0["schemas/ApiResponse"], ["a", "b"]);
    }

    #[test]
    fn without_a_record_the_first_page_in_path_order_keeps_the_name() {
        let mut pages = vec![page("a_other", other()), page("generate_sounds", suno())];
        assign(&mut pages, &Names::default());
        assert_eq!(reference(&pages[0].1), "#/components/schemas/ApiResponse");
        assert_eq!(
            reference(&pages[1].1),
            "#/components/schemas/ApiResponse_generate_sounds"
        );
    }

    #[test]
    fn a_recorded_name_stays_with_its_pages_and_a_newcomer_is_scoped_to_its_own() {
        let recorded = Names(
            [(
                "schemas/ApiResponse".to_owned(),
                vec!["generate_sounds".to_owned()],
            )]
            .into_iter()
            .collect(),
        );
        let mut pages = vec![page("a_other", other()), page("generate_sounds", suno())];
        let record = assign(&mut pages, &recorded);
        assert_eq!(
            reference(&pages[0].1),
            "#/components/schemas/ApiResponse_a_other"
        );
        assert!(
            pages[0].1.components["schemas"]
                .get("ApiResponse_a_other")
                .is_some()
        );
        assert_eq!(reference(&pages[1].1), "#/components/schemas/ApiResponse");
        // What the next run reads: the same decision again.
        assert_eq!(record.0["schemas/ApiResponse"], ["generate_sounds"]);
        assert_eq!(record.0["schemas/ApiResponse_a_other"], ["a_other"]);
        let mut again = vec![page("a_other", other()), page("generate_sounds", suno())];
        assert_eq!(assign(&mut again, &record), record);
    }
}
