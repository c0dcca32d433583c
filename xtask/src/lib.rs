//! The spec pipeline behind `cargo xtask spec` and `cargo xtask check`:
//! vendored provider pages -> one OpenAPI 3.0.3 document -> fix-ups ->
//! `sdk/openapi.json`. Everything here is pure over its inputs, so tests can
//! run it on copies of the spec files.
#![forbid(unsafe_code)]

pub mod document;
pub mod error;
pub mod fixes;
pub mod page;
pub mod schema;

use std::path::{Path, PathBuf};

pub use error::SpecError;
pub use fixes::{Outcome, Report};

/// Where the pipeline reads and writes.
#[derive(Debug, Clone)]
pub struct Layout {
    pub upstream: PathBuf,
    pub fixes: PathBuf,
    pub output: PathBuf,
}

impl Layout {
    /// The files of this workspace.
    pub fn workspace() -> Self {
        Self::under(&workspace_root())
    }

    /// The same layout below another root (a test's temporary copy).
    pub fn under(root: &Path) -> Self {
        Layout {
            upstream: root.join("spec/upstream"),
            fixes: root.join("spec/fixes.yaml"),
            output: root.join("sdk/openapi.json"),
        }
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// What the pipeline produced: the document's bytes and the fix-up report.
#[derive(Debug)]
pub struct Generated {
    pub json: String,
    pub report: Report,
}

/// Runs the whole pipeline in memory. Fails when an input is bad or when a
/// fix-up's target is missing (the error carries the full report).
pub fn generate(layout: &Layout) -> Result<Generated, SpecError> {
    let sources = document::read_dir(&layout.upstream)?;
    let mut doc = document::assemble(&sources)?;
    let fixes = fixes::Fixes::load(&layout.fixes)?;
    let report = fixes.apply(&mut doc)?;
    if report.missing() > 0 {
        return Err(SpecError::FixupTargetsNotFound { report });
    }
    Ok(Generated {
        json: document::to_canonical_json(&doc),
        report,
    })
}

/// Runs the pipeline and replaces the output file atomically: a failure at
/// any step leaves the previous file untouched.
pub fn write(layout: &Layout) -> Result<Generated, SpecError> {
    let generated = generate(layout)?;
    let tmp = layout.output.with_extension("json.tmp");
    let io = |source| SpecError::Io {
        path: layout.output.clone(),
        source,
    };
    std::fs::write(&tmp, &generated.json).map_err(io)?;
    if let Err(source) = std::fs::rename(&tmp, &layout.output) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(source));
    }
    Ok(generated)
}

/// Compares the output file with what the inputs produce. `Ok(None)` means
/// up to date; `Ok(Some(diff))` gives a unified diff of what would change.
pub fn check(layout: &Layout) -> Result<(Generated, Option<String>), SpecError> {
    let generated = generate(layout)?;
    let current = match std::fs::read_to_string(&layout.output) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(SpecError::Io {
                path: layout.output.clone(),
                source,
            });
        }
    };
    let diff = (current != generated.json).then(|| {
        similar::TextDiff::from_lines(&current, &generated.json)
            .unified_diff()
            .context_radius(3)
            .header(
                "sdk/openapi.json (checked in)",
                "sdk/openapi.json (generated)",
            )
            .to_string()
    });
    Ok((generated, diff))
}
