//! A live view of a running wait, for progress displays: events report
//! changes only, while a display also wants the poll count between them.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// Polls made and the last status seen by a wait or watch. Cheap to clone;
/// clones see the same wait. `S` is the family's status.
#[derive(Debug)]
pub struct Progress<S> {
    inner: Arc<Inner<S>>,
}

impl<S> Clone for Progress<S> {
    fn clone(&self) -> Self {
        Progress {
            inner: self.inner.clone(),
        }
    }
}

impl<S> Default for Progress<S> {
    fn default() -> Self {
        Progress {
            inner: Arc::new(Inner {
                polls: AtomicU32::new(0),
                status: Mutex::new(None),
            }),
        }
    }
}

#[derive(Debug)]
struct Inner<S> {
    polls: AtomicU32,
    status: Mutex<Option<S>>,
}

impl<S: Clone> Progress<S> {
    /// Requests made so far.
    pub fn polls(&self) -> u32 {
        self.inner.polls.load(Ordering::Relaxed)
    }

    /// The status of the last record read, if one was.
    pub fn status(&self) -> Option<S> {
        self.lock().clone()
    }

    pub(crate) fn count_poll(&self) -> u32 {
        self.inner.polls.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn set_status(&self, status: S) {
        *self.lock() = Some(status);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<S>> {
        crate::sync::lock(&self.inner.status)
    }
}
