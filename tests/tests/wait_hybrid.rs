//! Waiting with callbacks, on simulated time: a wake-up makes the wait
//! confirm with one poll; between callbacks it polls only as a safety net.
//! Lost callbacks cost latency, never correctness; a lying one costs a poll.

use std::time::Duration;

use kie_suno::TaskStatus;
use kie_suno::mock::{Script, Simulation};
use kie_suno::wait::Wakeups;
use tokio::time::Instant;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn typical() -> Script {
    Script::pending()
        .then(secs(8.0), TaskStatus::TextSuccess)
        .then(secs(35.0), TaskStatus::FirstSuccess)
        .then(secs(151.0), TaskStatus::Success)
}

/// Notifies `task_id` at each of `times` after now, like a receiver would.
fn callbacks_at(wakeups: &Wakeups, task_id: &str, times: &[f64]) {
    let start = Instant::now();
    for &t in times {
        let (wakeups, task_id) = (wakeups.clone(), task_id.to_owned());
        tokio::spawn(async move {
            tokio::time::sleep_until(start + secs(t)).await;
            wakeups.notify(&task_id);
        });
    }
}

/// A wait for the typical task, woken by callbacks at `times`: the mock,
/// and when the wait ended.
async fn wait_woken_at(times: &[f64]) -> (Simulation, Duration) {
    let sim = Simulation::new_default();
    sim.add_task("t", typical());
    let wakeups = Wakeups::new();
    callbacks_at(&wakeups, "t", times);
    let start = Instant::now();
    let record = sim
        .client()
        .wait("t")
        .wake_on(&wakeups)
        .await
        .expect("completes");
    assert_eq!(record.status(), TaskStatus::Success);
    (sim, start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn callbacks_end_the_wait_as_the_task_completes_with_a_few_polls() {
    let (sim, ended) = wait_woken_at(&[8.0, 35.0, 151.0]).await;
    let late = ended.saturating_sub(secs(151.0));
    assert!(late < secs(0.5), "seen {late:?} after the change");
    // The first poll, one per callback, and a safety poll every 30 s.
    let polls = sim.requests().len();
    assert!(polls <= 1 + 3 + 5, "{polls} polls");

    let plain = Simulation::new_default();
    plain.add_task("t", typical());
    plain.client().wait("t").await.expect("completes");
    assert!(
        polls * 3 < plain.requests().len(),
        "{polls} vs {}",
        plain.requests().len()
    );
}

#[tokio::test(start_paused = true)]
async fn lost_callbacks_cost_latency_not_correctness() {
    let (_, ended) = wait_woken_at(&[]).await;
    let late = ended.saturating_sub(secs(151.0));
    assert!(
        late <= secs(30.5),
        "the safety net sees it within 30 s: {late:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_callback_that_lies_costs_one_poll_and_never_ends_the_wait_early() {
    // "Complete", says a forged or lying callback, at 20 s and at 21 s.
    let (sim, ended) = wait_woken_at(&[20.0, 21.0, 151.0]).await;
    assert!(ended >= secs(151.0), "ended at {ended:?}");
    let polled_at: Vec<f64> = sim.requests().iter().map(|r| r.at.as_secs_f64()).collect();
    for lie in [20.0, 21.0] {
        assert!(
            polled_at.iter().any(|t| (lie..lie + 0.5).contains(t)),
            "a poll right after the lie at {lie} s: {polled_at:?}"
        );
    }
    assert_eq!(sim.rate_violations(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_storm_of_callbacks_stays_within_the_rate_limit() {
    let mut storm: Vec<f64> = (0..100).map(|i| 10.0 + f64::from(i) * 0.01).collect();
    storm.push(151.0);
    let (sim, _) = wait_woken_at(&storm).await;
    assert_eq!(sim.rate_violations(), 0, "the per-task budget holds");
    assert!(sim.requests().len() < 20, "{} polls", sim.requests().len());
}

#[tokio::test(start_paused = true)]
async fn wait_all_wakes_each_task_on_its_own_callbacks() {
    let sim = Simulation::new_default();
    let wakeups = Wakeups::new();
    for i in 0..10 {
        let id = format!("t{i}");
        let end = 60.0 + f64::from(i) * 7.0;
        sim.add_task(&id, Script::success(secs(end)));
        callbacks_at(&wakeups, &id, &[end]);
    }
    let start = Instant::now();
    let mut results = sim
        .client()
        .wait_all((0..10).map(|i| format!("t{i}")))
        .wake_on(&wakeups)
        .stream();
    use futures_util::StreamExt;
    while let Some((id, result)) = results.next().await {
        let i: f64 = id.trim_start_matches('t').parse().expect("id");
        let late = start.elapsed().saturating_sub(secs(60.0 + i * 7.0));
        assert!(result.is_ok() && late < secs(0.5), "{id}: {late:?}");
    }
}
