//! The account's limit on creating tasks (about 20 per 10 s on the live
//! API, which refuses the excess rather than queueing it). A client keeps
//! its creates under it itself: a burst waits its turn instead of being
//! refused. A leaf: it knows only time.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// How many creates a client sends per window of time.
///
/// The default is 20 per 10.5 s: the live limit of 20 per 10 s, with half
/// a second for requests that take longer to arrive than others.
///
/// ```
/// use std::time::Duration;
/// use kie_suno::CreateLimit;
/// let limit = CreateLimit::new(5, Duration::from_secs(10)); // a sub-key's share
/// assert_eq!(limit.requests(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateLimit {
    requests: u32,
    per: Duration,
}

impl Default for CreateLimit {
    fn default() -> Self {
        CreateLimit {
            requests: 20,
            per: Duration::from_millis(10_500),
        }
    }
}

impl CreateLimit {
    /// At most `requests` creates in any window of `per` (at least one).
    pub fn new(requests: u32, per: Duration) -> Self {
        CreateLimit {
            requests: requests.max(1),
            per,
        }
    }

    /// The creates allowed per window.
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// The window.
    pub fn per(&self) -> Duration {
        self.per
    }
}

/// The send times of a client's recent creates, shared by its clones.
#[derive(Debug)]
pub(crate) struct CreateLimiter {
    limit: Option<CreateLimit>,
    /// Send slots handed out, in order; older than a window are dropped.
    slots: Mutex<VecDeque<Instant>>,
}

impl CreateLimiter {
    pub(crate) fn new(limit: Option<CreateLimit>) -> Self {
        CreateLimiter {
            limit,
            slots: Mutex::default(),
        }
    }

    /// Reserves the earliest time a create may be sent; the caller sleeps
    /// until then. Slots are handed out in call order. A slot whose create
    /// is dropped before it is sent is lost, which only ever makes the
    /// client slower, never over the limit.
    pub(crate) fn reserve(&self) -> Instant {
        let now = Instant::now();
        let Some(limit) = self.limit else {
            return now;
        };
        let mut slots = crate::sync::lock(&self.slots);
        while slots
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= limit.per)
        {
            slots.pop_front();
        }
        let n = limit.requests as usize;
        let mut slot = now;
        if slots.len() >= n {
            // The window that would hold this create and the n before it
            // must be longer than `per`.
            slot = slot.max(slots[slots.len() - n] + limit.per);
        }
        if let Some(last) = slots.back() {
            slot = slot.max(*last);
        }
        slots.push_back(slot);
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_gets_slots_a_window_apart_per_batch() {
        let limiter = CreateLimiter::new(Some(CreateLimit::new(3, Duration::from_secs(10))));
        let start = Instant::now();
        let offsets: Vec<u64> = (0..7)
            .map(|_| (limiter.reserve() - start).as_secs())
            .collect();
        assert_eq!(offsets, [0, 0, 0, 10, 10, 10, 20]);
    }

    #[tokio::test(start_paused = true)]
    async fn no_window_ever_holds_more_than_the_limit() {
        let limit = CreateLimit::new(4, Duration::from_secs(10));
        let limiter = CreateLimiter::new(Some(limit));
        let mut sent = Vec::new();
        for step in 0..60u64 {
            // Creates arrive unevenly: bursts and gaps.
            if step % 7 == 0 {
                tokio::time::advance(Duration::from_millis(2300)).await;
            }
            let slot = limiter.reserve();
            tokio::time::sleep_until(slot).await;
            sent.push(Instant::now());
        }
        for (i, t) in sent.iter().enumerate() {
            let in_window = sent[i..]
                .iter()
                .take_while(|u| u.duration_since(*t) < limit.per())
                .count();
            assert!(in_window <= 4, "{in_window} creates within 10 s from #{i}");
        }
    }

    #[test]
    fn without_a_limit_every_create_goes_at_once() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            let limiter = CreateLimiter::new(None);
            let now = Instant::now();
            assert!((0..100).all(|_| limiter.reserve() <= now + Duration::from_millis(5)));
        });
    }
}
