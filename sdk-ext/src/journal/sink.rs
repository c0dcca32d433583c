//! The one place a client's events go: its creates, its waits and its
//! downloads report what happened ([`JournalEvent`]) to the client's sink,
//! which writes them to the journal the client was given, if any. The
//! wait engine and the downloads know nothing of journals; they emit.
//!
//! Events differ in what a failure to write them means. A create is not
//! sent unless its start is written ([`EventSink::record`]); its outcome,
//! which holds the task id, is kept in memory and written again until the
//! journal takes it ([`EventSink::record_or_keep`]); what a wait saw or a
//! download saved is told once, and a journal that refuses it does not
//! stop the wait ([`EventSink::emit`]).

use std::sync::Arc;
use std::time::Duration;

use super::backlog::Backlog;
use super::{Journal, JournalError, JournalEvent};

/// Where a client's events go; cloned with the client's shared state.
#[derive(Debug, Default)]
pub(crate) struct EventSink {
    journal: Option<Arc<dyn Journal>>,
    /// Events the journal refused, written again in the background.
    backlog: Arc<Backlog>,
}

impl EventSink {
    /// A sink that writes to `journal` (none: events go nowhere).
    pub(crate) fn new(journal: Option<Arc<dyn Journal>>) -> Self {
        EventSink {
            journal,
            backlog: Arc::default(),
        }
    }

    /// The journal written to.
    pub(crate) fn journal(&self) -> Option<&Arc<dyn Journal>> {
        self.journal.as_ref()
    }

    /// Writes `event` and returns once it is durable (at once without a
    /// journal).
    pub(crate) async fn record(&self, event: JournalEvent) -> Result<(), JournalError> {
        match &self.journal {
            Some(journal) => journal.record(event).await,
            None => Ok(()),
        }
    }

    /// Writes `event`; when the journal refuses it, keeps it and writes
    /// it again in the background until it is written. Returns whether it
    /// was written now.
    pub(crate) async fn record_or_keep(&self, event: JournalEvent) -> Result<(), JournalError> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        match journal.record(event.clone()).await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.backlog.keep(journal.clone(), event);
                Err(e)
            }
        }
    }

    /// Tells `event` once; a journal that refuses it is logged, not
    /// retried (`what` names the event in the log).
    pub(crate) async fn emit(&self, event: JournalEvent, what: &'static str) {
        if let Err(e) = self.record(event).await {
            tracing::warn!(error = %e, "could not journal {what}");
        }
    }

    /// What the journal has not taken yet.
    pub(crate) fn unwritten(&self) -> Vec<JournalEvent> {
        self.backlog.pending()
    }

    /// Writes what the journal has not taken yet, trying for up to
    /// `within`; returns what is still not written.
    pub(crate) async fn flush(&self, within: Duration) -> Vec<JournalEvent> {
        match &self.journal {
            Some(journal) => self.backlog.flush(&**journal, within).await,
            None => Vec::new(),
        }
    }
}
