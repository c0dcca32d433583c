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
use crate::naming::Names;
use crate::release::{self, Release};
use crate::{Layout, downconvert, page};

/// What an update would do (or did).
#[derive(Debug)]
pub struct Update {
    /// Files of spec/upstream replaced or added, with what they came from.
    pub files: Vec<(PathBuf, String)>,
    /// Files of spec/upstream whose every operation an input supersedes.
    pub removed: Vec<PathBuf>,
    pub changes: Vec<Change>,
    pub report: Report,
    /// The regenerated `sdk/openapi.json`.
    pub json: String,
    /// The new upstream files: (path under spec/upstream, text).
    pub upstream: Vec<(PathBuf, String)>,
    /// The release the changes need.
    pub release: Release,
}

impl Update {
    /// Whether fix-up targets vanished: the update is refused until those
    /// fix-ups are rewritten.
    pub fn refused(&self) -> bool {
        self.report.missing() > 0
    }
}

impl Update {
    /// `spec/upstream/<path below it>`, whatever the root.
    fn shown(&self, path: &Path) -> String {
        let parts: Vec<String> = path
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let below = parts
            .windows(2)
            .rposition(|w| w[0] == "spec" && w[1] == "upstream")
            .map_or(&parts[parts.len().saturating_sub(1)..], |i| &parts[i..]);
        below.join("/")
    }
}

impl fmt::Display for Update {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "inputs:")?;
        for (file, how) in &self.files {
            writeln!(f, "  {}: {how}", self.shown(file))?;
        }
        for file in &self.removed {
            writeln!(
                f,
                "  {}: removed (its operations come from the inputs now)",
                self.shown(file)
            )?;
        }
        writeln!(f, "changes for users of the generated crate:")?;
        let lost = self.report.lost_targets();
        for change in &self.changes {
            write!(f, "  {change}")?;
            for (id, target) in &lost {
                if changes::location_of_target(target)
                    .is_some_and(|at| changes::within(&at, &change.location))
                {
                    write!(f, "; fix-up {id} lost its target")?;
                }
            }
            writeln!(f)?;
        }
        if self.changes.is_empty() {
            writeln!(f, "  none")?;
        }
        write!(f, "{}", self.report)?;
        writeln!(f, "{}", changes::summary(&self.changes))?;
        writeln!(f, "{}", self.release)?;
        if self.refused() {
            writeln!(
                f,
                "refused: {} fix-up target(s) vanished; rewrite those fix-ups against the new pages",
                self.report.missing()
            )?;
        }
        Ok(())
    }
}

