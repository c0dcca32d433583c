//! `cargo xtask update-spec`: take new provider pages or OpenAPI documents,
//! regenerate through the same pipeline, and report what changed for users
//! before anything is written.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::changes::{self, Change};
use crate::document;
use crate::error::SpecError;
use crate::fixes::{Fixes, Report};
use crate::{Layout, downconvert, page};

/// What an update would do (or did).
#[derive(Debug)]
pub struct Update {
    /// Files of spec/upstream replaced or added, with what they came from.
    pub files: Vec<(PathBuf, String)>,
    pub changes: Vec<Change>,
    pub report: Report,
    /// The regenerated `sdk/openapi.json`.
    pub json: String,
    /// The new upstream files: (path under spec/upstream, text).
    pub upstream: Vec<(PathBuf, String)>,
}

impl fmt::Display for Update {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "inputs:")?;
        for (file, how) in &self.files {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            writeln!(f, "  spec/upstream/{name}: {how}")?;
        }
        writeln!(f, "changes for users of the generated crate:")?;
        for change in &self.changes {
            writeln!(f, "  {change}")?;
        }
        if self.changes.is_empty() {
            writeln!(f, "  none")?;
        }
        write!(f, "{}", self.report)?;
        writeln!(f, "{}", changes::summary(&self.changes))
    }
}

/// Reads the inputs (files, or directories of them) and computes the update
/// without writing anything.
pub fn plan(layout: &Layout, inputs: &[PathBuf]) -> Result<Update, SpecError> {
    let current = document::read_dir(&layout.upstream)?;
    let mut upstream = current.clone();
    let mut files = Vec::new();
    for input in expand(inputs)? {
        let text = std::fs::read_to_string(&input).map_err(|source| SpecError::Io {
            path: input.clone(),
            source,
        })?;
        let (target, text, how) = place(layout, &current, &input, text)?;
        match upstream.iter_mut().find(|(p, _)| *p == target) {
            Some(entry) => entry.1 = text,
            None => upstream.push((target.clone(), text)),
        }
        files.push((target, how));
    }
    upstream.sort_by(|a, b| a.0.cmp(&b.0));

    let fixes = Fixes::load(&layout.fixes)?;
    let old_raw = document::assemble(&current)?;
    let old_fixed: Value = match std::fs::read_to_string(&layout.output) {
        Ok(text) => serde_json::from_str(&text).map_err(|source| SpecError::Json {
            path: layout.output.clone(),
            source,
        })?,
        Err(_) => crate::generate_from(&current, &fixes)?.fixed,
    };
    let generated = crate::generate_from(&upstream, &fixes)?;
    Ok(Update {
        files,
        changes: changes::compare(&old_raw, &generated.raw, &old_fixed, &generated.fixed),
        report: generated.report,
        json: generated.json,
        upstream,
    })
}

/// `cargo xtask update-spec`: plans the update, prints its report to `out`
/// and, unless `dry_run`, writes it. Nothing is written on an error.
pub fn run(
    layout: &Layout,
    inputs: &[PathBuf],
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<(), SpecError> {
    let update = plan(layout, inputs)?;
    let io = |source| SpecError::Io {
        path: PathBuf::from("<stdout>"),
        source,
    };
    write!(out, "{update}").map_err(io)?;
    if dry_run {
        writeln!(out, "dry run: nothing written").map_err(io)?;
    } else {
        apply(layout, &update)?;
        writeln!(out, "wrote spec/upstream and {}", layout.output.display()).map_err(io)?;
    }
    Ok(())
}

/// Writes a planned update: the upstream files, then `sdk/openapi.json`.
pub fn apply(layout: &Layout, update: &Update) -> Result<(), SpecError> {
    for (path, text) in &update.upstream {
        if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(path, text).map_err(|source| SpecError::Io {
                path: path.clone(),
                source,
            })?;
        }
    }
    crate::write_json(layout, &update.json)
}

fn expand(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, SpecError> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            files.extend(document::read_dir(input)?.into_iter().map(|(p, _)| p));
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// Where an input goes in spec/upstream, its text there, and how.
fn place(
    layout: &Layout,
    current: &[(PathBuf, String)],
    input: &Path,
    text: String,
) -> Result<(PathBuf, String, String), SpecError> {
    let name = input.file_name().map(PathBuf::from).unwrap_or_default();
    match input.extension().and_then(|e| e.to_str()) {
        Some("md") => {
            let op = page::parse(input, &text)?;
            let same = current.iter().find(|(path, existing)| {
                path.extension().is_some_and(|e| e == "md")
                    && page::parse(path, existing)
                        .is_ok_and(|o| o.method == op.method && o.route == op.route)
            });
            let endpoint = format!("{} {}", op.method.to_uppercase(), op.route);
            Ok(match same {
                Some((path, _)) => (
                    path.clone(),
                    text,
                    format!("replaces the page for {endpoint}"),
                ),
                None => (
                    layout.upstream.join(name),
                    text,
                    format!("adds a page for {endpoint}"),
                ),
            })
        }
        Some("json" | "yaml" | "yml") => {
            let mut doc: Value = if input.extension().is_some_and(|e| e == "json") {
                serde_json::from_str(&text).map_err(|source| SpecError::Json {
                    path: input.to_path_buf(),
                    source,
                })?
            } else {
                serde_norway::from_str(&text).map_err(|source| SpecError::Yaml {
                    path: input.to_path_buf(),
                    source,
                })?
            };
            let version = doc
                .get("openapi")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if version.starts_with("3.1") {
                downconvert::to_openapi_30(input, &mut doc)?;
                let stem = input.file_stem().map(PathBuf::from).unwrap_or_default();
                let target = layout.upstream.join(stem).with_extension("json");
                let how = format!("OpenAPI {version} down-converted to 3.0.3");
                Ok((target, document::to_canonical_json(&doc), how))
            } else {
                Ok((
                    layout.upstream.join(name),
                    text,
                    "OpenAPI document, taken as is".to_owned(),
                ))
            }
        }
        _ => Err(SpecError::UnknownFileType {
            path: input.to_path_buf(),
        }),
    }
}
