//! What the poll engine needs to know about a kind of task, so that one
//! loop ([`crate::wait`]) serves them all: how to fetch its record, what
//! its status is, which stages a wait can wait for, which records end it
//! (and which of those are failures), what changes a watcher is told, and
//! when in its life a change is due. Music, with its tracks and stages, is
//! one family; lyrics, WAV, vocal separation, MIDI, video and cover images
//! are the others, each with its own record and status words.

use std::fmt::{Debug, Display};
use std::future::Future;
use std::ops::Range;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Claim, Lifecycle};
use crate::client::Client;
use crate::error::Error;
use crate::kind::TaskKind;

/// Keeps [`Family`] to this crate: users pick families, they do not
/// write them (a family is one of the API's details endpoints), so the
/// trait can grow without breaking anyone.
pub(crate) mod sealed {
    /// Implemented by each family of this crate, and only there.
    pub trait Sealed {}
}

/// A kind of task, as the poll engine sees it. Implemented by
/// [`crate::music::Music`], [`crate::lyrics::Lyrics`] and the others;
/// [`Wait`](super::Wait), [`Watch`](super::Watch) and
/// [`WaitAll`](super::WaitAll) are generic over it. Sealed: this crate's
/// families are the API's; use it as a bound, not to add one.
///
/// ```compile_fail
/// // The seal is out of reach: no family can be added outside kie-suno.
/// struct Mine;
/// impl kie_suno::wait::family::sealed::Sealed for Mine {}
/// ```
pub trait Family: sealed::Sealed + Debug + Send + Sync + Sized + 'static {
    /// Its kind (which details endpoint it has).
    const KIND: TaskKind;
    /// The record its details endpoint answers with.
    type Record: Clone + Debug + Send + Sync + 'static;
    /// Its status vocabulary (an open enum).
    type Status: Clone + Debug + Display + PartialEq + Send + Sync + 'static;
    /// How far a wait can ask a task to get.
    type Stage: Copy + Debug + Default + PartialEq + Send + Sync + 'static;
    /// What a watcher is told about a change.
    type Event: Clone + Debug + Send + Sync + 'static;
    /// What has been told already, so each change is told once.
    type Seen: Default + Debug + Send + Sync + 'static;

    /// Fetches a record, with the server's `Retry-After` hint.
    fn fetch(
        client: &Client,
        task_id: &str,
    ) -> impl Future<Output = Result<(Self::Record, Option<Duration>), Error>> + Send;

    /// The record's status.
    fn status(record: &Self::Record) -> Self::Status;

    /// When the task was created, if the record says.
    fn created_at(record: &Self::Record) -> Option<DateTime<Utc>>;

    /// No later record will differ.
    fn is_terminal(record: &Self::Record) -> bool;

    /// A terminal record that is a failure: the wait ends with
    /// [`crate::wait::WaitError::TaskFailed`].
    fn is_failed(record: &Self::Record) -> bool;

    /// The record's error message, if it has one.
    fn error_message(record: &Self::Record) -> Option<String>;

    /// Whether the record has reached `stage`.
    fn reached(stage: Self::Stage, record: &Self::Record) -> bool;

    /// Whether a callback claiming `claim` says the task reached `stage`
    /// (so a wait for that stage looks at once; other claims wake only
    /// watchers). By default only `Complete` reaches a stage: the families
    /// with one stage call back once, at the end.
    fn claim_reaches(claim: Claim, stage: Self::Stage) -> bool {
        let _ = stage;
        claim == Claim::Complete
    }

    /// The changes since what `seen` holds, in the order a watcher expects;
    /// ends with the outcome when the record is terminal.
    fn changes(seen: &mut Self::Seen, record: &Self::Record) -> Vec<Self::Event>;

    /// When (counted from creation) the change a wait is after usually
    /// comes, from the policy's lifecycle; `None` for plain backoff.
    /// `until` is `None` for a watcher, which is after the next change.
    /// `status` is `None` before the first record.
    fn window(
        lifecycle: &Lifecycle,
        until: Option<Self::Stage>,
        status: Option<&Self::Status>,
    ) -> Option<Range<Duration>>;
}

/// What a watcher of a task with only two stages (pending, then done or
/// failed) is told: the events of every family but music.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StatusEvent<R, S> {
    /// The status changed (`from` is `None` on the first poll).
    StatusChanged {
        /// The status before, if there was a poll before.
        from: Option<S>,
        /// The status now.
        to: S,
    },
    /// The task is done; its results are in the record.
    Completed(R),
    /// The task ended without results.
    Failed {
        /// The failure status.
        status: S,
        /// The last record, with its error code and message.
        record: R,
    },
}

/// The single stage of a task with results only at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Done {
    /// The task ended (successfully: a failure ends a wait with an error).
    #[default]
    Complete,
}

/// What a watcher of a two-stage task has been told.
#[derive(Debug)]
pub struct SeenStatus<S>(Option<S>);

impl<S> Default for SeenStatus<S> {
    fn default() -> Self {
        SeenStatus(None)
    }
}

/// The events of a two-stage family between `seen` and `record`.
pub(crate) fn status_changes<F>(
    seen: &mut SeenStatus<F::Status>,
    record: &F::Record,
) -> Vec<StatusEvent<F::Record, F::Status>>
where
    F: Family,
{
    let mut events = Vec::new();
    let status = F::status(record);
    if seen.0.as_ref() != Some(&status) {
        events.push(StatusEvent::StatusChanged {
            from: seen.0.replace(status.clone()),
            to: status.clone(),
        });
    }
    if F::is_terminal(record) {
        events.push(if F::is_failed(record) {
            StatusEvent::Failed {
                status,
                record: record.clone(),
            }
        } else {
            StatusEvent::Completed(record.clone())
        });
    }
    events
}
