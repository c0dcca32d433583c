//! One answer against the description: walks a JSON body beside its
//! schema in `openapi.json` and notes what the schema does not say: a
//! field it does not have, an enum value it does not list, a value of
//! another type than declared (a number where a string is), a null where
//! the schema is not nullable. Each note names where in the answer (a
//! path with `[*]` for array items) and where in the description (a JSON
//! pointer to the schema that would have to change).
//!
//! `$ref` and `allOf` are followed (an object's fields are those of all
//! its parts). Under `oneOf`/`anyOf` a value is compared with each
//! alternative and drifts only when it matches none by type; inside the
//! alternatives nothing is noted (which one was meant is a guess).

use serde_json::{Map, Value};

/// What an answer showed that its schema does not say.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Finding {
    /// An object field the schema does not have; the value's JSON type.
    UnknownField { seen: &'static str },
    /// A string the schema's `enum` does not list.
    UnknownEnumValue { seen: String },
    /// A value of another JSON type than declared.
    OtherType {
        declared: String,
        seen: &'static str,
    },
    /// A null where the schema is not nullable.
    NullNotNullable,
}

/// One finding, where in the answer and where in the description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Note {
    /// Where in the answer: `$.data.response.sunoData[*].sourceAudioUrl`.
    pub(crate) path: String,
    /// The schema to change, as a JSON pointer into the description
    /// (for an unknown field: the object's schema).
    pub(crate) schema: String,
    pub(crate) finding: Finding,
}

/// Deeper than any answer of this API: a body nested further is not
/// walked further (nothing to note, no stack to exhaust).
const MAX_DEPTH: usize = 64;

/// Compares `value` with the schema at `pointer` in `doc`; returns what
/// does not match, by path.
pub(crate) fn compare(doc: &Value, pointer: &str, value: &Value) -> Vec<Note> {
    let mut walk = Walk {
        doc,
        notes: Vec::new(),
    };
    walk.value(pointer.to_owned(), "$".to_owned(), value, 0);
    walk.notes
        .sort_by(|a, b| (&a.path, &a.schema).cmp(&(&b.path, &b.schema)));
    walk.notes
}

struct Walk<'d> {
    doc: &'d Value,
    notes: Vec<Note>,
}

/// A schema, its `$ref`s followed, with where it is.
struct Resolved<'d> {
    pointer: String,
    schema: &'d Map<String, Value>,
}

