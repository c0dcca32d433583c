//! The canonical form of an endpoint, computed from every page before the
//! pages are merged, fixed up or compared: one API says one shape however
//! the provider's export tool wrote it, so that one fix-up covers every
//! export form of a page and a re-export that changes nothing is no change.
//!
//! The rules (stated for maintainers in `spec/README.md`):
//! 1. 3.1 constructs in any document are converted as for a 3.1 document
//!    ([`crate::downconvert`]): `examples` lists become `example`,
//!    `type: [X, 'null']` becomes `type: X` + `nullable`, `type: 'null'`
//!    alone becomes `nullable` with no type, `const` a one-value `enum`.
//! 2. A one-member `allOf`/`anyOf`/`oneOf` is unwrapped: the member's keys
//!    join the wrapper's. A member that is only a `$ref` stays wrapped when
//!    the wrapper says more (the 3.0 way to annotate a reference).
//! 3. An `allOf` whose members are all objects (inline or `$ref`s to
//!    component schemas) becomes one object: `properties` and `required`
//!    unioned, `type: object`; a property two members both define is
//!    merged the same way, field by field (`enum`s unioned, `nullable` if
//!    either says so). Two different values of any other shape keyword
//!    (`type`, `format`, bounds, ...) are an error naming both places.
//! 4. Titles, descriptions and examples are kept: the wrapper's win, then
//!    the first member's. They are not shape; the change report does not
//!    compare descriptions or examples.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::downconvert;
use crate::error::{Place, SpecError};
use crate::page::Endpoint;

/// Keywords that are words about a schema, not its shape: when merging,
/// the wrapper's win, then the first member's, and members may disagree.
const PRESENTATIONAL: &[&str] = &[
    "title",
    "description",
    "example",
    "externalDocs",
    "deprecated",
];

/// How deep `$ref`s inside `allOf`s may chain before they count as a cycle.
const MAX_DEPTH: usize = 32;

/// Brings `endpoint`'s operation and components into the canonical form.
/// `path` is the page it came from, for the error.
pub fn endpoint(path: &Path, endpoint: &mut Endpoint) -> Result<(), SpecError> {
    let mut problems = Vec::new();
    // Component schemas first, so that a `$ref` an `allOf` merges is read
    // in its canonical form.
    if let Some(Value::Object(schemas)) = endpoint.components.get_mut("schemas") {
        for (name, schema) in schemas.iter_mut() {
            downconvert::convert_schema(
                schema,
                &format!("components.schemas.{name}"),
                &mut problems,
            );
        }
    }
    let components = endpoint.components.clone();
    let ctx = Context {
        schemas: components.get("schemas").and_then(Value::as_object),
    };
    if let Some(Value::Object(schemas)) = endpoint.components.get_mut("schemas") {
        for (name, schema) in schemas.iter_mut() {
            ctx.schema(
                schema,
                &format!("components.schemas.{name}"),
                0,
                &mut problems,
            );
        }
    }
    for (kind, entries) in endpoint.components.iter_mut() {
        if kind != "schemas" {
            ctx.schemas_below(entries, &format!("components.{kind}"), &mut problems);
        }
    }
    let at = format!(
        "{} {}",
        endpoint.method.to_ascii_uppercase(),
        endpoint.route
    );
    ctx.schemas_below(&mut endpoint.operation, &at, &mut problems);
    if problems.is_empty() {
        return Ok(());
    }
    Err(SpecError::Unsupported {
        place: Place {
            path: path.to_path_buf(),
            line: endpoint.line,
        },
        what: format!(
            "cannot bring the page into the canonical form: {}",
            problems.join("; ")
        ),
    })
}

struct Context<'c> {
    /// The page's component schemas, already converted (rule 1).
    schemas: Option<&'c Map<String, Value>>,
}

