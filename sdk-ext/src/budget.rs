//! The per-task request budget a client's waiters share: whatever number
//! of waiters follow one task, its requests stay [`MIN_REQUEST_SPACING`]
//! apart, so the live limit of 3 per second is never crossed. A leaf: the
//! client keeps one for its clones, the waits spend it.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::time::Instant;

use crate::kind::TaskKind;

/// The floor between two requests for one task: the live API allows 3 per
/// second; 350 ms rather than 334 leaves room for delivery jitter.
pub const MIN_REQUEST_SPACING: std::time::Duration = std::time::Duration::from_millis(350);

/// Forgotten entries are swept once the map holds this many.
const SWEEP_AT: usize = 1024;

/// Next free request slot per task (its kind and id).
#[derive(Debug, Default)]
pub(crate) struct RateBudget {
    next_slot: Mutex<HashMap<(TaskKind, String), Instant>>,
}

impl RateBudget {
    /// Reserves the earliest slot for a request to `task_id`; the caller
    /// sleeps until it. A reserved slot that goes unused is simply lost.
    pub(crate) fn reserve(&self, kind: TaskKind, task_id: &str) -> Instant {
        let now = Instant::now();
        let mut slots = crate::sync::lock(&self.next_slot);
        if slots.len() >= SWEEP_AT {
            slots.retain(|_, next| *next > now);
        }
        let key = (kind, task_id.to_owned());
        match slots.get_mut(&key) {
            Some(next) => {
                let slot = (*next).max(now);
                *next = slot + MIN_REQUEST_SPACING;
                slot
            }
            None => {
                slots.insert(key, now + MIN_REQUEST_SPACING);
                now
            }
        }
    }
}
