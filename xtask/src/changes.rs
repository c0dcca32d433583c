//! The API change report of an update: what the provider changed, and for
//! each change whether it breaks code written against the generated crate.
//!
//! The provider's documents are compared before the fix-ups (what upstream
//! changed) and after (what the generated crate sees). A change that
//! reaches the fixed document is classified by its effect on the generated
//! types; one the fix-ups absorb (a new value of an enum they opened, say)
//! is compatible.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

/// What a change does to code using the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    Compatible,
    Breaking,
}

/// One change, located in the API.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// e.g. `GET /api/v1/generate/record-info 200 data.status`.
    pub location: String,
    pub what: String,
    pub impact: Impact,
    /// Absorbed by the fix-ups: upstream changed, the generated crate did not.
    pub absorbed: bool,
    /// The fix-ups without any one of which the change would reach the
    /// generated crate (empty: it takes several together, or none is known).
    pub absorbed_by: Vec<String>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let impact = match self.impact {
            Impact::Breaking => "breaking",
            Impact::Compatible => "compatible",
        };
        let absorbed = match (self.absorbed, &self.absorbed_by[..]) {
            (false, _) => String::new(),
            (true, []) => " (absorbed by the fix-ups)".to_owned(),
            (true, [one]) => format!(" (absorbed by fix-up {one}: users' code does not break)"),
            (true, many) => format!(
                " (absorbed by fix-ups {}: users' code does not break)",
                many.join(", ")
            ),
        };
        write!(f, "{impact:<10} {}: {}{absorbed}", self.location, self.what)
    }
}

/// The changes from the old documents to the new ones.
pub fn compare(
    old_raw: &Value,
    new_raw: &Value,
    old_fixed: &Value,
    new_fixed: &Value,
) -> Vec<Change> {
    let fixed = diff_documents(old_fixed, new_fixed);
    let seen: BTreeSet<(String, String)> = fixed
        .iter()
        .map(|c| (c.location.clone(), c.what.clone()))
        .collect();
    let mut changes = fixed;
    for mut change in diff_documents(old_raw, new_raw) {
        if !seen.contains(&(change.location.clone(), change.what.clone())) {
            change.impact = Impact::Compatible;
            change.absorbed = true;
            changes.push(change);
        }
    }
    changes.sort();
    changes
}

/// Names, for each absorbed change of `changes`, the fix-ups it needs:
/// those without which (`fixed_without(id)`, the new document fixed up by
/// all the others) the generated crate would change at the change's
/// location, in the same aspect ([`aspect`]).
pub fn name_absorbers(
    changes: &mut [Change],
    old_fixed: &Value,
    ids: &[String],
    fixed_without: &dyn Fn(&str) -> Option<Value>,
) {
    if !changes.iter().any(|c| c.absorbed) {
        return;
    }
    for id in ids {
        let Some(without) = fixed_without(id) else {
            continue;
        };
        let seen = diff_documents(old_fixed, &without);
        for change in changes.iter_mut().filter(|c| c.absorbed) {
            let aspect = aspect(&change.what);
            if seen
                .iter()
                .any(|c| c.location == change.location && self::aspect(&c.what) == aspect)
            {
                change.absorbed_by.push(id.clone());
            }
        }
    }
}

/// What a change is about (`enum`, `nullable`, `required`, ...), so that
/// the same location changing another way counts as another change: an
/// enum that gained a value, and an enum that is one at all, are both
/// `enum`.
fn aspect(what: &str) -> &'static str {
    const ASPECTS: &[&str] = &[
        "operationId",
        "enum",
        "nullable",
        "required",
        "field",
        "parameter",
        "body",
        "operation",
        "type",
        "format",
        "title",
        "oneOf",
        "anyOf",
        "allOf",
    ];
    ASPECTS
        .iter()
        .find(|a| what.contains(*a))
        .copied()
        .unwrap_or("")
}

/// "3 compatible, 1 breaking".
pub fn summary(changes: &[Change]) -> String {
    let breaking = changes
        .iter()
        .filter(|c| c.impact == Impact::Breaking)
        .count();
    format!(
        "{} compatible, {breaking} breaking",
        changes.len() - breaking
    )
}

/// Where in the API a fix-up target points, in the form of
/// [`Change::location`] (`GET /r 200 application/json $.data.tags`), for
/// targets under an operation's body schema; `None` for others.
pub fn location_of_target(target: &str) -> Option<String> {
    let segments = segments(target.strip_prefix('$')?);
    let mut rest = segments.iter().map(String::as_str);
    if rest.next()? != "paths" {
        return None;
    }
    let route = rest.next()?;
    let method = rest.next()?.to_ascii_uppercase();
    let body = match rest.next()? {
        "responses" => {
            let status = rest.next()?;
            (rest.next()? == "content").then_some(())?;
            format!("{status} {}", rest.next()?)
        }
        "requestBody" => {
            (rest.next()? == "content").then_some(())?;
            format!("request {}", rest.next()?)
        }
        _ => return None,
    };
    (rest.next()? == "schema").then_some(())?;
    let mut path = String::from("$");
    while let Some(segment) = rest.next() {
        match segment {
            "properties" => match rest.next() {
                Some(name) => {
                    path.push('.');
                    path.push_str(name);
                }
                None => break,
            },
            "items" => path.push_str("[]"),
            _ => break,
        }
    }
    Some(format!("{method} {route} {body} {path}"))
}

