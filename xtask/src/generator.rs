//! What the client generator (progenitor, with typify) cannot take, found
//! in the fixed document before it is written: without this check, such a
//! page passes `cargo xtask spec` and then stops the `sdk` build with the
//! generator's own assertion (`response_types.len() <= 1`, "missing
//! operation ID", "invalid type: null", ...). Each problem names the
//! operation or the schema, and what the generator takes instead; the
//! remedy is a fix-up, or leaving the page out.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::document::local_ref as resolve;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The request body media types the generator builds a body for.
const BODY_TYPES: [&str; 5] = [
    "application/json",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "text/plain",
    "text/x-markdown",
];

/// The security scheme types of OpenAPI 3.0.
const SCHEME_TYPES: [&str; 4] = ["apiKey", "http", "oauth2", "openIdConnect"];

/// Every problem of `doc` the generator would stop at, in document order.
pub fn problems(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (route, item) in paths {
            for method in METHODS {
                if let Some(operation) = item.get(method) {
                    let name = format!("{} {route}", method.to_ascii_uppercase());
                    operation_problems(doc, &name, operation, &mut found);
                }
            }
        }
    }
    null_types(doc, "$", &mut found);
    if let Some(schemes) = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    {
        for (name, scheme) in schemes {
            let kind = scheme.get("type").and_then(Value::as_str).unwrap_or("");
            if !SCHEME_TYPES.contains(&kind) {
                found.push(format!(
                    "security scheme {name}: type {kind:?} is not one of OpenAPI 3.0's ({}); \
                     a bearer token is `type: http, scheme: bearer`: mend it with a fix-up: \
                     target: $.components.securitySchemes.{name}, update: {{type: http}}",
                    SCHEME_TYPES.join(", ")
                ));
            }
        }
    }
    found
}

fn operation_problems(doc: &Value, name: &str, operation: &Value, found: &mut Vec<String>) {
    let has_id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .is_some_and(|id| !id.trim().is_empty());
    if !has_id {
        let (method, route) = name.split_once(' ').unwrap_or((name, ""));
        found.push(format!(
            "{name}: no operationId (the generator names each method after it); mend it with \
             a fix-up: target: $.paths['{route}'].{}, update: {{operationId: <a name>}}",
            method.to_ascii_lowercase()
        ));
    }
    if let Some(body) = operation.get("requestBody").map(|b| resolve(doc, b)) {
        let content = body.get("content").and_then(Value::as_object);
        let types: Vec<&String> = content.map(|c| c.keys().collect()).unwrap_or_default();
        if types.len() > 1 {
            found.push(format!(
                "{name}: a request body in {} media types ({}); the generator takes one",
                types.len(),
                join(&types)
            ));
        }
        for media in types {
            let bare = media.split(';').next().unwrap_or("").trim();
            if !BODY_TYPES.contains(&bare) {
                found.push(format!(
                    "{name}: a request body of type {media} (the generator takes {}); no \
                     fix-up mends it: leave the page out",
                    BODY_TYPES.join(", ")
                ));
            }
        }
    }
    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        return;
    };
    // The body each status answers with, for successes and for errors:
    // the generator gives each side one type.
    let mut success: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut failure: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (status, response) in responses {
        let response = resolve(doc, response);
        let kind = match response_kind(response, status) {
            Ok(kind) => kind,
            Err(problem) => {
                found.push(format!("{name} {status}: {problem}"));
                continue;
            }
        };
        let is_default = status == "default";
        if is_default || status.starts_with('2') || status == "101" {
            success.entry(kind.clone()).or_default().push(status);
        }
        if is_default || status.starts_with('4') || status.starts_with('5') {
            failure.entry(kind).or_default().push(status);
        }
    }
    // Beside a 2XX range, the generator drops `default` from the successes
    // (it would never be reached).
    let has_range = responses.keys().any(|s| s.eq_ignore_ascii_case("2XX"));
    if has_range {
        for statuses in success.values_mut() {
            statuses.retain(|s| *s != "default");
        }
        success.retain(|_, statuses| !statuses.is_empty());
    }
    for (side, kinds) in [("success", &success), ("error", &failure)] {
        if kinds.len() > 1 {
            let listed: Vec<String> = kinds
                .iter()
                .map(|(kind, statuses)| format!("{} {}", statuses.join("/"), describe(kind)))
                .collect();
            found.push(format!(
                "{name}: its {side} responses have {} different bodies ({}); the generator \
                 takes one body per side (give them one schema, or none): mend it with a \
                 fix-up removing the others' bodies, e.g. target: \
                 $.paths['<route>'].<method>.responses['<status>'].content, remove: true",
                kinds.len(),
                listed.join("; ")
            ));
        }
    }
}

