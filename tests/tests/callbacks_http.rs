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
    // Before the tasks start: a wait ends no earlier than its task, counted
    // from the same instant or earlier.
    let started = Instant::now();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_family_delivers_its_own_callback_and_wakes_its_wait() {
    use kie_suno::TaskKind;
    use kie_suno::cover::GenerateCover;
    use kie_suno::lyrics::GenerateLyrics;
    use kie_suno::midi::GenerateMidi;
    use kie_suno::mock::KindScript;
    use kie_suno::separation::SeparateVocals;
    use kie_suno::video::CreateMusicVideo;
    use kie_suno::wav::ConvertToWav;

    let key = WebhookKey::new("whk-families-1a2b").expect("key");
    let wakeups = Wakeups::new();
    let (addr, mut received, _serving) = Receiver::new(Verifier::new(key.clone()))
        .wake(&wakeups)
        .serve("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("receiver");
    let hook = format!("http://{addr}/kie/callback");
    let server = MockServer::builder()
        .kind_lifecycle(KindScript::done_after(ms(1500)))
        .callbacks(CallbackDelivery {
            url: hook.clone(),
            key: Some(key),
            faults: CallbackFaults::default(),
        })
        .start()
        .await
        .expect("mock");
    let client = kie_suno::Client::builder()
        .api_key(kie_suno::ApiKey::new(server.api_key()).expect("key"))
        .base_url(server.url())
        .callback_url(&hook)
        .build()
        .expect("client");
    // A long safety net: only a callback can end these waits in time.
    let net = Duration::from_secs(20);
    let deadline = Duration::from_secs(10);
    let lyrics = client
        .lyrics()
        .generate(GenerateLyrics::new("sea"))
        .await
        .expect("lyrics");
    let wav = client
        .wav()
        .convert(ConvertToWav::new("m", "a"))
        .await
        .expect("wav");
    let stems = client
        .vocal_separation()
        .separate(SeparateVocals::new("m", "a"))
        .await
        .expect("stems");
    let midi = client
        .midi()
        .generate(GenerateMidi::new("s"))
        .await
        .expect("midi");
    let video = client
        .video()
        .create(CreateMusicVideo::new("m", "a"))
        .await
        .expect("video");
    let cover = client
        .cover()
        .generate(GenerateCover::new("m"))
        .await
        .expect("cover");
    let started = Instant::now();
    let (l, w, s, m, v, c) = tokio::join!(
        lyrics
            .wait()
            .wake_on(&wakeups)
            .safety_interval(net)
            .deadline(deadline)
            .into_future(),
        wav.wait()
            .wake_on(&wakeups)
            .safety_interval(net)
            .deadline(deadline)
            .into_future(),
        stems
            .wait()
            .wake_on(&wakeups)
            .safety_interval(net)
            .deadline(deadline)
            .into_future(),
        midi.wait()
            .wake_on(&wakeups)
            .safety_interval(net)
            .deadline(deadline)
            .into_future(),
        video
            .wait()
            .wake_on(&wakeups)
            .safety_interval(net)
            .deadline(deadline)
            .into_future(),
        cover
            .wait()
            .wake_on(&wakeups)
            .safety_interval(net)
            .deadline(deadline)
            .into_future(),
    );
    assert!(l.expect("lyrics").result().is_some());
    assert!(w.expect("wav").result().is_some());
    assert!(s.expect("stems").result().is_some());
    assert!(m.expect("midi").result().is_some());
    assert!(v.expect("video").result().is_some());
    assert!(c.expect("cover").result().is_some());
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "woken, not left to the deadline"
    );
    for id in [
        lyrics.id(),
        wav.id(),
        stems.id(),
        midi.id(),
        video.id(),
        cover.id(),
    ] {
        let polls = server
            .requests()
            .iter()
            .filter(|r| r.task_id.as_deref() == Some(id))
            .count();
        assert!(
            polls <= 3,
            "{id}: {polls} polls (a first look, a confirmation)"
        );
    }
    let mut kinds = std::collections::HashSet::new();
    while let Ok(Received::Callback(delivery)) = received.try_recv() {
        kinds.insert(delivery.callback.kind());
    }
    for kind in [
        TaskKind::Lyrics,
        TaskKind::Wav,
        TaskKind::VocalSeparation,
        TaskKind::Midi,
        TaskKind::Video,
        TaskKind::Cover,
    ] {
        assert!(
            kinds.contains(&kind),
            "a {kind} callback, recognised by its shape: {kinds:?}"
        );
    }
}
