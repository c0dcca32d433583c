//! Waiting with callbacks, on simulated time: a wake-up makes the wait
//! confirm with one poll; between callbacks it polls only as a safety net.
//! Lost callbacks cost latency, never correctness; a lying one costs a poll.

use std::time::Duration;

use kie_suno::TaskStatus;
use kie_suno::mock::{Fault, Faults, MockBuilder, Script, Simulation};
use kie_suno::music::Stage;
use kie_suno::wait::{Claim, Wakeups};
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

/// The typical task's callbacks: when, and what each claims.
const TYPICAL_CALLBACKS: [(f64, Claim); 3] = [
    (8.0, Claim::Text),
    (35.0, Claim::First),
    (151.0, Claim::Complete),
];

/// Notifies `task_id` at each time after now with its claim, like a
/// receiver would.
fn callbacks_at(wakeups: &Wakeups, task_id: &str, callbacks: &[(f64, Claim)]) {
    let start = Instant::now();
    for &(t, claim) in callbacks {
        let (wakeups, task_id) = (wakeups.clone(), task_id.to_owned());
        tokio::spawn(async move {
            tokio::time::sleep_until(start + secs(t)).await;
            wakeups.notify(&task_id, claim);
        });
    }
}

/// A wait for a just-created typical task, woken through `wakeups` by
/// `callbacks`: the mock, and when the wait ended.
async fn wait_with(wakeups: &Wakeups, callbacks: &[(f64, Claim)]) -> (Simulation, Duration) {
    let sim = Simulation::new_default();
    sim.add_task("t", typical());
    callbacks_at(wakeups, "t", callbacks);
    let start = Instant::now();
    let record = sim
        .client()
        .wait("t")
        .wake_on(wakeups)
        .just_created()
        .await
        .expect("completes");
    assert_eq!(record.status(), TaskStatus::Success);
    (sim, start.elapsed())
}

/// [`wait_with`] on wake-ups that have seen callbacks arrive for earlier
/// tasks (as a long-running receiver has).
async fn wait_woken_at(callbacks: &[(f64, Claim)]) -> (Simulation, Duration) {
    let wakeups = proven_wakeups().await;
    wait_with(&wakeups, callbacks).await
}

/// Wake-ups whose callbacks have arrived for two earlier tasks.
async fn proven_wakeups() -> Wakeups {
    let wakeups = Wakeups::new();
    for _ in 0..2 {
        wait_with(&wakeups, &TYPICAL_CALLBACKS).await;
    }
    wakeups
}

