//! Waiting for tasks: [`Client::wait`] until a stage is reached,
//! [`Client::watch`] for every change as it happens, and
//! [`Client::wait_all`] for many tasks at once.
//!
//! All three run one polling loop, shaped by a [`PollPolicy`] (delays:
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
//! use kie_suno::wait::Stage;
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
//! callback arrives ([`Wakeups`]) and poll only to confirm it, with a
//! safety-net poll every 30 s.
//!
//! `CALLBACK_EXCEPTION` (the provider failed to deliver its callback) ends
//! a wait successfully when every track is done, and as
//! [`WaitError::TaskFailed`] otherwise; either way the record and its
//! tracks are kept.

mod budget;
mod error;
mod event;
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

pub(crate) use budget::RateBudget;
pub use error::WaitError;
pub use event::TaskEvent;
pub use many::WaitAll;
pub use policy::{ErrorPolicy, Lifecycle, MIN_REQUEST_SPACING, PollPolicy};
pub use progress::Progress;
pub use wake::{DEFAULT_SAFETY_INTERVAL, Wakeups};

use crate::client::Client;
use crate::record::TaskRecord;
use crate::status::TaskStatus;
use poller::{Config, Poller};

/// How far a task must get for a wait to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Stage {
    /// A track can be played (`FIRST_SUCCESS`, or any stream URL).
    Streamable,
    /// Every track is done (`SUCCESS`).
    #[default]
    Complete,
}

impl Stage {
    pub(crate) fn reached(self, record: &TaskRecord) -> bool {
        match self {
            Stage::Streamable => {
                record.status() >= TaskStatus::FirstSuccess
                    || record
                        .tracks()
                        .iter()
                        .any(|t| t.stream_audio_url().is_some())
            }
            Stage::Complete => record.status().is_success(),
        }
    }
}

impl Client {
    /// Waits for a task to reach a stage ([`Stage::Complete`] unless told
    /// otherwise). Configure the returned [`Wait`], then `.await` it.
    pub fn wait(&self, task_id: impl Into<String>) -> Wait {
        Wait {
            client: self.clone(),
            task_id: task_id.into(),
            config: Config::default(),
            on_event: None,
            progress: Progress::default(),
        }
    }

    /// Every change of a task as it happens, until it ends: a stream of
    /// [`TaskEvent`]s, each yielded as soon as the poll that saw it returns.
    /// Shorthand for `client.wait(id).watch()`.
    pub fn watch(&self, task_id: impl Into<String>) -> Watch {
        self.wait(task_id).watch()
    }

    /// Waits for many tasks at once; see [`WaitAll`].
    pub fn wait_all<I, S>(&self, task_ids: I) -> WaitAll
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        WaitAll::new(self.clone(), task_ids.into_iter().map(Into::into).collect())
    }
}

type EventCallback = Box<dyn FnMut(&TaskEvent) + Send>;

/// A wait for one task, configured by its methods and run by `.await`.
#[must_use = "a wait does nothing until awaited"]
pub struct Wait {
    client: Client,
    task_id: String,
    config: Config,
    on_event: Option<EventCallback>,
    progress: Progress,
}

impl std::fmt::Debug for Wait {
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
        /// The stage to wait for (default [`Stage::Complete`]).
        pub fn until(mut self, stage: Stage) -> Self {
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

        /// The delays between polls (default [`PollPolicy::default`]).
        pub fn policy(mut self, policy: PollPolicy) -> Self {
            self.config.policy = policy;
            self
        }

        /// Which errors to retry (default [`ErrorPolicy::default`]).
        pub fn error_policy(mut self, errors: ErrorPolicy) -> Self {
            self.config.errors = errors;
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

        /// How often a wait with [`Self::wake_on`] polls when no callback
        /// comes.
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

impl Wait {
    wait_settings!();

    /// Calls `callback` with every event, as [`Client::watch`] would yield it.
    pub fn on_event(mut self, callback: impl FnMut(&TaskEvent) + Send + 'static) -> Self {
        self.on_event = Some(Box::new(callback));
        self
    }

    /// A live view of this wait (polls made, last status), for progress
    /// displays; it stays valid while and after the wait runs.
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// The same wait as a stream of events, ending after the task ends (the
    /// stage set by [`Wait::until`] is ignored: a watch follows the task to
    /// its end).
    pub fn watch(mut self) -> Watch {
        self.config.until = None;
        let poller = Poller::new(
            self.client,
            self.task_id,
            self.config,
            self.progress.clone(),
        );
        Watch::new(poller, self.progress)
    }

    async fn run(self) -> Result<TaskRecord, WaitError> {
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
                return if event::is_failed(&update.record) {
                    Err(WaitError::TaskFailed {
                        status: update.record.status(),
                        record: update.record,
                    })
                } else {
                    Ok(update.record)
                };
            }
        }
    }
}

impl IntoFuture for Wait {
    type Output = Result<TaskRecord, WaitError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// A stream of a task's [`TaskEvent`]s; see [`Client::watch`]. Ends after
/// `Completed` or `Failed`, or after an `Err` (time-out, permanent error,
/// cancellation).
#[must_use = "a watch does nothing until polled"]
pub struct Watch {
    events: BoxStream<'static, Result<TaskEvent, WaitError>>,
    progress: Progress,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("progress", &self.progress)
            .finish_non_exhaustive()
    }
}

impl Watch {
    fn new(poller: Poller, progress: Progress) -> Self {
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
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }
}

impl Stream for Watch {
    type Item = Result<TaskEvent, WaitError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.as_mut().poll_next(cx)
    }
}
