//! Assembling one OpenAPI 3.0.3 document from every file in `spec/upstream/`
//! and writing it in a canonical form (sorted keys, two-space indent, trailing
//! newline) so that the same inputs always give the same bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::canonical;
use crate::error::{Place, SpecError};
use crate::fix_report::Report;
use crate::fixes::Fixes;
use crate::models;
use crate::naming::{self, Names, shape_of};
use crate::page::{self, Endpoint, Form, openapi};

/// Name and version of the merged document. The provider's pages carry
/// neither; progenitor only uses them in doc comments.
const TITLE: &str = "kie.ai Suno API";
const VERSION: &str = "1.0.0";

/// Reads every input file below `dir` (subdirectories included), in path
/// order.
pub fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, String)>, SpecError> {
    let mut paths = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(current) = dirs.pop() {
        let io = |source| SpecError::Io {
            path: current.clone(),
            source,
        };
        for entry in std::fs::read_dir(&current).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if is_hidden(&path) {
                continue;
            }
            if path.is_dir() {
                dirs.push(path);
            } else if path.is_file() {
                paths.push(path);
            }
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(SpecError::EmptyUpstream {
            dir: dir.to_path_buf(),
        });
    }
    paths
        .into_iter()
        .map(|path| match std::fs::read_to_string(&path) {
            Ok(text) => Ok((path, text)),
            Err(source) => Err(SpecError::Io { path, source }),
        })
        .collect()
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// Merges the inputs into one document, each endpoint in its canonical
/// form ([`canonical`]), shared component names given by [`naming`] (with
/// `names`, what the last generated document recorded). `sources` pairs a
/// display path with the file's text; the path decides how the text is
/// read. Prose pages add nothing.
///
/// The fix-ups of single pages (`x-page`) are applied to each page's own
/// document, in its canonical form, before the merge; what they did is
/// recorded into `report`; where each operation and component was read,
/// into `places`.
pub fn assemble(
    sources: &[(PathBuf, String)],
    names: &Names,
    fixes: &Fixes,
    report: &mut Report,
    places: &mut Places,
) -> Result<Value, SpecError> {
    // Path order, whatever order the sources come in.
    let mut sources: Vec<&(PathBuf, String)> = sources.iter().collect();
    sources.sort_by(|a, b| a.0.cmp(&b.0));
    let mut endpoints = Vec::new();
    let mut files = Vec::new();
    for (path, text) in sources.iter().copied() {
        let mut page = endpoints_of(path, text)?;
        for endpoint in &mut page {
            canonical::endpoint(path, endpoint)?;
        }
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(file) = file {
            if fixes.has_page(&file) {
                fix_page(&file, &mut page, fixes, report)?;
            }
            files.push(file);
        }
        endpoints.extend(page.into_iter().map(|e| (path.clone(), e)));
    }
    fixes.record_missing_pages(&files, report);
    let record = naming::assign(&mut endpoints, names);
    let mut merged = Merged::default();
    for (path, endpoint) in endpoints {
        merged.add(&path, endpoint)?;
    }
    if merged.paths.is_empty() {
        return Err(SpecError::EmptyUpstream {
            dir: sources
                .first()
                .and_then(|(p, _)| p.parent())
                .map_or_else(|| PathBuf::from("spec/upstream"), Path::to_path_buf),
        });
    }
    *places = merged.places();
    Ok(merged.finish(&record))
}

/// Where each operation and component of an assembled document was read
/// (see [`Merged::places`]), to place what later steps find.
pub type Places = BTreeMap<String, Place>;

/// `problem`, prefixed with the `file:line` of the operation or component
/// it names, if [`Places`] has it.
pub fn placed(places: &Places, problem: &str) -> String {
    let found = places
        .iter()
        .filter(|(key, _)| {
            problem
                .strip_prefix(key.as_str())
                .is_some_and(|rest| rest.starts_with([':', ' ']))
        })
        .max_by_key(|(key, _)| key.len());
    match found {
        Some((_, place)) => format!("{place}: {problem}"),
        None => problem.to_owned(),
    }
}

/// Applies the fix-ups of the page `file` to the document its endpoints
/// make (their operations and components), then gives each its part back.
fn fix_page(
    file: &str,
    page: &mut [Endpoint],
    fixes: &Fixes,
    report: &mut Report,
) -> Result<(), SpecError> {
    let mut paths = Map::new();
    let mut components = Map::new();
    for endpoint in page.iter() {
        let item = paths
            .entry(endpoint.route.clone())
            .or_insert_with(|| json!({}));
        item[&endpoint.method] = endpoint.operation.clone();
        for (kind, entries) in &endpoint.components {
            let merged = components.entry(kind.clone()).or_insert_with(|| json!({}));
            for (name, value) in entries.as_object().into_iter().flatten() {
                merged[name] = value.clone();
            }
        }
    }
    let mut doc = json!({ "paths": paths, "components": components });
    fixes.apply_to_page(file, &mut doc, report)?;
    for endpoint in page.iter_mut() {
        if let Some(operation) = doc["paths"][&endpoint.route].get(&endpoint.method) {
            endpoint.operation = operation.clone();
        }
        if let Some(Value::Object(components)) = doc.get("components") {
            endpoint.components = components.clone();
        }
    }
    Ok(())
}

/// The endpoints of one input file: a provider page (`.md`, none for a
/// prose page) or an OpenAPI 3.0 document (`.json`, `.yaml`).
pub fn endpoints_of(path: &Path, text: &str) -> Result<Vec<Endpoint>, SpecError> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("md") => Ok(page::read(path, text)?.endpoints),
        Some("json") => {
            let doc = serde_json::from_str(text).map_err(|source| SpecError::Json {
                path: path.to_path_buf(),
                source,
            })?;
            openapi::read_document(path, doc, Form::Document, &|_| None)
        }
        Some("yaml" | "yml") => {
            let doc = serde_norway::from_str(text).map_err(|e| SpecError::Yaml {
                place: Place {
                    path: path.to_path_buf(),
                    line: e.location().map(|l| l.line()),
                },
                message: e.to_string(),
            })?;
            let line_of = |key: &str| {
                text.lines()
                    .position(|l| l.trim_start().starts_with(&format!("{key}:")))
                    .map(|i| i + 1)
            };
            openapi::read_document(path, doc, Form::Document, &line_of)
        }
        _ => Err(SpecError::UnknownFileType {
            path: path.to_path_buf(),
        }),
    }
}

