//! What a verifier remembers of the deliveries it accepted: each one's
//! fingerprint, and how many were accepted per task and stage, for one
//! window of time and no longer, and never more than a fixed number of
//! entries (the oldest go first). A replay of what was forgotten is older
//! than the window, so the time check refuses it anyway.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, SystemTime};

/// Fingerprints kept at most, whatever the rate (about 100 bytes each).
pub(crate) const MAX_REMEMBERED: usize = 100_000;

/// The memory; see the [module](self).
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// In the order accepted: when, the fingerprint, the task and stage.
    order: VecDeque<(SystemTime, [u8; 32], String)>,
    fingerprints: HashSet<[u8; 32]>,
    /// Accepted new deliveries per "task id \n stage".
    per_stage: HashMap<String, u32>,
}

/// What the memory says of a delivery.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Not seen before, and under the cap for its task and stage.
    New,
    /// The same delivery was accepted before.
    Repeat,
    /// A new body, but its task and stage had their share already.
    OverCap,
}

impl Seen {
    /// Judges and records a delivery of `fingerprint` about `stage_key`
    /// (task and stage) at `now`, forgetting what is older than `keep`;
    /// at most `cap` new deliveries per task and stage are let through.
    pub(crate) fn judge(
        &mut self,
        fingerprint: [u8; 32],
        stage_key: String,
        now: SystemTime,
        keep: Duration,
        cap: u32,
    ) -> Verdict {
        self.forget(now, keep);
        if self.fingerprints.contains(&fingerprint) {
            return Verdict::Repeat;
        }
        let count = self.per_stage.entry(stage_key.clone()).or_default();
        if *count >= cap {
            return Verdict::OverCap;
        }
        *count += 1;
        if self.order.len() >= MAX_REMEMBERED {
            self.pop_oldest();
        }
        self.fingerprints.insert(fingerprint);
        self.order.push_back((now, fingerprint, stage_key));
        Verdict::New
    }

    fn forget(&mut self, now: SystemTime, keep: Duration) {
        while let Some((at, ..)) = self.order.front() {
            let old = now.duration_since(*at).is_ok_and(|age| age > keep);
            if !old {
                break;
            }
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) {
        if let Some((_, fingerprint, key)) = self.order.pop_front() {
            self.fingerprints.remove(&fingerprint);
            if let Some(count) = self.per_stage.get_mut(&key) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    self.per_stage.remove(&key);
                }
            }
        }
    }

    /// How many deliveries are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEEP: Duration = Duration::from_secs(600);

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
    }

    #[test]
    fn a_delivery_is_new_once_then_a_repeat_until_forgotten() {
        let mut seen = Seen::default();
        assert_eq!(
            seen.judge([1; 32], "t\nfirst".into(), at(0), KEEP, 3),
            Verdict::New
        );
        assert_eq!(
            seen.judge([1; 32], "t\nfirst".into(), at(5), KEEP, 3),
            Verdict::Repeat
        );
        assert_eq!(
            seen.judge([1; 32], "t\nfirst".into(), at(601), KEEP, 3),
            Verdict::New
        );
        assert_eq!(seen.len(), 1, "the old one was forgotten");
    }

    #[test]
    fn each_task_and_stage_gets_a_few_new_deliveries_per_window() {
        let mut seen = Seen::default();
        for i in 0..3 {
            assert_eq!(
                seen.judge([i; 32], "t\nfirst".into(), at(0), KEEP, 3),
                Verdict::New
            );
        }
        assert_eq!(
            seen.judge([9; 32], "t\nfirst".into(), at(1), KEEP, 3),
            Verdict::OverCap
        );
        assert_eq!(
            seen.judge([9; 32], "t\ncomplete".into(), at(1), KEEP, 3),
            Verdict::New
        );
        assert_eq!(
            seen.judge([8; 32], "t\nfirst".into(), at(700), KEEP, 3),
            Verdict::New
        );
    }

    #[test]
    fn the_memory_never_holds_more_than_its_cap() {
        let mut seen = Seen::default();
        for i in 0..(MAX_REMEMBERED + 10) {
            let mut fingerprint = [0; 32];
            fingerprint[..8].copy_from_slice(&(i as u64).to_le_bytes());
            seen.judge(fingerprint, format!("t{i}\nfirst"), at(0), KEEP, 3);
        }
        assert_eq!(seen.len(), MAX_REMEMBERED);
        assert_eq!(seen.fingerprints.len(), MAX_REMEMBERED);
        assert!(seen.per_stage.len() <= MAX_REMEMBERED);
    }
}
