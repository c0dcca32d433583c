//! Waiting on simulated time: the mock's logic without sockets, on tokio's
//! paused clock, so minutes-long lifecycles run in milliseconds and poll
//! counts and times are exact.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use kie_suno::mock::{Fault, Faults, MockBuilder, Script, Simulation};
use kie_suno::music::{Stage, TaskEvent};
use kie_suno::wait::{PollPolicy, WaitError};
use kie_suno::{ApiCode, Error, TaskStatus};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn poll_times(sim: &Simulation) -> Vec<f64> {
    sim.requests()
        .iter()
        .map(|r| (r.at.as_secs_f64() * 1000.0).round() / 1000.0)
        .collect()
}

fn no_jitter() -> PollPolicy {
    PollPolicy::default().jitter(0.0)
}

#[tokio::test(start_paused = true)]
async fn a_deadline_sooner_than_the_first_delay_gets_its_one_poll_at_the_deadline() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(secs(600.0)));
    sim.add_task("done", Script::success(secs(0.0)));
    let error = sim
        .client()
        .wait("t")
        .policy(PollPolicy::fixed(secs(25.0)))
        .deadline(secs(0.0))
        .await
        .expect_err("times out");
    assert!(
        matches!(error, WaitError::TimedOut { polls: 1, .. }),
        "{error}"
    );
    assert_eq!(
        poll_times(&sim),
        vec![0.0],
        "polled at once, not after 25 s"
    );

    let start = Instant::now();
    let record = sim
        .client()
        .wait("done")
        .policy(PollPolicy::fixed(secs(25.0)))
        .deadline(secs(1.0))
        .await
        .expect("one poll finds it done");
    assert_eq!(record.status(), TaskStatus::Success);
    assert_eq!(start.elapsed(), secs(1.0));
}

