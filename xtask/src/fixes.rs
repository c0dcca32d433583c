//! The fix-ups: an OpenAPI Overlay 1.0 document (`spec/fixes.yaml`) whose
//! actions repair what the provider's pages get wrong. Each action carries an
//! `x-fixup` id; the actions sharing an id are one fix-up, reported as one
//! line, so a maintainer sees per problem whether it still applies.
//!
//! Two deliberate refinements of the Overlay semantics make fix-ups safe to
//! re-run and able to notice when upstream fixed the problem itself:
//! - `update` appends only array items not already present (so re-applying
//!   is a no-op instead of duplicating `required` entries);
//! - a `remove` whose target is gone while the target's parent still exists
//!   is a no-op ("already removed upstream"), not a missing target.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use serde_json_path::JsonPath;

use crate::error::SpecError;
pub use crate::fix_report::{Outcome, Report};

/// A parsed fix-ups document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixes {
    overlay: String,
    #[allow(dead_code, reason = "required by the Overlay format, not used")]
    info: OverlayInfo,
    #[serde(default)]
    #[allow(dead_code, reason = "allowed by the Overlay format, not used")]
    extends: Option<String>,
    actions: Vec<Action>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlayInfo {
    #[allow(dead_code)]
    title: String,
    #[allow(dead_code)]
    version: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Action {
    target: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "x-fixup")]
    fixup: String,
    /// The input file (by name, e.g. `kling-3-0.md`) whose own document
    /// the action fixes before the pages are merged: for a defect that
    /// keeps a page from merging at all (two pages claiming one model).
    #[serde(rename = "x-page", default)]
    page: Option<String>,
    #[serde(default)]
    update: Option<Value>,
    #[serde(default)]
    remove: bool,
}

