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
//! 4. References to responses, request bodies, parameters, headers and
//!    examples (components that name no type) are replaced by what they
//!    name: a page that moves a response into `components` says the same.
//! 5. What says nothing is dropped: `deprecated: false` on an operation,
//!    an empty `parameters` list, a response's empty `headers`.
//! 6. Titles, descriptions and examples are kept: the wrapper's win, then
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
    inline_references(endpoint, &mut problems);
    drop_defaults(&mut endpoint.operation);
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

/// Component kinds that name no type: an operation's references to them
/// are replaced by what they name (rule 4).
const INLINED: &[&str] = &[
    "responses",
    "requestBodies",
    "parameters",
    "headers",
    "examples",
];

/// Rule 4: `$ref`s to responses, request bodies, parameters, headers and
/// examples replaced by their components, which leave the page.
fn inline_references(endpoint: &mut Endpoint, problems: &mut Vec<String>) {
    let components = endpoint.components.clone();
    inline_below(&mut endpoint.operation, &components, 0, problems);
    for kind in INLINED {
        endpoint.components.remove(*kind);
    }
}

fn inline_below(
    value: &mut Value,
    components: &Map<String, Value>,
    depth: usize,
    problems: &mut Vec<String>,
) {
    match value {
        Value::Object(map) => {
            let target = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/"))
                .and_then(|r| r.split_once('/'))
                .filter(|(kind, _)| INLINED.contains(kind))
                .map(|(kind, name)| (kind.to_owned(), name.to_owned()));
            if let Some((kind, name)) = target {
                let place = format!("#/components/{kind}/{name}");
                match components.get(&kind).and_then(|c| c.get(&name)) {
                    Some(_) if depth >= MAX_DEPTH => problems.push(format!(
                        "{place}: references chain more than {MAX_DEPTH} deep (a cycle?)"
                    )),
                    Some(component) => {
                        *value = component.clone();
                        inline_below(value, components, depth + 1, problems);
                    }
                    None => problems.push(format!("{place} is referenced but not defined")),
                }
                return;
            }
            for (key, child) in map.iter_mut() {
                if key != "example" && key != "examples" {
                    inline_below(child, components, depth, problems);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                inline_below(item, components, depth, problems);
            }
        }
        _ => {}
    }
}

/// Rule 5: what says nothing, dropped: `deprecated: false`, an empty
/// `parameters` list, empty `headers`.
fn drop_defaults(operation: &mut Value) {
    let Some(map) = operation.as_object_mut() else {
        return;
    };
    if map.get("deprecated") == Some(&Value::Bool(false)) {
        map.remove("deprecated");
    }
    if map
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        map.remove("parameters");
    }
    let responses = map.get_mut("responses").and_then(Value::as_object_mut);
    for response in responses
        .into_iter()
        .flat_map(|r| r.values_mut())
        .filter_map(Value::as_object_mut)
    {
        if response
            .get("headers")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            response.remove("headers");
        }
    }
}

/// The one schema `a` and `b` together describe, merged as rule 3 merges
/// an `allOf` of the two (their `$ref`s already followed), or the
/// conflicts that keep them apart.
pub fn union(a: &Value, b: &Value) -> Result<Value, Vec<String>> {
    let mut problems = Vec::new();
    let mut merged = a.clone();
    Context { schemas: None }.merge_schema(
        &mut merged,
        "one",
        b.clone(),
        "the other",
        0,
        &mut problems,
    );
    match problems.is_empty() {
        true => Ok(merged),
        false => Err(problems),
    }
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
mod tests;
