//! Checking the pages' own examples against their schemas, as strictly as
//! the generated code decodes: an enum value not listed, a `date-time` that
//! is not RFC 3339, a null where the schema is not nullable, a number where
//! a string is declared. A problem in the raw pages is where the next
//! fix-up is needed; one left after the fix-ups means the generated crate
//! would reject the provider's own example.

use std::fmt;

use serde_json::Value;

/// One example value the generated code would reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleProblem {
    /// `operationId` and response, e.g. `get_music_task_details 200`.
    pub operation: String,
    /// Method, route and response, e.g. `GET /api/v1/generate/record-info
    /// 200`: what stays when a page renames its operation.
    pub endpoint: String,
    /// JSON path into the example, e.g. `$.data.type`.
    pub path: String,
    /// The offending value (shortened).
    pub value: String,
    /// What is wrong.
    pub problem: String,
}

impl ExampleProblem {
    /// The same problem in the same example, whatever the operation is
    /// named.
    pub fn same_as(&self, other: &ExampleProblem) -> bool {
        (&self.endpoint, &self.path, &self.value, &self.problem)
            == (&other.endpoint, &other.path, &other.value, &other.problem)
    }
}

impl fmt::Display for ExampleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} ({})",
            self.operation, self.path, self.problem, self.value
        )
    }
}

/// Every problem in every example of `doc`.
pub fn check(doc: &Value) -> Vec<ExampleProblem> {
    let mut problems = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return problems;
    };
    for (route, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let name = op.get("operationId").and_then(Value::as_str).map_or_else(
                || format!("{} {route}", method.to_uppercase()),
                str::to_owned,
            );
            let endpoint = format!("{} {route}", method.to_uppercase());
            let mut media = Vec::new();
            if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                for (status, response) in responses {
                    media.push((status.as_str(), response.get("content")));
                }
            }
            media.push(("request", op.pointer("/requestBody/content")));
            for (part, content) in media {
                let (label, endpoint) = (format!("{name} {part}"), format!("{endpoint} {part}"));
                let Some(content) = content.and_then(Value::as_object) else {
                    continue;
                };
                for entry in content.values() {
                    let Some(schema) = entry.get("schema") else {
                        continue;
                    };
                    let mut examples: Vec<&Value> = entry.get("example").into_iter().collect();
                    if let Some(named) = entry.get("examples").and_then(Value::as_object) {
                        examples.extend(named.values().filter_map(|e| e.get("value")));
                    }
                    for example in examples {
                        let mut check = Checker {
                            doc,
                            operation: &label,
                            endpoint: &endpoint,
                            problems: &mut problems,
                        };
                        check.value(schema, example, "$".to_owned());
                    }
                }
            }
        }
    }
    problems
}

struct Checker<'a> {
    doc: &'a Value,
    operation: &'a str,
    endpoint: &'a str,
    problems: &'a mut Vec<ExampleProblem>,
}

impl Checker<'_> {
    fn problem(&mut self, path: &str, value: &Value, problem: impl Into<String>) {
        let mut shown = value.to_string();
        if shown.chars().count() > 60 {
            shown = shown.chars().take(57).collect::<String>() + "...";
        }
        self.problems.push(ExampleProblem {
            operation: self.operation.to_owned(),
            endpoint: self.endpoint.to_owned(),
            path: path.to_owned(),
            value: shown,
            problem: problem.into(),
        });
    }

    fn value(&mut self, schema: &Value, value: &Value, path: String) {
        let Some(schema) = resolve(self.doc, schema) else {
            self.problem(&path, value, "the schema's $ref does not resolve");
            return;
        };
        if value.is_null() {
            if schema.get("nullable") != Some(&Value::Bool(true))
                && !schema.as_object().is_some_and(|s| s.is_empty())
            {
                self.problem(&path, value, "null where the schema is not nullable");
            }
            return;
        }
        if let Some(variants) = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array)
        {
            let fits = variants.iter().any(|variant| {
                let mut scratch = Vec::new();
                Checker {
                    doc: self.doc,
                    operation: self.operation,
                    endpoint: self.endpoint,
                    problems: &mut scratch,
                }
                .value(variant, value, path.clone());
                scratch.is_empty()
            });
            if !fits {
                self.problem(&path, value, "matches none of the oneOf schemas");
            }
            return;
        }
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.value(part, value, path.clone());
        }
        if let Some(kind) = schema.get("type").and_then(Value::as_str)
            && !is_type(kind, value)
        {
            self.problem(
                &path,
                value,
                format!(
                    "{} where {} {kind} is declared",
                    describe(value),
                    article(kind)
                ),
            );
            return;
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
            self.problem(
                &path,
                value,
                format!("not one of the enum values [{}]", list.join(", ")),
            );
        }
        match (schema.get("format").and_then(Value::as_str), value) {
            (Some("date-time"), Value::String(text))
                if chrono::DateTime::parse_from_rfc3339(text).is_err() =>
            {
                self.problem(&path, value, "a date-time that is not RFC 3339");
            }
            (Some("int32"), Value::Number(n))
                if n.as_i64().is_none_or(|i| i32::try_from(i).is_err()) =>
            {
                self.problem(&path, value, "outside the int32 range");
            }
            _ => {}
        }
        match value {
            Value::Object(map) => {
                let properties = schema.get("properties").and_then(Value::as_object);
                for (key, field) in map {
                    match properties.and_then(|p| p.get(key)) {
                        Some(property) => self.value(property, field, format!("{path}.{key}")),
                        None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                            self.problem(
                                &format!("{path}.{key}"),
                                field,
                                "a property the schema does not allow",
                            );
                        }
                        None => {}
                    }
                }
                for name in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(name) = name.as_str()
                        && !map.contains_key(name)
                    {
                        self.problem(
                            &format!("{path}.{name}"),
                            &Value::Null,
                            "a required property is missing",
                        );
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.value(item_schema, item, format!("{path}[{i}]"));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Follows a local `$ref`.
fn resolve<'s>(doc: &'s Value, schema: &'s Value) -> Option<&'s Value> {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference.strip_prefix('#').and_then(|p| doc.pointer(p)),
        None => Some(schema),
    }
}

fn is_type(kind: &str, value: &Value) -> bool {
    match kind {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => true,
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "a null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn article(kind: &str) -> &'static str {
    if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