#[tokio::test(start_paused = true)]
async fn three_minute_lifecycle_polls_sparsely_then_densely_in_the_completion_window() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(secs(180.0)));
    let start = Instant::now();
    let record = sim
        .client()
        .wait("t")
        .policy(no_jitter())
        .await
        .expect("completes");
    assert_eq!(record.status(), TaskStatus::Success);
    assert_eq!(record.tracks().len(), 2);

    let times = poll_times(&sim);
    assert_eq!(
        &times[..6],
        &[2.0, 3.0, 4.5, 6.75, 10.125, 15.188],
        "backoff x1.5 from 1 s"
    );
    assert_eq!(
        times[6..15]
            .windows(2)
            .map(|w| w[1] - w[0])
            .map(|d| (d * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>(),
        vec![10.0; 8],
        "capped at 10 s"
    );
    assert_eq!(times[15], 110.0, "a poll lands at the window's start");
    assert!(
        times[16..]
            .windows(2)
            .all(|w| ((w[1] - w[0]) - 3.0).abs() < 1e-6),
        "every 3 s inside the window"
    );
    assert_eq!(times.len(), 40);
    assert_eq!(
        start.elapsed(),
        secs(182.0),
        "2 s after the change at 180 s"
    );
}

#[tokio::test(start_paused = true)]
async fn fixed_policy_polls_at_its_interval() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(secs(42.0)));
    sim.client()
        .wait("t")
        .policy(PollPolicy::fixed(secs(5.0)))
        .await
        .expect("completes");
    let times = poll_times(&sim);
    assert_eq!(times, (1..=9).map(|i| i as f64 * 5.0).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn streamable_wait_returns_at_first_success() {
    let sim = Simulation::new_default();
    sim.add_task(
        "t",
        "TEXT_SUCCESS@5s,FIRST_SUCCESS@33s,SUCCESS@150s"
            .parse::<Script>()
            .expect("script"),
    );
    let start = Instant::now();
    let record = sim
        .client()
        .wait("t")
        .until(Stage::Streamable)
        .policy(no_jitter())
        .await
        .expect("streamable");
    assert_eq!(record.status(), TaskStatus::FirstSuccess);
    assert!(
        record
            .tracks()
            .iter()
            .all(|t| t.stream_audio_url().is_some())
    );
    let waited = start.elapsed();
    assert!(
        waited >= secs(33.0) && waited <= secs(36.0),
        "within one window interval: {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn every_failure_status_ends_with_task_failed_and_keeps_the_record() {
    for status in [
        TaskStatus::CreateTaskFailed,
        TaskStatus::GenerateAudioFailed,
        TaskStatus::SensitiveWordError,
    ] {
        let sim = Simulation::new_default();
        sim.add_task("t", Script::failure(secs(20.0), status.clone()));
        let error = sim.client().wait("t").await.expect_err("fails");
        let WaitError::TaskFailed {
            status: got,
            record,
            ..
        } = &error
        else {
            panic!("expected TaskFailed, got {error}");
        };
        assert_eq!(got, &status);
        assert!(record.error().is_some_and(|e| e.code.is_some()), "{error}");
        assert!(error.to_string().contains(status.as_str()), "{error}");
    }
}

#[tokio::test(start_paused = true)]
async fn callback_exception_with_finished_tracks_completes() {
    let sim = Simulation::new_default();
    sim.add_task(
        "t",
        Script::failure(secs(60.0), TaskStatus::CallbackException),
    );
    let record = sim.client().wait("t").await.expect("tracks are done");
    assert_eq!(record.status(), TaskStatus::CallbackException);
    assert!(record.tracks().iter().all(|t| t.audio_url().is_some()));
}

#[tokio::test(start_paused = true)]
async fn callback_exception_without_tracks_is_a_failure() {
    let sim = Simulation::new_default();
    sim.answer_with("t", r#"{"code":200,"msg":"success","data":{"taskId":"t","status":"CALLBACK_EXCEPTION","response":null}}"#);
    let error = sim.client().wait("t").await.expect_err("no music");
    assert!(
        matches!(
            error,
            WaitError::TaskFailed {
                status: TaskStatus::CallbackException,
                ..
            }
        ),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn deadline_polls_once_more_at_the_deadline_then_times_out() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(secs(600.0)));
    let start = Instant::now();
    let error = sim
        .client()
        .wait("t")
        .policy(PollPolicy::fixed(secs(25.0)))
        .deadline(secs(60.0))
        .await
        .expect_err("times out");
    assert_eq!(poll_times(&sim), vec![25.0, 50.0, 60.0]);
    assert_eq!(start.elapsed(), secs(60.0));
    match &error {
        WaitError::TimedOut {
            polls,
            last,
            elapsed,
            ..
        } => {
            assert_eq!(*polls, 3);
            assert_eq!(*elapsed, secs(60.0));
            assert_eq!(last.as_ref().map(|r| r.status()), Some(TaskStatus::Pending));
        }
        other => panic!("expected TimedOut, got {other}"),
    }
    assert!(
        error.to_string().contains("3 polls; last status: PENDING"),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn unknown_task_is_retried_for_the_grace_period_then_ends() {
    let sim = Simulation::new_default();
    let start = Instant::now();
    let error = sim
        .client()
        .wait("missing")
        .not_found_grace(secs(20.0))
        .await
        .expect_err("not found");
    assert!(
        matches!(error, WaitError::Api(Error::TaskNotFound { .. })),
        "{error}"
    );
    let waited = start.elapsed();
    assert!(waited >= secs(20.0) && waited < secs(40.0), "{waited:?}");
    assert!(sim.requests().len() >= 3);
}

#[tokio::test(start_paused = true)]
async fn task_appearing_within_the_grace_period_is_followed() {
    let sim = Simulation::new_default();
    let later = sim.clone();
    tokio::spawn(async move {
        tokio::time::sleep(secs(6.0)).await;
        later.add_task("late", Script::success(secs(30.0)));
    });
    let record = sim
        .client()
        .wait("late")
        .await
        .expect("found, then completes");
    assert!(record.status().is_success());
}

#[tokio::test(start_paused = true)]
async fn permanent_error_ends_the_wait_after_one_poll() {
    let sim = Simulation::new_default();
    sim.answer_with(
        "t",
        r#"{"code":402,"msg":"Insufficient credits","data":null}"#,
    );
    let error = sim.client().wait("t").await.expect_err("no credits");
    assert!(
        matches!(
            error,
            WaitError::Api(Error::Api {
                code: ApiCode::InsufficientCredits,
                ..
            })
        ),
        "{error}"
    );
    assert_eq!(sim.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn transient_faults_are_retried_until_the_task_completes() {
    let faults = Faults {
        kinds: vec![
            Fault::Http500Html,
            Fault::Http502Html,
            Fault::Maintenance455,
            Fault::ServerError500,
            Fault::MalformedJson,
        ],
        ..Faults::at_rate(0.5, 11)
    };
    let sim = MockBuilder::default().faults(faults).simulate();
    sim.add_task("t", Script::success(secs(90.0)));
    let record = sim
        .client()
        .wait("t")
        .await
        .expect("completes through faults");
    assert!(record.status().is_success());
    let faulted = sim
        .requests()
        .iter()
        .filter(|r| matches!(r.answer, kie_suno::mock::Answer::Fault(_)))
        .count();
    assert!(faulted >= 3, "faults were injected and retried: {faulted}");
    assert_eq!(sim.rate_violations(), 0);
}

#[tokio::test(start_paused = true)]
async fn persistent_faults_time_out_keeping_the_last_error() {
    let faults = Faults::always(Fault::Maintenance455);
    let sim = MockBuilder::default().faults(faults).simulate();
    sim.add_task("t", Script::success(secs(30.0)));
    let error = sim
        .client()
        .wait("t")
        .deadline(secs(120.0))
        .await
        .expect_err("never answers");
    match &error {
        WaitError::TimedOut {
            last_error: Some(e),
            last: None,
            ..
        } if matches!(
            **e,
            Error::Api {
                code: ApiCode::Maintenance,
                ..
            }
        ) => {}
        other => panic!("expected TimedOut with the 455, got {other}"),
    }
    let times = poll_times(&sim);
    assert!(
        times.windows(2).all(|w| w[1] - w[0] >= 0.35),
        "never a busy loop: {times:?}"
    );
    assert!(times.len() < 30, "backs off: {} polls", times.len());
}

#[tokio::test(start_paused = true)]
async fn rate_limit_answer_is_honoured_with_its_retry_after() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(secs(10.0)));
    // Someone else spends the task's budget just before our first poll.
    let other = sim.clone();
    tokio::spawn(async move {
        tokio::time::sleep(secs(1.9)).await;
        for _ in 0..3 {
            let _ = other.client().task("t").await;
        }
    });
    sim.client()
        .wait("t")
        .policy(no_jitter())
        .await
        .expect("completes");
    let ours: Vec<_> = sim.requests().into_iter().skip(3).collect();
    assert!(matches!(
        ours[0].answer,
        kie_suno::mock::Answer::RateLimited
    ));
    assert!(
        ours[1].at - ours[0].at >= secs(1.0),
        "waited the Retry-After of 1 s"
    );
}

#[tokio::test(start_paused = true)]
async fn unknown_status_counts_as_pending_with_backoff() {
    let sim = Simulation::new_default();
    sim.add_task(
        "t",
        Script::pending().then(Duration::ZERO, TaskStatus::Unknown("MASTERING".into())),
    );
    let error = sim
        .client()
        .wait("t")
        .deadline(secs(60.0))
        .policy(no_jitter())
        .await
        .expect_err("never ends");
    assert!(matches!(error, WaitError::TimedOut { .. }), "{error}");
    let times = poll_times(&sim);
    assert!(times.len() <= 12, "{times:?}");
    assert!(times.windows(2).all(|w| w[1] - w[0] >= 0.35), "{times:?}");
}

#[tokio::test(start_paused = true)]
async fn two_waiters_of_one_task_share_its_rate_budget() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(secs(20.0)));
    let client = sim.client();
    let eager = PollPolicy::fixed(Duration::from_millis(100));
    let (a, b) = tokio::join!(
        client.wait("t").policy(eager.clone()),
        client.clone().wait("t").policy(eager)
    );
    assert!(a.is_ok() && b.is_ok());
    assert_eq!(sim.rate_violations(), 0);
    let times = poll_times(&sim);
    assert!(
        times.windows(2).all(|w| w[1] - w[0] >= 0.349),
        "spaced: {times:?}"
    );
    assert!(times.len() > 50, "both polled eagerly: {}", times.len());
}

#[tokio::test(start_paused = true)]
async fn cancelling_the_token_ends_the_wait() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(secs(180.0)));
    let token = CancellationToken::new();
    let canceller = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(secs(30.0)).await;
        canceller.cancel();
    });
    let start = Instant::now();
    let error = sim
        .client()
        .wait("t")
        .cancel_on(token)
        .await
        .expect_err("cancelled");
    assert!(matches!(error, WaitError::Cancelled), "{error}");
    assert_eq!(start.elapsed(), secs(30.0));
}