/// Whether `location` is `at` or lies below it.
pub fn within(location: &str, at: &str) -> bool {
    location == at
        || location
            .strip_prefix(at)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// The segments of a JSONPath in dot or `['...']` notation.
fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n == '.' || n == '[' {
                        break;
                    }
                    name.push(n);
                    chars.next();
                }
                out.push(name);
            }
            '[' => {
                let quote = chars.next_if(|q| *q == '\'' || *q == '"');
                let mut name = String::new();
                while let Some(n) = chars.next() {
                    if Some(n) == quote && chars.peek() == Some(&']') {
                        chars.next();
                        break;
                    }
                    if quote.is_none() && n == ']' {
                        break;
                    }
                    name.push(n);
                }
                out.push(name);
            }
            _ => {}
        }
    }
    out
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (route, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            ops.push((method.to_uppercase(), route.clone(), op));
        }
    }
    ops
}

fn diff_documents(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    let old_ops = operations(old);
    let new_ops = operations(new);
    for (method, route, new_op) in &new_ops {
        let name = format!("{method} {route}");
        match old_ops.iter().find(|(m, r, _)| m == method && r == route) {
            None => out.push(change(&name, "operation added", Impact::Compatible)),
            Some((_, _, old_op)) => {
                let mut diff = Diff {
                    old_doc: old,
                    new_doc: new,
                    out: &mut out,
                };
                diff.operation(&name, old_op, new_op);
            }
        }
    }
    for (method, route, _) in &old_ops {
        if !new_ops.iter().any(|(m, r, _)| m == method && r == route) {
            out.push(change(
                &format!("{method} {route}"),
                "operation removed",
                Impact::Breaking,
            ));
        }
    }
    out
}

fn change(location: &str, what: impl Into<String>, impact: Impact) -> Change {
    Change {
        location: location.to_owned(),
        what: what.into(),
        impact,
        absorbed: false,
        absorbed_by: Vec::new(),
    }
}

struct Diff<'a> {
    old_doc: &'a Value,
    new_doc: &'a Value,
    out: &'a mut Vec<Change>,
}

