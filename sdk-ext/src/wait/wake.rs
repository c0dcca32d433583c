//! Wake-ups: how callbacks reach waits. A receiver (or anything that hears
//! about a task) calls [`Wakeups::notify`] with what the callback
//! [`Claim`]s; every wait of that task given these wake-ups to which the
//! claim matters (its awaited stage, the end, or any change for a watcher)
//! polls at once to confirm it, instead of at its next scheduled poll. The
//! confirming poll is what a wait reports, so a forged or lying callback
//! costs one poll and nothing more, and a lost one costs latency.
//!
//! How often a wait polls between callbacks depends on how the callbacks
//! have fared: the wake-ups keep an estimate of the share of status changes
//! that polls found with no callback before them. While callbacks arrive,
//! a wait polls only as a safety net: at the safety interval (30 s, as the
//! provider suggests), then at twice that, counted from the latest news of
//! the task, a poll or a callback (one for a stage the wait is not after
//! still says the task and its callbacks are alive). Until callbacks have earned
//! that trust (a few changes announced in a row; [`Wakeups::trusting`]
//! starts with it), and once they are seen to go missing, waits poll on
//! their own schedule, as without callbacks, and still wake at once on the
//! callbacks that do arrive.

use crate::sync::lock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::Notify;

/// How often a wait with wake-ups polls anyway, at first, in case callbacks
/// are lost (the provider suggests 30 s).
pub const DEFAULT_SAFETY_INTERVAL: Duration = Duration::from_secs(30);

/// The safety net grows to at most this many safety intervals.
pub(crate) const MAX_SAFETY_FACTOR: u32 = 2;

/// Share of changes found with no callback before them (moving average)
/// from which callbacks count as unreliable, and below which they count as
/// reliable again (apart, so that the safety net does not flap).
const UNRELIABLE_FROM: f64 = 0.1;
const RELIABLE_BELOW: f64 = 0.02;
/// Changes that must come announced, in a row, before callbacks count as
/// reliable: they earn the sparse safety net.
const ANNOUNCED_IN_A_ROW: u32 = 4;
/// Weight of the newest sample in the moving average.
const SAMPLE_WEIGHT: f64 = 0.1;
/// How late a callback may come after a poll found its change and still
/// count as announcing it: callbacks travel for seconds, and a poll that
/// happens to look first has not found a lost one.
pub const LATE_CALLBACK_GRACE: Duration = Duration::from_secs(10);

/// What a callback says happened to its task, as far as a wait needs to
/// know whether to look now. It is a claim: the signature does not cover
/// it, so a wait only ever acts on the poll it causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Claim {
    /// Something happened; every wait of the task looks.
    Unknown,
    /// Lyrics and titles are ready (music's `text` callback).
    Text,
    /// The first track can be played (music's `first` callback).
    First,
    /// The task is done (`complete`, or a family's one success callback).
    Complete,
    /// The task failed.
    Failed,
}

impl Claim {
    /// The claim's name, as it travels between processes.
    pub fn as_str(self) -> &'static str {
        match self {
            Claim::Unknown => "unknown",
            Claim::Text => "text",
            Claim::First => "first",
            Claim::Complete => "complete",
            Claim::Failed => "failed",
        }
    }

    /// The claim named `name`; a name this SDK does not know is
    /// [`Claim::Unknown`] (every wait looks).
    pub fn parse(name: &str) -> Claim {
        [Claim::Text, Claim::First, Claim::Complete, Claim::Failed]
            .into_iter()
            .find(|c| c.as_str() == name)
            .unwrap_or(Claim::Unknown)
    }
}

/// One wait's end of the wake-ups: a signal and the claims not yet read.
#[derive(Debug, Default)]
pub(crate) struct Listener {
    notify: Notify,
    claims: Mutex<Vec<Claim>>,
}

impl Listener {
    /// Waits for the next wake-up (one that came while the wait was busy
    /// is kept for this call).
    pub(crate) async fn woken(&self) {
        self.notify.notified().await;
    }

