//! A task as the API reports it: [`MusicRecord`] and its [`Track`]s. Both
//! wrap the generated types and read them on demand, so decoding costs no
//! more than the generated code's, and each hands back what it wraps.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use crate::codes::TaskErrorCode;
use crate::generated::types;
use crate::params::{GenerationParams, ParamsError};
use crate::status::{OperationType, TaskStatus};
use crate::time;

/// One music task: its status, what it was asked to do, and its tracks.
///
/// Serializes (for the CLI's `--json`) as an object with the fields
/// `task_id`, `status`, `operation`, `model`, `parent_music_id`,
/// `error_code`, `error_message`, `params` (object or null), `created_at`
/// (RFC 3339 or null) and `tracks` (see [`Track`]).
#[derive(Debug, Clone)]
pub struct MusicRecord {
    /// The generated record with its tracks moved out into `tracks`; boxed
    /// so that records move cheaply through events and errors.
    raw: Box<types::MusicRecord>,
    tracks: Vec<Track>,
}

/// Why a task failed, as the record says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskError {
    /// The record's `errorCode`.
    pub code: Option<TaskErrorCode>,
    /// The record's (or its response's) `errorMessage`.
    pub message: Option<String>,
}

impl TaskError {
    /// The error a record's `errorCode` and `errorMessage` say, if any: a
    /// code other than 0 and 200 (successes carry null, covers 200, and
    /// live refusals have come with 0), or a message that is not blank,
    /// its URL queries and userinfo removed. Every family reads its record
    /// through this.
    pub(crate) fn from_parts(code: Option<i64>, message: Option<&str>) -> Option<TaskError> {
        let code = code
            .filter(|c| *c != 0 && *c != 200)
            .map(TaskErrorCode::from);
        let message = message
            .filter(|m| !m.trim().is_empty())
            .map(crate::redact::text);
        (code.is_some() || message.is_some()).then_some(TaskError { code, message })
    }

    /// What to tell a person: the message, else the code.
    pub fn summary(&self) -> Option<String> {
        self.message
            .clone()
            .or_else(|| self.code.map(|c| format!("error code {c}")))
    }
}

impl From<types::MusicRecord> for MusicRecord {
    fn from(mut raw: types::MusicRecord) -> Self {
        let tracks = raw
            .response
            .as_mut()
            .map(|r| std::mem::take(&mut r.suno_data))
            .unwrap_or_default()
            .into_iter()
            .map(Track)
            .collect();
        MusicRecord {
            raw: Box::new(raw),
            tracks,
        }
    }
}

impl MusicRecord {
    /// The task id.
    pub fn task_id(&self) -> &str {
        &self.raw.task_id
    }

    /// Where the task is.
    pub fn status(&self) -> TaskStatus {
        self.raw.status.as_str().into()
    }

    /// What the task was asked to do.
    pub fn operation(&self) -> Option<OperationType> {
        non_empty(&self.raw.operation_type).map(OperationType::from)
    }

    /// The model's codename (the record's `type`), e.g. `chirp-crow`. An
    /// open string: new codenames come with every model release.
    pub fn model(&self) -> Option<&str> {
        non_empty(&self.raw.type_)
    }

    /// The tracks generated so far (usually two when done).
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// The parameters the task was created with, parsed from the `param`
    /// string on each call.
    pub fn params(&self) -> Result<GenerationParams, ParamsError> {
        GenerationParams::parse(self.raw.param.as_deref().unwrap_or_default())
    }

    /// The callback URL the task was created with, as its `param` echoes
    /// it (query included: for [`crate::journal::reference`] only).
    #[cfg_attr(not(feature = "callbacks"), allow(dead_code))]
    pub(crate) fn echoed_callback_url(&self) -> Option<String> {
        let param: serde_json::Value = serde_json::from_str(self.raw.param.as_deref()?).ok()?;
        Some(param.get("callBackUrl")?.as_str()?.to_owned())
    }

