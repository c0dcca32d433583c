//! What a watcher of a music task sees: [`TaskEvent`]s, each a change
//! between two polls, down to each track.

use std::collections::HashSet;

use crate::record::{MusicRecord, Track};
use crate::status::TaskStatus;

/// A change in a task, seen by one poll.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TaskEvent {
    /// The status changed (`from` is `None` on the first poll).
    StatusChanged {
        /// The status before, if there was a poll before.
        from: Option<TaskStatus>,
        /// The status now.
        to: TaskStatus,
    },
    /// Lyrics and titles are ready: the tracks as they are now.
    LyricsReady(Vec<Track>),
    /// A track's stream URL appeared: it can be played.
    TrackStreamable(Track),
    /// A track's audio file URL appeared: it is done.
    TrackReady(Track),
    /// The task is done: every track is ready.
    Completed(MusicRecord),
    /// The task ended without music.
    Failed {
        /// The failure status.
        status: TaskStatus,
        /// The last record, with its error code and message.
        record: MusicRecord,
    },
}

/// Whether the record says the task failed: a failure status; a callback
/// exception whose tracks are not all done; a success with an error and
/// no audio at all; or, whatever the status says, an error code or message
/// (live, a task can stay `PENDING` after it failed). The rule is stated
/// in [`crate::wait`].
pub(crate) fn is_failed(record: &MusicRecord) -> bool {
    let reported = record.error().is_some();
    match record.status() {
        TaskStatus::CallbackException => !all_tracks_done(record),
        TaskStatus::Success => reported && !record.tracks().iter().any(|t| t.audio_url().is_some()),
        status if status.is_failure() => true,
        _ => reported,
    }
}

/// Whether no later record will differ: a terminal status, or a failure
/// whatever the status says.
pub(crate) fn is_terminal(record: &MusicRecord) -> bool {
    record.status().is_terminal() || is_failed(record)
}

fn all_tracks_done(record: &MusicRecord) -> bool {
    !record.tracks().is_empty() && record.tracks().iter().all(|t| t.audio_url().is_some())
}

/// What a watcher of a music task has been told already, so that each
/// change is told once.
#[derive(Debug, Default)]
pub struct Seen {
    status: Option<TaskStatus>,
    lyrics: bool,
    streamable: HashSet<String>,
    ready: HashSet<String>,
}

impl Seen {
    /// The events between the previous record and `record`, in the order a
    /// listener expects: status, lyrics, streams, files, outcome.
    pub(crate) fn diff(&mut self, record: &MusicRecord) -> Vec<TaskEvent> {
        let mut events = Vec::new();
        let status = record.status();
        if self.status.as_ref() != Some(&status) {
            events.push(TaskEvent::StatusChanged {
                from: self.status.replace(status.clone()),
                to: status.clone(),
            });
        }
        let lyrics_stage = matches!(
            status,
            TaskStatus::TextSuccess | TaskStatus::FirstSuccess | TaskStatus::Success
        );
        if !self.lyrics && (lyrics_stage || !record.tracks().is_empty()) {
            self.lyrics = true;
            events.push(TaskEvent::LyricsReady(record.tracks().to_vec()));
        }
        for track in record.tracks() {
            if track.stream_audio_url().is_some() && self.streamable.insert(track.id().to_owned()) {
                events.push(TaskEvent::TrackStreamable(track.clone()));
            }
        }
        for track in record.tracks() {
            if track.audio_url().is_some() && self.ready.insert(track.id().to_owned()) {
                events.push(TaskEvent::TrackReady(track.clone()));
            }
        }
        if is_terminal(record) {
            events.push(if is_failed(record) {
                TaskEvent::Failed {
                    status,
                    record: record.clone(),
                }
            } else {
                TaskEvent::Completed(record.clone())
            });
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::types;

    /// A record at `status` with `error_code`/`error_message`, and two
    /// tracks with audio when `audio`.
    fn record(status: &str, code: serde_json::Value, message: &str, audio: bool) -> MusicRecord {
        let track = |i: u32| {
            serde_json::json!({
                "id": format!("t-{i}"),
                "audioUrl": if audio { format!("https://f.example/t-{i}.mp3") } else { String::new() },
            })
        };
        let raw: types::MusicRecord = serde_json::from_value(serde_json::json!({
            "taskId": "t",
            "status": status,
            "errorCode": code,
            "errorMessage": message,
            "response": { "sunoData": [track(0), track(1)] },
        }))
        .expect("a record");
        MusicRecord::from(raw)
    }

    #[test]
    fn an_error_on_the_record_is_a_failure_whatever_the_status_says() {
        for status in ["PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "MASTERING"] {
            let r = record(
                status,
                413.into(),
                "Uploaded audio matches existing work of art.",
                false,
            );
            assert!(is_failed(&r) && is_terminal(&r), "{status} with 413");
            let r = record(
                status,
                serde_json::Value::Null,
                "Your tags contain artist name",
                false,
            );
            assert!(is_failed(&r), "{status} with only a message");
            let r = record(status, 0.into(), "", false);
            assert!(
                !is_failed(&r) && !is_terminal(&r),
                "{status} without an error"
            );
        }
    }

    #[test]
    fn a_failure_status_fails_with_or_without_a_message() {
        for status in [
            "CREATE_TASK_FAILED",
            "GENERATE_AUDIO_FAILED",
            "SENSITIVE_WORD_ERROR",
        ] {
            assert!(is_failed(&record(status, 0.into(), "", false)), "{status}");
            assert!(
                is_failed(&record(status, 400.into(), "refused", true)),
                "{status}"
            );
        }
    }

    #[test]
    fn results_that_are_there_outweigh_an_error() {
        // SUCCESS with its audio: a message is a note, not a failure.
        assert!(!is_failed(&record(
            "SUCCESS",
            501.into(),
            "late warning",
            true
        )));
        // SUCCESS with an error and nothing to keep: failed.
        assert!(is_failed(&record("SUCCESS", 501.into(), "failed", false)));
        // SUCCESS without audio and without an error: complete, files missing.
        let r = record("SUCCESS", serde_json::Value::Null, "", false);
        assert!(!is_failed(&r) && is_terminal(&r));
        assert_eq!(r.missing_files().len(), 2);
        // CALLBACK_EXCEPTION: complete with every track, failed without.
        assert!(!is_failed(&record(
            "CALLBACK_EXCEPTION",
            serde_json::Value::Null,
            "Callback delivery failed",
            true
        )));
        assert!(is_failed(&record(
            "CALLBACK_EXCEPTION",
            serde_json::Value::Null,
            "Callback delivery failed",
            false
        )));
    }

    #[test]
    fn success_codes_and_blank_messages_are_not_errors() {
        for code in [serde_json::Value::Null, 0.into(), 200.into()] {
            let r = record("SUCCESS", code.clone(), "  ", true);
            assert_eq!(r.error(), None, "{code}");
        }
    }

    #[test]
    fn an_error_message_loses_its_url_secrets() {
        let r = record(
            "PENDING",
            451.into(),
            "cannot fetch https://bot:hunter2@cdn.example/a.mp3?token=hunter2",
            false,
        );
        let message = r.error().and_then(|e| e.message).unwrap();
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.contains("cdn.example/a.mp3"), "{message}");
    }
}
