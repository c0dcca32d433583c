//! Creating tasks against the mock, over loopback HTTP and on simulated
//! time: what is checked before sending, what is sent again and what never
//! is, credits, and the account's create limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use kie_suno::mock::{Answer, Fault, Faults, MockBuilder, MockServer, Simulation};
use kie_suno::music::{ExtendMusic, GenerateMusic};
use kie_suno::{ApiCode, ApiKey, Client, CreateLimit, Error, Model, Transport};

const HOOK: &str = "http://127.0.0.1:9/suno-callbacks";

async fn server(builder: MockBuilder) -> MockServer {
    builder.start().await.expect("mock starts")
}

/// A client builder of `server` with its key, nothing else.
fn keyed(server: &MockServer) -> kie_suno::ClientBuilder {
    Client::builder()
        .api_key(ApiKey::new(server.api_key()).unwrap())
        .base_url(server.url())
}

fn client_of(server: &MockServer) -> Client {
    Client::builder()
        .api_key(ApiKey::new(server.api_key()).unwrap())
        .base_url(server.url())
        .callback_url(HOOK)
        .build()
        .unwrap()
}

fn description() -> GenerateMusic {
    GenerateMusic::from_description("a calm piano piece for a rainy evening")
}

#[tokio::test]
async fn a_create_returns_the_new_task_and_spends_credits() {
    let server = server(MockBuilder::default().credits(100)).await;
    let task = client_of(&server)
        .music()
        .generate(description())
        .await
        .expect("created");
    assert_eq!(
        server.created_tasks(),
        [(task.id().to_owned(), "generate-music")]
    );
    assert_eq!(server.credits(), 88);
    let record = task.record().await.expect("record");
    assert_eq!(record.task_id(), task.id());
}

#[tokio::test]
async fn the_request_carries_the_documented_fields() {
    let server = server(MockBuilder::default()).await;
    let request = GenerateMusic::custom("dream pop", "Night Drive")
        .lyrics("[Verse]\nCity lights")
        .model(Model::V4_5)
        .style_weight(0.65)
        .callback_url("https://example.com/hook");
    client_of(&server)
        .music()
        .generate(request)
        .await
        .expect("created");
    // The mock refuses a body without a field the page requires; it took
    // this one, with the request's own callback URL.
    let log = server.requests();
    assert!(
        matches!(log[0].answer, Answer::Created { fault: None, .. }),
        "{log:?}"
    );
    let body = log[0].body.as_ref().expect("the body, as received");
    assert_eq!(body["model"], "V4_5");
    assert_eq!(body["customMode"], true);
    assert_eq!(body["style"], "dream pop");
    assert_eq!(body["title"], "Night Drive");
    assert_eq!(body["prompt"], "[Verse]\nCity lights");
    assert_eq!(body["styleWeight"], 0.65);
    assert_eq!(
        body["callBackUrl"], "https://example.com/hook",
        "the request's own, not the client's ({HOOK})"
    );
}

