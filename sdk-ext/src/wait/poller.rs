//! The one polling loop behind `wait`, `watch` and `wait_all`: sleep as
//! the policy says, take a slot from the task's rate budget, poll, and
//! report what changed. The consumers only decide when to stop listening.

use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::future::{Either, select};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::Family;
use super::error::WaitError;
use super::policy::{DelayPolicy, ErrorPolicy, Look, PollPolicy, RetryPolicy, Schedule};
use super::progress::Progress;
use super::wake::{Claim, DEFAULT_SAFETY_INTERVAL, Listener, MAX_SAFETY_FACTOR, Wakeups};
use crate::client::Client;
use crate::error::Error;
use crate::journal::JournalEvent;

/// Settings shared by `wait`, `watch` and `wait_all`.
#[derive(Debug)]
pub(crate) struct Config<F: Family> {
    pub(crate) until: Option<F::Stage>,
    pub(crate) deadline: Duration,
    pub(crate) policy: Arc<dyn DelayPolicy>,
    pub(crate) errors: Arc<dyn RetryPolicy>,
    pub(crate) cancel: Option<CancellationToken>,
    pub(crate) wakeups: Option<Wakeups>,
    pub(crate) safety_interval: Duration,
    pub(crate) just_created: bool,
    /// How long ago this client created the task, when it did.
    pub(crate) created_ago: Option<Duration>,
    /// How long a task the API does not know is looked for (`None`: the
    /// defaults, by whether this client created it).
    pub(crate) not_found_grace: Option<Duration>,
}

impl<F: Family> Clone for Config<F> {
    fn clone(&self) -> Self {
        Config {
            until: self.until,
            deadline: self.deadline,
            policy: self.policy.clone(),
            errors: self.errors.clone(),
            cancel: self.cancel.clone(),
            wakeups: self.wakeups.clone(),
            safety_interval: self.safety_interval,
            just_created: self.just_created,
            created_ago: self.created_ago,
            not_found_grace: self.not_found_grace,
        }
    }
}

/// The default policies, shared by the waits that keep them (one
/// allocation in all, not one per wait).
static DEFAULT_POLICY: LazyLock<Arc<dyn DelayPolicy>> =
    LazyLock::new(|| Arc::new(PollPolicy::default()));
static DEFAULT_ERRORS: LazyLock<Arc<dyn RetryPolicy>> = LazyLock::new(|| Arc::new(ErrorPolicy));

impl<F: Family> Default for Config<F> {
    fn default() -> Self {
        Config {
            until: Some(F::Stage::default()),
            deadline: Duration::from_secs(600),
            policy: DEFAULT_POLICY.clone(),
            errors: DEFAULT_ERRORS.clone(),
            cancel: None,
            wakeups: None,
            safety_interval: DEFAULT_SAFETY_INTERVAL,
            just_created: false,
            created_ago: None,
            not_found_grace: None,
        }
    }
}

/// What one poll brought.
pub(crate) struct Update<F: Family> {
    pub(crate) record: F::Record,
    pub(crate) events: Vec<F::Event>,
    /// The task is terminal or reached the awaited stage: no more polls.
    pub(crate) finished: bool,
}

pub(crate) struct Poller<F: Family> {
    client: Client,
    task_id: String,
    config: Config<F>,
    span: tracing::Span,
    started: Instant,
    deadline: Instant,
    next_poll: Instant,
    progress: Progress<F::Status>,
    /// The task's age when the wait started (from its `createTime`).
    age_at_start: Duration,
    aged: bool,
    schedule: Box<dyn Schedule>,
    error_streak: u32,
    seen: F::Seen,
    last: Option<F::Record>,
    last_error: Option<Error>,
    /// Set when the wait wakes on callbacks.
    wake: Option<Arc<Listener>>,
    /// A callback came since the last answered poll.
    announced: bool,
    /// Safety-net delays scheduled so far (the net widens with each).
    safety_polls: u32,
    /// The next poll is the safety net's (not the policy's lifecycle's): a
    /// callback that does not matter to this wait still moves it on.
    on_net: bool,
    /// The events to emit after this poll.
    to_emit: Vec<JournalEvent>,
}

