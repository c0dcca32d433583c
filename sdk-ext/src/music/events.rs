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

/// Whether a terminal record means "no music". `CALLBACK_EXCEPTION` only
/// says the provider's callback failed: it counts as a failure only when
/// the tracks are not all done.
pub(crate) fn is_failed(record: &MusicRecord) -> bool {
    match record.status() {
        TaskStatus::CallbackException => !all_tracks_done(record),
        status => status.is_failure(),
    }
}

/// Whether no later record will differ in status.
pub(crate) fn is_terminal(record: &MusicRecord) -> bool {
    record.status().is_terminal()
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
