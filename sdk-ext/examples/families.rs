//! The other families, each with its own namespace, typed request and
//! record: lyrics; then, of a song made first, a WAV, its stems, MIDI from
//! the stems, a music video and cover art. Every family waits the same
//! way.
//!
//! ```sh
//! cargo run --example families
//! ```

mod common;

use kie_suno::cover::GenerateCover;
use kie_suno::lyrics::GenerateLyrics;
use kie_suno::midi::GenerateMidi;
use kie_suno::music::GenerateMusic;
use kie_suno::separation::SeparateVocals;
use kie_suno::video::CreateMusicVideo;
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

    // Vocals and instrumental (or up to 12 stems), then MIDI from them.
    let stems = client
        .vocal_separation()
        .separate(SeparateVocals::new(song.task_id(), track.id()))
        .await?
        .wait()
        .await?;
    for (stem, url) in stems.result().into_iter().flatten() {
        println!("stem {stem}: {url}");
    }
    let midi = client
        .midi()
        .generate(GenerateMidi::new(stems.task_id()))
        .await?
        .wait()
        .await?;
    let instruments = midi.result().map_or(0, |m| m.instruments.len());
    println!("MIDI of the stems, instruments: {instruments}");

    // A music video of the track, and cover art for the song.
    let video = client
        .video()
        .create(CreateMusicVideo::new(song.task_id(), track.id()))
        .await?
        .wait()
        .await?;
    if let Some(url) = video.result() {
        println!("video: {url}");
    }
    let cover = client
        .cover()
        .generate(GenerateCover::new(song.task_id()))
        .await?
        .wait()
        .await?;
    for url in cover.result().into_iter().flatten() {
        println!("cover image: {url}");
    }
    Ok(())
}
