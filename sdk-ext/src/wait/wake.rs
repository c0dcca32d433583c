//! Wake-ups: how callbacks reach waits. A receiver (or anything that hears
//! about a task) calls [`Wakeups::notify`]; every wait of that task given
//! these wake-ups polls at once to confirm what changed, instead of at its
//! next scheduled poll. A wake-up carries no data: the confirming poll is
//! what a wait reports, so a forged or lying callback costs one poll and
//! nothing more, and a lost one costs latency (the safety-net poll still
//! comes).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::Notify;

/// How often a wait with wake-ups polls anyway, in case callbacks are lost
/// (the provider suggests 30 s).
pub const DEFAULT_SAFETY_INTERVAL: Duration = Duration::from_secs(30);

/// Wake-ups shared by a receiver and the waits it serves. Cheap to clone;
/// clones share the waiters.
#[derive(Debug, Clone, Default)]
pub struct Wakeups {
    waiters: Arc<Mutex<HashMap<String, Vec<Weak<Notify>>>>>,
}

impl Wakeups {
    /// New wake-ups with no waiters.
    pub fn new() -> Self {
        Wakeups::default()
    }

    /// Something happened to `task_id`: its waits poll now. Returns whether
    /// a wait of that task is listening. A wake-up that comes while the wait
    /// is polling is kept for its next sleep.
    pub fn notify(&self, task_id: &str) -> bool {
        let mut waiters = self.lock();
        waiters.retain(|_, list| {
            list.retain(|w| w.strong_count() > 0);
            !list.is_empty()
        });
        let Some(list) = waiters.get(task_id) else {
            return false;
        };
        for notify in list.iter().filter_map(Weak::upgrade) {
            // Wakes the wait if it sleeps, or is kept for its next sleep.
            notify.notify_one();
        }
        true
    }

    /// The signal one wait of `task_id` sleeps on; it stops listening when
    /// the wait drops it.
    pub(crate) fn listen(&self, task_id: &str) -> Arc<Notify> {
        let notify = Arc::new(Notify::new());
        self.lock()
            .entry(task_id.to_owned())
            .or_default()
            .push(Arc::downgrade(&notify));
        notify
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Weak<Notify>>>> {
        self.waiters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