/// Reads the inputs (files, or directories of them) and computes the update
/// without writing anything. Fix-ups whose targets vanished do not stop the
/// report (see [`Update::refused`]).
pub fn plan(layout: &Layout, inputs: &[PathBuf]) -> Result<Update, SpecError> {
    let current = document::read_dir(&layout.upstream)?;
    let mut upstream = current.clone();
    let mut files = Vec::new();
    let mut removed = Vec::new();
    // Each operation this update supplies, and the input that supplies it:
    // a second input with the same operation would replace the first one
    // silently.
    let mut supplied: Vec<(String, PathBuf)> = Vec::new();
    // Each input taken, with its text.
    let mut taken: Vec<(PathBuf, String)> = Vec::new();
    for input in expand(inputs)? {
        let text = std::fs::read_to_string(&input).map_err(|source| SpecError::Io {
            path: input.clone(),
            source,
        })?;
        if let Some((first, _)) = taken.iter().find(|(_, t)| *t == text) {
            // The same bytes twice (one page reached by two paths): once.
            files.push((
                input.clone(),
                format!("the same as {}; taken once", first.display()),
            ));
            continue;
        }
        let placed = place(layout, &upstream, &input, text.clone())?;
        taken.push((input.clone(), text));
        for name in &placed.operations {
            if let Some((_, first)) = supplied.iter().find(|(op, _)| op == name) {
                return Err(SpecError::unsupported(
                    &input,
                    format!(
                        "it supplies {name}, which {} of this update supplies too; give each \
                         operation once (one of the two pages is not the current one)",
                        first.display()
                    ),
                ));
            }
        }
        if let Some((first, _)) = files.iter().find(|(target, _)| *target == placed.target) {
            let what = if placed.operations.is_empty() {
                "a prose page"
            } else {
                "a page"
            };
            return Err(SpecError::unsupported(
                &input,
                format!(
                    "it is {what} that would be vendored as {}, where this update puts {} \
                     already; give the two different names or folders",
                    placed.target.display(),
                    first.display()
                ),
            ));
        }
        supplied.extend(
            placed
                .operations
                .iter()
                .map(|op| (op.clone(), input.clone())),
        );
        for gone in &placed.supersedes {
            upstream.retain(|(p, _)| p != gone);
            if *gone != placed.target && !removed.contains(gone) {
                removed.push(gone.clone());
            }
        }
        match upstream.iter_mut().find(|(p, _)| *p == placed.target) {
            Some(entry) => entry.1 = placed.text,
            None => upstream.push((placed.target.clone(), placed.text)),
        }
        removed.retain(|p| *p != placed.target);
        files.push((placed.target, placed.how));
    }
    upstream.sort_by(|a, b| a.0.cmp(&b.0));

    let fixes = Fixes::load(&layout.fixes)?;
    let names = Names::recorded_at(&layout.output);
    let old_raw = document::assemble(
        &current,
        &names,
        &fixes,
        &mut Default::default(),
        &mut Default::default(),
    )?;
    let old_fixed: Value = match std::fs::read_to_string(&layout.output) {
        Ok(text) => serde_json::from_str(&text).map_err(|source| SpecError::Json {
            path: layout.output.clone(),
            source,
        })?,
        Err(_) => crate::generate_from(&current, &fixes, &names)?.fixed,
    };
    let mut generated = crate::build(&upstream, &fixes, &names)?;
    // The published pages' known problems are listed by `cargo xtask spec`;
    // an update lists the ones it brings.
    let before = crate::examples::check(&old_raw);
    let count = generated.report.raw_examples.len();
    generated
        .report
        .raw_examples
        .retain(|p| !before.iter().any(|b| b.same_as(p)));
    generated.report.raw_examples_as_before = count - generated.report.raw_examples.len();
    let mut changes = changes::compare(&old_raw, &generated.raw, &old_fixed, &generated.fixed);
    let without = |id: &str| {
        let mut doc = generated.raw.clone();
        fixes.apply_without(&mut doc, id).ok().map(|()| doc)
    };
    changes::name_absorbers(&mut changes, &old_fixed, &fixes.document_ids(), &without);
    let version = std::fs::read_to_string(&layout.manifest)
        .ok()
        .and_then(|manifest| release::workspace_version(&manifest));
    Ok(Update {
        files,
        removed,
        release: Release::of(&changes, version),
        changes,
        report: generated.report,
        json: generated.json,
        upstream,
    })
}

/// `cargo xtask update-spec`: plans the update, prints its report to `out`
/// and, unless `dry_run`, writes it. Nothing is written on an error or when
/// the update is refused (the report is printed all the same).
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
    if update.refused() {
        return Err(SpecError::FixupTargetsNotFound {
            report: update.report,
        });
    }
    Ok(())
}

/// Writes a planned update: the upstream files, `sdk/openapi.json`, then
/// the changes users see into `CHANGELOG.md`. A refused update writes
/// nothing.
pub fn apply(layout: &Layout, update: &Update) -> Result<(), SpecError> {
    if update.refused() {
        return Err(SpecError::FixupTargetsNotFound {
            report: update.report.clone(),
        });
    }
    for (path, text) in &update.upstream {
        if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
            let io = |source| SpecError::Io {
                path: path.clone(),
                source,
            };
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder).map_err(io)?;
            }
            std::fs::write(path, text).map_err(io)?;
        }
    }
    for path in &update.removed {
        std::fs::remove_file(path).map_err(|source| SpecError::Io {
            path: path.clone(),
            source,
        })?;
    }
    crate::write_json(layout, &update.json)?;
    if update.changes.iter().any(|c| !c.absorbed) {
        let before = std::fs::read_to_string(&layout.changelog).unwrap_or_default();
        let after = release::add_to_changelog(&before, &update.changes);
        std::fs::write(&layout.changelog, after).map_err(|source| SpecError::Io {
            path: layout.changelog.clone(),
            source,
        })?;
    }
    Ok(())
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

