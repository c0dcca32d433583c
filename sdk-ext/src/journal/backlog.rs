//! Events the journal could not take when they happened (its disk full,
//! its database away past the retry window), kept in memory and written
//! again in the background until they are durable. What matters most is
//! a create's outcome: without it, a paid task has no id in the journal.
//! Whatever is still unwritten is handed out
//! ([`Client::unwritten_journal_events`](crate::Client::unwritten_journal_events)),
//! so that a program can show it before it exits.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Journal, JournalEvent};

/// The first wait before writing again; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Events waiting to be written, and whether a writer is at work.
#[derive(Debug, Default)]
pub(crate) struct Backlog {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    pending: Vec<JournalEvent>,
    writing: bool,
}

impl Backlog {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        crate::sync::lock(&self.state)
    }

    /// Keeps `event` and writes it to `journal` in the background, again
    /// and again, until it is written (or the program ends).
    pub(crate) fn keep(self: &Arc<Self>, journal: Arc<dyn Journal>, event: JournalEvent) {
        let start = {
            let mut state = self.lock();
            state.pending.push(event);
            !std::mem::replace(&mut state.writing, true)
        };
        if !start {
            return;
        }
        let backlog = self.clone();
        let spawned = tokio::runtime::Handle::try_current().map(|runtime| {
            runtime.spawn(async move {
                let mut backoff = FIRST_BACKOFF;
                loop {
                    tokio::time::sleep(backoff).await;
                    if backlog.write_all(&*journal).await {
                        return;
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            })
        });
        if spawned.is_err() {
            // No runtime to write from: kept for flush() and for showing.
            self.lock().writing = false;
        }
    }

    /// Writes what is pending, in order; `true` once nothing is left (the
    /// writer then stops).
    async fn write_all(&self, journal: &dyn Journal) -> bool {
        let batch = std::mem::take(&mut self.lock().pending);
        let mut failed = Vec::new();
        for event in batch {
            if !failed.is_empty() {
                failed.push(event);
                continue;
            }
            if let Err(e) = journal.record(event.clone()).await {
                tracing::warn!(error = %e, "the journal still cannot be written; retrying");
                failed.push(event);
            }
        }
        let mut state = self.lock();
        // Events kept meanwhile come after the ones that failed.
        failed.append(&mut state.pending);
        state.pending = failed;
        let done = state.pending.is_empty();
        if done {
            state.writing = false;
        }
        done
    }

    /// What is not written yet.
    pub(crate) fn pending(&self) -> Vec<JournalEvent> {
        self.lock().pending.clone()
    }

    /// Tries to write what is pending for up to `within`; returns what is
    /// still not written.
    pub(crate) async fn flush(&self, journal: &dyn Journal, within: Duration) -> Vec<JournalEvent> {
        let deadline = crate::later::later(tokio::time::Instant::now(), within);
        let mut backoff = FIRST_BACKOFF;
        loop {
            if self.lock().pending.is_empty() || self.write_all(journal).await {
                return Vec::new();
            }
            if crate::later::later(tokio::time::Instant::now(), backoff) > deadline {
                return self.pending();
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}
