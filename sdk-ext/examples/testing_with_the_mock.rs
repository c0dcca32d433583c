//! Testing your app against the mock: script what the API does (a task
//! that fails, an account out of credits, a flaky network) and assert what
//! your code does, with no key and no credits. In your own crate, add
//! `kie-suno = { version = "0.1", features = ["mock"] }` under
//! `[dev-dependencies]` and write these as `#[tokio::test]`s.
//!
//! ```sh
//! cargo run --example testing_with_the_mock
//! ```

use std::time::Duration;

use kie_suno::mock::{MockServer, Script};
use kie_suno::music::GenerateMusic;
use kie_suno::wait::WaitError;
use kie_suno::{Error, TaskStatus};

/// The code under test: makes a song and says how it went.
async fn make_song(client: &kie_suno::Client) -> Result<String, Box<dyn std::error::Error>> {
    let task = client
        .music()
        .generate(GenerateMusic::from_description("a jingle for a bakery"))
        .await?;
    match task.wait().await {
        Ok(record) => Ok(format!("{} tracks", record.tracks().len())),
        Err(WaitError::TaskFailed { status, .. }) => Ok(format!("failed: {status}")),
        Err(e) => Err(e.into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A task that succeeds in two seconds.
    let mock = MockServer::builder()
        .lifecycle(Script::success(Duration::from_secs(2)))
        .start()
        .await?;
    assert_eq!(make_song(&mock.client()?).await?, "2 tracks");
    assert_eq!(mock.created_tasks().len(), 1, "one create, no retry");

    // A task that fails the way live ones do.
    let failing = MockServer::builder()
        .lifecycle(Script::failure(
            Duration::from_secs(1),
            TaskStatus::GenerateAudioFailed,
        ))
        .start()
        .await?;
    assert_eq!(
        make_song(&failing.client()?).await?,
        "failed: GENERATE_AUDIO_FAILED"
    );

    // An account without credits: refused, and nothing was made.
    let broke = MockServer::builder().credits(0).start().await?;
    let refused = make_song(&broke.client()?).await.expect_err("refused");
    let refused = refused.downcast_ref::<Error>().expect("the SDK's error");
    println!("an empty account is refused: {refused}");
    assert!(broke.created_tasks().is_empty());

    println!("all three scenarios behaved as the app expects");
    Ok(())
}
