//! The description answers are compared with: the generated client's
//! `openapi.json`, read once, the first time an answer is compared, and
//! kept without its prose (descriptions, examples, titles), which is most
//! of its size; pointers into it are pointers into `openapi.json`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::compare::escape;

/// The answer schemas, by operation.
pub(crate) struct Description {
    doc: Value,
    /// operationId -> JSON pointer of its success answer's schema.
    answers: HashMap<String, String>,
}

impl Description {
    /// The document (prose removed).
    pub(crate) fn doc(&self) -> &Value {
        &self.doc
    }

    /// Where the schema of `operation`'s successful JSON answer is
    /// (`get-wav-details` as the description names it, or `get_wav_details`
    /// as the generated client does).
    pub(crate) fn answer_schema(&self, operation: &str) -> Option<&str> {
        self.answers.get(&normalized(operation)).map(String::as_str)
    }
}

/// The description, read on first use; `None` if it cannot be read
/// (then nothing is compared).
pub(crate) fn get() -> Option<&'static Description> {
    static DESCRIPTION: OnceLock<Option<Description>> = OnceLock::new();
    DESCRIPTION
        .get_or_init(|| read(crate::generated::OPENAPI_JSON))
        .as_ref()
}

fn read(text: &str) -> Option<Description> {
    let mut doc: Value = serde_json::from_str(text).ok()?;
    strip_prose(&mut doc, false);
    let mut answers = HashMap::new();
    for (path, item) in doc.get("paths")?.as_object()? {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
                continue;
            };
            let success = ["200", "201", "2XX"]
                .into_iter()
                .find(|code| responses.contains_key(*code));
            let Some(code) = success else {
                continue;
            };
            let pointer = format!(
                "/paths/{}/{method}/responses/{code}/content/application~1json/schema",
                escape(path)
            );
            if doc.pointer(&pointer).is_some() {
                answers.insert(normalized(id), pointer);
            }
        }
    }
    Some(Description { doc, answers })
}

/// Removes the prose keywords of every schema and operation; a field
/// named like one (under `properties`) stays.
fn strip_prose(value: &mut Value, in_properties: bool) {
    match value {
        Value::Object(map) => {
            if !in_properties {
                strip(map);
            }
            for (key, child) in map.iter_mut() {
                strip_prose(child, !in_properties && key == "properties");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| strip_prose(v, false)),
        _ => {}
    }
}

fn strip(map: &mut Map<String, Value>) {
    for key in ["description", "example", "examples", "title", "summary"] {
        map.remove(key);
    }
}

/// An operationId as the generated client writes it (snake case):
/// `get-wav-details`, `getWavDetails` and `get_wav_details` are one.
fn normalized(operation: &str) -> String {
    let mut out = String::with_capacity(operation.len() + 4);
    let mut after_lower = false;
    for c in operation.chars() {
        if c.is_ascii_uppercase() && after_lower {
            out.push('_');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            after_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            out.push('_');
            after_lower = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_its_answer_schema() {
        let description = get().expect("openapi.json reads");
        for operation in [
            "get_music_task_details",
            "generate-music",
            "get_account_credits",
            "get-wav-details",
        ] {
            let pointer = description.answer_schema(operation).expect(operation);
            assert!(description.doc().pointer(pointer).is_some(), "{pointer}");
        }
        let text = description.doc().to_string();
        assert!(
            text.len() < crate::generated::OPENAPI_JSON.len() / 2,
            "prose removed"
        );
    }

    #[test]
    fn operation_ids_match_in_any_case_style() {
        for id in ["get-wav-details", "getWavDetails", "get_wav_details"] {
            assert_eq!(normalized(id), "get_wav_details");
        }
    }

    #[test]
    fn a_field_named_like_prose_is_kept() {
        let mut doc = serde_json::json!({"type": "object", "description": "x",
            "properties": {"title": {"type": "string", "title": "t"}}});
        strip_prose(&mut doc, false);
        assert_eq!(
            doc,
            serde_json::json!({"type": "object", "properties": {"title": {"type": "string"}}})
        );
    }
}
