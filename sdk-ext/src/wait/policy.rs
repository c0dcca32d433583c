//! How long to sleep between polls ([`PollPolicy`]) and which failures to
//! sleep through ([`ErrorPolicy`]). Kept apart from the polling loop so
//! each can be read, tuned and tested on its own.

use std::ops::Range;
use std::time::Duration;

use crate::error::Error;

pub use crate::budget::MIN_REQUEST_SPACING;

/// When a task typically reaches each stage, counted from its creation.
///
/// The defaults come from the live API's observed timing: lyrics within
/// seconds, the first stream after 30-40 s, every track after 2-3 minutes,
/// each widened by a margin. A waiter polls densely inside the window of
/// the stage it waits for and sparsely elsewhere, which detects the change
/// sooner with fewer polls than a fixed interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    /// When lyrics (`TEXT_SUCCESS`) usually appear.
    pub lyrics: Range<Duration>,
    /// When the first stream (`FIRST_SUCCESS`) usually appears.
    pub streamable: Range<Duration>,
    /// When every track (`SUCCESS`) is usually done.
    pub complete: Range<Duration>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            lyrics: Duration::from_secs(3)..Duration::from_secs(20),
            streamable: Duration::from_secs(25)..Duration::from_secs(50),
            complete: Duration::from_secs(110)..Duration::from_secs(190),
        }
    }
}