impl<F: Family> Poller<F> {
    pub(crate) fn new(
        client: Client,
        task_id: String,
        config: Config<F>,
        progress: Progress<F::Status>,
    ) -> Self {
        let started = Instant::now();
        let span = tracing::debug_span!("kie_suno::wait", kind = %F::KIND, task_id = %task_id);
        // Jitter seeded by the task id: spread across tasks, repeatable per task.
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        task_id.hash(&mut hasher);
        let mut schedule = config.policy.schedule(hasher.finish());
        let wake = config.wakeups.as_ref().map(|w| w.listen(&task_id));
        // A new task is pending: with callbacks that have been arriving,
        // nothing to look at before one comes (or the safety net).
        let (first, safety_polls, on_net) = match &config.wakeups {
            Some(wakeups) if config.just_created && wakeups.reliable() => {
                (config.safety_interval, 1, true)
            }
            _ => (schedule.first_delay(), 0, false),
        };
        let first = first.max(super::MIN_REQUEST_SPACING);
        let deadline = crate::later::later(started, config.deadline);
        Poller {
            // A deadline sooner than the first delay still gets its one
            // poll, at the deadline.
            next_poll: crate::later::later(started, first).min(deadline),
            deadline,
            schedule,
            client,
            task_id,
            config,
            span,
            started,
            progress,
            age_at_start: Duration::ZERO,
            aged: false,
            error_streak: 0,
            seen: F::Seen::default(),
            last: None,
            last_error: None,
            wake,
            announced: false,
            safety_polls,
            on_net,
            to_emit: Vec::new(),
        }
    }

    /// Emits what this poll saw to the client's events (which a journal,
    /// if the client has one, writes down; one that cannot be written
    /// does not stop the wait).
    async fn emit_events(&mut self) {
        for event in std::mem::take(&mut self.to_emit) {
            self.client.events().emit(event, "a status change").await;
        }
    }

    /// The task polled.
    pub(crate) fn task_id(&self) -> &str {
        &self.task_id
    }

    /// Polls until something changes, the wait is over, or it fails. Polls
    /// that change nothing are not reported.
    pub(crate) async fn next_update(&mut self) -> Result<Update<F>, WaitError<F>> {
        let span = self.span.clone();
        async {
            loop {
                self.sleep_or_wake(self.next_poll).await?;
                let slot = self.client.budget().reserve(F::KIND, &self.task_id);
                self.sleep_until(slot).await?;
                let polls = self.progress.count_poll();
                // Boxed: the request's state exists only while it runs instead
                // of enlarging every sleeping wait (a wait's future: 5.4 KiB
                // inline, 1.4 KiB boxed); and made only once it is this
                // wait's turn, not while it queues behind the request limit.
                let fetched = {
                    let _turn = self.cancellable(self.client.poll_turn()).await?;
                    self.cancellable(Box::pin(F::fetch(&self.client, &self.task_id)))
                        .await?
                };
                match fetched {
                    Ok((record, retry_after)) => {
                        let update = self.on_record(record, retry_after, polls);
                        self.emit_events().await;
                        if let Some(update) = update? {
                            return Ok(update);
                        }
                    }
                    Err(error) => self.on_error(error, polls)?,
                }
            }
        }
        .instrument(span)
        .await
    }

    fn on_record(
        &mut self,
        record: F::Record,
        retry_after: Option<Duration>,
        polls: u32,
    ) -> Result<Option<Update<F>>, WaitError<F>> {
        self.error_streak = 0;
        self.last_error = None;
        if !self.aged {
            self.aged = true;
            self.age_at_start = age_at_start(F::created_at(&record), self.started.elapsed());
        }
        let status = F::status(&record);
        let before = self.progress.status();
        if let (Some(before), Some(wakeups)) = (&before, &self.config.wakeups)
            && *before != status
        {
            wakeups.record_change(&self.task_id, self.announced);
        }
        self.announced = false;
        if before.as_ref() != Some(&status) {
            tracing::debug!(polls, to = %status, "status changed");
            self.to_emit.push(JournalEvent::StatusChanged {
                kind: F::KIND,
                task_id: self.task_id.clone(),
                status: status.to_string(),
            });
        }
        if F::is_terminal(&record) {
            self.to_emit.push(JournalEvent::Ended {
                kind: F::KIND,
                task_id: self.task_id.clone(),
                failed: F::is_failed(&record),
            });
        }
        self.progress.set_status(status.clone());
        let events = F::changes(&mut self.seen, &record);
        let finished = F::is_terminal(&record)
            || self
                .config
                .until
                .is_some_and(|stage| F::reached(stage, &record));
        self.last = Some(record.clone());
        if finished {
            tracing::debug!(polls, status = %status, "wait over");
            return Ok(Some(Update {
                record,
                events,
                finished,
            }));
        }
        let delay = self.scheduled_delay(Some(&status));
        let delay = self.honour_retry_after(delay, retry_after);
        tracing::debug!(polls, status = %status, delay_ms = delay.as_millis() as u64, "polled");
        self.schedule_in(delay)?;
        Ok((!events.is_empty()).then_some(Update {
            record,
            events,
            finished: false,
        }))
    }

