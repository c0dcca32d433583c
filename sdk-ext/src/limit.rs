//! The account's limit on creating tasks (about 20 per 10 s on the live
//! API, which refuses the excess rather than queueing it). A client keeps
//! its creates under it itself: a burst waits its turn instead of being
//! refused. A leaf: it knows only time.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many creates a client sends per window of time.
///
/// The default is the live limit, 20 per 10 s. A window is counted from
/// each create's answer, not its send (see [`crate::ClientBuilder::create_limit`]),
/// so no window of 10 s the API counts holds more than 20 of a client's
/// creates, however unevenly they travel.
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
            per: Duration::from_secs(10),
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

/// A client's turns to create, shared by its clones: `requests` of them,
/// each held from before its create is sent until `per` after its answer
/// (or its failure, or its being dropped).
///
/// Counting from the answer rather than the send is what makes the limit
/// hold however late requests arrive: the API sees a create between its
/// send and its answer, so two creates `requests` turns apart reach it at
/// least `per` apart, whatever the network or a busy runtime does to the
/// requests between. The price is one round trip per window.
#[derive(Debug)]
pub(crate) struct CreateLimiter {
    /// The turns and the window; `None` without a limit.
    turns: Option<(Arc<Semaphore>, Duration)>,
}

impl CreateLimiter {
    pub(crate) fn new(limit: Option<CreateLimit>) -> Self {
        CreateLimiter {
            turns: limit.map(|l| (Arc::new(Semaphore::new(l.requests as usize)), l.per)),
        }
    }

    /// Waits for a turn to send a create; turns are given in call order.
    /// Hold it until the create's answer has come (or it failed).
    pub(crate) async fn turn(&self) -> CreateTurn {
        let Some((turns, per)) = &self.turns else {
            return CreateTurn(None);
        };
        // The semaphore is never closed, so this always gets a permit.
        let permit = turns.clone().acquire_owned().await.ok();
        CreateTurn(permit.map(|permit| (permit, *per)))
    }
}

/// One create's turn ([`CreateLimiter::turn`]): given back a window after
/// it is dropped.
#[derive(Debug)]
pub(crate) struct CreateTurn(Option<(OwnedSemaphorePermit, Duration)>);

impl Drop for CreateTurn {
    fn drop(&mut self) {
        let Some((permit, per)) = self.0.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    tokio::time::sleep(per).await;
                    drop(permit);
                });
            }
            // Dropped outside any runtime (one that shut down mid-create).
            Err(_) => {
                std::thread::spawn(move || {
                    std::thread::sleep(per);
                    drop(permit);
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tokio::time::Instant;

    use super::*;

    fn limiter(requests: u32) -> Arc<CreateLimiter> {
        let limit = CreateLimit::new(requests, Duration::from_secs(10));
        Arc::new(CreateLimiter::new(Some(limit)))
    }

    /// Sends a create: a turn, `transit` to reach the API (where its
    /// arrival is noted), `answer` more for the answer to come back.
    async fn create(
        limiter: &CreateLimiter,
        transit: Duration,
        answer: Duration,
        arrivals: &Mutex<Vec<Instant>>,
    ) -> Instant {
        let turn = limiter.turn().await;
        let sent = Instant::now();
        tokio::time::sleep(transit).await;
        crate::sync::lock(arrivals).push(Instant::now());
        tokio::time::sleep(answer).await;
        drop(turn);
        sent
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_goes_in_batches_a_window_after_each_answer() {
        let limiter = limiter(3);
        let arrivals = Mutex::default();
        let start = Instant::now();
        let sends =
            (0..7).map(|_| create(&limiter, Duration::ZERO, Duration::from_secs(1), &arrivals));
        let offsets: Vec<u64> = futures_util::future::join_all(sends)
            .await
            .into_iter()
            .map(|sent| (sent - start).as_secs())
            .collect();
        assert_eq!(offsets, [0, 0, 0, 11, 11, 11, 22]);
    }

    #[tokio::test(start_paused = true)]
    async fn no_window_the_api_counts_holds_more_than_the_limit_however_late_creates_arrive() {
        let limiter = limiter(4);
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let mut rng = fastrand::Rng::with_seed(3);
        let mut creates = Vec::new();
        for step in 0..60u64 {
            // Creates come unevenly, and take from nothing to 3 s to reach
            // the API: a busy runtime or network, where a limit counted
            // from the sends lets five reach it within 10 s.
            if step % 7 == 0 {
                tokio::time::advance(Duration::from_millis(2300)).await;
            }
            let transit = Duration::from_millis(rng.u64(0..3000));
            let answer = Duration::from_millis(rng.u64(0..500));
            let (limiter, arrivals) = (limiter.clone(), arrivals.clone());
            creates.push(tokio::spawn(async move {
                create(&limiter, transit, answer, &arrivals).await
            }));
        }
        for create in creates {
            create.await.unwrap();
        }
        let mut arrived = crate::sync::lock(&arrivals).clone();
        arrived.sort();
        assert_eq!(arrived.len(), 60);
        for (i, t) in arrived.iter().enumerate() {
            let in_window = arrived[i..]
                .iter()
                .take_while(|u| u.duration_since(*t) < Duration::from_secs(10))
                .count();
            assert!(
                in_window <= 4,
                "{in_window} creates reached the API within 10 s from #{i}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_create_dropped_while_it_waits_for_its_turn_takes_no_turn() {
        let limiter = limiter(1);
        let held = limiter.turn().await;
        let waiting = {
            let limiter = limiter.clone();
            tokio::spawn(async move { limiter.turn().await })
        };
        tokio::task::yield_now().await;
        waiting.abort();
        assert!(waiting.await.unwrap_err().is_cancelled());
        let start = Instant::now();
        drop(held);
        drop(limiter.turn().await);
        assert_eq!(Instant::now() - start, Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_limit_every_create_goes_at_once() {
        let limiter = CreateLimiter::new(None);
        let start = Instant::now();
        let mut turns = Vec::new();
        for _ in 0..100 {
            turns.push(limiter.turn().await);
        }
        drop(turns);
        assert_eq!(Instant::now(), start);
    }
}
