//! `Client::task` over real loopback HTTP against the mock server: every
//! fixture through `MusicRecord`, every error variant the network can cause,
//! and what the request looks like on the wire.

use std::sync::Arc;
use std::time::Duration;

use kie_suno::mock::{Fault, Faults, MockServer, Script, UnknownTask};
use kie_suno::{ApiCode, ApiKey, Client, Error, Model, OperationType, TaskErrorCode, TaskStatus};
use kie_suno_tests::{page_example, record_fixture};

const KEY: &str = "sk-live-0123456789abcdef";

async fn server() -> MockServer {
    MockServer::builder()
        .api_key(KEY)
        .start()
        .await
        .expect("mock starts")
}

async fn server_with_faults(fault: Fault) -> MockServer {
    let faults = Faults::always(fault);
    MockServer::builder()
        .api_key(KEY)
        .faults(faults)
        .start()
        .await
        .expect("mock starts")
}

/// Serves a fixture for task `t` and fetches it.
async fn fetch_fixture(body: &str) -> Result<kie_suno::MusicRecord, Error> {
    let server = server().await;
    server.answer_with("t", body);
    server.client().expect("client").task("t").await
}

#[tokio::test]
async fn page_example_reads_as_a_task_record() {
    let record = fetch_fixture(&page_example().to_string())
        .await
        .expect("record");
    assert_eq!(record.status(), TaskStatus::Success);
    assert_eq!(record.model(), Some("GENERATE"));
    let params = record.params().expect("params");
    assert_eq!(params.model, Some(Model::V3_5));
    assert_eq!(params.title.as_deref(), Some("Peaceful Piano"));
    assert_eq!(params.instrumental, Some(true));
    let track = &record.tracks()[0];
    assert_eq!(track.title(), Some("钢铁侠"));
    assert_eq!(
        track.created_at().map(|t| t.to_rfc3339()).as_deref(),
        Some("2025-01-01T00:00:00+00:00")
    );
    assert_eq!(track.duration(), Some(Duration::from_secs_f64(198.44)));
    assert_eq!(
        track.audio_url().map(String::from).as_deref(),
        Some("https://example.cn/****.mp3")
    );
}

#[tokio::test]
async fn pending_record_has_no_tracks_and_keeps_its_params() {
    let record = fetch_fixture(&record_fixture("pending"))
        .await
        .expect("record");
    assert_eq!(record.status(), TaskStatus::Pending);
    assert!(record.tracks().is_empty());
    assert_eq!(record.operation(), Some(OperationType::Generate));
    assert_eq!(record.parent_music_id(), None);
    assert_eq!(record.error(), None);
    assert_eq!(record.params().expect("params").model, Some(Model::V4_5));
    assert_eq!(
        record.created_at().map(|t| t.timestamp_millis()),
        Some(1772624679694)
    );
}

#[tokio::test]
async fn text_success_track_has_stream_but_no_audio_or_duration() {
    let record = fetch_fixture(&record_fixture("text_success"))
        .await
        .expect("record");
    assert_eq!(record.status(), TaskStatus::TextSuccess);
    let track = &record.tracks()[0];
    assert_eq!(track.audio_url(), None, "\"\" reads as None");
    assert_eq!(track.duration(), None);
    assert!(track.stream_audio_url().is_some());
    assert_eq!(track.model_name(), Some("chirp-fenix"));
}

#[tokio::test]
async fn failed_record_reports_its_error_code_and_message() {
    let record = fetch_fixture(&record_fixture("generate_audio_failed"))
        .await
        .expect("record");
    assert_eq!(record.status(), TaskStatus::GenerateAudioFailed);
    assert!(record.status().is_failure() && record.status().is_terminal());
    let error = record.error().expect("error");
    assert_eq!(error.code, Some(TaskErrorCode::GenerationFailed));
    assert_eq!(
        error.message.as_deref(),
        Some("Generation failed, please try again later.")
    );
}

