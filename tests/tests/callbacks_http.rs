//! Callbacks end to end over loopback: the mock posts each task's signed
//! callbacks, with duplicates, delays, drops, forgeries, stale timestamps
//! and lies, to a real receiver; waits woken by it end with the right
//! outcome, never before their task does, and each once.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use kie_suno::TaskStatus;
use kie_suno::callback::{Received, Receiver, Verifier, WebhookKey};
use kie_suno::mock::{CallbackDelivery, CallbackFaults, MockServer, Script};
use kie_suno::wait::{WaitError, Wakeups};
use tokio::time::Instant;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_woken_by_faulty_callbacks_end_rightly_never_early_and_once() {
    let key = WebhookKey::new("whk-e2e-9c8b7a").expect("key");
    let wakeups = Wakeups::new();
    let (addr, mut received, _serving) = Receiver::new(Verifier::new(key.clone()))
        .wake(&wakeups)
        .serve("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("receiver");
    let faults = CallbackFaults {
        duplicate: 0.3,
        drop: 0.3,
        max_delay: ms(400),
        forged: 0.3,
        stale: 0.3,
        lying: 0.3,
        seed: 5,
    };
    let server = MockServer::builder()
        .callbacks(CallbackDelivery {
            url: format!("http://{addr}/kie/callback"),
            key: Some(key),
            faults,
        })
        .start()
        .await
        .expect("mock");
    let mut ends = HashMap::new();
    for i in 0..24u64 {
        let id = format!("e2e-{i}");
        let end = ms(1500 + i * 150);
        let script = if i % 6 == 0 {
            Script::pending()
                .then(end / 3, TaskStatus::TextSuccess)
                .then(end, TaskStatus::GenerateAudioFailed)
        } else {
            Script::pending()
                .then(end / 3, TaskStatus::TextSuccess)
                .then(end / 2, TaskStatus::FirstSuccess)
                .then(end, TaskStatus::Success)
        };
        ends.insert(id.clone(), (end, i % 6 == 0));
        server.add_task(&id, script);
    }
    let started = Instant::now();
    let mut results = server
        .client()
        .expect("client")
        .wait_all(ends.keys().cloned())
        .wake_on(&wakeups)
        // A short safety net, so that a lost callback costs a second here.
        .safety_interval(ms(1000))
        .deadline(Duration::from_secs(30))
        .stream();
    let mut seen = HashMap::new();
    while let Some((id, result)) = results.next().await {
        let at = started.elapsed();
        let (end, fails) = ends[&id];
        *seen.entry(id.clone()).or_insert(0) += 1;
        assert!(
            at >= end,
            "{id} ended at {at:?}, before its task did ({end:?})"
        );
        match result {
            Ok(record) => assert!(!fails && record.status() == TaskStatus::Success, "{id}"),
            Err(WaitError::TaskFailed { status, .. }) => {
                assert!(fails && status == TaskStatus::GenerateAudioFailed, "{id}")
            }
            Err(other) => panic!("{id}: {other}"),
        }
    }
    assert_eq!(seen.len(), ends.len());
    assert!(seen.values().all(|n| *n == 1), "each once");
    assert_eq!(server.rate_violations(), 0);

    // The receiver refused the forged and stale deliveries and passed on
    // each distinct one once (a lie and the truth it imitates share a body:
    // the later one is a repeat, which still wakes the wait).
    let (mut refused, mut passed) = (0, HashMap::<String, usize>::new());
    while let Ok(event) = received.try_recv() {
        match event {
            Received::Refused(_) => refused += 1,
            Received::Callback(delivery) => {
                *passed
                    .entry(format!(
                        "{}:{:?}",
                        delivery.callback.task_id, delivery.callback.stage
                    ))
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    assert!(refused > 0, "forged and stale deliveries were refused");
    assert!(!passed.is_empty());
    assert!(passed.values().all(|n| *n == 1), "{passed:?}");
}
