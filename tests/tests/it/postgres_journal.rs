//! What the PostgreSQL journal adds to the shared contract: callbacks
//! fanned out to other processes, a database that is briefly away waited
//! for rather than a create sent unjournaled, the account's create limit
//! kept across processes, and TLS checked as `sslmode` asks.

use std::sync::Arc;
use std::time::Duration;

use kie_suno::journal::{EntryState, Journal, LeaseQueue, PostgresJournal, SharedCreateLimit};
use kie_suno::mock::{MockBuilder, Script, Simulation};
use kie_suno::music::GenerateMusic;
use kie_suno::wait::{Claim, Wakeups};
use kie_suno::{ApiKey, Client, TaskKind, TaskStatus};
use kie_suno_tests::postgres::{Relay, cluster_ca, connect, fresh_database};

/// A wait running on its own task.
type Waiting = tokio::task::JoinHandle<
    Result<kie_suno::MusicRecord, kie_suno::wait::WaitError<kie_suno::music::Music>>,
>;

/// The record `wait` ends with, within a minute (`why`: what ends it).
async fn ended(wait: Waiting, why: &str) -> kie_suno::MusicRecord {
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .unwrap_or_else(|_| panic!("not ended within a minute: {why}"))
        .unwrap()
        .expect("completes")
}

/// A wait on `task_id` (just created) that only a callback can end: no
/// safety-net poll within the hour.
fn woken_only_by_a_callback(sim: &Simulation, wakeups: &Wakeups, task_id: &str) -> Waiting {
    let wait = sim
        .client()
        .wait(task_id)
        .wake_on(wakeups)
        .just_created()
        .safety_interval(Duration::from_secs(3600))
        .deadline(Duration::from_secs(3600));
    tokio::spawn(async move { wait.await })
}

/// Publishes that `task_id` completed every 400 ms until aborted.
fn publishing(journal: PostgresJournal, task_id: &'static str) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(400)).await;
            let _ = journal
                .publish_callback(TaskKind::Music, task_id, Claim::Complete)
                .await;
        }
    })
}

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
    let wait = woken_only_by_a_callback(&sim, &wakeups, "t");
    let publishing = publishing(publisher, "t");
    let record = ended(wait, "woken through the database").await;
    publishing.abort();
    assert_eq!(record.status(), TaskStatus::Success);
    assert!(sim.requests().len() <= 5, "{} polls", sim.requests().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_published_while_a_listener_reconnects_still_wakes_its_waits() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let relay = Relay::start(&url).await.unwrap();
    let publisher = PostgresJournal::open(&url).await.unwrap();
    let listener = PostgresJournal::open(&relay.url_for(&url)).await.unwrap();
    let wakeups = Wakeups::trusting();
    let _listening = listener.wake_on_callbacks(&wakeups);
    let sim = Simulation::new_default();

    // The listener listens once a callback reaches a wait through it.
    sim.add_task("warm", Script::success(Duration::from_millis(100)));
    let warm = woken_only_by_a_callback(&sim, &wakeups, "warm");
    let warming = publishing(publisher.clone(), "warm");
    ended(warm, "the listener listens").await;
    warming.abort();

    sim.add_task("t", Script::success(Duration::from_millis(100)));
    let wait = woken_only_by_a_callback(&sim, &wakeups, "t");
    relay.cut();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Published once, while the listener has no connection.
    publisher
        .publish_callback(TaskKind::Music, "t", Claim::Complete)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!wait.is_finished(), "nothing reaches the wait while cut");
    relay.restore();
    let record = ended(wait, "replayed from the table once the listener is back").await;
    assert_eq!(record.status(), TaskStatus::Success);
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

