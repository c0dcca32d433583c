//! The mock's file host: the files its records name, as real audio of the
//! record's length (MP3 and WAV, see [`super::audio`]) or deterministic
//! bytes (images, video), and the ways live hosts have misbehaved,
//! switched on by [`FileQuirks`].

use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::audio;

/// Misbehaviours of the mock's file host, each seen live (default: none).
///
/// ```
/// use kie_suno::mock::{FileQuirks, MockBuilder};
/// let host = FileQuirks { cut_audio: true, ..FileQuirks::none() };
/// let mock = MockBuilder::default().file_quirks(host);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileQuirks {
    /// Each track's `audioUrl` answers 200 with no bytes.
    pub empty_audio: bool,
    /// Each track's `audioUrl` serves 28 s of the take (its other URLs
    /// serve all of it).
    pub cut_audio: bool,
    /// Each track's `audioUrl` answers 403, as hosts that refuse a
    /// client's agent do.
    pub forbidden_audio: bool,
    /// The two takes of a task are the same file.
    pub identical_takes: bool,
    /// Stream URLs answer 200 with no bytes, as they do hours after a
    /// task.
    pub dead_streams: bool,
}

impl FileQuirks {
    /// No quirks.
    pub fn none() -> Self {
        FileQuirks::default()
    }
}

/// The seed of a file's bytes: the same text, the same bytes.
fn seed_of(text: &str) -> u64 {
    text.bytes()
        .fold(7, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
}

/// Which URL of a track a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `audioUrl` (or a download link, which the mock signs from it).
    Audio,
    /// `sourceAudioUrl`.
    SourceAudio,
    /// A stream.
    Stream,
    /// Anything else.
    Other,
}

fn role(path: &str) -> Role {
    if path.starts_with("stream/") || path.starts_with("source/stream/") {
        Role::Stream
    } else if path.starts_with("source/") {
        Role::SourceAudio
    } else if path.ends_with(".mp3") {
        Role::Audio
    } else {
        Role::Other
    }
}

/// The track a file name is of (`<task>-<index>.mp3`): its task and
/// index.
fn track_of(name: &str) -> Option<(&str, u32)> {
    let stem = name.rsplit('/').next()?.split('.').next()?;
    let (task, index) = stem.rsplit_once('-')?;
    Some((task, index.parse().ok()?))
}

/// A file the mock's records name, served without checking the API key,
/// as file hosts do. A download link's file (`signed`: `/signed/<name>`)
/// is what the file's own URL would serve, without its quirks.
pub(crate) fn serve(quirks: FileQuirks, path: &str, signed: bool) -> Response {
    let role = if signed {
        Role::SourceAudio
    } else {
        role(path)
    };
    let extension = path.rsplit('.').next().filter(|e| !e.contains('/'));
    let content_type = match (role, extension) {
        (Role::Stream, _) | (_, Some("mp3")) => "audio/mpeg",
        (_, Some("jpeg" | "jpg")) => "image/jpeg",
        (_, Some("png")) => "image/png",
        (_, Some("wav")) => "audio/wav",
        (_, Some("mp4")) => "video/mp4",
        _ => "application/octet-stream",
    };
    let seed = seed_of(path);
    let track = track_of(path);
    let body = match (role, track) {
        (Role::Audio, Some(_)) if quirks.forbidden_audio => {
            return (StatusCode::FORBIDDEN, "Forbidden").into_response();
        }
        (Role::Audio, Some(_)) if quirks.empty_audio => Vec::new(),
        (Role::Stream, _) if quirks.dead_streams => Vec::new(),
        (Role::Audio | Role::SourceAudio | Role::Stream, Some((task, index))) => {
            // Identical takes are the first take's file, twice.
            let take = if quirks.identical_takes { 0 } else { index };
            let length = Duration::from_secs_f64(super::script::track_seconds(take));
            let length = if role == Role::Audio && quirks.cut_audio {
                Duration::from_secs(28)
            } else {
                length
            };
            let seed = if quirks.identical_takes {
                seed_of(task)
            } else {
                seed ^ u64::from(index)
            };
            audio::mp3_seeded(length, seed)
        }
        (_, _) if content_type == "audio/mpeg" => audio::mp3_seeded(Duration::from_secs(60), seed),
        (_, _) if content_type == "audio/wav" => audio::wav(Duration::from_secs(5)),
        _ => (0..48 * 1024u32)
            .map(|i| (seed as u8).wrapping_add(i as u8))
            .collect(),
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response()
}
