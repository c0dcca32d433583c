//! Instants some time from another, that never overflow: a duration from
//! a flag or a builder (`Duration::MAX` included) ends in the far future,
//! not in a panic. A leaf.

use std::time::Duration;

use tokio::time::Instant;

/// About thirty years: far enough to mean "never" for a wait or a lease.
const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);

/// `at + by`, or the far future (or `at` itself) where that overflows.
pub(crate) fn later(at: Instant, by: Duration) -> Instant {
    at.checked_add(by)
        .or_else(|| at.checked_add(FAR))
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_durations_end_in_the_far_future_without_a_panic() {
        let now = Instant::now();
        assert_eq!(
            later(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        assert!(later(now, Duration::MAX) >= now + Duration::from_secs(86_400 * 365));
    }
}