    /// The music this task extends, if it is an extension.
    pub fn parent_music_id(&self) -> Option<&str> {
        non_empty(&self.raw.parent_music_id)
    }

    /// When the task was created.
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.raw
            .create_time
            .and_then(|ms| time::from_epoch_millis(ms).ok())
    }

    /// Why the task failed, when the record says so: an error code other
    /// than 0 and 200 (successes carry null, and live refusals have come
    /// with 0), or a message that is not blank, on the record or on its
    /// response. The message is the provider's, with URL queries and
    /// userinfo removed (it can echo an input URL's token).
    pub fn error(&self) -> Option<TaskError> {
        // The record's own message, else its response's.
        let message = non_empty(&self.raw.error_message)
            .filter(|m| !m.trim().is_empty())
            .or_else(|| {
                self.raw
                    .response
                    .as_ref()
                    .and_then(|r| non_empty(&r.error_message))
            });
        TaskError::from_parts(self.raw.error_code.map(i64::from), message)
    }

    /// The files a finished task should have and this record does not
    /// name. Live, `SUCCESS` has come with tracks whose `audioUrl` is null
    /// (only the id and `sourceAudioUrl` set) and with no tracks at all:
    /// such a record is complete (a wait ends on it), and this says what
    /// is missing. Empty before `SUCCESS` only if every track already has
    /// its audio.
    pub fn missing_files(&self) -> Vec<MissingFile> {
        if self.tracks.is_empty() {
            return if self.status().is_success() {
                vec![MissingFile::NoTracks]
            } else {
                Vec::new()
            };
        }
        self.tracks
            .iter()
            .filter(|t| t.audio_url().is_none())
            .map(|t| MissingFile::Audio {
                track_id: t.id().to_owned(),
            })
            .collect()
    }

    /// The generated value this record was made from, tracks included.
    pub fn into_generated(self) -> types::MusicRecord {
        let MusicRecord { raw, tracks } = self;
        let mut raw = *raw;
        let tracks: Vec<types::MusicTrack> = tracks.into_iter().map(|t| t.0).collect();
        match raw.response.as_mut() {
            Some(response) => response.suno_data = tracks,
            None if !tracks.is_empty() => {
                raw.response = Some(types::MusicResult {
                    suno_data: tracks,
                    ..Default::default()
                });
            }
            None => {}
        }
        raw
    }
}

/// A file a finished music task should have and its record does not name;
/// see [`MusicRecord::missing_files`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MissingFile {
    /// The record has no track at all (an empty `sunoData`).
    NoTracks,
    /// The track has no audio file URL. A download still tries its other
    /// URLs (`sourceAudioUrl`, then the stream as a last resort).
    Audio {
        /// The track.
        track_id: String,
    },
}

impl std::fmt::Display for MissingFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MissingFile::NoTracks => f.write_str("the record has no tracks"),
            MissingFile::Audio { track_id } => write!(f, "track {track_id} has no audio URL"),
        }
    }
}

/// One generated song.
///
/// Serializes (for the CLI's `--json`) as an object with the fields `id`,
/// `title`, `tags`, `prompt`, `model_name`, `audio_url`, `stream_audio_url`,
/// `image_url`, `created_at` (RFC 3339 or null) and `duration_secs`.
#[derive(Debug, Clone)]
pub struct Track(types::MusicTrack);

impl From<types::MusicTrack> for Track {
    fn from(raw: types::MusicTrack) -> Self {
        Track(raw)
    }
}

impl Track {
    /// The track's id (`audioId` in other endpoints).
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The song's title.
    pub fn title(&self) -> Option<&str> {
        non_empty(&self.0.title)
    }

    /// Comma-separated style tags.
    pub fn tags(&self) -> Option<&str> {
        non_empty(&self.0.tags)
    }

    /// The prompt, or the lyrics for a custom-mode task.
    pub fn prompt(&self) -> Option<&str> {
        non_empty(&self.0.prompt)
    }

