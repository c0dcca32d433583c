//! What the PostgreSQL journal adds to the shared contract: callbacks
//! fanned out to other processes, and a database that is briefly away
//! waited for rather than a create sent unjournaled.

use std::sync::Arc;
use std::time::Duration;

use kie_suno::journal::{EntryState, Journal, PostgresJournal};
use kie_suno::mock::{MockBuilder, Script, Simulation};
use kie_suno::music::GenerateMusic;
use kie_suno::wait::{Claim, Wakeups};
use kie_suno::{ApiKey, Client, TaskKind, TaskStatus};
use kie_suno_tests::postgres::{Relay, fresh_database};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_published_by_one_process_wakes_a_wait_in_another() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let publisher = PostgresJournal::open(&url).await.unwrap();
    let listener = PostgresJournal::open(&url).await.unwrap();
    let wakeups = Wakeups::trusting();
    let _listening = listener.wake_on_callbacks(&wakeups);

    let sim = Simulation::new_default();
    sim.add_task("t", Script::success(Duration::from_millis(500)));
    let publishing = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(400)).await;
            let _ = publisher
                .publish_callback(TaskKind::Music, "t", Claim::Complete)
                .await;
        }
    });
    // No safety net within the hour: only a callback can end this wait.
    let wait = sim
        .client()
        .wait("t")
        .wake_on(&wakeups)
        .just_created()
        .safety_interval(Duration::from_secs(3600))
        .deadline(Duration::from_secs(3600));
    let record = tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .expect("woken through the database")
        .expect("completes");
    publishing.abort();
    assert_eq!(record.status(), TaskStatus::Success);
    assert!(sim.requests().len() <= 5, "{} polls", sim.requests().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_waits_for_a_database_that_is_briefly_away() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let relay = Relay::start(&url).await.unwrap();
    let journal = Arc::new(PostgresJournal::open(&relay.url_for(&url)).await.unwrap());
    let server = MockBuilder::default().start().await.unwrap();
    let client = Client::builder()
        .api_key(ApiKey::new(server.api_key()).unwrap())
        .base_url(server.url())
        .callback_url("https://example.com/hook")
        .journal(journal.clone())
        .build()
        .unwrap();

    relay.cut();
    let create = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .music()
                .generate(GenerateMusic::from_description("calm piano"))
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        server.created_tasks().is_empty(),
        "nothing is sent while the journal is away"
    );
    relay.restore();
    let task = create
        .await
        .unwrap()
        .expect("created once the journal is back");
    assert_eq!(server.created_tasks().len(), 1);
    let entries = journal.entries(true).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].task_id.as_deref(), Some(task.id()));
    assert_eq!(entries[0].state, EntryState::Created);
}