#[tokio::test(start_paused = true)]
async fn dropping_a_wait_stops_its_polling() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(secs(180.0)));
    let outcome = tokio::time::timeout(secs(20.0), sim.client().wait("t")).await;
    assert!(outcome.is_err(), "still waiting at 20 s");
    let polls = sim.requests().len();
    tokio::time::sleep(secs(300.0)).await;
    assert_eq!(sim.requests().len(), polls, "nothing runs after the drop");
}

#[tokio::test(start_paused = true)]
async fn watch_emits_each_change_once_in_order() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(secs(150.0)));
    let events: Vec<TaskEvent> = sim
        .client()
        .watch("t")
        .map(|e| e.expect("no error"))
        .collect()
        .await;
    let names: Vec<String> = events
        .iter()
        .map(|e| match e {
            TaskEvent::StatusChanged { to, .. } => format!("status:{to}"),
            TaskEvent::LyricsReady(tracks) => format!("lyrics:{}", tracks.len()),
            TaskEvent::TrackStreamable(t) => format!("stream:{}", t.id()),
            TaskEvent::TrackReady(t) => format!("ready:{}", t.id()),
            TaskEvent::Completed(r) => format!("completed:{}", r.status()),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        [
            "status:PENDING",
            "status:TEXT_SUCCESS",
            "lyrics:2",
            "status:FIRST_SUCCESS",
            "stream:t-0",
            "stream:t-1",
            "status:SUCCESS",
            "ready:t-0",
            "ready:t-1",
            "completed:SUCCESS",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn watch_yields_each_event_when_its_poll_returns() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(secs(60.0)));
    let start = Instant::now();
    let mut watch = sim.client().watch("t");
    let mut seen_at = Vec::new();
    while let Some(event) = watch.next().await {
        if let TaskEvent::StatusChanged { to, .. } = event.expect("no error") {
            seen_at.push((to, start.elapsed()));
        }
    }
    let requests = sim.requests();
    for (status, at) in seen_at {
        let poll = requests
            .iter()
            .find(|r| r.answer == kie_suno::mock::Answer::Record(status.clone()))
            .expect("a poll saw it");
        assert_eq!(
            at, poll.at,
            "{status} yielded at its poll's time, before any sleep"
        );
    }
    assert_eq!(watch.polls() as usize, requests.len());
}

#[tokio::test(start_paused = true)]
async fn on_event_sees_what_watch_yields() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(secs(40.0)));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    sim.client()
        .wait("t")
        .on_event(move |e| {
            sink.lock()
                .expect("lock")
                .push(format!("{e:?}").chars().take(20).collect::<String>())
        })
        .await
        .expect("completes");
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 10, "{seen:?}");
    assert!(seen[9].starts_with("Completed"), "{seen:?}");
}