impl Fixes {
    /// Reads and checks a fix-ups document.
    pub fn load(path: &Path) -> Result<Self, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, SpecError> {
        let fixes: Fixes =
            serde_norway::from_str(text).map_err(|source| SpecError::FixupsFile {
                path: path.to_path_buf(),
                source,
            })?;
        if !fixes.overlay.starts_with("1.0") {
            return Err(SpecError::unsupported(
                path,
                format!("overlay version {:?}; 1.0.x is required", fixes.overlay),
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        for action in &fixes.actions {
            if !seen.contains(&action.fixup.as_str()) {
                seen.push(&action.fixup);
                let reason = action.description.as_deref().unwrap_or("").trim();
                if reason.is_empty() || reason.contains('\n') {
                    return Err(SpecError::FixupInvalid {
                        id: action.fixup.clone(),
                        message: "the first action of a fix-up needs a one-line `description` saying why it exists".into(),
                    });
                }
            }
            if action.remove == action.update.is_some() {
                return Err(SpecError::FixupInvalid {
                    id: action.fixup.clone(),
                    message: format!(
                        "the action on {:?} must have exactly one of `update` and `remove: true`",
                        action.target
                    ),
                });
            }
        }
        Ok(fixes)
    }

    /// Applies every action but the pages' (`x-page`) to `doc`, recording
    /// into `report`. A target that is not found is recorded, not returned
    /// as an error, so the report stays complete.
    pub fn apply_into(&self, doc: &mut Value, report: &mut Report) -> Result<(), SpecError> {
        for action in self.actions.iter().filter(|a| a.page.is_none()) {
            let outcome = action.apply(doc)?;
            report.record(&action.fixup, outcome);
        }
        Ok(())
    }

    /// [`Self::apply_into`], leaving out the fix-up `id`: what the document
    /// would be without it.
    pub fn apply_without(&self, doc: &mut Value, id: &str) -> Result<(), SpecError> {
        for action in self
            .actions
            .iter()
            .filter(|a| a.page.is_none() && a.fixup != id)
        {
            action.apply(doc)?;
        }
        Ok(())
    }

    /// The ids of the fix-ups of the whole document (not `x-page` ones), in
    /// file order.
    pub fn document_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for action in self.actions.iter().filter(|a| a.page.is_none()) {
            if !ids.contains(&action.fixup) {
                ids.push(action.fixup.clone());
            }
        }
        ids
    }

    /// [`Self::apply_into`] a report of its own.
    pub fn apply(&self, doc: &mut Value) -> Result<Report, SpecError> {
        let mut report = Report::default();
        self.apply_into(doc, &mut report)?;
        Ok(report)
    }

    /// Whether any action fixes the page named `file`.
    pub fn has_page(&self, file: &str) -> bool {
        self.actions.iter().any(|a| a.page.as_deref() == Some(file))
    }

    /// Applies the actions for the page named `file` to `doc`, the page's
    /// own document.
    pub fn apply_to_page(
        &self,
        file: &str,
        doc: &mut Value,
        report: &mut Report,
    ) -> Result<(), SpecError> {
        for action in self
            .actions
            .iter()
            .filter(|a| a.page.as_deref() == Some(file))
        {
            let outcome = action.apply(doc)?;
            report.record(&action.fixup, outcome);
        }
        Ok(())
    }

    /// Records a missing target for each page action whose page is not
    /// among `files`.
    pub fn record_missing_pages(&self, files: &[String], report: &mut Report) {
        for action in &self.actions {
            if let Some(page) = &action.page
                && !files.contains(page)
            {
                let target = format!(
                    "{} (the page {page} is not among the inputs)",
                    action.target
                );
                report.record(&action.fixup, Outcome::TargetNotFound { target });
            }
        }
    }
}

impl Action {
    fn apply(&self, doc: &mut Value) -> Result<Outcome, SpecError> {
        let pointers = self.locate(doc, &self.target)?;
        if pointers.is_empty() {
            let parent_exists = match parent_query(&self.target) {
                Some(parent) if self.remove => !self.locate(doc, parent)?.is_empty(),
                _ => false,
            };
            return Ok(if parent_exists {
                Outcome::NoOp
            } else {
                Outcome::TargetNotFound {
                    target: self.target.clone(),
                }
            });
        }
        let mut changed = false;
        if let Some(update) = &self.update {
            for pointer in &pointers {
                let node = doc.pointer_mut(pointer).expect("pointer from a query");
                if !node.is_object() {
                    return Err(SpecError::FixupInvalid {
                        id: self.fixup.clone(),
                        message: format!("`update` needs an object at {pointer}, found {node}"),
                    });
                }
                changed |= merge(node, update);
            }
        } else {
            // Last first, so that removing an array item does not shift the
            // indices of the ones still to remove.
            for pointer in pointers.iter().rev() {
                changed |= remove(doc, pointer);
            }
        }
        Ok(if changed {
            Outcome::Applied
        } else {
            Outcome::NoOp
        })
    }

    /// JSON Pointers of every node the JSONPath `query` selects.
    fn locate(&self, doc: &Value, query: &str) -> Result<Vec<String>, SpecError> {
        let path = JsonPath::parse(query).map_err(|e| SpecError::FixupPath {
            id: self.fixup.clone(),
            target: query.to_string(),
            message: e.to_string(),
        })?;
        Ok(path
            .query_located(doc)
            .locations()
            .map(|p| p.to_json_pointer())
            .collect())
    }
}

/// Overlay `update`: objects merge key by key, arrays gain the items they
/// lack, anything else is replaced. Returns whether `target` changed.
fn merge(target: &mut Value, update: &Value) -> bool {
    match (target, update) {
        (Value::Object(t), Value::Object(u)) => {
            let mut changed = false;
            for (key, value) in u {
                match t.get_mut(key) {
                    Some(existing) => changed |= merge(existing, value),
                    None => {
                        t.insert(key.clone(), value.clone());
                        changed = true;
                    }
                }
            }
            changed
        }
        (Value::Array(t), Value::Array(u)) => {
            let mut changed = false;
            for item in u {
                if !t.contains(item) {
                    t.push(item.clone());
                    changed = true;
                }
            }
            changed
        }
        (t, u) if t != u => {
            *t = u.clone();
            true
        }
        _ => false,
    }
}

fn remove(doc: &mut Value, pointer: &str) -> bool {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return false;
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => map.remove(&key).is_some(),
        Some(Value::Array(items)) => match key.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// The query minus its last segment (`$.a.b['c']` -> `$.a.b`), or `None` for
/// the root. Brackets and quotes are tracked so `['x.y']` stays one segment.
fn parent_query(query: &str) -> Option<&str> {
    let mut last_start = None;
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in query.char_indices() {
        if let Some(q) = quote {
            match c {
                '\\' if !escaped => escaped = true,
                c if c == q && !escaped => quote = None,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '[' => {
                if depth == 0 {
                    last_start = Some(i);
                }
                depth += 1;
            }
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 && !query[..i].ends_with('.') => last_start = Some(i),
            _ => {}
        }
    }
    last_start.map(|i| &query[..i]).filter(|p| p.len() > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_query_strips_one_segment() {
        assert_eq!(parent_query("$.a.b"), Some("$.a"));
        assert_eq!(parent_query("$.a['b.c']"), Some("$.a"));
        assert_eq!(parent_query("$.a['x]'].c"), Some("$.a['x]']"));
        assert_eq!(parent_query("$.a"), None);
    }

    #[test]
    fn merge_reports_change_only_when_something_changed() {
        let mut doc = serde_json::json!({"a": {"b": 1}, "r": ["x"]});
        assert!(!merge(
            &mut doc,
            &serde_json::json!({"a": {"b": 1}, "r": ["x"]})
        ));
        assert!(merge(&mut doc, &serde_json::json!({"r": ["y"]})));
        assert_eq!(doc["r"], serde_json::json!(["x", "y"]));
    }
}