    /// The model's codename for this track, e.g. `chirp-crow`.
    pub fn model_name(&self) -> Option<&str> {
        non_empty(&self.0.model_name)
    }

    /// The finished audio file; `None` until the track is done (the API
    /// sends `""` before that) or when the value is not a URL.
    pub fn audio_url(&self) -> Option<Url> {
        url(&self.0.audio_url)
    }

    /// The stream of the audio, available before the file is done.
    pub fn stream_audio_url(&self) -> Option<Url> {
        url(&self.0.stream_audio_url)
    }

    /// The cover image.
    pub fn image_url(&self) -> Option<Url> {
        url(&self.0.image_url)
    }

    /// The audio file at the generation service (`sourceAudioUrl`, which
    /// the pages omit): the same file as [`Self::audio_url`] from another
    /// host, and live sometimes the only one.
    pub fn source_audio_url(&self) -> Option<Url> {
        url(&self.0.source_audio_url)
    }

    /// The stream at the generation service (`sourceStreamAudioUrl`).
    pub fn source_stream_audio_url(&self) -> Option<Url> {
        url(&self.0.source_stream_audio_url)
    }

    /// The cover image at the generation service (`sourceImageUrl`).
    pub fn source_image_url(&self) -> Option<Url> {
        url(&self.0.source_image_url)
    }

    /// When the track was created; `None` when absent or unreadable (see
    /// [`time::parse_create_time`] for the reason).
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.0
            .create_time
            .as_ref()
            .and_then(|t| time::parse_create_time(t).ok())
    }

    /// The length of the audio, known once the track is done.
    pub fn duration(&self) -> Option<Duration> {
        self.0
            .duration
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
    }

    /// The generated value this track wraps.
    pub fn as_generated(&self) -> &types::MusicTrack {
        &self.0
    }

    /// The generated value this track wraps, by value.
    pub fn into_generated(self) -> types::MusicTrack {
        self.0
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|s| !s.is_empty())
}

fn url(value: &Option<String>) -> Option<Url> {
    non_empty(value).and_then(|s| Url::parse(s).ok())
}

#[derive(Serialize)]
struct RecordView<'a> {
    task_id: &'a str,
    status: TaskStatus,
    operation: Option<OperationType>,
    model: Option<&'a str>,
    parent_music_id: Option<&'a str>,
    error_code: Option<TaskErrorCode>,
    error_message: Option<String>,
    params: Option<GenerationParams>,
    created_at: Option<DateTime<Utc>>,
    tracks: &'a [Track],
}

impl Serialize for MusicRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let error = self.error();
        RecordView {
            task_id: self.task_id(),
            status: self.status(),
            operation: self.operation(),
            model: self.model(),
            parent_music_id: self.parent_music_id(),
            error_code: error.as_ref().and_then(|e| e.code),
            error_message: error.and_then(|e| e.message),
            params: self.params().ok(),
            created_at: self.created_at(),
            tracks: &self.tracks,
        }
        .serialize(s)
    }
}

#[derive(Serialize)]
struct TrackView<'a> {
    id: &'a str,
    title: Option<&'a str>,
    tags: Option<&'a str>,
    prompt: Option<&'a str>,
    model_name: Option<&'a str>,
    audio_url: Option<Url>,
    stream_audio_url: Option<Url>,
    image_url: Option<Url>,
    created_at: Option<DateTime<Utc>>,
    duration_secs: Option<f64>,
}

impl Serialize for Track {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        TrackView {
            id: self.id(),
            title: self.title(),
            tags: self.tags(),
            prompt: self.prompt(),
            model_name: self.model_name(),
            audio_url: self.audio_url(),
            stream_audio_url: self.stream_audio_url(),
            image_url: self.image_url(),
            created_at: self.created_at(),
            duration_secs: self.duration().map(|d| d.as_secs_f64()),
        }
        .serialize(s)
    }
}
