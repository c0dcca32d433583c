//! What a journal writes down: the events of a create and its task
//! ([`JournalEvent`]), a create's outcome, and the entries read back
//! ([`JournalEntry`], [`EntryState`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::kind::TaskKind;

/// Something that happened to a create or its task.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JournalEvent {
    /// A create is about to be sent.
    CreateStarted {
        /// This create's own id (the task has none yet).
        intent: String,
        /// The kind of task it makes.
        kind: TaskKind,
        /// The operation, as the provider's page names it.
        operation: String,
        /// A fingerprint of the request body ([`Journal::fingerprint`](crate::journal::Journal::fingerprint)).
        fingerprint: String,
    },
    /// The create's outcome.
    CreateFinished {
        /// The create.
        intent: String,
        /// What came of it.
        outcome: CreateOutcome,
    },
    /// A create written down as sending long ago, with no outcome since:
    /// the program that sent it stopped (or lost the outcome). It becomes
    /// unknown (the task may exist), unless an outcome arrived meanwhile;
    /// a later outcome still replaces it. See [`reconcile`](crate::journal::reconcile).
    CreateUnanswered {
        /// The create.
        intent: String,
        /// What is known of it.
        reason: String,
    },
    /// A create whose outcome was lost (`sending` or `unknown`) was found
    /// again: a callback carrying its reference ([`reference`](mod@crate::journal::reference)) named its
    /// task, and the task's record echoes that reference. Only such an
    /// entry takes it; an entry whose task id is known keeps it.
    CreateFound {
        /// The create.
        intent: String,
        /// Its task.
        task_id: String,
    },
    /// A wait saw a task's status change.
    StatusChanged {
        /// The task's kind.
        kind: TaskKind,
        /// The task.
        task_id: String,
        /// The status, as the API writes it.
        status: String,
    },
    /// A wait saw a task end.
    Ended {
        /// The task's kind.
        kind: TaskKind,
        /// The task.
        task_id: String,
        /// Whether it made its results.
        failed: bool,
    },
    /// A file of a task was saved.
    FileSaved {
        /// The task (or, for files named by track, the track's task).
        task_id: String,
        /// Where the file is.
        path: String,
        /// Its size.
        bytes: u64,
    },
}

/// What came of a create. A refusal or an unknown outcome never replaces
/// a task id the journal holds (the create's task was found through its
/// callback before its lost answer was written down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    /// The task was made.
    Created {
        /// Its id.
        task_id: String,
    },
    /// The API refused; no task was made.
    Refused {
        /// Why.
        reason: String,
    },
    /// The answer was lost; the task may exist.
    Unknown {
        /// What went wrong.
        reason: String,
    },
}

impl CreateOutcome {
    /// Where a create with this outcome stands, its task id and the
    /// reason (for refusals and unknown outcomes), as a journal stores them.
    #[cfg_attr(not(any(feature = "journal", feature = "postgres")), allow(dead_code))]
    pub(crate) fn entry(&self) -> (EntryState, Option<&str>, Option<&str>) {
        match self {
            CreateOutcome::Created { task_id } => (EntryState::Created, Some(task_id), None),
            CreateOutcome::Refused { reason } => (EntryState::Refused, None, Some(reason)),
            CreateOutcome::Unknown { reason } => (EntryState::Unknown, None, Some(reason)),
        }
    }
}

/// Where a journaled create stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Written down, outcome not yet known (the program stopped while
    /// sending: the task may exist).
    Sending,
    /// Made; not seen ending.
    Created,
    /// Refused by the API; no task.
    Refused,
    /// The answer was lost; the task may exist.
    Unknown,
    /// Ended with its results.
    Completed,
    /// Ended without results.
    Failed,
}

impl std::fmt::Display for EntryState {
    /// Its name: `sending`, `created`, `refused`, `unknown`, `completed`,
    /// `failed`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl EntryState {
    /// Its name, as the journal stores it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EntryState::Sending => "sending",
            EntryState::Created => "created",
            EntryState::Refused => "refused",
            EntryState::Unknown => "unknown",
            EntryState::Completed => "completed",
            EntryState::Failed => "failed",
        }
    }

    /// The state stored as `text`.
    #[cfg_attr(not(any(feature = "journal", feature = "postgres")), allow(dead_code))]
    pub(crate) fn parse(text: &str) -> Option<EntryState> {
        [
            EntryState::Sending,
            EntryState::Created,
            EntryState::Refused,
            EntryState::Unknown,
            EntryState::Completed,
            EntryState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// The state of a task a wait saw end.
    pub fn ended(failed: bool) -> EntryState {
        if failed {
            EntryState::Failed
        } else {
            EntryState::Completed
        }
    }

    /// Whether the task is over (or never was): nothing more to wait for.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            EntryState::Refused | EntryState::Completed | EntryState::Failed
        )
    }
}

/// One journaled create and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalEntry {
    /// The create's own id.
    pub intent: String,
    /// The kind of task.
    pub kind: String,
    /// The operation.
    pub operation: String,
    /// The request's fingerprint.
    pub fingerprint: String,
    /// When it was written down.
    pub created_at: DateTime<Utc>,
    /// Where it stands.
    pub state: EntryState,
    /// The task's id, once known.
    pub task_id: Option<String>,
    /// The last status a wait saw.
    pub status: Option<String>,
    /// Why it was refused, or why its outcome is unknown.
    pub detail: Option<String>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The files saved for it: path and bytes.
    pub files: Vec<(String, u64)>,
    /// The worker holding its lease, if any (it may have run out: see
    /// `lease_until`).
    pub holder: Option<String>,
    /// When that lease runs out.
    pub lease_until: Option<DateTime<Utc>>,
    /// When a worker reported it, and which.
    pub reported: Option<(DateTime<Utc>, String)>,
}

/// Gives each of `entries` its saved files, from `files` (task id, path,
/// bytes) in the order they come: one look-up per file, not a scan of
/// every entry (a list of a million tasks has two million files). What
/// both stores do after reading a list.
#[cfg_attr(not(any(feature = "journal", feature = "postgres")), allow(dead_code))]
pub(crate) fn attach_files<E>(
    entries: &mut [JournalEntry],
    files: impl IntoIterator<Item = Result<(String, String, u64), E>>,
) -> Result<(), E> {
    let mut by_task: std::collections::HashMap<String, Vec<usize>> = Default::default();
    for (i, entry) in entries.iter().enumerate() {
        if let Some(task_id) = &entry.task_id {
            by_task.entry(task_id.clone()).or_default().push(i);
        }
    }
    for file in files {
        let (task_id, path, bytes) = file?;
        for &i in by_task.get(&task_id).into_iter().flatten() {
            entries[i].files.push((path.clone(), bytes));
        }
    }
    Ok(())
}

impl JournalEntry {
    /// The kind of task, when this SDK knows it.
    pub fn task_kind(&self) -> Option<TaskKind> {
        self.kind.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_back_from_their_names() {
        for state in [EntryState::Sending, EntryState::Unknown, EntryState::Failed] {
            assert_eq!(EntryState::parse(state.as_str()), Some(state));
        }
        assert!(EntryState::Completed.is_finished());
        assert!(!EntryState::Unknown.is_finished());
    }
}