    fn on_error(&mut self, error: Error, polls: u32) -> Result<(), WaitError<F>> {
        if is_not_found(&error) {
            self.still_looking(polls)?;
        } else if !self
            .config
            .errors
            .should_retry(&error, self.started.elapsed())
        {
            tracing::debug!(polls, error = %error, "permanent error");
            return Err(WaitError::Api(error));
        }
        self.error_streak += 1;
        let status = self.last.as_ref().map(F::status);
        // Not the callbacks' safety net: a failed poll saw nothing, and a
        // change announced before it will not be announced again.
        let delay = self.lifecycle_delay(status.as_ref());
        self.on_net = false;
        let delay = self.honour_retry_after(delay, error.retry_after());
        tracing::debug!(polls, error = %error, delay_ms = delay.as_millis() as u64, "retrying after error");
        self.last_error = Some(error);
        self.schedule_in(delay)
    }

    /// Whether a task the API does not know (yet) is still worth looking
    /// for: one this client created, until the grace from its create; one
    /// named by id, until the grace from the wait's start. After it, the
    /// wait ends with [`Error::TaskNotFound`] saying how long it looked.
    fn still_looking(&self, polls: u32) -> Result<(), WaitError<F>> {
        let waited = self.started.elapsed();
        let (looked, default) = match self.config.created_ago {
            Some(age) => (age.saturating_add(waited), CREATED_NOT_FOUND_GRACE),
            None => (waited, NAMED_NOT_FOUND_GRACE),
        };
        if looked < self.config.not_found_grace.unwrap_or(default) {
            return Ok(());
        }
        tracing::debug!(
            polls,
            looked_ms = looked.as_millis() as u64,
            "task not found; giving up"
        );
        Err(WaitError::Api(Error::TaskNotFound {
            task_id: self.task_id.clone(),
            looked_for: Some(waited),
        }))
    }

    /// The delay the wait's schedule gives now, counting this poll
    /// (answered or failed) as one look; `status` is `None` before any
    /// record was read.
    fn scheduled_delay(&mut self, status: Option<&F::Status>) -> Duration {
        if let Some(wakeups) = &self.config.wakeups
            && wakeups.reliable()
        {
            // Callbacks say when to look; this is the safety net.
            return self.widen_net();
        }
        self.on_net = false;
        self.lifecycle_delay(status)
    }

    /// The next safety-net delay, one safety interval wider than the last
    /// (x1, x2, ... up to x4) while callbacks keep coming.
    fn widen_net(&mut self) -> Duration {
        let factor = (self.safety_polls + 1).min(MAX_SAFETY_FACTOR);
        self.safety_polls += 1;
        let net = (self.config.safety_interval * factor).max(super::MIN_REQUEST_SPACING);
        self.on_net = true;
        net
    }

    /// The delay the policy's lifecycle schedule gives now (counting
    /// failed polls in a row).
    fn lifecycle_delay(&mut self, status: Option<&F::Status>) -> Duration {
        let window = self.window(status);
        let look = Look {
            age: self.age_at_start + self.started.elapsed(),
            window: window.as_ref(),
            error_streak: self.error_streak,
        };
        self.schedule.next_delay(&look)
    }

    /// `delay`, lengthened to the server's `Retry-After` hint (capped by
    /// the policy: the one cap for answers and errors alike), and never
    /// below [`MIN_REQUEST_SPACING`](super::MIN_REQUEST_SPACING), whatever
    /// the policy says.
    fn honour_retry_after(&self, delay: Duration, hint: Option<Duration>) -> Duration {
        let cap = self.config.policy.retry_after_cap();
        let hint = hint.map_or(Duration::ZERO, |d| d.min(cap));
        delay.max(hint).max(super::MIN_REQUEST_SPACING)
    }

