//! Callbacks passed on to every process of a fleet: the provider calls
//! one replica back, but the task's wait may run in another. A
//! [`Fanout`] takes each verified callback from the receiver that heard
//! it ([`Receiver::publish_to`](crate::callback::Receiver::publish_to))
//! and wakes the waits of every subscribed process
//! ([`Fanout::subscribe`]). [`PostgresJournal`](crate::journal::PostgresJournal)
//! is one (feature `postgres`: LISTEN/NOTIFY, replayed to a listener that
//! reconnects); a service with a bus of its own implements it on that.

use std::future::Future;
use std::pin::Pin;

use crate::error::JournalError;
use crate::kind::TaskKind;
use crate::wait::{Claim, Wakeups};

/// A boxed future, as a [`Fanout`] returns (it is used as `dyn Fanout`).
pub type FanoutFuture<'a> = Pin<Box<dyn Future<Output = Result<(), JournalError>> + Send + 'a>>;

/// Where verified callbacks go so that every process hears them; see the
/// [module](self).
pub trait Fanout: std::fmt::Debug + Send + Sync + 'static {
    /// Passes on that a verified callback about task `task_id` (of `kind`)
    /// claims `claim`. Returns once it is on its way to every subscriber.
    fn publish(&self, kind: TaskKind, task_id: &str, claim: Claim) -> FanoutFuture<'_>;

    /// Wakes `wakeups` on every callback any process publishes, until the
    /// returned task is aborted.
    fn subscribe(&self, wakeups: &Wakeups) -> tokio::task::JoinHandle<()>;
}
