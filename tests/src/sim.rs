//! Measuring wait policies on simulated time: polls per task and detection
//! delay (from the status change the wait is for, to the wait returning),
//! over the in-memory mock on tokio's paused clock. Counts, not timings, so
//! the figures are exact and repeatable on a noisy machine.

use std::time::Duration;

use kie_suno::TaskStatus;
use kie_suno::mock::{Script, Simulation};
use kie_suno::music::Music;
use kie_suno::music::Stage;
use kie_suno::wait::{Claim, PollPolicy, Wait, WaitError, Wakeups};

/// Mean polls per task and mean detection delay of one policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub polls: f64,
    pub delay: Duration,
    /// Waits that did not end as their script says (a success that did
    /// not return the record, a failure with another status, a timeout):
    /// figures with failures are not figures.
    pub failures: usize,
}

/// Waits for each `(task id, script)` with `policy` until `stage`, one at a
/// time, and averages. Must run on a paused tokio clock.
pub async fn measure(policy: &PollPolicy, stage: Stage, tasks: &[(String, Script)]) -> Figures {
    let mut total = Tally::default();
    for (id, script) in tasks {
        total.add(score(id, script, stage, |wait| wait.policy(policy.clone())).await);
    }
    total.figures(tasks.len())
}

/// One wait's polls, detection delay and whether it ended as scripted.
struct Scored {
    polls: usize,
    delay: Duration,
    right: bool,
}

#[derive(Default)]
struct Tally {
    polls: usize,
    delay: Duration,
    failures: usize,
}

impl Tally {
    fn add(&mut self, scored: Scored) {
        self.polls += scored.polls;
        self.delay += scored.delay;
        self.failures += usize::from(!scored.right);
    }

    fn figures(&self, tasks: usize) -> Figures {
        let n = tasks.max(1);
        Figures {
            polls: self.polls as f64 / n as f64,
            delay: self.delay / n as u32,
            failures: self.failures,
        }
    }
}

/// Runs one wait, set up by `configure`, over a fresh simulation of
/// `script`, and scores it.
async fn score(
    id: &str,
    script: &Script,
    stage: Stage,
    configure: impl FnOnce(Wait<Music>) -> Wait<Music>,
) -> Scored {
    let sim = Simulation::new_default();
    sim.add_task(id, script.clone());
    let start = tokio::time::Instant::now();
    let wait = sim
        .client()
        .wait(id)
        .until(stage)
        .deadline(Duration::from_secs(3600));
    let outcome = configure(wait).await;
    Scored {
        polls: sim.requests().len(),
        delay: start.elapsed().saturating_sub(change_time(script, stage)),
        right: ends_as_scripted(&outcome, id, script, stage),
    }
}

/// Whether a wait until `stage` ended as `script` says it must: with this
/// task's record at the stage's status or later, or failed at the
/// script's final status when the script never gets there.
fn ends_as_scripted(
    outcome: &Result<kie_suno::MusicRecord, WaitError<Music>>,
    id: &str,
    script: &Script,
    stage: Stage,
) -> bool {
    let target = stage_status(stage);
    match (script.reaches_at(&target), outcome) {
        (Some(_), Ok(record)) => record.task_id() == id && record.status() >= target,
        (None, Err(WaitError::TaskFailed { status, .. })) => *status == script.final_status(),
        _ => false,
    }
}

fn stage_status(stage: Stage) -> TaskStatus {
    match stage {
        Stage::Streamable => TaskStatus::FirstSuccess,
        Stage::Complete => TaskStatus::Success,
    }
}

