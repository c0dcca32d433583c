//! Everything that can go wrong while turning the vendored pages into
//! `sdk/openapi.json`. Each error names the file (or fix-up) at fault so a
//! maintainer knows where to look without reading the xtask's code.

use std::path::PathBuf;

/// A failure of the spec pipeline. Nothing is written when one occurs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: no spec inputs found (expected provider pages *.md or OpenAPI 3.0 documents)", dir.display())]
    EmptyUpstream { dir: PathBuf },
    #[error("{}: unsupported file type (expected .md, .json, .yaml or .yml)", path.display())]
    UnknownFileType { path: PathBuf },
    #[error("{}: no fenced ```yaml <file> <method> <path> block found; is this a provider endpoint page?", path.display())]
    NoYamlBlock { path: PathBuf },
    #[error("{}: the yaml block is not closed", path.display())]
    UnclosedYamlBlock { path: PathBuf },
    #[error("{}: invalid YAML: {source}", path.display())]
    Yaml {
        path: PathBuf,
        source: serde_norway::Error,
    },
    #[error("{}: invalid JSON: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{}: {what}", path.display())]
    Unsupported { path: PathBuf, what: String },
    #[error("{}: found {found}; OpenAPI 3.0.x is required", path.display())]
    WrongOpenApiVersion { path: PathBuf, found: String },
    #[error("{method} {route} is defined twice: in {} and in {}", first.display(), second.display())]
    DuplicateOperation {
        method: String,
        route: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("schema {name} is defined twice: in {} and in {}", first.display(), second.display())]
    DuplicateSchema {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("{}: invalid fix-ups document: {source}", path.display())]
    FixupsFile {
        path: PathBuf,
        source: serde_norway::Error,
    },
    #[error("fix-up {id}: invalid JSONPath {target:?}: {message}")]
    FixupPath {
        id: String,
        target: String,
        message: String,
    },
    #[error("fix-up {id}: {message}")]
    FixupInvalid { id: String, message: String },
    #[error("{} fix-up target(s) not found; the upstream changed under them, rewrite those fix-ups:\n{report}", report.missing())]
    FixupTargetsNotFound { report: crate::fixes::Report },
}

impl SpecError {
    pub(crate) fn unsupported(path: &std::path::Path, what: impl Into<String>) -> Self {
        SpecError::Unsupported {
            path: path.to_path_buf(),
            what: what.into(),
        }
    }
}