#[tokio::test(start_paused = true)]
async fn wait_all_reports_every_task_once_in_completion_order() {
    let sim = Simulation::new_default();
    let mut ids = Vec::new();
    let mut ends = std::collections::HashMap::new();
    for i in 0..100u32 {
        let id = format!("task-{i}");
        // Ends out of input order: (i * 37) % 200 jumps around.
        let script = match i % 10 {
            0 => Script::failure(secs(15.0 + f64::from(i)), TaskStatus::GenerateAudioFailed),
            _ => Script::success(secs(20.0 + f64::from((i * 37) % 200))),
        };
        ends.insert(id.clone(), script.ends_at());
        sim.add_task(&id, script);
        ids.push(id);
    }
    // The default policy polls at least every 10 s (+10% jitter): a wait
    // notices an end within that.
    let notice = secs(11.0);
    let start = Instant::now();
    let mut results = sim.client().wait_all(ids.clone()).concurrency(100).stream();
    let mut seen = Vec::new();
    while let Some((id, result)) = results.next().await {
        let at = start.elapsed();
        let end = ends[&id];
        let i: u32 = id.trim_start_matches("task-").parse().expect("id");
        assert_eq!(result.is_err(), i.is_multiple_of(10), "{id}: {result:?}");
        assert!(
            at >= end && at <= end + notice,
            "{id} ends at {end:?} and is reported at {at:?}: not as it completes"
        );
        seen.push(id);
    }
    // Each result came out no later than one notice delay after any task
    // that ended later: the stream is in completion order, not input order.
    for (k, earlier) in seen.iter().enumerate() {
        for later in &seen[k + 1..] {
            assert!(
                ends[earlier] <= ends[later] + notice,
                "{earlier} (ends {:?}) reported before {later} (ends {:?})",
                ends[earlier],
                ends[later]
            );
        }
    }
    assert_ne!(seen, ids, "the input order is not the completion order");
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids, "each once");
    assert_eq!(sim.rate_violations(), 0);
}