/// A wait until complete for a task this client just created, which the
/// API does not know for `hidden` and which is done at `done` (its
/// lyrics and first stream in between): with the default policy, and
/// with `baseline`, each looking for the task through the "not found"
/// answers for as long as a created task is looked for. Must run on a
/// paused tokio clock.
pub async fn measure_late(
    hidden: Duration,
    done: Duration,
    baseline: &PollPolicy,
) -> (Figures, Figures) {
    let script = Script::pending()
        .then(hidden + (done - hidden) / 4, TaskStatus::TextSuccess)
        .then(hidden + (done - hidden) / 2, TaskStatus::FirstSuccess)
        .then(done, TaskStatus::Success)
        .hidden_for(hidden);
    let task = [("late-task".to_owned(), script)];
    let run = |policy: Option<PollPolicy>| {
        let task = &task;
        async move {
            let mut total = Tally::default();
            for (id, script) in task {
                let scored = score(id, script, Stage::Complete, |wait| match &policy {
                    Some(policy) => wait.just_created().policy(policy.clone()),
                    None => wait.just_created(),
                })
                .await;
                total.add(scored);
            }
            total.figures(task.len())
        }
    };
    (run(None).await, run(Some(baseline.clone())).await)
}

/// How the provider's callbacks reach the receiver: each after a latency
/// drawn from `latency`, a share `duplicated` of them delivered a second
/// time (after a latency of its own), a share `lost` never. Latencies
/// that differ reorder them, as on the internet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery {
    pub latency: (Duration, Duration),
    pub duplicated: f64,
    pub lost: f64,
}

impl Delivery {
    /// What the issue calls realistic: 0.2-5 s, 10% twice, `lost` lost.
    pub fn realistic(lost: f64) -> Self {
        Delivery {
            latency: (Duration::from_millis(200), Duration::from_secs(5)),
            duplicated: 0.1,
            lost,
        }
    }

    fn draw(&self, rng: &mut fastrand::Rng) -> Duration {
        let (lo, hi) = self.latency;
        lo + (hi - lo).mul_f64(rng.f64())
    }
}

/// [`Figures`] of waits woken by callbacks, with what the callbacks cost
/// by themselves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HybridFigures {
    pub figures: Figures,
    /// Mean latency of the first callback of the change each wait is for,
    /// over the waits whose callback came.
    pub latency: Duration,
    /// Mean of detection delay minus that latency, over the same waits:
    /// what the SDK adds to the callback's own lateness.
    pub excess: Duration,
}

/// [`measure`] for waits that wake on callbacks: the provider's callback
/// for each change of a script is delivered as `delivery` says (drawn
/// from `seed`), to one set of wake-ups serving every wait, as one
/// receiver would.
pub async fn measure_hybrid(
    stage: Stage,
    tasks: &[(String, Script)],
    delivery: Delivery,
    seed: u64,
) -> HybridFigures {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut total = Tally::default();
    let (mut latency, mut excess, mut counted) = (Duration::ZERO, Duration::ZERO, 0u32);
    let wakeups = Wakeups::new();
    // Callbacks keep coming after their wait returned (a late one for the
    // change it returned on, say), as they would to a receiver.
    let mut notifiers = Vec::new();
    for (id, script) in tasks {
        let target = change_time(script, stage);
        let mut delivered: Vec<(Duration, Claim)> = Vec::new();
        let mut target_latency = None;
        for (at, status) in script.steps() {
            if rng.f64() < delivery.lost {
                continue;
            }
            let mut arrivals = vec![delivery.draw(&mut rng)];
            if rng.f64() < delivery.duplicated {
                arrivals.push(delivery.draw(&mut rng));
            }
            if *at == target {
                target_latency = arrivals.iter().min().copied();
            }
            delivered.extend(arrivals.into_iter().map(|l| (*at + l, claim_of(status))));
        }
        delivered.sort_by_key(|(when, _)| *when);
        let start = tokio::time::Instant::now();
        let notifier = {
            let (wakeups, id) = (wakeups.clone(), id.clone());
            tokio::spawn(async move {
                for (when, claim) in delivered {
                    tokio::time::sleep_until(start + when).await;
                    wakeups.notify(&id, claim);
                }
            })
        };
        let scored = score(id, script, stage, |wait| {
            wait.wake_on(&wakeups).just_created()
        })
        .await;
        if let Some(l) = target_latency {
            latency += l;
            excess += scored.delay.saturating_sub(l);
            counted += 1;
        }
        total.add(scored);
        notifiers.push(notifier);
    }
    for notifier in notifiers {
        notifier.abort();
    }
    let n = counted.max(1);
    HybridFigures {
        figures: total.figures(tasks.len()),
        latency: latency / n,
        excess: excess / n,
    }
}

