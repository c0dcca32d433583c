//! Waiting for tasks of any family: a [`Wait`] until a stage is reached,
//! a [`Watch`] for every change as it happens, and [`WaitAll`] for many
//! tasks at once. For music, [`Client::wait`], [`Client::watch`] and
//! [`Client::wait_all`] are the short way in; every family's namespace
//! (`client.lyrics().wait(id)`, ...) has the same three.
//!
//! All three run one polling loop, generic over the task's [`Family`], shaped by a [`PollPolicy`] (delays:
//! backoff with jitter, dense polling where the lifecycle says a change is
//! due) and an [`ErrorPolicy`] (which failures to sleep through), under a
//! deadline. Waiters of one task through one client (or its clones) share
//! a budget that keeps them under the API's 3 requests per second per
//! task. Nothing is spawned: dropping a wait, watch or `wait_all` stream at
//! any point stops it.
//!
//! ```no_run
//! # async fn run(client: kie_suno::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use kie_suno::music::Stage;
//!
//! let record = client
//!     .wait("5c79be8e")
//!     .until(Stage::Streamable)
//!     .deadline(Duration::from_secs(120))
//!     .await?;
//! println!("{:?}", record.tracks()[0].stream_audio_url());
//! # Ok(()) }
//! ```
//!
//! With callbacks, [`Wait::wake_on`] makes the same loop sleep until a
//! callback that matters to the wait arrives ([`Wakeups`]) and poll only to
//! confirm it, with a safety-net poll at 30 s and then every 60 s while
//! callbacks keep arriving (and its own schedule when they do not).
//!
//! # When a task has failed
//!
//! A record ends a wait as [`WaitError::TaskFailed`] (with the provider's
//! message, its URL queries removed) when it says the task failed, which
//! is one of:
//! - a failure status (`CREATE_TASK_FAILED`, `GENERATE_AUDIO_FAILED`,
//!   `SENSITIVE_WORD_ERROR`, each family's own `GENERATE_*_FAILED`);
//! - an error on the record, **whatever its status**: an `errorCode` other
//!   than 0 and 200, or an `errorMessage` that is not blank. Live, a task
//!   can stay `PENDING` for minutes after it failed (e.g. code 413
//!   "Uploaded audio matches existing work of art."); a refusal has come
//!   with code 0 and only a message. A successful record carries a null
//!   code (200 for covers) and a null or empty message, which is how it
//!   is told apart;
//! - except where the results are there: a `SUCCESS` with an error is a
//!   failure only without any result (for music: no track with audio),
//!   and `CALLBACK_EXCEPTION` (the provider failed to deliver its
//!   callback) ends a wait successfully when every result is there (every
//!   track, for music). Either way the record is kept.
//!
//! A `SUCCESS` whose tracks lack their audio URL is complete: the wait
//! ends, and [`MusicRecord::missing_files`](crate::MusicRecord::missing_files)
//! says what is missing.
//!
//! # A task the API does not know yet
//!
//! Live, a task just created can be answered "not found" for up to about
//! 90 s (code 422 "recordInfo is null", code or HTTP 404, `data: null`).
//! A wait for a task this client created ([`Wait::just_created`],
//! [`Wait::created_ago`]; a create's [`TaskHandle`](crate::TaskHandle)
//! does it) sleeps through such answers until 3 minutes after the create;
//! one for an id it was given, for 30 s from its start
//! ([`Wait::not_found_grace`] changes either). Then it ends with
//! [`Error::TaskNotFound`](crate::Error::TaskNotFound) saying how long it
//! looked.

mod error;
pub(crate) mod family;
mod many;
mod policy;
mod poller;
mod progress;
mod wake;

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use futures_util::stream::BoxStream;

pub use error::WaitError;
pub(crate) use family::status_changes;
pub use family::{Done, Family, SeenStatus, StatusEvent};
pub use many::{Finished, WaitAll};
pub use policy::{
    DelayPolicy, ErrorPolicy, Lifecycle, Look, MIN_REQUEST_SPACING, PollPolicy, RetryPolicy,
    Schedule,
};
pub use progress::Progress;
pub use wake::{Claim, DEFAULT_SAFETY_INTERVAL, LATE_CALLBACK_GRACE, Wakeups};