/// The folder of spec/upstream a new input goes to: one per API, named
/// after the input's own folder (`other-apis/veo3/C/quickstart.md` ->
/// `veo3`, a form folder `A`, `B` or `C` skipped), so that two APIs'
/// `quickstart.md` never meet.
fn api_folder(input: &Path) -> PathBuf {
    let mut folders = input
        .parent()
        .into_iter()
        .flat_map(Path::ancestors)
        .filter_map(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned());
    let folder = match folders.next() {
        Some(form) if matches!(form.as_str(), "A" | "B" | "C") => folders.next(),
        other => other,
    };
    folder
        .filter(|f| !f.is_empty() && f != "." && f != "..")
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// Where an input goes in spec/upstream.
struct Placed {
    target: PathBuf,
    text: String,
    how: String,
    /// Vendored files whose operations the input supplies now.
    supersedes: Vec<PathBuf>,
    /// The operations it supplies (none for a prose page).
    operations: Vec<String>,
}

/// Where an input goes in spec/upstream, its text there, and how. A file
/// of endpoint pages replaces the vendored files that hold the same
/// operations (a single page keeps its vendored name); one that would
/// replace only some operations of a vendored file is refused. A prose
/// page goes by its file name.
fn place(
    layout: &Layout,
    current: &[(PathBuf, String)],
    input: &Path,
    text: String,
) -> Result<Placed, SpecError> {
    let name = input.file_name().map(PathBuf::from).unwrap_or_default();
    let home = layout.upstream.join(api_folder(input));
    let (target, text, how) = match input.extension().and_then(|e| e.to_str()) {
        Some("md") => {
            let page = page::read(input, &text)?;
            if page.is_prose() {
                let how = format!(
                    "prose page, vendored as is ({} JSON examples)",
                    page.examples.len()
                );
                return Ok(Placed {
                    target: home.join(name),
                    text,
                    how,
                    supersedes: Vec::new(),
                    operations: Vec::new(),
                });
            }
            (home.join(name), text, String::new())
        }
        Some("json" | "yaml" | "yml") => {
            let mut doc: Value = if input.extension().is_some_and(|e| e == "json") {
                serde_json::from_str(&text).map_err(|source| SpecError::Json {
                    path: input.to_path_buf(),
                    source,
                })?
            } else {
                serde_norway::from_str(&text).map_err(|e| SpecError::Yaml {
                    place: crate::error::Place::file(input),
                    message: e.to_string(),
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
                let target = home.join(stem).with_extension("json");
                let how = format!("OpenAPI {version} down-converted to 3.0.3; ");
                (target, document::to_canonical_json(&doc), how)
            } else {
                (
                    home.join(name),
                    text,
                    "OpenAPI document, taken as is; ".to_owned(),
                )
            }
        }
        _ => {
            return Err(SpecError::UnknownFileType {
                path: input.to_path_buf(),
            });
        }
    };
    let endpoints = document::endpoints_of(&target, &text)?;
    let names: Vec<String> = endpoints.iter().map(page::Endpoint::name).collect();
    let mut supersedes = Vec::new();
    for (path, existing) in current {
        let theirs = document::endpoints_of(path, existing)?;
        let taken = theirs.iter().filter(|e| names.contains(&e.name())).count();
        if taken == 0 {
            continue;
        }
        if taken < theirs.len() {
            return Err(SpecError::unsupported(
                input,
                format!(
                    "it supplies {taken} of the {} operations of the vendored {}; split or update that file too",
                    theirs.len(),
                    path.display()
                ),
            ));
        }
        supersedes.push(path.clone());
    }
    // One page for one vendored page of the same kind keeps the vendored
    // name (and folder).
    let target = match (&supersedes[..], &endpoints[..]) {
        ([only], [_]) if only.extension() == target.extension() => only.clone(),
        _ => target,
    };
    let forms: std::collections::BTreeSet<String> =
        endpoints.iter().map(|e| e.form.to_string()).collect();
    let verb = if supersedes.is_empty() {
        "adds"
    } else {
        "replaces"
    };
    let how = if let [one] = &names[..] {
        format!("{how}{verb} the page for {one}")
    } else {
        format!(
            "{how}{verb} {} operations ({}): {}",
            names.len(),
            forms.into_iter().collect::<Vec<_>>().join(", "),
            names.join(", ")
        )
    };
    Ok(Placed {
        target,
        text,
        how,
        supersedes,
        operations: names,
    })
}