#[tokio::test]
async fn success_record_with_epoch_ms_times_and_new_codename() {
    let record = fetch_fixture(&record_fixture("success_epoch_ms"))
        .await
        .expect("record");
    assert_eq!(record.model(), Some("chirp-crow"));
    assert_eq!(record.tracks().len(), 2);
    let created = record.tracks()[0].created_at().expect("time");
    assert_eq!(created.timestamp_millis(), 1772624679694);
    let params = record.params().expect("params");
    assert_eq!(params.model, Some(Model::V4_5Plus));
    assert_eq!(
        params.other["negativeTags"], "metal",
        "unknown keys are kept"
    );
}

#[tokio::test]
async fn unknown_status_and_operation_round_trip() {
    let record = fetch_fixture(&record_fixture("unknown_status"))
        .await
        .expect("record");
    assert_eq!(
        record.status(),
        TaskStatus::Unknown("QUEUED_FOR_MASTERING".into())
    );
    assert_eq!(record.status().to_string(), "QUEUED_FOR_MASTERING");
    assert!(
        !record.status().is_terminal(),
        "unknown is still in progress"
    );
    assert_eq!(
        record.operation().map(|o| o.to_string()).as_deref(),
        Some("remaster")
    );
}

#[tokio::test]
async fn extra_fields_and_mixed_time_forms_read() {
    let record = fetch_fixture(&record_fixture("extra_fields"))
        .await
        .expect("record");
    let times: Vec<_> = record
        .tracks()
        .iter()
        .map(|t| t.created_at().expect("time"))
        .collect();
    assert_eq!(times[0].timestamp_millis(), 1772624679694, "RFC 3339");
    assert_eq!(
        times[1].to_rfc3339(),
        "2025-01-01T00:00:00+00:00",
        "naive, as UTC"
    );
}

#[tokio::test]
async fn record_hands_back_the_generated_value() {
    let record = fetch_fixture(&record_fixture("success_epoch_ms"))
        .await
        .expect("record");
    let track_id = record.tracks()[1].id().to_owned();
    let raw = record.into_generated();
    let tracks = raw.response.expect("response").suno_data;
    assert_eq!(tracks.len(), 2, "tracks are put back");
    assert_eq!(tracks[1].id, track_id);
}

