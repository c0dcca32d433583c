//! Waiting over real loopback HTTP against the mock server, on real time
//! with short scripted lifecycles.

use std::time::Duration;

use futures_util::StreamExt;
use kie_suno::mock::{Faults, MockServer, Script};
use kie_suno::wait::{PollPolicy, WaitError};
use kie_suno::{ApiCode, ApiKey, Client, Error, TaskStatus};
use tokio_util::sync::CancellationToken;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Short delays for lifecycles of a few seconds.
fn quick() -> PollPolicy {
    PollPolicy::default()
        .initial_delay(ms(200))
        .base_delay(ms(300))
        .max_delay(ms(800))
        .lifecycle(None)
}

#[tokio::test]
async fn lifecycle_completes_through_every_kind_of_fault() {
    let faults = Faults {
        slow_delay: ms(300),
        ..Faults::at_rate(0.35, 5)
    };
    let server = MockServer::builder()
        .faults(faults)
        .start()
        .await
        .expect("mock");
    server.add_task(
        "t",
        "TEXT_SUCCESS@500ms,FIRST_SUCCESS@1s,SUCCESS@2500ms"
            .parse::<Script>()
            .expect("script"),
    );
    let record = server
        .client()
        .expect("client")
        .wait("t")
        .policy(quick())
        .deadline(Duration::from_secs(30))
        .await
        .expect("completes");
    assert_eq!(record.status(), TaskStatus::Success);
    let faults = server
        .requests()
        .iter()
        .filter(|r| matches!(r.answer, kie_suno::mock::Answer::Fault(_)))
        .count();
    assert!(faults >= 1, "faults were injected");
    assert_eq!(server.rate_violations(), 0);
}

#[tokio::test]
async fn failed_task_ends_the_wait_with_its_record() {
    let server = MockServer::start().await.expect("mock");
    server.add_task(
        "t",
        "TEXT_SUCCESS@300ms,SENSITIVE_WORD_ERROR@800ms"
            .parse::<Script>()
            .expect("script"),
    );
    let error = server
        .client()
        .expect("client")
        .wait("t")
        .policy(quick())
        .await
        .expect_err("fails");
    match error {
        WaitError::TaskFailed { status, record, .. } => {
            assert_eq!(status, TaskStatus::SensitiveWordError);
            assert!(record.error().and_then(|e| e.message).is_some());
        }
        other => panic!("expected TaskFailed, got {other}"),
    }
}

#[tokio::test]
async fn wait_times_out_with_the_last_record() {
    let server = MockServer::start().await.expect("mock");
    server.add_task("t", Script::success(Duration::from_secs(60)));
    let error = server
        .client()
        .expect("client")
        .wait("t")
        .policy(quick())
        .deadline(ms(1200))
        .await
        .expect_err("times out");
    match error {
        WaitError::TimedOut {
            last,
            polls,
            elapsed,
            ..
        } => {
            assert_eq!(last.map(|r| r.status()), Some(TaskStatus::Pending));
            assert!(polls >= 2);
            assert!(elapsed >= ms(1200), "{elapsed:?}");
            // Every poll reached the server and none came after the wait
            // returned (counts, not wall time: the machine may be loaded).
            assert_eq!(polls as usize, server.requests().len());
        }
        other => panic!("expected TimedOut, got {other}"),
    }
}

#[tokio::test]
async fn wrong_key_ends_the_wait_at_once() {
    let server = MockServer::start().await.expect("mock");
    let client = Client::builder()
        .api_key(ApiKey::new("not-the-key").expect("key"))
        .base_url(server.url())
        .build()
        .expect("client");
    let error = client.wait("t").policy(quick()).await.expect_err("401");
    assert!(
        matches!(
            error,
            WaitError::Api(Error::Api {
                code: ApiCode::Unauthorized,
                ..
            })
        ),
        "{error}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn cancellation_stops_a_wait_in_flight() {
    let server = MockServer::start().await.expect("mock");
    server.add_task("t", Script::success(Duration::from_secs(60)));
    let token = CancellationToken::new();
    let waiting = tokio::spawn(
        server
            .client()
            .expect("client")
            .wait("t")
            .policy(quick())
            .cancel_on(token.clone())
            .into_future(),
    );
    tokio::time::sleep(ms(700)).await;
    token.cancel();
    let result = waiting.await.expect("joined");
    assert!(matches!(result, Err(WaitError::Cancelled)), "{result:?}");
    let polls = server.requests().len();
    tokio::time::sleep(ms(1000)).await;
    assert_eq!(
        server.requests().len(),
        polls,
        "no polls after cancellation"
    );
}

#[tokio::test]
async fn wait_all_over_100_tasks_reports_each_once_within_the_rate_limit() {
    let server = MockServer::start().await.expect("mock");
    let mut ids = Vec::new();
    for i in 0..100u64 {
        let id = format!("task-{i}");
        let script = if i % 7 == 0 {
            Script::failure(ms(400 + i * 10), TaskStatus::GenerateAudioFailed)
        } else {
            Script::success(ms(500 + (i * 37) % 1500))
        };
        server.add_task(&id, script);
        ids.push(id);
    }
    let results: Vec<_> = server
        .client()
        .expect("client")
        .wait_all(ids.clone())
        .policy(quick())
        .deadline(Duration::from_secs(30))
        .stream()
        .collect()
        .await;
    assert_eq!(results.len(), 100);
    let mut seen: Vec<_> = results.iter().map(|(id, _)| id.clone()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 100, "each once");
    for (id, result) in &results {
        let i: u64 = id.trim_start_matches("task-").parse().expect("id");
        match result {
            Ok(record) => assert!(!i.is_multiple_of(7) && record.status().is_success(), "{id}"),
            Err(WaitError::TaskFailed { .. }) => assert_eq!(i % 7, 0, "{id}"),
            Err(other) => panic!("{id}: {other}"),
        }
    }
    assert_eq!(server.rate_violations(), 0);
}