    /// The claims received since the last call.
    pub(crate) fn take_claims(&self) -> Vec<Claim> {
        std::mem::take(&mut *lock(&self.claims))
    }
}

/// Wake-ups shared by a receiver and the waits it serves. Cheap to clone;
/// clones share the waiters and the estimate of lost callbacks.
#[derive(Debug, Clone, Default)]
pub struct Wakeups {
    waiters: Arc<Mutex<HashMap<String, Vec<Weak<Listener>>>>>,
    health: Arc<Mutex<Health>>,
}

/// How the callbacks have fared.
#[derive(Debug)]
struct Health {
    /// Moving average of the share of changes no callback announced.
    missed: f64,
    /// Changes announced since the last one that was not.
    in_a_row: u32,
    unreliable: bool,
    /// Changes polls found before any callback, by task, with when: a
    /// callback for the task within [`LATE_CALLBACK_GRACE`] announced it
    /// late; none by then, and it was missed.
    unjudged: HashMap<String, tokio::time::Instant>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            missed: 0.0,
            in_a_row: 0,
            unreliable: true,
            unjudged: HashMap::new(),
        }
    }
}

impl Health {
    /// One change judged: `announced` by a callback (on time or late), or
    /// missed.
    fn sample(&mut self, announced: bool) {
        let sample = if announced { 0.0 } else { 1.0 };
        self.missed += SAMPLE_WEIGHT * (sample - self.missed);
        self.in_a_row = if announced { self.in_a_row + 1 } else { 0 };
        if self.missed >= UNRELIABLE_FROM {
            self.unreliable = true;
        } else if self.missed < RELIABLE_BELOW && self.in_a_row >= ANNOUNCED_IN_A_ROW {
            self.unreliable = false;
        }
    }

    /// Judges as missed the changes whose callback is later than the
    /// grace.
    fn judge_overdue(&mut self, now: tokio::time::Instant) {
        let overdue: Vec<String> = self
            .unjudged
            .iter()
            .filter(|(_, seen)| now.saturating_duration_since(**seen) >= LATE_CALLBACK_GRACE)
            .map(|(task, _)| task.clone())
            .collect();
        for task in overdue {
            self.unjudged.remove(&task);
            self.sample(false);
        }
    }
}

impl Wakeups {
    /// New wake-ups with no waiters. Their callbacks earn trust: waits
    /// poll on their own schedule until a few changes in a row came with a
    /// callback (what a long-running receiver wants: a callback path that
    /// silently fails costs nothing).
    pub fn new() -> Self {
        Wakeups::default()
    }

    /// New wake-ups that trust their callbacks from the start, until one
    /// is seen missing: for a short-lived process that waits for a task or
    /// two and was told where its callbacks arrive. If they never do, a
    /// wait learns it at its first safety-net poll that finds a change.
    pub fn trusting() -> Self {
        let wakeups = Wakeups::default();
        lock(&wakeups.health).unreliable = false;
        wakeups
    }

    /// A callback about `task_id` claims `claim`: the task's waits to which
    /// it matters poll now. Returns whether a wait of that task is
    /// listening. A wake-up that comes while the wait is polling is kept
    /// for its next sleep.
    pub fn notify(&self, task_id: &str, claim: Claim) -> bool {
        {
            let mut health = lock(&self.health);
            health.judge_overdue(tokio::time::Instant::now());
            // A poll found this task's change first: the callback was late,
            // not lost.
            if health.unjudged.remove(task_id).is_some() {
                health.sample(true);
            }
        }
        let mut waiters = lock(&self.waiters);
        waiters.retain(|_, list| {
            list.retain(|w| w.strong_count() > 0);
            !list.is_empty()
        });
        let Some(list) = waiters.get(task_id) else {
            return false;
        };
        for listener in list.iter().filter_map(Weak::upgrade) {
            lock(&listener.claims).push(claim);
            // Wakes the wait if it sleeps, or is kept for its next sleep.
            listener.notify.notify_one();
        }
        true
    }

