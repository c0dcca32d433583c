//! Turning the docs site's rendered schemas into OpenAPI 3.0 schemas.
//!
//! The rendered form differs from OpenAPI in three mechanical ways: every
//! property is wrapped in a one-member `allOf`, "no type" is written
//! `type: any`, and a property says `required: true` itself instead of being
//! listed in its parent's `required`. Everything else passes through.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::SpecError;

/// Normalizes one rendered schema (and everything below it).
pub fn normalize(path: &Path, schema: Value) -> Result<Value, SpecError> {
    let Value::Object(mut map) = schema else {
        return Err(SpecError::unsupported(
            path,
            format!("a schema must be a mapping, found {schema}"),
        ));
    };

    // A one-member allOf only wraps: lift the member, letting the wrapper's
    // own keys (a description, say) win.
    if let Some(Value::Array(members)) = map.get("allOf")
        && let [Value::Object(member)] = members.as_slice()
    {
        let member = member.clone();
        map.remove("allOf");
        for (k, v) in member {
            map.entry(k).or_insert(v);
        }
    }

    if map.get("type").and_then(Value::as_str) == Some("any") {
        map.remove("type");
    }

    if let Some(Value::Object(properties)) = map.remove("properties") {
        let mut required: Vec<Value> = match map.remove("required") {
            Some(Value::Array(names)) => names,
            _ => Vec::new(),
        };
        let mut normalized = Map::new();
        for (name, property) in properties {
            let mut property = normalize(path, property)?;
            if let Some(flag) = property.as_object_mut().and_then(|p| p.remove("required")) {
                match flag {
                    Value::Bool(true) => required.push(Value::String(name.clone())),
                    Value::Bool(false) => {}
                    other => {
                        return Err(SpecError::unsupported(
                            path,
                            format!("property {name:?}: `required: {other}` is not a boolean"),
                        ));
                    }
                }
            }
            normalized.insert(name, property);
        }
        map.insert("properties".into(), Value::Object(normalized));
        if !required.is_empty() {
            map.insert("required".into(), Value::Array(required));
        }
    }

    for key in ["items", "not"] {
        if let Some(inner) = map.remove(key) {
            map.insert(key.into(), normalize(path, inner)?);
        }
    }
    if let Some(inner @ Value::Object(_)) = map.get("additionalProperties").cloned() {
        map.insert("additionalProperties".into(), normalize(path, inner)?);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(members)) = map.remove(key) {
            let members = members
                .into_iter()
                .map(|m| normalize(path, m))
                .collect::<Result<Vec<_>, _>>()?;
            map.insert(key.into(), Value::Array(members));
        }
    }
    Ok(Value::Object(map))
}
