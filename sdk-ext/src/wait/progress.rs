//! A live view of a running wait, for progress displays: events report
//! changes only, while a display also wants the poll count between them.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use crate::status::TaskStatus;

/// Polls made and the last status seen by a wait or watch. Cheap to clone;
/// clones see the same wait.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    polls: AtomicU32,
    status: Mutex<Option<TaskStatus>>,
}

impl Progress {
    /// Requests made so far.
    pub fn polls(&self) -> u32 {
        self.inner.polls.load(Ordering::Relaxed)
    }

    /// The status of the last record read, if one was.
    pub fn status(&self) -> Option<TaskStatus> {
        self.lock().clone()
    }

    pub(crate) fn count_poll(&self) -> u32 {
        self.inner.polls.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn set_status(&self, status: TaskStatus) {
        *self.lock() = Some(status);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<TaskStatus>> {
        self.inner
            .status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
