//! What a callback says, per task family. The provider's payloads differ by
//! family (snake_case or camelCase task ids, `data` a list, an object or
//! null, MIDI note times as numbers or strings), so decoding reads the JSON
//! tolerantly: a field of the wrong type is absent, never a failure. Only a
//! body that is not a JSON object, or names no task, is refused.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::codes::ApiCode;
use crate::kind::TaskKind;
use crate::open_enum::string_enum;
use crate::wait::Claim;

/// Recognising a callback's kind from its body.
impl TaskKind {
    /// The family a callback body's shape belongs to, for a receiver that
    /// takes every family at one URL; `None` when nothing tells.
    pub fn of_callback_body(body: &Value) -> Option<TaskKind> {
        let data = body.get("data")?;
        let has = |key: &str| data.get(key).is_some();
        if has("vocal_separation_info") {
            Some(TaskKind::VocalSeparation)
        } else if has("audioWavUrl") || has("audio_wav_url") {
            Some(TaskKind::Wav)
        } else if has("video_url") || has("videoUrl") {
            Some(TaskKind::Video)
        } else if has("images") {
            Some(TaskKind::Cover)
        } else if has("instruments") || has("state") {
            Some(TaskKind::Midi)
        } else if has("callbackType") {
            let first = data
                .get("data")
                .and_then(Value::as_array)
                .and_then(|l| l.first());
            match first {
                Some(item) if item.get("text").is_some() => Some(TaskKind::Lyrics),
                _ => Some(TaskKind::Music),
            }
        } else {
            None
        }
    }
}

string_enum! {
    /// The stage a music or lyrics callback reports (`data.callbackType`).
    pub enum CallbackStage {
        /// Lyrics and titles are ready.
        Text = "text",
        /// The first track can be played.
        First = "first",
        /// Every track (or the lyrics) is done.
        Complete = "complete",
        /// The task failed.
        Error = "error",
    }
}

/// One decoded callback.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    /// The envelope's code: [`ApiCode::Success`] or why the task failed.
    pub code: ApiCode,
    /// The envelope's message.
    pub msg: String,
    /// The task it is about (`data.task_id` or `data.taskId`).
    pub task_id: String,
    /// The stage, for families that report stages.
    pub stage: Option<CallbackStage>,
    /// The family's results, as far as the callback carries them.
    pub payload: Payload,
}

/// A callback's results, per family.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Payload {
    /// Music tracks (none before the `first` stage or on failure).
    Music(Vec<CallbackTrack>),
    /// Lyrics texts.
    Lyrics(Vec<CallbackLyrics>),
    /// The WAV file.
    Wav {
        /// Its URL, absent on failure.
        url: Option<String>,
    },
    /// The separated stems by name (`vocal`, `instrumental`, `bass`, ...),
    /// only those with a URL.
    Stems(BTreeMap<String, String>),
    /// MIDI instruments and their notes.
    Midi(Vec<MidiInstrument>),
    /// The video.
    Video {
        /// Its URL, absent on failure.
        url: Option<String>,
    },
    /// Cover image URLs.
    Cover(Vec<String>),
}

/// A track in a music callback (snake_case on the wire).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallbackTrack {
    /// The track's id.
    pub id: String,
    /// The finished audio file, once there is one.
    pub audio_url: Option<String>,
    /// The stream, once it can be played.
    pub stream_audio_url: Option<String>,
    /// The cover image.
    pub image_url: Option<String>,
    /// The title.
    pub title: Option<String>,
    /// The style tags.
    pub tags: Option<String>,
    /// The prompt or lyrics.
    pub prompt: Option<String>,
    /// The model's codename.
    pub model_name: Option<String>,
    /// Length in seconds.
    pub duration: Option<f64>,
}

/// A lyrics text in a lyrics callback.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallbackLyrics {
    /// The lyrics.
    pub text: Option<String>,
    /// The title.
    pub title: Option<String>,
    /// `complete` or `failed`.
    pub status: Option<String>,
    /// Why it failed.
    pub error_message: Option<String>,
}

/// A MIDI instrument and its notes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MidiInstrument {
    /// The instrument's name.
    pub name: Option<String>,
    /// Its notes.
    pub notes: Vec<MidiNote>,
}

/// One MIDI note; times in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MidiNote {
    /// MIDI pitch.
    pub pitch: Option<f64>,
    /// Start (seconds).
    pub start: Option<f64>,
    /// End (seconds).
    pub end: Option<f64>,
    /// Velocity.
    pub velocity: Option<f64>,
}

/// Why a body is not a callback.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// Not JSON, or not a JSON object.
    #[error("the callback body is not a JSON object: {0}")]
    NotAnObject(String),
    /// No `data.task_id` / `data.taskId`.
    #[error("the callback names no task (no data.task_id or data.taskId)")]
    NoTaskId,
}

impl Callback {
    /// Decodes a callback of `family` from its body.
    pub fn decode(family: TaskKind, body: &[u8]) -> Result<Callback, PayloadError> {
        Callback::decode_value(family, &parse(body)?)
    }