#[derive(Default)]
struct Merged {
    paths: Map<String, Value>,
    /// Where each `(route, method)` was read, to name both on a clash.
    origins: Vec<(String, String, Place)>,
    /// Where each component was first read, by how the generator check
    /// names it (`security scheme BearerAuth`, `schema ApiResponse`).
    component_places: BTreeMap<String, Place>,
    /// Where each model of a many-models endpoint was read:
    /// `(route, method, model)`.
    model_places: BTreeMap<(String, String, String), Place>,
    /// `components.<kind>.<name>`.
    components: Map<String, Value>,
    /// The servers of the first endpoint that names any; every other
    /// endpoint must name the same URLs or none.
    servers: Option<(Vec<Value>, Place)>,
    security: Option<Value>,
}

impl Merged {
    fn add(&mut self, path: &Path, endpoint: Endpoint) -> Result<(), SpecError> {
        let place = Place {
            path: path.to_path_buf(),
            line: endpoint.line,
        };
        let seen = self
            .origins
            .iter()
            .find(|(r, m, _)| *r == endpoint.route && *m == endpoint.method)
            .map(|(_, _, first)| first.clone());
        let mut models = None;
        if let Some(first) = seen {
            let existing = &self.paths[&endpoint.route][&endpoint.method];
            // Each page's `$ref`s followed in its own components: a schema
            // moved into components says the same.
            let (a, b) = (
                naming::resolved(existing, &self.components),
                naming::resolved(&endpoint.operation, &endpoint.components),
            );
            if shape_of(&a) == shape_of(&b) {
                return Ok(()); // the same page twice counts once, words aside
            }
            match models::merge(&endpoint.route, &a, &b) {
                Some(merged) => models = Some(merged),
                None => {
                    // Two pages of one model: name the one that has it.
                    let first = models::model(&b)
                        .and_then(|model| {
                            let key = (endpoint.route.clone(), endpoint.method.clone(), model);
                            self.model_places.get(&key).cloned()
                        })
                        .unwrap_or(first);
                    return Err(SpecError::DuplicateOperation {
                        method: endpoint.method.to_ascii_uppercase(),
                        difference: models::difference(&a, &b)
                            .unwrap_or_else(|| naming::first_difference(&a, &b)),
                        route: endpoint.route,
                        first: Box::new(first),
                        second: Box::new(place),
                    });
                }
            }
        }
        self.check_servers(&endpoint.servers, &place)?;
        if let Some(model) = models::model(&endpoint.operation) {
            let key = (endpoint.route.clone(), endpoint.method.clone(), model);
            self.model_places
                .entry(key)
                .or_insert_with(|| place.clone());
        }
        // Same-named components are the same shape by now ([`naming`]);
        // the first page's words are kept.
        for (kind, entries) in &endpoint.components {
            let Value::Object(entries) = entries else {
                continue;
            };
            let label = match kind.as_str() {
                "securitySchemes" => "security scheme",
                "schemas" => "schema",
                other => other,
            };
            for name in entries.keys() {
                self.component_places
                    .entry(format!("{label} {name}"))
                    .or_insert_with(|| place.clone());
            }
            let merged = self
                .components
                .entry(kind.clone())
                .or_insert_with(|| json!({}));
            if let Value::Object(merged) = merged {
                for (name, value) in entries {
                    merged.entry(name.clone()).or_insert_with(|| value.clone());
                }
            }
        }
        if let Some(security) = endpoint.security {
            self.security.get_or_insert(security);
        }
        self.origins
            .push((endpoint.route.clone(), endpoint.method.clone(), place));
        let item = self
            .paths
            .entry(endpoint.route)
            .or_insert_with(|| json!({}));
        if let Value::Object(item) = item {
            item.insert(endpoint.method, models.unwrap_or(endpoint.operation));
        }
        Ok(())
    }