use crate::client::Client;
use poller::{Config, Poller};

type EventCallback<E> = Box<dyn FnMut(&E) + Send>;

/// A wait for one task of family `F`, configured by its methods and run by
/// `.await`.
#[must_use = "a wait does nothing until awaited"]
pub struct Wait<F: Family> {
    client: Client,
    task_id: String,
    config: Config<F>,
    on_event: Option<EventCallback<F::Event>>,
    progress: Progress<F::Status>,
}

impl<F: Family> std::fmt::Debug for Wait<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wait")
            .field("task_id", &self.task_id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The settings every wait has, for [`Wait`] and [`WaitAll`] alike (both
/// keep them in a `config: Config` field).
macro_rules! wait_settings {
    () => {
        /// The stage to wait for (default: the task's end).
        pub fn until(mut self, stage: F::Stage) -> Self {
            self.config.until = Some(stage);
            self
        }

        /// The longest a wait may take, from its start (default 10
        /// minutes). When the next poll would fall after it, the wait polls
        /// once more at the deadline and then ends with
        /// [`WaitError::TimedOut`]. A request in flight at the deadline is
        /// let finish (bounded by the client's timeout).
        pub fn deadline(mut self, deadline: std::time::Duration) -> Self {
            self.config.deadline = deadline;
            self
        }

        /// The delays between polls (default
        /// [`PollPolicy::default`](crate::wait::PollPolicy::default); any
        /// [`DelayPolicy`](crate::wait::DelayPolicy)).
        pub fn policy(mut self, policy: impl crate::wait::DelayPolicy) -> Self {
            self.config.policy = std::sync::Arc::new(policy);
            self
        }

        /// Which errors to retry (default
        /// [`ErrorPolicy::default`](crate::wait::ErrorPolicy::default); any
        /// [`RetryPolicy`](crate::wait::RetryPolicy)).
        pub fn error_policy(mut self, errors: impl crate::wait::RetryPolicy) -> Self {
            self.config.errors = std::sync::Arc::new(errors);
            self
        }

        /// Wakes on callbacks: each [`Wakeups::notify`](crate::wait::Wakeups::notify)
        /// for the task makes the wait poll at once to confirm the change,
        /// and between them it polls only every `safety_interval` (default
        /// [`DEFAULT_SAFETY_INTERVAL`](crate::wait::DEFAULT_SAFETY_INTERVAL))
        /// in case callbacks are lost, plus once at the deadline. Errors
        /// are retried as usual.
        pub fn wake_on(mut self, wakeups: &crate::wait::Wakeups) -> Self {
            self.config.wakeups = Some(wakeups.clone());
            self
        }

        /// The task was created moments ago, so it is known to be pending
        /// (a create's [`TaskHandle`](crate::TaskHandle) says so): with
        /// [`Self::wake_on`], the first poll waits for a callback or the
        /// safety net instead of looking at once; and while the API does
        /// not know the task yet, the wait looks for it as for a task
        /// created by this client (see [`Self::created_ago`]).
        pub fn just_created(mut self) -> Self {
            self.config.just_created = true;
            self.config
                .created_ago
                .get_or_insert(std::time::Duration::ZERO);
            self
        }

        /// This client created the task `age` ago (a journaled create, a
        /// [`TaskHandle`](crate::TaskHandle) kept a while). Live, a new
        /// task can be unknown to the API ("recordInfo is null", 404,
        /// `data: null`) for up to about 90 s: such answers are then
        /// slept through until the not-found grace, counted from the
        /// create (3 minutes by default). A task named only by its id
        /// gets the grace from the wait's start (30 s by default).
        pub fn created_ago(mut self, age: std::time::Duration) -> Self {
            self.config.created_ago = Some(age);
            self
        }

        /// How long a task the API does not know is looked for before
        /// the wait ends with
        /// [`Error::TaskNotFound`](crate::Error::TaskNotFound) (saying
        /// how long it looked): from its create for a task this client
        /// created (default 3 minutes), from the wait's start otherwise
        /// (default 30 s).
        pub fn not_found_grace(mut self, grace: std::time::Duration) -> Self {
            self.config.not_found_grace = Some(grace);
            self
        }

        /// How often a wait with [`Self::wake_on`] polls at first when no
        /// callback comes (the net then widens while callbacks keep coming,
        /// to twice this).
        pub fn safety_interval(mut self, interval: std::time::Duration) -> Self {
            self.config.safety_interval = interval;
            self
        }

        /// Ends the wait with [`WaitError::Cancelled`] when `token` is
        /// cancelled.
        pub fn cancel_on(mut self, token: tokio_util::sync::CancellationToken) -> Self {
            self.config.cancel = Some(token);
            self
        }
    };
}
pub(crate) use wait_settings;

impl<F: Family> Wait<F> {
    /// A wait for `task_id`, with the default settings.
    pub fn new(client: &Client, task_id: impl Into<String>) -> Self {
        Wait {
            client: client.clone(),
            task_id: task_id.into(),
            config: Config::default(),
            on_event: None,
            progress: Progress::default(),
        }
    }

    wait_settings!();

    /// Calls `callback` with every event, as a [`Watch`] would yield it.
    pub fn on_event(mut self, callback: impl FnMut(&F::Event) + Send + 'static) -> Self {
        self.on_event = Some(Box::new(callback));
        self
    }

    /// A live view of this wait (polls made, last status), for progress
    /// displays; it stays valid while and after the wait runs.
    pub fn progress(&self) -> Progress<F::Status> {
        self.progress.clone()
    }

    /// The same wait as a stream of events, ending after the task ends (the
    /// stage set by [`Wait::until`] is ignored: a watch follows the task to
    /// its end).
    pub fn watch(mut self) -> Watch<F> {
        self.config.until = None;
        let poller = Poller::new(
            self.client,
            self.task_id,
            self.config,
            self.progress.clone(),
        );
        Watch::new(poller, self.progress)
    }

    async fn run(self) -> Result<F::Record, WaitError<F>> {
        let Wait {
            client,
            task_id,
            config,
            mut on_event,
            progress,
        } = self;
        let mut poller = Poller::new(client, task_id, config, progress);
        loop {
            let update = poller.next_update().await?;
            if let Some(callback) = on_event.as_mut() {
                update.events.iter().for_each(callback);
            }
            if update.finished {
                return if F::is_failed(&update.record) {
                    Err(WaitError::TaskFailed {
                        task_id: poller.task_id().to_owned(),
                        status: F::status(&update.record),
                        message: F::error_message(&update.record),
                        record: update.record,
                    })
                } else {
                    Ok(update.record)
                };
            }
        }
    }
}

impl<F: Family> IntoFuture for Wait<F> {
    type Output = Result<F::Record, WaitError<F>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// A stream of a task's events; see [`Wait::watch`]. Ends after the
/// outcome (completed or failed), or after an `Err` (time-out, permanent
/// error, cancellation).
#[must_use = "a watch does nothing until polled"]
pub struct Watch<F: Family> {
    events: BoxStream<'static, Result<F::Event, WaitError<F>>>,
    progress: Progress<F::Status>,
}

impl<F: Family> std::fmt::Debug for Watch<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("progress", &self.progress)
            .finish_non_exhaustive()
    }
}

impl<F: Family> Watch<F> {
    fn new(poller: Poller<F>, progress: Progress<F::Status>) -> Self {
        let state = (poller, std::collections::VecDeque::new(), false);
        let events =
            futures_util::stream::unfold(state, |(mut poller, mut pending, mut done)| async move {
                loop {
                    if let Some(event) = pending.pop_front() {
                        return Some((Ok(event), (poller, pending, done)));
                    }
                    if done {
                        return None;
                    }
                    match poller.next_update().await {
                        Ok(update) => {
                            done = update.finished;
                            pending.extend(update.events);
                        }
                        Err(error) => return Some((Err(error), (poller, pending, true))),
                    }
                }
            });
        Watch {
            events: Box::pin(events),
            progress,
        }
    }

    /// Requests made so far.
    pub fn polls(&self) -> u32 {
        self.progress.polls()
    }

    /// A live view of this watch, as [`Wait::progress`].
    pub fn progress(&self) -> Progress<F::Status> {
        self.progress.clone()
    }
}

impl<F: Family> Stream for Watch<F> {
    type Item = Result<F::Event, WaitError<F>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.as_mut().poll_next(cx)
    }
}