    /// Decodes a callback of `family` from its body, parsed.
    pub fn decode_value(family: TaskKind, value: &Value) -> Result<Callback, PayloadError> {
        if !value.is_object() {
            return Err(PayloadError::NotAnObject("another JSON value".into()));
        }
        let data = value.get("data").unwrap_or(&Value::Null);
        let task_id = task_id_of(value).ok_or(PayloadError::NoTaskId)?;
        Ok(Callback {
            code: value
                .get("code")
                .and_then(Value::as_i64)
                .map_or(ApiCode::Unknown(0), ApiCode::from),
            msg: text(value.get("msg")).unwrap_or_default(),
            task_id,
            stage: text(data.get("callbackType")).map(|s| CallbackStage::from(s.as_str())),
            payload: payload(family, data),
        })
    }

    /// The kind of task the callback was decoded as.
    pub fn kind(&self) -> TaskKind {
        match self.payload {
            Payload::Music(_) => TaskKind::Music,
            Payload::Lyrics(_) => TaskKind::Lyrics,
            Payload::Wav { .. } => TaskKind::Wav,
            Payload::Stems(_) => TaskKind::VocalSeparation,
            Payload::Midi(_) => TaskKind::Midi,
            Payload::Video { .. } => TaskKind::Video,
            Payload::Cover(_) => TaskKind::Cover,
        }
    }

    /// Whether the callback reports a failure (a code other than success,
    /// or the `error` stage).
    pub fn is_failure(&self) -> bool {
        self.code != ApiCode::Success || self.stage == Some(CallbackStage::Error)
    }

    /// What the callback claims happened, for waits
    /// ([`Wakeups::notify`](crate::wait::Wakeups::notify)): its stage, or
    /// for families that call back once, the end.
    pub fn claim(&self) -> Claim {
        if self.is_failure() {
            return Claim::Failed;
        }
        match &self.stage {
            Some(CallbackStage::Text) => Claim::Text,
            Some(CallbackStage::First) => Claim::First,
            Some(CallbackStage::Complete) | None => Claim::Complete,
            Some(_) => Claim::Unknown,
        }
    }
}

/// A callback body as JSON.
pub(crate) fn parse(body: &[u8]) -> Result<Value, PayloadError> {
    serde_json::from_slice(body).map_err(|e| PayloadError::NotAnObject(e.to_string()))
}

/// The task id of a callback body, whatever its family: what the
/// signature covers.
pub fn task_id_of(body: &Value) -> Option<String> {
    let data = body.get("data")?;
    text(data.get("task_id"))
        .or_else(|| text(data.get("taskId")))
        .filter(|id| !id.is_empty())
}

fn payload(family: TaskKind, data: &Value) -> Payload {
    let list = |key: &str| {
        data.get(key)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
    };
    match family {
        TaskKind::Music => Payload::Music(list("data").iter().map(track).collect()),
        TaskKind::Lyrics => Payload::Lyrics(
            list("data")
                .iter()
                .map(|l| CallbackLyrics {
                    text: text(l.get("text")),
                    title: text(l.get("title")),
                    status: text(l.get("status")),
                    error_message: text(l.get("error_message")),
                })
                .collect(),
        ),
        TaskKind::Wav => Payload::Wav {
            url: text(data.get("audioWavUrl")).or_else(|| text(data.get("audio_wav_url"))),
        },
        TaskKind::Video => Payload::Video {
            url: text(data.get("video_url")).or_else(|| text(data.get("videoUrl"))),
        },
        TaskKind::Cover => Payload::Cover(
            list("images")
                .iter()
                .filter_map(|i| text(Some(i)))
                .collect(),
        ),
        TaskKind::VocalSeparation => Payload::Stems(
            data.get("vocal_separation_info")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| {
                    let name = k.strip_suffix("_url").unwrap_or(k);
                    text(Some(v)).map(|url| (name.to_owned(), url))
                })
                .collect(),
        ),
        TaskKind::Midi => Payload::Midi(
            list("instruments")
                .iter()
                .map(|i| MidiInstrument {
                    name: text(i.get("name")),
                    notes: i
                        .get("notes")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|n| MidiNote {
                            pitch: number(n.get("pitch")),
                            start: number(n.get("start")),
                            end: number(n.get("end")),
                            velocity: number(n.get("velocity")),
                        })
                        .collect(),
                })
                .collect(),
        ),
    }
}

fn track(t: &Value) -> CallbackTrack {
    CallbackTrack {
        id: text(t.get("id")).unwrap_or_default(),
        audio_url: text(t.get("audio_url")),
        stream_audio_url: text(t.get("stream_audio_url")),
        image_url: text(t.get("image_url")),
        title: text(t.get("title")),
        tags: text(t.get("tags")),
        prompt: text(t.get("prompt")),
        model_name: text(t.get("model_name")),
        duration: number(t.get("duration")),
    }
}

/// A non-empty string.
fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A finite number, or a string holding one.
fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}
