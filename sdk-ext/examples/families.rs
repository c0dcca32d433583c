//! The other families, each with its own namespace, typed request and
//! record: lyrics texts here, and a WAV of a song made first. Every family
//! waits the same way.
//!
//! ```sh
//! cargo run --example families
//! ```

mod common;

use kie_suno::lyrics::GenerateLyrics;
use kie_suno::music::GenerateMusic;
use kie_suno::wav::ConvertToWav;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = common::connect().await?;
    let client = &api.client;

    let lyrics = client
        .lyrics()
        .generate(GenerateLyrics::new("a song about a lighthouse keeper"))
        .await?
        .wait()
        .await?;
    for text in lyrics.result().into_iter().flatten() {
        println!("lyrics {:?}:\n{}\n", text.title, text.text);
    }

    let song = client
        .music()
        .generate(GenerateMusic::from_description("a lighthouse at dawn"))
        .await?
        .wait()
        .await?;
    let track = song.tracks().first().ok_or("a finished song has tracks")?;
    let wav = client
        .wav()
        .convert(ConvertToWav::new(song.task_id(), track.id()))
        .await?
        .wait()
        .await?;
    match wav.result() {
        Some(url) => println!("WAV of {}: {url}", track.title().unwrap_or("untitled")),
        None => println!("the WAV task ended without a file"),
    }
    Ok(())
}
