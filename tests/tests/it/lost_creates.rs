//! A create whose answer was lost is found again through its callbacks:
//! each journaled create's callback URL carries a reference to its entry
//! (`kie_ref`, keyed by the journal's secret); a verified delivery to that
//! URL links the entry to its task once the task's record echoes the
//! reference; a reference that does not verify is refused and counted,
//! never linked; without a webhook key the reference alone authenticates,
//! when asked for (`Verifier::url_token`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kie_suno::callback::{Linked, Receiver, Rejection, Verifier, WebhookKey};
use kie_suno::journal::{EntryState, Journal, LeaseQueue, SqliteJournal, reference};
use kie_suno::mock::{CallbackDelivery, Fault, Faults, MockBuilder, Script};
use kie_suno::music::GenerateMusic;
use kie_suno::reqwest::header::HeaderMap;
use kie_suno::{Client, Error, TaskKind};

use crate::journal::journaling;

/// A create the mock makes a task for, then cuts the answer of.
async fn lost_create(client: &Client) {
    let e = client
        .music()
        .generate(GenerateMusic::from_description("a calm piano track"))
        .await
        .expect_err("the answer is lost");
    assert!(matches!(e, Error::CreateOutcomeUnknown { .. }), "{e:?}");
}

/// A music callback body about `task_id`.
fn body(task_id: &str) -> Vec<u8> {
    format!(r#"{{"code":200,"msg":"ok","data":{{"callbackType":"text","task_id":"{task_id}","data":[]}}}}"#)
        .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_was_lost_is_found_through_its_first_callback() {
    let dir = tempfile::tempdir().unwrap();
    let journal: Arc<dyn LeaseQueue> =
        Arc::new(SqliteJournal::open(dir.path().join("j.sqlite3")).unwrap());
    let key = WebhookKey::new("whk-lost-create-1").unwrap();
    // The receiver's address first: the mock posts to it, and the receiver
    // links through a client of the mock.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = MockBuilder::default()
        .faults(Faults::on_requests(1..2, Fault::CloseMidBody))
        .lifecycle(Script::success(Duration::from_secs(3)))
        .callbacks(CallbackDelivery {
            url: format!("http://{addr}/kie"),
            key: Some(key.clone()),
            faults: Default::default(),
        })
        .start()
        .await
        .unwrap();
    let client = journaling(&server, journal.clone());
    // `link` has the verifier read references under the client's journal.
    let (router, _received) = Receiver::new(Verifier::new(key))
        .link(client.clone())
        .router();
    tokio::spawn(async move { axum::serve(listener, router).await });

    lost_create(&client).await;
    let made = server.created_tasks();
    assert_eq!(made.len(), 1, "the mock made the task: {made:?}");
    let task_id = made[0].0.clone();
    let entry = journal.entries(false).await.unwrap().remove(0);
    assert_eq!(entry.state, EntryState::Unknown, "before any callback");
    // The create carried its reference, beside the URL's own query.
    let sent = server.requests()[0].body.clone().unwrap_or_default();
    let url = sent["callBackUrl"].as_str().unwrap_or_default().to_owned();
    assert!(
        url.starts_with("https://hooks.example.com/suno?team=7&kie_ref="),
        "{url}"
    );
    assert_eq!(
        reference::in_url(&url).as_deref(),
        Some(reference::issue(journal.as_ref(), &entry.intent).as_str())
    );

    // The first callback (lyrics, at 15 % of 3 s) links it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let linked = loop {
        let entry = journal.entries(true).await.unwrap().remove(0);
        if entry.task_id.is_some() || tokio::time::Instant::now() > deadline {
            break entry;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(linked.state, EntryState::Created);
    assert_eq!(linked.task_id.as_deref(), Some(task_id.as_str()));
    // A worker now follows it: it is claimable, and its wait ends.
    let claimed = journal
        .claim("w", Duration::from_secs(30), 5)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let record = client
        .music()
        .task(&task_id)
        .wait()
        .deadline(Duration::from_secs(20))
        .await
        .expect("the found task completes");
    assert_eq!(record.task_id(), task_id);
}

#[tokio::test]
async fn a_reference_that_does_not_verify_is_refused_counted_and_never_linked() {
    let dir = tempfile::tempdir().unwrap();
    let journal: Arc<dyn Journal> =
        Arc::new(SqliteJournal::open(dir.path().join("j.sqlite3")).unwrap());
    let server = MockBuilder::default()
        .faults(Faults::on_requests(1..2, Fault::CloseMidBody))
        .start()
        .await
        .unwrap();
    let client = journaling(&server, journal.clone());
    lost_create(&client).await;
    let task_id = server.created_tasks()[0].0.clone();
    let intent = journal.entries(false).await.unwrap()[0].intent.clone();
    let good = reference::issue(journal.as_ref(), &intent);
    let other_journal = SqliteJournal::open(dir.path().join("other.sqlite3")).unwrap();
    let forged = reference::issue(&other_journal, &intent);

    // Unsigned deliveries, authenticated by their URL's reference alone.
    let verifier = Verifier::url_token(journal.clone());
    let check = |query: Option<String>| {
        verifier.check_request(
            Some(TaskKind::Music),
            query.as_deref(),
            &HeaderMap::new(),
            &body(&task_id),
            SystemTime::now(),
        )
    };
    assert_eq!(
        check(Some(format!("team=7&kie_ref={forged}"))).unwrap_err(),
        Rejection::BadReference
    );
    assert_eq!(
        check(Some("team=7".into())).unwrap_err(),
        Rejection::NoReference
    );
    assert_eq!(check(None).unwrap_err(), Rejection::NoReference);
    assert_eq!(verifier.bad_references(), 3);
    assert_eq!(
        journal.entries(false).await.unwrap()[0].state,
        EntryState::Unknown,
        "nothing was linked"
    );

    // A verified reference naming another task than the create made: the
    // other task's record does not echo the reference.
    server.add_task("someone-elses", Script::success(Duration::from_secs(1)));
    let verifier = Verifier::url_token(journal.clone());
    let delivery = verifier
        .check_request(
            Some(TaskKind::Music),
            Some(&format!("kie_ref={good}")),
            &HeaderMap::new(),
            &body("someone-elses"),
            SystemTime::now(),
        )
        .expect("the reference verifies");
    assert_eq!(delivery.reference.as_deref(), Some(intent.as_str()));
    assert!(!delivery.signed);
    let linked = kie_suno::callback::link(&client, &delivery).await.unwrap();
    assert!(matches!(linked, Linked::NotLinked { .. }), "{linked:?}");
    assert_eq!(journal.entries(false).await.unwrap()[0].task_id, None);

    // The same reference about the task the create made links it.
    let delivery = verifier
        .check_request(
            Some(TaskKind::Music),
            Some(&format!("kie_ref={good}")),
            &HeaderMap::new(),
            &body(&task_id),
            SystemTime::now(),
        )
        .expect("the reference verifies");
    let linked = kie_suno::callback::link(&client, &delivery).await.unwrap();
    assert_eq!(
        linked,
        Linked::Found {
            intent: intent.clone(),
            task_id: task_id.clone()
        }
    );
    assert_eq!(
        kie_suno::callback::link(&client, &delivery).await.unwrap(),
        Linked::Known,
        "once is enough"
    );
}

#[tokio::test]
async fn the_same_request_keeps_one_fingerprint_whatever_its_reference() {
    let dir = tempfile::tempdir().unwrap();
    let journal: Arc<dyn Journal> =
        Arc::new(SqliteJournal::open(dir.path().join("j.sqlite3")).unwrap());
    let server = MockBuilder::default().start().await.unwrap();
    let client = journaling(&server, journal.clone());
    for _ in 0..2 {
        client
            .music()
            .generate(GenerateMusic::from_description("a calm piano track"))
            .await
            .unwrap();
    }
    let entries = journal.entries(true).await.unwrap();
    assert_eq!(entries.len(), 2);
    assert_ne!(entries[0].intent, entries[1].intent);
    assert_eq!(entries[0].fingerprint, entries[1].fingerprint);
    let urls: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| Some(r.body.as_ref()?["callBackUrl"].as_str()?.to_owned()))
        .collect();
    assert_eq!(urls.len(), 2);
    assert_ne!(urls[0], urls[1], "each create has its own reference");
}