/// What a response answers with, as the generator tells bodies apart: a
/// JSON schema (by its text), an upgrade, a raw body, or nothing.
fn response_kind(response: &Value, status: &str) -> Result<String, String> {
    let content = response.get("content").and_then(Value::as_object);
    let json = content.and_then(|c| {
        c.iter().find_map(|(media, v)| {
            (media == "application/json" || media.starts_with("application/json;")).then_some(v)
        })
    });
    if let Some(media) = json {
        if media
            .get("encoding")
            .and_then(Value::as_object)
            .is_some_and(|e| !e.is_empty())
        {
            return Err("a JSON response with an `encoding` (the generator takes none)".into());
        }
        let Some(schema) = media.get("schema") else {
            return Err("a JSON response without a schema".into());
        };
        return Ok(format!("json {schema}"));
    }
    Ok(match content.and_then(|c| c.keys().next()) {
        _ if status == "101" => "upgrade".to_owned(),
        Some(media) => format!("raw {media}"),
        None => "none".to_owned(),
    })
}

fn describe(kind: &str) -> String {
    match kind.split_once(' ') {
        Some(("json", schema)) => match serde_json::from_str::<Value>(schema) {
            Ok(Value::Object(o)) if o.contains_key("$ref") => {
                format!("JSON {}", o["$ref"].as_str().unwrap_or("schema"))
            }
            _ => "JSON (an inline schema)".to_owned(),
        },
        Some(("raw", media)) => media.to_owned(),
        _ => kind.to_owned(),
    }
}

/// Every `type: null` (OpenAPI 3.1's), with where it is.
fn null_types(value: &Value, at: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let null = |t: &Value| t.as_str() == Some("null");
            let is_null = map
                .get("type")
                .is_some_and(|t| null(t) || t.as_array().is_some_and(|list| list.iter().any(null)));
            if is_null {
                found.push(format!(
                    "{at}: type null is OpenAPI 3.1's; in 3.0 a schema says `nullable: true`"
                ));
            }
            for (key, child) in map {
                // Examples are data, not schemas.
                if key == "example" || key == "examples" {
                    continue;
                }
                null_types(child, &format!("{at}.{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                null_types(child, &format!("{at}[{i}]"), found);
            }
        }
        _ => {}
    }
}

fn join(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(operation: Value) -> Value {
        json!({"openapi": "3.0.3", "paths": {"/api/v1/x": {"post": operation}}})
    }

    #[test]
    fn the_workspaces_own_description_has_none() {
        let text = std::fs::read_to_string(crate::workspace_root().join("sdk/openapi.json"))
            .expect("sdk/openapi.json");
        let doc: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(problems(&doc), Vec::<String>::new());
    }

    #[test]
    fn error_responses_with_different_bodies_are_named() {
        let found = problems(&doc(json!({
            "operationId": "x",
            "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {"description": "bad", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Bad"}}}},
                "500": {"description": "down", "content": {"text/html": {}}}
            }
        })));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("POST /api/v1/x: its error responses have 2 different bodies (400 JSON #/components/schemas/Bad; 500 text/html)"),
            "{found:?}"
        );
    }

    #[test]
    fn an_event_stream_beside_json_is_named() {
        let found = problems(&doc(json!({
            "operationId": "x",
            "responses": {
                "200": {"description": "ok", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                "201": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
            }
        })));
        assert!(
            found[0].contains("success responses have 2 different bodies"),
            "{found:?}"
        );
        assert!(found[0].contains("text/event-stream"), "{found:?}");
    }

    #[test]
    fn a_missing_operation_id_a_multipart_body_and_a_null_type_are_named() {
        let mut d = doc(json!({
            "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"gone": {"type": "null"}, "maybe": {"type": ["string", "null"]}},
                "example": {"type": "null"}
            }}}}}
        }));
        d["components"] = json!({"securitySchemes": {"Key": {"type": "bearer"}}});
        let found = problems(&d);
        assert!(
            found.iter().any(|p| p.starts_with(
                "POST /api/v1/x: no operationId (the generator names each method after it); \
                 mend it with a fix-up: target: $.paths['/api/v1/x'].post, update: {operationId:"
            )),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("a request body of type multipart/form-data")),
            "{found:?}"
        );
        let nulls: Vec<_> = found.iter().filter(|p| p.contains("type null")).collect();
        assert_eq!(
            nulls.len(),
            2,
            "the two schemas, not the example: {found:?}"
        );
        assert!(nulls[0].contains(".properties.gone:"), "{nulls:?}");
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("security scheme Key: type \"bearer\"")),
            "{found:?}"
        );
    }

    #[test]
    fn a_default_beside_a_success_range_is_not_a_success_body() {
        let found = problems(&doc(json!({
            "operationId": "x",
            "responses": {
                "2XX": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
                "default": {"description": "?"}
            }
        })));
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn the_same_body_on_every_error_status_is_one_body_and_a_bare_default_another() {
        let bad = json!({"description": "bad", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Bad"}}}});
        let mut responses = json!({"200": {"description": "ok"}, "400": bad.clone(), "401": bad});
        let one = problems(&doc(
            json!({"operationId": "x", "responses": responses.clone()}),
        ));
        assert_eq!(one, Vec::<String>::new());
        // `default` counts on both sides: on errors, no body beside Bad.
        responses["default"] = json!({"description": "?"});
        let two = problems(&doc(json!({"operationId": "x", "responses": responses})));
        assert_eq!(two.len(), 1, "{two:?}");
        assert!(
            two[0].contains("error responses have 2 different bodies"),
            "{two:?}"
        );
    }
}
