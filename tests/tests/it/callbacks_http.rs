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

/// Abuse of a standalone receiver, over raw TCP.
mod abuse {
    use std::net::SocketAddr;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use kie_suno::callback::{Received, Receiver, Verifier, WebhookKey};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    const KEY: &str = "abuse-webhook-key";

    fn now_secs() -> String {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            .to_string()
    }

    fn body(task_id: &str, note: &str) -> String {
        format!(
            r#"{{"code":200,"msg":"{note}","data":{{"callbackType":"first","task_id":"{task_id}","data":[]}}}}"#
        )
    }

    /// A whole request, signed for `task_id` at `timestamp`.
    fn request(task_id: &str, timestamp: &str, body: &str) -> String {
        let signature = WebhookKey::new(KEY).unwrap().sign(task_id, timestamp);
        format!(
            "POST /hook HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
             x-webhook-timestamp: {timestamp}\r\nx-webhook-signature: {signature}\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    }

    /// Sends `raw` and reads the answer's status line (empty if closed).
    async fn send(addr: SocketAddr, raw: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(raw.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        let _ =
            tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
        String::from_utf8_lossy(&answer)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    }

    async fn serve(
        receiver: Receiver,
    ) -> (
        SocketAddr,
        tokio::sync::mpsc::Receiver<Received>,
        tokio::task::JoinHandle<()>,
    ) {
        receiver
            .serve("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap()
    }

    fn verifier() -> Verifier {
        Verifier::new(WebhookKey::new(KEY).unwrap())
    }

    #[tokio::test]
    async fn timestamps_past_any_clock_are_refused_not_a_crash() {
        let (addr, _received, _serving) = serve(Receiver::new(verifier())).await;
        for timestamp in [
            "99999999999999999999",
            "18446744073709551615",
            "0",
            "-1",
            "1e9",
        ] {
            let status = send(addr, &request("t1", timestamp, &body("t1", "x"))).await;
            assert_eq!(status, "HTTP/1.1 401 Unauthorized", "{timestamp}");
        }
        let status = send(addr, &request("t1", &now_secs(), &body("t1", "x"))).await;
        assert_eq!(status, "HTTP/1.1 200 OK", "still serving");
    }

    #[tokio::test]
    async fn an_unsigned_body_is_refused_before_it_is_read() {
        let (addr, mut received, _serving) = serve(Receiver::new(verifier())).await;
        let raw = "POST /hook HTTP/1.1\r\nhost: x\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot json!";
        assert_eq!(send(addr, raw).await, "HTTP/1.1 401 Unauthorized");
        let refused = received.recv().await.unwrap();
        assert!(
            matches!(
                refused,
                Received::Refused(kie_suno::callback::Rejection::Unsigned(_))
            ),
            "the missing signature, not the body, is the reason: {refused:?}"
        );
    }

    /// 300 clients that send half a request (headers, or a body) and stall.
    async fn stall(addr: SocketAddr) -> Vec<TcpStream> {
        let mut stalled = Vec::new();
        for i in 0..300 {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let half = if i % 2 == 0 {
                "POST /hook HTTP/1.1\r\nhost: x\r\nx-webhook-ti".to_owned()
            } else {
                let raw = request("t1", &now_secs(), &body("t1", "x"));
                raw[..raw.len() - 10].to_owned()
            };
            stream.write_all(half.as_bytes()).await.unwrap();
            stalled.push(stream);
        }
        stalled
    }

    #[tokio::test]
    async fn valid_deliveries_are_answered_while_clients_stall() {
        let (addr, mut received, _serving) = serve(Receiver::new(verifier())).await;
        let stalled = stall(addr).await;
        let status = send(addr, &request("t2", &now_secs(), &body("t2", "x"))).await;
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(matches!(received.recv().await, Some(Received::Callback(_))));
        // Answered while every stalled client was still held (their 10 s
        // have not run out): nothing waited for them.
        for stream in &stalled {
            let mut byte = [0; 1];
            let open = matches!(stream.try_read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
            assert!(open, "a stalled connection was already let go");
        }
    }

    #[tokio::test]
    async fn stalled_clients_are_let_go() {
        let receiver = Receiver::new(verifier())
            .header_timeout(Duration::from_millis(500))
            .body_timeout(Duration::from_millis(500));
        let (addr, _received, _serving) = serve(receiver).await;
        // Every stalled one is let go: the connection ends (a 408 answer,
        // or closed); the 60 s bound only keeps a broken build from hanging.
        for mut stream in stall(addr).await {
            let mut rest = Vec::new();
            let ended =
                tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut rest)).await;
            assert!(ended.is_ok(), "a stalled connection is never let go");
            let text = String::from_utf8_lossy(&rest);
            assert!(
                text.is_empty() || text.starts_with("HTTP/1.1 408"),
                "{text}"
            );
        }
    }

    #[tokio::test]
    async fn connections_beyond_the_cap_are_closed_at_once() {
        let receiver = Receiver::new(verifier()).max_connections(4);
        let (addr, _received, _serving) = serve(receiver).await;
        let mut held = Vec::new();
        for _ in 0..4 {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"POST /hook HTTP/1.1\r\n").await.unwrap();
            held.push(stream);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            send(addr, &request("t1", &now_secs(), &body("t1", "x"))).await,
            "",
            "closed"
        );
        drop(held);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            send(addr, &request("t1", &now_secs(), &body("t1", "x"))).await,
            "HTTP/1.1 200 OK",
            "served again once below the cap"
        );
    }

