//! OpenAPI 3.1 -> 3.0, where the change is mechanical: `type: [X, "null"]`
//! becomes `type: X` + `nullable` (`type: "null"` alone: no type, nullable), `const` a one-value `enum`, a schema's
//! `examples` list its `example`, numeric `exclusiveMinimum`/`Maximum` the
//! 3.0 boolean form. Anything else 3.1-only is refused, naming where.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::error::SpecError;

/// Keywords with no 3.0 equivalent.
const NOT_MECHANICAL: &[&str] = &[
    "prefixItems",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "patternProperties",
    "contains",
    "$defs",
    "$dynamicRef",
];

/// Converts a 3.1 document in place, or says what cannot be converted.
pub fn to_openapi_30(path: &Path, doc: &mut Value) -> Result<(), SpecError> {
    let refuse = |what: String| {
        SpecError::unsupported(path, format!("cannot down-convert OpenAPI 3.1: {what}"))
    };
    let Some(map) = doc.as_object_mut() else {
        return Err(refuse("the document is not a mapping".into()));
    };
    if map
        .get("webhooks")
        .and_then(Value::as_object)
        .is_some_and(|w| !w.is_empty())
    {
        return Err(refuse("webhooks have no OpenAPI 3.0 form".into()));
    }
    map.remove("webhooks");
    map.remove("jsonSchemaDialect");
    map.insert("openapi".into(), json!("3.0.3"));
    if let Some(license) = map
        .get_mut("info")
        .and_then(|i| i.get_mut("license"))
        .and_then(Value::as_object_mut)
    {
        license.remove("identifier");
    }
    let mut problems = Vec::new();
    if let Some(schemas) = map
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            convert_schema(schema, &format!("components.schemas.{name}"), &mut problems);
        }
    }
    if let Some(paths) = map.get_mut("paths").and_then(Value::as_object_mut) {
        for (route, item) in paths.iter_mut() {
            walk_for_schemas(item, route, &mut problems);
        }
    }
    match problems.is_empty() {
        true => Ok(()),
        false => Err(refuse(problems.join("; "))),
    }
}

/// Finds the `schema` objects under an operation (parameters, bodies,
/// responses, headers) and converts each.
fn walk_for_schemas(value: &mut Value, at: &str, problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let here = format!("{at}.{key}");
                if key == "schema" {
                    convert_schema(child, &here, problems);
                } else {
                    walk_for_schemas(child, &here, problems);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                walk_for_schemas(child, &format!("{at}[{i}]"), problems);
            }
        }
        _ => {}
    }
}

/// Converts one schema and everything below it; what has no 3.0 form is
/// added to `problems`, located by `at`.
pub(crate) fn convert_schema(schema: &mut Value, at: &str, problems: &mut Vec<String>) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    for keyword in NOT_MECHANICAL {
        if map.contains_key(*keyword) {
            problems.push(format!("`{keyword}` at {at}"));
        }
    }
    if map.get("type").and_then(Value::as_str) == Some("null") {
        // Only null: 3.0 cannot say it; any value, possibly null, is the
        // nearest it can (the generated type holds what comes).
        map.remove("type");
        map.insert("nullable".into(), json!(true));
    }
    if let Some(Value::Array(types)) = map.get("type").cloned() {
        let non_null: Vec<&Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .collect();
        match non_null.as_slice() {
            [one] => {
                map.insert("type".into(), (*one).clone());
                if non_null.len() < types.len() {
                    map.insert("nullable".into(), json!(true));
                }
            }
            [] => {
                map.remove("type");
                map.insert("nullable".into(), json!(true));
            }
            _ => problems.push(format!(
                "`type: {}` (several types) at {at}",
                Value::Array(types.clone())
            )),
        }
    }
    if let Some(value) = map.remove("const") {
        map.insert("enum".into(), json!([value]));
    }
    if let Some(Value::Array(mut examples)) = map.remove("examples")
        && !examples.is_empty()
    {
        map.entry("example")
            .or_insert_with(|| examples.swap_remove(0));
    }
    for (bound, exclusive) in [
        ("minimum", "exclusiveMinimum"),
        ("maximum", "exclusiveMaximum"),
    ] {
        if let Some(limit @ Value::Number(_)) = map.get(exclusive).cloned() {
            map.insert(bound.into(), limit);
            map.insert(exclusive.into(), json!(true));
        }
    }
    convert_children(map, at, problems);
}

fn convert_children(map: &mut Map<String, Value>, at: &str, problems: &mut Vec<String>) {
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            convert_schema(property, &format!("{at}.{name}"), problems);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child @ Value::Object(_)) = map.get_mut(key) {
            convert_schema(child, &format!("{at}.{key}"), problems);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(children)) = map.get_mut(key) {
            for (i, child) in children.iter_mut().enumerate() {
                convert_schema(child, &format!("{at}.{key}[{i}]"), problems);
            }
        }
    }
}
