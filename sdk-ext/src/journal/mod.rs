//! A journal of the tasks a program created: every create is written
//! down before it is sent (its operation and a fingerprint of its request,
//! never the key or the request itself), then its task id or why there is
//! none (refused, or unknown: the task may exist), every status change its
//! waits see, how it ended, and the files saved. The API cannot list a
//! user's tasks; with a journal, a program that crashed between creating a
//! task and using it can find the task again ([`Journal::entries`]) and
//! resume it.
//!
//! The journal has two faces. [`Journal`] is where events are written
//! down: a client given one
//! ([`ClientBuilder::journal`](crate::ClientBuilder::journal)) is the one
//! place its creates, waits and downloads report to (the wait
//! engine and the downloads emit events; the client's sink writes them).
//! [`LeaseQueue`] is the queue workers ([`crate::worker`]) share: each
//! claims unfinished tasks under a lease ([`LeaseQueue::claim`]), renews
//! it while it waits, and reports each task once
//! ([`LeaseQueue::report`]); a task whose worker died goes to another
//! when the lease runs out.
//!
//! Both are traits so that a shared database can back them for a
//! fleet; [`SqliteJournal`] (feature `journal`) keeps both in a file, safe
//! for several processes of one machine at once; [`PostgresJournal`]
//! (feature `postgres`) in a PostgreSQL database, for processes on many
//! machines.

mod backlog;
mod event;
mod fingerprint;
#[cfg(feature = "postgres")]
mod postgres;
mod reconcile;
pub mod reference;
pub(crate) mod sink;
#[cfg(any(feature = "journal", feature = "postgres"))]
mod sql;
#[cfg(feature = "journal")]
mod sqlite;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::drift::DriftReport;
pub use crate::error::JournalError;
use crate::limit::CreateLimit;
pub use event::{CreateOutcome, EntryState, JournalEntry, JournalEvent};
pub use fingerprint::FingerprintKey;
pub(crate) use fingerprint::{new_intent, request_json};
pub use reconcile::{UNANSWERED_AFTER, is_unanswered, reconcile};

#[cfg(feature = "postgres")]
pub use postgres::{CALLBACK_CHANNEL, PostgresJournal};
#[cfg(feature = "journal")]
pub use sqlite::SqliteJournal;

/// A boxed future, as the journal's methods return (the trait is used as
/// `dyn Journal`).
pub type JournalFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, JournalError>> + Send + 'a>>;

/// Where tasks are written down; see the [module](self).
pub trait Journal: std::fmt::Debug + Send + Sync + 'static {
    /// Writes one event down; returns once it is durable.
    fn record(&self, event: JournalEvent) -> JournalFuture<'_, ()>;

    /// The fingerprint of a request body (its JSON) as this journal
    /// writes it down: keyed by a secret of the journal
    /// ([`FingerprintKey`]). The SQLite and PostgreSQL journals keep
    /// their key in the store; by default, a key of this process.
    fn fingerprint(&self, body: &[u8]) -> String {
        fingerprint::process_key().fingerprint(body)
    }

    /// Every create written down, newest first (`all: false`: only those
    /// not ended: sending, created and not ended, unknown).
    fn entries(&self, all: bool) -> JournalFuture<'_, Vec<JournalEntry>>;

    /// Adds what answers held that the description does not say
    /// ([`crate::drift`]) to the journal's drift table: counts summed,
    /// first and last times widened, per finding and per operation. A
    /// client with a journal writes its findings here. By default, a
    /// journal keeps no drift.
    fn record_drift(&self, report: &DriftReport) -> JournalFuture<'_, ()> {
        let _ = report;
        Box::pin(async { Ok(()) })
    }

    /// The drift table: every report written to this journal, merged.
    fn drift(&self) -> JournalFuture<'_, DriftReport> {
        Box::pin(async { Ok(DriftReport::default()) })
    }
}

/// A journal that workers share as a queue of tasks: each claims tasks
/// under a lease, renews it while it waits, reports each task once and
/// gives back what it stops following ([`crate::worker::Worker`] is its
/// user). [`SqliteJournal`] and [`PostgresJournal`] are both.
pub trait LeaseQueue: Journal {
    /// Leases to `holder`, for `lease`, up to `max` tasks that need a
    /// worker: made (their id is known), not yet reported, and under no
    /// live lease; oldest first. While a lease lasts no other holder gets
    /// the task. The lease is measured on the journal's clock.
    fn claim(
        &self,
        holder: &str,
        lease: Duration,
        max: usize,
    ) -> JournalFuture<'_, Vec<JournalEntry>>;

    /// Extends `holder`'s leases on the creates `intents` by `lease` from
    /// now; returns the intents it still holds (a lease that ran out may
    /// have gone to another worker: stop working on those).
    fn renew(
        &self,
        holder: &str,
        intents: &[String],
        lease: Duration,
    ) -> JournalFuture<'_, Vec<String>>;

    /// Marks the task of the create `intent` reported by `holder`, which
    /// must hold it: `true` when `holder`'s report is recorded (now, or
    /// by an earlier call of `holder` whose answer was lost: a retry
    /// recognises its own report), `false` when another holder reported
    /// it or `holder` lost its lease. A task is reported once: once
    /// reported, no holder can claim it again.
    fn report(&self, holder: &str, intent: &str) -> JournalFuture<'_, bool>;

    /// Gives up `holder`'s leases on `intents`: the tasks go back to the
    /// pool at once.
    fn release(&self, holder: &str, intents: &[String]) -> JournalFuture<'_, ()>;
}

/// The account's create limit kept across processes: a client given one
/// ([`ClientBuilder::shared_create_limit`](crate::ClientBuilder::shared_create_limit))
/// takes a turn from it before each create, so that every process
/// creating on the account stays, together, under its limit.
/// [`PostgresJournal`] is one (feature `postgres`).
pub trait SharedCreateLimit: std::fmt::Debug + Send + Sync + 'static {
    /// Waits for a turn: returns once fewer than `limit.requests()` turns
    /// count, counting this one: those still in flight (not yet ended with
    /// [`Self::end_turn`]) and those ended, or taken, in the last
    /// `limit.per()`. Fails only when the store cannot be reached; the
    /// create is then not sent.
    fn take_turn(&self, limit: CreateLimit) -> JournalFuture<'_, ()>;

    /// Says that one of the creates this store gave a turn to has had its
    /// answer (or failed): its window runs from now, as a client's own
    /// turns do ([`ClientBuilder::create_limit`](crate::ClientBuilder::create_limit)).
    /// The default does nothing, and a turn's window then runs from when
    /// it was taken.
    fn end_turn(&self, limit: CreateLimit) -> JournalFuture<'_, ()> {
        let _ = limit;
        Box::pin(async { Ok(()) })
    }
}
