//! Custom mode: your own lyrics, style and title, a model, and a wait for
//! the first playable stream rather than the finished tracks.
//!
//! ```sh
//! cargo run --example custom_lyrics
//! ```

mod common;

use std::time::Duration;

use kie_suno::Model;
use kie_suno::music::{GenerateMusic, Stage};

const LYRICS: &str = "[Verse]\nStreetlights hum a midnight tune\n[Chorus]\nDrive on, drive on";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = common::connect().await?;
    let request = GenerateMusic::custom("dream pop", "Night Drive")
        .lyrics(LYRICS)
        .model(Model::V4_5);
    // A request that breaks a rule of its page is refused here, before
    // anything is sent: no credits are spent.
    let task = api.client.music().generate(request).await?;
    println!("created task {}", task.id());

    let record = task
        .wait()
        .until(Stage::Streamable)
        .deadline(Duration::from_secs(120))
        .await?;
    for track in record.tracks() {
        if let Some(url) = track.stream_audio_url() {
            println!("{} streams at {url}", track.title().unwrap_or("untitled"));
        }
    }
    Ok(())
}