    /// The estimated share of status changes that came with no callback
    /// (a moving average over recent changes; 0 until one is missed). A
    /// change a poll found first counts once its callback is overdue
    /// ([`LATE_CALLBACK_GRACE`] after).
    pub fn missed_share(&self) -> f64 {
        let mut health = lock(&self.health);
        health.judge_overdue(tokio::time::Instant::now());
        health.missed
    }

    /// Whether callbacks have been arriving, so that waits lean on them
    /// (polling between them only as a sparse safety net); `false` while
    /// waits poll on their own lifecycle schedule. Worth watching in a
    /// service: a callback path that stopped working shows here.
    pub fn reliable(&self) -> bool {
        let mut health = lock(&self.health);
        health.judge_overdue(tokio::time::Instant::now());
        !health.unreliable
    }

    /// A wait of `task_id` saw a status change; `announced` if a callback
    /// came about the task since its poll before. One that did not is
    /// judged when its callback comes (late) or the grace runs out
    /// (missed), whichever is first; a second unannounced change of the
    /// task judges the first as missed.
    pub(crate) fn record_change(&self, task_id: &str, announced: bool) {
        let mut health = lock(&self.health);
        let now = tokio::time::Instant::now();
        health.judge_overdue(now);
        if announced {
            health.sample(true);
        } else if health.unjudged.insert(task_id.to_owned(), now).is_some() {
            health.sample(false);
        }
    }

    /// The listener one wait of `task_id` sleeps on; it stops listening
    /// when the wait drops it.
    pub(crate) fn listen(&self, task_id: &str) -> Arc<Listener> {
        let listener = Arc::new(Listener::default());
        lock(&self.waiters)
            .entry(task_id.to_owned())
            .or_default()
            .push(Arc::downgrade(&listener));
        listener
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missed_callbacks_make_the_wakeups_unreliable_and_arrivals_restore_them() {
        let wakeups = Wakeups::new();
        assert!(!wakeups.reliable(), "callbacks have to earn trust");
        for _ in 0..ANNOUNCED_IN_A_ROW {
            wakeups.record_change("t", true);
        }
        assert!(wakeups.reliable());
        wakeups.record_change("t", false);
        assert!(wakeups.reliable(), "judged when its callback is overdue");
        wakeups.record_change("t", false);
        assert!(!wakeups.reliable(), "one miss in few changes");
        wakeups.record_change("t", true);
        assert!(!wakeups.reliable(), "one arrival does not undo a miss");
        assert!(Wakeups::trusting().reliable());
        for _ in 0..30 {
            wakeups.record_change("t", true);
        }
        assert!(wakeups.reliable());
        assert!(wakeups.missed_share() < 0.05);
    }

    #[tokio::test(start_paused = true)]
    async fn a_callback_later_than_the_poll_that_found_its_change_announced_it() {
        let wakeups = Wakeups::new();
        for task in ["a", "b", "c", "d"] {
            wakeups.record_change(task, false);
            tokio::time::sleep(Duration::from_secs(4)).await;
            wakeups.notify(task, Claim::Complete);
        }
        assert!(wakeups.reliable(), "four changes announced, late");
        assert_eq!(wakeups.missed_share(), 0.0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_change_whose_callback_never_comes_is_missed_after_the_grace() {
        let wakeups = Wakeups::trusting();
        wakeups.record_change("a", false);
        assert!(wakeups.reliable(), "not judged yet");
        tokio::time::sleep(LATE_CALLBACK_GRACE).await;
        wakeups.notify("a", Claim::Complete);
        assert!(!wakeups.reliable(), "too late: it was missed");
    }

    #[test]
    fn a_wakeup_reaches_only_the_waits_of_its_task_with_its_claim() {
        let wakeups = Wakeups::new();
        let a = wakeups.listen("a");
        let b = wakeups.listen("b");
        assert!(wakeups.notify("a", Claim::First));
        assert!(!wakeups.notify("nobody", Claim::Complete));
        assert_eq!(a.take_claims(), vec![Claim::First]);
        assert!(b.take_claims().is_empty());
        drop(a);
        assert!(
            !wakeups.notify("a", Claim::Complete),
            "a dropped wait stops listening"
        );
    }
}
