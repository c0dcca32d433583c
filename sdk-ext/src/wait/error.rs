//! How a wait can end without the awaited stage.

use std::time::Duration;

use super::Family;
use crate::error::Error;

/// Why a wait ended without reaching its stage. Keeps the last state seen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError<F: Family> {
    /// The deadline passed first.
    #[error("task {task_id:?} did not get there within {elapsed:.0?} ({polls} polls; last status: {}){}",
        last.as_ref().map_or("none seen".to_owned(), |r| F::status(r).to_string()),
        last_error.as_ref().map_or(String::new(), |e| format!("; last error: {e}")))]
    TimedOut {
        /// The task waited for.
        task_id: String,
        /// How long the wait took.
        elapsed: Duration,
        /// Requests made.
        polls: u32,
        /// The last record read, if any was.
        last: Option<F::Record>,
        /// The error of the last poll, if it failed (boxed: it is rarely
        /// looked at and would double the size of every `WaitError`).
        last_error: Option<Box<Error>>,
    },

    /// The task ended without results (a failure status, or a callback
    /// exception without its results).
    #[error("task {task_id:?} failed with {status}{}",
        message.as_ref().map_or(String::new(), |m| format!(": {m}")))]
    TaskFailed {
        /// The task.
        task_id: String,
        /// The status it ended in.
        status: F::Status,
        /// The record's error message, if it has one.
        message: Option<String>,
        /// The last record, with its error code, message and any results.
        record: F::Record,
    },

    /// A call failed in a way retrying cannot fix (bad key, no credits,
    /// unknown task after the grace period, ...).
    #[error(transparent)]
    Api(Error),

    /// The wait was cancelled through its cancellation token.
    #[error("the wait was cancelled")]
    Cancelled,
}

impl<F: Family> WaitError<F> {
    /// The last record the wait saw, when it saw one.
    pub fn last_record(&self) -> Option<&F::Record> {
        match self {
            WaitError::TimedOut { last, .. } => last.as_ref(),
            WaitError::TaskFailed { record, .. } => Some(record),
            _ => None,
        }
    }
}
