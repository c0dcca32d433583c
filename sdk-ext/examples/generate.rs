//! Generate a song from a description, wait for it, and keep its files.
//!
//! ```sh
//! cargo run --example generate            # against a mock, in seconds
//! KIE_API_KEY=... KIE_CALLBACK_URL=https://you.example/hook cargo run --example generate
//! ```

mod common;

use kie_suno::download::TaskFiles;
use kie_suno::music::GenerateMusic;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = common::connect().await?;
    let client = &api.client;

    let task = client
        .music()
        .generate(GenerateMusic::from_description(
            "a calm piano piece for a rainy evening",
        ))
        .await?;
    // Keep the id: the API cannot list your tasks.
    println!("created task {}", task.id());

    let record = task.wait().await?;
    println!("{} is {}", record.task_id(), record.status());
    for track in record.tracks() {
        println!(
            "  {} ({} s) at {}",
            track.title().unwrap_or("untitled"),
            track.duration().map_or(0, |d| d.as_secs()),
            track.audio_url().map(String::from).unwrap_or_default()
        );
    }

    let dir = common::files_dir("generate")?;
    for saved in client.downloads().all(record.files(), &dir).await {
        let saved = saved?;
        println!("saved {} ({} bytes)", saved.path.display(), saved.bytes);
    }
    Ok(())
}
