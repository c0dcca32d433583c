//! Every family through one poll engine, on simulated time: create a task
//! of each kind with its namespace, wait for it with the same `Wait`, and
//! read its typed results; failures end the wait with the family's status.

use std::time::Duration;

use futures_util::StreamExt;
use kie_suno::cover::GenerateCover;
use kie_suno::lyrics::GenerateLyrics;
use kie_suno::midi::GenerateMidi;
use kie_suno::mock::{KindScript, MockBuilder, Simulation};
use kie_suno::separation::SeparateVocals;
use kie_suno::video::CreateMusicVideo;
use kie_suno::wait::{StatusEvent, WaitError};
use kie_suno::wav::ConvertToWav;
use kie_suno::{Client, Error, JobStatus, TaskKind};

const HOOK: &str = "https://example.com/suno/callback";

fn simulation(script: KindScript) -> (Simulation, Client) {
    let sim = MockBuilder::default().kind_lifecycle(script).simulate();
    let client = sim.client();
    (sim, client)
}

#[tokio::test(start_paused = true)]
async fn lyrics_end_with_their_variations() {
    let (sim, client) = simulation(KindScript::done_after(Duration::from_secs(20)));
    let task = client
        .lyrics()
        .generate(GenerateLyrics::new("the sea at night").callback_url(HOOK))
        .await
        .expect("created");
    let record = task.wait().await.expect("done");
    assert_eq!(record.status(), &JobStatus::Success);
    let texts = record.result().expect("variations");
    assert_eq!(texts.len(), 2);
    assert!(texts[0].text.contains("the sea at night"), "{texts:?}");
    assert_eq!(record.task_id(), task.id());
    assert_eq!(sim.rate_violations(), 0);
}

#[tokio::test(start_paused = true)]
async fn each_kind_is_polled_at_its_own_endpoint_and_ends_with_its_results() {
    let (sim, client) = simulation(KindScript::done_after(Duration::from_secs(30)));
    let wav = client
        .wav()
        .convert(ConvertToWav::new("music-1", "track-1").callback_url(HOOK))
        .await
        .expect("created");
    let stems = client
        .vocal_separation()
        .separate(SeparateVocals::new("music-1", "track-1").callback_url(HOOK))
        .await
        .expect("created");
    let midi = client
        .midi()
        .generate(GenerateMidi::new(stems.id()).callback_url(HOOK))
        .await
        .expect("created");
    let video = client
        .video()
        .create(
            CreateMusicVideo::new("music-1", "track-1")
                .author("Me")
                .callback_url(HOOK),
        )
        .await
        .expect("created");
    let cover = client
        .cover()
        .generate(GenerateCover::new("music-1").callback_url(HOOK))
        .await
        .expect("created");

    let wav = wav.wait().await.expect("wav");
    assert!(wav.result().expect("url").as_str().ends_with(".wav"));
    let stems = stems.wait().await.expect("stems");
    let names: Vec<&str> = stems
        .result()
        .expect("stems")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, ["instrumental", "vocal"]);
    let midi = midi.wait().await.expect("midi");
    assert_eq!(
        midi.status(),
        &JobStatus::Success,
        "read from the numeric flag 1"
    );
    assert!(!midi.result().expect("notes").instruments.is_empty());
    let video = video.wait().await.expect("video");
    assert!(video.result().expect("url").as_str().ends_with(".mp4"));
    let cover = cover.wait().await.expect("cover");
    assert_eq!(cover.result().expect("images").len(), 2);

    let endpoints: std::collections::BTreeSet<&str> =
        sim.requests().iter().map(|r| r.operation).collect();
    for kind in [
        TaskKind::Wav,
        TaskKind::VocalSeparation,
        TaskKind::Midi,
        TaskKind::Video,
        TaskKind::Cover,
    ] {
        let details = match kind {
            TaskKind::Wav => "get-wav-details",
            TaskKind::VocalSeparation => "get-vocal-separation-details",
            TaskKind::Midi => "get-midi-details",
            TaskKind::Video => "get-music-video-details",
            _ => "get-cover-suno-details",
        };
        assert!(endpoints.contains(details), "{kind}: {endpoints:?}");
    }
    assert_eq!(sim.rate_violations(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_failed_task_ends_the_wait_with_its_family_status() {
    let (_sim, client) = simulation(KindScript::failed_after(Duration::from_secs(10)));
    let wav = client
        .wav()
        .convert(ConvertToWav::new("m", "t").callback_url(HOOK))
        .await
        .expect("created");
    let error = wav.wait().await.expect_err("failed");
    let WaitError::TaskFailed {
        status,
        record,
        message,
        ..
    } = &error
    else {
        panic!("expected a failure, got {error}");
    };
    assert_eq!(status, &JobStatus::GenerateWavFailed);
    assert!(record.result().is_none());
    assert!(message.is_some(), "{error}");
    assert!(error.to_string().contains("GENERATE_WAV_FAILED"), "{error}");

    let cover = client
        .cover()
        .generate(GenerateCover::new("m").callback_url(HOOK))
        .await
        .expect("created");
    let error = cover.wait().await.expect_err("failed");
    assert!(
        matches!(
            &error,
            WaitError::TaskFailed {
                status: JobStatus::GenerateCoverFailed,
                ..
            }
        ),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_watch_of_any_family_tells_each_change_once() {
    let (_sim, client) = simulation(KindScript::done_after(Duration::from_secs(25)));
    let task = client
        .lyrics()
        .generate(GenerateLyrics::new("rain").callback_url(HOOK))
        .await
        .expect("created");
    let events: Vec<_> = task.watch().collect().await;
    let events: Vec<_> = events.into_iter().map(|e| e.expect("no error")).collect();
    assert!(
        matches!(
            &events[0],
            StatusEvent::StatusChanged {
                from: None,
                to: JobStatus::Pending
            }
        ),
        "{events:?}"
    );
    assert!(
        matches!(
            &events[1],
            StatusEvent::StatusChanged {
                from: Some(JobStatus::Pending),
                to: JobStatus::Success
            }
        ),
        "{events:?}"
    );
    assert!(
        matches!(&events[2], StatusEvent::Completed(_)),
        "{events:?}"
    );
    assert_eq!(events.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_task_of_one_kind_is_unknown_at_another_kinds_endpoint() {
    let (_sim, client) = simulation(KindScript::done_after(Duration::from_secs(5)));
    let lyrics = client
        .lyrics()
        .generate(GenerateLyrics::new("x").callback_url(HOOK))
        .await
        .expect("created");
    let e = client
        .wav()
        .task(lyrics.id())
        .record()
        .await
        .expect_err("not a WAV task");
    assert!(matches!(e, Error::TaskNotFound { .. }), "{e}");
}

#[tokio::test(start_paused = true)]
async fn lyrics_prompts_over_200_characters_are_refused_before_sending() {
    let (sim, client) = simulation(KindScript::done_after(Duration::from_secs(5)));
    let e = client
        .lyrics()
        .generate(GenerateLyrics::new("x".repeat(201)).callback_url(HOOK))
        .await
        .expect_err("refused");
    assert!(e.to_string().contains("at most 200"), "{e}");
    let e = client
        .video()
        .create(
            CreateMusicVideo::new("m", "t")
                .author("a".repeat(51))
                .callback_url(HOOK),
        )
        .await
        .expect_err("refused");
    assert!(
        matches!(
            e,
            Error::InvalidRequest {
                field: "author",
                ..
            }
        ),
        "{e}"
    );
    assert!(sim.requests().is_empty());
}
