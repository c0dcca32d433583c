//! Records of the task kinds other than music, as their details endpoints
//! write them: pending, then done with their files, or failed with the
//! kind's own failure word. Each kind spells its status its own way
//! (`status` words, `successFlag` words or numbers).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::kind::TaskKind;

/// Where a mock task of one of these kinds is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    Pending,
    Done,
    Failed,
}

/// A task of a kind other than music: done (or failed) some time after
/// it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindScript {
    /// When it ends, counted from its creation.
    pub ends_after: Duration,
    /// Whether it ends failed.
    pub fails: bool,
}

impl KindScript {
    /// Done after `after`.
    pub fn done_after(after: Duration) -> Self {
        KindScript {
            ends_after: after,
            fails: false,
        }
    }

    /// Failed after `after`.
    pub fn failed_after(after: Duration) -> Self {
        KindScript {
            ends_after: after,
            fails: true,
        }
    }

    pub(crate) fn progress_at(&self, elapsed: Duration) -> Progress {
        match (elapsed >= self.ends_after, self.fails) {
            (false, _) => Progress::Pending,
            (true, false) => Progress::Done,
            (true, true) => Progress::Failed,
        }
    }
}

fn lyrics(index: u32, prompt: &str) -> Value {
    json!({
        "text": format!("[Verse]\nLine {index} about {prompt}\n[Chorus]\nSing it again"),
        "title": format!("Mock lyrics {index}"),
        "status": "complete",
        "errorMessage": "",
    })
}

/// The `data` of a details answer for a task of `kind`.
pub(crate) fn record(
    kind: TaskKind,
    task_id: &str,
    progress: Progress,
    created: SystemTime,
    input: &Value,
) -> Value {
    let created_ms = created
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let files = "https://files.mock.invalid";
    let done = progress == Progress::Done;
    let (error_code, error_message) = match progress {
        Progress::Failed => (
            json!(500),
            json!("Generation failed, please try again later."),
        ),
        _ => (Value::Null, Value::Null),
    };
    let complete_time = if progress == Progress::Pending {
        Value::Null
    } else {
        json!(created_ms + 20_000)
    };
    let text = |key: &str| input.get(key).and_then(Value::as_str).unwrap_or("");
    let word = |failed: &str| match progress {
        Progress::Pending => "PENDING".to_owned(),
        Progress::Done => "SUCCESS".to_owned(),
        Progress::Failed => failed.to_owned(),
    };
    let number = match progress {
        Progress::Pending => 0,
        Progress::Done => 1,
        Progress::Failed => 3,
    };
    let common = json!({
        "taskId": task_id,
        "callbackUrl": text("callBackUrl"),
        "createTime": created_ms,
        "completeTime": complete_time,
        "errorCode": error_code,
        "errorMessage": error_message,
    });
    let specific = match kind {
        TaskKind::Lyrics => json!({
            "param": serde_json::to_string(&json!({ "prompt": text("prompt") })).unwrap_or_default(),
            "type": "LYRICS",
            "status": word("GENERATE_LYRICS_FAILED"),
            "response": done.then(|| json!({
                "taskId": task_id,
                "data": (0..2).map(|i| lyrics(i, text("prompt"))).collect::<Vec<_>>(),
            })),
        }),
        TaskKind::Wav => json!({
            "musicId": text("audioId"),
            "musicIndex": 0,
            "successFlag": word("GENERATE_WAV_FAILED"),
            "response": done.then(|| json!({ "audioWavUrl": format!("{files}/{task_id}.wav") })),
        }),
        TaskKind::VocalSeparation => json!({
            "musicId": text("audioId"),
            "musicIndex": 0,
            "successFlag": word("GENERATE_AUDIO_FAILED"),
            "response": done.then(|| json!({
                "vocalUrl": format!("{files}/{task_id}_Vocals.mp3"),
                "instrumentalUrl": format!("{files}/{task_id}_Instrumental.mp3"),
                "originUrl": null,
                "originData": [
                    { "id": format!("{task_id}-v"), "audio_url": format!("{files}/{task_id}_Vocals.mp3"),
                      "duration": 180.5, "stem_type_group_name": "Vocals" },
                    { "id": format!("{task_id}-i"), "audio_url": format!("{files}/{task_id}_Instrumental.mp3"),
                      "duration": 180.5, "stem_type_group_name": "Instrumental" },
                ],
            })),
        }),
        TaskKind::Midi => json!({
            "audioId": text("audioId"),
            "recordTaskId": -1,
            "successFlag": number,
            "errorCode": if progress == Progress::Failed { json!("500") } else { Value::Null },
            "midiData": done.then(|| json!({
                "state": "complete",
                "instruments": [{ "name": "Acoustic Grand Piano", "notes": [
                    { "pitch": 60, "start": 0.0, "end": 0.5, "velocity": 1 },
                    { "pitch": 64, "start": 0.5, "end": 1.0, "velocity": 1 },
                ]}],
            })),
        }),
        TaskKind::Video => json!({
            "musicId": text("audioId"),
            "musicIndex": 0,
            "successFlag": word("GENERATE_MP4_FAILED"),
            "response": done.then(|| json!({ "videoUrl": format!("{files}/{task_id}.mp4") })),
        }),
        TaskKind::Cover => json!({
            "parentTaskId": text("taskId"),
            "successFlag": number,
            "response": done.then(|| json!({ "images": [
                format!("{files}/{task_id}-0.png"),
                format!("{files}/{task_id}-1.png"),
            ]})),
        }),
        // Music records come from their script.
        TaskKind::Music => json!({}),
    };
    let mut record = common;
    if let (Some(record), Value::Object(specific)) = (record.as_object_mut(), specific) {
        record.extend(specific);
    }
    record
}
