//! Everything that can go wrong while turning the vendored pages into
//! `sdk/openapi.json`. Each error names the file (or fix-up) at fault so a
//! maintainer knows where to look without reading the xtask's code.

use std::fmt;
use std::path::{Path, PathBuf};

/// A file, and the line in it when one is known: `path:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub path: PathBuf,
    pub line: Option<usize>,
}

impl Place {
    pub fn file(path: &Path) -> Self {
        Place {
            path: path.to_path_buf(),
            line: None,
        }
    }

    pub fn line(path: &Path, line: usize) -> Self {
        Place {
            path: path.to_path_buf(),
            line: Some(line),
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.path.display()),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

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
    #[error("{place}: the section `## OpenAPI...` has no ```yaml fence holding the endpoint")]
    NoOpenApiFence { place: Place },
    #[error("{place}: the fence opened here is not closed")]
    UnclosedFence { place: Place },
    #[error("{place}: invalid YAML: {message}")]
    Yaml { place: Place, message: String },
    #[error("{}: invalid JSON: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{place}: {what}")]
    Unsupported { place: Place, what: String },
    #[error("{place}: found {found}; OpenAPI 3.0.x is required")]
    WrongOpenApiVersion { place: Place, found: String },
    #[error(
        "{method} {route} is defined twice, differently: at {first} and at {second} ({difference})"
    )]
    DuplicateOperation {
        method: String,
        route: String,
        /// Where the two first differ, e.g. `requestBody.required: true vs
        /// none`.
        difference: String,
        first: Box<Place>,
        second: Box<Place>,
    },
    #[error(
        "{place}: the server {found} differs from the other pages' {expected}; a page of another service is never merged (check where this page came from)"
    )]
    ServerMismatch {
        place: Place,
        found: String,
        expected: String,
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
    FixupTargetsNotFound { report: crate::fix_report::Report },
    #[error(
        "the client generator (progenitor) cannot take {} place(s) of the fixed document; add fix-ups (spec/fixes.yaml) or leave those pages out:\n{}",
        problems.len(),
        problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    )]
    GeneratorLimits { problems: Vec<String> },
}

impl SpecError {
    pub(crate) fn unsupported(path: &Path, what: impl Into<String>) -> Self {
        SpecError::Unsupported {
            place: Place::file(path),
            what: what.into(),
        }
    }

    /// The error, placed at `line` of its file if it names no line yet.
    pub(crate) fn at_line(mut self, at: usize) -> Self {
        if let SpecError::Unsupported { place, .. }
        | SpecError::WrongOpenApiVersion { place, .. }
        | SpecError::Yaml { place, .. } = &mut self
            && place.line.is_none()
        {
            place.line = Some(at);
        }
        self
    }
}
