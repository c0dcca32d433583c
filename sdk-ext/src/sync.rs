//! The one way this crate takes a lock: a panic while a lock was held
//! (a bug, in a callback of the user's or here) leaves the data as it
//! was, and later users go on with it rather than panic in turn. Every
//! lock here guards plain bookkeeping that stays consistent between
//! statements. A leaf.

use std::sync::{Mutex, MutexGuard};

/// The lock of `mutex`, poisoned or not.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
