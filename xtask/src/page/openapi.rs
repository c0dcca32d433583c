//! Forms B and C, and OpenAPI files on their own: a whole OpenAPI 3.0.x
//! document, read into its endpoints. Keys OpenAPI 3.0 does not define are
//! errors naming their line (extensions `x-...` excepted); the export tool's
//! own bookkeeping (`x-apidog-*`, `x-run-in-apidog`) is dropped, as it
//! describes the docs site, not the API.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Place, SpecError};

use super::{Endpoint, Fence, Form};

const TOP_LEVEL: &[&str] = &[
    "openapi",
    "info",
    "servers",
    "paths",
    "components",
    "security",
    "tags",
    "externalDocs",
];
const PATH_ITEM: &[&str] = &["summary", "description", "servers", "parameters"];
const OPERATION: &[&str] = &[
    "tags",
    "summary",
    "description",
    "externalDocs",
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "callbacks",
    "deprecated",
    "security",
    "servers",
];
const COMPONENTS: &[&str] = &[
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
];

/// Whether a fence body is a whole document (it has a top-level `openapi`).
pub(super) fn holds_document(body: &str) -> bool {
    body.lines()
        .any(|l| l.starts_with("openapi:") || l.starts_with("swagger:"))
}

/// The endpoints of the document in a form B or C fence.
pub(super) fn endpoints(
    path: &Path,
    fence: &Fence<'_>,
    form: Form,
) -> Result<Vec<Endpoint>, SpecError> {
    let doc: Value = serde_norway::from_str(fence.body).map_err(|e| fence.yaml_error(path, &e))?;
    let endpoints = read_document(path, doc, form, &|key| Some(fence.line_of_key(key)))?;
    let Some(first) = endpoints.first() else {
        return Err(fence.unsupported(path, "the document holds no operation"));
    };
    if form == Form::HeaderedDocument {
        if endpoints.len() > 1 {
            return Err(fence.unsupported(
                path,
                format!(
                    "the fence names one endpoint but the document holds {}",
                    endpoints.len()
                ),
            ));
        }
        fence.check_header(path, &first.method, &first.route)?;
    }
    Ok(endpoints
        .into_iter()
        .map(|e| Endpoint {
            line: Some(fence.line),
            ..e
        })
        .collect())
}

/// The endpoints of a whole document. `line_of` finds the line of a key,
/// where lines are known.
pub fn read_document(
    path: &Path,
    doc: Value,
    form: Form,
    line_of: &dyn Fn(&str) -> Option<usize>,
) -> Result<Vec<Endpoint>, SpecError> {
    let at = |key: &str| Place {
        path: path.to_path_buf(),
        line: line_of(key),
    };
    let mut doc = match strip_docs_tool_keys(doc) {
        Value::Object(map) => map,
        _ => {
            return Err(SpecError::Unsupported {
                place: at("openapi"),
                what: "the document is not a mapping".into(),
            });
        }
    };
    check_version(&doc, at("openapi"))?;
    check_keys(&doc, TOP_LEVEL, "the document", &at)?;
    let servers = match doc.remove("servers") {
        Some(Value::Array(servers)) => servers,
        _ => Vec::new(),
    };
    let security = doc.remove("security");
    let mut components = match doc.remove("components") {
        Some(Value::Object(components)) => components,
        _ => Map::new(),
    };
    check_keys(&components, COMPONENTS, "components", &at)?;
    components.retain(|_, v| v.as_object().is_none_or(|m| !m.is_empty()));

    let mut out = Vec::new();
    let Some(Value::Object(paths)) = doc.remove("paths") else {
        return Ok(out);
    };
    for (route, item) in paths {
        let Value::Object(mut item) = item else {
            return Err(SpecError::Unsupported {
                place: at(&route),
                what: format!("paths.{route} is not a mapping"),
            });
        };
        let shared = item.remove("parameters");
        for (method, operation) in item {
            if PATH_ITEM.contains(&method.as_str()) || method.starts_with("x-") {
                continue;
            }
            let lower = method.to_ascii_lowercase();
            if !super::is_method(&lower) {
                return Err(SpecError::Unsupported {
                    place: at(&method),
                    what: format!(
                        "paths.{route}: `{method}` is not an HTTP method or a path item field"
                    ),
                });
            }
            let Value::Object(mut operation) = operation else {
                return Err(SpecError::Unsupported {
                    place: at(&method),
                    what: format!("{} {route} is not a mapping", lower.to_ascii_uppercase()),
                });
            };
            check_keys(
                &operation,
                OPERATION,
                &format!("{} {route}", lower.to_ascii_uppercase()),
                &at,
            )?;
            if let Some(Value::Array(shared)) = &shared {
                let own = operation
                    .entry("parameters")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(own) = own {
                    own.extend(shared.iter().cloned());
                }
            }
            out.push(Endpoint {
                method: lower,
                route: route.clone(),
                operation: Value::Object(operation),
                servers: servers.clone(),
                components: components.clone(),
                security: security.clone(),
                line: None,
                form,
            });
        }
    }
    Ok(out)
}

