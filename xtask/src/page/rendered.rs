//! Form A: the docs site's rendered endpoint form (`paths: path: method:
//! request: response:`), which is not OpenAPI. It is decoded strictly (an
//! unknown key is an error, so a change of the rendered form cannot slip
//! through unnoticed) and turned into one OpenAPI 3.0 operation.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::SpecError;
use crate::schema;

use super::{Endpoint, Fence, Form};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rendered {
    paths: RenderedPath,
    #[serde(default)]
    components: Option<RenderedComponents>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderedComponents {
    #[serde(default)]
    schemas: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderedPath {
    path: String,
    method: String,
    #[serde(default)]
    servers: Vec<Value>,
    request: RenderedRequest,
    #[serde(default)]
    response: BTreeMap<String, BTreeMap<String, RenderedMedia>>,
    #[serde(default)]
    deprecated: bool,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderedRequest {
    #[serde(default)]
    security: Vec<RenderedSecurity>,
    parameters: RenderedParameters,
    #[serde(default)]
    body: BTreeMap<String, RenderedMedia>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderedSecurity {
    title: String,
    parameters: RenderedSecurityParameters,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderedSecurityParameters {
    #[serde(default)]
    query: Map<String, Value>,
    #[serde(default)]
    header: Map<String, Value>,
    #[serde(default)]
    cookie: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderedParameters {
    #[serde(default)]
    path: BTreeMap<String, RenderedParameter>,
    #[serde(default)]
    query: BTreeMap<String, RenderedParameter>,
    #[serde(default)]
    header: BTreeMap<String, RenderedParameter>,
    #[serde(default)]
    cookie: BTreeMap<String, RenderedParameter>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderedParameter {
    schema: Vec<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RenderedMedia {
    schema_array: Vec<Value>,
    #[serde(default)]
    examples: BTreeMap<String, RenderedExample>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    required_properties: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderedExample {
    value: Value,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// The docs site's placeholder for "some body we could not render"; it is not
/// a media type, so such a response is converted to one without content.
const PLACEHOLDER_MEDIA: &str = "_mintlify/placeholder";

/// Converts a form-A fence into its endpoint; an error names the fence's
/// line when it has none of its own.
pub(super) fn endpoint(path: &Path, fence: &Fence<'_>) -> Result<Endpoint, SpecError> {
    convert(path, fence).map_err(|e| e.at_line(fence.line))
}

fn convert(path: &Path, fence: &Fence<'_>) -> Result<Endpoint, SpecError> {
    let rendered: Rendered =
        serde_norway::from_str(fence.body).map_err(|e| fence.yaml_error(path, &e))?;
    if rendered
        .components
        .as_ref()
        .is_some_and(|c| !c.schemas.is_empty())
    {
        return Err(fence.unsupported(
            path,
            "components.schemas in a rendered page is not supported yet",
        ));
    }
    let p = rendered.paths;
    if p.kind != "path" {
        return Err(fence.unsupported(
            path,
            format!(
                "paths.type {:?} (only \"path\" endpoints are known)",
                p.kind
            ),
        ));
    }
    let method = p.method.to_ascii_lowercase();
    fence.check_header(path, &method, &p.path)?;
    if !super::is_method(&method) {
        return Err(fence.unsupported(path, format!("HTTP method {:?}", p.method)));
    }

    let mut operation = Map::new();
    if let Some(title) = fence.title {
        operation.insert("summary".into(), json!(title));
        operation.insert("operationId".into(), json!(operation_id(title)));
    }
    if let Some(description) = &fence.summary {
        operation.insert("description".into(), json!(description));
    }
    if p.deprecated {
        operation.insert("deprecated".into(), json!(true));
    }

    let parameters = parameters(path, &p.request.parameters)?;
    if !parameters.is_empty() {
        operation.insert("parameters".into(), Value::Array(parameters));
    }
    if !p.request.body.is_empty() {
        let mut content = Map::new();
        for (media_type, media) in &p.request.body {
            content.insert(media_type.clone(), media_object(path, media)?);
        }
        operation.insert(
            "requestBody".into(),
            json!({ "required": true, "content": content }),
        );
    }
    operation.insert("responses".into(), responses(path, &p.response)?);

    let (security, security_schemes) = security(path, &p.request.security)?;
    if !security.is_empty() {
        operation.insert("security".into(), Value::Array(security));
    }

    let mut components = Map::new();
    if !security_schemes.is_empty() {
        components.insert("securitySchemes".into(), Value::Object(security_schemes));
    }
    Ok(Endpoint {
        method,
        route: p.path,
        operation: Value::Object(operation),
        servers: p.servers,
        components,
        security: None,
        line: Some(fence.line),
        form: Form::Rendered,
    })
}

/// "Get Music Task Details" -> `get_music_task_details`.
pub fn operation_id(title: &str) -> String {
    let mut id = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !id.is_empty() {
            id.push('_');
        }
        id.push_str(&word.to_ascii_lowercase());
    }
    id
}

fn parameters(path: &Path, params: &RenderedParameters) -> Result<Vec<Value>, SpecError> {
    let mut out = Vec::new();
    for (location, set) in [
        ("path", &params.path),
        ("query", &params.query),
        ("header", &params.header),
        ("cookie", &params.cookie),
    ] {
        for (name, param) in set {
            let [schema] = param.schema.as_slice() else {
                return Err(SpecError::unsupported(
                    path,
                    format!(
                        "parameter {name:?} has {} schemas; exactly one is supported",
                        param.schema.len()
                    ),
                ));
            };
            let mut schema = schema.clone();
            // The rendered form keeps the parameter's own attributes inside
            // its schema; OpenAPI keeps them on the parameter.
            let required = match schema.remove("required") {
                None => location == "path",
                Some(Value::Bool(b)) => b || location == "path",
                Some(other) => {
                    return Err(SpecError::unsupported(
                        path,
                        format!("parameter {name:?}: `required: {other}` is not a boolean"),
                    ));
                }
            };
            let description = schema.remove("description");
            let mut parameter = Map::new();
            parameter.insert("name".into(), json!(name));
            parameter.insert("in".into(), json!(location));
            parameter.insert("required".into(), json!(required));
            if let Some(d) = description {
                parameter.insert("description".into(), d);
            }
            parameter.insert(
                "schema".into(),
                schema::normalize(path, Value::Object(schema))?,
            );
            out.push(Value::Object(parameter));
        }
    }
    Ok(out)
}

fn responses(
    path: &Path,
    response: &BTreeMap<String, BTreeMap<String, RenderedMedia>>,
) -> Result<Value, SpecError> {
    let mut out = Map::new();
    for (status, media) in response {
        let mut content = Map::new();
        let mut description = None;
        for (media_type, m) in media {
            description = description.or_else(|| m.description.clone());
            if media_type == PLACEHOLDER_MEDIA {
                continue;
            }
            content.insert(media_type.clone(), media_object(path, m)?);
        }
        let mut r = Map::new();
        r.insert(
            "description".into(),
            json!(description.unwrap_or_else(|| format!("HTTP {status}"))),
        );
        if !content.is_empty() {
            r.insert("content".into(), Value::Object(content));
        }
        out.insert(status.clone(), Value::Object(r));
    }
    if out.is_empty() {
        return Err(SpecError::unsupported(
            path,
            "the endpoint has no responses",
        ));
    }
    Ok(Value::Object(out))
}

fn media_object(path: &Path, media: &RenderedMedia) -> Result<Value, SpecError> {
    let mut schema = match media.schema_array.as_slice() {
        [] => json!({}),
        [one] => schema::normalize(path, one.clone())?,
        many => {
            let variants = many
                .iter()
                .map(|s| schema::normalize(path, s.clone()))
                .collect::<Result<Vec<_>, _>>()?;
            json!({ "oneOf": variants })
        }
    };
    if !media.required_properties.is_empty() {
        schema["required"] = json!(media.required_properties);
    }
    let mut out = Map::new();
    out.insert("schema".into(), schema);
    match media.examples.len() {
        0 => {}
        1 => {
            let (_, example) = media.examples.iter().next().expect("one example");
            out.insert("example".into(), example.value.clone());
        }
        _ => {
            let mut examples = Map::new();
            for (name, e) in &media.examples {
                let mut ex = Map::new();
                ex.insert("value".into(), e.value.clone());
                if let Some(s) = &e.summary {
                    ex.insert("summary".into(), json!(s));
                }
                if let Some(d) = &e.description {
                    ex.insert("description".into(), json!(d));
                }
                examples.insert(name.clone(), Value::Object(ex));
            }
            out.insert("examples".into(), Value::Object(examples));
        }
    }
    Ok(Value::Object(out))
}

/// The rendered form inlines each security scheme with its options; OpenAPI
/// names the scheme once in `components.securitySchemes` and refers to it.
fn security(
    path: &Path,
    options: &[RenderedSecurity],
) -> Result<(Vec<Value>, Map<String, Value>), SpecError> {
    let mut requirements = Vec::new();
    let mut schemes = Map::new();
    for option in options {
        let p = &option.parameters;
        let mut all = Vec::new();
        for (location, set) in [
            ("query", &p.query),
            ("header", &p.header),
            ("cookie", &p.cookie),
        ] {
            for (name, scheme) in set {
                all.push((location, name, scheme));
            }
        }
        let [(location, name, scheme)] = all.as_slice() else {
            return Err(SpecError::unsupported(
                path,
                format!(
                    "security option {:?} has {} parameters; exactly one is supported",
                    option.title,
                    all.len()
                ),
            ));
        };
        let mut scheme = scheme.as_object().cloned().ok_or_else(|| {
            SpecError::unsupported(path, format!("security scheme {name:?} is not a mapping"))
        })?;
        if scheme.get("type").and_then(Value::as_str) == Some("apiKey") {
            scheme.insert("in".into(), json!(location));
            scheme.insert("name".into(), json!(name));
        }
        schemes.insert(option.title.clone(), Value::Object(scheme));
        requirements.push(json!({ option.title.clone(): [] }));
    }
    Ok((requirements, schemes))
}