    /// Schedules the next poll; past the deadline, one last poll at the
    /// deadline, then [`WaitError::TimedOut`].
    fn schedule_in(&mut self, delay: Duration) -> Result<(), WaitError<F>> {
        let now = Instant::now();
        if now >= self.deadline {
            return Err(WaitError::TimedOut {
                task_id: self.task_id.clone(),
                elapsed: now - self.started,
                polls: self.progress.polls(),
                last: self.last.take(),
                last_error: self.last_error.take().map(Box::new),
            });
        }
        self.next_poll = crate::later::later(now, delay).min(self.deadline);
        Ok(())
    }

    /// The lifecycle window that matters now: the awaited stage's, or for a
    /// watcher, the next stage's (the family says which).
    fn window(&self, status: Option<&F::Status>) -> Option<Range<Duration>> {
        let lifecycle = self.config.policy.lifecycle_windows()?;
        F::window(lifecycle, self.config.until, status)
    }

    /// Sleeps until `at`, or until a callback about the task claims
    /// something that matters to this wait (which then polls at once to
    /// confirm it). Other claims are noted (the callbacks are arriving)
    /// and the sleep goes on; a safety-net poll then counts from them, as
    /// from a poll: the net is for news that does not come.
    async fn sleep_or_wake(&mut self, mut at: Instant) -> Result<(), WaitError<F>> {
        let Some(listener) = self.wake.clone() else {
            return self.sleep_until(at).await;
        };
        loop {
            let sleep = std::pin::pin!(tokio::time::sleep_until(at));
            let woken = std::pin::pin!(listener.woken());
            if let Either::Left(_) = self.cancellable(select(sleep, woken)).await? {
                return Ok(());
            }
            let claims = listener.take_claims();
            self.announced |= !claims.is_empty();
            if claims.iter().any(|claim| self.matters(*claim)) {
                tracing::debug!(?claims, "woken by a callback");
                return Ok(());
            }
            if self.on_net && !claims.is_empty() {
                let net = self.widen_net();
                at = at
                    .max(crate::later::later(Instant::now(), net))
                    .min(self.deadline);
            }
        }
    }

    /// Whether a callback's claim is worth a poll now: to a watcher every
    /// change is; to a wait, the end and its awaited stage.
    fn matters(&self, claim: Claim) -> bool {
        match (claim, self.config.until) {
            (Claim::Unknown | Claim::Failed | Claim::Complete, _) | (_, None) => true,
            (claim, Some(stage)) => F::claim_reaches(claim, stage),
        }
    }

    async fn sleep_until(&self, at: Instant) -> Result<(), WaitError<F>> {
        self.cancellable(tokio::time::sleep_until(at)).await
    }

    async fn cancellable<T>(&self, work: impl Future<Output = T>) -> Result<T, WaitError<F>> {
        let Some(token) = &self.config.cancel else {
            return Ok(work.await);
        };
        // The token goes first: a wait cancelled before a poll sends no
        // request.
        match select(std::pin::pin!(token.cancelled()), std::pin::pin!(work)).await {
            Either::Left(_) => Err(WaitError::Cancelled),
            Either::Right((value, _)) => Ok(value),
        }
    }
}

/// How long a task this client created is looked for, from its create,
/// while the API does not know it: live, new tasks have answered "not
/// found" for up to about 90 s.
pub(crate) const CREATED_NOT_FOUND_GRACE: Duration = Duration::from_secs(180);

/// How long a task named by its id is looked for, from the wait's start.
pub(crate) const NAMED_NOT_FOUND_GRACE: Duration = Duration::from_secs(30);

/// An answer that the task is not known (yet): [`Error::TaskNotFound`],
/// or HTTP 404 from the details endpoint.
fn is_not_found(error: &Error) -> bool {
    matches!(
        error,
        Error::TaskNotFound { .. } | Error::Http { status: 404, .. }
    )
}

/// How old the task already was when the wait started, from its
/// `createTime` and the wall clock; zero when unknown or implausible.
fn age_at_start(created: Option<chrono::DateTime<chrono::Utc>>, since_start: Duration) -> Duration {
    let Some(created) = created else {
        return Duration::ZERO;
    };
    let Ok(created_ms) = u64::try_from(created.timestamp_millis()) else {
        return Duration::ZERO;
    };
    let created = UNIX_EPOCH + Duration::from_millis(created_ms);
    let age = SystemTime::now()
        .duration_since(created)
        .unwrap_or_default();
    if age > Duration::from_secs(86_400) {
        return Duration::ZERO;
    }
    age.saturating_sub(since_start)
}
