//! The fault-injection soak: many tasks with varied scripted lifecycles on
//! the HTTP mock, waited for through `wait_all` while faults are injected,
//! checking that every task is reported exactly once with the outcome its
//! script says, within the rate limit, without a panic.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use kie_suno::mock::{Faults, MockServer, Script};
use kie_suno::wait::{PollPolicy, WaitError};
use kie_suno::{ApiKey, Client, TaskStatus};

/// What to run.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    pub tasks: usize,
    pub concurrency: usize,
    pub fault_rate: f64,
    pub seed: u64,
}

/// What happened; [`SoakReport::passed`] when nothing was lost,
/// duplicated, wrong, over the limit or panicking.
#[derive(Debug, Clone, Default)]
pub struct SoakReport {
    pub tasks: usize,
    pub completed: usize,
    pub failed_as_scripted: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub wrong_outcome: usize,
    pub rate_violations: u64,
    pub panics: u64,
    pub faults_injected: usize,
    pub requests: usize,
    pub peak_rss_mib: f64,
    pub wall_s: f64,
    /// A few examples of wrong outcomes, for diagnosis.
    pub examples: Vec<String>,
}

impl SoakReport {
    pub fn passed(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.wrong_outcome == 0
            && self.rate_violations == 0
            && self.panics == 0
    }
}

impl fmt::Display for SoakReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tasks={} completed={} failed_as_scripted={} lost={} duplicated={} wrong_outcome={} rate_violations={} panics={} peak_rss_mib={:.1} wall_s={:.1}",
            self.tasks,
            self.completed,
            self.failed_as_scripted,
            self.lost,
            self.duplicated,
            self.wrong_outcome,
            self.rate_violations,
            self.panics,
            self.peak_rss_mib,
            self.wall_s
        )
    }
}

static PANICS: AtomicU64 = AtomicU64::new(0);

/// Counts panics on any thread (the default hook still prints them).
pub fn count_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::Relaxed);
        default(info);
    }));
}

/// How each task's wait must end.
#[derive(Debug, Clone, PartialEq)]
enum Expected {
    /// Ends `Ok` with this task's record at this final status.
    Completes(TaskStatus),
    /// Ends with `WaitError::TaskFailed` at this status.
    Fails(TaskStatus),
}

/// How long a batch of waits takes, roughly: the next batch's lifecycles
/// are shifted by this much, so each task is still in progress when its
/// wait starts (as if created just before), instead of long finished.
const BATCH_SPACING: Duration = Duration::from_secs(3);

/// A lifecycle of a few seconds, drawn from the seed: mostly successes,
/// and every failure status and the callback exception (which completes:
/// its tracks are done).
fn lifecycle(rng: &mut fastrand::Rng) -> (Script, Expected) {
    let ms = |lo: u64, hi: u64, rng: &mut fastrand::Rng| Duration::from_millis(rng.u64(lo..hi));
    match rng.u32(0..20) {
        0 => (
            Script::failure(ms(200, 2000, rng), TaskStatus::CreateTaskFailed),
            Expected::Fails(TaskStatus::CreateTaskFailed),
        ),
        1 => {
            let at = ms(800, 3000, rng);
            let script = Script::pending()
                .then(at / 3, TaskStatus::TextSuccess)
                .then(at, TaskStatus::GenerateAudioFailed);
            (script, Expected::Fails(TaskStatus::GenerateAudioFailed))
        }
        2 => (
            Script::failure(ms(300, 1500, rng), TaskStatus::SensitiveWordError),
            Expected::Fails(TaskStatus::SensitiveWordError),
        ),
        3 => (
            Script::failure(ms(1000, 4000, rng), TaskStatus::CallbackException),
            Expected::Completes(TaskStatus::CallbackException),
        ),
        _ => (
            Script::success(ms(500, 4000, rng)),
            Expected::Completes(TaskStatus::Success),
        ),
    }
}

/// Runs the soak on the current tokio runtime.
pub async fn soak(config: &SoakConfig) -> std::io::Result<SoakReport> {
    let started = Instant::now();
    let panics_before = PANICS.load(Ordering::Relaxed);
    let faults = Faults {
        slow_delay: Duration::from_millis(800),
        ..Faults::at_rate(config.fault_rate, config.seed)
    };
    let server = MockServer::builder().faults(faults).start().await?;
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let mut expected = HashMap::new();
    let mut ids = Vec::with_capacity(config.tasks);
    for i in 0..config.tasks {
        let id = format!("soak-{i}");
        let (script, outcome) = lifecycle(&mut rng);
        let batch = (i / config.concurrency.max(1)) as u32;
        server.add_task(&id, script.delayed(BATCH_SPACING * batch));
        ids.push(id.clone());
        expected.insert(id, outcome);
    }
    let client = Client::builder()
        .api_key(ApiKey::new(server.api_key()).map_err(std::io::Error::other)?)
        .base_url(server.url())
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(std::io::Error::other)?;
    let policy = PollPolicy::default()
        .initial_delay(Duration::from_millis(300))
        .base_delay(Duration::from_millis(300))
        .max_delay(Duration::from_millis(1500))
        .lifecycle(None);
    let mut results = client
        .wait_all(ids)
        .concurrency(config.concurrency)
        .policy(policy)
        .deadline(Duration::from_secs(120))
        .stream();

    let mut report = SoakReport {
        tasks: config.tasks,
        ..SoakReport::default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    while let Some((id, result)) = results.next().await {
        let count = seen.entry(id.clone()).or_default();
        *count += 1;
        if *count > 1 {
            report.duplicated += 1;
            continue;
        }
        let right = match (expected.get(&id), &result) {
            (Some(Expected::Completes(want)), Ok(record))
                if record.task_id() == id && record.status() == *want =>
            {
                report.completed += 1;
                true
            }
            (Some(Expected::Fails(want)), Err(WaitError::TaskFailed { status, .. }))
                if status == want =>
            {
                report.failed_as_scripted += 1;
                true
            }
            _ => false,
        };
        if !right {
            report.wrong_outcome += 1;
            if report.examples.len() < 5 {
                report.examples.push(format!(
                    "{id}: expected {:?}, got {:?}",
                    expected.get(&id),
                    result.map(|r| r.status())
                ));
            }
        }
    }
    report.lost = expected.keys().filter(|id| !seen.contains_key(*id)).count();
    let requests = server.requests();
    report.requests = requests.len();
    report.faults_injected = requests
        .iter()
        .filter(|r| matches!(r.answer, kie_suno::mock::Answer::Fault(_)))
        .count();
    report.rate_violations = server.rate_violations();
    report.panics = PANICS.load(Ordering::Relaxed) - panics_before;
    report.peak_rss_mib = peak_rss_mib();
    report.wall_s = started.elapsed().as_secs_f64();

    Ok(report)
}

/// The process's peak resident memory (Linux), in MiB; 0 elsewhere.
pub fn peak_rss_mib() -> f64 {
    proc_status_mib("VmHWM:")
}

/// The process's resident memory now (Linux), in MiB; 0 elsewhere.
pub fn rss_mib() -> f64 {
    proc_status_mib("VmRSS:")
}

/// A `kB` field of `/proc/self/status`, in MiB.
fn proc_status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