/// The claim of the callback the provider sends when a music task reaches
/// `status`.
fn claim_of(status: &TaskStatus) -> Claim {
    match status {
        TaskStatus::TextSuccess => Claim::Text,
        TaskStatus::FirstSuccess => Claim::First,
        TaskStatus::Success => Claim::Complete,
        s if s.is_failure() => Claim::Failed,
        _ => Claim::Unknown,
    }
}

/// When the status a wait for `stage` returns on first occurs: the stage
/// itself, or the script's end if it never gets there (a failure).
pub fn change_time(script: &Script, stage: Stage) -> Duration {
    let target = stage_status(stage);
    script
        .reaches_at(&target)
        .unwrap_or_else(|| script.ends_at())
}

/// A current-thread runtime on a paused clock, for [`measure`].
pub fn paused_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
}

/// A seeded mix of lifecycles shaped like the live API's: mostly typical
/// (2-3 minutes), some short, some long, some failing at any stage.
pub fn lifecycle_mix(count: usize, seed: u64) -> Vec<(String, Script)> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut secs = |lo: f64, hi: f64| Duration::from_secs_f64(lo + (hi - lo) * rng.f64());
    (0..count)
        .map(|i| {
            let kind = i % 20;
            let text = secs(4.0, 12.0);
            let first = secs(28.0, 45.0);
            let script = match kind {
                0..=11 => Script::pending()
                    .then(text, TaskStatus::TextSuccess)
                    .then(first, TaskStatus::FirstSuccess)
                    .then(secs(120.0, 180.0), TaskStatus::Success),
                12..=14 => Script::pending()
                    .then(text.min(Duration::from_secs(6)), TaskStatus::TextSuccess)
                    .then(secs(12.0, 20.0), TaskStatus::FirstSuccess)
                    .then(secs(25.0, 60.0), TaskStatus::Success),
                15..=16 => Script::pending()
                    .then(text, TaskStatus::TextSuccess)
                    .then(first, TaskStatus::FirstSuccess)
                    .then(secs(200.0, 400.0), TaskStatus::Success),
                17 => Script::failure(secs(1.0, 5.0), TaskStatus::CreateTaskFailed),
                18 => Script::failure(secs(3.0, 10.0), TaskStatus::SensitiveWordError),
                _ => Script::pending()
                    .then(text, TaskStatus::TextSuccess)
                    .then(secs(30.0, 150.0), TaskStatus::GenerateAudioFailed),
            };
            (format!("mix-{i}"), script)
        })
        .collect()
}

/// A burst of `count` music creates sent at once through one client with
/// the default create limit, against the simulated mock with the live
/// account limit (20 per 10 s): how long (simulated) until the last one is
/// created, and how many went wrong (an error, a refusal by the account
/// limit, a task made twice).
pub async fn create_burst(count: usize) -> (Duration, usize) {
    let sim = kie_suno::mock::MockBuilder::default()
        .credits(i64::MAX)
        .simulate();
    let client = sim.client();
    let started = tokio::time::Instant::now();
    let creates = (0..count).map(|i| {
        let client = client.clone();
        async move {
            let request = kie_suno::music::GenerateMusic::from_description(format!("piece {i}"))
                .callback_url("https://example.com/hook");
            client.music().generate(request).await
        }
    });
    let results = futures_util::future::join_all(creates).await;
    let elapsed = started.elapsed();
    let errors = results.iter().filter(|r| r.is_err()).count();
    let made = sim.created_tasks().len();
    let failures = errors + sim.create_rate_violations() as usize + made.abs_diff(count);
    (elapsed, failures)
}
