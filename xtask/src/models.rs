//! One endpoint, many models: the provider's jobs API serves
//! `POST /api/v1/jobs/createTask` for every model, one page per model,
//! told apart by the `model` their request body accepts. Such pages become
//! one operation whose request body is a `oneOf` of the pages' bodies, so
//! that the generated client has one method and a typed request per model
//! (typify turns a `oneOf` of objects that each fix `model` to one value
//! into an enum tagged by `model`).
//!
//! The rule (stated in `spec/README.md`): two pages with one method and
//! route whose operations differ only in their JSON request body, each
//! body fixing `model` to one value and the values different, merge. The
//! operation is the first page's, named after the route's last segment
//! (`createTask` -> `create_task`, the same however many models there
//! are), and each member of the `oneOf` is titled after its page's
//! operationId. Anything else that differs keeps the pages apart (the
//! merge then refuses them, naming the difference).

use serde_json::{Value, json};

use crate::canonical;
use crate::naming::shape_of;

const BODY: &str = "/requestBody/content/application~1json/schema";

/// The operation that serves both `first` (one already merged, or one
/// page) and `second`'s model, or `None` when they are not two models of
/// one endpoint. Both come with their `$ref`s followed (each page
/// resolves them in its own components). Their responses merge field by
/// field ([`canonical::union`]): one answer serves every model, and each
/// page documents some of it.
pub fn merge(route: &str, first: &Value, second: &Value) -> Option<Value> {
    let members = members(first)?;
    let added = titled(second)?;
    let model = model_of(&added)?;
    if members
        .iter()
        .any(|m| model_of(m).as_deref() == Some(&model))
    {
        return None;
    }
    if shape_of(&rest(first)) != shape_of(&rest(second)) {
        return None;
    }
    let responses = union_responses(first.get("responses")?, second.get("responses")?).ok()?;
    let mut merged = first.clone();
    let mut all = members;
    all.push(added);
    *merged.pointer_mut(BODY)? = json!({ "oneOf": all });
    let map = merged.as_object_mut()?;
    map.insert("responses".into(), responses);
    map.insert("operationId".into(), json!(operation_id(route)));
    Some(merged)
}

/// The model a page's operation (or the last page merged into one)
/// accepts.
pub fn model(operation: &Value) -> Option<String> {
    model_of(&titled(operation)?)
}

/// Why `first` and `second` (their `$ref`s followed) are not two models
/// of one endpoint; `None` when either body does not fix `model`.
pub fn difference(first: &Value, second: &Value) -> Option<String> {
    let members = members(first)?;
    let model = model_of(&titled(second)?)?;
    if members
        .iter()
        .any(|m| model_of(m).as_deref() == Some(&model))
    {
        return Some(format!("both accept the model {model:?}"));
    }
    let (a, b) = (rest(first), rest(second));
    if shape_of(&a) != shape_of(&b) {
        return Some(format!(
            "two models whose operations differ beyond their bodies and responses: {}",
            crate::naming::first_difference(&a, &b)
        ));
    }
    let responses = union_responses(first.get("responses")?, second.get("responses")?);
    responses.err().map(|problems| {
        format!(
            "two models whose responses cannot be merged: {}",
            problems.join("; ")
        )
    })
}

/// The responses of two models' pages, status by status and field by
/// field; a status or a media type only one page documents is kept.
fn union_responses(first: &Value, second: &Value) -> Result<Value, Vec<String>> {
    let (Value::Object(a), Value::Object(b)) = (first, second) else {
        return Err(vec!["responses are not a mapping".to_owned()]);
    };
    let mut out = a.clone();
    for (status, theirs) in b {
        let Some(Value::Object(mine)) = out.get_mut(status) else {
            out.insert(status.clone(), theirs.clone());
            continue;
        };
        let media = theirs.get("content").and_then(Value::as_object);
        for (kind, content) in media.into_iter().flatten() {
            let contents = mine.entry("content").or_insert_with(|| json!({}));
            let Some(contents) = contents.as_object_mut() else {
                return Err(vec![format!("{status}: content is not a mapping")]);
            };
            let Some(own) = contents.get_mut(kind) else {
                contents.insert(kind.clone(), content.clone());
                continue;
            };
            let (Some(x), Some(y)) = (own.get("schema"), content.get("schema")) else {
                continue;
            };
            let merged = canonical::union(x, y).map_err(|problems| {
                problems
                    .into_iter()
                    .map(|p| format!("{status} {kind}: {p}"))
                    .collect::<Vec<_>>()
            })?;
            own["schema"] = merged;
        }
    }
    Ok(Value::Object(out))
}

