//! What the live API does that its pages don't say, on simulated time: a
//! task unknown for a while after its create, one that fails while its
//! status stays `PENDING`, and a `SUCCESS` without audio URLs.

use std::time::Duration;

use kie_suno::mock::{MockBuilder, Script, Simulation, UnknownTask};
use kie_suno::music::GenerateMusic;
use kie_suno::wait::WaitError;
use kie_suno::{Error, MissingFile, TaskStatus};
use tokio::time::Instant;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// A task unknown for 90 s (answered 422 "recordInfo is null"), then
/// pending, then done at 120 s.
fn late_task() -> Script {
    Script::pending()
        .hidden_for(secs(90.0))
        .then(secs(120.0), TaskStatus::Success)
}

fn code_422() -> Simulation {
    MockBuilder::default()
        .unknown_task(UnknownTask::Code422)
        .simulate()
}

/// A simulation holding "ghost", a task unknown for an hour.
fn with_ghost() -> Simulation {
    let sim = code_422();
    sim.add_task("ghost", Script::pending().hidden_for(secs(3600.0)));
    sim
}

#[tokio::test(start_paused = true)]
async fn a_task_this_client_created_is_looked_for_until_it_appears() {
    let sim = code_422();
    sim.add_task("late", late_task());
    let start = Instant::now();
    let record = sim
        .client()
        .wait("late")
        .just_created()
        .await
        .expect("found and done");
    assert!(record.status().is_success());
    assert!(start.elapsed() >= secs(120.0));
    // No more polls than a plain 5 s loop over the same two minutes.
    let polls = sim.requests().len();
    assert!(polls <= 24, "{polls} polls");
}

#[tokio::test(start_paused = true)]
async fn a_create_handle_waits_through_the_not_found_window() {
    let sim = MockBuilder::default()
        .unknown_task(UnknownTask::Code422)
        .lifecycle(late_task())
        .simulate();
    let client = sim
        .client_builder()
        .callback_url("https://example.com/hook")
        .build()
        .unwrap();
    let task = client
        .music()
        .generate(GenerateMusic::from_description("rain"))
        .await
        .expect("created");
    let record = task.wait().await.expect("found and done");
    assert!(record.status().is_success());
}

#[tokio::test(start_paused = true)]
async fn an_id_given_by_hand_keeps_the_short_window_and_says_how_long_it_looked() {
    let sim = code_422();
    sim.add_task("late", late_task());
    let start = Instant::now();
    let error = sim.client().wait("late").await.expect_err("gives up");
    let waited = start.elapsed();
    assert!(waited >= secs(30.0) && waited < secs(45.0), "{waited:?}");
    match &error {
        WaitError::Api(Error::TaskNotFound {
            task_id,
            looked_for: Some(looked),
        }) => {
            assert_eq!(task_id, "late");
            assert!(*looked >= secs(30.0), "{looked:?}");
        }
        other => panic!("expected TaskNotFound, got {other}"),
    }
    assert!(error.to_string().contains("after looking for"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_created_task_that_never_appears_ends_three_minutes_after_its_create() {
    let sim = with_ghost();
    let start = Instant::now();
    let error = sim
        .client()
        .wait("ghost")
        .just_created()
        .await
        .expect_err("gives up");
    let waited = start.elapsed();
    assert!(waited >= secs(180.0) && waited < secs(200.0), "{waited:?}");
    assert!(error.to_string().contains("3 min"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn the_grace_counts_from_the_create_not_from_the_wait() {
    let sim = with_ghost();
    let start = Instant::now();
    let error = sim
        .client()
        .wait("ghost")
        .created_ago(secs(170.0))
        .await
        .expect_err("gives up");
    assert!(start.elapsed() < secs(25.0), "{:?}", start.elapsed());
    assert!(matches!(error, WaitError::Api(Error::TaskNotFound { .. })));
}

#[tokio::test(start_paused = true)]
async fn the_grace_is_configurable() {
    let sim = code_422();
    sim.add_task("late", late_task());
    let record = sim
        .client()
        .wait("late")
        .not_found_grace(secs(100.0))
        .await
        .expect("a named id with a longer grace is found");
    assert!(record.status().is_success());
}

#[tokio::test(start_paused = true)]
async fn a_task_failed_while_pending_ends_the_wait_with_the_providers_message() {
    let sim = Simulation::new_default();
    sim.add_task("f", Script::pending().fails_while_pending(secs(30.0)));
    let start = Instant::now();
    let error = sim.client().wait("f").await.expect_err("failed");
    assert!(start.elapsed() < secs(60.0), "{:?}", start.elapsed());
    match &error {
        WaitError::TaskFailed {
            status, message, ..
        } => {
            assert_eq!(*status, TaskStatus::Pending);
            assert_eq!(
                message.as_deref(),
                Some("Uploaded audio matches existing work of art.")
            );
        }
        other => panic!("expected TaskFailed, got {other}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_success_without_audio_urls_is_complete_and_says_what_is_missing() {
    let sim = Simulation::new_default();
    sim.add_task("s", Script::success(secs(60.0)).without_audio_urls());
    let record = sim.client().wait("s").await.expect("complete");
    assert!(record.status().is_success());
    let missing = record.missing_files();
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(matches!(&missing[0], MissingFile::Audio { track_id } if track_id == "s-0"));
    // The audio is still reachable: each track's file list starts at its
    // sourceAudioUrl.
    use kie_suno::download::{Source, TaskFiles};
    let audio = &record.files()[0];
    assert!(matches!(&audio.sources[0], Source::File(u) if u.path().starts_with("/source/")));
}
