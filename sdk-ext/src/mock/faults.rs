//! Faults the mock server injects: the failures a client of the live API
//! meets (proxy error pages, maintenance, truncated and slow answers), each
//! request drawn at a fixed rate from a seeded generator so a run repeats.

use std::time::Duration;

/// One kind of injected failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// HTTP 500 with an HTML page.
    Http500Html,
    /// HTTP 502 with an HTML page, as a proxy answers.
    Http502Html,
    /// Envelope code 455: under maintenance.
    Maintenance455,
    /// Envelope code 500: server error.
    ServerError500,
    /// HTTP 200 whose body is cut-off JSON.
    MalformedJson,
    /// The connection closes halfway through the body.
    CloseMidBody,
    /// The answer is correct but comes after [`Faults::slow_delay`].
    Slow,
    /// Envelope code 429 with `Retry-After: 1`, as if the rate limit were
    /// crossed (it was not: this does not count as a violation).
    RateLimited,
}

impl Fault {
    /// Every kind of fault.
    pub const ALL: [Fault; 8] = [
        Fault::Http500Html,
        Fault::Http502Html,
        Fault::Maintenance455,
        Fault::ServerError500,
        Fault::MalformedJson,
        Fault::CloseMidBody,
        Fault::Slow,
        Fault::RateLimited,
    ];
}

/// Which faults to inject, how often, and from which seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Probability that a request gets a fault, from 0.0 to 1.0.
    pub rate: f64,
    /// Seed of the generator that picks the faulted requests and faults.
    pub seed: u64,
    /// The faults to draw from, uniformly.
    pub kinds: Vec<Fault>,
    /// How long a [`Fault::Slow`] answer is held back.
    pub slow_delay: Duration,
    /// Only these requests (counted from 1, in the order the mock answers
    /// them) may get a fault; `None`: any request.
    pub requests: Option<std::ops::Range<u64>>,
}

impl Default for Faults {
    /// No faults.
    fn default() -> Self {
        Faults {
            rate: 0.0,
            seed: 0,
            kinds: Fault::ALL.to_vec(),
            slow_delay: Duration::from_millis(1500),
            requests: None,
        }
    }
}

impl Faults {
    /// Every kind of fault at `rate`, drawn from `seed`.
    pub fn at_rate(rate: f64, seed: u64) -> Self {
        Faults {
            rate: rate.clamp(0.0, 1.0),
            seed,
            ..Faults::default()
        }
    }

    /// This one fault on every request: for testing how a client takes it.
    ///
    /// ```
    /// use kie_suno::mock::{Fault, Faults};
    /// let always_502 = Faults::always(Fault::Http502Html);
    /// assert_eq!(always_502.rate, 1.0);
    /// ```
    pub fn always(fault: Fault) -> Self {
        Faults {
            rate: 1.0,
            kinds: vec![fault],
            ..Faults::default()
        }
    }

    /// This one fault on exactly these requests (counted from 1): for
    /// testing what a client does after a burst of failures.
    ///
    /// ```
    /// use kie_suno::mock::{Fault, Faults};
    /// let polls_2_to_5 = Faults::on_requests(2..6, Fault::Maintenance455);
    /// assert_eq!(polls_2_to_5.requests, Some(2..6));
    /// ```
    pub fn on_requests(requests: std::ops::Range<u64>, fault: Fault) -> Self {
        Faults {
            requests: Some(requests),
            ..Faults::always(fault)
        }
    }

    /// The fault for the `request`-th request, if it gets one.
    pub(crate) fn draw(&self, request: u64, rng: &mut fastrand::Rng) -> Option<Fault> {
        if self
            .requests
            .as_ref()
            .is_some_and(|r| !r.contains(&request))
        {
            return None;
        }
        if self.kinds.is_empty() || self.rate <= 0.0 || rng.f64() >= self.rate {
            return None;
        }
        Some(self.kinds[rng.usize(..self.kinds.len())])
    }
}
