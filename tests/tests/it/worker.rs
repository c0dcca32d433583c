//! The library's worker on simulated time, over a journal double that
//! holds one task and whose renewals work or fail: a worker follows what
//! it holds to the end, and stops sending for a task once its lease may
//! have run out.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::DateTime;
use kie_suno::journal::{
    EntryState, Journal, JournalEntry, JournalError, JournalEvent, JournalFuture, LeaseQueue,
};
use kie_suno::mock::{Script, Simulation};
use kie_suno::worker::{Worker, WorkerEvent};
use tokio_util::sync::CancellationToken;

/// A journal with one created music task, claimed once; its renewals
/// keep the lease, or fail as a journal that is away does.
#[derive(Debug)]
struct OneTask {
    entry: JournalEntry,
    claimed: AtomicBool,
    renewals_work: bool,
    reports: AtomicUsize,
}

impl OneTask {
    fn new(task_id: &str, renewals_work: bool) -> Self {
        let epoch = DateTime::UNIX_EPOCH;
        OneTask {
            entry: JournalEntry {
                intent: format!("intent-{task_id}"),
                kind: "music".into(),
                operation: "generate-music".into(),
                fingerprint: "0".into(),
                created_at: epoch,
                state: EntryState::Created,
                task_id: Some(task_id.into()),
                status: None,
                detail: None,
                updated_at: epoch,
                files: Vec::new(),
                holder: None,
                lease_until: None,
                reported: None,
            },
            claimed: AtomicBool::new(false),
            renewals_work,
            reports: AtomicUsize::new(0),
        }
    }
}

impl Journal for OneTask {
    fn record(&self, _event: JournalEvent) -> JournalFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }

    fn entries(&self, _all: bool) -> JournalFuture<'_, Vec<JournalEntry>> {
        Box::pin(async { Ok(vec![self.entry.clone()]) })
    }
}

impl LeaseQueue for OneTask {
    fn claim(
        &self,
        _holder: &str,
        _lease: Duration,
        max: usize,
    ) -> JournalFuture<'_, Vec<JournalEntry>> {
        let first = max > 0 && !self.claimed.swap(true, Ordering::SeqCst);
        Box::pin(async move {
            Ok(if first {
                vec![self.entry.clone()]
            } else {
                Vec::new()
            })
        })
    }

    fn renew(
        &self,
        _holder: &str,
        intents: &[String],
        _lease: Duration,
    ) -> JournalFuture<'_, Vec<String>> {
        let kept = intents.to_vec();
        Box::pin(async move {
            if self.renewals_work {
                Ok(kept)
            } else {
                Err(JournalError::Store {
                    location: "the test's journal".into(),
                    message: "away".into(),
                })
            }
        })
    }

    fn report(&self, _holder: &str, _intent: &str) -> JournalFuture<'_, bool> {
        Box::pin(async { Ok(self.reports.fetch_add(1, Ordering::SeqCst) == 0) })
    }

    fn release(&self, _holder: &str, _intents: &[String]) -> JournalFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// Runs a worker with a 30 s lease over `journal` for `for_` of simulated
/// time; returns what it did.
async fn run_worker(sim: &Simulation, journal: Arc<OneTask>, for_: Duration) -> Vec<WorkerEvent> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let stop = CancellationToken::new();
    let worker = Worker::new(&sim.client(), journal)
        .name("w1")
        .lease(Duration::from_secs(30));
    let running = tokio::spawn({
        let (events, stop) = (events.clone(), stop.clone());
        worker.run(stop, move |event| events.lock().unwrap().push(event))
    });
    tokio::time::sleep(for_).await;
    stop.cancel();
    running.await.unwrap();
    events.lock().unwrap().clone()
}

fn poll_times(sim: &Simulation) -> Vec<f64> {
    sim.requests().iter().map(|r| r.at.as_secs_f64()).collect()
}

#[tokio::test(start_paused = true)]
async fn a_worker_whose_renewals_keep_its_lease_follows_the_task_to_its_end() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(Duration::from_secs(180)));
    let journal = Arc::new(OneTask::new("t", true));
    let events = run_worker(&sim, journal.clone(), Duration::from_secs(300)).await;

    let reported: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            WorkerEvent::Reported(report) => Some(report),
            _ => None,
        })
        .collect();
    assert_eq!(reported.len(), 1, "{events:?}");
    assert_eq!(reported[0].task_id, "t");
    assert_eq!(reported[0].failure, None);
    assert_eq!(journal.reports.load(Ordering::SeqCst), 1);
    let last = poll_times(&sim).last().copied().unwrap_or(0.0);
    assert!(last >= 180.0, "polled to the end: last poll at {last} s");
}

#[tokio::test(start_paused = true)]
async fn a_worker_that_cannot_renew_stops_sending_once_its_lease_may_have_run_out() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(Duration::from_secs(180)));
    let journal = Arc::new(OneTask::new("t", false));
    let events = run_worker(&sim, journal.clone(), Duration::from_secs(300)).await;

    let times = poll_times(&sim);
    assert!(
        times.len() >= 3,
        "it followed the task while it held it: {times:?}"
    );
    assert!(
        times.iter().all(|&at| at < 30.0),
        "nothing sent after the 30 s lease claimed at 0 s: {times:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, WorkerEvent::LeaseLost { task_id } if task_id == "t")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, WorkerEvent::JournalFailed { .. })),
        "the failed renewals are told: {events:?}"
    );
    assert_eq!(journal.reports.load(Ordering::SeqCst), 0, "{events:?}");
}

#[tokio::test]
async fn a_worker_that_stops_sweeps_the_temporary_files_dead_workers_left_in_its_directory() {
    // A worker killed (SIGKILL) while it saved a file leaves its temporary
    // file; the next download of that name would sweep it, but there may
    // be none. A worker that stops sweeps its directory: files no live
    // download holds go, finished files stay.
    let dir = tempfile::tempdir().unwrap();
    let left = [
        dir.path().join(".song.0123456789abcdef.part"),
        dir.path().join(".song.done.fedcba9876543210.part"),
    ];
    for path in &left {
        std::fs::write(path, b"half written").unwrap();
    }
    let finished = dir.path().join("song.mp3");
    std::fs::write(&finished, b"whole").unwrap();
    let sim = Simulation::new_default();
    // A task the worker does not get to save: it stops at once.
    sim.add_task("t", Script::success(Duration::from_secs(600)));
    let stop = CancellationToken::new();
    let worker = Worker::new(&sim.client(), Arc::new(OneTask::new("t", true)))
        .name("w1")
        .download_to(dir.path());
    let running = tokio::spawn(worker.run(stop.clone(), |_| {}));
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.cancel();
    running.await.unwrap();
    for path in &left {
        assert!(!path.exists(), "{} was left", path.display());
    }
    assert!(finished.exists(), "a finished file was swept");
}
