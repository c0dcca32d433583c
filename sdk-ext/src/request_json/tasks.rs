//! The JSON forms of the creates that are not music: lyrics, and the
//! ones that start from a finished music task's track (WAV, stems, MIDI,
//! video, cover art).

use serde::Deserialize;

use super::read_through;
use crate::cover::GenerateCover;
use crate::lyrics::GenerateLyrics;
use crate::midi::GenerateMidi;
use crate::separation::SeparateVocals;
use crate::video::CreateMusicVideo;
use crate::wav::ConvertToWav;

/// Write lyrics from a description (costs credits); no music is made.
/// Gives several lyrics, each with a title.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct GenerateLyricsJson {
    /// What the lyrics should be about, at most 200 characters.
    #[schemars(length(min = 1, max = 200))]
    description: String,
}

read_through!(GenerateLyrics, GenerateLyricsJson);

impl From<GenerateLyricsJson> for GenerateLyrics {
    fn from(json: GenerateLyricsJson) -> Self {
        GenerateLyrics::new(json.description)
    }
}

/// One track of a finished music task.
macro_rules! track_form {
    ($(#[$meta:meta])* struct $name:ident { $($fields:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        struct $name {
            /// The music task the track belongs to.
            #[schemars(length(min = 1))]
            task_id: String,
            $($fields)*
        }
    };
}

track_form! {
    /// Convert a track to WAV (costs credits). Gives one WAV file.
    struct ConvertToWavJson {
        /// The track: its audio id in that task's result.
        #[schemars(length(min = 1))]
        audio_id: String,
    }
}

read_through!(ConvertToWav, ConvertToWavJson);

impl From<ConvertToWavJson> for ConvertToWav {
    fn from(json: ConvertToWavJson) -> Self {
        ConvertToWav::new(json.task_id, json.audio_id)
    }
}

track_form! {
    /// Separate a track's vocals from its instrumental, or with
    /// `split_stems` into up to 12 stems (costs credits, again for a track
    /// already separated).
    struct SeparateVocalsJson {
        /// The track: its audio id in that task's result.
        #[schemars(length(min = 1))]
        audio_id: String,
        /// Up to 12 stems (drums, bass, ...) instead of vocals and
        /// instrumental; costs more.
        #[serde(default)]
        split_stems: bool,
    }
}

read_through!(SeparateVocals, SeparateVocalsJson);

impl From<SeparateVocalsJson> for SeparateVocals {
    fn from(json: SeparateVocalsJson) -> Self {
        let request = SeparateVocals::new(json.task_id, json.audio_id);
        if json.split_stems {
            request.split_stems()
        } else {
            request
        }
    }
}

/// Make MIDI from a finished vocal separation (costs credits): notes
/// per instrument.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct GenerateMidiJson {
    /// The vocal separation task (not the music task).
    #[schemars(length(min = 1))]
    task_id: String,
    /// One separated track (default: all of the task's).
    #[serde(default)]
    audio_id: Option<String>,
}

read_through!(GenerateMidi, GenerateMidiJson);

impl From<GenerateMidiJson> for GenerateMidi {
    fn from(json: GenerateMidiJson) -> Self {
        let request = GenerateMidi::new(json.task_id);
        match json.audio_id {
            Some(audio_id) => request.audio_id(audio_id),
            None => request,
        }
    }
}

track_form! {
    /// Make a music video of a track (costs credits). Gives one MP4.
    struct CreateMusicVideoJson {
        /// The track: its audio id in that task's result.
        #[schemars(length(min = 1))]
        audio_id: String,
        /// The artist's name shown, at most 50 characters.
        #[serde(default)]
        #[schemars(length(max = 50))]
        author: Option<String>,
        /// A web address shown as a watermark, at most 50 characters.
        #[serde(default)]
        #[schemars(length(max = 50))]
        domain_name: Option<String>,
    }
}

read_through!(CreateMusicVideo, CreateMusicVideoJson);

impl From<CreateMusicVideoJson> for CreateMusicVideo {
    fn from(json: CreateMusicVideoJson) -> Self {
        let mut request = CreateMusicVideo::new(json.task_id, json.audio_id);
        if let Some(author) = json.author {
            request = request.author(author);
        }
        if let Some(domain) = json.domain_name {
            request = request.domain_name(domain);
        }
        request
    }
}

/// Make cover art for a music task (costs credits). Gives images.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct GenerateCoverJson {
    /// The music task to make cover art for.
    #[schemars(length(min = 1))]
    task_id: String,
}

read_through!(GenerateCover, GenerateCoverJson);

impl From<GenerateCoverJson> for GenerateCover {
    fn from(json: GenerateCoverJson) -> Self {
        GenerateCover::new(json.task_id)
    }
}