#[tokio::test(start_paused = true)]
async fn wait_all_bounds_concurrency_and_can_be_cancelled() {
    let sim = Simulation::new_default();
    for i in 0..10 {
        sim.add_task(format!("t{i}"), Script::success(secs(600.0)));
    }
    let token = CancellationToken::new();
    let mut results = sim
        .client()
        .wait_all((0..10).map(|i| format!("t{i}")))
        .concurrency(3)
        .cancel_on(token.clone())
        .stream();
    tokio::time::sleep(secs(30.0)).await; // nothing polled: the stream is lazy
    assert!(sim.requests().is_empty());
    let first = tokio::time::timeout(secs(30.0), results.next()).await;
    assert!(first.is_err(), "none done in 30 s");
    let polled: std::collections::HashSet<_> = sim
        .requests()
        .into_iter()
        .filter_map(|r| r.task_id)
        .collect();
    assert_eq!(polled.len(), 3, "three at a time: {polled:?}");
    token.cancel();
    let mut cancelled = 0;
    while let Some((_, result)) = results.next().await {
        assert!(matches!(result, Err(WaitError::Cancelled)));
        cancelled += 1;
    }
    assert_eq!(cancelled, 10);
}

/// Faults on polls 2 to 5 of a 7-second task: a failed poll counts as a
/// look in the lifecycle schedule, and a retry never waits longer than the
/// schedule would, so the faults cost less than one schedule step (here
/// 1.5^4 = 5.06 s) over the clean wait. Before, the error backoff (1, 2, 4,
/// 8 s) saw the end 7.9 s after the clean wait did.
#[tokio::test(start_paused = true)]
async fn a_burst_of_transient_errors_does_not_delay_seeing_the_end() {
    let clean = Simulation::new_default();
    clean.add_task("t", Script::success(secs(7.0)));
    let start = Instant::now();
    clean
        .client()
        .wait("t")
        .policy(no_jitter())
        .await
        .expect("completes");
    let without_faults = start.elapsed();

    let sim = MockBuilder::default()
        .faults(Faults::on_requests(2..6, Fault::Maintenance455))
        .simulate();
    sim.add_task("t", Script::success(secs(7.0)));
    let start = Instant::now();
    let record = sim
        .client()
        .wait("t")
        .policy(no_jitter())
        .await
        .expect("completes");
    let with_faults = start.elapsed();
    assert!(record.status().is_success());
    let faulted: Vec<_> = sim
        .requests()
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.answer, kie_suno::mock::Answer::Fault(_)))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(faulted, [2, 3, 4, 5], "{:?}", poll_times(&sim));
    assert!(
        with_faults < without_faults + secs(5.07),
        "seen at {with_faults:?} with faults, {without_faults:?} without; polls at {:?}",
        poll_times(&sim)
    );
}

/// A user's own delay policy: as fast as it likes, which the engine slows
/// to the per-task floor.
#[derive(Debug)]
struct Eager;

struct EagerSchedule;

impl kie_suno::wait::Schedule for EagerSchedule {
    fn first_delay(&mut self) -> Duration {
        Duration::ZERO
    }
    fn next_delay(&mut self, _look: &kie_suno::wait::Look<'_>) -> Duration {
        Duration::ZERO
    }
}

impl kie_suno::wait::DelayPolicy for Eager {
    fn schedule(&self, _seed: u64) -> Box<dyn kie_suno::wait::Schedule> {
        Box::new(EagerSchedule)
    }
}

/// A user's own error policy: gives up on the first error of any kind.
#[derive(Debug)]
struct NoRetries;

impl kie_suno::wait::RetryPolicy for NoRetries {
    fn should_retry(&self, _error: &Error, _waited: Duration) -> bool {
        false
    }
}

#[tokio::test(start_paused = true)]
async fn a_custom_delay_policy_plugs_in_and_still_keeps_the_per_task_floor() {
    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(secs(5.0)));
    let record = sim
        .client()
        .wait("t")
        .policy(Eager)
        .await
        .expect("completes");
    assert!(record.status().is_success());
    let times = poll_times(&sim);
    assert!(times.len() > 5, "it polled eagerly: {times:?}");
    for pair in times.windows(2) {
        assert!(pair[1] - pair[0] >= 0.35 - 1e-9, "{times:?}");
    }
    assert_eq!(sim.rate_violations(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_custom_error_policy_decides_which_failures_end_the_wait() {
    let faults = Faults::on_requests(1..2, Fault::Maintenance455);
    let sim = MockBuilder::default().faults(faults).simulate();
    sim.add_task("t", Script::success(secs(5.0)));
    let error = sim
        .client()
        .wait("t")
        .error_policy(NoRetries)
        .await
        .expect_err("a maintenance answer is retried by default, not by this policy");
    assert!(
        matches!(
            error,
            WaitError::Api(Error::Api {
                code: ApiCode::Maintenance,
                ..
            })
        ),
        "{error}"
    );
}