#[tokio::test]
async fn refused_requests_send_nothing() {
    let server = server(MockBuilder::default()).await;
    let client = client_of(&server);
    let too_long = GenerateMusic::from_description("x".repeat(501));
    let e = client.music().generate(too_long).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidRequest {
                field: "prompt",
                ..
            }
        ),
        "{e}"
    );
    let no_lyrics = GenerateMusic::custom("jazz", "Blue");
    assert!(client.music().generate(no_lyrics).await.is_err());
    let bad_extend = ExtendMusic::custom("a1", Model::V4, "la", "s".repeat(201), "T", 10.0);
    let e = client.music().extend(bad_extend).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("`style` is 201 characters; at most 200 for V4"),
        "{e}"
    );
    assert!(server.requests().is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn without_a_callback_url_nothing_is_sent() {
    let server = server(MockBuilder::default()).await;
    // No callback URL anywhere (the mock's own client has one).
    let client = keyed(&server).build().unwrap();
    let e = client.music().generate(description()).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidRequest {
                field: "callBackUrl",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("KIE_CALLBACK_URL"), "{e}");
    let e = client
        .music()
        .generate(description().callback_url("/relative"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidRequest {
                field: "callBackUrl",
                ..
            }
        ),
        "{e}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn rate_limited_and_maintenance_answers_are_retried_and_make_one_task() {
    for fault in [Fault::RateLimited, Fault::Maintenance455] {
        let server = server(MockBuilder::default().faults(Faults::on_requests(1..2, fault))).await;
        let task = client_of(&server)
            .music()
            .generate(description())
            .await
            .expect("created after the refusals");
        assert_eq!(
            server.requests().len(),
            2,
            "{fault:?}: a refusal, then a success"
        );
        assert_eq!(server.created_tasks().len(), 1);
        assert_eq!(server.created_tasks()[0].0, task.id());
    }
}

#[tokio::test]
async fn a_lost_answer_is_not_resent_and_says_the_task_may_exist() {
    for fault in [
        Fault::CloseMidBody,
        Fault::Http502Html,
        Fault::MalformedJson,
    ] {
        let server = server(MockBuilder::default().faults(Faults::always(fault))).await;
        let e = client_of(&server)
            .music()
            .generate(description())
            .await
            .unwrap_err();
        let Error::CreateOutcomeUnknown {
            operation,
            callback_url,
            ..
        } = &e
        else {
            panic!("{fault:?}: expected an unknown outcome, got {e}");
        };
        assert_eq!(*operation, "generate-music");
        assert_eq!(callback_url.as_deref(), Some(HOOK));
        assert!(e.to_string().contains("not resent"), "{e}");
        assert_eq!(server.requests().len(), 1, "{fault:?}: sent exactly once");
        assert_eq!(server.created_tasks().len(), 1, "the task does exist");
    }
}

#[tokio::test]
async fn a_timeout_after_sending_is_an_unknown_outcome() {
    let mut faults = Faults::always(Fault::Slow);
    faults.slow_delay = Duration::from_secs(3);
    let server = server(MockBuilder::default().faults(faults)).await;
    let client = Client::builder()
        .api_key(ApiKey::new(server.api_key()).unwrap())
        .base_url(server.url())
        .callback_url(HOOK)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = client.music().generate(description()).await.unwrap_err();
    assert!(matches!(e, Error::CreateOutcomeUnknown { .. }), "{e}");
    assert_eq!(
        server.created_tasks().len(),
        1,
        "made, and its answer came too late"
    );
}

#[tokio::test]
async fn a_refusal_for_credits_is_a_credits_error_and_makes_no_task() {
    let server = server(MockBuilder::default().credits(5)).await;
    let e = client_of(&server)
        .music()
        .generate(description())
        .await
        .unwrap_err();
    assert!(e.is_insufficient_credits(), "{e}");
    assert!(matches!(
        e,
        Error::Api {
            code: ApiCode::InsufficientCredits,
            ..
        }
    ));
    assert_eq!(
        server.requests().len(),
        1,
        "a refusal for credits is not retried"
    );
    assert!(server.created_tasks().is_empty());
    assert_eq!(server.credits(), 5);
}

#[tokio::test]
async fn a_balance_with_a_fraction_comes_back_exactly_as_sent() {
    for sent in ["1234.5", "0.1", "99999999.99", "7", "0"] {
        let body = format!(r#"{{"code":200,"msg":"success","data":{sent}}}"#);
        let url = kie_suno_tests::canned::serve_json("/api/v1/chat/credit", body)
            .await
            .unwrap();
        let client = Client::builder()
            .api_key(ApiKey::new("k").unwrap())
            .base_url(&url)
            .build()
            .unwrap();
        assert_eq!(client.credits().await.unwrap().to_string(), sent);
    }
}

#[tokio::test]
async fn credits_are_read_from_the_account() {
    let server = server(MockBuilder::default().credits(321)).await;
    assert_eq!(
        client_of(&server).credits().await.unwrap().to_string(),
        "321"
    );
    let stranger = Client::builder()
        .api_key(ApiKey::new("wrong").unwrap())
        .base_url(server.url())
        .build()
        .unwrap();
    let e = stranger.credits().await.unwrap_err();
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
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_50_creates_queues_under_the_limit_and_none_is_refused() {
    let sim = Simulation::new_default();
    let client = sim.client();
    let started = tokio::time::Instant::now();
    let creates = (0..50).map(|i| {
        let client = client.clone();
        async move {
            client
                .music()
                .generate(GenerateMusic::from_description(format!("piece {i}")).callback_url(HOOK))
                .await
        }
    });
    let results = futures_util::future::join_all(creates).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(sim.create_rate_violations(), 0);
    assert_eq!(sim.created_tasks().len(), 50);
    assert_eq!(sim.requests().len(), 50, "no refusal, so no retry");
    // 20 at once, 20 a window later, 10 a window after that.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(20) && took < Duration::from_secs(22),
        "{took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn without_the_limiter_a_burst_is_refused_then_retried_without_duplicates() {
    let sim = Simulation::new_default();
    let client = Client::builder()
        .api_key(ApiKey::new(sim.api_key()).unwrap())
        .base_url("http://simulation.invalid")
        .allow_insecure_http(true)
        .transport(Arc::new(sim.clone()))
        .create_limit(None)
        .callback_url(HOOK)
        .build()
        .unwrap();
    let creates = (0..30).map(|_| client.music().generate(description()));
    let results = futures_util::future::join_all(creates).await;
    let made = results.iter().filter(|r| r.is_ok()).count();
    assert!(
        sim.create_rate_violations() > 0,
        "the burst crossed the account's limit"
    );
    assert_eq!(
        made, 30,
        "the refused ones were sent again after the window"
    );
    assert_eq!(sim.created_tasks().len(), 30, "and no task was made twice");
}

#[tokio::test(start_paused = true)]
async fn a_create_dropped_while_queued_sends_nothing() {
    let sim = Simulation::new_default();
    let client = Client::builder()
        .api_key(ApiKey::new(sim.api_key()).unwrap())
        .base_url("http://simulation.invalid")
        .allow_insecure_http(true)
        .transport(Arc::new(sim.clone()))
        .create_limit(Some(CreateLimit::new(1, Duration::from_secs(10))))
        .callback_url(HOOK)
        .build()
        .unwrap();
    client.music().generate(description()).await.expect("first");
    let queued = tokio::time::timeout(
        Duration::from_secs(2),
        client.music().generate(description()),
    )
    .await;
    assert!(queued.is_err(), "the second create waits for the window");
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(sim.requests().len(), 1, "the dropped create was never sent");
}

/// A transport whose first connections fail before anything is sent.
#[derive(Debug)]
struct RefusedConnections {
    failures: AtomicU32,
    then: Simulation,
}

impl Transport for RefusedConnections {
    fn send(
        &self,
        request: kie_suno::reqwest::Request,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = kie_suno::reqwest::Result<kie_suno::reqwest::Response>>
                + Send
                + '_,
        >,
    > {
        Box::pin(async move {
            if self.failures.fetch_sub(1, Ordering::SeqCst) > 0 {
                // A port nothing listens on: a genuine connect error.
                let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let port = closed.local_addr().unwrap().port();
                drop(closed);
                let url = format!("http://127.0.0.1:{port}/");
                return kie_suno::reqwest::Client::new().get(url).send().await;
            }
            self.then.send(request).await
        })
    }
}

#[tokio::test]
async fn a_connection_refused_before_sending_is_retried() {
    let sim = Simulation::new_default();
    let transport = Arc::new(RefusedConnections {
        failures: AtomicU32::new(1),
        then: sim.clone(),
    });
    let client = Client::builder()
        .api_key(ApiKey::new(sim.api_key()).unwrap())
        .base_url("http://simulation.invalid")
        .allow_insecure_http(true)
        .transport(transport)
        .callback_url(HOOK)
        .build()
        .unwrap();
    let task = client
        .music()
        .generate(description())
        .await
        .expect("created on the retry");
    assert_eq!(
        sim.created_tasks(),
        [(task.id().to_owned(), "generate-music")]
    );
}

#[tokio::test]
async fn the_synchronous_music_calls_answer_at_once() {
    let server = server(MockBuilder::default().credits(50)).await;
    let client = client_of(&server);
    let lyrics = client
        .music()
        .timestamped_lyrics("t1", "a1")
        .await
        .expect("lyrics");
    assert_eq!(lyrics.aligned_words.len(), 2);
    let style = client
        .music()
        .boost_style("Pop, Mysterious")
        .await
        .expect("style");
    assert!(style.starts_with("Pop, Mysterious, "), "{style}");
    let persona = client
        .music()
        .persona(kie_suno::music::GeneratePersona::new(
            "t1",
            "a1",
            "Nova",
            "airy alto",
        ))
        .await
        .expect("persona");
    assert!(persona.persona_id.starts_with("persona-"), "{persona:?}");
    assert_eq!(
        server.credits(),
        50 - 1 - 5,
        "boost and persona cost credits"
    );
    let file = kie_suno::reqwest::Url::parse("https://cdn.example/a.mp3").unwrap();
    let link = client.download_url(&file).await.expect("link");
    // The mock serves its own temporary links.
    assert_eq!(link.as_str(), format!("{}/signed/a.mp3", server.url()));
}

#[tokio::test]
async fn a_paid_call_whose_answer_is_lost_is_not_resent() {
    let server = server(MockBuilder::default().faults(Faults::always(Fault::CloseMidBody))).await;
    let e = client_of(&server)
        .music()
        .boost_style("Pop")
        .await
        .unwrap_err();
    let Error::CreateOutcomeUnknown { callback_url, .. } = &e else {
        panic!("expected an unknown outcome, got {e}");
    };
    assert_eq!(*callback_url, None, "no task, so no callback");
    assert!(e.to_string().contains("not resent"), "{e}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn every_music_create_reaches_its_endpoint_with_the_fields_its_page_requires() {
    use kie_suno::music::{
        AddInstrumental, AddVocals, CoverUpload, ExtendUpload, Mashup, ReplaceSection, Sounds,
    };
    let server = server(MockBuilder::default()).await;
    let music = client_of(&server);
    let music = music.music();
    let upload = "https://files.example/my-song.mp3";
    let other = "https://files.example/other.mp3".to_owned();
    music
        .cover_upload(CoverUpload::custom(upload, "lofi", "Rain").instrumental())
        .await
        .expect("cover");
    music
        .extend_upload(ExtendUpload::custom(
            upload,
            42.5,
            "[Outro] la",
            "lofi",
            "Rain II",
        ))
        .await
        .expect("extend upload");
    music
        .add_instrumental(
            AddInstrumental::new(upload, "Backing", "acoustic guitar").negative_tags("metal"),
        )
        .await
        .expect("instrumental");
    music
        .add_vocals(
            AddVocals::new(upload, "[Verse] hello", "Hello", "soul").negative_tags("screamo"),
        )
        .await
        .expect("vocals");
    music
        .replace_section(ReplaceSection::new(
            "t1",
            "a1",
            "[Chorus] new",
            "pop",
            "Hit",
            30.0,
            45.5,
        ))
        .await
        .expect("replace");
    music
        .mashup(Mashup::from_description(
            [upload.to_owned(), other],
            "a summer mashup",
        ))
        .await
        .expect("mashup");
    music
        .sounds(
            Sounds::new("rain on a tin roof")
                .key("Am")
                .tempo(90)
                .looped(),
        )
        .await
        .expect("sounds");
    let operations: Vec<&str> = server.created_tasks().iter().map(|(_, op)| *op).collect();
    assert_eq!(
        operations,
        [
            "upload-and-cover-audio",
            "upload-and-extend-audio",
            "add-instrumental",
            "add-vocals",
            "replace-section",
            "generate-mashup",
            "generate-sounds"
        ]
    );
}

#[tokio::test]
async fn the_other_music_creates_check_their_pages_rules_before_sending() {
    use kie_suno::music::{AddInstrumental, CoverUpload, ReplaceSection, Sounds};
    let server = server(MockBuilder::default()).await;
    let client = client_of(&server);
    let music = client.music();
    let field = |e: Error| match e {
        Error::InvalidRequest { field, .. } => field,
        other => panic!("expected a refusal, got {other}"),
    };
    let e = music
        .replace_section(ReplaceSection::new("t", "a", "la", "pop", "T", 10.0, 80.0))
        .await
        .unwrap_err();
    assert_eq!(field(e), "infillEndS", "a section of 70 s");
    let e = music
        .replace_section(ReplaceSection::new(
            "t", "a", "la", "pop", "T", 10.125, 20.0,
        ))
        .await
        .unwrap_err();
    assert_eq!(field(e), "infillStartS", "three decimals");
    let e = music.sounds(Sounds::new("x").tempo(301)).await.unwrap_err();
    assert_eq!(field(e), "soundTempo");
    let e = music.sounds(Sounds::new("x").key("H#")).await.unwrap_err();
    assert_eq!(field(e), "soundKey");
    let e = music
        .add_instrumental(AddInstrumental::new("https://f.example/a.mp3", "T", "rock"))
        .await
        .unwrap_err();
    assert_eq!(field(e), "negativeTags");
    let e = music
        .cover_upload(CoverUpload::from_description("not a url", "x"))
        .await
        .unwrap_err();
    assert_eq!(field(e), "uploadUrl");
    let e = music
        .cover_upload(
            CoverUpload::custom("https://f.example/a.mp3", "pop", "t".repeat(90))
                .instrumental()
                .model(Model::V4),
        )
        .await
        .unwrap_err();
    assert_eq!(field(e), "title", "80 for V4 on the upload pages");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_mocks_own_client_creates_as_handed_out() {
    let server = server(MockBuilder::default()).await;
    let client = server.client().unwrap();
    let handle = client.music().generate(description()).await.unwrap();
    assert_eq!(server.created_tasks()[0].0, handle.id());
    let sent = server.requests()[0].body.clone().unwrap_or_default();
    let hook = sent["callBackUrl"].as_str().unwrap_or_default().to_owned();
    assert!(
        hook.starts_with(&format!("{}/callbacks", server.url())),
        "{hook}"
    );
    // The mock takes deliveries to it.
    let answer = kie_suno::reqwest::Client::new()
        .post(&hook)
        .body(r#"{"code":200,"msg":"ok","data":{"task_id":"t"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn a_plain_http_callback_url_off_this_machine_is_refused_before_anything_is_sent() {
    let server = server(MockBuilder::default().credits(100)).await;
    let builder = || keyed(&server);
    // The client's own callback URL.
    let e = builder()
        .callback_url("http://hooks.example.com/suno")
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidRequest { field: "callBackUrl", problem, .. } if problem.contains("clear text")),
        "{e:?}"
    );
    // A request's own.
    let client = client_of(&server);
    let e = client
        .music()
        .generate(description().callback_url("http://hooks.example.com/suno"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::InvalidRequest {
                field: "callBackUrl",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(server.requests().is_empty(), "nothing was sent");
    assert_eq!(server.credits(), 100);
    // Allowed when asked for; plain http to this machine always is.
    let allowed = builder()
        .callback_url("http://hooks.example.com/suno")
        .allow_insecure_callback(true)
        .build()
        .unwrap();
    allowed.music().generate(description()).await.unwrap();
    client
        .music()
        .generate(description().callback_url("http://localhost:8787/cb"))
        .await
        .unwrap();
    assert_eq!(server.created_tasks().len(), 2);
}
