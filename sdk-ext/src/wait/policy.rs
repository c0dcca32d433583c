//! How long to sleep between polls and which failures to sleep through:
//! two traits, [`DelayPolicy`] (which makes each wait's [`Schedule`]) and
//! [`RetryPolicy`], with [`PollPolicy`] and [`ErrorPolicy`] as their
//! defaults. Kept apart from the polling loop so each can be read, tuned,
//! tested and replaced on its own. Whatever a policy says, the loop keeps
//! the floors that protect the account: [`MIN_REQUEST_SPACING`] between
//! polls of a task, the server's `Retry-After`, and the deadline.

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

/// What a [`Schedule`] sees when it picks the next delay.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Look<'a> {
    /// The task's age now (from its creation time, when the record says).
    pub age: Duration,
    /// When the change the wait is after usually comes, counted from the
    /// task's creation (its family's lifecycle window), if known.
    pub window: Option<&'a Range<Duration>>,
    /// Failed polls in a row, the last one included; 0 after an answer.
    pub error_streak: u32,
}

/// The delays between the polls of one wait, made for it by a
/// [`DelayPolicy`]. It may keep state (a backoff step, a jitter source).
pub trait Schedule: Send + Sync {
    /// The delay before the first poll.
    fn first_delay(&mut self) -> Duration;

    /// The delay after a poll that did not end the wait: answered
    /// (`look.error_streak == 0`) or failed.
    fn next_delay(&mut self, look: &Look<'_>) -> Duration;
}

/// How a wait spaces its polls: a [`Schedule`] per wait.
/// [`PollPolicy`] is the default.
///
/// ```
/// use std::time::Duration;
/// use kie_suno::wait::{DelayPolicy, Look, Schedule};
///
/// /// Every 4 s, and every 8 s after errors.
/// #[derive(Debug)]
/// struct Steady;
/// struct SteadySchedule;
///
/// impl Schedule for SteadySchedule {
///     fn first_delay(&mut self) -> Duration { Duration::from_secs(4) }
///     fn next_delay(&mut self, look: &Look<'_>) -> Duration {
///         Duration::from_secs(if look.error_streak > 0 { 8 } else { 4 })
///     }
/// }
///
/// impl DelayPolicy for Steady {
///     fn schedule(&self, _seed: u64) -> Box<dyn Schedule> { Box::new(SteadySchedule) }
/// }
/// # async fn run(client: kie_suno::Client) { let _ = client.wait("t").policy(Steady); }
/// ```
pub trait DelayPolicy: std::fmt::Debug + Send + Sync + 'static {
    /// The schedule of one wait; `seed` differs per task, for jitter.
    fn schedule(&self, seed: u64) -> Box<dyn Schedule>;

    /// The lifecycle windows the task's family maps the awaited stage to
    /// (given to the schedule as [`Look::window`]); `None`: no windows.
    fn lifecycle_windows(&self) -> Option<&Lifecycle> {
        None
    }

    /// The longest server `Retry-After` honoured (default 30 s).
    fn retry_after_cap(&self) -> Duration {
        Duration::from_secs(30)
    }
}

/// Which failed polls a wait sleeps through; [`ErrorPolicy`] is the
/// default. A failure it does not retry ends the wait with
/// [`WaitError::Api`](super::WaitError::Api).
pub trait RetryPolicy: std::fmt::Debug + Send + Sync + 'static {
    /// Whether to poll again after `error`, `waited` into the wait.
    fn should_retry(&self, error: &Error, waited: Duration) -> bool;
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
    fn first_delay(&self, rng: &mut fastrand::Rng) -> Duration {
        self.spread(self.initial_delay, rng)
            .max(MIN_REQUEST_SPACING)
    }

    /// The delay after a poll that changed nothing awaited.
    fn next_delay(
        &self,
        age: Duration,
        window: Option<&Range<Duration>>,
        schedule: &mut Backoff,
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
    fn error_delay(&self, streak: u32, scheduled: Duration, rng: &mut fastrand::Rng) -> Duration {
        let factor = 2f64.powi(streak.saturating_sub(1).min(32) as i32);
        let delay = self.spread(self.base_delay.mul_f64(factor).min(self.max_delay), rng);
        delay.min(scheduled)
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
struct Backoff {
    backoff: u32,
    after_window: u32,
}

/// The schedule [`PollPolicy`] makes for one wait.
struct PollSchedule {
    policy: PollPolicy,
    backoff: Backoff,
    rng: fastrand::Rng,
}

impl Schedule for PollSchedule {
    fn first_delay(&mut self) -> Duration {
        self.policy.first_delay(&mut self.rng)
    }

    /// After an error: the failed poll counts as a look of the lifecycle
    /// schedule, and the error backoff never waits past that look.
    fn next_delay(&mut self, look: &Look<'_>) -> Duration {
        let scheduled =
            self.policy
                .next_delay(look.age, look.window, &mut self.backoff, &mut self.rng);
        match look.error_streak {
            0 => scheduled,
            streak => self.policy.error_delay(streak, scheduled, &mut self.rng),
        }
    }
}

impl DelayPolicy for PollPolicy {
    fn schedule(&self, seed: u64) -> Box<dyn Schedule> {
        Box::new(PollSchedule {
            policy: self.clone(),
            backoff: Backoff::default(),
            rng: fastrand::Rng::with_seed(seed),
        })
    }

    fn lifecycle_windows(&self) -> Option<&Lifecycle> {
        self.lifecycle.as_ref()
    }

    fn retry_after_cap(&self) -> Duration {
        self.max_retry_after
    }
}

/// Which failures end a wait and which are slept through.
///
/// Transient errors ([`Error::is_retryable`]: transport, HTTP 5xx, codes
/// 455 and 500, rate limits, unreadable bodies) are retried with backoff
/// until the deadline; any other error ends the wait at once. A task the
/// API does not know yet is not this policy's question: the wait looks
/// for it for its not-found grace
/// ([`Wait::not_found_grace`](super::Wait::not_found_grace)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErrorPolicy;

impl RetryPolicy for ErrorPolicy {
    fn should_retry(&self, error: &Error, _waited: Duration) -> bool {
        error.is_retryable()
    }
}
