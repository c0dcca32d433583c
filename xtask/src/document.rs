//! Assembling one OpenAPI 3.0.3 document from every file in `spec/upstream/`
//! and writing it in a canonical form (sorted keys, two-space indent, trailing
//! newline) so that the same inputs always give the same bytes.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::error::SpecError;
use crate::page;

/// Name and version of the merged document. The provider's pages carry
/// neither; progenitor only uses them in doc comments.
const TITLE: &str = "kie.ai Suno API";
const VERSION: &str = "1.0.0";

/// Reads every input file of `dir`, in file-name order.
pub fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, String)>, SpecError> {
    let io = |source| SpecError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    paths.retain(|p| p.is_file() && !is_hidden(p));
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

/// Merges the inputs into one document. `sources` pairs a display path with
/// the file's text; the path decides how the text is read.
pub fn assemble(sources: &[(PathBuf, String)]) -> Result<Value, SpecError> {
    if sources.is_empty() {
        return Err(SpecError::EmptyUpstream {
            dir: PathBuf::from("spec/upstream"),
        });
    }
    let mut merged = Merged::default();
    for (path, text) in sources {
        match path.extension().and_then(|e| e.to_str()) {
            Some("md") => merged.add_page(path, page::parse(path, text)?)?,
            Some("json") => {
                let doc = serde_json::from_str(text).map_err(|source| SpecError::Json {
                    path: path.clone(),
                    source,
                })?;
                merged.add_document(path, doc)?;
            }
            Some("yaml" | "yml") => {
                let doc = serde_norway::from_str(text).map_err(|source| SpecError::Yaml {
                    path: path.clone(),
                    source,
                })?;
                merged.add_document(path, doc)?;
            }
            _ => return Err(SpecError::UnknownFileType { path: path.clone() }),
        }
    }
    Ok(merged.finish())
}

#[derive(Default)]
struct Merged {
    paths: Map<String, Value>,
    /// Which file defined each `(route, method)`, to name both on a clash.
    origins: Vec<(String, String, PathBuf)>,
    schemas: Map<String, Value>,
    schema_origins: Vec<(String, PathBuf)>,
    security_schemes: Map<String, Value>,
    servers: Vec<Value>,
    security: Option<Value>,
}

impl Merged {
    fn add_page(&mut self, path: &Path, op: page::PageOperation) -> Result<(), SpecError> {
        self.add_operation(path, &op.route, &op.method, op.operation)?;
        for server in op.servers {
            self.add_server(server);
        }
        self.security_schemes.extend(op.security_schemes);
        Ok(())
    }

    fn add_document(&mut self, path: &Path, doc: Value) -> Result<(), SpecError> {
        check_version(path, &doc)?;
        let Value::Object(mut doc) = doc else {
            unreachable!("check_version accepts only objects")
        };
        if let Some(Value::Object(paths)) = doc.remove("paths") {
            for (route, item) in paths {
                let Value::Object(item) = item else {
                    return Err(SpecError::unsupported(
                        path,
                        format!("paths.{route} is not a mapping"),
                    ));
                };
                for (method, operation) in item {
                    self.add_operation(path, &route, &method, operation)?;
                }
            }
        }
        if let Some(Value::Array(servers)) = doc.remove("servers") {
            for server in servers {
                self.add_server(server);
            }
        }
        if let Some(security) = doc.remove("security") {
            self.security.get_or_insert(security);
        }
        if let Some(Value::Object(mut components)) = doc.remove("components") {
            if let Some(Value::Object(schemes)) = components.remove("securitySchemes") {
                self.security_schemes.extend(schemes);
            }
            if let Some(Value::Object(schemas)) = components.remove("schemas") {
                for (name, schema) in schemas {
                    if let Some((_, first)) = self.schema_origins.iter().find(|(n, _)| *n == name) {
                        return Err(SpecError::DuplicateSchema {
                            name,
                            first: first.clone(),
                            second: path.to_path_buf(),
                        });
                    }
                    self.schema_origins.push((name.clone(), path.to_path_buf()));
                    self.schemas.insert(name, schema);
                }
            }
        }
        Ok(())
    }

    fn add_operation(
        &mut self,
        path: &Path,
        route: &str,
        method: &str,
        operation: Value,
    ) -> Result<(), SpecError> {
        if let Some((_, _, first)) = self
            .origins
            .iter()
            .find(|(r, m, _)| r == route && m == method)
        {
            return Err(SpecError::DuplicateOperation {
                method: method.to_ascii_uppercase(),
                route: route.to_string(),
                first: first.clone(),
                second: path.to_path_buf(),
            });
        }
        self.origins
            .push((route.to_string(), method.to_string(), path.to_path_buf()));
        let item = self
            .paths
            .entry(route.to_string())
            .or_insert_with(|| json!({}));
        if let Value::Object(item) = item {
            item.insert(method.to_string(), operation);
        }
        Ok(())
    }

    fn add_server(&mut self, server: Value) {
        if !self.servers.contains(&server) {
            self.servers.push(server);
        }
    }

    fn finish(self) -> Value {
        let mut doc = Map::new();
        doc.insert("openapi".into(), json!("3.0.3"));
        doc.insert("info".into(), json!({ "title": TITLE, "version": VERSION }));
        if !self.servers.is_empty() {
            doc.insert("servers".into(), Value::Array(self.servers));
        }
        doc.insert("paths".into(), Value::Object(self.paths));
        let mut components = Map::new();
        if !self.schemas.is_empty() {
            components.insert("schemas".into(), Value::Object(self.schemas));
        }
        if !self.security_schemes.is_empty() {
            let names: Vec<String> = self.security_schemes.keys().cloned().collect();
            components.insert(
                "securitySchemes".into(),
                Value::Object(self.security_schemes),
            );
            let default = Value::Array(names.into_iter().map(|n| json!({ n: [] })).collect());
            doc.insert("security".into(), self.security.unwrap_or(default));
        }
        if !components.is_empty() {
            doc.insert("components".into(), Value::Object(components));
        }
        Value::Object(doc)
    }
}

/// Accepts OpenAPI 3.0.x and names whatever else was found.
fn check_version(path: &Path, doc: &Value) -> Result<(), SpecError> {
    let Some(map) = doc.as_object() else {
        return Err(SpecError::unsupported(
            path,
            "the document is not a mapping",
        ));
    };
    let found = match (map.get("openapi"), map.get("swagger")) {
        (Some(Value::String(v)), _) if v.starts_with("3.0.") => return Ok(()),
        (Some(v), _) => format!("OpenAPI {}", plain(v)),
        (None, Some(v)) => format!("Swagger (OpenAPI) {}", plain(v)),
        (None, None) => "no `openapi` version field".to_string(),
    };
    Err(SpecError::WrongOpenApiVersion {
        path: path.to_path_buf(),
        found,
    })
}

fn plain(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
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