    #[tokio::test]
    async fn one_captured_signature_replayed_with_other_bodies_is_passed_on_a_few_times() {
        let verifier = verifier();
        let (addr, mut received, _serving) = serve(Receiver::new(verifier)).await;
        let timestamp = now_secs();
        for i in 0..20 {
            let status = send(
                addr,
                &request("t1", &timestamp, &body("t1", &format!("altered {i}"))),
            )
            .await;
            assert_eq!(
                status, "HTTP/1.1 200 OK",
                "answered, as the provider expects"
            );
        }
        let mut passed_on = 0;
        while let Ok(Some(news)) =
            tokio::time::timeout(Duration::from_millis(300), received.recv()).await
        {
            assert!(matches!(news, Received::Callback(_)), "{news:?}");
            passed_on += 1;
        }
        assert_eq!(
            passed_on,
            kie_suno::callback::DEFAULT_PER_STAGE as usize,
            "the rest are repeats"
        );
    }

    /// A fan-out that records what it is asked to pass on, and keeps
    /// the subscriptions it handed out.
    #[derive(Debug, Default)]
    struct Recording(
        std::sync::Mutex<Vec<(String, kie_suno::wait::Claim)>>,
        std::sync::Mutex<Vec<tokio::task::AbortHandle>>,
    );

    impl kie_suno::fanout::Fanout for Recording {
        fn publish(
            &self,
            _: kie_suno::TaskKind,
            task_id: &str,
            claim: kie_suno::wait::Claim,
        ) -> kie_suno::fanout::FanoutFuture<'_> {
            self.0.lock().unwrap().push((task_id.to_owned(), claim));
            Box::pin(async { Ok(()) })
        }

        fn subscribe(&self, _: &kie_suno::wait::Wakeups) -> tokio::task::JoinHandle<()> {
            let subscription = tokio::spawn(std::future::pending());
            self.1.lock().unwrap().push(subscription.abort_handle());
            subscription
        }
    }

    #[tokio::test]
    async fn a_receiver_passes_each_new_delivery_on_to_the_fleet_once() {
        let fanout = std::sync::Arc::new(Recording::default());
        let receiver = Receiver::new(verifier()).publish_to(fanout.clone());
        let (addr, _received, _serving) = serve(receiver).await;
        let (timestamp, body) = (now_secs(), body("t9", "x"));
        for _ in 0..3 {
            let status = send(addr, &request("t9", &timestamp, &body)).await;
            assert_eq!(status, "HTTP/1.1 200 OK");
        }
        // Published in the background: give it a moment, bounded.
        for _ in 0..100 {
            if !fanout.0.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let published = fanout.0.lock().unwrap().clone();
        assert_eq!(
            published,
            [("t9".to_owned(), kie_suno::wait::Claim::First)],
            "once: the repeats are not passed on"
        );
    }

    #[tokio::test]
    async fn a_worker_assembles_its_receiver_and_fanout_and_unsubscribes_when_it_stops() {
        let dir = tempfile::tempdir().unwrap();
        let queue = std::sync::Arc::new(
            kie_suno::journal::SqliteJournal::open(dir.path().join("j.sqlite3")).unwrap(),
        );
        let client = kie_suno::Client::builder()
            .api_key(kie_suno::ApiKey::new("k-worker-assembly").unwrap())
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let fanout = std::sync::Arc::new(Recording::default());
        let worker = kie_suno::worker::Worker::new(&client, queue)
            .fanout(fanout.clone())
            .claim_every(Duration::from_millis(20));
        // The worker's receiver publishes to the fleet, not only here.
        let (addr, _received, _serving) = serve(worker.receiver(verifier())).await;
        let stop = tokio_util::sync::CancellationToken::new();
        let running = tokio::spawn(worker.run(stop.clone(), |_| {}));
        let status = send(addr, &request("t7", &now_secs(), &body("t7", "x"))).await;
        assert_eq!(status, "HTTP/1.1 200 OK");
        for _ in 0..100 {
            if !fanout.0.lock().unwrap().is_empty() && !fanout.1.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            fanout.0.lock().unwrap().clone(),
            [("t7".to_owned(), kie_suno::wait::Claim::First)],
            "the delivery went to the fan-out"
        );
        let subscriptions = fanout.1.lock().unwrap().clone();
        assert_eq!(subscriptions.len(), 1, "subscribed once, while it runs");
        assert!(!subscriptions[0].is_finished());
        stop.cancel();
        tokio::time::timeout(Duration::from_secs(10), running)
            .await
            .expect("the worker stops")
            .unwrap();
        for _ in 0..100 {
            if subscriptions[0].is_finished() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(
            subscriptions[0].is_finished(),
            "the subscription ended with the worker"
        );
    }
}