/// Accepts OpenAPI 3.0.x and names whatever else was found.
fn check_version(doc: &Map<String, Value>, place: Place) -> Result<(), SpecError> {
    let plain = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    let found = match (doc.get("openapi"), doc.get("swagger")) {
        (Some(Value::String(v)), _) if v.starts_with("3.0.") => return Ok(()),
        (Some(v), _) => format!("OpenAPI {}", plain(v)),
        (None, Some(v)) => format!("Swagger (OpenAPI) {}", plain(v)),
        (None, None) => "no `openapi` version field".to_owned(),
    };
    Err(SpecError::WrongOpenApiVersion { place, found })
}

fn check_keys(
    map: &Map<String, Value>,
    known: &[&str],
    what: &str,
    at: &dyn Fn(&str) -> Place,
) -> Result<(), SpecError> {
    match map
        .keys()
        .find(|k| !known.contains(&k.as_str()) && !k.starts_with("x-"))
    {
        Some(key) => Err(SpecError::Unsupported {
            place: at(key),
            what: format!("`{key}` in {what} is not an OpenAPI 3.0 field"),
        }),
        None => Ok(()),
    }
}

/// The document without the export tool's bookkeeping keys.
fn strip_docs_tool_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !k.starts_with("x-apidog") && k != "x-run-in-apidog")
                .map(|(k, v)| (k, strip_docs_tool_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_docs_tool_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(doc: Value) -> Result<Vec<Endpoint>, SpecError> {
        read_document(Path::new("d.yaml"), doc, Form::Document, &|_| None)
    }

    #[test]
    fn every_operation_is_read_with_the_documents_servers_and_components() {
        let doc = json!({
            "openapi": "3.0.1",
            "servers": [{"url": "https://api.kie.ai"}],
            "paths": {
                "/a": {"get": {"responses": {}}, "post": {"responses": {}, "x-apidog-folder": "f"}},
            },
            "components": {"schemas": {}, "securitySchemes": {"B": {"type": "http", "scheme": "bearer"}}},
        });
        let endpoints = read(doc).expect("reads");
        assert_eq!(endpoints.len(), 2);
        assert_eq!(endpoints[1].operation, json!({"responses": {}}));
        assert_eq!(
            endpoints[0].servers,
            vec![json!({"url": "https://api.kie.ai"})]
        );
        assert!(endpoints[0].components.contains_key("securitySchemes"));
        assert!(
            !endpoints[0].components.contains_key("schemas"),
            "empty maps dropped"
        );
    }

    #[test]
    fn an_unknown_field_is_refused_by_name() {
        let doc =
            json!({"openapi": "3.0.1", "paths": {"/a": {"get": {"responses": {}, "webhooks": 1}}}});
        let e = read(doc).expect_err("unknown");
        assert!(e.to_string().contains("`webhooks` in GET /a"), "{e}");
    }

    #[test]
    fn only_openapi_30_is_read() {
        let e = read(json!({"openapi": "3.1.0", "paths": {}})).expect_err("3.1");
        assert!(e.to_string().contains("found OpenAPI 3.1.0"), "{e}");
    }
}