impl<'d> Walk<'d> {
    /// The schema at `pointer`, through any chain of `$ref` (at most 16).
    fn resolve(&self, mut pointer: String) -> Option<Resolved<'d>> {
        for _ in 0..16 {
            let schema = self.doc.pointer(&pointer)?.as_object()?;
            match schema.get("$ref").and_then(Value::as_str) {
                Some(target) => pointer = target.strip_prefix('#')?.to_owned(),
                None => return Some(Resolved { pointer, schema }),
            }
        }
        None
    }

    /// The schema at `pointer` and every `allOf` part under it, each
    /// resolved.
    fn parts(&self, pointer: String, into: &mut Vec<Resolved<'d>>, depth: usize) {
        let Some(resolved) = self.resolve(pointer) else {
            return;
        };
        let all_of = resolved.schema.get("allOf").and_then(Value::as_array);
        let base = resolved.pointer.clone();
        into.push(resolved);
        if depth < 8
            && let Some(all_of) = all_of
        {
            for i in 0..all_of.len() {
                self.parts(format!("{base}/allOf/{i}"), into, depth + 1);
            }
        }
    }

    fn note(&mut self, path: &str, schema: &str, finding: Finding) {
        self.notes.push(Note {
            path: path.to_owned(),
            schema: schema.to_owned(),
            finding,
        });
    }

    fn value(&mut self, pointer: String, path: String, value: &Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let mut parts = Vec::new();
        self.parts(pointer, &mut parts, 0);
        let Some(first) = parts.first() else {
            return;
        };
        let first_pointer = first.pointer.clone();
        let keyword = |key: &str| parts.iter().find_map(|p| p.schema.get(key));
        if value.is_null() {
            let nullable = keyword("nullable").and_then(Value::as_bool) == Some(true)
                || parts.iter().all(|p| declared_type(p.schema).is_none());
            if !nullable {
                self.note(&path, &first_pointer, Finding::NullNotNullable);
            }
            return;
        }
        if let Some(alternatives) = keyword("oneOf").or_else(|| keyword("anyOf")) {
            let at = parts
                .iter()
                .find(|p| p.schema.contains_key("oneOf") || p.schema.contains_key("anyOf"))
                .map(|p| p.pointer.clone())
                .unwrap_or_default();
            let key = if keyword("oneOf").is_some() {
                "oneOf"
            } else {
                "anyOf"
            };
            let count = alternatives.as_array().map_or(0, Vec::len);
            let matches = (0..count).any(|i| {
                self.resolve(format!("{at}/{key}/{i}"))
                    .is_none_or(|alt| type_matches(declared_type(alt.schema), value))
            });
            if !matches {
                let declared = (0..count)
                    .filter_map(|i| self.resolve(format!("{at}/{key}/{i}")))
                    .filter_map(|alt| declared_type(alt.schema).map(str::to_owned))
                    .collect::<Vec<_>>()
                    .join(" or ");
                self.note(
                    &path,
                    &at,
                    Finding::OtherType {
                        declared,
                        seen: json_type(value),
                    },
                );
            }
            return;
        }
        let declared = parts.iter().find_map(|p| declared_type(p.schema));
        if !type_matches(declared, value) {
            let at = parts
                .iter()
                .find(|p| declared_type(p.schema).is_some())
                .map_or(first_pointer.clone(), |p| p.pointer.clone());
            self.note(
                &path,
                &at,
                Finding::OtherType {
                    declared: declared.unwrap_or_default().to_owned(),
                    seen: json_type(value),
                },
            );
            return;
        }
        if let (Some(Value::Array(listed)), Value::String(text)) = (keyword("enum"), value)
            && !listed.iter().any(|v| v.as_str() == Some(text))
        {
            let at = parts
                .iter()
                .find(|p| p.schema.contains_key("enum"))
                .map_or(first_pointer.clone(), |p| p.pointer.clone());
            self.note(&path, &at, Finding::UnknownEnumValue { seen: shown(text) });
        }
        match value {
            Value::Object(fields) => self.object(&parts, &first_pointer, &path, fields, depth),
            Value::Array(items) => {
                if let Some(part) = parts.iter().find(|p| p.schema.contains_key("items")) {
                    let items_at = format!("{}/items", part.pointer);
                    for item in items {
                        self.value(items_at.clone(), format!("{path}[*]"), item, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    fn object(
        &mut self,
        parts: &[Resolved<'d>],
        first_pointer: &str,
        path: &str,
        fields: &Map<String, Value>,
        depth: usize,
    ) {
        let open = parts.iter().any(|p| {
            p.schema
                .get("additionalProperties")
                .is_some_and(|a| a != &Value::Bool(false))
        });
        let described = parts
            .iter()
            .any(|p| p.schema.contains_key("properties") || declared_type(p.schema).is_some());
        for (name, field) in fields {
            let here = format!("{path}{}", path_segment(name));
            let owner = parts.iter().find(|p| {
                p.schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .is_some_and(|props| props.contains_key(name))
            });
            match owner {
                Some(owner) => {
                    let at = format!("{}/properties/{}", owner.pointer, escape(name));
                    self.value(at, here, field, depth + 1);
                }
                None if open || !described => {}
                None => {
                    // The schema to add the field to: the part holding the
                    // object's other fields (`properties`), else the first.
                    let at = parts
                        .iter()
                        .find(|p| p.schema.contains_key("properties"))
                        .map_or(first_pointer.to_owned(), |p| p.pointer.clone());
                    self.note(
                        &here,
                        &at,
                        Finding::UnknownField {
                            seen: json_type(field),
                        },
                    );
                }
            }
        }
    }
}

/// The schema's own `type`, when it names one.
fn declared_type(schema: &Map<String, Value>) -> Option<&str> {
    schema.get("type").and_then(Value::as_str)
}

/// Whether `value` is of the declared type (an integer is a number; a
/// schema with no type takes anything).
fn type_matches(declared: Option<&str>, value: &Value) -> bool {
    match (declared, value) {
        (None, _) | (_, Value::Null) => true,
        (Some("integer"), Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Some("number"), Value::Number(_)) => true,
        (Some("string"), Value::String(_)) => true,
        (Some("boolean"), Value::Bool(_)) => true,
        (Some("object"), Value::Object(_)) => true,
        (Some("array"), Value::Array(_)) => true,
        (Some(_), _) => false,
    }
}

/// A value's JSON type, as a schema names it.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// An enum value as a report shows it: without URL secrets, at most 64
/// characters.
fn shown(text: &str) -> String {
    let text = crate::redact::text(text);
    match text.char_indices().nth(64) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// A field in a path: `.name` when plain, `["a b"]` otherwise.
fn path_segment(name: &str) -> String {
    let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!(".{name}")
    } else {
        format!("[{}]", serde_json::Value::String(name.to_owned()))
    }
}

/// A JSON pointer segment (RFC 6901).
pub(super) fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "components": {"schemas": {"Envelope": {
                "type": "object",
                "properties": {"code": {"type": "integer"}, "msg": {"type": "string"}}
            }}},
            "paths": {"/x": {"schema": {"allOf": [
                {"$ref": "#/components/schemas/Envelope"},
                {"properties": {"data": {
                    "type": "object",
                    "nullable": true,
                    "properties": {
                        "status": {"type": "string", "enum": ["PENDING", "SUCCESS"]},
                        "title": {"type": "string"},
                        "when": {"nullable": true, "oneOf": [{"type": "number"}, {"type": "string"}]},
                        "tracks": {"type": "array", "items": {"type": "object", "properties": {
                            "id": {"type": "string"}
                        }}}
                    }
                }}}
            ]}}}
        })
    }

    fn notes(value: Value) -> Vec<(String, String, Finding)> {
        compare(&doc(), "/paths/~1x/schema", &value)
            .into_iter()
            .map(|n| (n.path, n.schema, n.finding))
            .collect()
    }

    #[test]
    fn an_answer_the_description_covers_has_no_notes() {
        let body = json!({"code": 200, "msg": "ok", "data": {
            "status": "SUCCESS", "title": "t", "when": 1772624679694u64,
            "tracks": [{"id": "a"}, {"id": "b"}]
        }});
        assert_eq!(notes(body), []);
        assert_eq!(notes(json!({"code": 200, "msg": "ok", "data": null})), []);
    }

    #[test]
    fn each_kind_of_drift_is_noted_where_it_is_and_where_to_fix_it() {
        let body = json!({"code": 200.5, "msg": "ok", "data": {
            "status": "QUEUED", "title": null, "when": true,
            "tracks": [{"id": "a", "sourceAudioUrl": "https://x/a.mp3"}]
        }});
        let data = "/paths/~1x/schema/allOf/1/properties/data";
        assert_eq!(
            notes(body),
            [
                (
                    "$.code".into(),
                    "/components/schemas/Envelope/properties/code".into(),
                    Finding::OtherType {
                        declared: "integer".into(),
                        seen: "number"
                    }
                ),
                (
                    "$.data.status".into(),
                    format!("{data}/properties/status"),
                    Finding::UnknownEnumValue {
                        seen: "QUEUED".into()
                    }
                ),
                (
                    "$.data.title".into(),
                    format!("{data}/properties/title"),
                    Finding::NullNotNullable
                ),
                (
                    "$.data.tracks[*].sourceAudioUrl".into(),
                    format!("{data}/properties/tracks/items"),
                    Finding::UnknownField { seen: "string" }
                ),
                (
                    "$.data.when".into(),
                    format!("{data}/properties/when"),
                    Finding::OtherType {
                        declared: "number or string".into(),
                        seen: "boolean"
                    }
                ),
            ]
        );
    }

    #[test]
    fn hostile_answers_end_without_a_panic() {
        let mut deep = json!(1);
        for _ in 0..200 {
            deep = json!([deep]);
        }
        let _ = compare(&doc(), "/paths/~1x/schema", &deep);
        let looping = json!({"a": {"$ref": "#/a"}});
        assert_eq!(compare(&looping, "/a", &json!({"x": 1})), []);
        assert_eq!(compare(&doc(), "/nowhere", &json!({"x": 1})), []);
    }
}
