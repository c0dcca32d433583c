//! The spec pipeline behind `cargo xtask spec` and `cargo xtask check`:
//! vendored provider pages -> one OpenAPI 3.0.3 document -> fix-ups ->
//! `sdk/openapi.json`. Everything here is pure over its inputs, so tests can
//! run it on copies of the spec files.
#![forbid(unsafe_code)]

pub mod bench;
pub mod canonical;
pub mod changes;
pub mod codegen;
pub mod cycles;
pub mod document;
pub mod downconvert;
pub mod drift;
pub mod error;
pub mod examples;
pub mod fix_report;
pub mod fixes;
pub mod generator;
pub mod models;
pub mod naming;
pub mod page;
pub mod release;
pub mod scale;
pub mod schema;
pub mod stats;
pub mod update;

use std::path::{Path, PathBuf};

pub use error::SpecError;
pub use fix_report::{Outcome, Report};

/// Where the pipeline reads and writes.
#[derive(Debug, Clone)]
pub struct Layout {
    pub upstream: PathBuf,
    pub fixes: PathBuf,
    pub output: PathBuf,
    /// The workspace's `Cargo.toml` (its version).
    pub manifest: PathBuf,
    /// `CHANGELOG.md`, which a written update adds to.
    pub changelog: PathBuf,
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
            manifest: root.join("Cargo.toml"),
            changelog: root.join("CHANGELOG.md"),
        }
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// The JSON examples of every prose page among `inputs` (files, or
/// directories of them), in file order.
pub fn prose_examples(inputs: &[PathBuf]) -> Result<Vec<(PathBuf, page::JsonExample)>, SpecError> {
    let mut out = Vec::new();
    for input in inputs {
        let files = if input.is_dir() {
            document::read_dir(input)?
        } else {
            let text = std::fs::read_to_string(input).map_err(|source| SpecError::Io {
                path: input.clone(),
                source,
            })?;
            vec![(input.clone(), text)]
        };
        for (path, text) in files {
            if path.extension().is_some_and(|e| e == "md") {
                let page = page::read(&path, &text)?;
                out.extend(page.examples.into_iter().map(|e| (path.clone(), e)));
            }
        }
    }
    Ok(out)
}

/// What the pipeline produced: the document (before and after the
/// fix-ups), its bytes, and the report.
#[derive(Debug)]
pub struct Generated {
    pub json: String,
    pub report: Report,
    /// The document converted from the pages, before the fix-ups (but for
    /// those of single pages, `x-page`, without which they may not merge).
    pub raw: serde_json::Value,
    /// The document after the fix-ups (what `json` holds).
    pub fixed: serde_json::Value,
}

/// Runs the whole pipeline in memory. Fails when an input is bad or when a
/// fix-up's target is missing (the error carries the full report).
pub fn generate(layout: &Layout) -> Result<Generated, SpecError> {
    let sources = document::read_dir(&layout.upstream)?;
    let fixes = fixes::Fixes::load(&layout.fixes)?;
    generate_from(
        &sources,
        &fixes,
        &naming::Names::recorded_at(&layout.output),
    )
}

/// The pipeline over given sources and fix-ups, with the component names
/// the last generated document recorded; fails when a fix-up's target is
/// missing (the error carries the full report).
pub fn generate_from(
    sources: &[(PathBuf, String)],
    fixes: &fixes::Fixes,
    names: &naming::Names,
) -> Result<Generated, SpecError> {
    let generated = build(sources, fixes, names)?;
    if generated.report.missing() > 0 {
        return Err(SpecError::FixupTargetsNotFound {
            report: generated.report,
        });
    }
    Ok(generated)
}

/// The pipeline over given sources and fix-ups, also when fix-up targets
/// are missing (the report says which), so that an update can still show
/// what changed. A fixed document the client generator cannot take is an
/// error ([`generator::problems`]).
pub fn build(
    sources: &[(PathBuf, String)],
    fixes: &fixes::Fixes,
    names: &naming::Names,
) -> Result<Generated, SpecError> {
    let mut report = Report::default();
    let mut places = document::Places::new();
    let raw = document::assemble(sources, names, fixes, &mut report, &mut places)?;
    let mut fixed = raw.clone();
    fixes.apply_into(&mut fixed, &mut report)?;
    let problems = generator::problems(&fixed);
    if !problems.is_empty() {
        let problems = problems
            .iter()
            .map(|p| document::placed(&places, p))
            .collect();
        return Err(SpecError::GeneratorLimits { problems });
    }
    report.raw_examples = examples::check(&raw);
    report.fixed_examples = examples::check(&fixed);
    Ok(Generated {
        json: document::to_canonical_json(&fixed),
        report,
        raw,
        fixed,
    })
}

/// Runs the pipeline and replaces the output file atomically: a failure at
/// any step leaves the previous file untouched.
pub fn write(layout: &Layout) -> Result<Generated, SpecError> {
    let generated = generate(layout)?;
    write_json(layout, &generated.json)?;
    Ok(generated)
}

/// Replaces the output file with `json` atomically (temp file + rename).
pub fn write_json(layout: &Layout, json: &str) -> Result<(), SpecError> {
    let tmp = layout.output.with_extension("json.tmp");
    let io = |source| SpecError::Io {
        path: layout.output.clone(),
        source,
    };
    std::fs::write(&tmp, json).map_err(io)?;
    if let Err(source) = std::fs::rename(&tmp, &layout.output) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(source));
    }
    Ok(())
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
