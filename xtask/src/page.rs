//! Reading one provider page: the docs site's Markdown endpoint page, which
//! embeds the endpoint in a rendered form of its own (not OpenAPI). This
//! module finds that block, decodes it strictly (an unknown key is an error,
//! so a change of the rendered form cannot slip through unnoticed) and turns
//! it into one OpenAPI 3.0 operation.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::SpecError;
use crate::schema;

/// One operation read from a page, ready to be merged into a document.
#[derive(Debug)]
pub struct PageOperation {
    pub method: String,
    pub route: String,
    pub operation: Value,
    pub servers: Vec<Value>,
    pub security_schemes: Map<String, Value>,
}

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

/// Parses a provider page into one operation.
pub fn parse(path: &Path, text: &str) -> Result<PageOperation, SpecError> {
    let (block, header) = yaml_block(path, text)?;
    let rendered: Rendered = serde_norway::from_str(block).map_err(|source| SpecError::Yaml {
        path: path.to_path_buf(),
        source,
    })?;
    if rendered
        .components
        .as_ref()
        .is_some_and(|c| !c.schemas.is_empty())
    {
        return Err(SpecError::unsupported(
            path,
            "components.schemas in a page is not supported yet",
        ));
    }
    let p = rendered.paths;
    if p.kind != "path" {
        return Err(SpecError::unsupported(
            path,
            format!(
                "paths.type {:?} (only \"path\" endpoints are known)",
                p.kind
            ),
        ));
    }
    let method = p.method.to_ascii_lowercase();
    // The fence says which endpoint the block renders; a mismatch means the
    // page was assembled wrongly, and trusting either half would be a guess.
    if let [_file, fence_method, fence_route] = header.split_whitespace().collect::<Vec<_>>()[..]
        && (!fence_method.eq_ignore_ascii_case(&method) || fence_route != p.path)
    {
        return Err(SpecError::unsupported(
            path,
            format!(
                "the fence names {fence_method} {fence_route} but the block renders {} {}",
                p.method, p.path
            ),
        ));
    }
    if !matches!(
        method.as_str(),
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    ) {
        return Err(SpecError::unsupported(
            path,
            format!("HTTP method {:?}", p.method),
        ));
    }

    let mut operation = Map::new();
    if let Some(title) = title(text) {
        operation.insert("summary".into(), json!(title));
        operation.insert("operationId".into(), json!(operation_id(&title)));
    }
    if let Some(description) = blockquote(text) {
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

    Ok(PageOperation {
        method,
        route: p.path,
        operation: Value::Object(operation),
        servers: p.servers,
        security_schemes,
    })
}

/// Finds the one fenced block that opens with ```` ```yaml <file> <method> <path> ````.
/// Returns its body and the words after `yaml`.
fn yaml_block<'a>(path: &Path, text: &'a str) -> Result<(&'a str, &'a str), SpecError> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        let ticks = trimmed.len() - trimmed.trim_start_matches('`').len();
        if ticks >= 3
            && let Some(header) = trimmed[ticks..].strip_prefix("yaml ")
        {
            let start = offset + line.len();
            let fence = &trimmed[..ticks];
            let mut end = start;
            for body_line in text[start..].split_inclusive('\n') {
                if body_line.trim_end() == fence {
                    return Ok((&text[start..end], header.trim()));
                }
                end += body_line.len();
            }
            return Err(SpecError::UnclosedYamlBlock {
                path: path.to_path_buf(),
            });
        }
        offset += line.len();
    }
    Err(SpecError::NoYamlBlock {
        path: path.to_path_buf(),
    })
}

/// The page's `# Title` line.
fn title(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The `> summary` paragraph under the title.
fn blockquote(text: &str) -> Option<String> {
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("> "))
        .take_while(|l| l.starts_with('>'))
        .map(|l| l.trim_start_matches('>').trim())
        .collect();
    let joined = lines.join(" ").trim().to_string();
    (!joined.is_empty()).then_some(joined)
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