impl Diff<'_> {
    fn operation(&mut self, name: &str, old: &Value, new: &Value) {
        // The client method is named after the operationId.
        if old.get("operationId") != new.get("operationId") {
            let show = |v: Option<&Value>| v.map_or_else(|| "none".to_owned(), Value::to_string);
            self.out.push(change(
                name,
                format!(
                    "operationId changed from {} to {} (it names the client method)",
                    show(old.get("operationId")),
                    show(new.get("operationId"))
                ),
                Impact::Breaking,
            ));
        }
        let params = |op: &Value| -> Vec<Value> {
            op.get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let key = |p: &Value| {
            (
                p["in"].as_str().unwrap_or("").to_owned(),
                p["name"].as_str().unwrap_or("").to_owned(),
            )
        };
        let (old_params, new_params) = (params(old), params(new));
        for p in &new_params {
            let location = format!("{name} {} parameter {}", key(p).0, key(p).1);
            let required = p["required"] == Value::Bool(true);
            match old_params.iter().find(|o| key(o) == key(p)) {
                None if required => self.out.push(change(
                    &location,
                    "required parameter added",
                    Impact::Breaking,
                )),
                None => self.out.push(change(
                    &location,
                    "optional parameter added",
                    Impact::Compatible,
                )),
                Some(o) => {
                    if (o["required"] == Value::Bool(true)) != required {
                        self.out
                            .push(change(&location, "required changed", Impact::Breaking));
                    }
                    self.schema(&location, "$", &o["schema"], &p["schema"], true);
                }
            }
        }
        for o in &old_params {
            if !new_params.iter().any(|p| key(p) == key(o)) {
                self.out.push(change(
                    &format!("{name} {} parameter {}", key(o).0, key(o).1),
                    "parameter removed",
                    Impact::Breaking,
                ));
            }
        }
        let bodies = |op: &Value| -> Vec<(String, Value)> {
            let mut found = Vec::new();
            for (status, response) in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                for (media, content) in response
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    found.push((format!("{status} {media}"), content["schema"].clone()));
                }
            }
            for (media, content) in op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                found.push((format!("request {media}"), content["schema"].clone()));
            }
            found
        };
        let (old_bodies, new_bodies) = (bodies(old), bodies(new));
        for (label, schema) in &new_bodies {
            let location = format!("{name} {label}");
            match old_bodies.iter().find(|(l, _)| l == label) {
                Some((_, old_schema)) => self.schema(&location, "$", old_schema, schema, true),
                None => self
                    .out
                    .push(change(&location, "body added", Impact::Breaking)),
            }
        }
        for (label, _) in &old_bodies {
            if !new_bodies.iter().any(|(l, _)| l == label) {
                self.out.push(change(
                    &format!("{name} {label}"),
                    "body removed",
                    Impact::Breaking,
                ));
            }
        }
    }

    /// Compares two schemas at `path` (a JSON path into the body) of the
    /// operation `op`; `required` says whether the field they describe is
    /// required (a nullability change then changes its Rust type).
    fn schema(&mut self, op: &str, path: &str, old: &Value, new: &Value, required: bool) {
        let (old, new) = (
            crate::document::local_ref(self.old_doc, old),
            crate::document::local_ref(self.new_doc, new),
        );
        let location = &format!("{op} {path}");
        for key in ["type", "format", "title"] {
            if old.get(key) != new.get(key) {
                let show =
                    |v: Option<&Value>| v.map_or_else(|| "none".to_owned(), Value::to_string);
                self.out.push(change(
                    location,
                    format!(
                        "{key} changed from {} to {}",
                        show(old.get(key)),
                        show(new.get(key))
                    ),
                    Impact::Breaking,
                ));
            }
        }
        let nullable = |s: &Value| s.get("nullable") == Some(&Value::Bool(true));
        if nullable(old) != nullable(new) {
            let impact = if required {
                Impact::Breaking
            } else {
                Impact::Compatible
            };
            let what = if nullable(new) {
                "became nullable"
            } else {
                "no longer nullable"
            };
            self.out.push(change(location, what, impact));
        }
        match (
            old.get("enum").and_then(Value::as_array),
            new.get("enum").and_then(Value::as_array),
        ) {
            (Some(a), Some(b)) => {
                for v in b.iter().filter(|v| !a.contains(v)) {
                    self.out.push(change(
                        location,
                        format!("enum value {v} added"),
                        Impact::Breaking,
                    ));
                }
                for v in a.iter().filter(|v| !b.contains(v)) {
                    self.out.push(change(
                        location,
                        format!("enum value {v} removed"),
                        Impact::Breaking,
                    ));
                }
            }
            (None, Some(_)) => {
                self.out
                    .push(change(location, "became a closed enum", Impact::Breaking))
            }
            (Some(_), None) => {
                self.out
                    .push(change(location, "no longer an enum", Impact::Breaking))
            }
            (None, None) => {}
        }
        let required_set = |s: &Value| -> BTreeSet<String> {
            s.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let (old_required, new_required) = (required_set(old), required_set(new));
        let props = |s: &Value| {
            s.get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let (old_props, new_props) = (props(old), props(new));
        for (name, new_prop) in &new_props {
            let at = format!("{path}.{name}");
            let located = format!("{op} {at}");
            let is_required = new_required.contains(name);
            match old_props.get(name) {
                None if is_required => {
                    self.out
                        .push(change(&located, "required field added", Impact::Breaking))
                }
                None => self
                    .out
                    .push(change(&located, "optional field added", Impact::Compatible)),
                Some(old_prop) => {
                    if old_required.contains(name) != is_required {
                        self.out
                            .push(change(&located, "required changed", Impact::Breaking));
                    }
                    self.schema(op, &at, old_prop, new_prop, is_required);
                }
            }
        }
        for name in old_props.keys().filter(|n| !new_props.contains_key(*n)) {
            self.out.push(change(
                &format!("{op} {path}.{name}"),
                "field removed",
                Impact::Breaking,
            ));
        }
        if let (Some(a), Some(b)) = (old.get("items"), new.get("items")) {
            self.schema(op, &format!("{path}[]"), a, b, true);
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            let list = |s: &Value| {
                s.get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            };
            let (a, b) = (list(old), list(new));
            if a.len() != b.len() {
                self.out.push(change(
                    location,
                    format!("{key} went from {} to {} schemas", a.len(), b.len()),
                    Impact::Breaking,
                ));
            } else {
                for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                    self.schema(op, &format!("{path}.{key}[{i}]"), x, y, true);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixup_target_reads_as_the_location_of_a_change() {
        let target = "$.paths['/api/v1/generate/record-info'].get.responses['200'].content['application/json'].schema.properties.data.properties.response.properties.sunoData.items.properties.tags";
        let at = location_of_target(target).expect("location");
        assert_eq!(
            at,
            "GET /api/v1/generate/record-info 200 application/json $.data.response.sunoData[].tags"
        );
        assert!(within(
            &at,
            "GET /api/v1/generate/record-info 200 application/json $.data.response.sunoData"
        ));
        assert!(!within(
            &at,
            "GET /api/v1/generate/record-info 200 application/json $.data.response.sunoDataX"
        ));
        assert_eq!(location_of_target("$.components.schemas.X"), None);
    }
}
