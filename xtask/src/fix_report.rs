//! What applying the fix-ups did: one line per fix-up (applied, no-op,
//! or its target gone), then the provider's examples the generated code
//! would reject, before and after the fix-ups. Errors carry it (a fix-up
//! whose target vanished), so it sits below them.

use std::fmt;

/// What one fix-up did to the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    NoOp,
    TargetNotFound { target: String },
}

/// One line per fix-up, in the order of the fix-ups file, then the
/// examples the generated code would reject, before and after fix-ups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub fixups: Vec<(String, Outcome)>,
    /// Example problems in the pages as published: candidates for fix-ups.
    pub raw_examples: Vec<crate::examples::ExampleProblem>,
    /// Problems of the published pages left out of `raw_examples` because
    /// the pages had them before an update too (see `update-spec`).
    pub raw_examples_as_before: usize,
    /// Example problems left after the fix-ups: the generated crate would
    /// reject the provider's own example.
    pub fixed_examples: Vec<crate::examples::ExampleProblem>,
}

impl Report {
    pub fn missing(&self) -> usize {
        self.fixups
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::TargetNotFound { .. }))
            .count()
    }

    /// `(fix-up id, target)` of each fix-up whose target vanished.
    pub fn lost_targets(&self) -> Vec<(&str, &str)> {
        self.fixups
            .iter()
            .filter_map(|(id, o)| match o {
                Outcome::TargetNotFound { target } => Some((id.as_str(), target.as_str())),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn record(&mut self, id: &str, outcome: Outcome) {
        let Some((_, current)) = self.fixups.iter_mut().find(|(i, _)| i == id) else {
            self.fixups.push((id.to_string(), outcome));
            return;
        };
        // The worst outcome of a fix-up's actions is the fix-up's outcome.
        let rank = |o: &Outcome| match o {
            Outcome::NoOp => 0,
            Outcome::Applied => 1,
            Outcome::TargetNotFound { .. } => 2,
        };
        if rank(&outcome) > rank(current) {
            *current = outcome;
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (id, outcome) in &self.fixups {
            match outcome {
                Outcome::Applied => writeln!(f, "fix-up {id}: applied")?,
                Outcome::NoOp => writeln!(
                    f,
                    "fix-up {id}: no-op (already fixed upstream: consider deleting)"
                )?,
                Outcome::TargetNotFound { target } => {
                    writeln!(f, "fix-up {id}: target not found: {target}")?
                }
            }
        }
        let raw_label = if self.raw_examples_as_before > 0 {
            format!(
                "examples the generated code would reject, in the pages as published, new with this update ({} more as before, not listed)",
                self.raw_examples_as_before
            )
        } else {
            "examples the generated code would reject, in the pages as published".to_owned()
        };
        for (label, problems) in [
            (raw_label.as_str(), &self.raw_examples),
            (
                "examples the generated code would reject, after the fix-ups",
                &self.fixed_examples,
            ),
        ] {
            writeln!(f, "{label}: {}", problems.len())?;
            for problem in problems {
                writeln!(f, "  {problem}")?;
            }
        }
        Ok(())
    }
}