    /// A page of another service (the sister API has the same paths) is
    /// never merged: its server URLs must be the first page's.
    fn check_servers(&mut self, servers: &[Value], place: &Place) -> Result<(), SpecError> {
        if servers.is_empty() {
            return Ok(());
        }
        let urls = |servers: &[Value]| -> Vec<String> {
            servers
                .iter()
                .map(|s| {
                    s["url"]
                        .as_str()
                        .unwrap_or_default()
                        .trim_end_matches('/')
                        .to_owned()
                })
                .collect()
        };
        match &self.servers {
            None => {
                self.servers = Some((servers.to_vec(), place.clone()));
                Ok(())
            }
            Some((first, _)) if urls(first) == urls(servers) => Ok(()),
            Some((first, first_place)) => Err(SpecError::ServerMismatch {
                place: place.clone(),
                found: urls(servers).join(", "),
                expected: format!("{} (from {first_place})", urls(first).join(", ")),
            }),
        }
    }

    /// Where each operation (`GET /route`) and component (`security
    /// scheme Name`, `schema Name`) was first read.
    fn places(&self) -> Places {
        let mut places: Places = self
            .origins
            .iter()
            .map(|(route, method, place)| {
                (
                    format!("{} {route}", method.to_ascii_uppercase()),
                    place.clone(),
                )
            })
            .collect();
        places.extend(
            self.component_places
                .iter()
                .map(|(k, p)| (k.clone(), p.clone())),
        );
        places
    }

    fn finish(self, names: &Names) -> Value {
        let mut doc = Map::new();
        doc.insert(naming::RECORD_KEY.into(), names.to_value());
        doc.insert("openapi".into(), json!("3.0.3"));
        doc.insert("info".into(), json!({ "title": TITLE, "version": VERSION }));
        if let Some((servers, _)) = self.servers {
            doc.insert("servers".into(), Value::Array(servers));
        }
        doc.insert("paths".into(), Value::Object(self.paths));
        if let Some(Value::Object(schemes)) = self.components.get("securitySchemes") {
            let names: Vec<String> = schemes.keys().cloned().collect();
            let default = Value::Array(names.into_iter().map(|n| json!({ n: [] })).collect());
            doc.insert("security".into(), self.security.unwrap_or(default));
        }
        if !self.components.is_empty() {
            doc.insert("components".into(), Value::Object(self.components));
        }
        Value::Object(doc)
    }
}

/// Writes `doc` in the canonical form: object keys sorted at every level,
/// pretty-printed, with a trailing newline.
pub fn to_canonical_json(doc: &Value) -> String {
    let mut out = serde_json::to_string_pretty(&sorted(doc)).expect("a Value always serializes");
    out.push('\n');
    out
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// `value`, or what its local `$ref` (`#/components/...`) names, one
/// level; a reference that does not resolve leaves `value`.
pub fn local_ref<'v>(doc: &'v Value, value: &'v Value) -> &'v Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| doc.pointer(pointer))
        .unwrap_or(value)
}