impl Context<'_> {
    /// Every `schema` below an operation or a component (parameters,
    /// bodies, responses, headers, callbacks).
    fn schemas_below(&self, value: &mut Value, at: &str, problems: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    let here = format!("{at}.{key}");
                    if key == "schema" {
                        downconvert::convert_schema(child, &here, problems);
                        self.schema(child, &here, 0, problems);
                    } else if key != "example" && key != "examples" {
                        self.schemas_below(child, &here, problems);
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    self.schemas_below(child, &format!("{at}[{i}]"), problems);
                }
            }
            _ => {}
        }
    }

    /// Rules 2 and 3 on one schema, its children first.
    fn schema(&self, schema: &mut Value, at: &str, depth: usize, problems: &mut Vec<String>) {
        let Some(map) = schema.as_object_mut() else {
            return;
        };
        if let Some(Value::Object(properties)) = map.get_mut("properties") {
            for (name, property) in properties.iter_mut() {
                self.schema(
                    property,
                    &format!("{at}.properties.{name}"),
                    depth,
                    problems,
                );
            }
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child @ Value::Object(_)) = map.get_mut(key) {
                self.schema(child, &format!("{at}.{key}"), depth, problems);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(Value::Array(members)) = map.get_mut(key) {
                for (i, member) in members.iter_mut().enumerate() {
                    self.schema(member, &format!("{at}.{key}[{i}]"), depth, problems);
                }
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            self.unwrap_single(map, key, at, depth, problems);
        }
        if let Some(Value::Array(members)) = map.get("allOf") {
            let members = members.clone();
            if let Some(parts) = self.parts(&members, at, depth, problems) {
                map.remove("allOf");
                for (i, (place, part)) in parts.into_iter().enumerate() {
                    let before = match i {
                        0 => at.to_owned(),
                        1 => format!("{at}.allOf[0]"),
                        _ => format!("{at}.allOf[0..{}]", i - 1),
                    };
                    self.merge(map, &before, part, &place, depth, problems);
                }
                if !map.contains_key("type") && map.contains_key("properties") {
                    map.insert("type".into(), json!("object"));
                }
            }
        }
    }

    /// Rule 2 for `key` of `map`.
    fn unwrap_single(
        &self,
        map: &mut Map<String, Value>,
        key: &str,
        at: &str,
        depth: usize,
        problems: &mut Vec<String>,
    ) {
        let Some(Value::Array(members)) = map.get(key) else {
            return;
        };
        let [Value::Object(member)] = members.as_slice() else {
            return;
        };
        if member.contains_key("$ref") {
            if map.len() == 1 {
                *map = member.clone();
            }
            return;
        }
        let member = member.clone();
        map.remove(key);
        self.merge(map, at, member, &format!("{at}.{key}[0]"), depth, problems);
    }

    /// The members of an `allOf`, each as an inline canonical schema with
    /// where it was read, or `None` when one is not an object or a bare
    /// constraint (the `allOf` then stays).
    fn parts(
        &self,
        members: &[Value],
        at: &str,
        depth: usize,
        problems: &mut Vec<String>,
    ) -> Option<Vec<(String, Map<String, Value>)>> {
        let mut out = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let place = match member.get("$ref").and_then(Value::as_str) {
                Some(reference) => format!("{at}.allOf[{i}] ({reference})"),
                None => format!("{at}.allOf[{i}]"),
            };
            let Value::Object(member) = self.inline(member, &place, depth, problems)? else {
                return None;
            };
            let object = member
                .get("type")
                .is_none_or(|t| t.as_str() == Some("object"));
            let composed = ["allOf", "oneOf", "anyOf", "$ref", "not"]
                .iter()
                .any(|k| member.contains_key(*k));
            if !object || composed {
                return None;
            }
            out.push((place, member));
        }
        Some(out)
    }

    /// `schema` itself, or the canonical form of the component schema its
    /// `$ref` names; `None` for a reference outside the page's schemas.
    fn inline(
        &self,
        schema: &Value,
        place: &str,
        depth: usize,
        problems: &mut Vec<String>,
    ) -> Option<Value> {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            // Inline schemas are canonical already (children first).
            return Some(schema.clone());
        };
        if depth >= MAX_DEPTH {
            problems.push(format!(
                "{place}: references chain more than {MAX_DEPTH} deep (a cycle?)"
            ));
            return None;
        }
        let name = reference.strip_prefix("#/components/schemas/")?;
        let mut target = self.schemas?.get(name)?.clone();
        self.schema(&mut target, place, depth + 1, problems);
        Some(target)
    }

    /// Adds what `from` (read at `from_at`) says to `into` (the schema at
    /// `into_at`), as `allOf` means: both hold. Words about the schema keep
    /// `into`'s; `required` is unioned; `enum`s are unioned and `nullable`
    /// holds if either says so (the tolerant reading: the pages write a
    /// member's list as a refinement of the envelope's, and a value either
    /// lists must decode); `properties`,
    /// `items` and `additionalProperties` merge the same way, field by
    /// field. Two different values of any other keyword are a conflict.
    fn merge(
        &self,
        into: &mut Map<String, Value>,
        into_at: &str,
        from: Map<String, Value>,
        from_at: &str,
        depth: usize,
        problems: &mut Vec<String>,
    ) {
        for (key, value) in from {
            let Some(existing) = into.get_mut(&key) else {
                into.insert(key, value);
                continue;
            };
            if *existing == value || PRESENTATIONAL.contains(&key.as_str()) || key.starts_with("x-")
            {
                continue;
            }
            match (key.as_str(), existing, value) {
                ("required", Value::Array(names), Value::Array(more)) => {
                    for name in more {
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                }
                ("nullable", existing, value) => {
                    if value == Value::Bool(true) {
                        *existing = value;
                    }
                }
                ("enum", Value::Array(values), Value::Array(others)) => {
                    for value in others {
                        if !values.contains(&value) {
                            values.push(value);
                        }
                    }
                }
                ("properties", Value::Object(fields), Value::Object(more)) => {
                    for (name, schema) in more {
                        let (a, b) = (
                            format!("{into_at}.properties.{name}"),
                            format!("{from_at}.properties.{name}"),
                        );
                        match fields.get_mut(&name) {
                            None => {
                                fields.insert(name, schema);
                            }
                            Some(field) => {
                                self.merge_schema(field, &a, schema, &b, depth, problems)
                            }
                        }
                    }
                }
                (
                    "items" | "additionalProperties",
                    existing @ Value::Object(_),
                    value @ Value::Object(_),
                ) => {
                    let (a, b) = (format!("{into_at}.{key}"), format!("{from_at}.{key}"));
                    self.merge_schema(existing, &a, value, &b, depth, problems);
                }
                (_, existing, value) => problems.push(format!(
                    "`{key}` is {existing} at {into_at} but {value} at {from_at}"
                )),
            }
        }
    }

    /// [`Self::merge`] for two schemas of one field, references followed.
    fn merge_schema(
        &self,
        into: &mut Value,
        into_at: &str,
        from: Value,
        from_at: &str,
        depth: usize,
        problems: &mut Vec<String>,
    ) {
        if *into == from {
            return;
        }
        let (Some(Value::Object(mut a)), Some(Value::Object(b))) = (
            self.inline(into, into_at, depth, problems),
            self.inline(&from, from_at, depth, problems),
        ) else {
            problems.push(format!(
                "{into_at} and {from_at} are two different schemas that cannot be merged"
            ));
            return;
        };
        self.merge(&mut a, into_at, b, from_at, depth, problems);
        *into = Value::Object(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::Form;

    fn canonical(operation: Value, schemas: Value) -> Result<Endpoint, SpecError> {
        let mut endpoint = Endpoint {
            method: "get".into(),
            route: "/r".into(),
            operation,
            servers: Vec::new(),
            components: [("schemas".to_owned(), schemas)].into_iter().collect(),
            security: None,
            line: Some(7),
            form: Form::OpenApiSection,
        };
        super::endpoint(Path::new("page.md"), &mut endpoint)?;
        Ok(endpoint)
    }

    fn body(schema: Value) -> Value {
        json!({"responses": {"200": {"content": {"application/json": {"schema": schema}}}}})
    }

    fn schema_of(endpoint: &Endpoint) -> &Value {
        &endpoint.operation["responses"]["200"]["content"]["application/json"]["schema"]
    }

    #[test]
    fn an_allof_of_objects_becomes_one_object_with_the_union_of_fields() {
        let envelope = json!({"type": "object", "required": ["code"],
            "properties": {"code": {"type": "integer"}, "msg": {"type": "string", "examples": ["ok"]}}});
        let page = body(json!({"title": "Record", "allOf": [
            {"$ref": "#/components/schemas/Envelope"},
            {"type": "object", "required": ["data", "code"], "description": "the task",
             "properties": {"data": {"type": "object", "properties": {"id": {"type": "string"}}}}}
        ]}));
        let endpoint = canonical(page, json!({"Envelope": envelope})).expect("canonical");
        assert_eq!(
            schema_of(&endpoint),
            &json!({"title": "Record", "type": "object", "description": "the task",
            "required": ["code", "data"],
            "properties": {
                "code": {"type": "integer"},
                "msg": {"type": "string", "example": "ok"},
                "data": {"type": "object", "properties": {"id": {"type": "string"}}}
            }})
        );
    }

    #[test]
    fn one_member_compositions_are_unwrapped_but_an_annotated_reference_stays() {
        let page = body(json!({"type": "object", "properties": {
            "a": {"allOf": [{"type": "string"}], "description": "A"},
            "b": {"oneOf": [{"$ref": "#/components/schemas/B"}]},
            "c": {"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": true},
            "d": {"type": ["string", "null"]},
            "e": {"type": "null"}
        }}));
        let endpoint = canonical(page, json!({"B": {"type": "string"}})).expect("canonical");
        let props = &schema_of(&endpoint)["properties"];
        assert_eq!(props["a"], json!({"type": "string", "description": "A"}));
        assert_eq!(props["b"], json!({"$ref": "#/components/schemas/B"}));
        assert_eq!(
            props["c"],
            json!({"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": true})
        );
        assert_eq!(props["d"], json!({"type": "string", "nullable": true}));
        assert_eq!(props["e"], json!({"nullable": true}));
    }

    #[test]
    fn the_same_shape_in_two_export_forms_is_one_canonical_schema() {
        let flat = body(json!({"type": "object", "properties": {
            "code": {"type": "integer"}, "data": {"type": "string"}}}));
        let wrapped = body(json!({"allOf": [
            {"type": "object", "properties": {"code": {"type": "integer"}}},
            {"allOf": [{"type": "object", "properties": {"data": {"type": "string"}}}]}
        ]}));
        let (a, b) = (
            canonical(flat, json!({})).expect("flat"),
            canonical(wrapped, json!({})).expect("wrapped"),
        );
        assert_eq!(schema_of(&a), schema_of(&b));
    }

    #[test]
    fn a_field_two_members_define_differently_is_an_error_naming_both() {
        let page = body(json!({"allOf": [
            {"type": "object", "properties": {"data": {"type": "string"}}},
            {"type": "object", "properties": {"data": {"type": "integer"}}}
        ]}));
        let error = canonical(page, json!({}))
            .expect_err("conflict")
            .to_string();
        assert!(
            error.starts_with("page.md:7: cannot bring the page into the canonical form"),
            "{error}"
        );
        assert!(
            error.contains("`type` is \"string\" at GET /r.responses.200.content.application/json.schema.allOf[0].properties.data but \"integer\" at GET /r.responses.200.content.application/json.schema.allOf[1].properties.data"),
            "{error}"
        );
    }

    #[test]
    fn a_member_narrowing_the_envelopes_data_merges_field_by_field() {
        // The market pages: the envelope says `data` is an object, the
        // second member says which fields it has.
        let envelope = json!({"type": "object", "properties": {
            "code": {"type": "integer", "enum": [200, 401, 500]},
            "data": {"type": "object", "description": "the payload"}}});
        let page = body(json!({"allOf": [
            {"$ref": "#/components/schemas/ApiResponse"},
            {"type": "object", "properties": {
                "code": {"type": "integer", "enum": [200, 500, 501], "description": "code"},
                "data": {"type": "object", "required": ["taskId"],
                         "properties": {"taskId": {"type": "string"}}, "nullable": true}}}
        ]}));
        let endpoint = canonical(page, json!({"ApiResponse": envelope})).expect("canonical");
        assert_eq!(
            schema_of(&endpoint),
            &json!({"type": "object", "properties": {
                "code": {"type": "integer", "enum": [200, 401, 500, 501], "description": "code"},
                "data": {"type": "object", "description": "the payload", "nullable": true,
                         "required": ["taskId"], "properties": {"taskId": {"type": "string"}}}}})
        );
    }

    #[test]
    fn a_wrappers_own_fields_and_its_members_fields_are_one_object() {
        // The callback pages: fields beside the allOf and inside it.
        let page = body(json!({"type": "object",
            "properties": {"data": {"type": "object", "properties": {"task_id": {"type": "string"}}}},
            "allOf": [{"type": "object", "properties": {
                "data": {"type": "object", "properties": {"taskId": {"type": "string"}}}}}]}));
        let endpoint = canonical(page, json!({})).expect("canonical");
        let data = &schema_of(&endpoint)["properties"]["data"]["properties"];
        assert_eq!(
            data,
            &json!({"task_id": {"type": "string"}, "taskId": {"type": "string"}})
        );
    }

    #[test]
    fn an_allof_with_a_member_that_is_not_an_object_stays() {
        let schema = json!({"allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"oneOf": [{"type": "string"}, {"type": "integer"}]}
        ]});
        let endpoint = canonical(body(schema.clone()), json!({})).expect("canonical");
        assert_eq!(schema_of(&endpoint), &schema);
    }

    #[test]
    fn a_reference_cycle_through_allofs_is_an_error_not_a_hang() {
        let schemas = json!({
            "A": {"allOf": [{"$ref": "#/components/schemas/B"}, {"type": "object"}]},
            "B": {"allOf": [{"$ref": "#/components/schemas/A"}, {"type": "object"}]}
        });
        let page = body(json!({"$ref": "#/components/schemas/A"}));
        let error = canonical(page, schemas).expect_err("cycle").to_string();
        assert!(error.contains("a cycle?"), "{error}");
    }
}