/// Two processes' clients (each its own connection to the database)
/// creating at once against a mock whose account allows 5 creates per
/// 2 s, each keeping that limit, no margin; with `shared`, both keep it
/// together through the database. Returns how many creates the mock
/// counted over its limit.
async fn two_processes_creating(url: &str, shared: bool) -> u64 {
    let server = MockBuilder::default()
        .credits(1_000_000)
        .create_limit(5, Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    let limit = kie_suno::CreateLimit::new(5, Duration::from_secs(2));
    let mut creates = Vec::new();
    for process in 0..2 {
        let mut builder = Client::builder()
            .api_key(ApiKey::new(server.api_key()).unwrap())
            .base_url(server.url())
            .callback_url("https://example.com/hook")
            .create_limit(Some(limit));
        if shared {
            let journal = PostgresJournal::open(url).await.unwrap();
            builder = builder.shared_create_limit(Arc::new(journal));
        }
        let client = builder.build().unwrap();
        for i in 0..6 {
            let client = client.clone();
            creates.push(tokio::spawn(async move {
                client
                    .music()
                    .generate(GenerateMusic::from_description(format!(
                        "p{process} piece {i}"
                    )))
                    .await
            }));
        }
    }
    for create in creates {
        create.await.unwrap().expect("created");
    }
    assert_eq!(server.created_tasks().len(), 12);
    server.create_rate_violations()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_creating_at_once_keep_the_account_limit_together() {
    let Some(url) = fresh_database().await else {
        return;
    };
    assert!(
        two_processes_creating(&url, false).await > 0,
        "each process alone under the limit, together over it"
    );
    assert_eq!(two_processes_creating(&url, true).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_turn_counts_while_its_create_is_in_flight_and_a_window_after_its_answer() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let limit = kie_suno::CreateLimit::new(2, Duration::from_secs(1));
    let one = Arc::new(PostgresJournal::open(&url).await.unwrap());
    let other = PostgresJournal::open(&url).await.unwrap();
    one.take_turn(limit).await.unwrap();
    other.take_turn(limit).await.unwrap();
    // Both creates are still in flight well past a window: slow to reach
    // the API, they hold their turns, and a third waits.
    let third = {
        let one = one.clone();
        tokio::spawn(async move { one.take_turn(limit).await })
    };
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(!third.is_finished(), "a turn went while two were in flight");
    one.end_turn(limit).await.unwrap();
    let answered = tokio::time::Instant::now();
    third.await.unwrap().unwrap();
    assert!(
        answered.elapsed() >= Duration::from_millis(900),
        "the third went {:?} after the first answer, within its window",
        answered.elapsed()
    );
}

/// Opens a journal at `url`; what went wrong, if anything. A refusal
/// must come at once: certificate failures are not retried.
async fn open(url: &str) -> Result<PostgresJournal, String> {
    let opening = PostgresJournal::open_with_retry(url, Duration::from_secs(3600));
    let opened = tokio::time::timeout(Duration::from_secs(60), opening)
        .await
        .map_err(|_| format!("{url}: still retrying after a minute"))?;
    let journal = opened.map_err(|e| e.to_string())?;
    journal.entries(true).await.map_err(|e| e.to_string())?;
    Ok(journal)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_connections_check_as_much_of_the_certificate_as_sslmode_asks() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let Some(ca) = cluster_ca(&url).await else {
        return;
    };
    // The server's certificate is for the name localhost, signed by `ca`.
    let by_name = format!(
        "{}?hostaddr=127.0.0.1",
        url.replace("@127.0.0.1:", "@localhost:")
    );
    let by_address = format!("{url}?");
    let ca = ca.display();
    let other_ca =
        std::env::temp_dir().join(format!("kie-suno-other-ca-{}.pem", std::process::id()));
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(&other_ca, other.cert.pem()).unwrap();
    let other_ca_shown = other_ca.display();

    let verified = open(&format!("{by_name}&sslmode=verify-full&sslrootcert={ca}"))
        .await
        .expect("the CA and the name checked");
    let (client, _driver) = connect(&url).await.unwrap();
    let encrypted: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
             WHERE ssl AND datname = current_database()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(encrypted >= 1, "the journal's connection is encrypted");
    drop(verified);

    for (url, why) in [
        (
            format!("{by_address}sslmode=verify-ca&sslrootcert={ca}"),
            "the CA checked, not the name",
        ),
        (
            format!("{by_address}sslmode=require"),
            "no check (libpq's require)",
        ),
        (
            by_address.trim_end_matches('?').to_owned(),
            "no check (libpq's prefer)",
        ),
    ] {
        open(&url).await.unwrap_or_else(|e| panic!("{why}: {e}"));
    }
    for (url, why) in [
        (
            format!("{by_address}sslmode=verify-full&sslrootcert={ca}"),
            "a name the certificate is not for",
        ),
        (
            format!("{by_name}&sslmode=verify-ca&sslrootcert={other_ca_shown}"),
            "another CA",
        ),
        (
            format!("{by_name}&sslmode=require&sslrootcert={other_ca_shown}"),
            "require with a root named checks it",
        ),
        (
            format!("{by_name}&sslmode=verify-full"),
            "a CA the system does not trust",
        ),
    ] {
        let refused = open(&url)
            .await
            .err()
            .unwrap_or_else(|| panic!("{why}: connected"));
        assert!(
            refused.contains("failed the check sslmode asks for"),
            "{why}: {refused}"
        );
    }
    let _ = std::fs::remove_file(&other_ca);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_whose_answer_was_lost_is_recognised_when_retried() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let relay = Relay::start(&url).await.unwrap();
    // Plain: the relay reads the statement to lose its answer.
    let through = format!("{}?sslmode=disable", relay.url_for(&url));
    let journal = PostgresJournal::open(&through).await.unwrap();
    let intent = kie_suno_tests::journal_contract::created(&journal, "t1").await;
    assert_eq!(
        journal
            .claim("w1", Duration::from_secs(30), 5)
            .await
            .unwrap()
            .len(),
        1
    );
    relay.lose_answer_to("SET reported_at = now()");
    let reported = journal
        .report("w1", &intent)
        .await
        .expect("retried on a new connection");
    assert_eq!(
        relay.answers_lost(),
        1,
        "the first answer was lost after its commit"
    );
    assert!(reported, "the retry recognised its own committed report");
    let entry = &journal.entries(true).await.unwrap()[0];
    assert_eq!(
        entry.reported.as_ref().map(|(_, by)| by.as_str()),
        Some("w1")
    );
    assert!(
        !journal.report("w2", &intent).await.unwrap(),
        "still no one else's"
    );
}