#[tokio::test]
async fn null_data_is_task_not_found() {
    let e = fetch_fixture(&record_fixture("unknown_task_null_data"))
        .await
        .expect_err("not found");
    assert!(
        matches!(&e, Error::TaskNotFound { task_id, .. } if task_id == "t"),
        "{e}"
    );
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn code_422_record_info_is_null_is_task_not_found() {
    let server = MockServer::builder()
        .api_key(KEY)
        .unknown_task(UnknownTask::Code422)
        .start()
        .await
        .expect("mock");
    let e = server
        .client()
        .expect("client")
        .task("nope")
        .await
        .expect_err("not found");
    assert!(
        matches!(&e, Error::TaskNotFound { task_id, .. } if task_id == "nope"),
        "{e}"
    );
}

#[tokio::test]
async fn wrong_key_is_api_401_with_advice() {
    let server = server().await;
    let client = Client::builder()
        .api_key(ApiKey::new("wrong").expect("key"))
        .base_url(server.url())
        .build()
        .expect("client");
    let e = client.task("t").await.expect_err("401");
    assert!(
        matches!(
            e,
            Error::Api {
                code: ApiCode::Unauthorized,
                ..
            }
        ),
        "{e}"
    );
    let message = e.to_string();
    assert!(
        message.starts_with("401 from the API: the API key was rejected; check KIE_API_KEY"),
        "{message}"
    );
    assert!(!e.is_retryable());
    assert!(server.requests().iter().all(|r| !r.authorized));
}

#[tokio::test]
async fn maintenance_code_is_a_retryable_api_error() {
    let server = server_with_faults(Fault::Maintenance455).await;
    let e = server
        .client()
        .expect("client")
        .task("t")
        .await
        .expect_err("455");
    assert!(
        matches!(
            e,
            Error::Api {
                code: ApiCode::Maintenance,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.is_retryable());
}

#[tokio::test]
async fn html_502_from_a_proxy_is_http_with_a_snippet() {
    let server = server_with_faults(Fault::Http502Html).await;
    let e = server
        .client()
        .expect("client")
        .task("t")
        .await
        .expect_err("502");
    match &e {
        Error::Http {
            status: 502,
            body_snippet,
            ..
        } => assert!(body_snippet.starts_with("<html>"), "{body_snippet}"),
        other => panic!("expected Http 502, got {other}"),
    }
    assert!(e.is_retryable());
    assert!(!e.to_string().contains('\n'), "one line");
}

#[tokio::test]
async fn http_500_is_http_and_retryable() {
    let server = server_with_faults(Fault::Http500Html).await;
    let e = server
        .client()
        .expect("client")
        .task("t")
        .await
        .expect_err("500");
    assert!(matches!(e, Error::Http { status: 500, .. }), "{e}");
    assert!(e.is_retryable());
}

#[tokio::test]
async fn malformed_json_is_decode_with_a_bounded_snippet() {
    let server = server_with_faults(Fault::MalformedJson).await;
    let e = server
        .client()
        .expect("client")
        .task("t")
        .await
        .expect_err("decode");
    match &e {
        Error::Decode { body_snippet, .. } => {
            assert!(body_snippet.starts_with("{\"code\": 200"), "{body_snippet}")
        }
        other => panic!("expected Decode, got {other}"),
    }
    assert!(e.is_retryable(), "a cut-off body may be whole next time");
}

#[tokio::test]
async fn wrong_shape_is_decode_and_not_retryable() {
    let e = fetch_fixture(r#"{"code": "two hundred", "data": null}"#)
        .await
        .expect_err("decode");
    assert!(matches!(e, Error::Decode { .. }), "{e}");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn huge_body_snippet_is_bounded() {
    let body = format!("{{\"code\": 200, \"data\": {}", "[".repeat(5000));
    let e = fetch_fixture(&body).await.expect_err("decode");
    match e {
        Error::Decode { body_snippet, .. } => {
            assert!(body_snippet.len() <= 512, "{}", body_snippet.len())
        }
        other => panic!("expected Decode, got {other}"),
    }
}

#[tokio::test]
async fn connection_closed_mid_body_is_transport() {
    let server = server_with_faults(Fault::CloseMidBody).await;
    let e = server
        .client()
        .expect("client")
        .task("t")
        .await
        .expect_err("transport");
    assert!(matches!(e, Error::Transport { .. }), "{e}");
    assert!(e.is_retryable());
}

#[tokio::test]
async fn refused_connection_is_transport_naming_the_cause() {
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    }; // closed again: nothing listens there now
    let client = Client::builder()
        .api_key(ApiKey::new(KEY).expect("key"))
        .base_url(format!("http://{addr}"))
        .build()
        .expect("client");
    let e = client.task("t").await.expect_err("refused");
    assert!(matches!(e, Error::Transport { .. }), "{e}");
    assert!(e.to_string().to_lowercase().contains("refused"), "{e}");
}

#[tokio::test]
async fn slow_answer_past_the_timeout_is_transport() {
    let faults = Faults {
        slow_delay: Duration::from_secs(2),
        ..Faults::always(Fault::Slow)
    };
    let server = MockServer::builder()
        .api_key(KEY)
        .faults(faults)
        .start()
        .await
        .expect("mock");
    server.add_task("t", Script::success(Duration::from_secs(1)));
    let client = Client::builder()
        .api_key(ApiKey::new(KEY).expect("key"))
        .base_url(server.url())
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let e = client.task("t").await.expect_err("timeout");
    assert!(matches!(e, Error::Transport { .. }), "{e}");
}

#[tokio::test]
async fn empty_task_id_is_refused_before_any_request() {
    let server = server().await;
    let e = server
        .client()
        .expect("client")
        .task("")
        .await
        .expect_err("empty");
    assert!(matches!(e, Error::InvalidTaskId { .. }), "{e}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn task_id_with_reserved_characters_is_percent_encoded() {
    let server = server().await;
    let id = "a&b=c#d";
    server.add_task(id, Script::success(Duration::from_secs(60)));
    let record = server
        .client()
        .expect("client")
        .task(id)
        .await
        .expect("record");
    assert_eq!(record.task_id(), id);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].raw_query.as_deref(),
        Some("taskId=a%26b%3Dc%23d")
    );
    assert_eq!(requests[0].task_id.as_deref(), Some(id));
}

#[tokio::test]
async fn request_carries_bearer_key_and_user_agent() {
    let server = server().await;
    server.add_task("t", Script::success(Duration::from_secs(60)));
    server
        .client()
        .expect("client")
        .task("t")
        .await
        .expect("record");
    let request = &server.requests()[0];
    assert!(request.authorized);
    assert!(request.header_names.iter().any(|h| h == "user-agent"));
}

#[tokio::test]
async fn callers_own_reqwest_client_is_still_authenticated() {
    let server = server().await;
    server.add_task("t", Script::success(Duration::from_secs(60)));
    let client = Client::builder()
        .api_key(ApiKey::new(KEY).expect("key"))
        .base_url(server.url())
        .http_client(kie_suno::reqwest::Client::new())
        .build()
        .expect("client");
    client.task("t").await.expect("authenticated");
}

#[tokio::test]
async fn base_url_path_prefix_is_kept() {
    let server = server().await;
    let client = Client::builder()
        .api_key(ApiKey::new(KEY).expect("key"))
        .base_url(format!("{}/proxy/", server.url()))
        .build()
        .expect("client");
    assert_eq!(client.base_url(), format!("{}/proxy", server.url()));
    // The mock serves no /proxy prefix: the request went there, and 404'd.
    let e = client.task("t").await.expect_err("404");
    assert!(matches!(e, Error::Http { status: 404, .. }), "{e}");
}

#[tokio::test]
async fn key_shows_in_no_debug_or_error_output() {
    let server = server().await;
    let client = server.client().expect("client");
    let wrong = Client::builder()
        .api_key(ApiKey::new(KEY).expect("key"))
        .base_url(server.url())
        .build()
        .expect("client");
    let mut texts = vec![
        format!("{client:?}"),
        format!("{wrong:?}"),
        format!("{:?}", ApiKey::new(KEY).expect("key")),
    ];
    texts.push(format!("{:?}", client.generated()));
    let mut server_faulty = server_with_faults(Fault::Http502Html).await;
    for e in [
        client.task("").await.expect_err("empty"),
        server_faulty
            .client()
            .expect("client")
            .task("t")
            .await
            .expect_err("502"),
        ApiKey::new("bad key with spaces").expect_err("bad key"),
    ] {
        texts.push(e.to_string());
        texts.push(format!("{e:?}"));
    }
    server_faulty = server_with_faults(Fault::CloseMidBody).await;
    let e = server_faulty
        .client()
        .expect("client")
        .task("t")
        .await
        .expect_err("transport");
    texts.push(e.to_string());
    texts.push(format!("{e:?}"));
    for text in &texts {
        assert!(
            !text.contains(KEY) && !text.contains("0123456789abcdef"),
            "key leaked in {text}"
        );
    }
    assert!(
        texts[3].contains("Sensitive"),
        "reqwest redacts the header: {}",
        texts[3]
    );
}

#[tokio::test]
async fn mock_serves_a_scripted_lifecycle() {
    let server = server().await;
    server.add_task(
        "t",
        "TEXT_SUCCESS@100ms,FIRST_SUCCESS@200ms,SUCCESS@300ms"
            .parse::<Script>()
            .expect("script"),
    );
    let client = server.client().expect("client");
    // Whatever the machine's load, the statuses come in the script's order
    // and end at SUCCESS (order, not timing).
    let mut seen: Vec<TaskStatus> = Vec::new();
    let mut polls = 0;
    let done = loop {
        let record = client.task("t").await.expect("record");
        polls += 1;
        if seen.last() != Some(&record.status()) {
            seen.push(record.status());
        }
        if record.status() == TaskStatus::Success || polls == 100 {
            break record;
        }
        // Within the mock's 3 requests per second.
        tokio::time::sleep(Duration::from_millis(350)).await;
    };
    let order = [
        TaskStatus::Pending,
        TaskStatus::TextSuccess,
        TaskStatus::FirstSuccess,
        TaskStatus::Success,
    ];
    let positions: Vec<usize> = seen
        .iter()
        .map(|s| {
            order
                .iter()
                .position(|o| o == s)
                .expect("a scripted status")
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(done.status(), TaskStatus::Success);
    assert_eq!(done.tracks().len(), 2);
    assert!(
        done.tracks()
            .iter()
            .all(|t| t.audio_url().is_some() && t.duration().is_some())
    );
}

#[tokio::test]
async fn rate_limited_answer_is_retryable_after_its_retry_after() {
    let server = server_with_faults(Fault::RateLimited).await;
    server.add_task("t", Script::success(Duration::from_secs(60)));
    let e = server
        .client()
        .expect("client")
        .task("t")
        .await
        .expect_err("429");
    assert!(e.is_rate_limit() && e.is_retryable(), "{e}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(
        server.rate_violations(),
        0,
        "an injected 429 is no violation"
    );
}

/// On the paused clock, so that "within one second" does not depend on
/// how loaded the machine is.
#[tokio::test(start_paused = true)]
async fn mock_counts_requests_beyond_three_per_second() {
    let sim = kie_suno::mock::Simulation::new_default();
    sim.add_task("t", Script::success(Duration::from_secs(60)));
    let client = sim.client();
    for _ in 0..3 {
        client.task("t").await.expect("within the limit");
    }
    let e = client.task("t").await.expect_err("fourth in a second");
    assert!(e.is_rate_limit() && e.is_retryable(), "{e}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(sim.rate_violations(), 1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    client.task("t").await.expect("a second later");
    assert_eq!(sim.rate_violations(), 1);
}

/// A loopback balance endpoint that holds each request 50 ms and counts
/// how many were in it at once; its base URL and the largest count.
async fn counting_server() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let seen = most.clone();
    let app = axum::Router::new().route(
        "/api/v1/chat/credit",
        axum::routing::get(move || {
            let (now, most) = (now.clone(), most.clone());
            async move {
                let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(inside, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    r#"{"code":200,"msg":"success","data":100}"#,
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

async fn most_in_flight(limit: Option<usize>) -> usize {
    let (url, most) = counting_server().await;
    let mut builder = Client::builder()
        .api_key(ApiKey::new("k").unwrap())
        .base_url(url);
    if let Some(limit) = limit {
        builder = builder.max_concurrent_requests(limit);
    }
    let client = builder.build().unwrap();
    let calls = (0..40).map(|_| {
        let client = client.clone();
        async move { client.credits().await }
    });
    for result in futures_util::future::join_all(calls).await {
        assert_eq!(result.unwrap(), 100.into());
    }
    most.load(std::sync::atomic::Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_through_a_client_and_its_clones_stay_within_its_limit() {
    let limited = most_in_flight(Some(4)).await;
    assert!(
        (1..=4).contains(&limited),
        "{limited} requests in flight at once"
    );
    // The server sees requests at once when they are let through.
    let default = most_in_flight(None).await;
    assert!(
        default > 4,
        "{default} in flight with the default limit of 64"
    );
}

#[tokio::test(start_paused = true)]
async fn waits_and_other_calls_share_the_request_limit_and_all_get_through() {
    // Waits take a turn among the polls before their request takes one
    // among the requests: 60 waits and 60 other calls through a limit of
    // 2 all end, none starved, none stuck holding one turn for the other.
    // Every answer takes 2 s: the calls overlap, and queue for turns.
    let sim = kie_suno::mock::MockBuilder::default()
        .faults(Faults {
            slow_delay: Duration::from_secs(2),
            ..Faults::always(Fault::Slow)
        })
        .simulate();
    for i in 0..60 {
        sim.add_task(format!("t{i}"), Script::success(Duration::from_secs(5)));
    }
    let client = sim
        .client_builder()
        .max_concurrent_requests(2)
        .build()
        .unwrap();
    let waits = (0..60).map(|i| {
        let client = client.clone();
        async move { client.wait(format!("t{i}")).await.map(|r| r.status()) }
    });
    let credits = (0..60).map(|_| {
        let client = client.clone();
        async move { client.credits().await }
    });
    let (waited, counted) = tokio::time::timeout(
        Duration::from_secs(600),
        futures_util::future::join(
            futures_util::future::join_all(waits),
            futures_util::future::join_all(credits),
        ),
    )
    .await
    .expect("everything ends within ten simulated minutes");
    assert!(waited.iter().all(|r| matches!(r, Ok(TaskStatus::Success))));
    assert!(counted.iter().all(Result::is_ok));
}