/// The bodies an operation accepts, each titled after its model's page:
/// the members of a merged one, or the one body of a page's.
fn members(operation: &Value) -> Option<Vec<Value>> {
    let body = operation.pointer(BODY)?;
    match body.get("oneOf").and_then(Value::as_array) {
        Some(list) if list.iter().all(|m| model_of(m).is_some()) => Some(list.clone()),
        Some(_) => None,
        None => Some(vec![titled(operation)?]),
    }
}

/// A page's body, titled after its operationId (or its model), if it
/// fixes `model`: by a one-value `enum`, a `default`, or, where the page
/// says neither, by its request example; the body then says it as a
/// one-value `enum`, which the generated enum is tagged by.
fn titled(operation: &Value) -> Option<Value> {
    let mut body = operation.pointer(BODY)?.clone();
    let model = model_of(&body).or_else(|| {
        let example = operation.pointer("/requestBody/content/application~1json/example")?;
        example.get("model")?.as_str().map(str::to_owned)
    })?;
    let field = body.pointer_mut("/properties/model")?.as_object_mut()?;
    field.insert("enum".into(), json!([model]));
    let name = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or(&model);
    body.as_object_mut()?
        .entry("title")
        .or_insert_with(|| json!(type_name(name)));
    Some(body)
}

/// The one value a body's `model` field may take: its one-value `enum`,
/// or its `default`.
fn model_of(body: &Value) -> Option<String> {
    let field = body.pointer("/properties/model")?;
    match field
        .get("enum")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([Value::String(model)]) => Some(model.clone()),
        Some(_) => None,
        None => field.get("default")?.as_str().map(str::to_owned),
    }
}

/// The operation without what tells models apart (its body), what
/// merges (its responses) and its words (which a page per model words
/// differently).
fn rest(operation: &Value) -> Value {
    let mut rest = operation.clone();
    if let Some(map) = rest.as_object_mut() {
        for key in [
            "requestBody",
            "responses",
            "operationId",
            "summary",
            "description",
            "tags",
        ] {
            map.remove(key);
        }
    }
    rest
}

/// `/api/v1/jobs/createTask` -> `create_task`.
fn operation_id(route: &str) -> String {
    let last = route
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(route);
    let mut out = String::new();
    for (i, c) in last.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        });
    }
    out
}

/// `kling-v2-1-pro` -> `KlingV21Pro`.
fn type_name(operation_id: &str) -> String {
    operation_id
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(id: &str, model: &str, field: &str) -> Value {
        json!({
            "operationId": id, "summary": id,
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["model"],
                "properties": {"model": {"type": "string", "enum": [model]},
                               "input": {"type": "object", "properties": {field: {"type": "string"}}}}}}}},
            "responses": {"200": {"description": "ok"}}
        })
    }

    #[test]
    fn pages_of_two_models_become_one_operation_with_a_body_per_model() {
        let route = "/api/v1/jobs/createTask";
        let first = page("kling-v2-1-pro", "kling/v2-1-pro", "prompt");
        let second = page("kling-v2-1-standard", "kling/v2-1-standard", "image_url");
        let third = page("kling-3-0", "kling/3.0", "duration");
        let two = merge(route, &first, &second).expect("two models");
        let three = merge(route, &two, &third).expect("three models");
        assert_eq!(three["operationId"], "create_task");
        let members = three
            .pointer(BODY)
            .and_then(|b| b["oneOf"].as_array())
            .expect("oneOf");
        let titles: Vec<&str> = members.iter().filter_map(|m| m["title"].as_str()).collect();
        assert_eq!(titles, ["KlingV21Pro", "KlingV21Standard", "Kling30"]);
    }

    #[test]
    fn pages_that_differ_beyond_their_model_stay_apart() {
        let route = "/api/v1/jobs/createTask";
        let first = page("a", "m/a", "prompt");
        let mut second = page("b", "m/b", "prompt");
        second["parameters"] = json!([{"name": "q", "in": "query", "schema": {"type": "string"}}]);
        assert!(merge(route, &first, &second).is_none(), "parameters differ");
        let same_model = page("c", "m/a", "other");
        assert!(
            merge(route, &first, &same_model).is_none(),
            "one model twice"
        );
        let mut no_model = page("d", "m/d", "prompt");
        no_model["requestBody"]["content"]["application/json"]["schema"]["properties"]
            .as_object_mut()
            .expect("properties")
            .remove("model");
        assert!(merge(route, &first, &no_model).is_none(), "no model");
    }
}
