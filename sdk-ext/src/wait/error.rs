//! How a wait can end without the awaited stage.

use std::time::Duration;

use crate::error::Error;
use crate::record::TaskRecord;
use crate::status::TaskStatus;

/// Why a wait ended without reaching its stage. Keeps the last state seen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// The deadline passed first.
    #[error("task {task_id:?} did not get there within {elapsed:.0?} ({polls} polls; last status: {}){}",
        last.as_ref().map_or("none seen".to_owned(), |r| r.status().to_string()),
        last_error.as_ref().map_or(String::new(), |e| format!("; last error: {e}")))]
    TimedOut {
        /// The task waited for.
        task_id: String,
        /// How long the wait took.
        elapsed: Duration,
        /// Requests made.
        polls: u32,
        /// The last record read, if any was.
        last: Option<TaskRecord>,
        /// The error of the last poll, if it failed (boxed: it is rarely
        /// looked at and would double the size of every `WaitError`).
        last_error: Option<Box<Error>>,
    },

    /// The task ended without music (a failure status, or a callback
    /// exception whose tracks are not all done).
    #[error("task {:?} failed with {status}{}", record.task_id(),
        record.error().map_or(String::new(), |e| format!(": {}", e.message.unwrap_or_default())))]
    TaskFailed {
        /// The status it ended in.
        status: TaskStatus,
        /// The last record, with its error code, message and any tracks.
        record: TaskRecord,
    },

    /// A call failed in a way retrying cannot fix (bad key, no credits,
    /// unknown task after the grace period, ...).
    #[error(transparent)]
    Api(Error),

    /// The wait was cancelled through its cancellation token.
    #[error("the wait was cancelled")]
    Cancelled,
}

impl WaitError {
    /// The last record the wait saw, when it saw one.
    pub fn last_record(&self) -> Option<&TaskRecord> {
        match self {
            WaitError::TimedOut { last, .. } => last.as_ref(),
            WaitError::TaskFailed { record, .. } => Some(record),
            _ => None,
        }
    }
}