/// The delays between polls.
///
/// Exponential backoff with jitter, capped, plus lifecycle windows (see
/// [`Lifecycle`]): inside the window of the awaited stage the interval is
/// `window_interval`; before it, the backoff is cut so that a poll lands
/// at the window's start; after it, the backoff restarts from
/// `window_interval`. Never below [`MIN_REQUEST_SPACING`].
///
/// ```
/// use std::time::Duration;
/// use kie_suno::wait::PollPolicy;
/// let fixed = PollPolicy::fixed(Duration::from_secs(5)); // the naive loop
/// let custom = PollPolicy::default().max_delay(Duration::from_secs(10)).jitter(0.0);
/// # let _ = (fixed, custom);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PollPolicy {
    initial_delay: Duration,
    base_delay: Duration,
    multiplier: f64,
    max_delay: Duration,
    jitter: f64,
    lifecycle: Option<Lifecycle>,
    window_interval: Duration,
    max_retry_after: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            initial_delay: Duration::from_secs(2),
            base_delay: Duration::from_secs(1),
            multiplier: 1.5,
            max_delay: Duration::from_secs(10),
            jitter: 0.1,
            lifecycle: Some(Lifecycle::default()),
            window_interval: Duration::from_secs(3),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl PollPolicy {
    /// A poll every `interval`, first after `interval`: the loop most
    /// hand-written clients use. For comparison and for tests.
    pub fn fixed(interval: Duration) -> Self {
        PollPolicy {
            initial_delay: interval,
            base_delay: interval,
            multiplier: 1.0,
            max_delay: interval,
            jitter: 0.0,
            lifecycle: None,
            window_interval: interval,
            max_retry_after: Duration::from_secs(30),
        }
    }

    /// Delay before the first poll (default 2 s).
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// First delay of the backoff (default 1 s).
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Growth of the backoff per poll (default 1.5; values below 1 count as 1).
    pub fn multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = multiplier;
        self
    }

    /// Longest delay between polls (default 10 s).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Random spread of each delay, as a fraction (default 0.1: ±10 %), so
    /// that many waiters do not poll in lockstep. Clamped to 0..=0.5.
    pub fn jitter(mut self, fraction: f64) -> Self {
        self.jitter = fraction;
        self
    }

    /// Lifecycle windows to poll densely in (default [`Lifecycle::default`]);
    /// `None` for plain backoff.
    pub fn lifecycle(mut self, lifecycle: Option<Lifecycle>) -> Self {
        self.lifecycle = lifecycle;
        self
    }

    /// The interval inside a lifecycle window (default 3 s).
    pub fn window_interval(mut self, interval: Duration) -> Self {
        self.window_interval = interval;
        self
    }

    /// Longest server `Retry-After` honoured (default 30 s).
    pub fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// The delay before the first poll, spread by the jitter like the
    /// others: waits started together (a batch of new tasks) then do not
    /// all poll, and open connections, at the same instant.
    pub(crate) fn first_delay(&self, rng: &mut fastrand::Rng) -> Duration {
        self.spread(self.initial_delay, rng)
            .max(MIN_REQUEST_SPACING)
    }

    pub(crate) fn lifecycle_windows(&self) -> Option<&Lifecycle> {
        self.lifecycle.as_ref()
    }

    /// The delay after a poll that changed nothing awaited.
    pub(crate) fn next_delay(
        &self,
        age: Duration,
        window: Option<&Range<Duration>>,
        schedule: &mut Schedule,
        rng: &mut fastrand::Rng,
    ) -> Duration {
        let grow = |from: Duration, step: u32| {
            let factor = self.multiplier.max(1.0).powi(step.min(64) as i32);
            from.mul_f64(factor).min(self.max_delay)
        };
        let mut cut_to_window = None;
        let delay = match window {
            Some(w) if age >= w.start && age < w.end => {
                schedule.after_window = 0;
                self.window_interval
            }
            Some(w) if age >= w.end => {
                schedule.after_window += 1;
                grow(self.window_interval, schedule.after_window - 1)
            }
            other => {
                schedule.backoff += 1;
                if let Some(w) = other {
                    cut_to_window = Some(w.start.saturating_sub(age));
                }
                grow(self.base_delay, schedule.backoff - 1)
            }
        };
        let delay = self.spread(delay, rng);
        let delay = cut_to_window.map_or(delay, |until| delay.min(until));
        delay.max(MIN_REQUEST_SPACING)
    }

    /// The delay after a failed poll, the `streak`-th in a row: backing off,
    /// but never past the lifecycle schedule's next look (`scheduled`, the
    /// failed poll counted as a look), so that a burst of transient errors
    /// costs at most one schedule step, and an outage is polled no faster
    /// than the schedule polls a healthy task.
    pub(crate) fn error_delay(
        &self,
        streak: u32,
        scheduled: Duration,
        retry_after: Option<Duration>,
        rng: &mut fastrand::Rng,
    ) -> Duration {
        let factor = 2f64.powi(streak.saturating_sub(1).min(32) as i32);
        let delay = self.spread(self.base_delay.mul_f64(factor).min(self.max_delay), rng);
        self.honour_retry_after(delay.min(scheduled), retry_after)
    }

    /// `delay`, lengthened to the server's `Retry-After` hint, the hint
    /// capped by [`PollPolicy::max_retry_after`]: the one cap for answers
    /// and errors alike.
    pub(crate) fn honour_retry_after(&self, delay: Duration, hint: Option<Duration>) -> Duration {
        let hint = hint.map_or(Duration::ZERO, |d| d.min(self.max_retry_after));
        delay.max(hint).max(MIN_REQUEST_SPACING)
    }

    fn spread(&self, delay: Duration, rng: &mut fastrand::Rng) -> Duration {
        let jitter = self.jitter.clamp(0.0, 0.5);
        if jitter == 0.0 {
            return delay;
        }
        delay.mul_f64(1.0 + jitter * (2.0 * rng.f64() - 1.0))
    }
}

/// Where a waiter is in its backoff.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    backoff: u32,
    after_window: u32,
}

/// Which failures end a wait and which are slept through.
///
/// Transient errors ([`Error::is_retryable`]: transport, HTTP 5xx, codes
/// 455 and 500, rate limits, unreadable bodies) are retried with backoff
/// until the deadline; any other error ends the wait at once, except
/// [`Error::TaskNotFound`], which is retried for a grace period after the
/// wait starts, since a task just created may not be visible yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPolicy {
    not_found_grace: Duration,
}

impl Default for ErrorPolicy {
    fn default() -> Self {
        ErrorPolicy {
            not_found_grace: Duration::from_secs(30),
        }
    }
}

impl ErrorPolicy {
    /// How long an unknown task id is retried (default 30 s).
    pub fn not_found_grace(mut self, grace: Duration) -> Self {
        self.not_found_grace = grace;
        self
    }

    pub(crate) fn should_retry(&self, error: &Error, waited: Duration) -> bool {
        match error {
            Error::TaskNotFound { .. } => waited < self.not_found_grace,
            other => other.is_retryable(),
        }
    }
}