#[tokio::test(start_paused = true)]
async fn callbacks_end_the_wait_as_the_task_completes_with_a_few_polls() {
    let (sim, ended) = wait_woken_at(&TYPICAL_CALLBACKS).await;
    let late = ended.saturating_sub(secs(151.0));
    assert!(late < secs(0.5), "seen {late:?} after the change");
    // No poll for the stages the wait is not after; a safety net at 30 s,
    // then every 60 s; one poll to confirm the end.
    let polls = sim.requests().len();
    assert!(polls <= 4, "{polls} polls");

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
async fn each_callback_that_comes_moves_the_safety_net_on() {
    let (sim, ended) = wait_woken_at(&TYPICAL_CALLBACKS).await;
    assert!(ended.saturating_sub(secs(151.0)) < secs(0.5));
    // The net was due at 30 s; the lyrics' callback (8 s) moves it to 68 s,
    // the first track's (35 s) to 95 s: one safety poll there, then the
    // one that confirms the end at 151 s. Counted from polls alone it
    // would have looked at 30, 90 and 150 s as well.
    let at: Vec<u64> = sim.requests().iter().map(|r| r.at.as_secs()).collect();
    assert_eq!(at, [95, 151], "polls at {at:?} s");
}

#[tokio::test(start_paused = true)]
async fn lost_callbacks_cost_latency_not_correctness() {
    let wakeups = proven_wakeups().await;
    let (_, ended) = wait_with(&wakeups, &TYPICAL_CALLBACKS[..2]).await;
    let late = ended.saturating_sub(secs(151.0));
    assert!(
        late <= secs(60.5),
        "the safety net sees it within 60 s: {late:?}"
    );
    // Noticed once the callback is overdue, not at the poll: callbacks
    // travel for seconds, and a poll can be first.
    assert_eq!(wakeups.missed_share(), 0.0, "not judged at the poll");
    tokio::time::sleep(secs(10.0)).await;
    assert!(wakeups.missed_share() > 0.0, "the loss is noticed");
}

#[tokio::test(start_paused = true)]
async fn once_callbacks_go_missing_waits_poll_on_their_own_schedule_again() {
    let wakeups = Wakeups::new();
    // Callbacks that never come: the first changes are found by polls.
    wait_with(&wakeups, &[]).await;
    let (sim, ended) = wait_with(&wakeups, &[]).await;
    let late = ended.saturating_sub(secs(151.0));
    assert!(late <= secs(10.0), "the lifecycle schedule: {late:?}");
    assert!(
        sim.requests().len() > 4,
        "dense polling where changes are due"
    );
}

#[tokio::test(start_paused = true)]
async fn a_callback_for_a_stage_the_wait_is_not_after_costs_no_poll() {
    let wakeups = proven_wakeups().await;
    let sim = Simulation::new_default();
    sim.add_task("t", typical());
    callbacks_at(&wakeups, "t", &TYPICAL_CALLBACKS);
    let record = sim
        .client()
        .wait("t")
        .until(Stage::Streamable)
        .wake_on(&wakeups)
        .just_created()
        .await
        .expect("streamable");
    assert_eq!(record.status(), TaskStatus::FirstSuccess);
    let polled_at: Vec<f64> = sim.requests().iter().map(|r| r.at.as_secs_f64()).collect();
    // The safety net at 30 s, the confirmation of `first` at 35 s; nothing
    // right after `text` at 8 s.
    assert!(
        !polled_at.iter().any(|t| (8.0..8.5).contains(t)),
        "{polled_at:?}"
    );
    assert!(
        polled_at.iter().any(|t| (35.0..35.5).contains(t)),
        "{polled_at:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_callback_that_lies_costs_one_poll_and_never_ends_the_wait_early() {
    // "Complete", says a forged or lying callback, at 20 s and at 21 s.
    let mut callbacks = vec![(20.0, Claim::Complete), (21.0, Claim::Complete)];
    callbacks.extend(TYPICAL_CALLBACKS);
    let (sim, ended) = wait_woken_at(&callbacks).await;
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
    let mut storm: Vec<(f64, Claim)> = (0..100)
        .map(|i| (10.0 + f64::from(i) * 0.01, Claim::Unknown))
        .collect();
    storm.extend(TYPICAL_CALLBACKS);
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
        callbacks_at(&wakeups, &id, &[(end, Claim::Complete)]);
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

#[tokio::test(start_paused = true)]
async fn a_failed_poll_is_retried_on_the_lifecycle_schedule_not_the_safety_net() {
    // Callbacks trusted; this task ended (and was announced) before the
    // wait began, so no callback will come: only a poll can end it.
    let wakeups = proven_wakeups().await;
    assert!(wakeups.reliable());
    let sim = MockBuilder::default()
        .faults(Faults::on_requests(1..2, Fault::Http500Html))
        .simulate();
    sim.add_task("t", Script::success(secs(1.0)));
    tokio::time::sleep(secs(5.0)).await;
    let start = Instant::now();
    let record = sim
        .client()
        .wait("t")
        .wake_on(&wakeups)
        .await
        .expect("completes");
    assert_eq!(record.status(), TaskStatus::Success);
    assert_eq!(sim.requests().len(), 2, "the failed poll, then one more");
    let ended = start.elapsed();
    assert!(
        ended < secs(5.0),
        "retried within the error backoff, not after the 30 s safety net: {ended:?}"
    );
}
